//! Narrative facts: the human sentences a CSM reads next to a score ("logins down 35% week
//! over week", "4 support tickets this week with negative sentiment", "champion hasn't
//! responded in 9 days", "renewal in 45 days"), each tied to the feature it comes from.
//!
//! Phrasing is deterministic (numbers through `crate::format`): numbers are rounded half away from zero, singular and plural
//! follow the rounded number, and facts come in a fixed order of importance. A fact appears
//! only when its feature passes the threshold below, so a healthy account has none.

use super::FeatureError;
use crate::format;
use polars::prelude::*;

/// One fact about an account at a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Feature it comes from.
    pub feature: &'static str,
    /// The feature's value.
    pub value: f64,
    /// The sentence fragment.
    pub text: String,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format::quantity(n, one, many)
}

/// A week-over-week drop (a negative change in percent) as a whole percentage, rounded
/// half away from zero (`-37.5` → `38%`; `format!("{:.0}")` would round half to even).
fn drop_pct(change: f64) -> String {
    format!("{}%", format::thousands((-change).round() as i64))
}

/// `(feature, threshold test, phrasing)` in order of importance.
type Rule = (&'static str, fn(f64) -> bool, fn(f64) -> String);

const RULES: &[Rule] = &[
    (
        "logins_change_7d_pct",
        |v| v <= -20.0,
        |v| format!("logins down {} week over week", drop_pct(v)),
    ),
    (
        "active_users_change_7d_pct",
        |v| v <= -20.0,
        |v| format!("active users down {} week over week", drop_pct(v)),
    ),
    (
        "negative_tickets_7d",
        |v| v >= 1.0,
        |v| {
            format!(
                "{} this week with negative sentiment",
                plural(v.round() as i64, "support ticket", "support tickets")
            )
        },
    ),
    (
        "high_priority_tickets_7d",
        |v| v >= 1.0,
        |v| {
            format!(
                "{} this week",
                plural(v.round() as i64, "high-priority ticket", "high-priority tickets")
            )
        },
    ),
    (
        "tickets_7d",
        |v| v >= 3.0,
        |v| {
            format!(
                "{} this week",
                plural(v.round() as i64, "support ticket", "support tickets")
            )
        },
    ),
    (
        "champion_departed",
        |v| v >= 1.0,
        |_| "champion appears to have left".to_string(),
    ),
    (
        "days_since_champion_inbound",
        |v| v >= 7.0,
        |v| {
            format!(
                "champion hasn't responded in {}",
                plural(v.floor() as i64, "day", "days")
            )
        },
    ),
    (
        "unanswered_outbound_14d",
        |v| v >= 2.0,
        |v| {
            format!(
                "{} unanswered",
                plural(v.round() as i64, "outreach message", "outreach messages")
            )
        },
    ),
    (
        "nps_detractor",
        |v| v >= 1.0,
        |_| "latest NPS answer is a detractor".to_string(),
    ),
    (
        "days_to_renewal",
        |v| (0.0..=90.0).contains(&v),
        |v| format!("renewal in {}", plural(v.ceil() as i64, "day", "days")),
    ),
    (
        "escalations_180d",
        |v| v >= 1.0,
        |v| {
            format!(
                "{} in the last 6 months",
                plural(v.round() as i64, "escalation", "escalations")
            )
        },
    ),
];

/// Facts of one feature row, in order of importance. Columns absent from the table and
/// null values produce no fact.
pub fn facts(table: &DataFrame, row: usize) -> Result<Vec<Fact>, FeatureError> {
    let one = table.slice(row as i64, 1);
    Ok(facts_all(&one)?.pop().unwrap_or_default())
}

/// Facts of every row of a feature table (each column read once).
pub fn facts_all(table: &DataFrame) -> Result<Vec<Vec<Fact>>, FeatureError> {
    let mut columns: Vec<Option<Float64Chunked>> = Vec::with_capacity(RULES.len());
    for (feature, _, _) in RULES {
        columns.push(match table.column(feature) {
            Ok(col) => Some(col.cast(&DataType::Float64)?.f64()?.clone()),
            Err(_) => None,
        });
    }
    let mut out = Vec::with_capacity(table.height());
    for row in 0..table.height() {
        let mut facts = Vec::new();
        for ((feature, applies, phrase), col) in RULES.iter().zip(&columns) {
            let Some(value) = col.as_ref().and_then(|c| c.get(row)) else {
                continue;
            };
            if applies(value) {
                facts.push(Fact {
                    feature,
                    value,
                    text: phrase(value),
                });
            }
        }
        // "N support tickets this week" adds nothing next to the negative-sentiment count.
        if facts.iter().any(|f| f.feature == "negative_tickets_7d") {
            facts.retain(|f| f.feature != "tickets_7d");
        }
        out.push(facts);
    }
    Ok(out)
}

/// The facts joined into one sentence: "logins down 35% week over week, 4 support tickets
/// this week with negative sentiment, renewal in 45 days".
pub fn sentence(facts: &[Fact]) -> String {
    facts
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cols: &[(&str, Option<f64>)]) -> PolarsResult<DataFrame> {
        let columns = cols.iter().map(|(n, v)| Column::new((*n).into(), [*v])).collect();
        DataFrame::new(1, columns)
    }

    #[test]
    fn the_seed_example_reads_as_written() -> Result<(), Box<dyn std::error::Error>> {
        let df = row(&[
            ("logins_change_7d_pct", Some(-35.2)),
            ("negative_tickets_7d", Some(4.0)),
            ("tickets_7d", Some(5.0)),
            ("days_since_champion_inbound", Some(9.6)),
            ("days_to_renewal", Some(44.2)),
        ])?;
        let f = facts(&df, 0)?;
        assert_eq!(
            sentence(&f),
            "logins down 35% week over week, 4 support tickets this week with negative sentiment, \
             champion hasn't responded in 9 days, renewal in 45 days"
        );
        assert_eq!(f[0].feature, "logins_change_7d_pct");
        Ok(())
    }

    #[test]
    fn thresholds_plurals_and_nulls() -> Result<(), Box<dyn std::error::Error>> {
        let df = row(&[
            ("logins_change_7d_pct", Some(-19.9)),
            ("negative_tickets_7d", Some(0.0)),
            ("tickets_7d", Some(3.0)),
            ("high_priority_tickets_7d", Some(1.0)),
            ("days_since_champion_inbound", None),
            ("days_to_renewal", Some(120.0)),
            ("escalations_180d", Some(1.0)),
        ])?;
        let texts: Vec<String> = facts(&df, 0)?.into_iter().map(|f| f.text).collect();
        assert_eq!(
            texts,
            [
                "1 high-priority ticket this week",
                "3 support tickets this week",
                "1 escalation in the last 6 months"
            ]
        );
        let healthy = row(&[
            ("logins_change_7d_pct", Some(12.0)),
            ("days_to_renewal", Some(200.0)),
        ])?;
        assert!(facts(&healthy, 0)?.is_empty());
        Ok(())
    }
}
