//! Communications between the CSM and the customer: outbound e-mails, calls and meetings
//! at a segment-dependent cadence (more while there is trouble), replies from the
//! contacts, spontaneous inbound messages, and the message that opens an escalation.
//!
//! Champion silence is the key stakeholder precursor: during an episode the champion
//! answers far less often and more slowly, and after a champion leaves the CSM keeps
//! writing to them for a while without answers.

use super::calendar::{DAY_SECS, US};
use super::catalog;
use super::contacts::Who;
use super::rng::{self, chance, lognormal, poisson, sigmoid};
use super::rows::CommRow;
use super::sim::{Pending, PendingKind, Pressure, Sim};
use super::text::{self, OutKind};

/// Outbound touches per weekday per segment.
const TOUCH_RATE: [f64; 3] = [1.0 / 25.0, 1.0 / 10.0, 1.0 / 4.5];
/// Spontaneous inbound messages per weekday per segment.
const INBOUND_RATE: [f64; 3] = [1.0 / 45.0, 1.0 / 16.0, 1.0 / 7.0];

impl Sim<'_> {
    /// The day's outbound and spontaneous inbound messages.
    pub(crate) fn emit_comms(&mut self, day: i32, pr: &Pressure) {
        let calendar = if self.ctx.window.weekend(day) { 0.06 } else { 1.0 };
        let seg = self.p.segment;
        for _ in 0..poisson(&mut self.rng, TOUCH_RATE[seg] * (1.0 + pr.chase) * calendar) {
            self.outbound(day, pr);
        }
        let inbound = INBOUND_RATE[seg] * (1.0 + 1.5 * pr.negativity) * calendar;
        for _ in 0..poisson(&mut self.rng, inbound) {
            self.inbound(day, pr);
        }
    }

    fn push_comm(
        &mut self,
        at: i64,
        inbound: bool,
        channel: &'static str,
        contact: Option<usize>,
        message: (String, String),
    ) {
        let contact = contact.and_then(|k| self.roster.people.get(k)).map(|c| c.number);
        self.out.comms.push(CommRow {
            acct: self.acct,
            sent_at: at,
            inbound,
            channel,
            contact,
            subject: Some(message.0),
            body: Some(message.1),
        });
    }

    /// Who the CSM writes to.
    fn outbound_target(&mut self, day: i32, pr: &Pressure) -> Option<usize> {
        if self.roster.champion_left_within(day, 30) && chance(&mut self.rng, 0.6) {
            return self.roster.former_champion;
        }
        let who = if chance(&mut self.rng, 0.65) {
            Who::Champion
        } else if pr.escalated && chance(&mut self.rng, 0.4) {
            Who::Executive
        } else {
            Who::Anyone
        };
        self.roster.pick(&mut self.rng, day, who)
    }

    fn outbound(&mut self, day: i32, pr: &Pressure) {
        let target = self.outbound_target(day, pr);
        let meeting = if self.p.segment == 2 { 0.2 } else { 0.1 };
        let channel = ["email", "call", "meeting"][rng::weighted(&mut self.rng, &[0.78, 0.12, meeting])];
        let area = self.topic(day, pr);
        let at = self
            .ctx
            .window
            .ts(day, catalog::business_second(&mut self.rng, self.p.region));
        if channel != "email" {
            let notes = text::call_notes(&mut self.rng, area);
            self.push_comm(at, false, channel, target, notes);
            return;
        }
        let kind = if pr.escalated {
            OutKind::Escalation
        } else if pr.focus.is_some() && chance(&mut self.rng, 0.7) {
            OutKind::Issue
        } else if self.renewal_near(day) && chance(&mut self.rng, 0.5) {
            OutKind::Renewal
        } else if self.young(day) {
            OutKind::Onboarding
        } else {
            rng::pick(
                &mut self.rng,
                &[OutKind::CheckIn, OutKind::CheckIn, OutKind::Qbr, OutKind::Release],
            )
        };
        let name = target.map_or("", |k| self.roster.people[k].first);
        let message = text::outbound(&mut self.rng, kind, area, name);
        let subject = message.0.clone();
        self.push_comm(at, false, channel, target, message);
        if let Some(k) = target {
            self.maybe_reply(day, at, k, subject, area, pr);
        }
    }

    /// Schedules contact `k`'s answer to an outbound e-mail, if they answer at all.
    fn maybe_reply(&mut self, day: i32, at: i64, k: usize, subject: String, area: usize, pr: &Pressure) {
        let Some(c) = self.roster.people.get(k).filter(|c| c.present(day)) else {
            return;
        };
        let champion = self.roster.champion == Some(k);
        let base = if champion {
            0.8
        } else if c.executive {
            0.4
        } else {
            0.6
        };
        let health = sigmoid(1.4 * self.h + 0.6);
        let silence = if champion { 0.95 } else { 0.35 } * pr.silence;
        if !chance(&mut self.rng, base * (0.5 + 0.6 * health) * (1.0 - silence)) {
            return;
        }
        let hours = lognormal(&mut self.rng, 4.0 * (1.0 + 3.0 * pr.silence), 1.0).min(240.0);
        let reply_at = at + (hours * 3600.0 * US as f64) as i64;
        if reply_at > self.ctx.window.end_us() {
            return;
        }
        let reply_day = self.ctx.window.day_of(reply_at);
        let kind = PendingKind::Reply {
            contact: k,
            subject,
            area,
        };
        self.pending.push(Pending {
            day: reply_day,
            at: reply_at,
            kind,
        });
    }

    /// A contact's reply (dropped if they have left meanwhile).
    pub(crate) fn reply(&mut self, day: i32, at: i64, k: usize, subject: &str, area: usize, pr: &Pressure) {
        let Some(c) = self.roster.people.get(k).filter(|c| c.present(day)) else {
            return;
        };
        let name = c.first;
        let mood = text::mood(self.tone(0.7 * pr.negativity));
        let message = text::reply(&mut self.rng, mood, subject, area, name);
        self.push_comm(at, true, "email", Some(k), message);
    }

    /// A spontaneous message from the customer.
    fn inbound(&mut self, day: i32, pr: &Pressure) {
        let Some(k) = self.roster.pick(&mut self.rng, day, Who::Anyone) else {
            return;
        };
        if self.roster.champion == Some(k) && chance(&mut self.rng, 1.5 * pr.silence) {
            return;
        }
        let mood = text::mood(self.tone(pr.negativity));
        let area = self.topic(day, pr);
        let channel = ["email", "chat", "call"][rng::weighted(&mut self.rng, &[0.8, 0.15, 0.05])];
        let at = self
            .ctx
            .window
            .ts(day, catalog::business_second(&mut self.rng, self.p.region));
        let message = text::inbound(&mut self.rng, mood, area);
        self.push_comm(at, true, channel, Some(k), message);
    }

    /// The customer's escalation e-mail and the CSM's same-day call.
    pub(crate) fn escalation_message(&mut self, at: i64, contact: Option<usize>, area: usize) {
        let message = text::escalation_open(&mut self.rng, area);
        self.push_comm(at, true, "email", contact, message);
        let delay = rng::int(&mut self.rng, 1, 5) * 3600 * US;
        let call_at = (at + delay)
            .min(self.ctx.window.end_us())
            .min(at - at % (DAY_SECS * US) + (DAY_SECS - 1) * US);
        let notes = text::call_notes(&mut self.rng, area);
        self.push_comm(call_at, false, "call", contact, notes);
    }
}
