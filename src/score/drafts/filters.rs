//! Template filters that make numbers and names read well in plain-text drafts: money with
//! thousands separators, percentages, days with one decimal, role names, dates and lists.
//!
//! Each filter is documented in `pipelines/templates/README.md`; the formatting itself is
//! `crate::format`'s, shared with narratives and reports.

use crate::format;
use minijinja::Environment;

/// Registers vigil's filters on a template environment.
pub(super) fn register(env: &mut Environment<'_>) {
    env.add_filter("money", money);
    env.add_filter("pct", pct);
    env.add_filter("days", days);
    env.add_filter("signed", signed);
    env.add_filter("span", span);
    env.add_filter("role", role);
    env.add_filter("date", date);
    env.add_filter("and_list", and_list);
}

/// `120000.4` → `$120,000`; `none` → `unknown`.
pub(super) fn money(value: Option<f64>) -> String {
    format::usd(value)
}

/// A share as a percentage: `0.853` → `85%`, `pct(1)` → `85.3%`.
pub(super) fn pct(value: f64, decimals: Option<usize>) -> String {
    format::pct(value, decimals.unwrap_or(0))
}

/// Days with one decimal: `4.25` → `4.2 days`.
pub(super) fn days(value: f64) -> String {
    format::days(value)
}

/// A change with its sign: `7` → `+7`, `-3` → `-3`, `0` → `0`.
pub(super) fn signed(value: i64) -> String {
    format::signed(value)
}

/// A whole number of days as a duration a person reads: `20` → `20 days`, `200` →
/// `6 months`, `800` → `2.2 years`.
pub(super) fn span(days: i64) -> String {
    format::span(days)
}

/// A role name as a title: `vp_customer_success` → `VP Customer Success`, `csm` → `CSM`.
pub(super) fn role(value: &str) -> String {
    format::role(value)
}

/// A `YYYY-MM-DD` date in another chrono format (default `%-d %B %Y`: `7 May 2024`);
/// anything that is not such a date is returned unchanged.
pub(super) fn date(value: &str, format: Option<&str>) -> String {
    format::date_text(value, format)
}

/// A list as a phrase: `["a", "b", "c"]` → `a, b and c`.
pub(super) fn and_list(items: Vec<String>) -> String {
    format::and_list(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(money(Some(120_000.4)), "$120,000");
        assert_eq!(money(Some(1_234_567.5)), "$1,234,568");
        assert_eq!(money(Some(999.0)), "$999");
        assert_eq!(money(Some(-2500.0)), "-$2,500");
        assert_eq!(money(None), "unknown");
        assert_eq!(pct(0.853, None), "85%");
        assert_eq!(pct(0.853, Some(1)), "85.3%");
        assert_eq!(days(4.25), "4.2 days");
        assert_eq!(days(12.0), "12.0 days");
        assert_eq!(signed(7), "+7");
        assert_eq!(signed(-3), "-3");
        assert_eq!(signed(0), "0");
        assert_eq!(span(1), "1 day");
        assert_eq!(span(20), "20 days");
        assert_eq!(span(200), "7 months");
        assert_eq!(span(800), "2.2 years");
    }

    #[test]
    fn names_dates_and_lists_read_well() {
        assert_eq!(role("vp_customer_success"), "VP Customer Success");
        assert_eq!(role("cs_manager"), "CS Manager");
        assert_eq!(role("csm"), "CSM");
        assert_eq!(date("2024-05-07", None), "7 May 2024");
        assert_eq!(date("2024-05-07", Some("%-d %b")), "7 May");
        assert_eq!(date("soon", None), "soon");
        assert_eq!(and_list(vec![]), "");
        assert_eq!(and_list(vec!["a".into()]), "a");
        assert_eq!(and_list(vec!["a".into(), "b".into()]), "a and b");
        assert_eq!(and_list(vec!["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
