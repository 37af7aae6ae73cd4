//! Product usage: one `usage_daily` row per active account and day, and `feature_usage`
//! rows for the days a feature had events.
//!
//! Active users follow seats × adoption with an onboarding ramp, a yearly trend, weekly
//! seasonality (weekends low), year-end holidays, rare outage days, log-normal noise, a
//! mild health effect, and the usage drop of trouble episodes (30–40 % at full strength).

use super::accounts::Renewal;
use super::catalog::{FEATURE_EVENTS, FEATURE_TOUCH, FEATURES};
use super::rng::{chance, normal, poisson};
use super::rows::{FeatureRow, UsageRow};
use super::sim::{Pressure, Sim};

/// Feature indices with machine-driven (not per-user) activity.
const API: usize = 2;
const INTEGRATIONS: usize = 3;
const SSO: usize = 7;

impl Sim<'_> {
    /// Emits the day's usage row and feature rows.
    pub(crate) fn emit_usage(&mut self, day: i32, pr: &Pressure) {
        let w = &self.ctx.window;
        let p = &self.p;
        let seats = self.cur.seats as f64;
        let age = f64::from(day - p.contract_start);
        let onboarding = 1.0 - (-(age + 1.0) / 25.0).exp();
        let trend = (1.0 + p.trend * f64::from(day) / 365.0).max(0.2);
        let calendar = match w.weekday(day) {
            5 | 6 => p.weekend,
            4 => 0.9,
            _ => 1.0,
        } * if w.holiday(day) { 0.45 } else { 1.0 };
        let health = (1.0 + 0.06 * (self.h - p.mu)).clamp(0.7, 1.3);
        let leaving = if self.forced == Some(Renewal::Churn) {
            0.8
        } else {
            1.0
        };
        let outage = if chance(&mut self.rng, 0.004) { 0.5 } else { 1.0 };
        let noise = (0.07 * normal(&mut self.rng)).exp();
        let expected =
            seats * p.adoption * onboarding * trend * calendar * health * leaving * pr.usage * outage * noise;
        let active = (poisson(&mut self.rng, expected) as i64).min((seats * 1.1).ceil() as i64);
        let a = active as f64;
        let logins = poisson(&mut self.rng, a * p.logins_per_user) as i64;
        let sessions = logins + poisson(&mut self.rng, a * 0.6) as i64;
        let admin_mean = if active > 0 {
            (a * p.admin_share).max(0.5)
        } else {
            0.0
        };
        let admin_users = (poisson(&mut self.rng, admin_mean) as i64).min(active);
        self.out.usage.push(UsageRow {
            acct: self.acct,
            date: w.epoch_day(day),
            active_users: active,
            logins,
            admin_users,
            sessions,
        });
        self.emit_features(day, a, logins as f64, calendar, pr.usage);
    }

    /// Feature rows for the features with events on `day`.
    fn emit_features(&mut self, day: i32, active: f64, logins: f64, calendar: f64, usage: f64) {
        let date = self.ctx.window.epoch_day(day);
        let seats = self.cur.seats as f64;
        for f in 0..FEATURES.len() {
            if !self.p.features[f] {
                continue;
            }
            let k = self.p.feature_intensity[f];
            let (p_day, mean) = match f {
                API | INTEGRATIONS => (
                    if calendar < 0.5 { 0.75 } else { 0.97 },
                    k * (20.0 + 1.5 * seats) * usage * calendar.max(0.3),
                ),
                SSO => (1.0 - (-0.3 * logins).exp(), 0.8 * k * logins),
                _ => {
                    let touch = active * FEATURE_TOUCH[f] * k;
                    (1.0 - (-touch).exp(), 2.0 * touch * FEATURE_EVENTS[f])
                }
            };
            if chance(&mut self.rng, p_day) {
                self.out.features.push(FeatureRow {
                    acct: self.acct,
                    date,
                    feature: f as u8,
                    events: 1 + poisson(&mut self.rng, mean) as i64,
                });
            }
        }
    }
}
