//! Gradient histograms: where the training time goes, so laid out for speed.
//!
//! A histogram is one flat array of [`Bin`]s, every feature's bins side by side (a feature
//! with `k` bins owns `k` consecutive slots; features with a single occupied bin own none,
//! they can never split). Rows are read from [`RowBins`], a sparse row-major copy of the
//! binned matrix that stores, per row, the slots of its bins *except* each feature's most
//! frequent bin: about half the bins on vigil's feature table (counts, flags and staleness
//! columns are mostly zero). The skipped bin is recovered afterwards as the node's total
//! minus the feature's other bins ([`Slots::restore_skipped`], LightGBM's `most_freq_bin`
//! trick). A [`Bin`] holds gradient, hessian and row count as four 64-bit lanes, 32-byte
//! aligned, so adding a row is one vector add per slot rather than three scalar updates.
//!
//! Hand-written rather than taken from a crate: no crate offers histogram construction for
//! gradient boosting outside a whole GBDT library (see the module docs of `gbdt`).

use rayon::prelude::*;

/// Gradient, hessian and row count of a histogram bin or a node (the fourth lane pads the
/// bin to 32 bytes so a bin never straddles a cache line).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(32))]
pub struct Bin(pub [f64; 4]);

impl Bin {
    /// A row's contribution.
    #[inline(always)]
    pub fn row(g: f32, h: f32) -> Self {
        Bin([f64::from(g), f64::from(h), 1.0, 0.0])
    }

    /// Lane-wise sum.
    #[inline(always)]
    pub fn add(&mut self, o: &Bin) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a += b;
        }
    }

    /// Lane-wise difference.
    #[inline]
    pub fn sub(&mut self, o: &Bin) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a -= b;
        }
    }
}

/// Where each feature's bins sit in a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Slots {
    /// Per schema feature: its first slot and number of bins, or `None` when only one of
    /// its bins is occupied in the training rows (nothing to split on).
    pub range: Vec<Option<(usize, usize)>>,
    /// Per schema feature: its most frequent bin, which [`RowBins`] does not store.
    pub skipped: Vec<u8>,
    /// Slots in a histogram.
    pub total: usize,
}

impl Slots {
    /// Lays out the features whose column-major bins `columns` occupy at least two of their
    /// `counts[f]` bins.
    pub fn new(columns: &[Vec<u8>], counts: &[usize]) -> Self {
        let stats: Vec<(usize, u8)> = columns
            .par_iter()
            .zip(counts)
            .map(|(col, &k)| {
                let mut freq = [0usize; 256];
                for &b in col {
                    freq[b as usize] += 1;
                }
                let occupied = freq[..k].iter().filter(|&&c| c > 0).count();
                // The first most frequent bin, so that ties resolve the same way every time.
                let top = (0..k).rev().max_by_key(|&b| freq[b]).unwrap_or(0);
                (occupied, top as u8)
            })
            .collect();
        let mut total = 0;
        let range = stats
            .iter()
            .zip(counts)
            .map(|(&(occupied, _), &k)| {
                (occupied >= 2).then(|| {
                    total += k;
                    (total - k, k)
                })
            })
            .collect();
        let skipped = stats.iter().map(|&(_, top)| top).collect();
        Self {
            range,
            skipped,
            total,
        }
    }

    /// A zeroed histogram.
    pub fn empty(&self) -> Vec<Bin> {
        vec![Bin::default(); self.total]
    }

    /// Fills each feature's skipped bin of `hist` with what the node's `total` leaves over.
    pub fn restore_skipped(&self, hist: &mut [Bin], total: &Bin) {
        for (range, &skip) in self.range.iter().zip(&self.skipped) {
            let Some((start, k)) = *range else { continue };
            let bins = &mut hist[start..start + k];
            let mut rest = *total;
            for (b, bin) in bins.iter().enumerate() {
                if b != skip as usize {
                    rest.sub(bin);
                }
            }
            bins[skip as usize] = rest;
        }
    }
}

/// Slot numbers as stored: 16 bits when every histogram slot fits, else 32.
enum Entries {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// A slot number type of [`Entries`].
trait Slot: Copy + Send + Sync {
    fn index(self) -> usize;
}
impl Slot for u16 {
    #[inline(always)]
    fn index(self) -> usize {
        usize::from(self)
    }
}
impl Slot for u32 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// The binned training rows, sparse and row-major: row `r`'s histogram slots (skipped bins
/// left out) are `entries[starts[r]..starts[r + 1]]`.
pub struct RowBins {
    starts: Vec<usize>,
    entries: Entries,
}

/// Rows per parallel task when building [`RowBins`].
const BUILD_CHUNK: usize = 65_536;

/// Below this many rows a histogram is filled by one thread (splitting costs more).
const PARALLEL_ROWS: usize = 8_192;

impl RowBins {
    /// Builds the sparse rows from column-major bins.
    pub fn new(columns: &[Vec<u8>], slots: &Slots, rows: usize) -> Self {
        let used: Vec<(&[u8], usize, u8)> = columns
            .iter()
            .zip(&slots.range)
            .zip(&slots.skipped)
            .filter_map(|((col, range), &skip)| range.map(|(start, _)| (&col[..], start, skip)))
            .collect();
        if slots.total <= usize::from(u16::MAX) + 1 {
            let (starts, entries) = Self::gather::<u16>(&used, rows, |s| s as u16);
            Self {
                starts,
                entries: Entries::Narrow(entries),
            }
        } else {
            let (starts, entries) = Self::gather::<u32>(&used, rows, |s| s as u32);
            Self {
                starts,
                entries: Entries::Wide(entries),
            }
        }
    }

    fn gather<T: Slot>(
        used: &[(&[u8], usize, u8)],
        rows: usize,
        cast: fn(usize) -> T,
    ) -> (Vec<usize>, Vec<T>) {
        let chunks: Vec<(Vec<u32>, Vec<T>)> = (0..rows.div_ceil(BUILD_CHUNK))
            .into_par_iter()
            .map(|c| {
                let range = c * BUILD_CHUNK..((c + 1) * BUILD_CHUNK).min(rows);
                let (mut lens, mut entries) = (Vec::with_capacity(range.len()), Vec::new());
                for r in range {
                    let before = entries.len();
                    for &(col, start, skip) in used {
                        let b = col[r];
                        if b != skip {
                            entries.push(cast(start + usize::from(b)));
                        }
                    }
                    lens.push((entries.len() - before) as u32);
                }
                (lens, entries)
            })
            .collect();
        let mut starts = Vec::with_capacity(rows + 1);
        let mut entries = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
        starts.push(0);
        for (lens, part) in chunks {
            for len in lens {
                starts.push(starts[starts.len() - 1] + len as usize);
            }
            entries.extend_from_slice(&part);
        }
        (starts, entries)
    }

    /// Fills `out` (zeroed here) with the histogram of `rows` (every row when `None`) from
    /// the per-row gradient pairs `gh`, skipped bins left at zero. Large inputs are cut into
    /// one contiguous block per thread; each block fills its own histogram (`scratch`
    /// provides the extra ones) and the blocks are added up in block order, so the result
    /// depends on the thread count only, never on scheduling.
    pub fn fill(&self, rows: Option<&[u32]>, gh: &[[f32; 2]], out: &mut [Bin], scratch: &mut Vec<Vec<Bin>>) {
        let n = rows.map_or(self.starts.len() - 1, <[u32]>::len);
        let blocks = if n < PARALLEL_ROWS {
            1
        } else {
            rayon::current_num_threads().max(1)
        };
        out.fill(Bin::default());
        if blocks == 1 {
            self.fill_block(rows, 0..n, gh, out);
            return;
        }
        scratch.resize_with(scratch.len().max(blocks - 1), Vec::new);
        let (per, len) = (n.div_ceil(blocks), out.len());
        let mut targets: Vec<&mut [Bin]> = vec![&mut *out];
        for s in scratch.iter_mut().take(blocks - 1) {
            s.resize(len, Bin::default());
            s.fill(Bin::default());
            targets.push(&mut s[..]);
        }
        targets.into_par_iter().enumerate().for_each(|(k, target)| {
            let range = (k * per).min(n)..((k + 1) * per).min(n);
            self.fill_block(rows, range, gh, target);
        });
        for s in scratch.iter().take(blocks - 1) {
            for (a, b) in out.iter_mut().zip(s) {
                a.add(b);
            }
        }
    }

    /// Fills `out` from a block of rows, compiled for the widest vector unit the CPU has
    /// (`pulp` dispatches at run time; everything below is inlined into its variants).
    fn fill_block(
        &self,
        rows: Option<&[u32]>,
        range: std::ops::Range<usize>,
        gh: &[[f32; 2]],
        out: &mut [Bin],
    ) {
        pulp::Arch::new().dispatch(
            #[inline(always)]
            || match (&self.entries, rows) {
                (Entries::Narrow(e), Some(rows)) => accumulate_rows(&self.starts, e, &rows[range], gh, out),
                (Entries::Narrow(e), None) => accumulate_range(&self.starts, e, range, gh, out),
                (Entries::Wide(e), Some(rows)) => accumulate_rows(&self.starts, e, &rows[range], gh, out),
                (Entries::Wide(e), None) => accumulate_range(&self.starts, e, range, gh, out),
            },
        )
    }
}

/// The hot loop over consecutive rows (the hardware prefetcher follows them).
#[inline(always)]
fn accumulate_range<T: Slot>(
    starts: &[usize],
    entries: &[T],
    rows: std::ops::Range<usize>,
    gh: &[[f32; 2]],
    out: &mut [Bin],
) {
    for r in rows {
        add_row(&entries[starts[r]..starts[r + 1]], gh[r], out);
    }
}

/// Rows ahead whose offsets and gradients are prefetched.
const AHEAD: usize = 16;

/// The hot loop over a node's rows: ascending but scattered, so each row's data would be a
/// cache miss; the offsets and gradients of the row [`AHEAD`] places on, and the bins of
/// the row half as far on (whose offset has arrived by then), are prefetched.
#[inline(always)]
fn accumulate_rows<T: Slot>(starts: &[usize], entries: &[T], rows: &[u32], gh: &[[f32; 2]], out: &mut [Bin]) {
    for (i, &r) in rows.iter().enumerate() {
        if let Some(&ahead) = rows.get(i + AHEAD) {
            prefetch(&starts[ahead as usize]);
            prefetch(&gh[ahead as usize]);
        }
        if let Some(&ahead) = rows.get(i + AHEAD / 2)
            && let Some(first) = entries.get(starts[ahead as usize])
        {
            prefetch(first);
        }
        let r = r as usize;
        add_row(&entries[starts[r]..starts[r + 1]], gh[r], out);
    }
}

/// Adds one row: one vector add per stored bin.
#[inline(always)]
fn add_row<T: Slot>(slots: &[T], [g, h]: [f32; 2], out: &mut [Bin]) {
    let v = Bin::row(g, h);
    for &s in slots {
        out[s.index()].add(&v);
    }
}

/// Asks the CPU to bring `x`'s cache line in (a no-op off x86-64).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_histogram_with_restored_bins_equals_a_direct_count() {
        // Feature 0: 3 bins, bin 1 most frequent; feature 1: constant; feature 2: 4 bins.
        let columns = vec![
            vec![1, 1, 2, 1, 0, 1, 2, 1, 1, 1],
            vec![1; 10],
            vec![3, 0, 0, 1, 2, 3, 3, 0, 1, 2],
        ];
        let counts = [3, 2, 4];
        let slots = Slots::new(&columns, &counts);
        assert_eq!(slots.range, vec![Some((0, 3)), None, Some((3, 4))]);
        assert_eq!(slots.skipped[0], 1);
        let rows = RowBins::new(&columns, &slots, 10);
        let gh: Vec<[f32; 2]> = (0..10).map(|i| [i as f32 - 4.0, 0.5 + i as f32]).collect();
        let subset: Vec<u32> = vec![0, 2, 3, 5, 6, 9];
        let mut total = Bin::default();
        for &r in &subset {
            total.add(&Bin::row(gh[r as usize][0], gh[r as usize][1]));
        }
        let mut hist = slots.empty();
        rows.fill(Some(&subset), &gh, &mut hist, &mut Vec::new());
        slots.restore_skipped(&mut hist, &total);
        for (f, col) in columns.iter().enumerate() {
            let Some((start, k)) = slots.range[f] else {
                continue;
            };
            for b in 0..k {
                let mut want = Bin::default();
                for &r in subset.iter().filter(|&&r| col[r as usize] as usize == b) {
                    want.add(&Bin::row(gh[r as usize][0], gh[r as usize][1]));
                }
                assert_eq!(hist[start + b].0[2], want.0[2], "count of feature {f} bin {b}");
                assert!((hist[start + b].0[0] - want.0[0]).abs() < 1e-9);
                assert!((hist[start + b].0[1] - want.0[1]).abs() < 1e-9);
            }
        }
    }
}
