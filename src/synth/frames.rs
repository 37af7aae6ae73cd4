//! Turns the simulation's row vectors into polars frames with the contract's column names,
//! order and types (ids/text → String, Int → Int64, Float → Float64, Bool → Boolean,
//! Date → Date, Timestamp → Datetime(µs, no time zone) holding UTC).
//!
//! Event tables get global ids in time order (ties in account order, which is
//! deterministic), like the sequence numbers of a real ticketing or CRM system.

use super::Ctx;
use super::catalog::{
    ESCALATION_CATEGORIES, INDUSTRIES, PLANS, PRIORITIES, REGIONS, SEGMENTS, SEVERITIES, VERDICTS,
};
use super::rows::Out;
use crate::contract::schema::{INBOUND, OUTBOUND};
use polars::prelude::*;

/// Product name on every subscription.
const PRODUCT: &str = "platform";

type Tables = Vec<(&'static str, DataFrame)>;

/// Account id of account index `i`.
pub(crate) fn account_id(i: usize) -> String {
    format!("acc-{:06}", i + 1)
}

/// Contact id of contact `number` of account index `acct`.
fn contact_id(acct: u32, number: u16) -> String {
    format!("con-{:06}-{number:02}", acct + 1)
}

/// Takes one row vector out of every worker's output (in account order).
fn take<T>(outs: &mut [Out], field: impl Fn(&mut Out) -> &mut Vec<T>) -> Vec<T> {
    let total = outs.iter_mut().map(|o| field(o).len()).sum();
    let mut all = Vec::with_capacity(total);
    for out in outs.iter_mut() {
        all.append(field(out));
    }
    all
}

fn string<'a>(name: &str, values: impl Iterator<Item = &'a str>) -> Column {
    Column::new(name.into(), values.collect::<Vec<&str>>())
}

fn opt_string<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<&str>>>())
}

fn int(name: &str, values: impl Iterator<Item = i64>) -> Column {
    Column::new(name.into(), values.collect::<Vec<i64>>())
}

fn opt_int(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<i64>>>())
}

fn float(name: &str, values: impl Iterator<Item = f64>) -> Column {
    Column::new(name.into(), values.collect::<Vec<f64>>())
}

fn boolean(name: &str, values: impl Iterator<Item = bool>) -> Column {
    Column::new(name.into(), values.collect::<Vec<bool>>())
}

fn date(name: &str, values: impl Iterator<Item = i32>) -> Column {
    Int32Chunked::from_vec(name.into(), values.collect())
        .into_date()
        .into_column()
}

fn opt_date(name: &str, values: impl Iterator<Item = Option<i32>>) -> Column {
    Int32Chunked::from_iter_options(name.into(), values)
        .into_date()
        .into_column()
}

fn timestamp(name: &str, values: impl Iterator<Item = i64>) -> Column {
    Int64Chunked::from_vec(name.into(), values.collect())
        .into_datetime(TimeUnit::Microseconds, None)
        .into_column()
}

fn opt_timestamp(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_column()
}

fn frame(columns: Vec<Column>) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(columns)
}

/// Builds all tables in contract order, consuming the workers' outputs.
pub(crate) fn build(ctx: &Ctx, mut outs: Vec<Out>) -> PolarsResult<Tables> {
    let ids: Vec<String> = (0..ctx.accounts).map(account_id).collect();
    let id = |acct: u32| ids.get(acct as usize).map_or("", String::as_str);
    Ok(vec![
        ("accounts", accounts(ctx, &ids, &mut outs)?),
        ("subscriptions", subscriptions(&id, &mut outs)?),
        ("contacts", contacts(&id, &mut outs)?),
        ("tickets", tickets(&id, &mut outs)?),
        ("usage_daily", usage(&id, &mut outs)?),
        ("feature_usage", features(&id, &mut outs)?),
        ("nps_responses", nps(&id, &mut outs)?),
        ("communications", communications(&id, &mut outs)?),
        ("escalations", escalations(&id, &mut outs)?),
        ("feedback", feedback(ctx, &id, &mut outs)?),
    ])
}

fn accounts(ctx: &Ctx, ids: &[String], outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let rows = take(outs, |o| &mut o.accounts);
    let csm = |i: usize| {
        ctx.csms
            .get(i)
            .map_or(("", ""), |(n, e)| (n.as_str(), e.as_str()))
    };
    frame(vec![
        string("account_id", ids.iter().map(String::as_str)),
        string("name", rows.iter().map(|r| r.name.as_str())),
        string("segment", rows.iter().map(|r| SEGMENTS[r.segment])),
        float("arr", rows.iter().map(|r| r.arr)),
        opt_date("renewal_date", rows.iter().map(|r| r.renewal_date)),
        string("industry", rows.iter().map(|r| INDUSTRIES[r.industry])),
        string("region", rows.iter().map(|r| REGIONS[r.region].0)),
        string("plan", rows.iter().map(|r| PLANS[r.plan])),
        date("contract_start", rows.iter().map(|r| r.contract_start)),
        string("csm_owner", rows.iter().map(|r| csm(r.csm).0)),
        string("csm_email", rows.iter().map(|r| csm(r.csm).1)),
        timestamp("created_at", rows.iter().map(|r| r.created_at)),
    ])
}

fn subscriptions<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let rows = take(outs, |o| &mut o.subscriptions);
    frame(vec![
        string("account_id", rows.iter().map(|r| id(r.acct))),
        date("start_date", rows.iter().map(|r| r.start)),
        date("end_date", rows.iter().map(|r| r.end)),
        float("arr", rows.iter().map(|r| r.arr)),
        string("product", rows.iter().map(|_| PRODUCT)),
        string("plan", rows.iter().map(|r| PLANS[r.plan])),
        int("seats", rows.iter().map(|r| r.seats)),
    ])
}

fn contacts<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let rows = take(outs, |o| &mut o.contacts);
    let contact_ids: Vec<String> = rows.iter().map(|r| contact_id(r.acct, r.number)).collect();
    frame(vec![
        string("contact_id", contact_ids.iter().map(String::as_str)),
        string("account_id", rows.iter().map(|r| id(r.acct))),
        boolean("is_champion", rows.iter().map(|r| r.is_champion)),
        string("name", rows.iter().map(|r| r.name.as_str())),
        string("email", rows.iter().map(|r| r.email.as_str())),
        string("role", rows.iter().map(|r| r.role)),
        boolean("is_executive", rows.iter().map(|r| r.is_executive)),
        timestamp("first_seen_at", rows.iter().map(|r| r.first_seen_at)),
    ])
}

fn tickets<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let mut rows = take(outs, |o| &mut o.tickets);
    rows.sort_by_key(|r| r.created_at);
    let ticket_ids: Vec<String> = (1..=rows.len()).map(|k| format!("tkt-{k:07}")).collect();
    let contact_ids: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.contact.map(|c| contact_id(r.acct, c)))
        .collect();
    frame(vec![
        string("ticket_id", ticket_ids.iter().map(String::as_str)),
        string("account_id", rows.iter().map(|r| id(r.acct))),
        timestamp("created_at", rows.iter().map(|r| r.created_at)),
        string("priority", rows.iter().map(|r| PRIORITIES[r.priority])),
        opt_string("subject", rows.iter().map(|r| Some(r.subject.as_str()))),
        opt_string("body", rows.iter().map(|r| Some(r.body.as_str()))),
        opt_string("contact_id", contact_ids.iter().map(|c| c.as_deref())),
        opt_timestamp("closed_at", rows.iter().map(|r| r.closed_at)),
        string("category", rows.iter().map(|r| r.category)),
        string("channel", rows.iter().map(|r| r.channel)),
        opt_int("csat", rows.iter().map(|r| r.csat)),
        string("status", rows.iter().map(|r| r.status)),
    ])
}

fn usage<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let rows = take(outs, |o| &mut o.usage);
    frame(vec![
        string("account_id", rows.iter().map(|r| id(r.acct))),
        date("date", rows.iter().map(|r| r.date)),
        int("active_users", rows.iter().map(|r| r.active_users)),
        int("logins", rows.iter().map(|r| r.logins)),
        int("admin_users", rows.iter().map(|r| r.admin_users)),
        int("sessions", rows.iter().map(|r| r.sessions)),
    ])
}

fn features<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let rows = take(outs, |o| &mut o.features);
    let names = super::catalog::FEATURES;
    frame(vec![
        string("account_id", rows.iter().map(|r| id(r.acct))),
        date("date", rows.iter().map(|r| r.date)),
        string("feature", rows.iter().map(|r| names[usize::from(r.feature)])),
        int("events", rows.iter().map(|r| r.events)),
    ])
}

fn nps<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let mut rows = take(outs, |o| &mut o.nps);
    rows.sort_by_key(|r| r.responded_at);
    let contact_ids: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.contact.map(|c| contact_id(r.acct, c)))
        .collect();
    frame(vec![
        string("account_id", rows.iter().map(|r| id(r.acct))),
        timestamp("responded_at", rows.iter().map(|r| r.responded_at)),
        int("score", rows.iter().map(|r| r.score)),
        opt_string("contact_id", contact_ids.iter().map(|c| c.as_deref())),
        opt_string("comment", rows.iter().map(|r| r.comment.as_deref())),
    ])
}

fn communications<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let mut rows = take(outs, |o| &mut o.comms);
    rows.sort_by_key(|r| r.sent_at);
    let message_ids: Vec<String> = (1..=rows.len()).map(|k| format!("msg-{k:08}")).collect();
    let contact_ids: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.contact.map(|c| contact_id(r.acct, c)))
        .collect();
    frame(vec![
        string("message_id", message_ids.iter().map(String::as_str)),
        string("account_id", rows.iter().map(|r| id(r.acct))),
        timestamp("sent_at", rows.iter().map(|r| r.sent_at)),
        string(
            "direction",
            rows.iter().map(|r| if r.inbound { INBOUND } else { OUTBOUND }),
        ),
        string("channel", rows.iter().map(|r| r.channel)),
        opt_string("contact_id", contact_ids.iter().map(|c| c.as_deref())),
        opt_string("subject", rows.iter().map(|r| r.subject.as_deref())),
        opt_string("body", rows.iter().map(|r| r.body.as_deref())),
    ])
}

fn escalations<'a>(id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let mut rows = take(outs, |o| &mut o.escalations);
    rows.sort_by_key(|r| r.opened_at);
    let escalation_ids: Vec<String> = (1..=rows.len()).map(|k| format!("esc-{k:06}")).collect();
    frame(vec![
        string("escalation_id", escalation_ids.iter().map(String::as_str)),
        string("account_id", rows.iter().map(|r| id(r.acct))),
        timestamp("opened_at", rows.iter().map(|r| r.opened_at)),
        string("category", rows.iter().map(|r| ESCALATION_CATEGORIES[r.category])),
        opt_string("severity", rows.iter().map(|r| Some(SEVERITIES[r.severity]))),
        opt_timestamp("resolved_at", rows.iter().map(|r| r.resolved_at)),
        opt_string(
            "interventions",
            rows.iter().map(|r| Some(r.interventions.as_str())),
        ),
        opt_string("outcome", rows.iter().map(|r| Some(r.outcome))),
        float("arr_at_risk", rows.iter().map(|r| r.arr_at_risk)),
    ])
}

fn feedback<'a>(ctx: &Ctx, id: &impl Fn(u32) -> &'a str, outs: &mut [Out]) -> PolarsResult<DataFrame> {
    let mut rows = take(outs, |o| &mut o.feedback);
    rows.sort_by_key(|r| r.alert_date);
    let author = |i: usize| ctx.csms.get(i).map_or("", |(n, _)| n.as_str());
    frame(vec![
        string("account_id", rows.iter().map(|r| id(r.acct))),
        date("alert_date", rows.iter().map(|r| r.alert_date)),
        string("verdict", rows.iter().map(|r| VERDICTS[r.verdict])),
        opt_string(
            "model_version",
            rows.iter().map(|r| Some(r.model_version.as_str())),
        ),
        opt_string("note", rows.iter().map(|r| Some(r.note.as_str()))),
        opt_string("author", rows.iter().map(|r| Some(author(r.csm)))),
    ])
}
