//! Account profiles (segment, ARR, plan, latent traits) and their contract periods.
//!
//! Contract periods are simulated forward from the first contract: before the window with
//! fixed renewal odds (every account in the table is a customer at the start of the window
//! or joins during it), inside the window with odds that depend on the account's recent
//! health and escalations (see `sim`). The `accounts` row is derived from the periods.

use super::Ctx;
use super::calendar::MAX_HISTORY_DAYS;
use super::catalog::{
    self, ARR_MEDIAN, FEATURE_ADOPTION, FEATURES, INDUSTRIES, PLAN_WEIGHTS, REGION_WEIGHTS, SEAT_PRICE,
    SEGMENT_WEIGHTS,
};
use super::rng::{self, Rng, chance, lognormal, normal, uniform};

/// Static traits of one account, drawn once.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub segment: usize,
    pub industry: usize,
    pub region: usize,
    pub csm: usize,
    pub name: String,
    pub domain: String,
    /// Creation day (window day index; negative = before the window).
    pub created_day: i32,
    /// Creation instant, microseconds since the epoch.
    pub created_at: i64,
    /// First contract day (window day index).
    pub contract_start: i32,
    /// Whether contract periods are monthly rather than annual.
    pub monthly: bool,
    /// Long-run mean of the latent health.
    pub mu: f64,
    /// Share of seats active on a normal weekday.
    pub adoption: f64,
    /// Relative change of adoption per year.
    pub trend: f64,
    /// Weekend activity relative to weekdays.
    pub weekend: f64,
    /// Logins per active user and day.
    pub logins_per_user: f64,
    /// Share of active users who are admins.
    pub admin_share: f64,
    /// Adopted features.
    pub features: [bool; 10],
    /// Per-feature usage intensity.
    pub feature_intensity: [f64; 10],
    /// Baseline tickets per weekday.
    pub ticket_rate: f64,
    /// Propensity for product-defect trouble.
    pub bugginess: f64,
}

/// One contract period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    /// First day (window day index).
    pub start: i32,
    /// Last day, the renewal date (window day index).
    pub end: i32,
    pub arr: f64,
    pub plan: usize,
    pub seats: i64,
}

/// What happens at the end of a contract period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Renewal {
    Flat,
    Expand,
    Downgrade,
    Churn,
}

/// Draws the profile of account `idx`.
pub(crate) fn profile(ctx: &Ctx, idx: usize, rng: &mut Rng) -> Profile {
    let segment = rng::weighted(rng, &SEGMENT_WEIGHTS);
    let region = rng::weighted(rng, &REGION_WEIGHTS);
    let (name, domain) = catalog::company_name(ctx, idx);
    let days = ctx.window.days;
    let created_day = if days > 20 && chance(rng, 0.08) {
        rng::int(rng, 0, i64::from(days - 10)) as i32
    } else {
        -(14 + (f64::from(MAX_HISTORY_DAYS - 14) * rng::unit(rng).powf(1.3)) as i32)
    };
    // Just before the customer's business day starts, so that nothing of the account
    // (contacts, activity) on that day precedes it.
    let opens = catalog::business_start(region) - rng::int(rng, 60, 3_600);
    let created_at = ctx.window.ts(created_day, opens);
    let contract_start = (created_day + rng::int(rng, 0, 21) as i32).min(days - 1);
    let monthly = match segment {
        0 => chance(rng, 0.35),
        1 => chance(rng, 0.05),
        _ => false,
    };
    let mu = 0.35 + [0.0, 0.05, 0.1][segment] + 0.5 * normal(rng);
    let mut features = [false; 10];
    let mut feature_intensity = [0.0; 10];
    for f in 0..FEATURES.len() {
        features[f] = chance(rng, FEATURE_ADOPTION[segment][f]);
        feature_intensity[f] = lognormal(rng, 1.0, 0.4);
    }
    Profile {
        segment,
        industry: rng::int(rng, 0, INDUSTRIES.len() as i64 - 1) as usize,
        region,
        csm: rng::int(rng, 0, ctx.csms.len() as i64 - 1) as usize,
        name,
        domain,
        created_day,
        created_at,
        contract_start,
        monthly,
        mu,
        adoption: (0.45 + 0.12 * normal(rng) + 0.08 * mu).clamp(0.1, 0.9),
        trend: (0.1 * mu + 0.2 * normal(rng)).clamp(-0.6, 0.6),
        weekend: uniform(rng, 0.1, 0.3),
        logins_per_user: uniform(rng, 1.2, 2.2),
        admin_share: uniform(rng, 0.02, 0.08),
        features,
        feature_intensity,
        ticket_rate: [0.02, 0.055, 0.13][segment] * lognormal(rng, 1.0, 0.35),
        bugginess: lognormal(rng, 1.0, 0.4),
    }
}

/// Seats bought for `arr` on `plan`.
fn seats_for(arr: f64, plan: usize) -> i64 {
    ((arr / SEAT_PRICE[plan]).round() as i64).max(3)
}

/// Contract periods from the first contract up to the one covering the first simulated day.
pub(crate) fn initial_periods(ctx: &Ctx, p: &Profile, rng: &mut Rng) -> Vec<Period> {
    let plan = rng::weighted(rng, &PLAN_WEIGHTS[p.segment]);
    let arr = lognormal(rng, ARR_MEDIAN[p.segment] * 0.85, 0.55)
        .round()
        .max(600.0);
    let first = Period {
        start: p.contract_start,
        end: ctx.window.add_months(p.contract_start, period_months(p.monthly)) - 1,
        arr,
        plan,
        seats: seats_for(arr, plan),
    };
    let mut periods = vec![first];
    while let Some(last) = periods.last().copied() {
        if last.end >= 0 {
            break;
        }
        let decision = pre_window_decision(rng, p.monthly);
        periods.push(next_period(ctx, &last, p.monthly, decision, rng));
    }
    periods
}

fn period_months(monthly: bool) -> u32 {
    if monthly { 1 } else { 12 }
}

/// Renewal outcome before the window (every account survives to the window).
fn pre_window_decision(rng: &mut Rng, monthly: bool) -> Renewal {
    let x = rng::unit(rng);
    let (expand, down) = if monthly { (0.03, 0.015) } else { (0.22, 0.07) };
    if x < expand {
        Renewal::Expand
    } else if x < expand + down {
        Renewal::Downgrade
    } else {
        Renewal::Flat
    }
}

/// The period following `prev` after a non-churn renewal `decision`.
pub(crate) fn next_period(
    ctx: &Ctx,
    prev: &Period,
    monthly: bool,
    decision: Renewal,
    rng: &mut Rng,
) -> Period {
    let mut plan = prev.plan;
    let arr = match decision {
        Renewal::Expand => {
            if chance(rng, 0.3) {
                plan = (plan + 1).min(SEAT_PRICE.len() - 1);
            }
            prev.arr * uniform(rng, 1.1, 1.45)
        }
        Renewal::Downgrade => {
            if chance(rng, 0.3) {
                plan = plan.saturating_sub(1);
            }
            prev.arr * uniform(rng, 0.6, 0.88)
        }
        Renewal::Flat | Renewal::Churn if !monthly => prev.arr * uniform(rng, 1.0, 1.05),
        Renewal::Flat | Renewal::Churn => prev.arr,
    };
    let arr = arr.round().max(600.0);
    let start = prev.end + 1;
    Period {
        start,
        end: ctx.window.add_months(start, period_months(monthly)) - 1,
        arr,
        plan,
        seats: seats_for(arr, plan),
    }
}

/// Renewal decision inside the window from the account's recent health `h_avg`, the
/// escalations during the ending period and any outcome forced by an escalation.
pub(crate) fn in_window_decision(
    rng: &mut Rng,
    monthly: bool,
    h_avg: f64,
    escalations: u32,
    forced: Option<Renewal>,
) -> Renewal {
    if let Some(decision) = forced {
        return decision;
    }
    let e = f64::from(escalations);
    let (churn, down, expand) = if monthly {
        (
            rng::sigmoid(-5.0 - 1.6 * h_avg + 1.0 * e),
            rng::sigmoid(-5.0 - 0.5 * h_avg + 0.5 * e),
            rng::sigmoid(-4.2 + 0.8 * h_avg),
        )
    } else {
        (
            rng::sigmoid(-3.3 - 1.7 * h_avg + 0.9 * e),
            rng::sigmoid(-2.6 - 0.8 * h_avg + 0.5 * e),
            rng::sigmoid(-1.5 + 1.0 * h_avg),
        )
    };
    let x = rng::unit(rng);
    if x < churn {
        Renewal::Churn
    } else if x < churn + down {
        Renewal::Downgrade
    } else if x < churn + down + expand {
        Renewal::Expand
    } else {
        Renewal::Flat
    }
}
