//! Start-up validation of the draft templates: unknown variables (static analysis against
//! the brief's serialised fields) and strict trial renders of every action template with
//! every scenario on two synthetic accounts — one with every field set, one with none of
//! the optional ones.

use super::{Context, DraftError, DraftExtra, Drafts, scenario_name};
use crate::score::brief::{
    AccountBrief, Factor, Interaction, PastEscalation, ResolutionEstimate, SimilarCase, TicketRef,
};
use chrono::{TimeZone, Utc};
use std::collections::BTreeSet;

/// Runs every check; the first failure is the error.
pub(super) fn validate(drafts: &Drafts) -> Result<(), DraftError> {
    let extra = sample_extra();
    let full = sample_full();
    let known = known_variables(&full, &extra);
    let globals: BTreeSet<String> = drafts.env.globals().map(|(k, _)| k.to_string()).collect();
    let mut names: Vec<_> = drafts
        .env
        .templates()
        .map(|(name, t)| (name.to_string(), t))
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, template) in &names {
        let mut used: Vec<String> = template.undeclared_variables(true).into_iter().collect();
        used.sort();
        if let Some(variable) = used
            .into_iter()
            .find(|v| !known.contains(v) && !globals.contains(v))
        {
            return Err(DraftError::UnknownVariable {
                file: drafts.dir.join(name),
                line: first_line(template.source(), &variable),
                suggestion: closest(&variable, &known),
                variable,
            });
        }
    }
    let samples = [
        (full, "start-up check on an account with every field set"),
        (
            sample_sparse(),
            "start-up check on an account with no optional field set and empty lists",
        ),
    ];
    for action in &drafts.actions {
        for scenario in &drafts.scenarios {
            for (brief, what) in &samples {
                let case = format!("{what}, scenario {}", scenario_name(scenario));
                drafts.render_with(action, brief, &extra, scenario_name(scenario), &case)?;
            }
        }
    }
    Ok(())
}

/// Every variable path a template may read: the context's keys and, for nested objects,
/// `parent.child` paths (lists are not entered: their items are loop variables).
fn known_variables(brief: &AccountBrief, extra: &DraftExtra) -> BTreeSet<String> {
    let ctx = Context {
        brief,
        action: "checkin_draft",
        extra,
        scenario: scenario_name("generic"),
    };
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(&ctx) {
        collect_paths(&value, "", &mut out);
    }
    out
}

fn collect_paths(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let serde_json::Value::Object(map) = value {
        for (key, child) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            collect_paths(child, &path, out);
            out.insert(path);
        }
    }
}

/// First line (1-based) mentioning `variable` as a whole word (or, failing that, its first
/// segment).
fn first_line(source: &str, variable: &str) -> Option<usize> {
    let find = |needle: &str| {
        source.lines().position(|line| {
            line.match_indices(needle).any(|(i, _)| {
                let before = line[..i].chars().next_back();
                let after = line[i + needle.len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && before != Some('.') && !word(after)
            })
        })
    };
    let head = variable.split('.').next().unwrap_or(variable);
    find(variable).or_else(|| find(head)).map(|i| i + 1)
}

/// The known variable closest to `variable` by edit distance, when within a third of its
/// length (at least 1, at most 3 edits).
fn closest(variable: &str, known: &BTreeSet<String>) -> Option<String> {
    let limit = (variable.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(variable, k), k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k.clone())
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
/// neighbours (`nmae` → `name` is one edit).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

fn sample_extra() -> DraftExtra {
    DraftExtra {
        owner: "cs_manager".into(),
        notify: vec!["csm".into(), "cs_manager".into()],
        due_by: Utc
            .with_ymd_and_hms(2024, 5, 15, 8, 0, 0)
            .single()
            .unwrap_or_default(),
        sla_hours: 24,
    }
}

/// An account with nothing but the required fields.
pub(super) fn sample_sparse() -> AccountBrief {
    AccountBrief {
        account_id: "A-0".into(),
        name: "Sample".into(),
        segment: None,
        industry: None,
        plan: None,
        csm_owner: None,
        csm_email: None,
        arr: None,
        days_to_renewal: None,
        tenure_days: None,
        as_of: "2024-05-14 08:00 UTC".into(),
        probability: 0.5,
        risk_score: 50,
        tier: "watch".into(),
        alert: false,
        revenue_at_risk: None,
        factors: vec![],
        facts: vec![],
        narrative: String::new(),
        score_delta: None,
        what_changed: vec![],
        recent_tickets: vec![],
        recent_interactions: vec![],
        past_escalations: vec![],
        predicted_category: None,
        category_probability: None,
        resolution: None,
    }
}

/// An account with every optional field set and four items in every list.
fn sample_full() -> AccountBrief {
    let n = 0..4;
    AccountBrief {
        segment: Some("enterprise".into()),
        industry: Some("logistics".into()),
        plan: Some("premium".into()),
        csm_owner: Some("Sam Doe".into()),
        csm_email: Some("sam@example.com".into()),
        arr: Some(100_000.0),
        days_to_renewal: Some(30),
        tenure_days: Some(400),
        alert: true,
        revenue_at_risk: Some(50_000.0),
        factors: n.clone().map(|i| factor(i, 0.5 - 0.3 * i as f64)).collect(),
        facts: n.clone().map(|i| format!("fact {i}")).collect(),
        narrative: "Sample narrative".into(),
        score_delta: Some(5),
        what_changed: n.clone().map(|i| format!("change {i}")).collect(),
        recent_tickets: n.clone().map(ticket).collect(),
        recent_interactions: n
            .clone()
            .map(|i| Interaction {
                date: "2024-05-01".into(),
                kind: "ticket".into(),
                summary: format!("event {i}"),
            })
            .collect(),
        past_escalations: n.clone().map(escalation).collect(),
        predicted_category: Some("product_defect".into()),
        category_probability: Some(0.6),
        resolution: Some(ResolutionEstimate {
            category: "product_defect".into(),
            cases: n.map(case).collect(),
            mean_days: 4.0,
            spread_days: 1.0,
            predicted_days: 4.0,
            method: "similar_cases".into(),
            success_factors: vec!["exec_sponsor_call".into(), "hotfix".into()],
            summary: "Comparable to 4 previous escalations.".into(),
        }),
        ..sample_sparse()
    }
}

fn factor(i: usize, contribution: f64) -> Factor {
    Factor {
        feature: format!("feature_{i}"),
        description: format!("Feature {i}"),
        value: Some(i as f64),
        contribution,
        phrase: format!("phrase {i}"),
    }
}

fn ticket(i: usize) -> TicketRef {
    TicketRef {
        ticket_id: format!("T-{i}"),
        opened: "2024-05-10".into(),
        priority: "high".into(),
        subject: format!("Subject {i}"),
        sentiment: Some("negative".into()),
        open: i.is_multiple_of(2),
    }
}

fn escalation(i: usize) -> PastEscalation {
    PastEscalation {
        escalation_id: format!("E-{i}"),
        opened: "2023-11-02".into(),
        category: "performance".into(),
        resolution_days: Some(3.5),
        outcome: Some("resolved".into()),
    }
}

fn case(i: usize) -> SimilarCase {
    SimilarCase {
        escalation_id: format!("E-{i}"),
        account_id: format!("A-{i}"),
        category: "product_defect".into(),
        resolution_days: 4.0,
        distance: 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variables_include_nested_fields_and_extras() {
        let known = known_variables(&sample_full(), &sample_extra());
        for v in [
            "name",
            "resolution",
            "resolution.mean_days",
            "due_by",
            "notify",
            "action",
            "scenario",
        ] {
            assert!(known.contains(v), "{v} missing from {known:?}");
        }
        assert!(
            !known.contains("resolution.cases.distance"),
            "lists are not entered"
        );
    }

    #[test]
    fn suggestions_and_lines_point_at_the_typo() {
        let known = known_variables(&sample_full(), &sample_extra());
        assert_eq!(
            closest("resolution.mean_dayz", &known).as_deref(),
            Some("resolution.mean_days")
        );
        assert_eq!(closest("csm_ownr", &known).as_deref(), Some("csm_owner"));
        assert_eq!(closest("completely_else", &known), None);
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let src = "Hello {{ name }}\n{{ t.arr }}\n{{ arr|money }}\n";
        assert_eq!(
            first_line(src, "arr"),
            Some(3),
            "a field of another object is not the variable"
        );
        assert_eq!(first_line(src, "nowhere"), None);
    }
}
