//! Time units of the data: instants are `i64` microseconds since the Unix epoch (UTC), and
//! every conversion between microseconds, hours, days and chrono lives here.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// Microseconds in an hour.
pub const HOUR_US: i64 = 3_600_000_000;
/// Microseconds in a day.
pub const DAY_US: i64 = 24 * HOUR_US;

/// A span of microseconds in (fractional) hours.
pub fn hours(span_us: i64) -> f64 {
    span_us as f64 / HOUR_US as f64
}

/// A span of microseconds in (fractional) days.
pub fn days(span_us: i64) -> f64 {
    span_us as f64 / DAY_US as f64
}

/// The instant `us` microseconds after the epoch, or `None` outside chrono's range.
pub fn instant(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// The instant `us` as RFC 3339 (`2026-06-30T00:00:00+00:00`), or `None` outside chrono's range.
pub fn rfc3339(us: i64) -> Option<String> {
    instant(us).map(|t| t.to_rfc3339())
}

/// The first instant of `day` (midnight UTC) in microseconds.
pub fn midnight(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN).and_utc().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_agree() {
        assert_eq!(DAY_US, 86_400_000_000);
        assert_eq!(hours(90 * 60 * 1_000_000), 1.5);
        assert_eq!(days(DAY_US / 2), 0.5);
        assert_eq!(rfc3339(DAY_US).as_deref(), Some("1970-01-02T00:00:00+00:00"));
        assert_eq!(rfc3339(i64::MAX), None);
        assert_eq!(
            midnight(NaiveDate::from_ymd_opt(1970, 1, 3).expect("a date")),
            2 * DAY_US
        );
    }
}
