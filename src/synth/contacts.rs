//! The people at a customer: an initial roster sized by segment, one champion, a few
//! executives, and turnover over time (champions who leave and are replaced later,
//! ordinary contacts joining and leaving).
//!
//! A contact who has left simply stops appearing in tickets, NPS and communications; the
//! `contacts` table keeps them (a departed champion keeps `is_champion = true`, and the
//! new champion shows up with a later `first_seen_at`).

use super::Ctx;
use super::accounts::Profile;
use super::catalog::{self, CHAMPION_ROLES, EXEC_ROLES, FIRST_NAMES, LAST_NAMES, ROLES};
use super::rng::{self, Rng, chance};
use super::rows::ContactRow;

/// One contact.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub number: u16,
    pub first: &'static str,
    pub last: &'static str,
    pub role: &'static str,
    pub executive: bool,
    pub champion: bool,
    /// First day the contact appears (window day index).
    pub first_day: i32,
    pub first_seen_at: i64,
    /// First day the contact no longer appears.
    pub left_day: Option<i32>,
}

impl Person {
    /// Whether the contact is around on `day`.
    pub fn present(&self, day: i32) -> bool {
        self.first_day <= day && self.left_day.is_none_or(|l| day < l)
    }
}

/// Who a message or ticket should come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    /// The current champion if present, else anyone.
    Champion,
    /// An executive if one is present, else anyone.
    Executive,
    /// Anyone present, champions and admins more often.
    Anyone,
}

/// All contacts of one account and the champion's history.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    pub people: Vec<Person>,
    /// Index of the current champion.
    pub champion: Option<usize>,
    /// Index of the champion who left most recently.
    pub former_champion: Option<usize>,
    /// Day the last champion left.
    pub champion_left_day: Option<i32>,
    /// Day a replacement champion will appear.
    next_champion_day: Option<i32>,
    /// Number of contacts the account tends towards.
    target: usize,
}

impl Roster {
    /// The contacts an account has when the simulation starts.
    pub fn initial(ctx: &Ctx, p: &Profile, rng: &mut Rng) -> Roster {
        let (lo, hi) = [(2, 6), (5, 14), (10, 30)][p.segment];
        let n = rng::int(rng, lo, hi) as usize;
        let mut roster = Roster {
            target: n,
            ..Roster::default()
        };
        let champion_at = rng::int(rng, 0, n as i64 - 1) as usize;
        let execs = [0.0, 0.12, 0.15][p.segment];
        let latest = if p.created_day < 0 { -1 } else { p.contract_start };
        for k in 0..n {
            let champion = k == champion_at;
            let executive = !champion && (k == 0 && p.segment > 0 || chance(rng, execs));
            let first_day = if champion {
                (p.created_day + rng::int(rng, 0, 30) as i32).min(latest)
            } else {
                rng::int(rng, i64::from(p.created_day), i64::from(latest)) as i32
            };
            roster.add(ctx, p, rng, first_day, champion, executive);
        }
        roster.champion = Some(champion_at);
        roster
    }

    /// Adds a contact first seen on `day`.
    fn add(&mut self, ctx: &Ctx, p: &Profile, rng: &mut Rng, day: i32, champion: bool, exec: bool) {
        let role = if exec {
            rng::pick(rng, &EXEC_ROLES)
        } else if champion {
            rng::pick(rng, &CHAMPION_ROLES)
        } else {
            rng::pick(rng, &ROLES)
        };
        self.people.push(Person {
            number: self.people.len() as u16 + 1,
            first: rng::pick(rng, &FIRST_NAMES),
            last: rng::pick(rng, &LAST_NAMES),
            role,
            executive: exec,
            champion,
            first_day: day,
            // At the start of the business day: never after the contact's first activity.
            first_seen_at: ctx.window.ts(day, catalog::business_start(p.region)),
            left_day: None,
        });
    }

    /// Daily turnover: champion departures and replacements, joiners and leavers.
    pub fn daily(&mut self, ctx: &Ctx, p: &Profile, rng: &mut Rng, day: i32) {
        if self.champion.is_some() && chance(rng, 1.0 / 1_500.0) {
            self.champion_leaves(rng, day);
        }
        if self.next_champion_day == Some(day) {
            self.next_champion_day = None;
            self.add(ctx, p, rng, day, true, false);
            self.champion = Some(self.people.len() - 1);
        }
        if chance(rng, self.target as f64 / 1_100.0) {
            let exec = chance(rng, 0.08);
            self.add(ctx, p, rng, day, false, exec);
        }
        if chance(rng, self.target as f64 / 1_800.0) {
            let k = rng::int(rng, 0, self.people.len() as i64 - 1) as usize;
            let leaves = Some(k) != self.champion && self.people[k].present(day);
            if leaves && self.present_count(day) > 2 {
                self.people[k].left_day = Some(day);
            }
        }
    }

    /// The current champion leaves on `day`; a replacement may appear weeks later.
    pub fn champion_leaves(&mut self, rng: &mut Rng, day: i32) {
        if let Some(c) = self.champion.take() {
            self.people[c].left_day = Some(day);
            self.former_champion = Some(c);
            self.champion_left_day = Some(day);
            if chance(rng, 0.7) {
                self.next_champion_day = Some(day + rng::int(rng, 15, 120) as i32);
            }
        }
    }

    /// Whether the champion left within the last `days` days.
    pub fn champion_left_within(&self, day: i32, days: i32) -> bool {
        self.champion_left_day
            .is_some_and(|d| (0..days).contains(&(day - d)))
    }

    fn present_count(&self, day: i32) -> usize {
        self.people.iter().filter(|c| c.present(day)).count()
    }

    /// Index of a present contact (`None` if nobody is around).
    pub fn pick(&self, rng: &mut Rng, day: i32, who: Who) -> Option<usize> {
        if who == Who::Champion
            && let Some(c) = self.champion.filter(|&c| self.people[c].present(day))
        {
            return Some(c);
        }
        let weights: Vec<f64> = self
            .people
            .iter()
            .enumerate()
            .map(|(k, c)| match (c.present(day), who) {
                (false, _) => 0.0,
                (true, Who::Executive) if c.executive => 10.0,
                _ if Some(k) == self.champion => 2.5,
                _ if c.executive => 0.3,
                _ if c.role == "admin" || c.role == "it administrator" => 1.8,
                _ => 1.0,
            })
            .collect();
        if weights.iter().all(|w| *w <= 0.0) {
            return None;
        }
        Some(rng::weighted(rng, &weights))
    }

    /// The `contacts` rows of account `acct`.
    pub fn rows(&self, acct: u32, domain: &str) -> Vec<ContactRow> {
        self.people
            .iter()
            .map(|c| {
                let duplicate = self
                    .people
                    .iter()
                    .any(|o| o.number < c.number && o.first == c.first && o.last == c.last);
                let local = format!("{}.{}", c.first, c.last).to_lowercase();
                let email = if duplicate {
                    format!("{local}{}@{domain}", c.number)
                } else {
                    format!("{local}@{domain}")
                };
                ContactRow {
                    acct,
                    number: c.number,
                    is_champion: c.champion,
                    name: format!("{} {}", c.first, c.last),
                    email,
                    role: c.role,
                    is_executive: c.executive,
                    first_seen_at: c.first_seen_at,
                }
            })
            .collect()
    }
}
