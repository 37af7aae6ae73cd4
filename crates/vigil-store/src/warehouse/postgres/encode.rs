//! Frame columns → COPY cells (one batch of rows at a time, column by column), and nested
//! values (lists, structs) → JSON.
//!
//! Values PostgreSQL would reject are caught here with the row and the nested path, so the
//! error names them (text with a NUL byte: PostgreSQL's `text` and `jsonb` cannot hold one;
//! an unsigned integer beyond `bigint`; a date outside chrono's range).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use polars::prelude::{DataType, PolarsError, Series, TimeUnit};
use serde_json::{Map, Value};

use super::types::{Cell, Target};

/// A value the sink cannot write, or a frame column it could not read.
#[derive(Debug, PartialEq)]
pub(crate) struct ValueError {
    /// Row within the encoded series; `None` when the problem is not one value's.
    pub row: Option<usize>,
    /// Where inside a nested value (`[].phrase`); empty at the top level.
    pub path: String,
    /// What is wrong (never the text itself: it may be customer text).
    pub problem: String,
}

impl ValueError {
    fn at(row: usize, problem: impl Into<String>) -> Self {
        Self {
            row: Some(row),
            path: String::new(),
            problem: problem.into(),
        }
    }

    /// The same error seen from one level up: `row` (for lists) and a path prefix.
    fn within(mut self, row: Option<usize>, step: &str) -> Self {
        if row.is_some() {
            self.row = row;
        }
        self.path.insert_str(0, step);
        self
    }
}

impl From<PolarsError> for ValueError {
    fn from(e: PolarsError) -> Self {
        Self {
            row: None,
            path: String::new(),
            problem: e.to_string(),
        }
    }
}

const NUL: &str = "text contains a NUL byte (\\0), which PostgreSQL cannot store; remove it upstream";

/// The cells of one column (a slice of the frame), converted for `target`.
pub(crate) fn cells(s: &Series, target: Target) -> Result<Vec<Cell<'_>>, ValueError> {
    let cells = match target {
        Target::Null => (0..s.len()).map(|_| Cell::Null).collect(),
        Target::Text => s
            .str()?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(t) if t.contains('\0') => Err(ValueError::at(i, NUL)),
                Some(t) => Ok(Cell::Text(t)),
                None => Ok(Cell::Null),
            })
            .collect::<Result<_, _>>()?,
        Target::Bool => s
            .bool()?
            .iter()
            .map(|v| v.map_or(Cell::Null, Cell::Bool))
            .collect(),
        Target::Int4 => {
            let c = s.cast(&DataType::Int32)?;
            c.i32()?.iter().map(|v| v.map_or(Cell::Null, Cell::I32)).collect()
        }
        Target::Int8 if s.dtype() == &DataType::UInt64 => s
            .u64()?
            .iter()
            .enumerate()
            .map(|(i, v)| match v.map(i64::try_from) {
                None => Ok(Cell::Null),
                Some(Ok(x)) => Ok(Cell::I64(x)),
                Some(Err(_)) => Err(ValueError::at(i, format!("value {v:?} does not fit bigint"))),
            })
            .collect::<Result<_, _>>()?,
        Target::Int8 => {
            let c = s.cast(&DataType::Int64)?;
            c.i64()?.iter().map(|v| v.map_or(Cell::Null, Cell::I64)).collect()
        }
        Target::Float8 => {
            let c = s.cast(&DataType::Float64)?;
            c.f64()?.iter().map(|v| v.map_or(Cell::Null, Cell::F64)).collect()
        }
        Target::Date => dates(s)?
            .into_iter()
            .map(|v| v.map_or(Cell::Null, Cell::Date))
            .collect(),
        Target::Timestamptz => datetimes(s)?
            .into_iter()
            .map(|v| v.map_or(Cell::Null, Cell::Ts))
            .collect(),
        Target::Json => json_values(s)?
            .into_iter()
            .map(|v| if v.is_null() { Cell::Null } else { Cell::Json(v) })
            .collect(),
    };
    Ok(cells)
}

/// Days since 1970-01-01 → date.
fn date_from_days(days: i32) -> Option<NaiveDate> {
    days.checked_add(719_163)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn dates(s: &Series) -> Result<Vec<Option<NaiveDate>>, ValueError> {
    s.date()?
        .physical()
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            None => Ok(None),
            Some(d) => date_from_days(d)
                .map(Some)
                .ok_or_else(|| ValueError::at(i, format!("date {d} days from 1970-01-01 is out of range"))),
        })
        .collect()
}

/// Datetime values as UTC instants; naive values are UTC by vigil's convention, and
/// zoned ones are stored by polars as UTC instants already.
fn datetimes(s: &Series) -> Result<Vec<Option<DateTime<Utc>>>, ValueError> {
    let ca = s.datetime()?;
    let unit = ca.time_unit();
    ca.physical()
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            None => Ok(None),
            Some(x) => {
                let t = match unit {
                    TimeUnit::Nanoseconds => Some(DateTime::from_timestamp_nanos(x)),
                    TimeUnit::Microseconds => DateTime::from_timestamp_micros(x),
                    TimeUnit::Milliseconds => DateTime::from_timestamp_millis(x),
                };
                t.map(Some)
                    .ok_or_else(|| ValueError::at(i, format!("timestamp {x} ({unit}) is out of range")))
            }
        })
        .collect()
}

/// Every value of `s` as JSON (lists → arrays, structs → objects, dates → `YYYY-MM-DD`,
/// datetimes → RFC 3339 UTC, NaN and infinities → null); nulls are JSON null.
pub(crate) fn json_values(s: &Series) -> Result<Vec<Value>, ValueError> {
    let n = s.len();
    let values = match s.dtype() {
        DataType::Null => vec![Value::Null; n],
        DataType::Boolean => s
            .bool()?
            .iter()
            .map(|v| v.map_or(Value::Null, Value::Bool))
            .collect(),
        DataType::String => s
            .str()?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(t) if t.contains('\0') => Err(ValueError::at(i, NUL)),
                Some(t) => Ok(Value::String(t.to_owned())),
                None => Ok(Value::Null),
            })
            .collect::<Result<_, _>>()?,
        DataType::UInt64 => s
            .u64()?
            .iter()
            .map(|v| v.map_or(Value::Null, Value::from))
            .collect(),
        DataType::Float32 | DataType::Float64 => {
            let c = s.cast(&DataType::Float64)?;
            c.f64()?
                .iter()
                .map(|v| v.map_or(Value::Null, Value::from))
                .collect()
        }
        d if d.is_integer() => {
            let c = s.cast(&DataType::Int64)?;
            c.i64()?
                .iter()
                .map(|v| v.map_or(Value::Null, Value::from))
                .collect()
        }
        DataType::Date => dates(s)?
            .into_iter()
            .map(|v| v.map_or(Value::Null, |d| Value::String(d.format("%Y-%m-%d").to_string())))
            .collect(),
        DataType::Datetime(_, _) => datetimes(s)?
            .into_iter()
            .map(|v| {
                v.map_or(Value::Null, |t| {
                    Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                })
            })
            .collect(),
        DataType::List(_) => s
            .list()?
            .series_iter()
            .enumerate()
            .map(|(i, v)| match v {
                None => Ok(Value::Null),
                Some(inner) => json_values(&inner)
                    .map(Value::Array)
                    .map_err(|e| e.within(Some(i), "[]")),
            })
            .collect::<Result<_, _>>()?,
        DataType::Struct(_) => struct_values(s)?,
        other => {
            return Err(ValueError {
                row: None,
                path: String::new(),
                problem: format!("values of type {other} cannot be written as JSON"),
            });
        }
    };
    Ok(values)
}

/// A struct column as JSON objects, field by field (null structs → null).
fn struct_values(s: &Series) -> Result<Vec<Value>, ValueError> {
    let ca = s.struct_()?;
    let mut fields = Vec::new();
    for f in ca.fields_as_series() {
        let name = f.name().to_string();
        let values = json_values(&f).map_err(|e| e.within(None, &format!(".{name}")))?;
        fields.push((name, values.into_iter()));
    }
    let nulls = s.is_null();
    let mut out = Vec::with_capacity(s.len());
    for is_null in nulls.iter() {
        let mut obj = Map::new();
        for (name, values) in &mut fields {
            obj.insert(name.clone(), values.next().unwrap_or(Value::Null));
        }
        out.push(if is_null == Some(true) {
            Value::Null
        } else {
            Value::Object(obj)
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{IntoSeries, NamedFrom, StructChunked};
    use serde_json::json;

    fn factors() -> Series {
        let feature = Series::new("feature".into(), ["tickets_7d", "nps_last"]);
        let value = Series::new("value".into(), [Some(4.0), None]);
        let contribution = Series::new("contribution".into(), [0.31, f64::NAN]);
        StructChunked::from_series("f".into(), 2, [feature, value, contribution].iter())
            .expect("struct")
            .into_series()
    }

    #[test]
    fn struct_and_list_values_become_json() {
        let one = factors();
        let list = Series::new(
            "top_factors".into(),
            [Some(one.clone()), None, Some(one.slice(1, 1))],
        );
        let got = json_values(&list).expect("json");
        assert_eq!(
            got,
            vec![
                json!([
                    {"feature": "tickets_7d", "value": 4.0, "contribution": 0.31},
                    {"feature": "nps_last", "value": null, "contribution": null}
                ]),
                Value::Null,
                json!([{"feature": "nps_last", "value": null, "contribution": null}]),
            ]
        );
    }

    #[test]
    fn dates_and_datetimes_in_json_are_iso_strings() {
        let d = Series::new("d".into(), [Some(19_723i32), None])
            .cast(&DataType::Date)
            .expect("date");
        assert_eq!(
            json_values(&d).expect("json"),
            vec![json!("2024-01-01"), Value::Null]
        );
        let t = Series::new("t".into(), [1_704_067_200_000_000i64 + 1_500_000])
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .expect("datetime");
        assert_eq!(
            json_values(&t).expect("json"),
            vec![json!("2024-01-01T00:00:01.500Z")]
        );
    }

    #[test]
    fn nul_bytes_are_reported_with_row_and_nested_path() {
        let text = Series::new("body".into(), ["fine", "bad\0text"]);
        let Err(e) = cells(&text, Target::Text) else {
            panic!("NUL accepted")
        };
        assert_eq!((e.row, e.path.as_str()), (Some(1), ""));

        let phrase = Series::new("phrase".into(), ["ok", "secret\0text"]);
        let st = StructChunked::from_series("f".into(), 2, [phrase].iter())
            .expect("struct")
            .into_series();
        let list = Series::new("top_factors".into(), [st.slice(0, 1), st.slice(0, 1), st]);
        let e = json_values(&list).expect_err("NUL accepted in JSON");
        assert_eq!((e.row, e.path.as_str()), (Some(2), "[].phrase"));
        assert!(
            !e.problem.contains("secret"),
            "the text itself is not in the message"
        );
    }

    #[test]
    fn unsigned_beyond_bigint_is_an_error_naming_the_row() {
        let s = Series::new("n".into(), [1u64, u64::MAX]);
        let e = cells(&s, Target::Int8).expect_err("overflow accepted");
        assert_eq!(e.row, Some(1));
        assert!(e.problem.contains("18446744073709551615"), "{}", e.problem);
    }

    #[test]
    fn cells_widen_integers_and_keep_nulls() {
        let s = Series::new("n".into(), [Some(3i32), None]);
        let got = cells(&s, Target::Int8).expect("cells");
        assert!(matches!(got.as_slice(), [Cell::I64(3), Cell::Null]), "{got:?}");
        let s = Series::new("x".into(), [1.5f32]);
        assert!(matches!(cells(&s, Target::Float8).expect("cells").as_slice(), [Cell::F64(v)] if *v == 1.5));
    }
}
