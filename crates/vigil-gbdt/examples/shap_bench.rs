//! Explanation throughput of recursive TreeSHAP and leaf-table TreeSHAP on one trained model
//! (driven by `benches/shap_vs_lightgbm.py`, which times LightGBM's `pred_contrib` on the
//! same data and threads).
//!
//! ```sh
//! cargo run -p vigil-gbdt --example shap_bench -- DATA.csv [--threads 2] [--rounds 100] [--runs 1]
//! ```
//!
//! `DATA.csv`: a header `label,<feature>,...` where a categorical feature is named
//! `<name>@<levels>` and holds level numbers; `nan` or an empty field is missing. Trains on
//! every row (no early stopping, so exactly `--rounds` trees unless a round finds no split)
//! with the benchmark's hyper-parameters, then explains every row `--runs` times by each
//! algorithm in turn, and prints one JSON object: seconds per run of each, rows/s (medians),
//! and the largest difference between the two algorithms' values.

use std::error::Error;
use std::time::Instant;
use vigil_gbdt::{ColumnKind, Dataset, FeatureSchema, Gbdt, GbdtParams, Matrix, SchemaColumn, fit};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// The command line.
struct Args {
    data: String,
    threads: usize,
    rounds: usize,
    runs: usize,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        data: String::new(),
        threads: 2,
        rounds: 100,
        runs: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut number = || -> Result<usize> { Ok(it.next().ok_or(format!("{a} needs a value"))?.parse()?) };
        match a.as_str() {
            "--threads" => args.threads = number()?,
            "--rounds" => args.rounds = number()?,
            "--runs" => args.runs = number()?.max(1),
            _ if args.data.is_empty() => args.data = a,
            _ => return Err(format!("unexpected argument {a}").into()),
        }
    }
    if args.data.is_empty() {
        return Err("usage: shap_bench DATA.csv [--threads N] [--rounds N] [--runs N]".into());
    }
    Ok(args)
}

/// A schema column from a header name (`name@levels` for a categorical).
fn schema_column(name: &str) -> Result<SchemaColumn> {
    let kind = match name.split_once('@') {
        Some((_, levels)) => ColumnKind::Categorical {
            levels: (0..levels.parse::<usize>()?)
                .map(|l| format!("level{l}"))
                .collect(),
        },
        None => ColumnKind::Numeric,
    };
    Ok(SchemaColumn {
        name: name.to_string(),
        kind,
    })
}

fn read_csv(path: &str) -> Result<Dataset> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let schema = FeatureSchema {
        columns: header[1..]
            .iter()
            .map(|n| schema_column(n))
            .collect::<Result<_>>()?,
    };
    let mut columns = vec![Vec::new(); header.len() - 1];
    let mut y = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != header.len() {
            return Err(format!(
                "line {}: {} fields, header has {}",
                i + 2,
                fields.len(),
                header.len()
            )
            .into());
        }
        y.push(fields[0].parse::<f32>()?);
        for (col, field) in columns.iter_mut().zip(&fields[1..]) {
            col.push(if field.is_empty() {
                f32::NAN
            } else {
                field.parse()?
            });
        }
    }
    let rows = y.len();
    Ok(Dataset {
        x: Matrix {
            schema,
            columns,
            rows,
        },
        w: vec![1.0; rows],
        y,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One explanation pass: wall seconds, CPU seconds of the process and the values.
struct Timed {
    wall: f64,
    cpu: f64,
    values: Vec<Vec<f64>>,
}

/// Explains `x` once by `explain`.
fn timed(x: &Matrix, explain: impl Fn(&Matrix) -> Result<Vec<Vec<f64>>>) -> Result<Timed> {
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let values = explain(x)?;
    Ok(Timed {
        wall: t0.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - c0,
        values,
    })
}

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, in clock
/// ticks of 1/100 s; 0 elsewhere): on a shared machine, the work done apart from waiting.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let ticks: f64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

/// Largest absolute and relative (to 1 + |reference|) difference of two row sets.
fn differences(a: &[Vec<f64>], b: &[Vec<f64>]) -> (f64, f64) {
    let pairs = a.iter().flatten().zip(b.iter().flatten());
    pairs.fold((0.0, 0.0), |(abs, rel), (x, y)| {
        let d = (x - y).abs();
        (f64::max(abs, d), f64::max(rel, d / (1.0 + y.abs())))
    })
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let data = read_csv(&args.data)?;
    let params = GbdtParams {
        learning_rate: 0.05,
        max_rounds: args.rounds,
        num_leaves: 31,
        min_data_in_leaf: 50,
        lambda_l2: 1.0,
        max_bins: 255,
        threads: args.threads,
        ..GbdtParams::default()
    };
    let t0 = Instant::now();
    let (model, _) = fit(&params, &data, None)?;
    let fit_s = t0.elapsed().as_secs_f64();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()?;
    let (mut old, mut new, mut diff) = (Vec::new(), Vec::new(), (0.0, 0.0));
    for _ in 0..args.runs {
        let o = pool.install(|| timed(&data.x, |x| Ok(Gbdt::contributions_recursive(&model, x)?.values)))?;
        let n = pool.install(|| timed(&data.x, |x| Ok(Gbdt::contributions(&model, x)?.values)))?;
        diff = differences(&n.values, &o.values);
        old.push((o.wall, o.cpu));
        new.push((n.wall, n.cpu));
    }
    let rows = data.x.rows as f64;
    let leaves: usize = model
        .trees
        .iter()
        .map(|t| t.nodes.iter().filter(|n| n.is_leaf()).count())
        .sum();
    let depth = model.trees.iter().map(|t| t.depth()).max().unwrap_or(0);
    let wall = |v: &[(f64, f64)]| v.iter().map(|t| t.0).collect::<Vec<_>>();
    let cpu = |v: &[(f64, f64)]| v.iter().map(|t| t.1).collect::<Vec<_>>();
    let report = serde_json::json!({
        "rows": data.x.rows, "features": data.x.width(), "threads": args.threads,
        "trees": model.trees.len(), "leaves": leaves, "max_depth": depth, "fit_s": fit_s,
        "recursive_s": wall(&old), "table_s": wall(&new),
        "recursive_cpu_s": cpu(&old), "table_cpu_s": cpu(&new),
        "recursive_rows_per_s": rows / median(wall(&old)), "table_rows_per_s": rows / median(wall(&new)),
        "max_abs_difference": diff.0, "max_rel_difference": diff.1,
    });
    println!("{report}");
    Ok(())
}
