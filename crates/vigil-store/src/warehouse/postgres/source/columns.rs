//! The result's columns: how each PostgreSQL type is read (with the cast the SELECT adds
//! where the binary format is not one vigil decodes), and the typed builders the rows are
//! appended to, column by column, without a per-row value vector.

use std::error::Error;

use polars::prelude::{
    BooleanChunkedBuilder, ChunkedBuilder, Column, DataType, Float64Type, Int32Type, Int64Type, IntoColumn,
    IntoSeries, PolarsResult, PrimitiveChunkedBuilder, StringChunkedBuilder, TimeUnit,
};
use tokio_postgres::binary_copy::BinaryCopyOutRow;
use tokio_postgres::types::{FromSql, Kind, Type};

use super::PgSourceError;
use crate::warehouse::postgres::sql::quote;

/// Microseconds from 1970-01-01 (polars) to 2000-01-01 (PostgreSQL's epoch).
const PG_EPOCH_US: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;

/// How one column's binary values are decoded, and into which polars dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decode {
    /// text, varchar, bpchar, name (and what the SELECT casts to text) → String.
    Text,
    /// int2 → Int64.
    Int2,
    /// int4 → Int64.
    Int4,
    /// int8 → Int64.
    Int8,
    /// float4 → Float64.
    Float4,
    /// float8 (and numeric, cast to float8) → Float64.
    Float8,
    /// bool → Boolean.
    Bool,
    /// date → Date.
    Date,
    /// timestamp → Datetime(µs), no time zone.
    Timestamp,
    /// timestamptz → Datetime(µs) holding the UTC instant (vigil's convention for naive
    /// datetimes; its polars build has no time zone support).
    Timestamptz,
}

impl Decode {
    /// The type the COPY sends for this column (after the SELECT's cast).
    fn wire_type(self) -> Type {
        match self {
            Decode::Text => Type::TEXT,
            Decode::Int2 => Type::INT2,
            Decode::Int4 => Type::INT4,
            Decode::Int8 => Type::INT8,
            Decode::Float4 => Type::FLOAT4,
            Decode::Float8 => Type::FLOAT8,
            Decode::Bool => Type::BOOL,
            Decode::Date => Type::DATE,
            Decode::Timestamp => Type::TIMESTAMP,
            Decode::Timestamptz => Type::TIMESTAMPTZ,
        }
    }
}

/// One result column as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnPlan {
    /// The column's name in the result (and the frame).
    pub name: String,
    /// How its values are decoded.
    pub decode: Decode,
    /// The cast the SELECT applies (`float8` or `text`), if any.
    pub cast: Option<&'static str>,
}

impl ColumnPlan {
    /// The select-list item: the quoted name, cast (and renamed back) where needed.
    fn select_item(&self) -> String {
        let name = quote(&self.name);
        match self.cast {
            Some(cast) => format!("{name}::{cast} AS {name}"),
            None => name,
        }
    }
}

/// How each result column is read; an unsupported type or a repeated name is an error
/// naming the column (and, for a type, the cast to add).
pub(crate) fn plan(table: &str, columns: &[(String, Type)]) -> Result<Vec<ColumnPlan>, PgSourceError> {
    let mut plans: Vec<ColumnPlan> = Vec::with_capacity(columns.len());
    for (name, ty) in columns {
        if plans.iter().any(|p| &p.name == name) {
            return Err(PgSourceError::DuplicateColumn {
                table: table.to_string(),
                column: name.clone(),
            });
        }
        let (decode, cast) = decode_of(ty).ok_or_else(|| PgSourceError::UnsupportedType {
            table: table.to_string(),
            column: name.clone(),
            pg_type: ty.name().to_string(),
            cast: format!("{n}::text AS {n}", n = hint_ident(name)),
        })?;
        plans.push(ColumnPlan {
            name: name.clone(),
            decode,
            cast,
        });
    }
    Ok(plans)
}

/// How a type is read: the decoder and the cast the SELECT adds; `None` when unsupported.
/// An enum is read as its label. (A domain column is reported as its base type.)
fn decode_of(ty: &Type) -> Option<(Decode, Option<&'static str>)> {
    let plain = |d: Decode| Some((d, None));
    let cast = |d: Decode, to: &'static str| Some((d, Some(to)));
    match *ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => plain(Decode::Text),
        Type::UUID | Type::JSON | Type::JSONB => cast(Decode::Text, "text"),
        Type::INT2 => plain(Decode::Int2),
        Type::INT4 => plain(Decode::Int4),
        Type::INT8 => plain(Decode::Int8),
        Type::FLOAT4 => plain(Decode::Float4),
        Type::FLOAT8 => plain(Decode::Float8),
        // The binary numeric format needs a decimal type: the server converts it.
        Type::NUMERIC => cast(Decode::Float8, "float8"),
        Type::BOOL => plain(Decode::Bool),
        Type::DATE => plain(Decode::Date),
        Type::TIMESTAMP => plain(Decode::Timestamp),
        Type::TIMESTAMPTZ => plain(Decode::Timestamptz),
        _ if matches!(ty.kind(), Kind::Enum(_)) => cast(Decode::Text, "text"),
        _ => None,
    }
}

/// A column name as a user would type it in a query: bare when it needs no quotes.
fn hint_ident(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare { name.to_string() } else { quote(name) }
}

/// `SELECT <items> FROM <from>`, each column cast as planned.
pub(crate) fn select(plans: &[ColumnPlan], from: &str) -> String {
    let items: Vec<String> = plans.iter().map(ColumnPlan::select_item).collect();
    format!("SELECT {} FROM {from}", items.join(", "))
}

/// The types the binary COPY sends, in column order.
pub(crate) fn wire_types(plans: &[ColumnPlan]) -> Vec<Type> {
    plans.iter().map(|p| p.decode.wire_type()).collect()
}

/// A date as days since 1970-01-01; ±infinity and dates polars cannot hold are errors.
struct Days(i32);

impl<'a> FromSql<'a> for Days {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let days = i32::from_be_bytes(raw.try_into()?);
        if days == i32::MAX || days == i32::MIN {
            return Err(INFINITY.into());
        }
        let shifted = days.checked_add(PG_EPOCH_DAYS).ok_or("date out of range")?;
        Ok(Days(shifted))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }
}

/// A timestamp as microseconds since 1970-01-01 (UTC for timestamptz).
struct Micros(i64);

impl<'a> FromSql<'a> for Micros {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let us = i64::from_be_bytes(raw.try_into()?);
        if us == i64::MAX || us == i64::MIN {
            return Err(INFINITY.into());
        }
        let shifted = us.checked_add(PG_EPOCH_US).ok_or("timestamp out of range")?;
        Ok(Micros(shifted))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::TIMESTAMP | Type::TIMESTAMPTZ)
    }
}

const INFINITY: &str = "the value is infinity or -infinity, which vigil cannot read; filter it out or \
                        replace it (CASE …) in a query";

/// The values of one column so far.
pub(crate) enum Builder {
    /// String.
    Text(StringChunkedBuilder),
    /// Int64 (from int2, int4, int8).
    Int(PrimitiveChunkedBuilder<Int64Type>, Decode),
    /// Float64 (from float4, float8).
    Float(PrimitiveChunkedBuilder<Float64Type>, Decode),
    /// Boolean.
    Bool(BooleanChunkedBuilder),
    /// Date, as days since 1970-01-01.
    Date(PrimitiveChunkedBuilder<Int32Type>),
    /// Datetime(µs) as microseconds since 1970-01-01 (UTC for timestamptz).
    Datetime(PrimitiveChunkedBuilder<Int64Type>),
}

impl Builder {
    /// An empty builder for the column.
    pub(crate) fn new(plan: &ColumnPlan) -> Self {
        let name = plan.name.as_str().into();
        let cap = 1024;
        match plan.decode {
            Decode::Text => Builder::Text(StringChunkedBuilder::new(name, cap)),
            d @ (Decode::Int2 | Decode::Int4 | Decode::Int8) => {
                Builder::Int(PrimitiveChunkedBuilder::new(name, cap), d)
            }
            d @ (Decode::Float4 | Decode::Float8) => {
                Builder::Float(PrimitiveChunkedBuilder::new(name, cap), d)
            }
            Decode::Bool => Builder::Bool(BooleanChunkedBuilder::new(name, cap)),
            Decode::Date => Builder::Date(PrimitiveChunkedBuilder::new(name, cap)),
            Decode::Timestamp | Decode::Timestamptz => {
                Builder::Datetime(PrimitiveChunkedBuilder::new(name, cap))
            }
        }
    }

    /// Appends the row's value of column `idx`.
    pub(crate) fn push(&mut self, row: &BinaryCopyOutRow, idx: usize) -> Result<(), tokio_postgres::Error> {
        match self {
            Builder::Text(b) => b.append_option(row.try_get::<Option<&str>>(idx)?),
            Builder::Int(b, Decode::Int2) => b.append_option(row.try_get::<Option<i16>>(idx)?.map(i64::from)),
            Builder::Int(b, Decode::Int4) => b.append_option(row.try_get::<Option<i32>>(idx)?.map(i64::from)),
            Builder::Int(b, _) => b.append_option(row.try_get::<Option<i64>>(idx)?),
            Builder::Float(b, Decode::Float4) => {
                b.append_option(row.try_get::<Option<f32>>(idx)?.map(f64::from))
            }
            Builder::Float(b, _) => b.append_option(row.try_get::<Option<f64>>(idx)?),
            Builder::Bool(b) => b.append_option(row.try_get::<Option<bool>>(idx)?),
            Builder::Date(b) => b.append_option(row.try_get::<Option<Days>>(idx)?.map(|d| d.0)),
            Builder::Datetime(b) => b.append_option(row.try_get::<Option<Micros>>(idx)?.map(|t| t.0)),
        }
        Ok(())
    }

    /// The finished column, with its logical dtype.
    pub(crate) fn finish(self) -> PolarsResult<Column> {
        let series = match self {
            Builder::Text(b) => b.finish().into_series(),
            Builder::Int(b, _) => b.finish().into_series(),
            Builder::Float(b, _) => b.finish().into_series(),
            Builder::Bool(b) => b.finish().into_series(),
            Builder::Date(b) => b.finish().into_series().cast(&DataType::Date)?,
            Builder::Datetime(b) => b
                .finish()
                .into_series()
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
        };
        Ok(series.into_column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(spec: &[(&str, Type)]) -> Vec<(String, Type)> {
        spec.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
    }

    #[test]
    fn types_map_to_decoders_and_casts() {
        let columns = cols(&[
            ("id", Type::UUID),
            ("name", Type::VARCHAR),
            ("n", Type::INT2),
            ("amount", Type::NUMERIC),
            ("doc", Type::JSONB),
            ("at", Type::TIMESTAMPTZ),
        ]);
        let plans = plan("tickets", &columns).expect("supported");
        let got: Vec<(Decode, Option<&str>)> = plans.iter().map(|p| (p.decode, p.cast)).collect();
        assert_eq!(
            got,
            [
                (Decode::Text, Some("text")),
                (Decode::Text, None),
                (Decode::Int2, None),
                (Decode::Float8, Some("float8")),
                (Decode::Text, Some("text")),
                (Decode::Timestamptz, None),
            ]
        );
        assert_eq!(
            select(&plans, "\"crm\".\"t\""),
            "SELECT \"id\"::text AS \"id\", \"name\", \"n\", \"amount\"::float8 AS \"amount\", \
             \"doc\"::text AS \"doc\", \"at\" FROM \"crm\".\"t\""
        );
        assert_eq!(
            wire_types(&plans),
            [
                Type::TEXT,
                Type::TEXT,
                Type::INT2,
                Type::FLOAT8,
                Type::TEXT,
                Type::TIMESTAMPTZ
            ]
        );
    }

    #[test]
    fn unsupported_types_and_repeated_names_are_named() {
        let e = plan("tickets", &cols(&[("Where", Type::POINT)])).expect_err("point");
        let msg = e.to_string();
        assert!(
            msg.starts_with("table tickets: column Where has PostgreSQL type point")
                && msg.contains("SELECT …, \"Where\"::text AS \"Where\" FROM …"),
            "{msg}"
        );
        assert!(e.is_usage());
        let e = plan("t", &cols(&[("loc", Type::POINT_ARRAY)])).expect_err("array");
        assert!(e.to_string().contains("loc::text AS loc"), "{e}");
        let e = plan("accounts", &cols(&[("id", Type::INT4), ("id", Type::TEXT)])).expect_err("dup");
        assert!(
            e.to_string()
                .starts_with("table accounts: the result has more than one column named id"),
            "{e}"
        );
    }

    #[test]
    fn dates_and_timestamps_shift_to_the_unix_epoch_and_refuse_infinity() {
        let day = |v: i32| Days::from_sql(&Type::DATE, &v.to_be_bytes()).map(|d| d.0);
        assert_eq!(day(0).expect("2000-01-01"), 10_957);
        assert!(
            day(i32::MAX)
                .expect_err("infinity")
                .to_string()
                .contains("infinity")
        );
        assert!(day(i32::MAX - 1).is_err(), "beyond polars' range after the shift");
        let us = |v: i64| Micros::from_sql(&Type::TIMESTAMPTZ, &v.to_be_bytes()).map(|t| t.0);
        assert_eq!(us(0).expect("2000-01-01T00:00:00Z"), 946_684_800_000_000);
        assert!(
            us(i64::MIN)
                .expect_err("-infinity")
                .to_string()
                .contains("infinity")
        );
        assert!(
            Micros::from_sql(&Type::TIMESTAMP, &[0, 1]).is_err(),
            "short value"
        );
    }
}
