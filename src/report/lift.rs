//! Which account characteristics are over-represented among a category's escalated
//! accounts: lift = (share of escalated accounts with it) / (share of all active accounts
//! with it), reported only with at least `min_support` escalated accounts.

use std::collections::BTreeMap;

/// An account's characteristics at one instant (from a feature snapshot).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Account.
    pub account: String,
    /// Days since the first contract.
    pub tenure_days: Option<f64>,
    /// ARR (USD).
    pub arr: Option<f64>,
    /// Segment.
    pub segment: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Plan.
    pub plan: Option<String>,
    /// Features used in the last 30 days.
    pub feature_breadth: Option<f64>,
    /// Whether the champion left in the 90 days before.
    pub champion_changed: bool,
}

/// Band edges computed on the population (ARR and adoption quartiles).
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// ARR quartile edges (25th, 50th, 75th percentiles).
    pub arr: [f64; 3],
    /// Feature-breadth quartile edges.
    pub adoption: [f64; 3],
}

impl Bands {
    /// Quartiles of the population's snapshots.
    pub fn of(population: &[Snapshot]) -> Self {
        let q = |mut v: Vec<f64>| -> [f64; 3] {
            v.sort_by(f64::total_cmp);
            let at = |p: f64| {
                if v.is_empty() {
                    0.0
                } else {
                    v[((v.len() - 1) as f64 * p).round() as usize]
                }
            };
            [at(0.25), at(0.5), at(0.75)]
        };
        Self {
            arr: q(population.iter().filter_map(|s| s.arr).collect()),
            adoption: q(population.iter().filter_map(|s| s.feature_breadth).collect()),
        }
    }
}

/// Tenure band of a tenure in days.
pub fn tenure_band(days: f64) -> &'static str {
    match days {
        d if d < 90.0 => "under 90 days",
        d if d < 365.0 => "90–365 days",
        d if d < 730.0 => "1–2 years",
        _ => "over 2 years",
    }
}

fn quartile(v: f64, edges: &[f64; 3]) -> usize {
    edges.iter().filter(|&&e| v > e).count()
}

const QUARTILES: [&str; 4] = [
    "bottom quartile",
    "second quartile",
    "third quartile",
    "top quartile",
];

/// The characteristics of a snapshot as (dimension, value) pairs.
pub fn traits(s: &Snapshot, bands: &Bands) -> Vec<(&'static str, String)> {
    let mut t = Vec::new();
    if let Some(v) = &s.segment {
        t.push(("segment", v.clone()));
    }
    if let Some(v) = &s.industry {
        t.push(("industry", v.clone()));
    }
    if let Some(v) = &s.plan {
        t.push(("plan", v.clone()));
    }
    if let Some(d) = s.tenure_days {
        t.push(("tenure", tenure_band(d).to_string()));
    }
    if let Some(a) = s.arr {
        t.push(("arr", QUARTILES[quartile(a, &bands.arr)].to_string()));
    }
    if let Some(b) = s.feature_breadth {
        t.push(("adoption", QUARTILES[quartile(b, &bands.adoption)].to_string()));
    }
    let champion = if s.champion_changed {
        "champion left"
    } else {
        "no champion change"
    };
    t.push(("champion", champion.to_string()));
    t
}

/// How a characteristic reads in a sentence ("accounts … ").
pub fn phrase(dimension: &str, value: &str) -> String {
    match dimension {
        "segment" => format!("in the {value} segment"),
        "industry" => format!("in the {value} industry"),
        "plan" => format!("on the {value} plan"),
        "tenure" => format!("with tenure {value}"),
        "arr" => format!("in the {value} of ARR"),
        "adoption" => format!("in the {value} of feature adoption"),
        "champion" if value == "champion left" => "whose champion left in the 90 days before".into(),
        _ => format!("with {dimension} {value}"),
    }
}

/// One characteristic's lift among a category's escalated accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Lift {
    /// Dimension (segment, industry, plan, tenure, arr, adoption, champion).
    pub dimension: &'static str,
    /// Value or band.
    pub value: String,
    /// Escalated accounts with it (the support).
    pub support: usize,
    /// Escalated accounts.
    pub escalated: usize,
    /// Population accounts with it.
    pub population_with: usize,
    /// Population accounts.
    pub population: usize,
    /// (support / escalated) / (population_with / population).
    pub lift: f64,
}

/// Characteristics with lift above 1 and at least `min_support` escalated accounts, highest
/// lift first (ties: larger support), at most `top`.
pub fn lifts(
    population: &[Snapshot],
    escalated: &[Snapshot],
    bands: &Bands,
    min_support: usize,
    top: usize,
) -> Vec<Lift> {
    let count = |rows: &[Snapshot]| {
        let mut m: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        for s in rows {
            for k in traits(s, bands) {
                *m.entry(k).or_default() += 1;
            }
        }
        m
    };
    let (pop, esc) = (count(population), count(escalated));
    let mut out: Vec<Lift> = esc
        .into_iter()
        .filter(|(_, n)| *n >= min_support.max(1))
        .filter_map(|((dimension, value), support)| {
            let population_with = pop.get(&(dimension, value.clone())).copied().unwrap_or(0);
            if population_with == 0 || population.is_empty() || escalated.is_empty() {
                return None;
            }
            let lift = (support as f64 / escalated.len() as f64)
                / (population_with as f64 / population.len() as f64);
            (lift > 1.0).then_some(Lift {
                dimension,
                value,
                support,
                escalated: escalated.len(),
                population_with,
                population: population.len(),
                lift,
            })
        })
        .collect();
    out.sort_by(|a, b| b.lift.total_cmp(&a.lift).then(b.support.cmp(&a.support)));
    out.truncate(top);
    out
}
