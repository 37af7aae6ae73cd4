//! CSM verdicts on past alerts of an earlier (imaginary) model, for retraining.
//!
//! A model that caught most strongly-signalled escalations a few days ahead is simulated:
//! escalations it alerted on get `accurate`, those it did not `missed`; alerts on episodes
//! that did not escalate get `prevented` (the CSM acted) or `false_positive`; a few random
//! alerts on quiet accounts get `false_positive`. Not every alert receives a verdict.

use super::rng::{self, chance, poisson};
use super::rows::FeedbackRow;
use super::sim::Sim;
use super::text;

/// Verdict indices (contract order).
const ACCURATE: usize = 0;
const FALSE_POSITIVE: usize = 1;
const MISSED: usize = 2;
const PREVENTED: usize = 3;

impl Sim<'_> {
    /// Emits the account's feedback rows from its ground-truth logs.
    pub(crate) fn emit_feedback(&mut self) {
        let escalations = std::mem::take(&mut self.escalation_log);
        for e in &escalations {
            let alerted = chance(&mut self.rng, if e.weak { 0.15 } else { 0.72 });
            if alerted {
                let day = e.day - rng::int(&mut self.rng, 1, 3) as i32;
                if chance(&mut self.rng, 0.65) {
                    self.verdict(day, ACCURATE);
                }
            } else if chance(&mut self.rng, 0.5) {
                self.verdict(e.day, MISSED);
            }
        }
        self.escalation_log = escalations;
        let episodes = std::mem::take(&mut self.episodes);
        for ep in episodes.iter().filter(|ep| !ep.escalated) {
            if chance(&mut self.rng, 0.6 * ep.intensity) && chance(&mut self.rng, 0.6) {
                let day = ep.start + rng::int(&mut self.rng, 0, i64::from(ep.lead - 1)) as i32;
                let verdict = if chance(&mut self.rng, 0.5) {
                    PREVENTED
                } else {
                    FALSE_POSITIVE
                };
                self.verdict(day, verdict);
            }
        }
        self.episodes = episodes;
        let first = self.p.contract_start.max(0);
        let active_days = f64::from(self.last_day - first + 1);
        for _ in 0..poisson(&mut self.rng, active_days * 0.0005) {
            let day = rng::int(&mut self.rng, i64::from(first), i64::from(self.last_day)) as i32;
            self.verdict(day, FALSE_POSITIVE);
        }
    }

    /// One verdict on the alert of `day`, if that day is within the account's history.
    fn verdict(&mut self, day: i32, verdict: usize) {
        let first = self.p.contract_start.max(0);
        if day < first || day > self.last_day {
            return;
        }
        let w = &self.ctx.window;
        let note = text::feedback_note(&mut self.rng, verdict);
        let alert_date = w.epoch_day(day);
        // One verdict per alert: the CSM judges an account's alert of a day once (the
        // contract's natural key), so a second verdict on the same day is not written. The
        // note is drawn anyway, so the random stream (and every later row) stays the same.
        let judged = self
            .out
            .feedback
            .iter()
            .rev()
            .take_while(|r| r.acct == self.acct)
            .any(|r| r.alert_date == alert_date);
        if judged {
            return;
        }
        self.out.feedback.push(FeedbackRow {
            acct: self.acct,
            alert_date,
            verdict,
            model_version: w.model_version(day),
            note,
            csm: self.p.csm,
        });
    }
}
