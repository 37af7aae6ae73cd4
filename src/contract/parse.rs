//! Cell parsers: one text value to one typed value, with a reason when it does not parse.
//!
//! Hand-written rather than polars' string casts so that every failure names the value
//! and says what was expected.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Days from 0001-01-01 (chrono's CE day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Parses an integer; accepts `3.0` (pandas writes integer columns with nulls as floats).
pub fn int(v: &str) -> Result<i64, String> {
    let t = v.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Ok(i);
    }
    match t.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err("expected an integer".into()),
    }
}

/// Parses a finite float.
pub fn float(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err("expected a finite number".into()),
    }
}

/// Parses a boolean: true/false, t/f, yes/no, y/n, 1/0.
pub fn boolean(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err("expected a boolean (true/false, yes/no, 1/0)".into()),
    }
}

/// Parses a date as days since 1970-01-01. Accepts `YYYY-MM-DD` or a timestamp (date part).
pub fn date(v: &str) -> Result<i32, String> {
    let t = v.trim();
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| timestamp_naive(t).map(|dt| dt.date()))
        .map_err(|_| "expected a date YYYY-MM-DD".to_string())?;
    Ok(date_to_days(d))
}

/// Converts a date to days since 1970-01-01.
pub fn date_to_days(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_FROM_CE
}

/// Parses an instant as microseconds since the Unix epoch (UTC). Accepts RFC 3339,
/// `YYYY-MM-DD HH:MM:SS[.f]`, `YYYY-MM-DDTHH:MM:SS[.f]` (UTC) and a bare date (midnight).
pub fn timestamp(v: &str) -> Result<i64, String> {
    timestamp_naive(v.trim())
        .map(|dt| dt.and_utc().timestamp_micros())
        .map_err(|_| "expected a timestamp such as 2026-06-30T12:00:00Z".to_string())
}

/// Parses an instant written as the source says (`[sources.<table>] timestamp_format` and
/// `time_zone`): with `format`, a chrono strftime pattern (its date part alone is accepted
/// too, as midnight); without, the formats of [`timestamp`]. A value with an offset keeps it;
/// one without is local time in `zone` (the earlier instant when a daylight-saving change
/// repeats it).
pub fn timestamp_in(v: &str, format: Option<&str>, zone: Tz) -> Result<i64, String> {
    let t = v.trim();
    let Some(fmt) = format else {
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            return Ok(dt.timestamp_micros());
        }
        let naive =
            timestamp_naive(t).map_err(|_| "expected a timestamp such as 2026-06-30 12:00:00".to_string())?;
        return local_micros(naive, zone);
    };
    if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
        return Ok(dt.timestamp_micros());
    }
    let naive = NaiveDateTime::parse_from_str(t, fmt)
        .or_else(|_| NaiveDate::parse_from_str(t, date_part(fmt)).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| format!("expected a timestamp in the format {fmt}"))?;
    local_micros(naive, zone)
}

/// Parses a date written as the source says: with `format` (or its date part), else as [`date`].
pub fn date_in(v: &str, format: Option<&str>) -> Result<i32, String> {
    let Some(fmt) = format else {
        return date(v);
    };
    let t = v.trim();
    NaiveDate::parse_from_str(t, date_part(fmt))
        .or_else(|_| NaiveDateTime::parse_from_str(t, fmt).map(|dt| dt.date()))
        .or_else(|_| DateTime::parse_from_str(t, fmt).map(|dt| dt.date_naive()))
        .map(date_to_days)
        .map_err(|_| format!("expected a date in the format {}", date_part(fmt)))
}

/// The date part of a strftime pattern: everything before its first time-of-day field.
fn date_part(fmt: &str) -> &str {
    let cut = ["%H", "%I", "%k", "%l", "%T", "%R", "%X", "%r"]
        .iter()
        .filter_map(|f| fmt.find(f))
        .min()
        .unwrap_or(fmt.len());
    fmt[..cut].trim_end_matches([' ', 'T', ',', '-', '_'])
}

/// Local time `naive` in `zone` as µs since the epoch.
fn local_micros(naive: NaiveDateTime, zone: Tz) -> Result<i64, String> {
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(dt) | chrono::LocalResult::Ambiguous(dt, _) => Ok(dt.timestamp_micros()),
        chrono::LocalResult::None => Err(format!(
            "{naive} does not exist in {zone} (skipped by a daylight-saving change)"
        )),
    }
}

fn timestamp_naive(t: &str) -> Result<NaiveDateTime, ()> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.naive_utc());
    }
    let t = t.strip_suffix(" UTC").unwrap_or(t);
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_exports_write() {
        assert_eq!(int("42"), Ok(42));
        assert_eq!(int("42.0"), Ok(42));
        assert!(int("4.5").is_err());
        assert!(int("abc").is_err());
        assert!(float("NaN").is_err());
        assert_eq!(boolean("Yes"), Ok(true));
        assert_eq!(date("1970-01-02"), Ok(1));
        assert_eq!(date("2026-06-30T10:00:00Z"), date("2026-06-30"));
        assert_eq!(timestamp("1970-01-01T00:00:01Z"), Ok(1_000_000));
        assert_eq!(timestamp("1970-01-01 00:00:01.5"), Ok(1_500_000));
        assert_eq!(timestamp("1970-01-01 02:00:00+02:00"), Ok(0));
        assert_eq!(timestamp("1970-01-02"), Ok(86_400_000_000));
        assert!(timestamp("2026-02-30").is_err());
    }

    #[test]
    fn parses_a_sources_format_in_its_zone() {
        let berlin: Tz = "Europe/Berlin".parse().expect("zone");
        let fmt = Some("%d/%m/%Y %H:%M");
        // Summer time: UTC+2; a value with an offset keeps it.
        for (text, format, utc) in [
            ("30/06/2026 12:00", fmt, "2026-06-30T10:00:00Z"),
            ("30/06/2026", fmt, "2026-06-29T22:00:00Z"),
            ("2026-06-30 12:00", None, "2026-06-30T10:00:00Z"),
            ("2026-06-30T12:00:00Z", None, "2026-06-30T12:00:00Z"),
        ] {
            assert_eq!(timestamp_in(text, format, berlin), timestamp(utc), "{text}");
        }
        let err = timestamp_in("2026-06-30 12:00", fmt, berlin).expect_err("wrong format");
        assert!(err.contains("%d/%m/%Y %H:%M"), "{err}");
        // 02:30 on the last Sunday of March does not exist in Berlin.
        assert!(timestamp_in("29/03/2026 02:30", fmt, berlin).is_err());
        assert_eq!(date_in("30/06/2026", fmt), date("2026-06-30"));
        assert_eq!(date_in("30/06/2026 23:59", fmt), date("2026-06-30"));
        assert!(date_in("2026-06-30", fmt).is_err());
    }
}
