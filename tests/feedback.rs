//! CSM feedback through the real binary: retraining with verdicts and `feedback_summary`.

use crate::common::{Project, delta_partition, vigil};
use crate::score::{project, run_on};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::HashSet;

const DAY: &str = "2026-06-30";

/// Replaces the history's feedback with `(account, date, verdict)` rows.
fn write_feedback(p: &Project, rows: &[(String, NaiveDate, &str)]) {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let days: Vec<i32> = rows.iter().map(|r| (r.1 - epoch).num_days() as i32).collect();
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "account_id".into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Series::new("alert_date".into(), days)
                .cast(&DataType::Date)
                .expect("date")
                .into_column(),
            Column::new("verdict".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        ],
    )
    .expect("frame");
    let file = std::fs::File::create(p.file("history/feedback.parquet")).expect("create");
    ParquetWriter::new(file).finish(&mut df).expect("write feedback");
}

fn escalated(p: &Project) -> HashSet<String> {
    let file = std::fs::File::open(p.file("history/escalations.parquet")).expect("escalations");
    let df = ParquetReader::new(file).finish().expect("read escalations");
    strings(&df, "account_id").into_iter().collect()
}

fn strings(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .expect(col)
        .str()
        .expect("str")
        .iter()
        .flatten()
        .map(str::to_string)
        .collect()
}

fn stage(run: &crate::common::Run, name: &str) -> serde_json::Value {
    run.summary()["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage"))
        .clone()
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

fn mean(v: &[i64]) -> f64 {
    v.iter().sum::<i64>() as f64 / v.len().max(1) as f64
}

/// `(account, risk score)` of the published alerts of `date`.
fn alerts(p: &Project, date: &str) -> Vec<(String, i64)> {
    let df = delta_partition(&p.file("wh/risk_scores").to_string_lossy(), date).expect("risk_scores");
    let s = df
        .column("risk_score")
        .expect("score")
        .cast(&DataType::Int64)
        .expect("i64");
    let alert = df.column("alert").expect("alert").bool().expect("bool").clone();
    strings(&df, "account_id")
        .into_iter()
        .zip(s.i64().expect("i64").iter())
        .zip(alert.iter())
        .filter(|(_, a)| *a == Some(true))
        .map(|((id, s), _)| (id, s.unwrap_or(0)))
        .collect()
}

/// `(account, date) → score` of the given pairs, from the published partitions.
fn pair_scores(p: &Project, pairs: &[(String, NaiveDate)]) -> Vec<i64> {
    let mut out = Vec::new();
    for (a, d) in pairs {
        let df = delta_partition(&p.file("wh/risk_scores").to_string_lossy(), &d.to_string()).expect("part");
        let s = df
            .column("risk_score")
            .expect("score")
            .cast(&DataType::Int64)
            .expect("i64");
        let i = strings(&df, "account_id")
            .iter()
            .position(|x| x == a)
            .expect("account scored");
        out.push(s.i64().expect("i64").get(i).expect("score"));
    }
    out
}

/// Weekly run dates inside the training period (before the 6 validation weeks).
const PAST: [&str; 8] = [
    "2026-02-16",
    "2026-02-23",
    "2026-03-02",
    "2026-03-09",
    "2026-03-16",
    "2026-03-23",
    "2026-03-30",
    "2026-04-06",
];

/// `(account, opened_at date)` of every escalation.
fn escalation_dates(p: &Project) -> Vec<(String, NaiveDate)> {
    let file = std::fs::File::open(p.file("history/escalations.parquet")).expect("escalations");
    let df = ParquetReader::new(file).finish().expect("read escalations");
    let t = df
        .column("opened_at")
        .expect("opened_at")
        .cast(&DataType::Date)
        .expect("date");
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    strings(&df, "account_id")
        .into_iter()
        .zip(t.cast(&DataType::Int32).expect("i32").i32().expect("i32").iter())
        .filter_map(|(a, d)| Some((a, epoch + chrono::Duration::days(i64::from(d?)))))
        .collect()
}

#[test]
fn false_positive_verdicts_lower_the_pattern_and_the_summary_measures_precision() {
    let p = project();
    // Past run dates quarantine the history's later rows instead of failing on them.
    p.edit(
        "pipelines/test.toml",
        "max_bad_row_share = 0.0",
        "max_bad_row_share = 1.0",
    );
    run_on(&p, DAY, &[], &[]).expect_code(0);
    for d in PAST {
        run_on(&p, d, &[], &[]).expect_code(0);
    }
    // CSMs call every published alert not followed by an escalation within two weeks a
    // false positive.
    let esc = escalation_dates(&p);
    let mut marked: Vec<(String, NaiveDate)> = Vec::new();
    for d in PAST {
        let date: NaiveDate = d.parse().expect("date");
        for (a, _) in alerts(&p, d).into_iter().filter(|(a, _)| {
            !esc.iter()
                .any(|(e, t)| e == a && *t > date && *t <= date + chrono::Duration::days(14))
        }) {
            marked.push((a, date));
        }
    }
    assert!(marked.len() >= 5, "only {} false alerts to mark", marked.len());
    let before = pair_scores(&p, &marked);
    let mut rows: Vec<(String, NaiveDate, &str)> = marked
        .iter()
        .map(|(a, d)| (a.clone(), *d, "false_positive"))
        .collect();
    // Verdicts on today's published alerts for the summary: one accurate, one not.
    let today: NaiveDate = DAY.parse().expect("date");
    let top = alerts(&p, DAY);
    assert!(top.len() >= 2, "{top:?}");
    rows.push((top[0].0.clone(), today, "accurate"));
    rows.push((top[1].0.clone(), today, "false_positive"));
    write_feedback(&p, &rows);
    let text = std::fs::read_to_string(p.file("pipelines/test.toml")).expect("config");
    p.config(&format!("{text}\n[risk.feedback]\nenabled = true\n"));

    let second = run_on(&p, DAY, &["--retrain"], &[]);
    second.expect_code(0);
    let train = stage(&second, "train");
    let fb = &train["metrics"]["feedback"];
    let confirmed = fb["stats"]["negatives_confirmed"].as_u64().expect("confirmed");
    // One snapshot per false alert, unless the snapshot is not a training row (e.g. the
    // account was inside an open escalation then).
    assert!(
        confirmed as usize * 2 >= marked.len() && confirmed as usize <= marked.len(),
        "{fb}"
    );
    assert_eq!(fb["stats"]["conflicting"], 0, "{fb}");
    assert!(
        fb["summary"]
            .as_str()
            .expect("summary")
            .contains("confirmed negative")
    );
    assert_eq!(train["metrics"]["promoted"], true, "{train}");
    for d in PAST {
        run_on(&p, d, &[], &[]).expect_code(0);
    }
    let after = pair_scores(&p, &marked);
    let (m0, m1) = (mean(&before), mean(&after));
    let lower = before.iter().zip(&after).filter(|(b, a)| a < b).count();
    eprintln!(
        "{} marked alerts: mean score {m0:.2} → {m1:.2}; {lower} scored lower",
        marked.len()
    );
    // The size of the drop depends on which snapshots the seeded split, sampling and
    // calibration folds draw (`risk::split::unit_hash`): measured 16.08 → 8.54 (−47 %) with
    // the FNV-1a draw before 2026-12-07 and 10.32 → 9.08 (−12 %) with XXH3 on the same
    // history, so the bar is a clear drop (−10 %) plus a majority of the alerts lower.
    assert!(m1 < m0 * 0.9, "marked alerts' mean score {m0:.2} → {m1:.2}");
    assert!(
        lower * 2 > marked.len(),
        "{lower} of {} scored lower",
        marked.len()
    );

    let summary =
        delta_partition(&p.file("wh/feedback_summary").to_string_lossy(), DAY).expect("feedback_summary");
    let month = strings(&summary, "month");
    let tier = strings(&summary, "tier");
    let count = |c: &str| -> Vec<i64> {
        summary
            .column(c)
            .expect(c)
            .i64()
            .expect("i64")
            .iter()
            .flatten()
            .collect()
    };
    let (acc, fp) = (count("accurate"), count("false_positive"));
    let june: Vec<usize> = (0..month.len()).filter(|&i| month[i] == "2026-06").collect();
    assert_eq!(june.iter().map(|&i| acc[i] + fp[i]).sum::<i64>(), 2, "{summary}");
    assert!(
        tier.iter().all(|t| t != "unpublished"),
        "every verdict's alert was published: {summary}"
    );
    let total: i64 = fp.iter().sum();
    assert_eq!(total as usize, marked.len() + 1, "{summary}");
    let precision = summary
        .column("precision")
        .expect("precision")
        .f64()
        .expect("f64")
        .clone();
    for i in 0..month.len() {
        let judged = acc[i] + fp[i];
        let expect = (judged > 0).then(|| acc[i] as f64 / judged as f64);
        assert_eq!(precision.get(i), expect, "row {i} of {summary}");
    }
}

/// A risk-only project (no scoring) with the gate open.
fn risk_project() -> Project {
    let p = Project::new(
        "[risk]\nregistry = \"registry\"\nvalidation_weeks = 6\nmin_recall = 0.0\nmin_precision = 0.0\n\
         promote_tolerance = 1.0\n[risk.gbdt]\nmax_rounds = 60\nthreads = 2\n",
    );
    p.generate("300", "history");
    p
}

#[test]
fn missed_escalations_become_training_positives() {
    let p = risk_project();
    let esc = escalated(&p);
    let accounts = {
        let file = std::fs::File::open(p.file("history/accounts.parquet")).expect("accounts");
        strings(&ParquetReader::new(file).finish().expect("read"), "account_id")
    };
    // Escalations the history never recorded: quiet accounts, every 10 days in the training period.
    let quiet: Vec<&String> = accounts.iter().filter(|a| !esc.contains(*a)).take(20).collect();
    let start = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
    let end = NaiveDate::from_ymd_opt(2026, 4, 30).expect("date");
    let rows: Vec<(String, NaiveDate, &str)> = quiet
        .iter()
        .flat_map(|a| {
            days(start, end)
                .step_by(10)
                .map(move |d| ((*a).clone(), d, "missed"))
        })
        .collect();
    write_feedback(&p, &rows);
    let args = ["train", "--config", "pipelines/test.toml", "--run-date", DAY];
    let plain = vigil(p.path(), &args);
    plain.expect_code(0);
    assert!(plain.summary()["stages"][0]["metrics"]["feedback"].is_null());
    // A recall target to re-tune the alert threshold to.
    p.edit("pipelines/test.toml", "min_recall = 0.0", "min_recall = 0.5");
    let plain_version = plain.summary()["stages"][0]["metrics"]["model_version"]
        .as_str()
        .expect("version")
        .to_string();
    let with = vigil(p.path(), &[&args[..], &["--with-feedback"]].concat());
    with.expect_code(0);
    let fb = &with.summary()["stages"][0]["metrics"]["feedback"];
    let s = &fb["stats"];
    let relabelled = s["relabelled_positive"].as_u64().expect("relabelled");
    // Each matched verdict relabels the 2–3 daily snapshots of its lead window (24–72 h,
    // both ends included); a verdict before the account's first snapshot matches none.
    let matched = s["matched"].as_u64().expect("matched");
    assert!(matched as usize >= rows.len() / 2, "{fb}");
    assert!((2 * matched..=3 * matched).contains(&relabelled), "{fb}");
    assert_eq!(
        s["training_positives_after"].as_u64().expect("after"),
        s["training_positives_before"].as_u64().expect("before") + relabelled,
        "{fb}"
    );
    // The re-tune records the threshold and its recall before and after.
    let t = &fb["alert_threshold"];
    eprintln!("feedback: {fb}");
    assert!(t["after"].as_u64().is_some(), "{fb}");
    assert!(t["recall_after"].as_f64().expect("recall") >= 0.5 - 1e-9, "{fb}");
    // Scoring reads the tuned threshold from the manifest.
    let version = with.summary()["stages"][0]["metrics"]["model_version"]
        .as_str()
        .expect("version")
        .to_string();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.file(&format!("registry/risk/versions/{version}/manifest.json"))).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["alert_threshold"], t["after"]);

    // Recall on the missed escalations: the share of them whose account each model alerts on
    // two days before (inside the 24–72 h lead window). The model retrained on the verdicts
    // catches more of what the CSMs reported missed.
    p.edit(
        "pipelines/test.toml",
        "max_bad_row_share = 0.0",
        "max_bad_row_share = 1.0",
    );
    p.edit(
        "pipelines/test.toml",
        "[risk]\n",
        &format!(
            "[tiers]\ntemplates = \"{}/pipelines/templates\"\n[risk]\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    let recall = |model: &str| -> f64 {
        let (mut caught, mut total) = (0usize, 0usize);
        for d in days(start, end).step_by(10) {
            let run_date = (d - chrono::Duration::days(2)).to_string();
            vigil(
                p.path(),
                &[
                    "score",
                    "--config",
                    "pipelines/test.toml",
                    "--run-date",
                    &run_date,
                    "--model",
                    model,
                ],
            )
            .expect_code(0);
            let file = p.file(&format!("wh/_staged/run_date={run_date}/risk_scores.parquet"));
            let df = ParquetReader::new(std::fs::File::open(file).expect("staged"))
                .finish()
                .expect("read");
            let alert = df.column("alert").expect("alert").bool().expect("bool").clone();
            for (id, a) in strings(&df, "account_id").iter().zip(alert.iter()) {
                if quiet.contains(&id) {
                    total += 1;
                    caught += usize::from(a == Some(true));
                }
            }
        }
        caught as f64 / total.max(1) as f64
    };
    let (before, after) = (recall(&plain_version), recall(&version));
    eprintln!("recall on the missed escalations: {before:.3} -> {after:.3}");
    assert!(
        after > before,
        "missed escalations raise recall: {before:.3} -> {after:.3}"
    );
}
