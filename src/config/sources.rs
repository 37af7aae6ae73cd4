//! `[sources.<table>]`: a table given as a URL string (as before) or as a table of options
//! (location, format, column and value mapping, text-time parsing, CSV, Delta and
//! PostgreSQL options), each key checked here and turned into a [`contract::TableSource`].
//! Errors name the dotted key (`sources.tickets.columns.ticket_idd`).

use super::{ConfigError, PipelineConfig, interpolate};
use crate::contract::mapping::{Filter, TableMapping};
use crate::contract::schema::{self, TableSpec};
use crate::contract::{self, PostgresRelation, PostgresSource, SourceFormat};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use vigil_store::secret::Secret;

/// One `[sources]` entry: a location string, or a table of options.
#[derive(Debug, Clone)]
pub enum TableSourceOptions {
    /// `tickets = "s3://bucket/tickets/"`.
    Url(String),
    /// `[sources.tickets]` with its keys.
    Table(Box<TableOptions>),
}

impl<'de> Deserialize<'de> for TableSourceOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = TableSourceOptions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a location string or a table of source options")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TableSourceOptions::Url(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                TableOptions::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| TableSourceOptions::Table(Box::new(t)))
            }
        }
        d.deserialize_any(Entry)
    }
}

/// `[sources.<table>]` as written (values checked by [`PipelineConfig::load`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableOptions {
    /// File, folder, Delta table folder or `postgres://` URL; `${ENV}` references resolved.
    pub url: Option<String>,
    /// `parquet`, `csv`, `ndjson`, `delta` or `postgres`; detected when unset.
    pub format: Option<String>,
    /// `<contract column> = "<their column>"`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Per contract column: `<their value> = "<value vigil uses>"`.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// chrono strftime pattern of text timestamps and dates.
    pub timestamp_format: Option<String>,
    /// IANA zone of text timestamps without an offset (default UTC).
    pub time_zone: Option<String>,
    /// CSV options.
    pub csv: Option<CsvOptions>,
    /// Row filter on their column names.
    pub filter: Option<String>,
    /// Delta only: table version to read.
    pub version: Option<i64>,
    /// Delta only: read the latest version committed at or before this RFC 3339 instant.
    pub as_of: Option<String>,
    /// PostgreSQL only: environment variable holding the URL (instead of `url`).
    pub url_env: Option<String>,
    /// PostgreSQL only: the table to read (`schema.table`).
    pub table: Option<String>,
    /// PostgreSQL only: the query to read.
    pub query: Option<String>,
    /// PostgreSQL only: PEM file of the server's CA, relative to the project root.
    pub ca_file: Option<String>,
}

/// `[sources.<table>] csv`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// Field delimiter, one byte (default `,`).
    pub delimiter: Option<String>,
    /// Whether the first row names the columns (default true).
    pub header: Option<bool>,
}

/// The checks of one `[sources.<table>]` table: its config file and key prefix.
struct Check<'a> {
    config: &'a PipelineConfig,
    spec: &'static TableSpec,
    prefix: String,
}

impl Check<'_> {
    fn bad(&self, key: &str, value: String, allowed: &str) -> ConfigError {
        self.config.bad(&format!("{}.{key}", self.prefix), value, allowed)
    }

    /// Fails unless `column`, named by key `<key>.<column>` with value `value`, is a contract
    /// column of this table.
    fn column(&self, key: &str, column: &str, value: String) -> Result<(), ConfigError> {
        if self.spec.column(column).is_some() {
            return Ok(());
        }
        let names: Vec<&str> = self.spec.columns.iter().map(|c| c.name).collect();
        Err(self.bad(
            &format!("{key}.{column}"),
            value,
            &format!(
                "not a column of table {} (columns: {})",
                self.spec.name,
                names.join(", ")
            ),
        ))
    }
}

impl PipelineConfig {
    /// Every explicitly placed table of `[sources]`, checked, with `${ENV}` references in
    /// URLs resolved from `env` and locations resolved against the project root.
    pub(super) fn table_sources(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, contract::TableSource>, ConfigError> {
        let mut out = BTreeMap::new();
        for (table, entry) in &self.options.sources.tables {
            let spec = schema::table(table).ok_or_else(|| self.unknown_table(table))?;
            let check = Check {
                config: self,
                spec,
                prefix: format!("sources.{table}"),
            };
            let source = match entry {
                TableSourceOptions::Url(url) => {
                    contract::TableSource::at(self.resolve(&self.interpolated(&check.prefix, url, env)?))
                }
                TableSourceOptions::Table(options) => check.source(options, env)?,
            };
            out.insert(table.clone(), source);
        }
        Ok(out)
    }

    /// `raw` with its `${VAR}` references resolved; `key` names it in the error.
    fn interpolated(
        &self,
        key: &str,
        raw: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, ConfigError> {
        interpolate(raw, env).map_err(|var| ConfigError::MissingEnv {
            path: self.path.clone(),
            key: key.to_string(),
            var,
        })
    }

    /// The error of a `[sources]` key that is no contract table.
    pub(super) fn unknown_table(&self, table: &str) -> ConfigError {
        let allowed: Vec<&str> = schema::TABLES.iter().map(|t| t.name).collect();
        self.bad(
            &format!("sources.{table}"),
            format!("{table:?}"),
            &format!("unknown table; allowed: base, {}", allowed.join(", ")),
        )
    }
}

impl Check<'_> {
    /// One `[sources.<table>]` table checked key by key.
    fn source(
        &self,
        o: &TableOptions,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<contract::TableSource, ConfigError> {
        let url = o
            .url
            .as_deref()
            .map(|u| self.config.interpolated(&format!("{}.url", self.prefix), u, env))
            .transpose()?;
        let format = self.format(o, url.as_deref())?;
        let quoted = |v: &Option<String>| v.as_ref().map(|v| format!("{v:?}"));
        let delta_keys = [
            ("version", o.version.map(|v| v.to_string())),
            ("as_of", quoted(&o.as_of)),
        ];
        self.only_for(format, SourceFormat::Delta, &delta_keys)?;
        let pg_keys = [
            ("url_env", quoted(&o.url_env)),
            ("table", quoted(&o.table)),
            ("query", o.query.as_ref().map(|_| "\"…\"".to_string())),
            ("ca_file", quoted(&o.ca_file)),
        ];
        self.only_for(format, SourceFormat::Postgres, &pg_keys)?;
        if o.csv.is_some() && !matches!(format, None | Some(SourceFormat::Csv)) {
            return Err(self.bad(
                "csv",
                "{…}".into(),
                "only for format = \"csv\" (or files detected as CSV)",
            ));
        }
        let (delimiter, header) = self.csv(o.csv.as_ref())?;
        let postgres = match format {
            Some(SourceFormat::Postgres) => Some(self.postgres(o, url.clone())?),
            _ => None,
        };
        Ok(contract::TableSource {
            url: if postgres.is_some() {
                None
            } else {
                Some(self.location(url)?)
            },
            format,
            mapping: self.mapping(o)?,
            csv_delimiter: delimiter,
            csv_header: header,
            delta_version: self.version(o.version)?,
            delta_as_of: self.as_of(o)?,
            postgres,
        })
    }

    /// The location of a file source, resolved against the project root.
    fn location(&self, url: Option<String>) -> Result<String, ConfigError> {
        match url {
            Some(u) if !u.trim().is_empty() => Ok(self.config.resolve(&u)),
            _ => Err(self.bad(
                "url",
                "(none)".into(),
                "a file, folder or table URL (or url_env for a PostgreSQL source)",
            )),
        }
    }

    /// `format`, or postgres when the URL is a PostgreSQL one or `url_env` is set.
    fn format(&self, o: &TableOptions, url: Option<&str>) -> Result<Option<SourceFormat>, ConfigError> {
        let pg_url = url.is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
        let Some(name) = &o.format else {
            return Ok((pg_url || o.url_env.is_some()).then_some(SourceFormat::Postgres));
        };
        let allowed: Vec<&str> = SourceFormat::CONFIG_NAMES.iter().map(|(n, _)| *n).collect();
        let format = SourceFormat::parse(name).ok_or_else(|| {
            self.bad(
                "format",
                format!("{name:?}"),
                &format!("allowed: {}", allowed.join(", ")),
            )
        })?;
        // The URL is not shown: a PostgreSQL URL may hold a password.
        match (format, url) {
            (SourceFormat::Postgres, Some(_)) if !pg_url => Err(self.bad(
                "url",
                "(not shown)".into(),
                "format = \"postgres\" needs a postgres:// or postgresql:// URL (or url_env)",
            )),
            (f, _) if pg_url && f != SourceFormat::Postgres => Err(self.bad(
                "format",
                format!("{name:?}"),
                "a postgres:// URL is read with format = \"postgres\"",
            )),
            (f, _) => Ok(Some(f)),
        }
    }

    /// Fails on the first of `keys` that is set when the format is not `only`.
    fn only_for(
        &self,
        format: Option<SourceFormat>,
        only: SourceFormat,
        keys: &[(&str, Option<String>)],
    ) -> Result<(), ConfigError> {
        match keys
            .iter()
            .find_map(|(key, value)| value.as_ref().map(|v| (key, v)))
        {
            Some((key, value)) if format != Some(only) => Err(self.bad(
                key,
                value.clone(),
                &format!("only for format = \"{}\"", only.config_name()),
            )),
            _ => Ok(()),
        }
    }

    /// `csv.delimiter` (one byte) and `csv.header`.
    fn csv(&self, csv: Option<&CsvOptions>) -> Result<(Option<u8>, Option<bool>), ConfigError> {
        let Some(csv) = csv else {
            return Ok((None, None));
        };
        let delimiter = match csv.delimiter.as_deref() {
            None => None,
            Some(d) if d.len() == 1 && d != "\"" && d != "\n" && d != "\r" => d.bytes().next(),
            Some(d) => {
                return Err(self.bad(
                    "csv.delimiter",
                    format!("{d:?}"),
                    "one byte (e.g. \",\", \";\", \"\\t\", \"|\"), not a quote or line break",
                ));
            }
        };
        Ok((delimiter, csv.header))
    }

    /// `version`: a Delta table version (0 or more).
    fn version(&self, version: Option<i64>) -> Result<Option<i64>, ConfigError> {
        match version {
            Some(v) if v < 0 => Err(self.bad("version", v.to_string(), "a Delta table version, 0 or more")),
            v => Ok(v),
        }
    }

    /// `as_of`: an RFC 3339 instant, not together with `version`.
    fn as_of(&self, o: &TableOptions) -> Result<Option<chrono::DateTime<chrono::Utc>>, ConfigError> {
        let Some(text) = &o.as_of else {
            return Ok(None);
        };
        if o.version.is_some() {
            return Err(self.bad(
                "as_of",
                format!("{text:?}"),
                "set either version or as_of, not both",
            ));
        }
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| {
                self.bad(
                    "as_of",
                    format!("{text:?}"),
                    "an RFC 3339 instant such as 2026-06-30T00:00:00Z",
                )
            })
    }

    /// The PostgreSQL source: a URL (a secret) or `url_env`, exactly one of `table`/`query`.
    fn postgres(&self, o: &TableOptions, url: Option<String>) -> Result<PostgresSource, ConfigError> {
        if url.is_some() == o.url_env.is_some() {
            return Err(self.bad(
                "url_env",
                "(set)".into(),
                "a PostgreSQL source takes exactly one of url and url_env",
            ));
        }
        if let Some(var) = o.url_env.as_deref().filter(|v| !is_env_name(v)) {
            return Err(self.bad(
                "url_env",
                format!("{var:?}"),
                "the name of an environment variable",
            ));
        }
        let relation = match (&o.table, &o.query) {
            (Some(t), None) if is_table_name(t) => PostgresRelation::Table(t.clone()),
            (Some(t), None) => {
                return Err(self.bad(
                    "table",
                    format!("{t:?}"),
                    "a table name, optionally schema-qualified (crm.escalations)",
                ));
            }
            (None, Some(q)) if !q.trim().is_empty() => PostgresRelation::Query(q.clone()),
            (None, Some(_)) => return Err(self.bad("query", "\"\"".into(), "a SELECT statement")),
            _ => {
                return Err(self.bad(
                    "table / query",
                    "(both or neither)".into(),
                    "a PostgreSQL source takes exactly one of table and query",
                ));
            }
        };
        let ca_file = match o.ca_file.as_deref() {
            Some(f) if f.trim().is_empty() => {
                return Err(self.bad(
                    "ca_file",
                    "\"\"".into(),
                    "the path of a PEM file of CA certificates",
                ));
            }
            f => f.map(|f| self.config.resolve(f)),
        };
        Ok(PostgresSource {
            url: url.map(Secret::new),
            url_env: o.url_env.clone(),
            relation,
            ca_file,
        })
    }

    /// `columns`, `values`, `timestamp_format`, `time_zone` and `filter`.
    fn mapping(&self, o: &TableOptions) -> Result<TableMapping, ConfigError> {
        for (column, theirs) in &o.columns {
            self.column("columns", column, format!("{theirs:?}"))?;
            if theirs.trim().is_empty() {
                return Err(self.bad(
                    &format!("columns.{column}"),
                    "\"\"".into(),
                    "the name of a column of your file",
                ));
            }
        }
        for column in o.values.keys() {
            self.column("values", column, "{…}".into())?;
        }
        let values = o
            .values
            .iter()
            .map(|(c, map)| {
                (
                    c.clone(),
                    map.iter()
                        .map(|(k, v)| (k.trim().to_string(), v.clone()))
                        .collect(),
                )
            })
            .collect();
        Ok(TableMapping {
            columns: o.columns.clone(),
            values,
            timestamp_format: self.timestamp_format(o.timestamp_format.as_deref())?,
            time_zone: self.time_zone(o.time_zone.as_deref())?,
            filter: self.filter(o.filter.as_deref())?,
        })
    }

    /// `timestamp_format`: a chrono strftime pattern with at least a date.
    fn timestamp_format(&self, fmt: Option<&str>) -> Result<Option<String>, ConfigError> {
        let Some(fmt) = fmt else {
            return Ok(None);
        };
        let broken =
            chrono::format::StrftimeItems::new(fmt).any(|i| matches!(i, chrono::format::Item::Error));
        if broken || !fmt.contains('%') {
            return Err(self.bad(
                "timestamp_format",
                format!("{fmt:?}"),
                "a chrono strftime pattern such as \"%d/%m/%Y %H:%M\"",
            ));
        }
        Ok(Some(fmt.to_string()))
    }

    /// `time_zone`: an IANA zone name.
    fn time_zone(&self, zone: Option<&str>) -> Result<Option<chrono_tz::Tz>, ConfigError> {
        zone.map(|z| {
            z.parse::<chrono_tz::Tz>().map_err(|_| {
                self.bad(
                    "time_zone",
                    format!("{z:?}"),
                    "an IANA time zone such as \"Europe/Berlin\" or \"UTC\"",
                )
            })
        })
        .transpose()
    }

    /// `filter`: parsed once here.
    fn filter(&self, text: Option<&str>) -> Result<Option<Filter>, ConfigError> {
        text.map(|t| {
            Filter::parse(t).map_err(|why| {
                self.bad(
                    "filter",
                    format!("{t:?}"),
                    &format!("{why}; a filter is <col> (= | != | < | <= | > | >=) <literal>, <col> in (…), <col> is [not] null, joined with `and`"),
                )
            })
        })
        .transpose()
    }
}

/// Whether `s` is an environment variable name.
fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `s` is a table name, optionally schema-qualified, of plain SQL identifiers.
fn is_table_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const WAREHOUSE: &str = "[warehouse]\nurl = \"wh\"\n";

    fn parse(sources: &str) -> Result<PipelineConfig, ConfigError> {
        PipelineConfig::from_toml(
            Path::new("pipelines/t.toml"),
            &format!("{WAREHOUSE}[sources]\nbase = \"history\"\n{sources}"),
        )
    }

    fn err(sources: &str) -> String {
        match parse(sources) {
            Ok(_) => format!("accepted: {sources}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_bare_url_string_is_a_table_at_that_location() -> Result<(), ConfigError> {
        let c = parse("tickets = \"exports/tickets.csv\"\n")?;
        let s = c.sources();
        assert_eq!(s.base.as_deref(), Some("./history"));
        assert_eq!(
            s.tables.get("tickets"),
            Some(&contract::TableSource::at("./exports/tickets.csv".into()))
        );
        Ok(())
    }

    #[test]
    fn a_table_of_options_is_parsed_into_its_source() -> Result<(), ConfigError> {
        let c = parse(
            "[sources.tickets]\nurl = \"exports/t\"\nformat = \"csv\"\n\
             columns = { ticket_id = \"id\", created_at = \"opened\" }\n\
             values.priority = { \" P1 \" = \"urgent\" }\n\
             timestamp_format = \"%d/%m/%Y %H:%M\"\ntime_zone = \"Europe/Berlin\"\n\
             csv = { delimiter = \";\", header = false }\nfilter = \"is_test = false\"\n\
             [sources.escalations]\nurl = \"inc\"\nformat = \"delta\"\nas_of = \"2026-06-30T00:00:00+02:00\"\n\
             [sources.accounts]\nurl_env = \"CRM_URL\"\ntable = \"crm.accounts\"\nca_file = \"certs/ca.pem\"\n",
        )?;
        let t = &c.table_sources["tickets"];
        assert_eq!(t.url.as_deref(), Some("./exports/t"));
        assert_eq!(t.format, Some(SourceFormat::Csv));
        assert_eq!((t.csv_delimiter, t.csv_header), (Some(b';'), Some(false)));
        assert_eq!(t.mapping.their_column("created_at"), Some("opened"));
        assert_eq!(t.mapping.values["priority"]["P1"], "urgent");
        assert_eq!(t.mapping.time_zone, Some(chrono_tz::Europe::Berlin));
        assert_eq!(t.mapping.filter.as_ref().map(|f| f.conditions.len()), Some(1));
        let e = &c.table_sources["escalations"];
        assert_eq!(
            e.delta_as_of.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-06-29T22:00:00+00:00")
        );
        let a = &c.table_sources["accounts"];
        assert_eq!((a.format, a.url.as_deref()), (Some(SourceFormat::Postgres), None));
        let pg = a
            .postgres
            .as_ref()
            .map(|p| (p.url_env.as_deref(), &p.relation, p.ca_file.as_deref()));
        assert_eq!(
            pg,
            Some((
                Some("CRM_URL"),
                &PostgresRelation::Table("crm.accounts".into()),
                Some("./certs/ca.pem")
            ))
        );
        Ok(())
    }

    #[test]
    fn a_postgres_url_is_interpolated_kept_secret_and_detected() -> Result<(), ConfigError> {
        let env = |k: &str| (k == "VIGIL_UNIT_PG").then(|| "postgres://u:hunter2@db/crm".to_string());
        let mut c = parse("")?;
        c.options.sources.tables.insert(
            "tickets".into(),
            TableSourceOptions::Table(Box::new(TableOptions {
                url: Some("${VIGIL_UNIT_PG}".into()),
                query: Some("SELECT 1".into()),
                ..TableOptions::default()
            })),
        );
        let sources = c.table_sources(&env)?;
        let pg = sources["tickets"].postgres.as_ref().expect("postgres");
        assert_eq!(
            pg.url.as_ref().map(Secret::expose),
            Some("postgres://u:hunter2@db/crm")
        );
        assert!(!format!("{sources:?}").contains("hunter2"));
        let missing = c
            .table_sources(&|_| None)
            .map(|_| ())
            .expect_err("unset variable")
            .to_string();
        assert!(
            missing.contains("sources.tickets.url") && missing.contains("VIGIL_UNIT_PG"),
            "{missing}"
        );
        Ok(())
    }

    #[test]
    fn every_wrong_key_is_named() {
        let cases = [
            (
                "[sources.tickets]\nurl = \"t\"\ncolumns = { ticket_idd = \"id\" }\n",
                "sources.tickets.columns.ticket_idd",
                "not a column of table tickets",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nvalues.prio = { P1 = \"urgent\" }\n",
                "sources.tickets.values.prio",
                "priority",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nversion = 12\n",
                "sources.tickets.version",
                "only for format = \"delta\"",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nformat = \"delta\"\nversion = 1\nas_of = \"2026-01-01T00:00:00Z\"\n",
                "sources.tickets.as_of",
                "not both",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nformat = \"delta\"\nas_of = \"yesterday\"\n",
                "sources.tickets.as_of",
                "RFC 3339",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nformat = \"xlsx\"\n",
                "sources.tickets.format",
                "parquet, csv, ndjson, delta, postgres",
            ),
            (
                "[sources.tickets]\nurl = \"postgres://db/x\"\ntable = \"a\"\nquery = \"SELECT 1\"\n",
                "sources.tickets.table / query",
                "exactly one",
            ),
            (
                "[sources.tickets]\nurl = \"postgres://db/x\"\n",
                "sources.tickets.table / query",
                "exactly one",
            ),
            (
                "[sources.tickets]\nurl = \"postgres://db/x\"\nurl_env = \"X\"\ntable = \"t\"\n",
                "sources.tickets.url_env",
                "exactly one of url and url_env",
            ),
            (
                "[sources.tickets]\nurl_env = \"X\"\ntable = \"a;drop\"\n",
                "sources.tickets.table",
                "table name",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\ntable = \"a\"\n",
                "sources.tickets.table",
                "only for format = \"postgres\"",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\ntime_zone = \"Mars/Olympus\"\n",
                "sources.tickets.time_zone",
                "IANA",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\ntimestamp_format = \"%Q\"\n",
                "sources.tickets.timestamp_format",
                "strftime",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\ncsv = { delimiter = \";;\" }\n",
                "sources.tickets.csv.delimiter",
                "one byte",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nformat = \"parquet\"\ncsv = { header = false }\n",
                "sources.tickets.csv",
                "only for format = \"csv\"",
            ),
            (
                "[sources.tickets]\nurl = \"t\"\nfilter = \"status = deleted\"\n",
                "sources.tickets.filter",
                "expected a literal",
            ),
            (
                "[sources.tickets]\nformat = \"csv\"\n",
                "sources.tickets.url",
                "a file, folder or table URL",
            ),
            (
                "[sources.tickts]\nurl = \"t\"\n",
                "sources.tickts",
                "unknown table",
            ),
            (
                "[sources.tickets]\nurl = \"s3://b/t\"\nformat = \"postgres\"\ntable = \"t\"\n",
                "sources.tickets.url",
                "postgres:// or postgresql:// URL",
            ),
            (
                "[sources.tickets]\nurl = \"postgresql://u:pw@db/x\"\nformat = \"csv\"\n",
                "sources.tickets.format",
                "format = \"postgres\"",
            ),
        ];
        for (text, key, needle) in cases {
            let e = err(text);
            assert!(!e.contains("u:pw"), "a URL with a password is never shown: {e}");
            assert!(
                e.contains(&format!("`{key}`")) && e.contains(needle),
                "{text}\n{e}"
            );
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_parse_errors_naming_the_key() {
        let e = err("[sources.tickets]\nurl = \"t\"\nformatt = \"csv\"\n");
        assert!(e.contains("formatt") && e.contains("timestamp_format"), "{e}");
        let e = err("[sources.tickets]\nurl = \"t\"\ncsv = { delimiter = \";\", quote = \"'\" }\n");
        assert!(e.contains("quote") && e.contains("delimiter"), "{e}");
        let e = err("tickets = 3\n");
        assert!(
            e.contains("a location string or a table of source options"),
            "{e}"
        );
    }
}
