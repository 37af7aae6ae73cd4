//! NPS features: the latest answer, its change, detractors, recency and comment tone.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::tone::{Tone, nps_text_id};
use super::{FeatureError, Features};
use crate::contract::columns::{micros, strings};
use crate::time::units;
use polars::prelude::*;

/// NPS features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "nps_latest",
        "Latest NPS score (0–10)",
        "score",
        "nps_responses",
        "all history",
    ),
    f(
        "nps_change",
        "Latest NPS score minus the one before",
        "score",
        "nps_responses",
        "all history",
    ),
    f(
        "nps_detractor",
        "1 when the latest score is 0–6",
        "flag",
        "nps_responses",
        "all history",
    ),
    f(
        "days_since_nps",
        "Days since the latest NPS answer",
        "days",
        "nps_responses",
        "all history",
    ),
    f(
        "nps_comment_negative",
        "1 when the sentiment model labels the latest NPS comment negative (lexicon when it did not score it)",
        "flag",
        "nps_responses",
        "all history",
    ),
];

/// Computes the NPS features for every snapshot.
pub fn compute(
    snaps: &Snapshots,
    nps: &DataFrame,
    tone: &Tone,
    out: &mut Features,
) -> Result<(), FeatureError> {
    let tl = Timeline::build(snaps, nps, "nps_responses", "responded_at", 0)?;
    let score: Vec<Option<f64>> = nps
        .column("score")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let comment = strings(nps, "nps_responses", "comment")?;
    let account = strings(nps, "nps_responses", "account_id")?;
    let responded = micros(nps, "nps_responses", "responded_at")?;
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); SPECS.len()];
    for (&a, &t) in snaps.account.iter().zip(&snaps.at) {
        let rows = tl.rows(a, i64::MIN, t);
        let latest = tl.last_before(a, t);
        let s0 = rows.last().and_then(|r| score[*r]);
        let s1 = rows.len().checked_sub(2).and_then(|i| score[rows[i]]);
        let values = [
            s0,
            s0.zip(s1).map(|(a, b)| a - b),
            s0.map(|s| f64::from(u8::from(s <= 6.0))),
            latest.map(|(at, _)| units::days(t - at)),
            latest.and_then(|(_, r)| {
                let c = comment[r].as_deref()?;
                let id = account[r]
                    .as_deref()
                    .zip(responded[r])
                    .map(|(a, at)| nps_text_id(a, at));
                Some(f64::from(u8::from(tone.negative(
                    "nps_responses",
                    id.as_deref(),
                    || c.to_string(),
                ))))
            }),
        ];
        for (col, v) in cols.iter_mut().zip(values) {
            col.push(v);
        }
    }
    out.add_family(SPECS, cols)
}
