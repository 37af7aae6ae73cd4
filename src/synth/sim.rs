//! The daily simulation of one account: latent health, contract renewals, and the
//! pressure that trouble episodes and escalations put on every observable table.
//!
//! The pieces that emit rows live in sibling modules as further `impl Sim` blocks
//! (`activity`, `support`, `comms`, `escalations`, `feedback`), so each file stays about
//! one table or one mechanism.

use super::Ctx;
use super::accounts::{self, Period, Profile, Renewal};
use super::calendar::DAY_SECS;
use super::contacts::Roster;
use super::rng::{self, Rng, chance, exponential, normal};
use super::rows::{AccountRow, EpisodeLog, EscalationLog, Out, SubscriptionRow};

/// A trouble episode building up towards a decision day.
#[derive(Debug, Clone)]
pub(crate) struct Episode {
    pub start: i32,
    /// Days of precursors; the escalation (if any) opens on `start + lead`.
    pub lead: i32,
    pub intensity: f64,
    pub category: usize,
    /// Relative usage drop at full build-up.
    pub drop: f64,
}

/// The tail of an episode that did not escalate.
#[derive(Debug, Clone)]
pub(crate) struct Fade {
    pub start: i32,
    pub len: i32,
    pub intensity: f64,
    pub category: usize,
    pub drop: f64,
}

/// An open escalation.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    /// Index of its row in `Out::escalations`.
    pub row: usize,
    pub category: usize,
    pub severity: usize,
    /// Day it resolves; `None` when that is after the end of the history.
    pub resolve_day: Option<i32>,
    pub drop: f64,
}

/// How trouble shows on one day; neutral values mean business as usual.
#[derive(Debug, Clone)]
pub(crate) struct Pressure {
    /// Multiplier on active users.
    pub usage: f64,
    /// Extra trouble tickets per weekday.
    pub tickets: f64,
    /// 0–1, pushes the tone of texts down.
    pub negativity: f64,
    /// 0–1, the champion stops answering.
    pub silence: f64,
    /// Extra outbound CSM activity (relative).
    pub chase: f64,
    /// Escalation category the trouble is about.
    pub focus: Option<usize>,
    /// Whether an escalation is open.
    pub escalated: bool,
}

impl Pressure {
    fn calm() -> Pressure {
        Pressure {
            usage: 1.0,
            tickets: 0.0,
            negativity: 0.0,
            silence: 0.0,
            chase: 0.0,
            focus: None,
            escalated: false,
        }
    }
}

/// Something scheduled for a later day (a reply, an NPS response).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub day: i32,
    /// Instant, microseconds since the epoch.
    pub at: i64,
    pub kind: PendingKind,
}

/// What is pending.
#[derive(Debug, Clone)]
pub(crate) enum PendingKind {
    /// A contact answers an outbound e-mail.
    Reply {
        contact: usize,
        subject: String,
        area: usize,
    },
    /// A contact answers an NPS survey.
    Nps { contact: usize },
}

/// State of one account's simulation.
pub(crate) struct Sim<'a> {
    pub ctx: &'a Ctx,
    pub out: &'a mut Out,
    pub rng: Rng,
    pub acct: u32,
    pub p: Profile,
    /// Finished contract periods.
    pub past: Vec<Period>,
    /// The running contract period.
    pub cur: Period,
    pub roster: Roster,
    /// Latent health (higher is healthier, long-run mean `p.mu + mu_shift`).
    pub h: f64,
    /// Exponential moving average of `h` over ~60 days.
    pub h_avg: f64,
    pub mu_shift: f64,
    pub episode: Option<Episode>,
    pub fade: Option<Fade>,
    pub escalation: Option<Active>,
    /// Usage recovering after an escalation: `(until day, drop)`.
    pub recovery: Option<(i32, f64)>,
    pub cooldown_until: i32,
    /// Renewal outcome an escalation forced on the next renewal.
    pub forced: Option<Renewal>,
    pub escalations_in_period: u32,
    pub pending: Vec<Pending>,
    pub last_day: i32,
    pub churned: bool,
    pub episodes: Vec<EpisodeLog>,
    pub escalation_log: Vec<EscalationLog>,
}

/// Simulates account `idx` and appends its rows to `out`.
pub(crate) fn simulate(ctx: &Ctx, idx: usize, out: &mut Out) {
    let mut rng = rng::stream(ctx.seed, idx as u64, 0);
    let p = accounts::profile(ctx, idx, &mut rng);
    let mut past = accounts::initial_periods(ctx, &p, &mut rng);
    let roster = Roster::initial(ctx, &p, &mut rng);
    let Some(cur) = past.pop() else {
        return;
    };
    let h = p.mu + 0.4 * normal(&mut rng);
    let first = p.contract_start.max(0);
    let mut sim = Sim {
        ctx,
        out,
        rng,
        acct: idx as u32,
        p,
        past,
        cur,
        roster,
        h,
        h_avg: h,
        mu_shift: 0.0,
        episode: None,
        fade: None,
        escalation: None,
        recovery: None,
        cooldown_until: 0,
        forced: None,
        escalations_in_period: 0,
        pending: Vec::new(),
        last_day: first,
        churned: false,
        episodes: Vec::new(),
        escalation_log: Vec::new(),
    };
    for day in first..ctx.window.days {
        if !sim.step(day) {
            break;
        }
    }
    sim.finish();
}

impl Sim<'_> {
    /// Simulates one day; `false` once the account has churned.
    fn step(&mut self, day: i32) -> bool {
        if !self.renew_if_due(day) {
            return false;
        }
        self.update_health();
        self.roster.daily(self.ctx, &self.p, &mut self.rng, day);
        self.advance_escalation(day);
        self.advance_episode(day);
        self.maybe_start_trouble(day);
        let pr = self.pressure(day);
        self.emit_usage(day, &pr);
        self.emit_tickets(day, &pr);
        self.emit_comms(day, &pr);
        self.emit_nps_wave(day);
        self.process_pending(day, &pr);
        self.last_day = day;
        true
    }

    /// Renews the contract when its period has ended; `false` if the account churned.
    fn renew_if_due(&mut self, day: i32) -> bool {
        if day <= self.cur.end {
            return true;
        }
        let decision = accounts::in_window_decision(
            &mut self.rng,
            self.p.monthly,
            self.h_avg,
            self.escalations_in_period,
            self.forced.take(),
        );
        self.escalations_in_period = 0;
        if decision == Renewal::Churn {
            self.churned = true;
            return false;
        }
        let next = accounts::next_period(self.ctx, &self.cur, self.p.monthly, decision, &mut self.rng);
        self.past.push(std::mem::replace(&mut self.cur, next));
        true
    }

    /// Mean-reverting random walk with shocks; open trouble drags health down.
    fn update_health(&mut self) {
        let open = if self.escalation.is_some() { -1.0 } else { 0.0 };
        let mu = self.p.mu + self.mu_shift + open;
        self.h += 0.03 * (mu - self.h) + 0.11 * normal(&mut self.rng);
        if chance(&mut self.rng, 0.003) {
            self.h -= exponential(&mut self.rng, 0.7);
        }
        if chance(&mut self.rng, 0.002) {
            self.h += exponential(&mut self.rng, 0.5);
        }
        if let Some(ep) = &self.episode {
            self.h -= 0.05 * ep.intensity;
        }
        self.h_avg += (self.h - self.h_avg) / 60.0;
    }

    /// Whether an annual renewal is at most 75 days away.
    pub fn renewal_near(&self, day: i32) -> bool {
        !self.p.monthly && (0..=75).contains(&(self.cur.end - day))
    }

    /// Whether the account is in its first four months.
    pub fn young(&self, day: i32) -> bool {
        day - self.p.contract_start < 120
    }

    /// How current trouble shows on `day`.
    pub fn pressure(&self, day: i32) -> Pressure {
        if let Some(a) = &self.escalation {
            return Pressure {
                usage: 1.0 - a.drop,
                tickets: 0.3,
                negativity: 0.8,
                silence: 0.15,
                chase: 2.5,
                focus: Some(a.category),
                escalated: true,
            };
        }
        let build = |cat: usize, intensity: f64, drop: f64, k: f64, r: f64| Pressure {
            usage: 1.0 - drop * k,
            tickets: super::catalog::TICKET_BURST[cat] * intensity * k,
            negativity: intensity * k,
            silence: intensity * k * super::catalog::SILENCE[cat],
            chase: 0.6 * intensity * r,
            focus: Some(cat),
            escalated: false,
        };
        if let Some(ep) = &self.episode {
            // Trouble simmers, then comes to a head over the last days before the decision.
            let remaining = f64::from((ep.start + ep.lead - day).max(1));
            let k = (1.0 - 0.16 * (remaining - 3.0)).clamp(0.35, 1.0);
            return build(ep.category, ep.intensity, ep.drop, k, k);
        }
        if let Some(f) = &self.fade {
            let k = (1.0 - f64::from(day - f.start) / f64::from(f.len.max(1))).clamp(0.0, 1.0);
            return build(f.category, f.intensity, f.drop, 0.35 * k, 0.35 * k);
        }
        let mut pr = Pressure::calm();
        if let Some((until, drop)) = self.recovery
            && day < until
        {
            pr.usage = 1.0 - drop * f64::from(until - day) / 14.0;
        }
        pr
    }

    /// Runs what was scheduled for `day`.
    fn process_pending(&mut self, day: i32, pr: &Pressure) {
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].day != day {
                i += 1;
                continue;
            }
            let item = self.pending.remove(i);
            match item.kind {
                PendingKind::Reply {
                    contact,
                    subject,
                    area,
                } => {
                    self.reply(day, item.at, contact, &subject, area, pr);
                }
                PendingKind::Nps { contact } => self.nps_response(day, item.at, contact, pr),
            }
        }
    }

    /// Writes the account's state rows and its ground-truth logs.
    fn finish(mut self) {
        let ctx = self.ctx;
        let w = &ctx.window;
        if self.churned
            && let Some(a) = self.escalation.take()
            && let Some(row) = self.out.escalations.get_mut(a.row)
        {
            row.outcome = "churned";
            row.resolved_at = Some(w.ts(self.last_day, DAY_SECS - 400).max(row.opened_at));
        }
        self.emit_feedback();
        let p = &self.p;
        self.out.accounts.push(AccountRow {
            name: p.name.clone(),
            segment: p.segment,
            arr: self.cur.arr,
            renewal_date: (!self.churned).then(|| w.epoch_day(self.cur.end)),
            industry: p.industry,
            region: p.region,
            plan: self.cur.plan,
            contract_start: w.epoch_day(p.contract_start),
            csm: p.csm,
            created_at: p.created_at,
        });
        for period in self.past.iter().chain(std::iter::once(&self.cur)) {
            self.out.subscriptions.push(SubscriptionRow {
                acct: self.acct,
                start: w.epoch_day(period.start),
                end: w.epoch_day(period.end),
                arr: period.arr,
                plan: period.plan,
                seats: period.seats,
            });
        }
        self.out.contacts.extend(self.roster.rows(self.acct, &p.domain));
        self.out.episodes.append(&mut self.episodes);
        self.out.escalation_log.append(&mut self.escalation_log);
    }
}
