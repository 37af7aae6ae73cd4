//! Column types between polars frames and Delta tables.
//!
//! The Delta schema is derived from the polars schema (not from the Parquet file's embedded
//! Arrow schema): polars' Arrow types (`string_view`, `large_list`) are not Delta types, and
//! the mapping below says exactly what each Delta reader will see. Before a frame is written,
//! its columns are cast to the physical form of their Delta type, so the Parquet file and the
//! table schema agree for every reader (Spark, DuckDB, Python `deltalake`):
//!
//! | polars | Delta |
//! |---|---|
//! | Boolean | boolean |
//! | Int32 | integer |
//! | Int64, UInt32, UInt64, other integers | long |
//! | Float32 / Float64 | float / double |
//! | String, Categorical, Enum | string |
//! | Binary | binary |
//! | Date | date |
//! | Datetime (any unit, naive or zoned) | timestamp (µs, UTC) |
//! | List(T) | array<T> |
//! | Struct | struct |
//!
//! vigil's frames hold naive timestamps that mean UTC; they are stored as Delta `timestamp`
//! (UTC-adjusted µs, readable without the `timestampNtz` table feature) and come back naive.

use super::{DeltaError, PARTITION_COLUMN};
use deltalake::kernel::{ArrayType, DataType as DeltaType, StructField, StructType};
use polars::prelude::*;

/// Characters a Delta column name may not contain without column mapping.
const INVALID_NAME_CHARS: &[char] = &[' ', ',', ';', '{', '}', '(', ')', '\n', '\t', '='];

/// The polars type a column is written as, and its Delta type; `Err` says why it cannot be.
pub(super) fn map_type(dtype: &DataType) -> Result<(DataType, DeltaType), String> {
    Ok(match dtype {
        DataType::Boolean => (DataType::Boolean, DeltaType::BOOLEAN),
        DataType::Int32 => (DataType::Int32, DeltaType::INTEGER),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => (DataType::Int64, DeltaType::LONG),
        d if d.is_integer() => (DataType::Int64, DeltaType::LONG),
        DataType::Float32 => (DataType::Float32, DeltaType::FLOAT),
        DataType::Float64 => (DataType::Float64, DeltaType::DOUBLE),
        d if d.is_float() => (DataType::Float64, DeltaType::DOUBLE),
        DataType::String => (DataType::String, DeltaType::STRING),
        d if d.is_categorical() || d.is_enum() => (DataType::String, DeltaType::STRING),
        DataType::Binary => (DataType::Binary, DeltaType::BINARY),
        DataType::Date => (DataType::Date, DeltaType::DATE),
        DataType::Datetime(_, _) => (
            DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            DeltaType::TIMESTAMP,
        ),
        DataType::List(inner) => {
            let (p, d) = map_type(inner).map_err(|e| format!("list element {e}"))?;
            (
                DataType::List(Box::new(p)),
                DeltaType::Array(Box::new(ArrayType::new(d, true))),
            )
        }
        DataType::Struct(fields) => {
            let mut physical = Vec::with_capacity(fields.len());
            let mut delta = Vec::with_capacity(fields.len());
            for f in fields {
                check_name(f.name())?;
                let (p, d) = map_type(f.dtype()).map_err(|e| format!("field {:?} {e}", f.name().as_str()))?;
                physical.push(Field::new(f.name().clone(), p));
                delta.push(StructField::new(f.name().as_str(), d, true));
            }
            let st = DeltaType::try_struct_type(delta).map_err(|e| e.to_string())?;
            (DataType::Struct(physical), st)
        }
        DataType::Null => {
            return Err(
                "has no type (every value is null and no type was given): cast it to the \
                        type it will hold"
                    .into(),
            );
        }
        other => {
            return Err(format!(
                "has polars type {other}, which vigil does not write to Delta Lake (supported: \
                 boolean, integers, floats, string, binary, date, datetime, list, struct)"
            ));
        }
    })
}

/// Rejects names Delta cannot store without column mapping.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("has an empty name".into());
    }
    if let Some(c) = name.chars().find(|c| INVALID_NAME_CHARS.contains(c)) {
        return Err(format!(
            "has the character {c:?} in its name, which Delta Lake does not allow (rename it)"
        ));
    }
    Ok(())
}

/// A frame in its on-disk form, with the Delta fields of its columns (all nullable).
pub(super) struct Prepared {
    /// Columns cast to their physical Delta form.
    pub frame: DataFrame,
    /// One nullable Delta field per column, in frame order.
    pub fields: Vec<StructField>,
}

/// Casts every column to its Delta form; `table` names the table in errors.
pub(super) fn prepare(table: &str, frame: &DataFrame) -> Result<Prepared, DeltaError> {
    let mut columns = Vec::with_capacity(frame.width());
    let mut fields = Vec::with_capacity(frame.width());
    for col in frame.columns() {
        let name = col.name().as_str();
        let bad = |reason: String| DeltaError::InvalidColumn {
            table: table.to_string(),
            column: name.to_string(),
            reason,
        };
        if name == PARTITION_COLUMN {
            return Err(bad(
                "is the partition column; pass the frame without it (the partition value \
                            is the run date argument)"
                    .into(),
            ));
        }
        check_name(name).map_err(bad)?;
        let (physical, delta) = map_type(col.dtype()).map_err(bad)?;
        let cast = if col.dtype() == &physical {
            col.clone()
        } else {
            col.strict_cast(&physical)
                .map_err(|e| bad(format!("cannot be cast from {} to {physical}: {e}", col.dtype())))?
        };
        columns.push(cast);
        fields.push(StructField::new(name, delta, true));
    }
    let frame = DataFrame::new(frame.height(), columns).map_err(|e| DeltaError::Encode {
        table: table.to_string(),
        reason: e.to_string(),
    })?;
    Ok(Prepared { frame, fields })
}

/// The schema of a new table: `run_date` (the partition column) then the frame's columns.
pub(super) fn new_table_schema(table: &str, fields: &[StructField]) -> Result<StructType, DeltaError> {
    let all = std::iter::once(StructField::new(PARTITION_COLUMN, DeltaType::DATE, true))
        .chain(fields.iter().cloned());
    StructType::try_new(all).map_err(|e| DeltaError::InvalidColumn {
        table: table.to_string(),
        column: "(schema)".into(),
        reason: e.to_string(),
    })
}

/// The table schema merged with a frame's fields: new columns are appended (nullable); a
/// column whose type differs is an error naming both types. `None` when nothing changes.
pub(super) fn merge(
    table: &str,
    current: &StructType,
    fields: &[StructField],
) -> Result<Option<StructType>, DeltaError> {
    let mut added = Vec::new();
    for f in fields {
        match current.field(f.name()) {
            Some(existing) if existing.data_type() != f.data_type() => {
                return Err(DeltaError::TypeChange {
                    table: table.to_string(),
                    column: f.name().clone(),
                    old: type_name(existing.data_type()),
                    new: type_name(f.data_type()),
                });
            }
            Some(_) => {}
            None => added.push(f.clone()),
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    let columns: Vec<&str> = added.iter().map(|f| f.name().as_str()).collect();
    tracing::info!(table, ?columns, "schema evolution: new nullable columns");
    let merged = StructType::try_new(current.fields().cloned().chain(added)).map_err(|e| {
        DeltaError::InvalidColumn {
            table: table.to_string(),
            column: "(schema)".into(),
            reason: e.to_string(),
        }
    })?;
    Ok(Some(merged))
}

/// A Delta type as the table's JSON schema spells it (`long`, `array<struct<...>>`).
pub(super) fn type_name(t: &DeltaType) -> String {
    match t {
        DeltaType::Array(a) => format!("array<{}>", type_name(a.element_type())),
        DeltaType::Struct(s) => format!(
            "struct<{}>",
            s.fields()
                .map(|f| format!("{}: {}", f.name(), type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DeltaType::Map(m) => format!("map<{}, {}>", type_name(m.key_type()), type_name(m.value_type())),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{other:?}")),
    }
}

/// The polars type vigil reads a Delta type back as (timestamps naive, meaning UTC).
pub(super) fn polars_type(t: &DeltaType) -> Result<DataType, String> {
    use deltalake::kernel::PrimitiveType as P;
    Ok(match t {
        DeltaType::Primitive(p) => match p {
            P::String => DataType::String,
            P::Long => DataType::Int64,
            P::Integer | P::Short | P::Byte => DataType::Int32,
            P::Float => DataType::Float32,
            P::Double => DataType::Float64,
            P::Boolean => DataType::Boolean,
            P::Binary => DataType::Binary,
            P::Date => DataType::Date,
            P::Timestamp | P::TimestampNtz => DataType::Datetime(TimeUnit::Microseconds, None),
            other => return Err(format!("Delta type {other:?} is not read by vigil")),
        },
        DeltaType::Array(a) => DataType::List(Box::new(polars_type(a.element_type())?)),
        DeltaType::Struct(s) => DataType::Struct(
            s.fields()
                .map(|f| Ok(Field::new(f.name().as_str().into(), polars_type(f.data_type())?)))
                .collect::<Result<Vec<_>, String>>()?,
        ),
        other => return Err(format!("Delta type {} is not read by vigil", type_name(other))),
    })
}

/// The same type with every zoned datetime made naive (vigil's in-memory convention).
pub(super) fn naive(dtype: &DataType) -> DataType {
    match dtype {
        DataType::Datetime(tu, Some(_)) => DataType::Datetime(*tu, None),
        DataType::List(inner) => DataType::List(Box::new(naive(inner))),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| Field::new(f.name().clone(), naive(f.dtype())))
                .collect(),
        ),
        other => other.clone(),
    }
}
