//! The foreign company's names: where each table lives, how it is stored, what its columns
//! are called, and its words for the contract's closed sets. `pipelines/example-foreign.toml`
//! maps exactly these names back (a unit test compares the two).

use crate::contract::schema::DIRECTIONS;
use crate::synth::catalog::{ESCALATION_CATEGORIES, PRIORITIES, SEGMENTS, SEVERITIES};

/// How a foreign table is stored under the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// One Parquet file at the path.
    Parquet,
    /// A Spark-style folder of `parts` Parquet part files and an empty `_SUCCESS` marker.
    SparkFolder {
        /// Number of part files (rows split evenly, in order).
        parts: usize,
    },
    /// One CSV file with a header row and this delimiter; timestamps are local-time text.
    Csv {
        /// Field delimiter.
        delimiter: u8,
    },
    /// Hive-partitioned Parquet: `<path>/<key>=YYYY-MM/part-0.parquet` by the month of the
    /// Date column `column`; the key is a folder name only, not a column of the files.
    HiveMonthly {
        /// Partition key (folder name prefix).
        key: &'static str,
        /// Their Date column the month comes from.
        column: &'static str,
    },
    /// One Parquet file per month of the Date column `column`: `<path>/YYYY-MM.parquet`.
    Monthly {
        /// Their Date column the month comes from.
        column: &'static str,
    },
    /// A Delta table partitioned by `run_date` (the export date), written in two commits.
    Delta,
}

/// One table of the foreign layout.
#[derive(Debug, Clone, Copy)]
pub struct TableNames {
    /// The contract table it holds.
    pub table: &'static str,
    /// Its path under the output folder (a file or a folder, per [`Store`]).
    pub path: &'static str,
    /// How it is stored.
    pub store: Store,
    /// `(contract column, their column)` for every column the generator writes.
    pub columns: &'static [(&'static str, &'static str)],
}

impl TableNames {
    /// Their name of a contract column (the contract name when they use it too).
    pub fn theirs(&self, column: &'static str) -> &'static str {
        self.columns
            .iter()
            .find(|(contract, _)| *contract == column)
            .map_or(column, |(_, theirs)| theirs)
    }
}

/// Their segments, in the order of the contract's (`smb`, `mid-market`, `enterprise`).
pub const FOREIGN_SEGMENTS: [&str; 3] = ["SMB", "Commercial", "Strategic"];
/// Their ticket priorities, lowest first like the contract's (`low` … `urgent`).
pub const FOREIGN_PRIORITIES: [&str; 4] = ["P4", "P3", "P2", "P1"];
/// Their priorities that count as high (the contract's `high` and `urgent`).
pub const FOREIGN_HIGH_PRIORITIES: [&str; 2] = ["P2", "P1"];
/// Their escalation severities, mildest first like the contract's (`low` … `critical`).
pub const FOREIGN_SEVERITIES: [&str; 4] = ["Sev4", "Sev3", "Sev2", "Sev1"];
/// Their escalation categories, in the order of the contract's.
pub const FOREIGN_CATEGORIES: [&str; 6] = [
    "Onboarding",
    "Outage",
    "Billing",
    "Champion change",
    "Integrations",
    "Slowness",
];
/// Their message directions, in the order of the contract's (`inbound`, `outbound`).
pub const FOREIGN_DIRECTIONS: [&str; 2] = ["in", "out"];

const _: () = assert!(
    FOREIGN_SEGMENTS.len() == SEGMENTS.len()
        && FOREIGN_PRIORITIES.len() == PRIORITIES.len()
        && FOREIGN_SEVERITIES.len() == SEVERITIES.len()
        && FOREIGN_CATEGORIES.len() == ESCALATION_CATEGORIES.len()
        && FOREIGN_DIRECTIONS.len() == DIRECTIONS.len()
);

/// One renamed closed set: a contract column whose values are written in their words.
#[derive(Debug, Clone, Copy)]
pub struct ValueNames {
    /// Contract table.
    pub table: &'static str,
    /// Contract column.
    pub column: &'static str,
    /// The contract's values.
    pub contract: &'static [&'static str],
    /// Their values, index for index.
    pub theirs: &'static [&'static str],
}

impl ValueNames {
    /// Their word for a contract value (unchanged when the set does not list it).
    pub fn theirs_for<'a>(&self, value: &'a str) -> &'a str {
        self.contract
            .iter()
            .position(|v| *v == value)
            .and_then(|i| self.theirs.get(i).copied())
            .unwrap_or(value)
    }
}

/// Every renamed closed set.
pub const VALUES: [ValueNames; 5] = [
    ValueNames {
        table: "accounts",
        column: "segment",
        contract: SEGMENTS,
        theirs: &FOREIGN_SEGMENTS,
    },
    ValueNames {
        table: "tickets",
        column: "priority",
        contract: PRIORITIES,
        theirs: &FOREIGN_PRIORITIES,
    },
    ValueNames {
        table: "escalations",
        column: "category",
        contract: ESCALATION_CATEGORIES,
        theirs: &FOREIGN_CATEGORIES,
    },
    ValueNames {
        table: "escalations",
        column: "severity",
        contract: SEVERITIES,
        theirs: &FOREIGN_SEVERITIES,
    },
    ValueNames {
        table: "communications",
        column: "direction",
        contract: DIRECTIONS,
        theirs: &FOREIGN_DIRECTIONS,
    },
];

/// Format of the text timestamps of the CSV table (day first, fractional seconds only when
/// there are any, as a European helpdesk export writes them).
pub const TEXT_TIME_FORMAT: &str = "%d/%m/%Y %H:%M:%S%.f";
/// Zone of the text timestamps of the CSV table (local wall-clock time, no offset). One
/// without daylight saving time, so that every text names exactly one instant: in a zone that
/// turns its clocks back, the repeated hour's times are ambiguous (12 of the 2,000-account
/// demo's ticket times in Europe/Berlin), and the foreign layout must hold the native facts.
pub const TEXT_TIME_ZONE: chrono_tz::Tz = chrono_tz::Asia::Singapore;

/// Their column marking internal test organisations' rows in `usage_daily` (the row filter
/// `is_test = false` drops them).
pub const TEST_FLAG: &str = "is_test";

/// Every table of the foreign layout, in contract order.
pub const TABLES: [TableNames; 10] = [
    TableNames {
        table: "accounts",
        path: "accounts.parquet",
        store: Store::SparkFolder { parts: 2 },
        columns: &[
            ("account_id", "id"),
            ("name", "company"),
            ("segment", "tier"),
            ("arr", "annual_revenue"),
            ("renewal_date", "renewal"),
            ("industry", "industry"),
            ("region", "region"),
            ("plan", "plan"),
            ("contract_start", "customer_since"),
            ("csm_owner", "owner"),
            ("csm_email", "owner_email"),
            ("created_at", "created"),
        ],
    },
    TableNames {
        table: "subscriptions",
        path: "contracts.parquet",
        store: Store::Parquet,
        columns: &[
            ("account_id", "org_id"),
            ("start_date", "term_start"),
            ("end_date", "term_end"),
            ("arr", "annual_value"),
            ("product", "product"),
            ("plan", "plan"),
            ("seats", "licenses"),
        ],
    },
    TableNames {
        table: "contacts",
        path: "people.parquet",
        store: Store::Parquet,
        columns: &[
            ("contact_id", "person_id"),
            ("account_id", "org_id"),
            ("is_champion", "champion"),
            ("name", "full_name"),
            ("email", "email"),
            ("role", "job_title"),
            ("is_executive", "executive"),
            ("first_seen_at", "first_seen"),
        ],
    },
    TableNames {
        table: "tickets",
        path: "tickets.csv",
        store: Store::Csv { delimiter: b';' },
        columns: &[
            ("ticket_id", "case_number"),
            ("account_id", "org_id"),
            ("created_at", "opened"),
            ("priority", "urgency"),
            ("subject", "title"),
            ("body", "description"),
            ("contact_id", "requester_id"),
            ("closed_at", "closed"),
            ("category", "area"),
            ("channel", "source"),
            ("csat", "satisfaction"),
            ("status", "state"),
        ],
    },
    TableNames {
        table: "usage_daily",
        path: "usage",
        store: Store::HiveMonthly {
            key: "month",
            column: "day",
        },
        columns: &[
            ("account_id", "org_id"),
            ("date", "day"),
            ("active_users", "dau"),
            ("logins", "logins"),
            ("admin_users", "admins"),
            ("sessions", "sessions"),
        ],
    },
    TableNames {
        table: "feature_usage",
        path: "feature_events",
        store: Store::Monthly { column: "day" },
        columns: &[
            ("account_id", "org_id"),
            ("date", "day"),
            ("feature", "feature_name"),
            ("events", "event_count"),
        ],
    },
    TableNames {
        table: "nps_responses",
        path: "nps.parquet",
        store: Store::Parquet,
        columns: &[
            ("account_id", "org_id"),
            ("responded_at", "submitted_at"),
            ("score", "rating"),
            ("contact_id", "respondent_id"),
            ("comment", "comment"),
        ],
    },
    TableNames {
        table: "communications",
        path: "activities.parquet",
        store: Store::Parquet,
        columns: &[
            ("message_id", "activity_id"),
            ("account_id", "org_id"),
            ("sent_at", "logged_at"),
            ("direction", "direction"),
            ("channel", "type"),
            ("contact_id", "person_id"),
            ("subject", "subject"),
            ("body", "notes"),
        ],
    },
    TableNames {
        table: "escalations",
        path: "incidents",
        store: Store::Delta,
        columns: &[
            ("escalation_id", "incident_id"),
            ("account_id", "org_id"),
            ("opened_at", "created"),
            ("category", "type"),
            ("severity", "sev"),
            ("resolved_at", "resolved"),
            ("interventions", "actions_taken"),
            ("outcome", "outcome"),
            ("arr_at_risk", "revenue_at_risk"),
        ],
    },
    TableNames {
        table: "feedback",
        path: "csm_feedback.parquet",
        store: Store::Parquet,
        columns: &[
            ("account_id", "org_id"),
            ("alert_date", "alert_day"),
            ("verdict", "verdict"),
            ("model_version", "model"),
            ("note", "comment"),
            ("author", "author"),
        ],
    },
];

/// The foreign names of a contract table, if the layout has it.
pub fn table(name: &str) -> Option<&'static TableNames> {
    TABLES.iter().find(|t| t.table == name)
}
