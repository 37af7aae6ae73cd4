//! Valid escalations in the window, counted by the month they opened and by category.

use crate::Result;
use crate::contract::History;
use crate::contract::columns::{micros, strings};
use crate::report::doctor::{Count, EscalationCounts};
use std::collections::BTreeMap;

/// Escalations per month (`YYYY-MM`, in order) and per category (most first); `None`
/// without a loaded `escalations` table.
pub fn escalation_counts(history: &History) -> Result<Option<EscalationCounts>> {
    let Some(t) = history.tables.get("escalations") else {
        return Ok(None);
    };
    let opened = micros(&t.frame, "escalations", "opened_at")?;
    let category = strings(&t.frame, "escalations", "category")?;
    let (mut months, mut categories) = (BTreeMap::new(), BTreeMap::new());
    for us in opened.into_iter().flatten() {
        if let Some(at) = chrono::DateTime::from_timestamp_micros(us) {
            *months.entry(at.format("%Y-%m").to_string()).or_insert(0) += 1;
        }
    }
    for c in category.into_iter().flatten() {
        *categories.entry(c).or_insert(0) += 1;
    }
    let count = |(label, count)| Count { label, count };
    let mut per_category: Vec<Count> = categories.into_iter().map(count).collect();
    per_category.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    Ok(Some(EscalationCounts {
        total: t.frame.height(),
        per_month: months.into_iter().map(count).collect(),
        per_category,
    }))
}
