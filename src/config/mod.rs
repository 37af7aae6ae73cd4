//! The pipeline configuration: one TOML file per pipeline, parsed strictly.
//!
//! Layers follow uv's naming: `*Args` live in `cli` (flags), `*Options` here (the file),
//! and the resolved values a command runs with are built from both in `pipeline`.
//! Unknown keys are errors that name the key, the file and the allowed keys.
//!
//! The sections of a domain are its own types, which check their own ranges: `[risk]` is
//! [`RiskOptions`] (`risk::params`, with `vigil_gbdt::GbdtParams`), `[features]` is
//! [`FeatureOptions`] (`features::params`), `[sentiment.training]` is
//! `vigil_text::SentimentTrainOptions`; this module deserialises and composes them and turns
//! their range errors into [`ConfigError::Value`] with the file's path.

mod inputs;
mod interpolate;
mod report;
mod sentiment;
mod sources;
mod storage;
mod taxonomy;
mod toml_error;
mod validation;

use crate::score::tiers::TiersOptions;
pub use interpolate::interpolate;
pub use report::{PerformanceSource, ReportOptions};
pub use sentiment::{SentimentOptions, SentimentSource};
pub use sources::{CsvOptions, TableOptions, TableSourceOptions};
pub use taxonomy::{CategoryOptions, TaxonomyOptions};
pub use validation::ValidationOptions;

use crate::features::params::FeatureOptions;
use crate::risk::params::RiskOptions;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigil_store::secret::Secret;
use vigil_store::storage::CredentialSource;

/// Errors from reading or validating a pipeline config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// Config path.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed, has an unknown key or a value of the wrong type.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// Config path.
        path: PathBuf,
        /// Line, column and key of the error with toml's message, values redacted (never
        /// the source line: it may hold a secret).
        message: String,
    },
    /// A value is out of its allowed range.
    #[error("invalid config file {path}: key `{key}` = {value}: {allowed}")]
    Value {
        /// Config path.
        path: PathBuf,
        /// Dotted key.
        key: String,
        /// Offending value.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// A `${VAR}` reference names an environment variable that is not set.
    #[error("config file {path}: key `{key}` refers to environment variable ${{{var}}}, which is not set")]
    MissingEnv {
        /// Config path.
        path: PathBuf,
        /// Dotted key.
        key: String,
        /// Variable name.
        var: String,
    },
}

/// Where the input tables are. A table's URL is `sources.<table>` (or `[sources.<table>]
/// url`) when given, otherwise it is looked up under `sources.base` as a folder `<table>/`
/// or a file `<table>.<ext>`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourcesOptions {
    /// Folder that holds one file or folder per table.
    pub base: Option<String>,
    /// Explicitly placed tables: a URL string (file or folder; `.parquet`, `.csv`,
    /// `.ndjson`/`.jsonl`) or a `[sources.<table>]` table of options.
    #[serde(flatten)]
    pub tables: BTreeMap<String, TableSourceOptions>,
}

/// The history window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowOptions {
    /// Months of history before `--as-of` to load (6–24).
    #[serde(default = "default_lookback")]
    pub lookback_months: u32,
}

fn default_lookback() -> u32 {
    12
}

impl Default for WindowOptions {
    fn default() -> Self {
        Self {
            lookback_months: default_lookback(),
        }
    }
}

/// Object-store behaviour shared by inputs and outputs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageOptions {
    /// Retries after a transient failure (timeouts, 5xx, connection resets).
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// First backoff in milliseconds; doubles each retry (with jitter), capped at 10 s.
    #[serde(default = "default_backoff")]
    pub retry_backoff_ms: u64,
    /// Timeout of one request in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Where cloud stores take credentials from: `configured` (default; environment or
    /// `[storage.options]` only) or `instance` (also instance metadata / managed identity).
    #[serde(default)]
    pub credentials: CredentialSource,
    /// Options handed to the object-store builder (e.g. `aws_endpoint`, `aws_region`,
    /// `azure_storage_account_name`); values may use `${ENV_VAR}` and are treated as secrets.
    /// Keys must be object_store options ([`vigil_store::storage::is_store_option`]).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

fn default_retries() -> u32 {
    5
}
fn default_backoff() -> u64 {
    100
}
fn default_timeout() -> u64 {
    60
}

impl Default for StorageOptions {
    fn default() -> Self {
        Self {
            max_retries: default_retries(),
            retry_backoff_ms: default_backoff(),
            timeout_secs: default_timeout(),
            credentials: CredentialSource::default(),
            options: BTreeMap::new(),
        }
    }
}

/// Where outputs go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseOptions {
    /// Root URL of the output tables: the Delta Lake tables (`risk_scores`, `actions`,
    /// `model_runs`, `text_sentiment`, …), quarantine and validation reports.
    pub url: String,
    /// Optional PostgreSQL sink: every published table is also replaced, per run date, in
    /// this database.
    pub postgres: Option<PostgresOptions>,
}

/// `[warehouse.postgres]`: the optional PostgreSQL sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresOptions {
    /// Name of the environment variable holding the connection URL
    /// (`postgres://user:password@host:port/db`); the URL is a secret and never logged.
    #[serde(default = "default_pg_url_env")]
    pub url_env: String,
    /// Database schema of vigil's tables (created if missing).
    #[serde(default = "default_pg_schema")]
    pub schema: String,
    /// PEM file of the CA that signed the server's certificate, for `sslmode=verify-ca`,
    /// `verify-full` (and `require`, which then checks the chain); relative to the project
    /// root. The URL's `sslrootcert` takes precedence.
    pub ca_file: Option<String>,
}

fn default_pg_url_env() -> String {
    "VIGIL_POSTGRES_URL".into()
}
fn default_pg_schema() -> String {
    "vigil".into()
}

/// The synthetic history the `demo` command generates when its sources are absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoOptions {
    /// Number of accounts.
    #[serde(default = "default_demo_accounts")]
    pub accounts: usize,
    /// Months of history.
    #[serde(default = "default_lookback")]
    pub months: u32,
    /// Last day of history, `YYYY-MM-DD`; the demo runs as of the end of that day.
    #[serde(default = "default_demo_end")]
    pub end: String,
    /// Generator seed.
    #[serde(default = "default_demo_seed")]
    pub seed: u64,
}

fn default_demo_accounts() -> usize {
    2000
}
fn default_demo_end() -> String {
    "2026-06-30".into()
}
fn default_demo_seed() -> u64 {
    42
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            accounts: default_demo_accounts(),
            months: default_lookback(),
            end: default_demo_end(),
            seed: default_demo_seed(),
        }
    }
}

/// Sections later stages own. They are parsed as free-form tables so a config written for
/// a newer vigil still loads; each stage validates its own section strictly when it lands.
pub type StageSection = toml::Table;

/// The whole pipeline config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineOptions {
    /// Input table locations.
    #[serde(default)]
    pub sources: SourcesOptions,
    /// History window.
    #[serde(default)]
    pub window: WindowOptions,
    /// Object-store retries, timeouts and builder options.
    #[serde(default)]
    pub storage: StorageOptions,
    /// Output location.
    pub warehouse: WarehouseOptions,
    /// Validation thresholds.
    #[serde(default)]
    pub validation: ValidationOptions,
    /// Demo data generation.
    #[serde(default)]
    pub demo: DemoOptions,
    /// Snapshot grid and label settings.
    #[serde(default)]
    pub features: FeatureOptions,
    /// Sentiment model: which model scores the history's texts, and retraining.
    #[serde(default)]
    pub sentiment: SentimentOptions,
    /// Risk model: engine, split, calibration, backtest gate and registry.
    #[serde(default)]
    pub risk: RiskOptions,
    /// Tier thresholds, routing and draft templates.
    #[serde(default)]
    pub tiers: TiersOptions,
    /// Quarterly report settings.
    #[serde(default)]
    pub report: ReportOptions,
    /// Value sets of segments, priorities, severities, categories and channels.
    #[serde(default)]
    pub taxonomy: TaxonomyOptions,
}

/// A loaded, validated config together with the file it came from.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Path of the TOML file.
    pub path: PathBuf,
    /// Folder relative source and warehouse paths are resolved against (the file's folder's
    /// parent when the file sits in `pipelines/`, i.e. the project root; else its folder).
    pub root: PathBuf,
    /// Parsed options with `${VAR}` references resolved.
    pub options: PipelineOptions,
    /// Resolved `[storage.options]`, values kept secret.
    pub store_options: Vec<(String, Secret)>,
    /// `[taxonomy]` checked and resolved (the defaults where absent).
    pub taxonomy: crate::contract::Taxonomy,
    /// The explicitly placed tables of `[sources]`, checked and resolved (URLs interpolated,
    /// locations against [`Self::root`]); see [`Self::sources`].
    pub table_sources: BTreeMap<String, crate::contract::TableSource>,
}

impl PipelineConfig {
    /// Reads, parses, interpolates and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text)
    }

    /// Parses config text; `path` is used for messages and relative paths.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut options: PipelineOptions = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: toml_error::describe(&e, text),
        })?;
        let env = |k: &str| std::env::var(k).ok();
        let interp = |key: &str, v: &str| {
            interpolate(v, &env).map_err(|var| ConfigError::MissingEnv {
                path: path.to_path_buf(),
                key: key.to_string(),
                var,
            })
        };
        options.warehouse.url = interp("warehouse.url", &options.warehouse.url)?;
        if let Some(base) = &options.sources.base {
            options.sources.base = Some(interp("sources.base", base)?);
        }
        let mut store_options = Vec::new();
        for (k, v) in std::mem::take(&mut options.storage.options) {
            // Taken out of the options so the raw values never sit in a Debug-printable struct.
            store_options.push((
                k.clone(),
                Secret::new(interp(&format!("storage.options.{k}"), &v)?),
            ));
        }
        let root = config_root(path);
        let taxonomy = options
            .taxonomy
            .resolve()
            .map_err(|(key, value, allowed)| ConfigError::Value {
                path: path.to_path_buf(),
                key,
                value,
                allowed,
            })?;
        let mut config = Self {
            path: path.to_path_buf(),
            root,
            options,
            store_options,
            taxonomy,
            table_sources: BTreeMap::new(),
        };
        config.check_values()?;
        config.table_sources = config.table_sources(&env)?;
        Ok(config)
    }

    /// Checks every value range, section by section: the first value out of range is a
    /// [`ConfigError::Value`] naming the file and the dotted key.
    fn check_values(&self) -> Result<(), ConfigError> {
        let o = &self.options;
        if !(6..=24).contains(&o.window.lookback_months) {
            return Err(self.bad(
                "window.lookback_months",
                o.window.lookback_months.to_string(),
                "allowed: 6 to 24",
            ));
        }
        let in_file = |(key, value, allowed): (String, String, String)| self.bad(&key, value, &allowed);
        o.validation.check().map_err(in_file)?;
        o.features
            .validate()
            .map_err(|(key, value, allowed)| self.bad(key, value.to_string(), &allowed))?;
        o.sentiment.check().map_err(in_file)?;
        o.risk.validate().map_err(in_file)?;
        o.tiers.check_values().map_err(in_file)?;
        if let Some(pg) = &o.warehouse.postgres {
            self.check_postgres(pg)?;
        }
        let option_keys: Vec<&str> = self.store_options.iter().map(|(k, _)| k.as_str()).collect();
        storage::check(&o.storage, &option_keys).map_err(in_file)?;
        self.check_sources()?;
        self.check_demo()?;
        if o.warehouse.url.trim().is_empty() {
            return Err(self.bad(
                "warehouse.url",
                "\"\"".into(),
                "a folder path or URL (file://, s3://, gs://, az://, memory://)",
            ));
        }
        Ok(())
    }

    /// The [`ConfigError::Value`] of `key` in this file.
    fn bad(&self, key: &str, value: String, allowed: &str) -> ConfigError {
        ConfigError::Value {
            path: self.path.clone(),
            key: key.into(),
            value,
            allowed: allowed.into(),
        }
    }

    /// `[warehouse.postgres]`: a SQL identifier as schema, a variable name, a CA file path.
    fn check_postgres(&self, pg: &PostgresOptions) -> Result<(), ConfigError> {
        let ident = |s: &str| {
            s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !ident(&pg.schema) {
            return Err(self.bad(
                "warehouse.postgres.schema",
                format!("{:?}", pg.schema),
                "allowed: a lower-case SQL identifier ([a-z_][a-z0-9_]*)",
            ));
        }
        if pg.url_env.trim().is_empty() {
            return Err(self.bad(
                "warehouse.postgres.url_env",
                "\"\"".into(),
                "the name of an environment variable",
            ));
        }
        if pg.ca_file.as_deref().is_some_and(|f| f.trim().is_empty()) {
            return Err(self.bad(
                "warehouse.postgres.ca_file",
                "\"\"".into(),
                "the path of a PEM file of CA certificates",
            ));
        }
        Ok(())
    }

    /// `[sources]`: every explicitly placed table is one of the contract's.
    fn check_sources(&self) -> Result<(), ConfigError> {
        match self
            .options
            .sources
            .tables
            .keys()
            .find(|t| crate::contract::schema::table(t).is_none())
        {
            Some(table) => Err(self.unknown_table(table)),
            None => Ok(()),
        }
    }

    /// `[demo]`: a non-empty history ending on a valid date.
    fn check_demo(&self) -> Result<(), ConfigError> {
        let demo = &self.options.demo;
        if demo.accounts == 0 || demo.months == 0 {
            return Err(self.bad(
                "demo.accounts / demo.months",
                format!("{} / {}", demo.accounts, demo.months),
                "allowed: 1 or more",
            ));
        }
        crate::time::parse_date(&demo.end, "demo.end")
            .map_err(|m| self.bad("demo.end", format!("{:?}", demo.end), &m))?;
        Ok(())
    }

    /// Resolves a location from the config (relative paths against [`Self::root`]).
    pub fn resolve(&self, location: &str) -> String {
        if location.contains("://") || Path::new(location).is_absolute() {
            location.to_string()
        } else {
            self.root.join(location).to_string_lossy().into_owned()
        }
    }
}

/// Project root for a config: `pipelines/x.toml` → the folder above `pipelines/`.
fn config_root(path: &Path) -> PathBuf {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let root = if dir.file_name().is_some_and(|n| n == "pipelines") {
        dir.parent().map(Path::to_path_buf).unwrap_or(dir)
    } else {
        dir
    };
    if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    }
}

#[cfg(test)]
mod tests;
