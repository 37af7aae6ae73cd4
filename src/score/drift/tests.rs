use super::*;
use vigil_gbdt::{FeatureSchema, SchemaColumn};

fn matrix(name: &str, kind: ColumnKind, values: Vec<f32>) -> Matrix {
    let rows = values.len();
    Matrix {
        schema: FeatureSchema {
            columns: vec![SchemaColumn {
                name: name.into(),
                kind,
            }],
        },
        columns: vec![values],
        rows,
    }
}

/// Deterministic standard normal draws (Box–Muller over a SplitMix64 stream).
fn normals(n: usize, seed: u64, mean: f64) -> Vec<f64> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let u = next().max(1e-12);
            let v = next();
            mean + (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        })
        .collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn psi_of_known_shares_is_the_hand_computed_value() {
    // 0.15·ln 2.5 + 0.05·ln 1.25 − 0.05·ln(5/6) − 0.15·ln 0.625
    close(psi(&[0.25; 4], &[0.1, 0.2, 0.3, 0.4]), 0.228_217_409_573_391_84);
}

#[test]
fn numeric_reference_uses_sturges_quantile_bins_and_matches_a_hand_computed_psi() {
    // 0..=100: 101 distinct values, Sturges ⌈log₂ 101 + 1⌉ = 8 bins at the reference's
    // octiles (linear interpolation): 12.5, 25, …, 87.5 → counts 13,13,12,13,12,13,12,13.
    let reference: Vec<f32> = (0..=100).map(|v| v as f32).collect();
    let r = Reference::build(
        &matrix("days", ColumnKind::Numeric, reference),
        &[0.5; 101],
        "fixture",
        |_| true,
    );
    let f = &r.features[0];
    assert_eq!(
        f.bins,
        Bins::Quantile {
            edges: vec![12.5, 25.0, 37.5, 50.0, 62.5, 75.0, 87.5]
        }
    );
    assert_eq!(
        f.bins.counts(&(0..=100).map(f64::from).collect::<Vec<_>>()),
        vec![13, 13, 12, 13, 12, 13, 12, 13, 0, 0]
    );
    // Current: only 0..=50 (51 rows) → 13,13,12,13 and four empty bins floored at 0.0001.
    let current: Vec<f32> = (0..=50).map(|v| v as f32).collect();
    let d = r
        .compare(&matrix("days", ColumnKind::Numeric, current), &[0.5; 51])
        .expect("compare");
    // Σ over the 8 bins of (r − c)·ln(r/c), r = counts/101, c = counts/51 or 0.0001.
    close(d[0].psi, 3.861_034_909_683_277);
    assert_eq!((d[0].reference_rows, d[0].current_rows), (101, 51));
    assert_eq!(d[0].status(), "warn");
    assert_eq!(d[1].feature, SCORE_FEATURE);
    close(d[1].psi, 0.0);
}

#[test]
fn categorical_psi_floors_an_empty_missing_bin() {
    // Levels a,b,c at 50/30/20 % with nothing missing; today 30/30/30 % and 10 % missing.
    // 0.2·ln(5/3) + 0 − 0.1·ln(2/3) + (0.0001 − 0.1)·ln(0.0001/0.1) = 0.83280
    let kind = ColumnKind::Categorical {
        levels: vec!["a".into(), "b".into(), "c".into()],
    };
    let reference: Vec<f32> = [(0.0, 50), (1.0, 30), (2.0, 20)]
        .iter()
        .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
        .collect();
    let current: Vec<f32> = [(0.0, 30), (1.0, 30), (2.0, 30), (f32::NAN, 10)]
        .iter()
        .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
        .collect();
    let r = Reference::build(
        &matrix("segment", kind.clone(), reference),
        &[0.1; 100],
        "fixture",
        |_| true,
    );
    assert_eq!(r.features[0].shares, vec![0.5, 0.3, 0.2, 0.0, 0.0]);
    let d = r
        .compare(&matrix("segment", kind, current), &[0.1; 100])
        .expect("compare");
    close(d[0].psi, 0.832_796_387_934_330_1);
    assert_eq!(d[0].kind, DriftKind::Categorical);
}

#[test]
fn empty_bins_take_evidentlys_floor() {
    assert_eq!(floor_empty(&[0.5, 0.5, 0.0]), vec![0.5, 0.5, EMPTY_BIN_SHARE]);
    // A smallest non-zero share at or below the floor: the floor is that share / 10⁶.
    assert_eq!(
        floor_empty(&[0.99995, 0.00005, 0.0]),
        vec![0.99995, 0.00005, 0.00005 / 1e6]
    );
    // A bin empty on both sides contributes nothing.
    close(psi(&[0.5, 0.5, 0.0], &[0.5, 0.5, 0.0]), 0.0);
}

#[test]
fn identical_populations_have_zero_psi() {
    let values: Vec<f32> = normals(2000, 7, 0.0).into_iter().map(|v| v as f32).collect();
    let score: Vec<f64> = normals(2000, 8, 0.3).into_iter().map(f64::abs).collect();
    let x = matrix("usage", ColumnKind::Numeric, values);
    let r = Reference::build(&x, &score, "fixture", |_| true);
    for d in r.compare(&x, &score).expect("compare") {
        close(d.psi, 0.0);
        assert_eq!(d.status(), "ok");
    }
}

#[test]
fn a_shifted_normal_is_significant_drift_and_a_resample_is_not() {
    let reference: Vec<f32> = normals(5000, 1, 0.0).into_iter().map(|v| v as f32).collect();
    let x = matrix("usage", ColumnKind::Numeric, reference);
    let r = Reference::build(&x, &vec![0.5; 5000], "fixture", |_| true);
    // Sturges for 5000 values: 14 bins (13 interior edges).
    assert!(matches!(&r.features[0].bins, Bins::Quantile { edges } if edges.len() == 13));
    let same: Vec<f32> = normals(5000, 2, 0.0).into_iter().map(|v| v as f32).collect();
    let d = r
        .compare(&matrix("usage", ColumnKind::Numeric, same), &vec![0.5; 5000])
        .expect("compare");
    assert!(d[0].psi < MODERATE_PSI, "resample psi {}", d[0].psi);
    // A one-sigma shift: PSI ≈ δ² ≈ 1 for a normal.
    let shifted: Vec<f32> = normals(5000, 3, 1.0).into_iter().map(|v| v as f32).collect();
    let d = r
        .compare(&matrix("usage", ColumnKind::Numeric, shifted), &vec![0.5; 5000])
        .expect("compare");
    assert!(
        d[0].psi > SIGNIFICANT_PSI && d[0].is_significant(),
        "shift psi {}",
        d[0].psi
    );
    assert_eq!(d[0].status(), "warn");
}

#[test]
fn few_distinct_values_are_binned_per_value_and_new_values_go_to_other() {
    let b = numeric_bins(&[0.0, 1.0, 1.0, f64::NAN, 3.0]);
    assert_eq!(
        b,
        Bins::Values {
            values: vec![0.0, 1.0, 3.0]
        }
    );
    assert_eq!(b.counts(&[1.0, 2.0, f64::NAN, 3.0]), vec![0, 1, 1, 1, 1]);
    assert_eq!(status(0.15), "moderate");
}

#[test]
fn a_matrix_with_other_features_is_an_error_and_the_reference_round_trips() {
    let x = matrix("a", ColumnKind::Numeric, vec![1.0, 2.0]);
    let r = Reference::build(&x, &[0.1, 0.2], "fixture", |_| true);
    let json = serde_json::to_string(&r).expect("json");
    assert_eq!(serde_json::from_str::<Reference>(&json).expect("parse"), r);
    let other = matrix("b", ColumnKind::Numeric, vec![1.0, 2.0]);
    let e = r.compare(&other, &[0.1, 0.2]).expect_err("mismatch");
    assert!(e.to_string().contains("[a]"), "{e}");
    // Features left out of the reference (here `a`) are not monitored.
    let none = Reference::build(&x, &[0.1, 0.2], "fixture", |n| n != "a");
    let d = none.compare(&other, &[0.1, 0.2]).expect("only the score");
    assert_eq!(d.len(), 1);
    let frame = monitoring_frame("run", "v1", &r.compare(&x, &[0.1, 0.2]).expect("same")).expect("frame");
    assert_eq!(frame.height(), 2);
    assert_eq!(
        frame
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        vec![
            "run_id",
            "model_version",
            "feature",
            "kind",
            "psi",
            "status",
            "reference_rows",
            "current_rows",
            "bin_counts",
            "reference_shares"
        ]
    );
}

mod gate {
    use super::*;

    fn d(kind: DriftKind, psi: f64) -> Drift {
        Drift {
            feature: "f".into(),
            psi,
            kind,
            reference_rows: 100,
            current_rows: 100,
            counts: Vec::new(),
            reference_shares: Vec::new(),
        }
    }

    #[test]
    fn one_drifting_feature_warns_but_the_score_or_many_features_stop_the_run() {
        let mut drifts: Vec<Drift> = (0..8).map(|_| d(DriftKind::Numeric, 0.01)).collect();
        drifts.push(d(DriftKind::Numeric, 5.0));
        drifts.push(d(DriftKind::Score, 0.05));
        assert!(!gate_trips(&drifts), "one feature of nine");
        drifts[0].psi = 0.3;
        assert!(!gate_trips(&drifts), "two of nine (22%)");
        drifts[1].psi = 0.3;
        assert!(gate_trips(&drifts), "three of nine (33%)");
        drifts[0].psi = 0.0;
        drifts[1].psi = 0.0;
        drifts[9].psi = 0.25;
        assert!(gate_trips(&drifts), "the score drifted");
    }
}
