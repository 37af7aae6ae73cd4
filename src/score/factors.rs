//! Explained factors of a score, the narrative sentence, and what changed since the
//! previous run.
//!
//! A factor is a feature with its SHAP contribution to the model's raw margin. Its phrase is
//! the feature's narrative fact when one applies ("logins down 35% week over week"), else
//! the catalogue's description with the value in its unit ("Days to the next renewal: 45
//! days"), so every factor a CSM sees reads as a sentence about the account.

use super::brief::Factor;
use crate::features::{Fact, FeatureSpec, spec};
use crate::format;

/// Contributions smaller than this (in log-odds) are not worth showing.
pub const MIN_CONTRIBUTION: f64 = 0.01;

/// The value in the feature's unit, for a fallback phrase.
pub fn format_value(spec: Option<&FeatureSpec>, value: Option<f64>) -> String {
    let Some(v) = value else {
        return "missing".into();
    };
    let unit = spec.map(|s| s.unit).unwrap_or("");
    match unit {
        "%" => format!("{}%", round1(v)),
        "days" => format!("{} days", round1(v)),
        "hours" => format!("{} hours", round1(v)),
        "USD" => format::usd(Some(v)),
        "flag" => (if v >= 0.5 { "yes" } else { "no" }).into(),
        "count" => format!("{}", v.round() as i64),
        _ => round1(v).to_string(),
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The phrase of one feature: its fact's text when `facts` has one, else description and
/// value. Categorical features (`value` = level index) show the level name.
pub fn phrase(feature: &str, value: Option<f64>, level: Option<&str>, facts: &[Fact]) -> String {
    if let Some(f) = facts.iter().find(|f| f.feature == feature) {
        return f.text.clone();
    }
    let spec = spec(feature);
    let description = spec.map(|s| s.description).unwrap_or(feature);
    match level {
        Some(l) => format!("{description}: {l}"),
        None => format!("{description}: {}", format_value(spec, value)),
    }
}

/// One feature's value and contribution in a row, before it becomes a [`Factor`].
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution<'a> {
    /// Feature name.
    pub feature: &'a str,
    /// Numeric value (`None` when missing; a categorical's level index otherwise).
    pub value: Option<f64>,
    /// Level name of a categorical feature.
    pub level: Option<&'a str>,
    /// SHAP contribution to the margin.
    pub contribution: f64,
}

/// The `k` factors that matter most: those raising the risk first (largest first), then
/// those lowering it, each at least [`MIN_CONTRIBUTION`] in size.
pub fn top_factors(row: &[Contribution<'_>], facts: &[Fact], k: usize) -> Vec<Factor> {
    let mut up: Vec<&Contribution<'_>> = row
        .iter()
        .filter(|c| c.contribution >= MIN_CONTRIBUTION)
        .collect();
    let mut down: Vec<&Contribution<'_>> = row
        .iter()
        .filter(|c| c.contribution <= -MIN_CONTRIBUTION)
        .collect();
    up.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    down.sort_by(|a, b| a.contribution.total_cmp(&b.contribution));
    up.into_iter()
        .chain(down)
        .take(k)
        .map(|c| Factor {
            feature: c.feature.to_string(),
            description: spec(c.feature)
                .map(|s| s.description)
                .unwrap_or(c.feature)
                .to_string(),
            value: if c.level.is_some() { None } else { c.value },
            contribution: c.contribution,
            phrase: phrase(c.feature, c.value, c.level, facts),
        })
        .collect()
}

/// The facts worth telling, ordered by how much their feature raised the risk (facts of
/// features the model did not weigh up keep their narrative order after them), at most
/// `max`.
pub fn ranked_facts(facts: &[Fact], row: &[Contribution<'_>], max: usize) -> Vec<String> {
    let weight = |f: &Fact| {
        row.iter()
            .find(|c| c.feature == f.feature)
            .map(|c| c.contribution)
            .unwrap_or(0.0)
    };
    let mut ranked: Vec<(usize, f64, &Fact)> =
        facts.iter().enumerate().map(|(i, f)| (i, weight(f), f)).collect();
    // Facts whose feature lowered the risk are not why the account is at risk.
    ranked.retain(|(_, w, _)| *w > -MIN_CONTRIBUTION);
    ranked.sort_by(|a, b| {
        let (wa, wb) = (a.1.max(0.0), b.1.max(0.0));
        wb.total_cmp(&wa).then(a.0.cmp(&b.0))
    });
    ranked
        .into_iter()
        .take(max)
        .map(|(_, _, f)| f.text.clone())
        .collect()
}

/// The narrative: "Logins down 35% week over week, 4 support tickets this week with
/// negative sentiment, champion hasn't responded in 9 days, renewal in 45 days — 85%
/// escalation risk".
pub fn narrative(facts: &[String], risk_score: u32) -> String {
    let risk = format!("{risk_score}% escalation risk");
    if facts.is_empty() {
        return format!("No warning signs in recent activity — {risk}");
    }
    let joined = facts.join(", ");
    let mut chars = joined.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    format!("{first}{} — {risk}", chars.as_str())
}

/// What moved the score since the previous run: the `k` features whose contribution
/// changed most, as "<description>: <before> → <now>" phrases, largest move first.
/// `previous` holds `(feature, value, contribution)` of the previous run's row.
pub fn what_changed(
    now: &[Contribution<'_>],
    previous: &[super::columns::FeatureContribution],
    k: usize,
) -> Vec<String> {
    let mut moves: Vec<(f64, String)> = Vec::new();
    for c in now {
        let prev = previous.iter().find(|p| p.0 == c.feature);
        let delta = c.contribution - prev.map(|p| p.2).unwrap_or(0.0);
        if delta.abs() < MIN_CONTRIBUTION * 10.0 {
            continue;
        }
        let spec = spec(c.feature);
        let description = spec.map(|s| s.description).unwrap_or(c.feature);
        let before = prev.and_then(|p| p.1);
        let now_value = if c.level.is_some() { None } else { c.value };
        let text = match (c.level, before) {
            (Some(level), _) => format!("{description}: now {level}"),
            (None, _) if before == now_value => format!(
                "{description} ({}) weighs {} than before",
                format_value(spec, now_value),
                if delta > 0.0 { "more" } else { "less" }
            ),
            (None, _) => format!(
                "{description}: {} → {}",
                format_value(spec, before),
                format_value(spec, now_value)
            ),
        };
        let arrow = if delta > 0.0 { "raised" } else { "lowered" };
        moves.push((delta, format!("{text} ({arrow} the risk)")));
    }
    moves.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    moves.into_iter().take(k).map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(feature: &str, value: f64, contribution: f64) -> Contribution<'_> {
        Contribution {
            feature,
            value: Some(value),
            level: None,
            contribution,
        }
    }

    fn fact(feature: &'static str, text: &str) -> Fact {
        Fact {
            feature,
            value: 0.0,
            text: text.into(),
        }
    }

    #[test]
    fn top_factors_raise_first_and_use_fact_phrases() {
        let row = [
            c("days_to_renewal", 45.0, 0.4),
            c("negative_tickets_7d", 4.0, 1.2),
            c("tenure_days", 900.0, -0.3),
            c("logins_7d", 10.0, 0.001),
        ];
        let facts = [fact(
            "negative_tickets_7d",
            "4 support tickets this week with negative sentiment",
        )];
        let f = top_factors(&row, &facts, 5);
        let names: Vec<&str> = f.iter().map(|f| f.feature.as_str()).collect();
        assert_eq!(names, ["negative_tickets_7d", "days_to_renewal", "tenure_days"]);
        assert_eq!(f[0].phrase, "4 support tickets this week with negative sentiment");
        assert!(f[1].phrase.ends_with(": 45 days"), "{}", f[1].phrase);
        assert_eq!(top_factors(&row, &facts, 1).len(), 1);
    }

    #[test]
    fn narrative_orders_facts_by_contribution_and_states_the_risk() {
        let row = [
            c("days_to_renewal", 45.0, 0.2),
            c("logins_change_7d_pct", -35.0, 0.9),
        ];
        let facts = [
            fact("logins_change_7d_pct", "logins down 35% week over week"),
            fact("days_to_renewal", "renewal in 45 days"),
            fact("escalations_180d", "1 escalation in the last 6 months"),
        ];
        let ranked = ranked_facts(&facts, &row, 4);
        assert_eq!(
            narrative(&ranked, 85),
            "Logins down 35% week over week, renewal in 45 days, 1 escalation in the last 6 months \
             — 85% escalation risk"
        );
        assert_eq!(
            narrative(&[], 3),
            "No warning signs in recent activity — 3% escalation risk"
        );
        assert_eq!(ranked_facts(&facts, &row, 1), ["logins down 35% week over week"]);
    }

    #[test]
    fn what_changed_names_the_biggest_moves() {
        let now = [
            c("negative_tickets_7d", 4.0, 1.0),
            c("days_to_renewal", 40.0, 0.30),
        ];
        let prev = vec![
            ("negative_tickets_7d".to_string(), Some(1.0), 0.2),
            ("days_to_renewal".to_string(), Some(47.0), 0.25),
        ];
        let moved = what_changed(&now, &prev, 3);
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(moved[0].contains("1 → 4"), "{}", moved[0]);
        assert!(moved[0].ends_with("(raised the risk)"));
    }

    #[test]
    fn values_read_in_their_unit() {
        assert_eq!(format_value(spec("arr"), Some(120000.4)), "$120,000");
        assert_eq!(format_value(None, None), "missing");
    }
}
