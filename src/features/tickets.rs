//! Support-ticket features: volume, priority, velocity, backlog, time to close, tone, CSAT.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::tone::Tone;
use super::{FeatureError, Features};
use crate::contract::Taxonomy;
use crate::contract::columns::{micros, strings};
use crate::time::units;
use crate::time::{DAY_US, HOUR_US};
use polars::prelude::*;

/// Ticket features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "tickets_48h",
        "Tickets opened in the last 48 hours",
        "count",
        "tickets",
        "48 h",
    ),
    f(
        "tickets_7d",
        "Tickets opened in the last 7 days",
        "count",
        "tickets",
        "7 d",
    ),
    f(
        "tickets_30d",
        "Tickets opened in the last 30 days",
        "count",
        "tickets",
        "30 d",
    ),
    f(
        "high_priority_tickets_7d",
        "High-priority tickets (`[taxonomy] high_priorities`, default high and urgent) opened in the last 7 days",
        "count",
        "tickets",
        "7 d",
    ),
    f(
        "ticket_velocity",
        "Tickets in the last 7 days over the weekly average of the last 90 days",
        "ratio",
        "tickets",
        "7 d vs 90 d",
    ),
    f(
        "open_backlog",
        "Tickets opened before the snapshot and not closed by then",
        "count",
        "tickets",
        "all history",
    ),
    f(
        "mean_hours_to_close_30d",
        "Mean hours from open to close of tickets closed in the last 30 days",
        "hours",
        "tickets",
        "30 d",
    ),
    f(
        "negative_tickets_7d",
        "Tickets of the last 7 days whose text the sentiment model labels negative (lexicon for texts it did not score)",
        "count",
        "tickets",
        "7 d",
    ),
    f(
        "negative_ticket_share_7d",
        "Share of the last 7 days' tickets that read negative",
        "ratio",
        "tickets",
        "7 d",
    ),
    f(
        "worst_csat_30d",
        "Lowest CSAT (1–5) of tickets closed in the last 30 days",
        "score",
        "tickets",
        "30 d",
    ),
];

/// Computes the ticket features for every snapshot; `taxonomy` says which priorities are high.
pub fn compute(
    snaps: &Snapshots,
    tickets: &DataFrame,
    tone: &Tone,
    taxonomy: &Taxonomy,
    out: &mut Features,
) -> Result<(), FeatureError> {
    let opened = Timeline::build(snaps, tickets, "tickets", "created_at", 0)?;
    let closed = Timeline::build(snaps, tickets, "tickets", "closed_at", 0)?;
    let created = micros(tickets, "tickets", "created_at")?;
    let closed_at = micros(tickets, "tickets", "closed_at")?;
    let high: Vec<bool> = strings(tickets, "tickets", "priority")?
        .iter()
        .map(|p| p.as_deref().is_some_and(|p| taxonomy.is_high_priority(p)))
        .collect();
    let subject = strings(tickets, "tickets", "subject")?;
    let body = strings(tickets, "tickets", "body")?;
    let ids = strings(tickets, "tickets", "ticket_id")?;
    let negative: Vec<bool> = subject
        .iter()
        .zip(&body)
        .zip(&ids)
        .map(|((s, b), id)| {
            tone.negative("tickets", id.as_deref(), || {
                format!("{} {}", s.as_deref().unwrap_or(""), b.as_deref().unwrap_or(""))
            })
        })
        .collect();
    let csat = tickets.column("csat")?.cast(&DataType::Int64)?;
    let csat: Vec<Option<i64>> = csat.i64()?.iter().collect();
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); SPECS.len()];
    for (&a, &t) in snaps.account.iter().zip(&snaps.at) {
        let last7 = opened.rows(a, t - 7 * DAY_US, t);
        let neg7 = last7.iter().filter(|r| negative[**r]).count();
        let c90 = opened.count(a, t - 90 * DAY_US, t);
        let backlog = opened
            .rows(a, i64::MIN, t)
            .iter()
            .filter(|r| closed_at[**r].is_none_or(|c| c >= t))
            .count();
        let closed30 = closed.rows(a, t - 30 * DAY_US, t);
        let hours: Vec<f64> = closed30
            .iter()
            .filter_map(|r| Some(units::hours(closed_at[*r]? - created[*r]?)))
            .collect();
        let values = [
            Some(opened.count(a, t - 48 * HOUR_US, t) as f64),
            Some(last7.len() as f64),
            Some(opened.count(a, t - 30 * DAY_US, t) as f64),
            Some(last7.iter().filter(|r| high[**r]).count() as f64),
            (c90 > 0).then(|| last7.len() as f64 / (c90 as f64 * 7.0 / 90.0)),
            Some(backlog as f64),
            (!hours.is_empty()).then(|| hours.iter().sum::<f64>() / hours.len() as f64),
            Some(neg7 as f64),
            (!last7.is_empty()).then(|| neg7 as f64 / last7.len() as f64),
            closed30.iter().filter_map(|r| csat[*r]).min().map(|c| c as f64),
        ];
        for (col, v) in cols.iter_mut().zip(values) {
            col.push(v);
        }
    }
    out.add_family(SPECS, cols)
}
