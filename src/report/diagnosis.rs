//! What `vigil doctor` found, as data: tables and their columns, feature families,
//! escalations and the quick gate estimate. Serialised as `doctor.json`; rendered by
//! `report::doctor` (text and HTML) with charts from `report::figures`.

use crate::contract::TableReport;
use crate::risk::backtest::AtThreshold;
use serde::Serialize;

/// Whether a contract table can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableStatus {
    /// Found and validated.
    Present,
    /// Not found in the sources.
    Absent,
    /// Found, but it cannot be validated (a required column is missing, a file is unreadable).
    Unusable,
}

/// One contract column of a table, and whether the table's first file has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnCheck {
    /// Contract column.
    pub column: &'static str,
    /// Its contract type.
    pub ty: &'static str,
    /// Whether the contract requires it.
    pub required: bool,
    /// Whether the file has a column of that name.
    pub found: bool,
}

/// A column of the user's file as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TheirColumn {
    /// Their column name.
    pub name: String,
    /// Its type as read (CSV columns are text).
    pub dtype: String,
}

/// A suggested mapping: contract column = their column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The contract column not found.
    pub column: &'static str,
    /// Their column that looks like it.
    pub their_column: String,
    /// Name similarity, 0–1 (0 when suggested by type alone).
    pub similarity: f64,
    /// Why, in a few words.
    pub why: String,
}

/// Accounts with at least one valid row in a table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coverage {
    /// Accounts with a row.
    pub accounts: usize,
    /// All valid accounts.
    pub of: usize,
    /// `accounts / of` (0 without accounts).
    pub share: f64,
}

/// One contract table as the doctor found it.
#[derive(Debug, Clone, Serialize)]
pub struct TableDiagnosis {
    /// Table name.
    pub table: &'static str,
    /// Whether vigil cannot run without it.
    pub mandatory: bool,
    /// Present, absent or unusable.
    pub status: TableStatus,
    /// Where it was read from (its single file, or the folder of its files).
    pub location: Option<String>,
    /// Files found.
    pub files: usize,
    /// Why it is absent or unusable.
    pub problem: Option<String>,
    /// The signals it feeds.
    pub signals: &'static str,
    /// Every contract column and whether the first file has it (empty when absent).
    pub columns: Vec<ColumnCheck>,
    /// The first file's columns as they arrive.
    pub their_columns: Vec<TheirColumn>,
    /// Suggested mappings for contract columns not found.
    pub suggestions: Vec<Suggestion>,
    /// Validation figures (rows read / valid / bad, time span, files) when it was validated.
    pub validation: Option<TableReport>,
    /// Accounts covered by its valid rows (tables with `account_id`, when validated).
    pub coverage: Option<Coverage>,
}

/// Whether a feature family's signals are available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilyState {
    /// Every source table is present.
    Available,
    /// Some of its features lost their source table.
    Degraded,
    /// Every feature lost its source table.
    Lost,
}

/// One feature family's availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyStatus {
    /// Family (the feature module).
    pub family: &'static str,
    /// Available, degraded or lost.
    pub state: FamilyState,
    /// The input tables its features come from.
    pub sources: Vec<&'static str>,
    /// Of those, the ones absent or unusable.
    pub missing_tables: Vec<&'static str>,
    /// Features whose source table is missing (always null).
    pub features_lost: Vec<&'static str>,
}

/// A label and a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Month (`YYYY-MM`) or category.
    pub label: String,
    /// Escalations.
    pub count: usize,
}

/// Valid escalations in the window, by the month they opened and by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationCounts {
    /// Escalations counted.
    pub total: usize,
    /// Per month, in order.
    pub per_month: Vec<Count>,
    /// Per category, most first.
    pub per_category: Vec<Count>,
}

/// The quick backtest's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    /// Escalations whose lead window the sample's validation weeks cover.
    pub eligible: usize,
    /// Recall and precision at the configured alert threshold.
    pub at_alert_threshold: AtThreshold,
    /// Recall and precision at a few thresholds (the curve).
    pub curve: Vec<AtThreshold>,
    /// Snapshot PR-AUC.
    pub pr_auc: f64,
    /// Whether recall and precision at the alert threshold reach the gate's minimums.
    pub reachable: bool,
    /// The lowest curve threshold (the most recall) that reaches both minimums, when the
    /// alert threshold does not.
    pub reachable_at: Option<u32>,
    /// Half-width of the 95% normal interval of recall at the alert threshold (binomial,
    /// over the eligible escalations): how far the sample's recall may be from the full
    /// history's by chance.
    pub recall_margin: f64,
    /// The same for precision, over the alerts raised.
    pub precision_margin: f64,
    /// Not reachable on the sample, but each missing minimum is within its margin: only the
    /// full backtest can tell.
    pub borderline: bool,
}

/// Whether the 24–72 h lead-time gate looks reachable: a quick estimate on a sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateEstimate {
    /// Accounts in the sample.
    pub sample_accounts: usize,
    /// Valid accounts in the history.
    pub total_accounts: usize,
    /// Labelled snapshots of the sample.
    pub snapshots: usize,
    /// Of those, positive.
    pub positives: usize,
    /// GBDT boosting rounds (at most).
    pub rounds: usize,
    /// GBDT learning rate.
    pub learning_rate: f64,
    /// The configured alert threshold (risk score 0–100).
    pub alert_threshold: u32,
    /// The configured lead window, hours before the escalation (min, max).
    pub lead_hours: (u32, u32),
    /// The gate's minimum recall.
    pub min_recall: f64,
    /// The gate's minimum precision.
    pub min_precision: f64,
    /// The results; `None` when it could not be estimated.
    pub result: Option<GateResult>,
    /// Why it could not be estimated.
    pub problem: Option<String>,
    /// The verdict in one sentence.
    pub verdict: String,
}

/// Everything `vigil doctor` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The pipeline config read.
    pub config: String,
    /// `--as-of`, RFC 3339.
    pub as_of: String,
    /// Start of the lookback window, RFC 3339.
    pub window_start: String,
    /// Whether the `accounts` table could be read (without it nothing can run).
    pub readable: bool,
    /// Every contract table, in contract order.
    pub tables: Vec<TableDiagnosis>,
    /// What `vigil run` would stop on or warn about (bad-row limit, stale feeds, ignored files).
    pub findings: Vec<String>,
    /// Per feature family: available, degraded or lost.
    pub families: Vec<FamilyStatus>,
    /// Escalations per month and category (`None` without a usable `escalations` table).
    pub escalations: Option<EscalationCounts>,
    /// The lead-time gate estimate (`None` when `accounts` is unreadable).
    pub gate: Option<GateEstimate>,
    /// A `[sources]` snippet for what is missing (empty when nothing is).
    pub snippet: String,
}
