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
    let mut events: HashMap<String, Vec<(i64, Interaction)>> = HashMap::new();
    let mut push_event = |account: &str, at: i64, kind: &str, summary: String| {
        if at < as_of_us && at >= as_of_us - RECENT_INTERACTION_DAYS * DAY_US {
            events.entry(account.to_string()).or_default().push((
                at,
                Interaction {
                    date: date(at),
                    kind: kind.into(),
                    summary,
                },
            ));
        }
    };
    if let Some(t) = src.tickets {
        let account = strings(t, "tickets", "account_id")?;
        let id = strings(t, "tickets", "ticket_id")?;
        let opened = micros(t, "tickets", "created_at")?;
        let priority = strings(t, "tickets", "priority")?;
        let subject = strings(t, "tickets", "subject")?;
        let closed = opt_micros(t, "tickets", "closed_at")?;
        let mut recent: HashMap<String, Vec<(i64, TicketRef)>> = HashMap::new();
        for r in 0..t.height() {
            let (Some(a), Some(at)) = (account[r].as_deref(), opened[r]) else {
                continue;
            };
            if !accounts.contains(a) || at >= as_of_us {
                continue;
            }
            let subject = subject[r].clone().unwrap_or_default();
            let priority = priority[r].clone().unwrap_or_default();
            let tone = id[r].as_ref().and_then(|i| src.ticket_tone.get(i)).cloned();
            push_event(a, at, "ticket", format!("{priority}-priority ticket: {subject}"));
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
        for (a, mut v) in recent {
            v.sort_by_key(|x| std::cmp::Reverse(x.0));
            out.tickets
                .insert(a, v.into_iter().take(MAX_ENTRIES).map(|(_, t)| t).collect());
        }
    }
    if let Some(c) = src.communications {
        let account = strings(c, "communications", "account_id")?;
        let at = micros(c, "communications", "sent_at")?;
        let direction = strings(c, "communications", "direction")?;
        let channel = strings(c, "communications", "channel")?;
        let subject = opt_strings(c, "communications", "subject")?;
        for r in 0..c.height() {
            let (Some(a), Some(t)) = (account[r].as_deref(), at[r]) else {
                continue;
            };
            if !accounts.contains(a) {
                continue;
            }
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
            push_event(a, t, if inbound { "email_in" } else { "email_out" }, summary);
        }
    }
    if let Some(n) = src.nps {
        let account = strings(n, "nps_responses", "account_id")?;
        let at = micros(n, "nps_responses", "responded_at")?;
        let score = n.column("score")?.cast(&DataType::Int64)?;
        let score = score.i64()?;
        for r in 0..n.height() {
            let (Some(a), Some(t)) = (account[r].as_deref(), at[r]) else {
                continue;
            };
            if accounts.contains(a) {
                let s = score.get(r).map(|s| s.to_string()).unwrap_or_else(|| "?".into());
                push_event(a, t, "nps", format!("NPS answer {s}/10"));
            }
        }
    }
    if let Some(e) = src.escalations {
        let account = strings(e, "escalations", "account_id")?;
        let id = strings(e, "escalations", "escalation_id")?;
        let opened = micros(e, "escalations", "opened_at")?;
        let category = strings(e, "escalations", "category")?;
        let resolved = opt_micros(e, "escalations", "resolved_at")?;
        let outcome = opt_strings(e, "escalations", "outcome")?;
        let mut past: HashMap<String, Vec<(i64, PastEscalation)>> = HashMap::new();
        for r in 0..e.height() {
            let (Some(a), Some(at)) = (account[r].as_deref(), opened[r]) else {
                continue;
            };
            if !accounts.contains(a) || at >= as_of_us {
                continue;
            }
            let category = category[r].clone().unwrap_or_default();
            // A resolution after the scoring moment is not known yet.
            let done = resolved[r].filter(|&t| t < as_of_us);
            push_event(
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
        for (a, mut v) in past {
            v.sort_by_key(|x| std::cmp::Reverse(x.0));
            out.escalations
                .insert(a, v.into_iter().take(MAX_ENTRIES).map(|(_, e)| e).collect());
        }
    }
    for (a, mut v) in events {
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
        out.interactions
            .insert(a, v.into_iter().take(MAX_ENTRIES).map(|(_, i)| i).collect());
    }
    Ok(out)
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
