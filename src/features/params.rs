//! The feature stage's parameters (`[features]` in the config): the snapshot grid and the
//! labels. They check their own ranges; `config` deserialises and composes them.

use serde::Deserialize;

/// Settings of the snapshot grid and the labels.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureOptions {
    /// Hours between two training snapshots of one account (1–168).
    pub cadence_hours: u32,
    /// Label horizon: a snapshot at t is positive when an escalation opens in (t, t + h].
    pub horizon_hours: u32,
    /// `hours_to_next_escalation` is null beyond this many hours.
    pub max_lead_hours: u32,
    /// Leave snapshots taken while an escalation is open out of training.
    pub exclude_open_escalations: bool,
    /// `vigil features` builds the table in account partitions of at most this many
    /// account-months of history each (accounts × lookback months), so memory stays bounded
    /// on large installations: about 40 KiB of peak memory per account-month was measured
    /// (10,000 accounts × 12 months in one partition: 4.6 GiB). At least 1,000.
    pub partition_account_months: u32,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        Self {
            cadence_hours: 24,
            horizon_hours: 72,
            max_lead_hours: 720,
            exclude_open_escalations: true,
            partition_account_months: 150_000,
        }
    }
}

impl FeatureOptions {
    /// Checks value ranges: `Err((key, value, allowed))` for the first value out of range.
    pub fn validate(&self) -> Result<(), (&'static str, u32, String)> {
        if !(1..=168).contains(&self.cadence_hours) {
            return Err((
                "features.cadence_hours",
                self.cadence_hours,
                "allowed: 1 to 168".into(),
            ));
        }
        if !(1..=720).contains(&self.horizon_hours) {
            return Err((
                "features.horizon_hours",
                self.horizon_hours,
                "allowed: 1 to 720".into(),
            ));
        }
        if self.max_lead_hours < self.horizon_hours {
            let allowed = format!("allowed: at least horizon_hours ({})", self.horizon_hours);
            return Err(("features.max_lead_hours", self.max_lead_hours, allowed));
        }
        if self.partition_account_months < 1_000 {
            return Err((
                "features.partition_account_months",
                self.partition_account_months,
                "allowed: at least 1000".into(),
            ));
        }
        Ok(())
    }
}
