//! How polars dtypes map to PostgreSQL column types, which existing column types a frame
//! column may still be written into, and the cell values the binary COPY encodes.

use std::error::Error;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::DataType;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// What a frame column is, as far as PostgreSQL is concerned: the class of polars dtypes
/// that encode the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `String`.
    Text,
    /// `Boolean`.
    Bool,
    /// Integers that fit `integer`: Int8, Int16, Int32, UInt8, UInt16.
    SmallInt,
    /// Integers that need `bigint`: Int64, UInt32, UInt64 (range-checked per value).
    BigInt,
    /// Float32, Float64.
    Float,
    /// `Date`.
    Date,
    /// `Datetime` with any time unit; naive values are taken as UTC (vigil's convention).
    Datetime,
    /// `List` and `Struct`, written as JSON.
    Nested,
    /// The `Null` dtype (a column with no values): written as NULL into any column type.
    Null,
}

impl Source {
    /// The class of a polars dtype, or `None` when the sink cannot write it.
    pub(crate) fn of(dtype: &DataType) -> Option<Self> {
        Some(match dtype {
            DataType::String => Self::Text,
            DataType::Boolean => Self::Bool,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
                Self::SmallInt
            }
            DataType::Int64 | DataType::UInt32 | DataType::UInt64 => Self::BigInt,
            DataType::Float32 | DataType::Float64 => Self::Float,
            DataType::Date => Self::Date,
            DataType::Datetime(_, _) => Self::Datetime,
            DataType::List(_) | DataType::Struct(_) if json_writable(dtype) => Self::Nested,
            DataType::Null => Self::Null,
            _ => return None,
        })
    }

    /// The column type vigil creates for this class (the documented DDL).
    pub(crate) fn ddl_type(self) -> &'static str {
        match self {
            Self::Text | Self::Null => "text",
            Self::Bool => "boolean",
            Self::SmallInt => "integer",
            Self::BigInt => "bigint",
            Self::Float => "double precision",
            Self::Date => "date",
            Self::Datetime => "timestamptz",
            Self::Nested => "jsonb",
        }
    }

    /// How values of this class are encoded into an existing column of type `ty`, or `None`
    /// when they cannot be (vigil widens where it loses nothing, never narrows a column).
    pub(crate) fn target(self, ty: &Type) -> Option<Target> {
        let is = |types: &[Type]| types.contains(ty);
        let t = match self {
            Self::Null => Target::Null,
            Self::Text if is(&[Type::TEXT, Type::VARCHAR, Type::BPCHAR]) => Target::Text,
            Self::Bool if is(&[Type::BOOL]) => Target::Bool,
            Self::SmallInt if is(&[Type::INT4]) => Target::Int4,
            Self::SmallInt | Self::BigInt if is(&[Type::INT8]) => Target::Int8,
            Self::SmallInt | Self::BigInt | Self::Float if is(&[Type::FLOAT8]) => Target::Float8,
            Self::Date if is(&[Type::DATE]) => Target::Date,
            Self::Datetime if is(&[Type::TIMESTAMPTZ]) => Target::Timestamptz,
            Self::Nested if is(&[Type::JSONB, Type::JSON]) => Target::Json,
            _ => return None,
        };
        Some(t)
    }
}

/// Whether values of `dtype` can be written as JSON (see `encode::json_values`).
pub(crate) fn json_writable(dtype: &DataType) -> bool {
    match dtype {
        DataType::List(inner) => json_writable(inner),
        DataType::Struct(fields) => fields.iter().all(|f| json_writable(f.dtype())),
        other => !matches!(Source::of(other), None | Some(Source::Nested)),
    }
}

/// How one frame column is encoded: fixed per column before the COPY starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Every value NULL.
    Null,
    /// `text`, `varchar` or `char`.
    Text,
    /// `boolean`.
    Bool,
    /// `integer`.
    Int4,
    /// `bigint`.
    Int8,
    /// `double precision`.
    Float8,
    /// `date`.
    Date,
    /// `timestamptz`.
    Timestamptz,
    /// `jsonb` or `json`.
    Json,
}

/// One value of the COPY, already converted to what its column's type expects.
#[derive(Debug)]
pub(crate) enum Cell<'a> {
    /// SQL NULL.
    Null,
    /// Text, borrowed from the frame.
    Text(&'a str),
    /// `boolean`.
    Bool(bool),
    /// `integer`.
    I32(i32),
    /// `bigint`.
    I64(i64),
    /// `double precision`.
    F64(f64),
    /// `date`.
    Date(NaiveDate),
    /// `timestamptz`.
    Ts(DateTime<Utc>),
    /// `jsonb` / `json`.
    Json(serde_json::Value),
}

impl ToSql for Cell<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Cell::Null => Ok(IsNull::Yes),
            Cell::Text(v) => v.to_sql(ty, out),
            Cell::Bool(v) => v.to_sql(ty, out),
            Cell::I32(v) => v.to_sql(ty, out),
            Cell::I64(v) => v.to_sql(ty, out),
            Cell::F64(v) => v.to_sql(ty, out),
            Cell::Date(v) => v.to_sql(ty, out),
            Cell::Ts(v) => v.to_sql(ty, out),
            Cell::Json(v) => v.to_sql(ty, out),
        }
    }

    /// Every column's [`Target`] was checked against its type before the COPY started.
    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{Field, TimeUnit, TimeZone};

    #[test]
    fn dtype_to_ddl_type() {
        let cases = [
            (DataType::String, "text"),
            (DataType::Boolean, "boolean"),
            (DataType::Int32, "integer"),
            (DataType::Int64, "bigint"),
            (DataType::UInt32, "bigint"),
            (DataType::Float32, "double precision"),
            (DataType::Float64, "double precision"),
            (DataType::Date, "date"),
            (
                DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
                "timestamptz",
            ),
            (DataType::Datetime(TimeUnit::Nanoseconds, None), "timestamptz"),
            (DataType::List(Box::new(DataType::String)), "jsonb"),
            (
                DataType::Struct(vec![Field::new("a".into(), DataType::Int64)]),
                "jsonb",
            ),
        ];
        for (dtype, want) in cases {
            let got = Source::of(&dtype).map(Source::ddl_type);
            assert_eq!(got, Some(want), "{dtype:?}");
        }
        assert_eq!(Source::of(&DataType::Binary), None);
        assert_eq!(Source::of(&DataType::Time), None);
        assert_eq!(Source::of(&DataType::List(Box::new(DataType::Binary))), None);
        let nested = DataType::List(Box::new(DataType::Struct(vec![
            Field::new("when".into(), DataType::Date),
            Field::new("tags".into(), DataType::List(Box::new(DataType::String))),
        ])));
        assert_eq!(Source::of(&nested), Some(Source::Nested));
    }

    #[test]
    fn created_columns_always_accept_their_own_values() {
        let all = [
            Source::Text,
            Source::Bool,
            Source::SmallInt,
            Source::BigInt,
            Source::Float,
            Source::Date,
            Source::Datetime,
            Source::Nested,
            Source::Null,
        ];
        let by_name = |n: &str| match n {
            "text" => Type::TEXT,
            "boolean" => Type::BOOL,
            "integer" => Type::INT4,
            "bigint" => Type::INT8,
            "double precision" => Type::FLOAT8,
            "date" => Type::DATE,
            "timestamptz" => Type::TIMESTAMPTZ,
            _ => Type::JSONB,
        };
        for s in all {
            assert!(s.target(&by_name(s.ddl_type())).is_some(), "{s:?}");
        }
    }

    #[test]
    fn widening_is_allowed_narrowing_is_not() {
        assert_eq!(Source::SmallInt.target(&Type::INT8), Some(Target::Int8));
        assert_eq!(Source::BigInt.target(&Type::FLOAT8), Some(Target::Float8));
        assert_eq!(Source::Text.target(&Type::VARCHAR), Some(Target::Text));
        assert_eq!(Source::Nested.target(&Type::JSON), Some(Target::Json));
        assert_eq!(Source::BigInt.target(&Type::INT4), None);
        assert_eq!(Source::Float.target(&Type::INT8), None);
        assert_eq!(Source::Text.target(&Type::JSONB), None);
        assert_eq!(Source::Null.target(&Type::DATE), Some(Target::Null));
    }
}
