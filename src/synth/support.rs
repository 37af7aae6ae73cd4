//! Support tickets and NPS responses.
//!
//! Background tickets arrive at a per-account rate that rises as health falls; trouble
//! episodes add bursts about the episode's product areas. Each ticket's tone (furious …
//! delighted) is drawn from health and the episode's negativity, and drives its wording,
//! priority and CSAT. NPS surveys go out quarterly to some contacts; scores follow health.

use super::calendar::{DAY_SECS, US};
use super::catalog::{self, FEATURES, PRIORITIES};
use super::contacts::Who;
use super::phrases_areas::{
    AREAS, BILLING, CATEGORY_AREAS, DATA_IMPORT, ONBOARDING, PERFORMANCE, USER_MANAGEMENT,
};
use super::rng::{self, chance, lognormal, normal, poisson};
use super::rows::{NpsRow, TicketRow};
use super::sim::{Pending, PendingKind, Pressure, Sim};
use super::text;

/// Median hours to close per priority (low … urgent).
const CLOSE_HOURS: [f64; 4] = [96.0, 40.0, 16.0, 6.0];
const _: () = assert!(CLOSE_HOURS.len() == PRIORITIES.len());
/// Ticket channels and their weights.
const CHANNELS: [&str; 4] = ["email", "portal", "chat", "phone"];
/// Days between NPS survey waves, and the offset of the first wave.
const NPS_EVERY: i32 = 91;
const NPS_OFFSET: i32 = 30;

impl Sim<'_> {
    /// Tone of a customer text: 0 furious … 4 delighted.
    pub(crate) fn tone(&mut self, negativity: f64) -> usize {
        let s = 0.85 * (self.h - 0.3) - 2.2 * negativity + 0.75 * normal(&mut self.rng);
        [-1.4, -0.5, 0.6, 1.3].iter().filter(|t| s >= **t).count()
    }

    /// An area the account would plausibly talk about when nothing is wrong.
    pub(crate) fn background_area(&mut self, day: i32) -> usize {
        let young = self.young(day);
        let mut weights = [0.0; 15];
        for (f, w) in weights.iter_mut().enumerate().take(FEATURES.len()) {
            *w = if self.p.features[f] {
                self.p.feature_intensity[f]
            } else {
                0.08
            };
        }
        weights[BILLING] = 0.5;
        weights[ONBOARDING] = if young { 3.0 } else { 0.15 };
        weights[PERFORMANCE] = 0.4;
        weights[DATA_IMPORT] = if young { 1.5 } else { 0.3 };
        weights[USER_MANAGEMENT] = 0.5;
        rng::weighted(&mut self.rng, &weights)
    }

    /// An area for messages: the trouble's area if any, else a background one.
    pub(crate) fn topic(&mut self, day: i32, pr: &Pressure) -> usize {
        match pr.focus {
            Some(cat) => rng::pick(&mut self.rng, CATEGORY_AREAS[cat]),
            None => self.background_area(day),
        }
    }

    /// Background tickets and trouble bursts of the day.
    pub(crate) fn emit_tickets(&mut self, day: i32, pr: &Pressure) {
        let weekend = self.ctx.window.weekend(day);
        let young = if day - self.p.contract_start < 90 {
            1.8
        } else {
            1.0
        };
        let calendar = if weekend { 0.25 } else { 1.0 };
        let base = self.p.ticket_rate * (-0.35 * (self.h - 0.3)).exp() * calendar * young;
        for _ in 0..poisson(&mut self.rng, base) {
            let area = self.background_area(day);
            self.ticket(day, area, 0.4 * pr.negativity, false);
        }
        if let Some(cat) = pr.focus {
            let extra = pr.tickets * if weekend { 0.5 } else { 1.0 };
            for _ in 0..poisson(&mut self.rng, extra) {
                let area = rng::pick(&mut self.rng, CATEGORY_AREAS[cat]);
                self.ticket(day, area, pr.negativity, true);
            }
        }
    }

    /// One ticket about `area`; `trouble` tickets are always problem reports.
    pub(crate) fn ticket(&mut self, day: i32, area: usize, negativity: f64, trouble: bool) {
        let tone = self.tone(negativity);
        let problem = trouble
            || match tone {
                0 | 1 => true,
                2 => chance(&mut self.rng, 0.6),
                _ => chance(&mut self.rng, 0.2),
            };
        let contact = self.roster.pick(&mut self.rng, day, Who::Anyone);
        let name = contact.map_or("", |k| self.roster.people[k].first);
        let (subject, body) = text::ticket(&mut self.rng, tone, area, problem, name);
        let urgency = 0.55 * (2.0 - tone as f64)
            + if problem { 0.6 } else { 0.0 }
            + 0.25 * self.p.segment as f64
            + if self.escalation.is_some() { 0.8 } else { 0.0 }
            + 0.5 * normal(&mut self.rng);
        let priority = [0.5, 1.5, 2.3].iter().filter(|t| urgency >= **t).count();
        let phone = if tone == 0 { 0.25 } else { 0.08 };
        let channel = CHANNELS[rng::weighted(&mut self.rng, &[0.45, 0.25, 0.2, phone])];
        let created_at = self
            .ctx
            .window
            .ts(day, catalog::business_second(&mut self.rng, self.p.region));
        let (closed_at, status, csat) = self.closing(created_at, tone, priority);
        self.out.tickets.push(TicketRow {
            acct: self.acct,
            created_at,
            priority,
            subject,
            body,
            contact: contact.map(|k| self.roster.people[k].number),
            closed_at,
            category: AREAS[area].key,
            channel,
            csat,
            status,
        });
    }

    /// When a ticket created at `created_at` closes (`None` while still open), its status
    /// and the CSAT rating left after closing, if any.
    fn closing(
        &mut self,
        created_at: i64,
        tone: usize,
        priority: usize,
    ) -> (Option<i64>, &'static str, Option<i64>) {
        let end = self.ctx.window.end_us();
        let slow = if tone <= 1 { 1.4 } else { 1.0 };
        let hours = lognormal(&mut self.rng, CLOSE_HOURS[priority] * slow, 0.8);
        let closed = created_at + (hours * 3.6e9) as i64;
        if closed > end {
            let status = if chance(&mut self.rng, 0.5) {
                "open"
            } else {
                "pending"
            };
            return (None, status, None);
        }
        let status = if closed > end - 3 * DAY_SECS * US {
            "solved"
        } else {
            "closed"
        };
        let csat = chance(&mut self.rng, 0.45).then(|| {
            let x = 3.7 + 0.55 * (tone as f64 - 2.0) + 0.3 * (self.h - 0.3)
                - 0.25 * (1.0 + hours / 24.0).ln()
                + 0.7 * normal(&mut self.rng);
            x.round().clamp(1.0, 5.0) as i64
        });
        (Some(closed), status, csat)
    }

    /// Sends the quarterly NPS survey; answers arrive over the next two weeks.
    pub(crate) fn emit_nps_wave(&mut self, day: i32) {
        if day % NPS_EVERY != NPS_OFFSET {
            return;
        }
        for k in 0..self.roster.people.len() {
            let c = &self.roster.people[k];
            if !c.present(day) {
                continue;
            }
            let champion = self.roster.champion == Some(k);
            let surveyed = if champion {
                0.8
            } else if c.executive {
                0.5
            } else {
                0.4
            };
            if chance(&mut self.rng, surveyed) && chance(&mut self.rng, 0.35) {
                let d = day + rng::int(&mut self.rng, 0, 13) as i32;
                let at = self
                    .ctx
                    .window
                    .ts(d, catalog::business_second(&mut self.rng, self.p.region));
                self.pending.push(Pending {
                    day: d,
                    at,
                    kind: PendingKind::Nps { contact: k },
                });
            }
        }
    }

    /// One NPS answer from contact `k` (if still around).
    pub(crate) fn nps_response(&mut self, day: i32, at: i64, k: usize, pr: &Pressure) {
        let Some(c) = self.roster.people.get(k).filter(|c| c.present(day)) else {
            return;
        };
        let number = c.number;
        let x = 7.4 + 1.7 * (self.h - 0.35) - 2.5 * pr.negativity + 1.3 * normal(&mut self.rng);
        let score = x.round().clamp(0.0, 10.0) as i64;
        let p_comment = match score {
            0..=6 => 0.7,
            7 | 8 => 0.45,
            _ => 0.55,
        };
        let comment = if chance(&mut self.rng, p_comment) {
            let area = self.topic(day, pr);
            Some(text::nps_comment(&mut self.rng, score, area))
        } else {
            None
        };
        self.out.nps.push(NpsRow {
            acct: self.acct,
            responded_at: at,
            score,
            contact: Some(number),
            comment,
        });
    }
}
