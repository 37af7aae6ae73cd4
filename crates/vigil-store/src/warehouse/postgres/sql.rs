//! SQL text the sink sends: quoted identifiers, the documented DDL, and the statements of
//! one partition replacement. Pure functions, unit-tested without a server.

use polars::prelude::{DataFrame, Series};

use super::PostgresError;
use super::types::Source;

/// Column the sink adds: the partition key.
pub(crate) const RUN_DATE: &str = "run_date";
/// Column the sink adds: the run that wrote the row.
pub(crate) const RUN_ID: &str = "run_id";
/// The per-transaction temporary table the COPY fills.
pub(crate) const STAGING: &str = "vigil_staging";
/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
const MAX_IDENT_BYTES: usize = 63;

/// `"name"` with embedded quotes doubled.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Rejects names PostgreSQL would silently truncate or cannot hold.
pub(crate) fn check_name(what: &'static str, name: &str) -> Result<(), PostgresError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_IDENT_BYTES {
        "it is longer than 63 bytes, which PostgreSQL would truncate"
    } else if name.contains('\0') {
        "it contains a NUL byte"
    } else {
        return Ok(());
    };
    Err(PostgresError::InvalidName {
        what,
        name: name.to_string(),
        reason,
    })
}

/// A schema-qualified table.
#[derive(Debug, Clone)]
pub(crate) struct Qualified {
    /// Schema name, unquoted.
    pub schema: String,
    /// Table name, unquoted.
    pub table: String,
}

impl Qualified {
    /// Checks both names.
    pub(crate) fn new(schema: &str, table: &str) -> Result<Self, PostgresError> {
        check_name("schema", schema)?;
        check_name("table", table)?;
        // The index name is derived from the table name and must fit too.
        check_name("index", &index_name(table))?;
        Ok(Self {
            schema: schema.to_string(),
            table: table.to_string(),
        })
    }

    /// `"schema"."table"`, for SQL.
    pub(crate) fn sql(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.table))
    }

    /// `schema.table`, for messages.
    pub(crate) fn display(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

fn index_name(table: &str) -> String {
    format!("{table}_run_date_idx")
}

/// One frame column as the sink writes it.
#[derive(Debug)]
pub(crate) struct FrameColumn<'a> {
    /// Column name (the same in the frame and the table).
    pub name: &'a str,
    /// The values.
    pub series: &'a Series,
    /// Its dtype class.
    pub source: Source,
}

/// The frame's columns, checked: writable dtypes, valid names, no reserved names.
pub(crate) fn frame_columns<'a>(
    q: &Qualified,
    frame: &'a DataFrame,
) -> Result<Vec<FrameColumn<'a>>, PostgresError> {
    frame
        .columns()
        .iter()
        .map(|c| {
            let name = c.name().as_str();
            if name == RUN_DATE || name == RUN_ID {
                return Err(PostgresError::ReservedColumn {
                    table: q.display(),
                    column: name.to_string(),
                });
            }
            check_name("column", name)?;
            let source = Source::of(c.dtype()).ok_or_else(|| PostgresError::UnsupportedType {
                table: q.display(),
                column: name.to_string(),
                dtype: c.dtype().to_string(),
            })?;
            Ok(FrameColumn {
                name,
                series: c.as_materialized_series(),
                source,
            })
        })
        .collect()
}

/// `CREATE TABLE IF NOT EXISTS` with the sink's two columns first, then the frame's, and the
/// `run_date` index (see docs/postgres.md).
pub(crate) fn create_table(q: &Qualified, cols: &[FrameColumn<'_>]) -> String {
    let mut lines = vec![
        format!("    {} date NOT NULL", quote(RUN_DATE)),
        format!("    {} text", quote(RUN_ID)),
    ];
    lines.extend(
        cols.iter()
            .map(|c| format!("    {} {}", quote(c.name), c.source.ddl_type())),
    );
    format!(
        "CREATE TABLE IF NOT EXISTS {t} (\n{}\n);\nCREATE INDEX IF NOT EXISTS {} ON {t} ({});\n",
        lines.join(",\n"),
        quote(&index_name(&q.table)),
        quote(RUN_DATE),
        t = q.sql(),
    )
}

/// `ALTER TABLE … ADD COLUMN IF NOT EXISTS` for frame columns the table lacks (nullable).
pub(crate) fn add_columns(q: &Qualified, missing: &[&FrameColumn<'_>]) -> String {
    let adds: Vec<String> = missing
        .iter()
        .map(|c| {
            format!(
                "ADD COLUMN IF NOT EXISTS {} {}",
                quote(c.name),
                c.source.ddl_type()
            )
        })
        .collect();
    format!("ALTER TABLE {} {}", q.sql(), adds.join(", "))
}

/// The quoted column list of the COPY and the INSERT: run_date, run_id, frame columns.
pub(crate) fn column_list(cols: &[FrameColumn<'_>]) -> String {
    let mut names = vec![quote(RUN_DATE), quote(RUN_ID)];
    names.extend(cols.iter().map(|c| quote(c.name)));
    names.join(", ")
}

/// A temporary table with exactly the COPY's columns, typed as in the target table (so the
/// binary encoding matches), dropped at commit.
pub(crate) fn create_staging(q: &Qualified, cols: &[FrameColumn<'_>]) -> String {
    format!(
        "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
        quote(STAGING),
        column_list(cols),
        q.sql()
    )
}

/// Drops the staging table (it would go at commit anyway; several tables share a transaction).
pub(crate) fn drop_staging() -> String {
    format!("DROP TABLE IF EXISTS pg_temp.{}", quote(STAGING))
}

/// The binary COPY into the staging table.
pub(crate) fn copy_in(cols: &[FrameColumn<'_>]) -> String {
    format!(
        "COPY pg_temp.{} ({}) FROM STDIN (FORMAT binary)",
        quote(STAGING),
        column_list(cols)
    )
}

/// Blocks other writers of the table (readers go on) until commit, so two runs publishing
/// the same date cannot both delete and then both insert.
pub(crate) fn lock(q: &Qualified) -> String {
    format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", q.sql())
}

/// Deletes the partition (`$1` = run_date).
pub(crate) fn delete_partition(q: &Qualified) -> String {
    format!("DELETE FROM {} WHERE {} = $1", q.sql(), quote(RUN_DATE))
}

/// Moves the staged rows into the table.
pub(crate) fn insert_staged(q: &Qualified, cols: &[FrameColumn<'_>]) -> String {
    let list = column_list(cols);
    format!(
        "INSERT INTO {} ({list}) SELECT {list} FROM pg_temp.{}",
        q.sql(),
        quote(STAGING)
    )
}

/// The table's columns: name, type oid, type as SQL text (`$1` schema, `$2` table);
/// no rows when the table does not exist.
pub(crate) const TABLE_COLUMNS: &str = "SELECT a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod) \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') \
     AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// The `relkind` (as text) of `$1`.`$2`; no row when nothing has that name.
pub(crate) const RELATION_KIND: &str = "SELECT c.relkind::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2";

/// What a `pg_class.relkind` is, in words.
pub(crate) fn relation_kind(kind: &str) -> &'static str {
    match kind {
        "v" => "view",
        "m" => "materialized view",
        "S" => "sequence",
        "f" => "foreign table",
        "i" | "I" => "index",
        "c" => "composite type",
        _ => "relation that is not a table",
    }
}

/// Whether the schema exists (`$1`).
pub(crate) const SCHEMA_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)";

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{DataType, IntoColumn, NamedFrom};

    fn frame() -> DataFrame {
        let factors = Series::new("f".into(), ["a", "b"]);
        let cols = vec![
            Series::new("account_id".into(), ["a1"]).into_column(),
            Series::new("risk_score".into(), [42i32]).into_column(),
            Series::new("probability".into(), [0.42f64]).into_column(),
            Series::new("alert".into(), [true]).into_column(),
            Series::new("top_factors".into(), [factors]).into_column(),
            Series::new("due \"by\"".into(), [19_723i32])
                .cast(&DataType::Date)
                .expect("date")
                .into_column(),
        ];
        DataFrame::new(1, cols).expect("frame")
    }

    #[test]
    fn documented_ddl_for_a_frame() {
        let q = Qualified::new("vigil", "risk_scores").expect("names");
        let df = frame();
        let cols = frame_columns(&q, &df).expect("columns");
        assert_eq!(
            create_table(&q, &cols),
            "CREATE TABLE IF NOT EXISTS \"vigil\".\"risk_scores\" (\n    \"run_date\" date NOT NULL,\n    \
             \"run_id\" text,\n    \"account_id\" text,\n    \"risk_score\" integer,\n    \
             \"probability\" double precision,\n    \"alert\" boolean,\n    \"top_factors\" jsonb,\n    \
             \"due \"\"by\"\"\" date\n);\nCREATE INDEX IF NOT EXISTS \"risk_scores_run_date_idx\" ON \
             \"vigil\".\"risk_scores\" (\"run_date\");\n"
        );
    }

    #[test]
    fn statements_name_every_column_in_the_same_order() {
        let q = Qualified::new("s", "t").expect("names");
        let df = frame();
        let cols = frame_columns(&q, &df).expect("columns");
        let list = column_list(&cols);
        assert!(
            list.starts_with("\"run_date\", \"run_id\", \"account_id\""),
            "{list}"
        );
        assert!(copy_in(&cols).contains(&list));
        assert!(insert_staged(&q, &cols).ends_with(&format!("SELECT {list} FROM pg_temp.\"vigil_staging\"")));
        assert_eq!(
            add_columns(&q, &[&cols[1], &cols[3]]),
            "ALTER TABLE \"s\".\"t\" ADD COLUMN IF NOT EXISTS \"risk_score\" integer, \
             ADD COLUMN IF NOT EXISTS \"alert\" boolean"
        );
    }

    #[test]
    fn bad_names_and_columns_are_rejected_with_the_table_named() {
        assert!(Qualified::new("", "t").is_err());
        assert!(
            Qualified::new("s", &"x".repeat(60)).is_err(),
            "index name would be truncated"
        );
        let q = Qualified::new("vigil", "risk_scores").expect("names");
        let df = DataFrame::new(1, vec![Series::new("run_date".into(), ["x"]).into_column()]).expect("df");
        let e = frame_columns(&q, &df).expect_err("reserved");
        assert!(
            e.to_string().contains("vigil.risk_scores") && e.to_string().contains("run_date"),
            "{e}"
        );
        let df = DataFrame::new(1, vec![Series::new("blob".into(), [&b"x"[..]]).into_column()]).expect("df");
        let e = frame_columns(&q, &df).expect_err("binary");
        assert!(e.to_string().contains("blob"), "{e}");
    }
}
