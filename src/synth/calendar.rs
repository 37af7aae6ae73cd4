//! The simulated calendar: day indices relative to the first day of the history, and
//! their conversion to polars dates (days since 1970-01-01) and UTC timestamps
//! (microseconds since the epoch).
//!
//! Working in plain `i32` day indices keeps the daily simulation loop cheap; chrono is
//! only used for month arithmetic (contract periods) and model-version labels.

use super::SynthError;
use chrono::{Datelike, Months, NaiveDate};

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const CE_TO_UNIX: i32 = 719_163;
/// Microseconds per second.
pub(crate) const US: i64 = 1_000_000;
/// Seconds per day.
pub(crate) const DAY_SECS: i64 = 86_400;
/// How far before the window accounts may have been created, in days (about 4 years).
pub(crate) const MAX_HISTORY_DAYS: i32 = 4 * 365;

/// The `months` months ending on `end` (inclusive), as day indices `0..days`.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// First day of the history.
    pub start: NaiveDate,
    /// Number of days in the history (`end` is day `days - 1`).
    pub days: i32,
    /// `start` as days since 1970-01-01.
    start_epoch: i32,
}

impl Window {
    /// The window of `months` months ending on `end`.
    pub fn new(end: NaiveDate, months: u32) -> Result<Self, SynthError> {
        let out_of_range = || {
            SynthError::InvalidParams(format!(
                "a history of {months} months ending on {end} is outside the supported dates"
            ))
        };
        let start = end
            .checked_sub_months(Months::new(months))
            .and_then(|d| d.succ_opt())
            .ok_or_else(out_of_range)?;
        // Account creation goes back ~4 years, contract periods forward ~2 years past `end`.
        start
            .checked_sub_days(chrono::Days::new(MAX_HISTORY_DAYS as u64 + 400))
            .and_then(|_| end.checked_add_months(Months::new(36)))
            .ok_or_else(out_of_range)?;
        let days = (end - start).num_days() as i32 + 1;
        Ok(Window {
            start,
            days,
            start_epoch: start.num_days_from_ce() - CE_TO_UNIX,
        })
    }

    /// Day index `d` as days since 1970-01-01 (the physical value of a polars Date).
    pub fn epoch_day(&self, d: i32) -> i32 {
        self.start_epoch + d
    }

    /// UTC timestamp in microseconds of second `secs` of day `d`.
    pub fn ts(&self, d: i32, secs: i64) -> i64 {
        (i64::from(self.epoch_day(d)) * DAY_SECS + secs) * US
    }

    /// The latest timestamp the history may contain: `end` 23:59:59 UTC.
    pub fn end_us(&self) -> i64 {
        self.ts(self.days - 1, DAY_SECS - 1)
    }

    /// Day index of a timestamp (floor).
    pub fn day_of(&self, ts_us: i64) -> i32 {
        (ts_us.div_euclid(DAY_SECS * US) - i64::from(self.start_epoch)) as i32
    }

    /// Day of the week of day `d`, Monday = 0 … Sunday = 6.
    pub fn weekday(&self, d: i32) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.epoch_day(d) + 3).rem_euclid(7) as u32
    }

    /// Whether day `d` is a Saturday or Sunday.
    pub fn weekend(&self, d: i32) -> bool {
        self.weekday(d) >= 5
    }

    /// Calendar date of day `d` (clamped to the window start if out of chrono's range,
    /// which `new` rules out for every day the generator uses).
    pub fn date(&self, d: i32) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.epoch_day(d) + CE_TO_UNIX).unwrap_or(self.start)
    }

    /// Day index of a calendar date.
    pub fn index(&self, date: NaiveDate) -> i32 {
        date.num_days_from_ce() - CE_TO_UNIX - self.start_epoch
    }

    /// Day `d` plus `months` calendar months (month-end clamped).
    pub fn add_months(&self, d: i32, months: u32) -> i32 {
        self.date(d)
            .checked_add_months(Months::new(months))
            .map_or(d + 30 * months as i32, |date| self.index(date))
    }

    /// Whether day `d` is in the year-end holiday period (24 Dec – 1 Jan).
    pub fn holiday(&self, d: i32) -> bool {
        let date = self.date(d);
        (date.month() == 12 && date.day() >= 24) || (date.month() == 1 && date.day() == 1)
    }

    /// Label of the model version trained on the first day of the month of day `d`,
    /// e.g. `gbdt-2026.03.01`.
    pub fn model_version(&self, d: i32) -> String {
        let date = self.date(d);
        format!("gbdt-{:04}.{:02}.01", date.year(), date.month())
    }
}
