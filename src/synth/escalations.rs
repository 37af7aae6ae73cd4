//! Trouble episodes and escalations: the hazard that starts an episode, the category it
//! is about, the decision on its last day whether it escalates, and an escalation's
//! severity, interventions, resolution time and outcome.
//!
//! Episodes produce the precursors (see `Sim::pressure`); about 1.9 episodes occur per
//! escalation. Whether an episode escalates depends steeply on its intensity, which shows
//! in its ticket burst and usage drop: trouble that visibly builds up usually escalates,
//! mild trouble usually fades. A small "surprise" hazard opens escalations with no
//! precursors at all; with escalated weak episodes and 1–2-day leads they keep about 10 %
//! of escalations hard to see coming.

use super::accounts::Renewal;
use super::calendar::{DAY_SECS, US};
use super::catalog;
use super::catalog::{ESCALATION_CATEGORIES, SEGMENTS, SEVERITIES};
use super::contacts::Who;
use super::phrases_areas::CATEGORY_AREAS;
use super::rng::{self, chance, normal, sigmoid, uniform};
use super::rows::{EpisodeLog, EscalationLog, EscalationRow};
use super::sim::{Active, Episode, Fade, Sim};

/// Daily probability of an episode at health 0 (before segment and context factors).
const EPISODE_BASE: f64 = 0.0031;
/// Daily probability of an escalation without precursors at health 0.
const SURPRISE_BASE: f64 = 0.00013;
/// Log-odds offset of an episode escalating.
const ESCALATE_BIAS: f64 = -0.2;
/// Relative episode risk per segment.
const SEGMENT_RISK: [f64; 3] = [0.9, 1.1, 1.3];
/// Usage drop at full build-up per category (before intensity scaling).
const USAGE_DROP: [f64; 6] = [0.38, 0.36, 0.2, 0.4, 0.34, 0.4];
/// Median days to resolve per category.
const RESOLUTION_DAYS: [f64; 6] = [21.0, 10.0, 14.0, 18.0, 12.0, 9.0];
/// Resolution time multiplier per severity.
const SEVERITY_SLOWDOWN: [f64; 4] = [0.6, 1.0, 1.4, 1.8];
/// Candidate interventions per category.
const INTERVENTIONS: [[&str; 4]; 6] = [
    ["onboarding_reset", "dedicated_engineer", "training", "exec_call"],
    ["engineering_fix", "hotfix", "service_credit", "war_room"],
    ["discount", "exec_call", "contract_amendment", "service_credit"],
    ["exec_call", "training", "dedicated_csm", "executive_sponsor"],
    [
        "engineering_fix",
        "dedicated_engineer",
        "partner_escalation",
        "workaround",
    ],
    [
        "engineering_fix",
        "infrastructure_upgrade",
        "war_room",
        "service_credit",
    ],
];
const _: () = assert!(
    SEGMENT_RISK.len() == SEGMENTS.len()
        && USAGE_DROP.len() == ESCALATION_CATEGORIES.len()
        && RESOLUTION_DAYS.len() == ESCALATION_CATEGORIES.len()
        && INTERVENTIONS.len() == ESCALATION_CATEGORIES.len()
        && SEVERITY_SLOWDOWN.len() == SEVERITIES.len()
);
/// Category indices used by context rules.
const IMPLEMENTATION_DELAY: usize = 0;
const PRICING_DISPUTE: usize = 2;
const TEAM_TRANSITION: usize = 3;
/// Episodes below this intensity count as weak precursors.
pub(crate) const WEAK_INTENSITY: f64 = 0.3;

impl Sim<'_> {
    /// Starts an episode or a surprise escalation with the day's hazard.
    pub(crate) fn maybe_start_trouble(&mut self, day: i32) {
        let busy = self.episode.is_some() || self.fade.is_some() || self.escalation.is_some();
        if busy || day < self.cooldown_until {
            return;
        }
        let context = 1.0
            + 1.2 * f64::from(u8::from(self.renewal_near(day)))
            + 1.5 * f64::from(u8::from(self.young(day)))
            + 2.0 * f64::from(u8::from(self.roster.champion_left_within(day, 60)));
        let hazard = EPISODE_BASE * SEGMENT_RISK[self.p.segment] * (-1.1 * self.h).exp() * context;
        if chance(&mut self.rng, hazard) {
            self.start_episode(day);
        } else if chance(&mut self.rng, SURPRISE_BASE * (-0.6 * self.h).exp()) {
            let category = self.choose_category(day);
            self.open_escalation(day, category, 0.0, None);
        }
    }

    /// The category of new trouble, shaped by the account's situation.
    fn choose_category(&mut self, day: i32) -> usize {
        let flag = |b: bool| f64::from(u8::from(b));
        let api = flag(self.p.features[2] || self.p.features[3]);
        let weights = [
            0.2 + 4.0 * flag(self.young(day)),
            self.p.bugginess,
            0.35 + 3.0 * flag(self.renewal_near(day)),
            0.2 + 5.0 * flag(self.roster.champion_left_within(day, 60)),
            0.15 + 0.9 * api,
            0.7,
        ];
        rng::weighted(&mut self.rng, &weights)
    }

    fn start_episode(&mut self, day: i32) {
        let category = self.choose_category(day);
        let intensity = if chance(&mut self.rng, 0.25) {
            uniform(&mut self.rng, 0.05, 0.3)
        } else {
            uniform(&mut self.rng, 0.4, 1.0)
        };
        let lead = match rng::unit(&mut self.rng) {
            x if x < 0.05 => rng::int(&mut self.rng, 1, 2),
            x if x < 0.85 => rng::int(&mut self.rng, 3, 7),
            _ => rng::int(&mut self.rng, 8, 14),
        } as i32;
        let drop = USAGE_DROP[category] * uniform(&mut self.rng, 0.9, 1.1) * (0.4 + 0.6 * intensity);
        let champion_here = self.roster.champion.is_some();
        if category == TEAM_TRANSITION && champion_here && chance(&mut self.rng, 0.75) {
            self.roster.champion_leaves(&mut self.rng, day);
        }
        self.episode = Some(Episode {
            start: day,
            lead,
            intensity,
            category,
            drop,
        });
    }

    /// On an episode's last day, decides whether it escalates; ends faded tails.
    pub(crate) fn advance_episode(&mut self, day: i32) {
        if self.fade.as_ref().is_some_and(|f| day >= f.start + f.len) {
            self.fade = None;
        }
        if self.episode.as_ref().is_none_or(|ep| day < ep.start + ep.lead) {
            return;
        }
        let Some(ep) = self.episode.take() else {
            return;
        };
        let onboarding = self.young(day) && ep.category == IMPLEMENTATION_DELAY;
        let logit = ESCALATE_BIAS + 10.0 * (ep.intensity - 0.6) - 0.6 * self.h
            + 0.7 * f64::from(u8::from(self.renewal_near(day)))
            + 0.5 * f64::from(u8::from(onboarding));
        let escalated = chance(&mut self.rng, sigmoid(logit));
        self.episodes.push(EpisodeLog {
            start: ep.start,
            lead: ep.lead,
            intensity: ep.intensity,
            category: ep.category,
            escalated,
        });
        if escalated {
            self.open_escalation(day, ep.category, ep.intensity, Some(ep.drop));
        } else {
            let len = rng::int(&mut self.rng, 2, 5) as i32;
            self.fade = Some(Fade {
                start: day,
                len,
                intensity: ep.intensity,
                category: ep.category,
                drop: ep.drop,
            });
            self.cooldown_until = day + len + 7;
        }
    }

    /// Opens an escalation on `day` after precursors of `intensity` (0 = none).
    fn open_escalation(&mut self, day: i32, category: usize, intensity: f64, drop: Option<f64>) {
        let ctx = self.ctx;
        let w = &ctx.window;
        let score =
            0.9 * intensity + 0.35 * self.p.segment as f64 - 0.45 * self.h + 0.55 * normal(&mut self.rng);
        let severity = [0.45, 1.2, 1.9].iter().filter(|t| score >= **t).count();
        let (interventions, speed) = self.interventions(category, severity);
        let days = RESOLUTION_DAYS[category]
            * SEVERITY_SLOWDOWN[severity]
            * speed
            * rng::lognormal(&mut self.rng, 1.0, 0.45);
        let opened_at = w.ts(day, catalog::business_second(&mut self.rng, self.p.region));
        let resolved = opened_at + (days.clamp(1.0, 150.0) * (DAY_SECS * US) as f64) as i64;
        let resolved_at = (resolved <= w.end_us()).then_some(resolved);
        let share = match severity {
            0 => uniform(&mut self.rng, 0.05, 0.25),
            1 => uniform(&mut self.rng, 0.2, 0.5),
            2 => uniform(&mut self.rng, 0.5, 1.0),
            _ => 1.0,
        };
        self.out.escalations.push(EscalationRow {
            acct: self.acct,
            opened_at,
            category,
            severity,
            resolved_at,
            interventions,
            outcome: "ongoing",
            arr_at_risk: (self.cur.arr * share).round(),
        });
        let drop = drop.unwrap_or_else(|| uniform(&mut self.rng, 0.03, 0.1));
        self.escalation = Some(Active {
            row: self.out.escalations.len() - 1,
            category,
            severity,
            resolve_day: resolved_at.map(|t| w.day_of(t)),
            drop,
        });
        self.escalation_log.push(EscalationLog {
            day,
            weak: intensity < WEAK_INTENSITY,
        });
        self.escalations_in_period += 1;
        self.escalation_opening(day, category, opened_at);
    }

    /// Interventions taken (semicolon-separated) and their effect on resolution time.
    fn interventions(&mut self, category: usize, severity: usize) -> (String, f64) {
        let options = INTERVENTIONS[category.min(ESCALATION_CATEGORIES.len() - 1)];
        let count = [1, rng::int(&mut self.rng, 1, 2), rng::int(&mut self.rng, 2, 3), 3][severity];
        let mut chosen: Vec<&str> = Vec::with_capacity(5);
        if severity == 3 {
            chosen.extend(["exec_call", "war_room"]);
        }
        let mut order = [0, 1, 2, 3];
        for i in (1..order.len()).rev() {
            order.swap(i, rng::int(&mut self.rng, 0, i as i64) as usize);
        }
        for &i in order.iter().take(count as usize) {
            if !chosen.contains(&options[i]) {
                chosen.push(options[i]);
            }
        }
        let speed = chosen
            .iter()
            .map(|i| match *i {
                "hotfix" | "discount" => 0.6,
                "engineering_fix" | "war_room" => 0.75,
                "dedicated_engineer" => 0.8,
                "exec_call" => 0.85,
                "onboarding_reset" => 1.1,
                _ => 0.9,
            })
            .product::<f64>()
            .max(0.3);
        (chosen.join(";"), speed)
    }

    /// Resolves the open escalation on its resolution day and draws its outcome.
    pub(crate) fn advance_escalation(&mut self, day: i32) {
        if self
            .escalation
            .as_ref()
            .is_none_or(|a| a.resolve_day != Some(day))
        {
            return;
        }
        let Some(a) = self.escalation.take() else {
            return;
        };
        let pricing = f64::from(u8::from(a.category == PRICING_DISPUTE));
        let severity = a.severity as f64;
        let churn = sigmoid(-3.4 + 0.5 * severity - 0.9 * self.h_avg + 0.5 * pricing);
        let downgrade = sigmoid(-2.6 + 0.25 * severity + 1.0 * pricing);
        let x = rng::unit(&mut self.rng);
        let outcome = if x < churn {
            self.forced = Some(Renewal::Churn);
            self.mu_shift -= 0.6;
            "churned"
        } else if x < churn + downgrade {
            if self.forced.is_none() {
                self.forced = Some(Renewal::Downgrade);
            }
            "downgraded"
        } else {
            self.h += 0.3;
            "retained"
        };
        if let Some(row) = self.out.escalations.get_mut(a.row) {
            row.outcome = outcome;
        }
        self.recovery = Some((day + 14, a.drop));
        self.cooldown_until = day + 10;
    }

    /// The customer's escalation message and, often, an urgent ticket.
    fn escalation_opening(&mut self, day: i32, category: usize, at: i64) {
        let area = rng::pick(&mut self.rng, CATEGORY_AREAS[category]);
        let who = if chance(&mut self.rng, 0.5) {
            Who::Executive
        } else {
            Who::Champion
        };
        let contact = self.roster.pick(&mut self.rng, day, who);
        self.escalation_message(at, contact, area);
        if chance(&mut self.rng, 0.6) {
            self.ticket(day, area, 1.0, true);
        }
    }
}
