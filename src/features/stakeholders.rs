//! Stakeholder features: champion responsiveness, unanswered outreach, new and executive
//! contacts, and a champion who appears to have left.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::columns::{micros, strings};
use crate::time::DAY_US;
use crate::time::units;
use polars::prelude::*;
use std::collections::HashMap;

/// Stakeholder features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "days_since_champion_inbound",
        "Days since a champion last sent an inbound message (null if never)",
        "days",
        "communications",
        "all history",
    ),
    f(
        "unanswered_outbound_14d",
        "Outbound messages of the last 14 days sent after the customer's last inbound message",
        "count",
        "communications",
        "14 d",
    ),
    f(
        "inbound_messages_14d",
        "Inbound messages from the customer in the last 14 days",
        "count",
        "communications",
        "14 d",
    ),
    f(
        "executive_messages_14d",
        "Messages with an executive contact in the last 14 days",
        "count",
        "communications",
        "14 d",
    ),
    f(
        "new_contacts_14d",
        "Contacts first seen in the last 14 days",
        "count",
        "contacts",
        "14 d",
    ),
    f(
        "champion_departed",
        "1 when no champion wrote in 45 days while other contacts did (the champion has likely left)",
        "flag",
        "communications",
        "45 d",
    ),
];

/// Per-contact roles.
fn roles(contacts: &DataFrame) -> Result<HashMap<String, (bool, bool)>, FeatureError> {
    let ids = strings(contacts, "contacts", "contact_id")?;
    let champ: Vec<Option<bool>> = contacts.column("is_champion")?.bool()?.iter().collect();
    let exec: Vec<Option<bool>> = contacts.column("is_executive")?.bool()?.iter().collect();
    Ok(ids
        .into_iter()
        .zip(champ.into_iter().zip(exec))
        .filter_map(|(id, (c, e))| Some((id?, (c.unwrap_or(false), e.unwrap_or(false)))))
        .collect())
}

/// Computes the stakeholder features; `contacts` and `communications` may be absent.
pub fn compute(
    snaps: &Snapshots,
    contacts: Option<&DataFrame>,
    communications: Option<&DataFrame>,
    out: &mut Features,
) -> Result<(), FeatureError> {
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![vec![None; n]; SPECS.len()];
    let roles = contacts.map(roles).transpose()?.unwrap_or_default();
    if let Some(comms) = communications {
        let tl = Timeline::build(snaps, comms, "communications", "sent_at", 0)?;
        let inbound: Vec<bool> = strings(comms, "communications", "direction")?
            .iter()
            .map(|d| d.as_deref() == Some("inbound"))
            .collect();
        let who: Vec<(bool, bool)> = strings(comms, "communications", "contact_id")?
            .iter()
            .map(|c| {
                c.as_ref()
                    .and_then(|c| roles.get(c))
                    .copied()
                    .unwrap_or((false, false))
            })
            .collect();
        for (i, (&a, &t)) in snaps.account.iter().zip(&snaps.at).enumerate() {
            let champion_in = tl.last_before_where(a, t, |r| inbound[r] && who[r].0);
            cols[0][i] = champion_in.map(|(s, _)| units::days(t - s));
            let last_in = tl
                .last_before_where(a, t, |r| inbound[r])
                .map_or(i64::MIN, |(s, _)| s);
            let recent = tl.rows(a, t - 14 * DAY_US, t);
            let after_last_in = tl.rows(a, last_in.saturating_add(1).max(t - 14 * DAY_US), t);
            cols[1][i] = Some(after_last_in.iter().filter(|r| !inbound[**r]).count() as f64);
            cols[2][i] = Some(recent.iter().filter(|r| inbound[**r]).count() as f64);
            cols[3][i] = Some(recent.iter().filter(|r| who[**r].1).count() as f64);
            let d45 = tl.rows(a, t - 45 * DAY_US, t);
            let champ_wrote = d45.iter().any(|r| inbound[*r] && who[*r].0);
            let others_wrote = d45.iter().any(|r| inbound[*r] && !who[*r].0);
            cols[5][i] = Some(f64::from(u8::from(
                !champ_wrote && others_wrote && champion_in.is_some(),
            )));
        }
    }
    if let Some(contacts) = contacts {
        let tl = Timeline::build(snaps, contacts, "contacts", "first_seen_at", 0)?;
        let seen = micros(contacts, "contacts", "first_seen_at")?;
        let any_seen = seen.iter().any(Option::is_some);
        for (i, (&a, &t)) in snaps.account.iter().zip(&snaps.at).enumerate() {
            cols[4][i] = any_seen.then(|| tl.count(a, t - 14 * DAY_US, t) as f64);
        }
    }
    out.add_family(SPECS, cols)
}
