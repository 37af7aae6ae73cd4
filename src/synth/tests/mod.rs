//! Properties the generated histories must have: determinism, validity under the input
//! contract, referential integrity, and precursors that are really visible in the data.

use super::{SynthError, SynthHistory, SynthParams, generate};
use crate::contract::Taxonomy;
use crate::contract::schema::{ColumnType, Rule, TABLES};
pub(super) use crate::time::DAY_US;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

mod report;

pub(super) type TestResult = Result<(), Box<dyn Error>>;

fn end() -> Result<NaiveDate, Box<dyn Error>> {
    NaiveDate::from_ymd_opt(2026, 3, 31).ok_or_else(|| "bad date".into())
}

pub(super) fn params(accounts: usize, months: u32, seed: u64) -> Result<SynthParams, Box<dyn Error>> {
    Ok(SynthParams {
        accounts,
        months,
        end: end()?,
        seed,
    })
}

fn small(seed: u64) -> Result<SynthHistory, Box<dyn Error>> {
    Ok(generate(&params(200, 6, seed)?)?)
}

pub(super) fn table<'a>(h: &'a SynthHistory, name: &str) -> Result<&'a DataFrame, Box<dyn Error>> {
    h.table(name)
        .ok_or_else(|| format!("table {name} missing").into())
}

/// A text column of a generated table as owned strings.
pub(super) fn strings(df: &DataFrame, col: &'static str) -> Result<Vec<Option<String>>, Box<dyn Error>> {
    Ok(crate::contract::columns::strings(df, "generated", col)?)
}

/// Integer view of Int64, Date (days) and Datetime (µs) columns.
pub(super) fn ints(df: &DataFrame, col: &str) -> Result<Vec<Option<i64>>, Box<dyn Error>> {
    let c = df.column(col)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

fn end_us() -> Result<i64, Box<dyn Error>> {
    let t = end()?.and_hms_opt(23, 59, 59).ok_or("bad time")?;
    Ok(t.and_utc().timestamp_micros())
}

fn end_epoch_day() -> Result<i64, Box<dyn Error>> {
    Ok(end_us()?.div_euclid(DAY_US))
}

#[test]
fn same_seed_gives_identical_frames_and_other_seed_differs() -> TestResult {
    let a = small(7)?;
    let b = small(7)?;
    let c = small(8)?;
    assert_eq!(a.tables.len(), b.tables.len());
    for ((na, da), (nb, db)) in a.tables.iter().zip(&b.tables) {
        assert_eq!(na, nb);
        assert!(da.equals_missing(db), "table {na} differs between identical runs");
    }
    let differing = a
        .tables
        .iter()
        .zip(&c.tables)
        .filter(|((_, x), (_, y))| !x.equals_missing(y))
        .count();
    assert!(differing >= 8, "only {differing} tables differ between seeds");
    Ok(())
}

#[test]
fn output_does_not_depend_on_the_number_of_threads() -> TestResult {
    let ctx = super::catalog::context(&params(90, 3, 23)?)?;
    let one = super::frames::build(&ctx, super::run_parallel(&ctx, 1)?)?;
    let four = super::frames::build(&ctx, super::run_parallel(&ctx, 4)?)?;
    for ((name, a), (_, b)) in one.iter().zip(&four) {
        assert!(a.equals_missing(b), "{name} differs between 1 and 4 threads");
    }
    Ok(())
}

#[test]
fn invalid_params_are_rejected() -> TestResult {
    for (accounts, months) in [(0, 6), (10, 0)] {
        let r = generate(&params(accounts, months, 1)?);
        assert!(matches!(r, Err(SynthError::InvalidParams(_))));
    }
    Ok(())
}

fn check_type(name: &str, col: &Column, ty: ColumnType) {
    let ok = match ty {
        ColumnType::Str => col.dtype() == &DataType::String,
        ColumnType::Int => col.dtype() == &DataType::Int64,
        ColumnType::Float => col.dtype() == &DataType::Float64,
        ColumnType::Bool => col.dtype() == &DataType::Boolean,
        ColumnType::Date => col.dtype() == &DataType::Date,
        ColumnType::Timestamp => col.dtype() == &DataType::Datetime(TimeUnit::Microseconds, None),
    };
    assert!(ok, "{name}: dtype {:?} does not match {ty:?}", col.dtype());
}

fn check_rule(df: &DataFrame, name: &str, col: &'static str, rule: Rule) -> TestResult {
    let (lo, hi) = match rule {
        Rule::None => return Ok(()),
        Rule::OneOf(allowed) => {
            for v in strings(df, col)?.into_iter().flatten() {
                assert!(allowed.contains(&v.as_str()), "{name}: `{v}` not allowed");
            }
            return Ok(());
        }
        Rule::Taxonomy(set) => {
            let Some(allowed) = Taxonomy::builtin().set(set) else {
                return Ok(());
            };
            for v in strings(df, col)?.into_iter().flatten() {
                assert_eq!(allowed.find(&v), Some(v.as_str()), "{name}: `{v}` not allowed");
            }
            return Ok(());
        }
        Rule::Range(lo, hi) => (lo, hi),
        Rule::AtLeast(lo) => (lo, f64::INFINITY),
    };
    let v = df.column(col)?.cast(&DataType::Float64)?;
    for x in v.f64()?.iter().flatten() {
        assert!(x >= lo && x <= hi, "{name}: {x} outside [{lo}, {hi}]");
    }
    Ok(())
}

#[test]
fn tables_match_the_contract() -> TestResult {
    let h = small(3)?;
    let expected: Vec<&str> = TABLES
        .iter()
        .map(|t| t.name)
        .filter(|n| *n != "sentiment_labels")
        .collect();
    let got: Vec<&str> = h.tables.iter().map(|(n, _)| *n).collect();
    assert_eq!(got, expected);
    for spec in TABLES.iter().filter(|t| t.name != "sentiment_labels") {
        let df = table(&h, spec.name)?;
        assert!(df.height() > 0, "{} is empty", spec.name);
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        let want: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        assert_eq!(names, want, "columns of {}", spec.name);
        for c in spec.columns {
            let name = format!("{}.{}", spec.name, c.name);
            let col = df.column(c.name)?;
            check_type(&name, col, c.ty);
            if !c.nullable {
                assert_eq!(col.null_count(), 0, "{name} has nulls");
            }
            check_rule(df, &name, c.name, c.rule)?;
        }
        // The generator never writes two rows of one natural key.
        let keys = df.group_by(spec.key.iter().copied())?.get_groups().len();
        assert_eq!(
            keys,
            df.height(),
            "{} has duplicate natural keys {:?}",
            spec.name,
            spec.key
        );
    }
    Ok(())
}

#[test]
fn nothing_is_after_the_end() -> TestResult {
    let h = small(11)?;
    let (last_us, last_day) = (end_us()?, end_epoch_day()?);
    for (name, df) in &h.tables {
        for col in df.columns() {
            let limit = match col.dtype() {
                DataType::Datetime(_, _) => last_us,
                DataType::Date => last_day,
                _ => continue,
            };
            // Contract end dates and next renewals legitimately lie in the future.
            if ["end_date", "renewal_date"].contains(&col.name().as_str()) {
                continue;
            }
            let max = ints(df, col.name())?
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(i64::MIN);
            assert!(max <= limit, "{name}.{} has {max} > {limit}", col.name());
        }
    }
    Ok(())
}

#[test]
fn references_resolve() -> TestResult {
    let h = small(5)?;
    let accounts: BTreeSet<String> = strings(table(&h, "accounts")?, "account_id")?
        .into_iter()
        .flatten()
        .collect();
    let contacts_df = table(&h, "contacts")?;
    let contact_account: BTreeMap<String, String> = strings(contacts_df, "contact_id")?
        .into_iter()
        .zip(strings(contacts_df, "account_id")?)
        .filter_map(|(c, a)| Some((c?, a?)))
        .collect();
    for (name, df) in &h.tables {
        if *name == "accounts" {
            continue;
        }
        let accts = strings(df, "account_id")?;
        for a in accts.iter().flatten() {
            assert!(accounts.contains(a), "{name}: unknown account {a}");
        }
        if *name != "contacts" && df.column("contact_id").is_ok() {
            for (c, a) in strings(df, "contact_id")?.iter().zip(&accts) {
                if let (Some(c), Some(a)) = (c, a) {
                    assert_eq!(contact_account.get(c), Some(a), "{name}: contact {c} of {a}");
                }
            }
        }
    }
    Ok(())
}

#[test]
fn churned_accounts_have_no_renewal_and_no_later_activity() -> TestResult {
    let h = generate(&params(400, 12, 21)?)?;
    let acc = table(&h, "accounts")?;
    let subs = table(&h, "subscriptions")?;
    let mut last_end: BTreeMap<String, i64> = BTreeMap::new();
    for (a, e) in strings(subs, "account_id")?
        .into_iter()
        .zip(ints(subs, "end_date")?)
    {
        let (Some(a), Some(e)) = (a, e) else { continue };
        let v = last_end.entry(a).or_insert(i64::MIN);
        *v = (*v).max(e);
    }
    let last_day = end_epoch_day()?;
    let mut churned = BTreeMap::new();
    for (a, r) in strings(acc, "account_id")?
        .into_iter()
        .zip(ints(acc, "renewal_date")?)
    {
        let a = a.ok_or("null id")?;
        let end = *last_end.get(&a).ok_or("account without subscription")?;
        match r {
            None => {
                assert!(end < last_day, "{a}: null renewal but contract runs to {end}");
                churned.insert(a, end);
            }
            Some(r) => assert_eq!(r, end, "{a}: renewal_date is not the current period's end"),
        }
    }
    assert!(!churned.is_empty(), "no account churned in 400 × 12 months");
    let usage = table(&h, "usage_daily")?;
    for (a, d) in strings(usage, "account_id")?
        .into_iter()
        .zip(ints(usage, "date")?)
    {
        if let (Some(a), Some(d)) = (a, d)
            && let Some(end) = churned.get(&a)
        {
            assert!(d <= *end, "{a} has usage on {d} after churning on {end}");
        }
    }
    Ok(())
}

/// Per-account daily series of one table's events (day → count or sum).
pub(super) fn daily(
    df: &DataFrame,
    time: &str,
    value: Option<&str>,
) -> Result<BTreeMap<(String, i64), f64>, Box<dyn Error>> {
    let accts = strings(df, "account_id")?;
    let times = ints(df, time)?;
    let is_ts = matches!(df.column(time)?.dtype(), DataType::Datetime(_, _));
    let values = match value {
        Some(v) => ints(df, v)?,
        None => vec![Some(1); df.height()],
    };
    let mut out = BTreeMap::new();
    for ((a, t), v) in accts.into_iter().zip(times).zip(values) {
        if let (Some(a), Some(t), Some(v)) = (a, t, v) {
            let day = if is_ts { t.div_euclid(DAY_US) } else { t };
            *out.entry((a, day)).or_insert(0.0) += v as f64;
        }
    }
    Ok(out)
}

pub(super) fn window_sum(series: &BTreeMap<(String, i64), f64>, a: &str, from: i64, to: i64) -> f64 {
    series
        .range((a.to_string(), from)..(a.to_string(), to))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn escalations_exist_and_precursors_are_visible() -> TestResult {
    let h = generate(&params(300, 6, 9)?)?;
    let esc = table(&h, "escalations")?;
    assert!(esc.height() >= 20, "only {} escalations", esc.height());
    let tickets = daily(table(&h, "tickets")?, "created_at", None)?;
    let usage = daily(table(&h, "usage_daily")?, "date", Some("active_users"))?;
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for ((a, _), v) in &tickets {
        *totals.entry(a.clone()).or_insert(0.0) += v;
    }
    let days = 181.0_f64;
    let (mut before, mut baseline, mut n) = (0.0, 0.0, 0.0);
    let mut ratios: Vec<f64> = vec![];
    for (a, t) in strings(esc, "account_id")?
        .into_iter()
        .zip(ints(esc, "opened_at")?)
    {
        let (Some(a), Some(t)) = (a, t) else { continue };
        let day = t.div_euclid(DAY_US);
        before += window_sum(&tickets, &a, day - 7, day);
        baseline += totals.get(&a).copied().unwrap_or(0.0) * 7.0 / days;
        // Same weekday mix: the week before vs the week four weeks earlier.
        let days_in = |from: i64, to: i64| usage.range((a.clone(), from)..(a.clone(), to)).count();
        let u_earlier = window_sum(&usage, &a, day - 35, day - 28);
        if days_in(day - 7, day) == 7 && days_in(day - 35, day - 28) == 7 && u_earlier > 0.0 {
            ratios.push(window_sum(&usage, &a, day - 7, day) / u_earlier);
        }
        n += 1.0;
    }
    assert!(
        before > 2.0 * baseline,
        "tickets before escalations {before} vs baseline {baseline}"
    );
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios.get(ratios.len() / 2).copied().unwrap_or(1.0);
    assert!(
        ratio < 0.88,
        "median usage the week before escalations is {ratio:.2} of four weeks earlier"
    );
    assert!(n > 0.0);
    Ok(())
}

#[test]
fn every_escalation_category_and_verdict_occurs() -> TestResult {
    let h = generate(&params(600, 12, 4)?)?;
    let cats: BTreeSet<String> = strings(table(&h, "escalations")?, "category")?
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(cats.len(), 6, "categories: {cats:?}");
    let verdicts: BTreeSet<String> = strings(table(&h, "feedback")?, "verdict")?
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(verdicts.len(), 4, "verdicts: {verdicts:?}");
    Ok(())
}

#[test]
fn contacts_and_accounts_exist_before_their_activity() -> TestResult {
    let h = small(17)?;
    let contacts = table(&h, "contacts")?;
    let seen: BTreeMap<String, i64> = strings(contacts, "contact_id")?
        .into_iter()
        .zip(ints(contacts, "first_seen_at")?)
        .filter_map(|(c, t)| Some((c?, t?)))
        .collect();
    for (name, time) in [
        ("tickets", "created_at"),
        ("nps_responses", "responded_at"),
        ("communications", "sent_at"),
    ] {
        let df = table(&h, name)?;
        for (c, t) in strings(df, "contact_id")?.into_iter().zip(ints(df, time)?) {
            if let (Some(c), Some(t)) = (c, t) {
                let first = *seen.get(&c).ok_or("unknown contact")?;
                assert!(
                    first <= t,
                    "{name}: contact {c} active at {t} before first seen {first}"
                );
            }
        }
    }
    let accounts = table(&h, "accounts")?;
    let created: BTreeMap<String, i64> = strings(accounts, "account_id")?
        .into_iter()
        .zip(ints(accounts, "created_at")?)
        .filter_map(|(a, t)| Some((a?, t?)))
        .collect();
    for (a, t) in strings(contacts, "account_id")?
        .into_iter()
        .zip(ints(contacts, "first_seen_at")?)
    {
        if let (Some(a), Some(t)) = (a, t) {
            assert!(
                created.get(&a).is_some_and(|c| *c <= t),
                "{a}: contact before account"
            );
        }
    }
    Ok(())
}

#[test]
fn tiny_histories_work() -> TestResult {
    for (accounts, months) in [(1, 1), (3, 1), (2, 2)] {
        let h = generate(&params(accounts, months, 5)?)?;
        assert_eq!(table(&h, "accounts")?.height(), accounts);
        assert_eq!(table(&h, "usage_daily")?.column("date")?.null_count(), 0);
    }
    Ok(())
}

/// Share of texts containing one of a few unmistakably negative phrases.
fn negative_share<'a>(texts: impl Iterator<Item = &'a str>) -> f64 {
    const MARKERS: [&str; 8] = [
        "unacceptable",
        "fed up",
        "disappointed",
        "patience",
        "frustrat",
        "escalate",
        "other vendors",
        "let us down",
    ];
    let (mut hits, mut n) = (0.0, 0.0);
    for t in texts {
        let t = t.to_lowercase();
        hits += f64::from(u8::from(MARKERS.iter().any(|m| t.contains(m))));
        n += 1.0;
    }
    hits / f64::max(n, 1.0)
}

#[test]
fn ticket_tone_turns_negative_before_escalations() -> TestResult {
    let h = generate(&params(300, 6, 13)?)?;
    let esc = table(&h, "escalations")?;
    let mut opened: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (a, t) in strings(esc, "account_id")?
        .into_iter()
        .zip(ints(esc, "opened_at")?)
    {
        if let (Some(a), Some(t)) = (a, t) {
            opened.entry(a).or_default().push(t);
        }
    }
    let tickets = table(&h, "tickets")?;
    let (mut before, mut other) = (Vec::new(), Vec::new());
    let rows = strings(tickets, "account_id")?
        .into_iter()
        .zip(ints(tickets, "created_at")?)
        .zip(strings(tickets, "body")?);
    for ((a, t), body) in rows {
        let (Some(a), Some(t), Some(body)) = (a, t, body) else {
            continue;
        };
        let near = opened
            .get(&a)
            .is_some_and(|v| v.iter().any(|o| (0..7 * DAY_US).contains(&(o - t))));
        if near { before.push(body) } else { other.push(body) }
    }
    let (b, o) = (
        negative_share(before.iter().map(String::as_str)),
        negative_share(other.iter().map(String::as_str)),
    );
    assert!(
        before.len() >= 30,
        "only {} tickets before escalations",
        before.len()
    );
    assert!(
        b > 2.0 * o,
        "negative share before escalations {b:.2} vs otherwise {o:.2}"
    );
    Ok(())
}
