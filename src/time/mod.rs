//! The run window: explicit instants from the command line, never the wall clock.
//!
//! `--as-of 2026-06-30T00:00:00Z` is an instant; `--run-date 2026-06-29` means "as of the
//! end of that day", i.e. `2026-06-30T00:00:00Z`. A missing or empty value (an Airflow
//! template that rendered to nothing) is a usage error. Units and conversions of
//! microsecond instants are in [`units`].

pub mod units;

pub use units::{DAY_US, HOUR_US};

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// The time window one run looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunWindow {
    /// Instant the run is "as of": no input after it is used.
    pub as_of: DateTime<Utc>,
    /// First instant inside the lookback window.
    pub start: DateTime<Utc>,
    /// Lookback length in months.
    pub lookback_months: u32,
}

impl RunWindow {
    /// Builds the window ending at `as_of` and reaching `lookback_months` back.
    pub fn new(as_of: DateTime<Utc>, lookback_months: u32) -> Result<Self, String> {
        let start = as_of
            .checked_sub_months(Months::new(lookback_months))
            .ok_or_else(|| format!("lookback of {lookback_months} months before {as_of} is out of range"))?;
        Ok(Self {
            as_of,
            start,
            lookback_months,
        })
    }

    /// The run date: the calendar day that ends at `as_of` (the partition key of outputs).
    pub fn run_date(&self) -> NaiveDate {
        (self.as_of - TimeDelta::microseconds(1)).date_naive()
    }
}

/// Parses `--as-of`: RFC 3339 (`2026-06-30T00:00:00Z`), or `YYYY-MM-DD HH:MM:SS` taken as UTC.
pub fn parse_as_of(raw: &str) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("--as-of is empty (did an Airflow template render to nothing?); pass an explicit instant such as 2026-06-30T00:00:00Z".into());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, fmt) {
            return Ok(t.and_utc());
        }
    }
    Err(format!(
        "--as-of value {raw:?} is not an instant; expected RFC 3339 such as 2026-06-30T00:00:00Z"
    ))
}

/// Parses `--run-date D` and returns the instant at the end of that day (`D+1 00:00:00Z`).
pub fn parse_run_date(raw: &str) -> Result<DateTime<Utc>, String> {
    let day = parse_date(raw, "--run-date")?;
    day.succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("--run-date {raw:?} is out of range"))
}

/// Parses a `YYYY-MM-DD` flag value; `flag` names the flag in the error.
pub fn parse_date(raw: &str, flag: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(format!(
            "{flag} is empty (did an Airflow template render to nothing?); pass a date such as 2026-06-29"
        ));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| format!("{flag} value {raw:?} is not a date; expected YYYY-MM-DD such as 2026-06-29"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_date_means_end_of_that_day() -> Result<(), String> {
        let t = parse_run_date("2026-06-29")?;
        assert_eq!(t.to_rfc3339(), "2026-06-30T00:00:00+00:00");
        let w = RunWindow::new(t, 12)?;
        assert_eq!(w.run_date().to_string(), "2026-06-29");
        assert_eq!(w.start.to_rfc3339(), "2025-06-30T00:00:00+00:00");
        Ok(())
    }

    #[test]
    fn empty_or_garbage_dates_are_rejected_never_now() {
        assert!(parse_as_of("").unwrap_err().contains("empty"));
        assert!(parse_as_of("  ").is_err());
        assert!(parse_run_date("").unwrap_err().contains("empty"));
        assert!(parse_run_date("yesterday").unwrap_err().contains("not a date"));
        assert!(parse_as_of("2026-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn as_of_accepts_offsets_and_naive_utc() -> Result<(), String> {
        let a = parse_as_of("2026-06-30T02:00:00+02:00")?;
        let b = parse_as_of("2026-06-30 00:00:00")?;
        assert_eq!(a, b);
        Ok(())
    }
}
