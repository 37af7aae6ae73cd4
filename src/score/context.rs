//! The account's recent timeline for its brief: tickets of the last 14 days, interactions of
//! the last 30, and every past escalation — all strictly before the scoring moment.
//!
//! Only subjects, priorities, scores and dates are taken: message bodies stay in the
//! source system and never reach a draft.

use super::brief::{Interaction, PastEscalation, TicketRef};
use crate::contract::columns::{micros, opt_micros, opt_strings, strings};
use crate::features::FeatureError;
use crate::time::DAY_US;
use polars::prelude::*;
use std::collections::{HashMap, HashSet};

/// Tickets opened this many days before the scoring moment are "recent".
pub const RECENT_TICKET_DAYS: i64 = 14;
/// Interactions this many days before the scoring moment are "recent".
pub const RECENT_INTERACTION_DAYS: i64 = 30;
/// At most this many entries per list in a brief.
pub const MAX_ENTRIES: usize = 8;

/// `YYYY-MM-DD` of a UTC timestamp in microseconds.
pub fn date(us: i64) -> String {
    crate::time::units::instant(us)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Timelines of the accounts being briefed.
#[derive(Debug, Default)]
pub struct Timelines {
    /// Recent tickets per account, newest first.
    pub tickets: HashMap<String, Vec<TicketRef>>,
    /// Recent interactions per account, newest first.
    pub interactions: HashMap<String, Vec<Interaction>>,
    /// Past escalations per account, newest first.
    pub escalations: HashMap<String, Vec<PastEscalation>>,
}

/// What the timelines are built from: the history's tables (absent ones give empty
/// lists) and the sentiment stage's label per ticket id.
pub struct Sources<'a> {
    /// `tickets`, when present.
    pub tickets: Option<&'a DataFrame>,
    /// `communications`, when present.
    pub communications: Option<&'a DataFrame>,
    /// `nps_responses`, when present.
    pub nps: Option<&'a DataFrame>,
    /// `escalations`, when present.
    pub escalations: Option<&'a DataFrame>,
    /// Tone label per ticket id, from `text_sentiment`.
    pub ticket_tone: &'a HashMap<String, String>,
}

/// Builds the timelines of `accounts` as seen at `as_of_us`.
pub fn timelines(
    src: &Sources<'_>,
    accounts: &HashSet<&str>,
    as_of_us: i64,
) -> Result<Timelines, FeatureError> {
    let mut out = Timelines::default();
    let mut events = Events::new(accounts, as_of_us);
    if let Some(t) = src.tickets {
        out.tickets = recent_tickets(t, src.ticket_tone, &mut events)?;
    }
    if let Some(c) = src.communications {
        communication_events(c, &mut events)?;
    }
    if let Some(n) = src.nps {
        nps_events(n, &mut events)?;
    }
    if let Some(e) = src.escalations {
        out.escalations = past_escalations(e, &mut events)?;
    }
    out.interactions = newest_first(events.recent);
    Ok(out)
}

/// The interactions of the briefed accounts in the last [`RECENT_INTERACTION_DAYS`],
/// collected table by table (tickets, communications, NPS answers, escalations).
struct Events<'a> {
    accounts: &'a HashSet<&'a str>,
    as_of_us: i64,
    recent: HashMap<String, Vec<(i64, Interaction)>>,
}

impl<'a> Events<'a> {
    fn new(accounts: &'a HashSet<&'a str>, as_of_us: i64) -> Self {
        Self {
            accounts,
            as_of_us,
            recent: HashMap::new(),
        }
    }

    /// The account of row `r` and its timestamp, when both are present and the account
    /// is being briefed.
    fn briefed<'r>(
        &self,
        account: &'r [Option<String>],
        at: &[Option<i64>],
        r: usize,
    ) -> Option<(&'r str, i64)> {
        match (account[r].as_deref(), at[r]) {
            (Some(a), Some(t)) if self.accounts.contains(a) => Some((a, t)),
            _ => None,
        }
    }

    /// [`Events::briefed`], when the row's timestamp is before the scoring moment.
    fn before_as_of<'r>(
        &self,
        account: &'r [Option<String>],
        at: &[Option<i64>],
        r: usize,
    ) -> Option<(&'r str, i64)> {
        self.briefed(account, at, r).filter(|&(_, t)| t < self.as_of_us)
    }

    /// Records an interaction when it falls in the recent window before the scoring moment.
    fn push(&mut self, account: &str, at: i64, kind: &str, summary: String) {
        if at < self.as_of_us && at >= self.as_of_us - RECENT_INTERACTION_DAYS * DAY_US {
            self.recent.entry(account.to_string()).or_default().push((
                at,
                Interaction {
                    date: date(at),
                    kind: kind.into(),
                    summary,
                },
            ));
        }
    }
}

/// Per account, the entries newest first, at most [`MAX_ENTRIES`] of them (ties keep
/// their row order).
fn newest_first<T>(by_account: HashMap<String, Vec<(i64, T)>>) -> HashMap<String, Vec<T>> {
    by_account
        .into_iter()
        .map(|(a, mut v)| {
            v.sort_by_key(|x| std::cmp::Reverse(x.0));
            (a, v.into_iter().take(MAX_ENTRIES).map(|(_, t)| t).collect())
        })
        .collect()
}

/// Tickets opened in the last [`RECENT_TICKET_DAYS`] per account; every past ticket is
/// also an interaction.
fn recent_tickets(
    t: &DataFrame,
    ticket_tone: &HashMap<String, String>,
    events: &mut Events<'_>,
) -> Result<HashMap<String, Vec<TicketRef>>, FeatureError> {
    let account = strings(t, "tickets", "account_id")?;
    let id = strings(t, "tickets", "ticket_id")?;
    let opened = micros(t, "tickets", "created_at")?;
    let priority = strings(t, "tickets", "priority")?;
    let subject = strings(t, "tickets", "subject")?;
    let closed = opt_micros(t, "tickets", "closed_at")?;
    let as_of_us = events.as_of_us;
    let mut recent: HashMap<String, Vec<(i64, TicketRef)>> = HashMap::new();
    for r in 0..t.height() {
        let Some((a, at)) = events.before_as_of(&account, &opened, r) else {
            continue;
        };
        let subject = subject[r].clone().unwrap_or_default();
        let priority = priority[r].clone().unwrap_or_default();
        let tone = id[r].as_ref().and_then(|i| ticket_tone.get(i)).cloned();
        events.push(a, at, "ticket", format!("{priority}-priority ticket: {subject}"));
        if at >= as_of_us - RECENT_TICKET_DAYS * DAY_US {
            recent.entry(a.to_string()).or_default().push((
                at,
                TicketRef {
                    ticket_id: id[r].clone().unwrap_or_default(),
                    opened: date(at),
                    priority,
                    subject,
                    sentiment: tone,
                    open: closed[r].is_none_or(|c| c >= as_of_us),
                },
            ));
        }
    }
    Ok(newest_first(recent))
}

/// Messages to and from the customer, as interactions.
fn communication_events(c: &DataFrame, events: &mut Events<'_>) -> Result<(), FeatureError> {
    let account = strings(c, "communications", "account_id")?;
    let at = micros(c, "communications", "sent_at")?;
    let direction = strings(c, "communications", "direction")?;
    let channel = strings(c, "communications", "channel")?;
    let subject = opt_strings(c, "communications", "subject")?;
    for r in 0..c.height() {
        let Some((a, t)) = events.briefed(&account, &at, r) else {
            continue;
        };
        let inbound = direction[r].as_deref() == Some("inbound");
        let channel = channel[r].as_deref().unwrap_or("message");
        let about = subject[r]
            .as_deref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        let summary = if inbound {
            format!("{channel} from the customer{about}")
        } else {
            format!("{channel} to the customer{about}")
        };
        events.push(a, t, if inbound { "email_in" } else { "email_out" }, summary);
    }
    Ok(())
}

/// NPS answers, as interactions.
fn nps_events(n: &DataFrame, events: &mut Events<'_>) -> Result<(), FeatureError> {
    let account = strings(n, "nps_responses", "account_id")?;
    let at = micros(n, "nps_responses", "responded_at")?;
    let score = n.column("score")?.cast(&DataType::Int64)?;
    let score = score.i64()?;
    for r in 0..n.height() {
        if let Some((a, t)) = events.briefed(&account, &at, r) {
            let s = score.get(r).map(|s| s.to_string()).unwrap_or_else(|| "?".into());
            events.push(a, t, "nps", format!("NPS answer {s}/10"));
        }
    }
    Ok(())
}

/// Every escalation opened before the scoring moment per account; each is also an
/// interaction. A resolution after the scoring moment is not known yet.
fn past_escalations(
    e: &DataFrame,
    events: &mut Events<'_>,
) -> Result<HashMap<String, Vec<PastEscalation>>, FeatureError> {
    let account = strings(e, "escalations", "account_id")?;
    let id = strings(e, "escalations", "escalation_id")?;
    let opened = micros(e, "escalations", "opened_at")?;
    let category = strings(e, "escalations", "category")?;
    let resolved = opt_micros(e, "escalations", "resolved_at")?;
    let outcome = opt_strings(e, "escalations", "outcome")?;
    let as_of_us = events.as_of_us;
    let mut past: HashMap<String, Vec<(i64, PastEscalation)>> = HashMap::new();
    for r in 0..e.height() {
        let Some((a, at)) = events.before_as_of(&account, &opened, r) else {
            continue;
        };
        let category = category[r].clone().unwrap_or_default();
        let done = resolved[r].filter(|&t| t < as_of_us);
        events.push(
            a,
            at,
            "escalation",
            format!("{} escalation opened", category.replace('_', " ")),
        );
        past.entry(a.to_string()).or_default().push((
            at,
            PastEscalation {
                escalation_id: id[r].clone().unwrap_or_default(),
                opened: date(at),
                category,
                resolution_days: done.map(|t| ((t - at) as f64 / DAY_US as f64 * 10.0).round() / 10.0),
                outcome: if done.is_some() { outcome[r].clone() } else { None },
            },
        ));
    }
    Ok(newest_first(past))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::timestamp_column;

    #[test]
    fn only_the_past_and_no_bodies() -> Result<(), Box<dyn std::error::Error>> {
        let t0 = 1_750_000_000_000_000_i64;
        let tickets = DataFrame::new(
            3,
            vec![
                Column::new("ticket_id".into(), ["t1", "t2", "t3"]),
                Column::new("account_id".into(), ["a", "a", "b"]),
                timestamp_column("created_at", vec![t0 - 2 * DAY_US, t0 + DAY_US, t0 - DAY_US])?,
                Column::new("priority".into(), ["urgent", "low", "high"]),
                Column::new("subject".into(), ["Export broken", "Later", "Other account"]),
                Column::new("body".into(), ["secret body", "x", "y"]),
            ],
        )?;
        let escalations = DataFrame::new(
            1,
            vec![
                Column::new("escalation_id".into(), ["e1"]),
                Column::new("account_id".into(), ["a"]),
                timestamp_column("opened_at", vec![t0 - 40 * DAY_US])?,
                Column::new("category".into(), ["product_defect"]),
                timestamp_column("resolved_at", vec![t0 - 35 * DAY_US])?,
                Column::new("outcome".into(), ["retained"]),
            ],
        )?;
        let tone = HashMap::from([("t1".to_string(), "negative".to_string())]);
        let src = Sources {
            tickets: Some(&tickets),
            communications: None,
            nps: None,
            escalations: Some(&escalations),
            ticket_tone: &tone,
        };
        let accounts = HashSet::from(["a"]);
        let tl = timelines(&src, &accounts, t0)?;
        let a = &tl.tickets["a"];
        assert_eq!(a.len(), 1, "the ticket after the scoring moment is unknown");
        assert_eq!(a[0].subject, "Export broken");
        assert_eq!(a[0].sentiment.as_deref(), Some("negative"));
        assert!(a[0].open);
        assert!(!tl.tickets.contains_key("b"), "only briefed accounts");
        let e = &tl.escalations["a"][0];
        assert_eq!(e.resolution_days, Some(5.0));
        assert_eq!(e.outcome.as_deref(), Some("retained"));
        let summaries: Vec<&str> = tl.interactions["a"].iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["urgent-priority ticket: Export broken"],
            "escalation 40 days ago is not recent"
        );
        assert!(!format!("{tl:?}").contains("secret body"));
        Ok(())
    }
}
