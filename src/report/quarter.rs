//! Calendar quarters (`2026Q2`): parsing, the quarter containing a date, bounds.

use crate::time::units;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// Year.
    pub year: i32,
    /// Quarter, 1–4.
    pub q: u32,
}

impl Quarter {
    /// Parses `YYYYQn` (case-insensitive `q`), e.g. `2026Q2`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("invalid quarter {raw:?}: expected YYYYQn, e.g. 2026Q2");
        let upper = raw.trim().to_ascii_uppercase();
        let (y, q) = upper.split_once('Q').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, q })
    }

    /// The quarter that contains `date`.
    pub fn containing(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            q: (date.month() - 1) / 3 + 1,
        }
    }

    /// The quarter before.
    pub fn previous(self) -> Self {
        if self.q == 1 {
            Self {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Self {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    /// First day.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 3 * self.q - 2, 1).unwrap_or(NaiveDate::MIN)
    }

    /// First day of the next quarter (exclusive end).
    pub fn end(self) -> NaiveDate {
        if self.q == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, 3 * self.q + 1, 1)
        }
        .unwrap_or(NaiveDate::MAX)
    }

    /// Start (inclusive) and end (exclusive) as µs since the epoch, UTC.
    pub fn bounds_us(self) -> (i64, i64) {
        (units::midnight(self.start()), units::midnight(self.end()))
    }

    /// The three months, as (year, month).
    pub fn months(self) -> [(i32, u32); 3] {
        let m = 3 * self.q - 2;
        [(self.year, m), (self.year, m + 1), (self.year, m + 2)]
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bounds_and_steps_back() -> Result<(), String> {
        let q = Quarter::parse("2026q2")?;
        assert_eq!(q.to_string(), "2026Q2");
        assert_eq!(q.start(), NaiveDate::from_ymd_opt(2026, 4, 1).ok_or("date")?);
        assert_eq!(q.end(), NaiveDate::from_ymd_opt(2026, 7, 1).ok_or("date")?);
        assert_eq!(Quarter::parse("2026Q1")?.previous().to_string(), "2025Q4");
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("date")?;
        assert_eq!(Quarter::containing(d), q);
        assert!(Quarter::parse("2026Q5").is_err());
        assert!(Quarter::parse("Q2").is_err());
        Ok(())
    }
}
