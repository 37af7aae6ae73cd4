//! Calibration report and text samples behind the numbers in `data/SYNTHETIC.md`
//! (ignored tests; run them with `-- --ignored --nocapture`).

use super::{DAY_US, TestResult, daily, ints, params, strings, table, window_sum};
use crate::synth::{SynthHistory, generate};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

/// Calibration numbers for `data/SYNTHETIC.md`:
/// `VIGIL_SYNTH_ACCOUNTS=2000 cargo test --lib synth::tests::report::calibration -- --ignored --nocapture`.
#[test]
#[ignore = "prints calibration numbers; slow"]
fn calibration_report() -> TestResult {
    let accounts = std::env::var("VIGIL_SYNTH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let months = std::env::var("VIGIL_SYNTH_MONTHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let p = params(accounts, months, 42)?;
    let started = std::time::Instant::now();
    let h = generate(&p)?;
    let elapsed = started.elapsed();
    let mut total = 0;
    for (name, df) in &h.tables {
        println!("{name:>16}: {:>10} rows", df.height());
        total += df.height();
    }
    println!(
        "{:>16}: {total:>10} rows in {:.1} s",
        "total",
        elapsed.as_secs_f64()
    );
    let ctx = crate::synth::catalog::context(&p)?;
    let outs = crate::synth::run_parallel(&ctx, 2)?;
    let episodes: Vec<_> = outs.iter().flat_map(|o| o.episodes.iter()).collect();
    let escalations: Vec<_> = outs.iter().flat_map(|o| o.escalation_log.iter()).collect();
    let escalated = episodes.iter().filter(|e| e.escalated).count();
    let weak = escalations.iter().filter(|e| e.weak).count();
    let n = escalations.len().max(1) as f64;
    println!(
        "episodes {} (escalated {escalated}), escalations {}, episodes per escalation {:.2}, weak/no precursors {:.1} %",
        episodes.len(),
        escalations.len(),
        episodes.len() as f64 / n,
        100.0 * weak as f64 / n
    );
    println!(
        "escalations per account-month {:.2} %",
        100.0 * n / (accounts as f64 * f64::from(months))
    );
    print_distributions(&h, &episodes)?;
    let acc = table(&h, "accounts")?;
    println!("churned accounts: {}", acc.column("renewal_date")?.null_count());
    print_precursor_strength(&h, f64::from(months) * 30.4)?;
    Ok(())
}

fn print_distributions(h: &SynthHistory, episodes: &[&crate::synth::rows::EpisodeLog]) -> TestResult {
    let mut by_cat = [0usize; 6];
    for e in episodes {
        by_cat[e.category] += 1;
    }
    println!("episodes by category {by_cat:?}");
    for (name, col) in [
        ("escalations", "category"),
        ("escalations", "severity"),
        ("escalations", "outcome"),
        ("tickets", "priority"),
        ("tickets", "status"),
        ("feedback", "verdict"),
        ("accounts", "segment"),
        ("accounts", "plan"),
    ] {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for v in strings(table(h, name)?, col)?.into_iter().flatten() {
            *counts.entry(v).or_insert(0) += 1;
        }
        println!("{name}.{col}: {counts:?}");
    }
    Ok(())
}

/// Prints a few generated texts to eyeball the phrase bank:
/// `cargo test --lib synth::tests::report::print_samples -- --ignored --nocapture`.
#[test]
#[ignore = "prints sample rows"]
fn print_samples() -> TestResult {
    let h = generate(&params(150, 4, 99)?)?;
    for (name, cols) in [
        (
            "tickets",
            &["priority", "category", "status", "subject", "body"][..],
        ),
        ("communications", &["direction", "channel", "subject", "body"][..]),
        ("nps_responses", &["comment"][..]),
        (
            "escalations",
            &["category", "severity", "interventions", "outcome"][..],
        ),
        ("feedback", &["verdict", "model_version", "note", "author"][..]),
    ] {
        let df = table(&h, name)?;
        let columns: Vec<Vec<Option<String>>> =
            cols.iter().map(|c| strings(df, c)).collect::<Result<_, _>>()?;
        for row in (0..df.height()).step_by((df.height() / 6).max(1)).take(6) {
            let values: Vec<String> = columns
                .iter()
                .map(|c| c.get(row).cloned().flatten().unwrap_or_default())
                .collect();
            println!("--- {name}: {}", values.join(" | "));
        }
    }
    Ok(())
}

/// Mean of `series` in the `days` before each escalation vs the account's overall rate.
fn before_vs_overall(
    h: &SynthHistory,
    series: &BTreeMap<(String, i64), f64>,
    days: i64,
    span: f64,
) -> Result<(f64, f64), Box<dyn Error>> {
    let esc = table(h, "escalations")?;
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for ((a, _), v) in series {
        *totals.entry(a.as_str()).or_insert(0.0) += v;
    }
    let (mut before, mut overall) = (0.0, 0.0);
    for (a, t) in strings(esc, "account_id")?
        .into_iter()
        .zip(ints(esc, "opened_at")?)
    {
        let (Some(a), Some(t)) = (a, t) else { continue };
        let day = t.div_euclid(DAY_US);
        before += window_sum(series, &a, day - days, day);
        overall += totals.get(a.as_str()).copied().unwrap_or(0.0) * days as f64 / span;
    }
    Ok((before, overall))
}

fn print_precursor_strength(h: &SynthHistory, span: f64) -> TestResult {
    let tickets = daily(table(h, "tickets")?, "created_at", None)?;
    let (b, o) = before_vs_overall(h, &tickets, 7, span)?;
    println!(
        "tickets in the 7 days before escalations: {:.2}x the account's usual rate",
        b / o
    );
    print_usage_drop(h)?;
    let contacts = table(h, "contacts")?;
    let champions: BTreeSet<String> = strings(contacts, "contact_id")?
        .into_iter()
        .zip(contacts.column("is_champion")?.bool()?.iter())
        .filter_map(|(c, champ)| if champ == Some(true) { c } else { None })
        .collect();
    let comms = table(h, "communications")?;
    let inbound = comms
        .column("direction")?
        .as_materialized_series()
        .equal("inbound")?;
    let from_champion: BooleanChunked = strings(comms, "contact_id")?
        .iter()
        .map(|c| Some(c.as_ref().is_some_and(|c| champions.contains(c))))
        .collect();
    let champion_in = comms.filter(&(inbound & from_champion))?;
    let replies = daily(&champion_in, "sent_at", None)?;
    let (b, o) = before_vs_overall(h, &replies, 10, span)?;
    println!(
        "champion inbound messages in the 10 days before escalations: {:.2}x usual",
        b / o
    );
    let nps = table(h, "nps_responses")?;
    let scores = ints(nps, "score")?;
    let mean = scores.iter().flatten().sum::<i64>() as f64 / scores.len().max(1) as f64;
    let esc_accounts: BTreeSet<String> = strings(table(h, "escalations")?, "account_id")?
        .into_iter()
        .flatten()
        .collect();
    let (mut sum, mut n) = (0.0, 0.0);
    for (a, s) in strings(nps, "account_id")?.into_iter().zip(&scores) {
        if let (Some(a), Some(s)) = (a, s)
            && esc_accounts.contains(&a)
        {
            sum += *s as f64;
            n += 1.0;
        }
    }
    println!(
        "mean NPS {mean:.2}; of accounts that escalate {:.2}",
        sum / f64::max(n, 1.0)
    );
    Ok(())
}

/// Median ratio of active users in the week before each escalation to the same week four weeks
/// earlier (both weeks complete).
fn print_usage_drop(h: &SynthHistory) -> TestResult {
    let usage = daily(table(h, "usage_daily")?, "date", Some("active_users"))?;
    let esc = table(h, "escalations")?;
    let mut ratios = Vec::new();
    for (a, t) in strings(esc, "account_id")?
        .into_iter()
        .zip(ints(esc, "opened_at")?)
    {
        let (Some(a), Some(t)) = (a, t) else { continue };
        let day = t.div_euclid(DAY_US);
        let days_in = |from: i64, to: i64| usage.range((a.clone(), from)..(a.clone(), to)).count();
        let earlier = window_sum(&usage, &a, day - 35, day - 28);
        if days_in(day - 7, day) == 7 && days_in(day - 35, day - 28) == 7 && earlier > 0.0 {
            ratios.push(window_sum(&usage, &a, day - 7, day) / earlier);
        }
    }
    ratios.sort_by(f64::total_cmp);
    let q = |p: f64| {
        ratios
            .get((ratios.len() as f64 * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "active users in the week before escalations vs four weeks earlier: median {:.2} (quartiles {:.2}, {:.2})",
        q(0.5),
        q(0.25),
        q(0.75)
    );
    Ok(())
}
