//! Drift of a sharded run: PSI is a population figure, so the shards' `monitoring` rows are
//! combined by summing each column's bin counts (the shards score disjoint accounts against
//! the same reference bins) and recomputing PSI from the sums — exactly the PSI an
//! unsharded run over the same accounts measures.

use super::{Drift, DriftError, DriftKind, psi, shares};
use polars::prelude::*;

fn column_err(e: PolarsError) -> DriftError {
    DriftError::Merge(e.to_string())
}

/// The drift of every column over all shards, from the shards' `monitoring` rows stacked
/// (`feature`, `kind`, `reference_rows`, `bin_counts`, `reference_shares`), in the order the
/// columns first appear.
pub fn merge_shards(rows: &DataFrame) -> Result<Vec<Drift>, DriftError> {
    let feature = rows.column("feature").and_then(|c| c.str()).map_err(column_err)?;
    let kind = rows.column("kind").and_then(|c| c.str()).map_err(column_err)?;
    let reference_rows = rows
        .column("reference_rows")
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(column_err)?;
    let reference_rows = reference_rows.u64().map_err(column_err)?;
    let counts = rows
        .column("bin_counts")
        .and_then(|c| c.list())
        .map_err(column_err)?;
    let reference = rows
        .column("reference_shares")
        .and_then(|c| c.list())
        .map_err(column_err)?;
    let mut out: Vec<Drift> = Vec::new();
    for i in 0..rows.height() {
        let name = feature
            .get(i)
            .ok_or_else(|| DriftError::Merge(format!("row {i} has no feature")))?;
        let bins: Vec<u64> = match counts.get_as_series(i) {
            Some(s) => s
                .cast(&DataType::UInt64)
                .map_err(column_err)?
                .u64()
                .map_err(column_err)?
                .into_no_null_iter()
                .collect(),
            None => return Err(DriftError::Merge(format!("{name}: no bin counts"))),
        };
        let ref_shares: Vec<f64> = match reference.get_as_series(i) {
            Some(s) => s.f64().map_err(column_err)?.into_no_null_iter().collect(),
            None => return Err(DriftError::Merge(format!("{name}: no reference shares"))),
        };
        match out.iter_mut().find(|d| d.feature == name) {
            Some(d) => {
                if d.counts.len() != bins.len() || d.reference_shares != ref_shares {
                    return Err(DriftError::Merge(format!(
                        "{name}: the shards measured it against different references (were they scored \
                         by different model versions?)"
                    )));
                }
                for (sum, c) in d.counts.iter_mut().zip(&bins) {
                    *sum += c;
                }
                d.current_rows += bins.iter().sum::<u64>() as usize;
            }
            None => {
                let kind = kind
                    .get(i)
                    .and_then(DriftKind::from_name)
                    .ok_or_else(|| DriftError::Merge(format!("{name}: unknown kind {:?}", kind.get(i))))?;
                out.push(Drift {
                    feature: name.to_string(),
                    psi: 0.0,
                    kind,
                    reference_rows: reference_rows.get(i).unwrap_or(0) as usize,
                    current_rows: bins.iter().sum::<u64>() as usize,
                    counts: bins,
                    reference_shares: ref_shares,
                });
            }
        }
    }
    for d in &mut out {
        d.psi = psi(&d.reference_shares, &shares(&d.counts));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Reference, monitoring_frame};
    use super::*;
    use vigil_gbdt::{ColumnKind, FeatureSchema, Matrix, SchemaColumn};

    fn matrix(values: Vec<f32>) -> Matrix {
        let rows = values.len();
        Matrix {
            schema: FeatureSchema {
                columns: vec![SchemaColumn {
                    name: "logins".into(),
                    kind: ColumnKind::Numeric,
                }],
            },
            columns: vec![values],
            rows,
        }
    }

    #[test]
    fn summed_shards_give_the_psi_of_the_whole_population() {
        let reference: Vec<f32> = (0..400).map(|i| (i % 50) as f32).collect();
        let ref_score: Vec<f64> = (0..400).map(|i| f64::from(i % 10) / 10.0).collect();
        let r = Reference::build(&matrix(reference), &ref_score, "test", |_| true);
        let current: Vec<f32> = (0..300).map(|i| (i % 70) as f32 + 5.0).collect();
        let score: Vec<f64> = (0..300).map(|i| f64::from(i % 7) / 7.0).collect();
        let whole = r.compare(&matrix(current.clone()), &score).expect("whole");
        let mut stacked: Option<DataFrame> = None;
        for (lo, hi) in [(0, 100), (100, 130), (130, 300)] {
            let part = r
                .compare(&matrix(current[lo..hi].to_vec()), &score[lo..hi])
                .expect("part");
            let frame = monitoring_frame("run", "v1", &part).expect("frame");
            match &mut stacked {
                Some(s) => {
                    s.vstack_mut(&frame).expect("stack");
                }
                None => stacked = Some(frame),
            }
        }
        let merged = merge_shards(&stacked.expect("rows")).expect("merge");
        assert_eq!(merged.len(), whole.len());
        for (m, w) in merged.iter().zip(&whole) {
            assert_eq!(m.feature, w.feature);
            assert_eq!(m.counts, w.counts);
            assert_eq!(m.current_rows, 300);
            assert!(
                (m.psi - w.psi).abs() < 1e-12,
                "{} {} vs {}",
                m.feature,
                m.psi,
                w.psi
            );
        }
        assert!(
            merged[0].psi > 0.1,
            "the shifted feature drifted: {}",
            merged[0].psi
        );
    }
}
