//! Numbers, dates and names formatted for people: the one place drafts, narratives, reports
//! and logs format a figure, so "$2,203,787", "85.3%" and "7 May 2024" read the same
//! everywhere.
//!
//! Pure functions of their arguments; no locale (vigil writes English with `,` thousands
//! separators and `.` decimals). Money is US dollars: the contract's ARR and contract
//! values are in USD (`data/CONTRACT.md`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// `1234567` → `1,234,567`; `-1000` → `-1,000`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A count with thousands separators: `12345` → `12,345`.
pub fn count(n: usize) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Whole dollars with separators: `120000.4` → `$120,000`, `-2500` → `-$2,500`;
/// `None` or not finite → `unknown`.
pub fn usd(value: Option<f64>) -> String {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return "unknown".into();
    };
    let whole = v.abs().round() as u64;
    let sign = if v < 0.0 && whole > 0 { "-" } else { "" };
    format!("{sign}${}", thousands(i64::try_from(whole).unwrap_or(i64::MAX)))
}

/// Dollars in a headline: `2203787` → `$2.2M`, `48200` → `$48.2K`, `950` → `$950`.
pub fn usd_compact(value: f64) -> String {
    if !value.is_finite() {
        return "unknown".into();
    }
    let (sign, v) = (if value < 0.0 { "-" } else { "" }, value.abs());
    let scaled = |d: f64, unit: &str| {
        let x = v / d;
        // One decimal below 100 ($2.2M, $48.2K), none above ($120K).
        let digits = if x < 100.0 { 1 } else { 0 };
        format!("{sign}${x:.digits$}{unit}")
    };
    match v {
        v if v >= 999_950_000.0 => scaled(1e9, "B"),
        v if v >= 999_950.0 => scaled(1e6, "M"),
        v if v >= 1_000.0 => scaled(1e3, "K"),
        _ => format!("{sign}${v:.0}"),
    }
}

/// A share as a percentage with a fixed number of decimals: `pct(0.853, 1)` → `85.3%`.
pub fn pct(share: f64, decimals: usize) -> String {
    if !share.is_finite() {
        return "–".into();
    }
    format!("{:.*}%", decimals, share * 100.0)
}

/// A share as a percentage with sensible precision: whole percent from 10% up (`85%`), one
/// decimal from 1% (`2.5%`), two below (`0.37%`), and `0%` for zero.
pub fn pct_auto(share: f64) -> String {
    let p = share.abs() * 100.0;
    let decimals = match p {
        p if p == 0.0 || p >= 9.95 => 0,
        p if p >= 0.995 => 1,
        _ => 2,
    };
    pct(share, decimals)
}

/// A change in percent with its sign: `40.0` → `+40%`, `-12.4` → `-12%`.
pub fn pct_change(percent: f64) -> String {
    format!("{percent:+.0}%")
}

/// A whole-number change with its sign: `7` → `+7`, `-3` → `-3`, `0` → `0`.
pub fn signed(value: i64) -> String {
    if value > 0 {
        format!("+{value}")
    } else {
        value.to_string()
    }
}

/// A metric in [0, 1] with three decimals: `0.8531` → `0.853`; not finite → `–`.
pub fn ratio(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.3}")
    } else {
        "–".into()
    }
}

/// Hours, whole: `36.4` → `36 h`; `None` → `–`.
pub fn hours(value: Option<f64>) -> String {
    value
        .filter(|h| h.is_finite())
        .map_or("–".into(), |h| format!("{} h", thousands(h.round() as i64)))
}

/// Days with one decimal: `4.25` → `4.2 days`.
pub fn days(value: f64) -> String {
    format!("{value:.1} days")
}

/// A whole number of days as a duration a person reads: `20` → `20 days`, `200` →
/// `7 months`, `800` → `2.2 years`.
pub fn span(days: i64) -> String {
    let unit = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match days {
        ..60 => unit(days, "day"),
        60..730 => unit((days as f64 / 30.44).round() as i64, "month"),
        _ => format!("{:.1} years", days as f64 / 365.25),
    }
}

/// A date as people write it: `7 May 2024`.
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// An instant as a date and UTC time: `7 May 2024, 06:00 UTC`.
pub fn date_time(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// A `YYYY-MM-DD` text in a chrono format (default `%-d %B %Y`); any other text is returned
/// unchanged (templates pass through what they do not recognise).
pub fn date_text(value: &str, format: Option<&str>) -> String {
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => d.format(format.unwrap_or("%-d %B %Y")).to_string(),
        Err(_) => value.to_string(),
    }
}

/// A role name as a title: `vp_customer_success` → `VP Customer Success`, `csm` → `CSM`.
pub fn role(value: &str) -> String {
    const UPPER: [&str; 9] = ["csm", "cs", "vp", "cro", "ceo", "cfo", "coo", "cto", "svp"];
    value
        .split(['_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            if UPPER.contains(&w) {
                w.to_ascii_uppercase()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// A list as a phrase: `["a", "b", "c"]` → `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// A quantity with its noun, singular or plural by the number: `(1, "day", "days")` →
/// `1 day`, `(1234, "ticket", "tickets")` → `1,234 tickets`.
pub fn quantity(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// A number with a fixed number of decimals and thousands separators: `decimal(0.01234, 4)`
/// → `0.0123`, `decimal(1234.5, 2)` → `1,234.50`; not finite → `–`. For figures that are not
/// shares (Brier scores, rates per 100 accounts, weeks, lifts).
pub fn decimal(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let fixed = format!("{:.*}", decimals, value.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let grouped = int.parse::<i64>().map_or_else(|_| int.to_string(), thousands);
    let zero = fixed.chars().all(|c| c == '0' || c == '.');
    let sign = if value < 0.0 && !zero { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// An instant in a text as people read it (`1 July 2026, 00:00 UTC`): RFC 3339, or a UTC timestamp as
/// the validation report writes it (`2026-07-01 00:00:00.000000`); a `YYYY-MM-DD` date as
/// `1 July 2026`; any other text unchanged.
pub fn instant_text(value: &str) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return date_time(t.with_timezone(&Utc));
    }
    match NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f") {
        Ok(t) => date_time(t.and_utc()),
        Err(_) => date_text(value, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(usd(Some(120_000.4)), "$120,000");
        assert_eq!(usd(Some(1_234_567.5)), "$1,234,568");
        assert_eq!(usd(Some(-2500.0)), "-$2,500");
        assert_eq!(usd(Some(-0.2)), "$0");
        assert_eq!(usd(None), "unknown");
        assert_eq!(usd(Some(f64::NAN)), "unknown");
        assert_eq!(usd_compact(2_203_787.0), "$2.2M");
        assert_eq!(usd_compact(48_200.0), "$48.2K");
        assert_eq!(usd_compact(120_000.0), "$120K");
        assert_eq!(usd_compact(999_999.0), "$1.0M");
        assert_eq!(usd_compact(950.0), "$950");
        assert_eq!(usd_compact(-3_500_000_000.0), "-$3.5B");
    }

    #[test]
    fn shares_and_changes() {
        assert_eq!(pct(0.853, 0), "85%");
        assert_eq!(pct(0.853, 1), "85.3%");
        assert_eq!(pct_auto(0.853), "85%");
        assert_eq!(pct_auto(0.025), "2.5%");
        assert_eq!(pct_auto(0.0037), "0.37%");
        assert_eq!(pct_auto(0.0), "0%");
        assert_eq!(pct_auto(0.0999), "10%");
        assert_eq!(pct_change(40.0), "+40%");
        assert_eq!(pct_change(-12.4), "-12%");
        assert_eq!(signed(7), "+7");
        assert_eq!(signed(-3), "-3");
        assert_eq!(signed(0), "0");
        assert_eq!(ratio(0.85314), "0.853");
        assert_eq!(ratio(f64::NAN), "–");
    }

    #[test]
    fn durations_dates_and_names() {
        assert_eq!(hours(Some(36.4)), "36 h");
        assert_eq!(hours(None), "–");
        assert_eq!(hours(Some(1234.0)), "1,234 h");
        assert_eq!(days(4.25), "4.2 days");
        assert_eq!(span(1), "1 day");
        assert_eq!(span(20), "20 days");
        assert_eq!(span(200), "7 months");
        assert_eq!(span(800), "2.2 years");
        let d = NaiveDate::from_ymd_opt(2024, 5, 7).expect("date");
        assert_eq!(date(d), "7 May 2024");
        let t = d.and_hms_opt(6, 0, 0).expect("time").and_utc();
        assert_eq!(date_time(t), "7 May 2024, 06:00 UTC");
        assert_eq!(date_text("2024-05-07", None), "7 May 2024");
        assert_eq!(date_text("2024-05-07", Some("%-d %b")), "7 May");
        assert_eq!(date_text("soon", None), "soon");
        assert_eq!(instant_text("2024-05-07T08:00:00+02:00"), "7 May 2024, 06:00 UTC");
        assert_eq!(
            instant_text("2024-05-07 06:00:00.000000"),
            "7 May 2024, 06:00 UTC"
        );
        assert_eq!(instant_text("2024-05-07"), "7 May 2024");
        assert_eq!(instant_text("later"), "later");
        assert_eq!(role("vp_customer_success"), "VP Customer Success");
        assert_eq!(role("cs_manager"), "CS Manager");
        assert_eq!(and_list(&[]), "");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(quantity(1, "day", "days"), "1 day");
        assert_eq!(quantity(0, "day", "days"), "0 days");
        assert_eq!(quantity(1234, "ticket", "tickets"), "1,234 tickets");
    }

    #[test]
    fn fixed_decimals() {
        assert_eq!(decimal(0.012_34, 4), "0.0123");
        assert_eq!(decimal(3.456, 2), "3.46");
        assert_eq!(decimal(6.0, 1), "6.0");
        assert_eq!(decimal(f64::INFINITY, 2), "–");
        assert_eq!(decimal(1234.5, 2), "1,234.50");
        assert_eq!(decimal(2.142, 1), "2.1");
        assert_eq!(decimal(-1_234_567.0, 0), "-1,234,567");
        assert_eq!(decimal(-0.001, 2), "0.00");
        assert_eq!(decimal(-3.456, 2), "-3.46");
    }
}
