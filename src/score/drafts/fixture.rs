//! Test fixtures: a realistic scored account, and the shipped templates.

use super::{Drafts, load};
use crate::score::brief::{
    AccountBrief, Factor, Interaction, PastEscalation, ResolutionEstimate, SimilarCase, TicketRef,
};
use crate::score::tiers::TiersOptions;
use chrono::{DateTime, TimeZone, Utc};
use std::path::PathBuf;

/// The templates shipped in `pipelines/templates/`.
pub(crate) fn shipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pipelines/templates")
}

/// The shipped templates, loaded with the default tiers.
pub(crate) fn shipped() -> Drafts {
    load(
        &shipped_dir(),
        &TiersOptions::default(),
        crate::contract::Taxonomy::builtin(),
    )
    .expect("the shipped templates load")
}

/// The fixture's scoring moment: 2024-05-14 06:00 UTC.
pub(crate) fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 14, 6, 0, 0)
        .single()
        .expect("a valid time")
}

fn factor(feature: &str, value: f64, contribution: f64, phrase: &str) -> Factor {
    Factor {
        feature: feature.into(),
        description: feature.replace('_', " "),
        value: Some(value),
        contribution,
        phrase: phrase.into(),
    }
}

fn ticket(id: &str, opened: &str, priority: &str, subject: &str, sentiment: &str, open: bool) -> TicketRef {
    TicketRef {
        ticket_id: id.into(),
        opened: opened.into(),
        priority: priority.into(),
        subject: subject.into(),
        sentiment: Some(sentiment.into()),
        open,
    }
}

fn interaction(date: &str, kind: &str, summary: &str) -> Interaction {
    Interaction {
        date: date.into(),
        kind: kind.into(),
        summary: summary.into(),
    }
}

fn case(escalation_id: &str, account_id: &str, resolution_days: f64, distance: f64) -> SimilarCase {
    SimilarCase {
        escalation_id: escalation_id.into(),
        account_id: account_id.into(),
        category: "integration".into(),
        resolution_days,
        distance,
    }
}

/// An enterprise account at 87 (tier leadership) whose SAP integration is failing.
pub(crate) fn northwind() -> AccountBrief {
    AccountBrief {
        account_id: "A-1042".into(),
        name: "Northwind Logistics".into(),
        segment: Some("enterprise".into()),
        industry: Some("logistics".into()),
        plan: Some("premium".into()),
        csm_owner: Some("Dana Whitfield".into()),
        csm_email: Some("dana.whitfield@example.com".into()),
        arr: Some(184_500.0),
        days_to_renewal: Some(62),
        tenure_days: Some(1130),
        as_of: "2024-05-14 06:00 UTC".into(),
        probability: 0.87,
        risk_score: 87,
        tier: "leadership".into(),
        alert: true,
        revenue_at_risk: Some(160_515.0),
        factors: vec![
            factor(
                "high_priority_tickets_14d",
                4.0,
                0.82,
                "4 high-priority tickets in the last 14 days",
            ),
            factor("logins_wow_change", -0.35, 0.61, "logins down 35% week over week"),
            factor(
                "negative_tone_share_30d",
                0.6,
                0.44,
                "60% of recent messages negative in tone",
            ),
            factor("last_nps", 8.0, -0.12, "last NPS answer 8 (passive)"),
        ],
        facts: vec![
            "4 high-priority tickets in the last 14 days".into(),
            "logins down 35% week over week".into(),
            "60% of recent messages negative in tone".into(),
        ],
        narrative: "4 high-priority tickets in the last 14 days, logins down 35% week over week and 60% \
                    of recent messages negative in tone — 87% escalation risk."
            .into(),
        score_delta: Some(12),
        what_changed: vec![
            "4 high-priority tickets in the last 14 days (was 1)".into(),
            "logins down 35% week over week (was down 5%)".into(),
        ],
        recent_tickets: vec![
            ticket(
                "T-88213",
                "2024-05-13",
                "urgent",
                "Shipment sync to SAP failing since Monday",
                "negative",
                true,
            ),
            ticket(
                "T-88190",
                "2024-05-10",
                "high",
                "Route optimisation export times out",
                "negative",
                true,
            ),
            ticket(
                "T-88121",
                "2024-05-06",
                "high",
                "Duplicate carrier records after import",
                "neutral",
                false,
            ),
            ticket(
                "T-88050",
                "2024-05-02",
                "normal",
                "How do I add a new depot?",
                "neutral",
                false,
            ),
        ],
        recent_interactions: vec![
            interaction(
                "2024-05-13",
                "ticket",
                "urgent ticket T-88213: Shipment sync to SAP failing since Monday",
            ),
            interaction(
                "2024-05-12",
                "email_in",
                "\"Re: SAP sync failures\" from the VP Operations, negative tone",
            ),
            interaction(
                "2024-05-09",
                "email_out",
                "\"Your quarterly business review\" to the operations lead",
            ),
            interaction("2024-05-03", "nps", "NPS 8 from the operations lead"),
        ],
        past_escalations: vec![
            PastEscalation {
                escalation_id: "E-311".into(),
                opened: "2023-11-20".into(),
                category: "integration".into(),
                resolution_days: Some(6.5),
                outcome: Some("resolved".into()),
            },
            PastEscalation {
                escalation_id: "E-207".into(),
                opened: "2023-03-02".into(),
                category: "implementation_delay".into(),
                resolution_days: Some(18.0),
                outcome: Some("resolved with a services credit".into()),
            },
        ],
        predicted_category: Some("integration".into()),
        category_probability: Some(0.64),
        resolution: Some(ResolutionEstimate {
            category: "integration".into(),
            cases: vec![
                case("E-402", "A-0977", 3.5, 0.42),
                case("E-311", "A-1042", 6.5, 0.57),
                case("E-288", "A-0310", 5.0, 0.73),
            ],
            mean_days: 5.0,
            spread_days: 1.22,
            predicted_days: 5.0,
            method: "similar_cases".into(),
            success_factors: vec!["solutions_engineer_assigned".into(), "exec_sponsor_call".into()],
            summary: "Comparable to 3 previous integration escalations, which averaged 5.0 days to resolve; \
                      success factors: solutions engineer assigned, exec sponsor call."
                .into(),
        }),
    }
}

/// `brief` scored at `probability` instead: score, revenue at risk and narrative follow.
pub(crate) fn at(brief: AccountBrief, probability: f64) -> AccountBrief {
    let score = crate::score::risk_score(probability);
    AccountBrief {
        probability,
        risk_score: score,
        revenue_at_risk: brief.arr.map(|a| (a * probability).round()),
        narrative: brief.narrative.replace(
            &format!("{}% escalation risk", brief.risk_score),
            &format!("{score}% escalation risk"),
        ),
        ..brief
    }
}

/// A young account with nothing on record but its score (tier watch).
pub(crate) fn newcomer() -> AccountBrief {
    AccountBrief {
        account_id: "A-2001".into(),
        name: "Fresh Start Ltd".into(),
        as_of: "2024-05-14 06:00 UTC".into(),
        probability: 0.41,
        risk_score: 41,
        tier: "watch".into(),
        alert: true,
        narrative: "No activity in the last 30 days — 41% escalation risk.".into(),
        ..super::check::sample_sparse()
    }
}
