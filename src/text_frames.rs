//! Labelled texts read out of data frames: an explicit labels table or user file
//! ([`from_frame`]) and weak labels from scores in the history ([`weak_labels`]).
//!
//! The frame-facing half of [`vigil_text::data`], kept in the application so that the text
//! crate does not depend on polars: these readers are its only use of data frames.

use polars::prelude::{AnyValue, Column, DataFrame, DataType};
use vigil_text::data::{LabelSpec, LabelledText};
use vigil_text::{RatingThresholds, Sentiment, TextError};

fn column<'a>(frame: &'a DataFrame, source: &str, name: &str) -> Result<&'a Column, TextError> {
    frame.column(name).map_err(|_| {
        let have: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
        TextError::InvalidInput(format!(
            "{source}: no column `{name}` (columns: {})",
            have.join(", ")
        ))
    })
}

/// Text of a cell as a string, or `None` for null.
fn cell_text(value: AnyValue<'_>) -> Option<String> {
    match value {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        other => Some(other.to_string()),
    }
}

/// Reads labelled texts from a frame. `source` names the table or file in errors; rows are
/// numbered from 1 (the first data row), as in the validation report.
///
/// Fails on a missing column, an empty or null text, a label the map does not name, and a
/// rating that is not a finite number; each error names source, column, row and value.
/// With `skip_missing_labels`, rows whose label or rating is null are left out instead (weak
/// labels such as CSAT exist only for some rows).
pub fn from_frame(
    frame: &DataFrame,
    source: &str,
    text_col: &str,
    spec: &LabelSpec,
    skip_missing_labels: bool,
) -> Result<Vec<LabelledText>, TextError> {
    let texts = column(frame, source, text_col)?
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(|e| TextError::InvalidInput(format!("{source}: column `{text_col}` is not text: {e}")))?;
    let labels = column(frame, source, spec.column())?;
    let texts = texts
        .str()
        .map_err(|e| TextError::InvalidInput(format!("{source}: {e}")))?;
    let mut out = Vec::with_capacity(frame.height());
    for row in 0..frame.height() {
        let row_no = row + 1;
        let raw = labels
            .get(row)
            .map_err(|e| TextError::InvalidInput(format!("{source}: {e}")))?;
        if skip_missing_labels && matches!(raw, AnyValue::Null) {
            continue;
        }
        let text = match texts.get(row) {
            Some(t) if !t.trim().is_empty() => t.to_string(),
            Some(_) => {
                return Err(TextError::InvalidInput(format!(
                    "{source}: column `{text_col}`, row {row_no}: empty text"
                )));
            }
            None => {
                return Err(TextError::InvalidInput(format!(
                    "{source}: column `{text_col}`, row {row_no}: missing text (null)"
                )));
            }
        };
        let raw = labels
            .get(row)
            .map_err(|e| TextError::InvalidInput(format!("{source}: {e}")))?;
        let label = label_of(raw, spec, source, row_no)?;
        out.push(LabelledText {
            text,
            label,
            source: source.to_string(),
        });
    }
    Ok(out)
}

fn label_of(
    raw: AnyValue<'_>,
    spec: &LabelSpec,
    source: &str,
    row_no: usize,
) -> Result<Sentiment, TextError> {
    let col = spec.column();
    let Some(value) = cell_text(raw) else {
        return Err(TextError::InvalidInput(format!(
            "{source}: column `{col}`, row {row_no}: missing label (null)"
        )));
    };
    match spec {
        LabelSpec::Labels { map, .. } => map.map(&value).ok_or_else(|| {
            TextError::InvalidInput(format!(
                "{source}: column `{col}`, row {row_no}: unknown label `{value}` (accepted: {}; use --label-map)",
                map.accepted().join(", ")
            ))
        }),
        LabelSpec::Ratings { thresholds, .. } => match value.trim().parse::<f64>() {
            Ok(r) if r.is_finite() => Ok(thresholds.label(r)),
            _ => Err(TextError::InvalidInput(format!(
                "{source}: column `{col}`, row {row_no}: rating `{value}` is not a number"
            ))),
        },
    }
}

/// Weak labels from the history: rows whose text is present and whose score is present become
/// labelled texts; rows missing either are skipped (weak labels are opportunistic).
/// `text_cols` are joined with ". " (e.g. ticket subject and body).
pub fn weak_labels(
    frame: &DataFrame,
    source: &str,
    text_cols: &[&str],
    score_col: &str,
    thresholds: RatingThresholds,
) -> Result<Vec<LabelledText>, TextError> {
    let mut parts = Vec::with_capacity(text_cols.len());
    for name in text_cols {
        let c = column(frame, source, name)?
            .as_materialized_series()
            .cast(&DataType::String);
        parts.push(c.map_err(|e| TextError::InvalidInput(format!("{source}.{name}: {e}")))?);
    }
    let scores = column(frame, source, score_col)?
        .as_materialized_series()
        .cast(&DataType::Float64)
        .map_err(|e| TextError::InvalidInput(format!("{source}.{score_col}: {e}")))?;
    let scores = scores
        .f64()
        .map_err(|e| TextError::InvalidInput(format!("{source}.{score_col}: {e}")))?;
    let mut out = Vec::new();
    for row in 0..frame.height() {
        let Some(score) = scores.get(row).filter(|s| s.is_finite()) else {
            continue;
        };
        let mut text = String::new();
        for part in &parts {
            if let Ok(s) = part.str()
                && let Some(v) = s.get(row).map(str::trim).filter(|v| !v.is_empty())
            {
                if !text.is_empty() {
                    text.push_str(". ");
                }
                text.push_str(v);
            }
        }
        if !text.is_empty() {
            out.push(LabelledText {
                text,
                label: thresholds.label(score),
                source: format!("{source}.{score_col}"),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use vigil_text::LabelMap;

    fn labels(frame: &DataFrame, spec: &LabelSpec) -> Vec<Sentiment> {
        from_frame(frame, "f.csv", "t", spec, false)
            .unwrap()
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn label_map_and_rating_thresholds() {
        let frame =
            df!("t" => ["good", "bad", "meh"], "y" => ["1", "0", "2"], "r" => [0.5, -0.5, 0.0]).unwrap();
        let map = LabelMap::parse("0=negative, 1=positive, 2=neutral").unwrap();
        let spec = LabelSpec::Labels {
            column: "y".into(),
            map,
        };
        let got = labels(&frame, &spec);
        assert_eq!(
            got,
            [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral]
        );
        let spec = LabelSpec::Ratings {
            column: "r".into(),
            thresholds: RatingThresholds::VADER,
        };
        let got = labels(&frame, &spec);
        assert_eq!(
            got,
            [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral],
            "thresholds are inclusive"
        );
        assert!(LabelMap::parse("0=bad").is_err());
        assert!(LabelMap::parse("0=negative,0=positive").is_err());
        assert!(RatingThresholds::new(1.0, 1.0).is_err());
    }

    #[test]
    fn errors_name_source_column_row_and_value() {
        let frame = df!("t" => ["good", ""], "y" => ["positive", "negative"]).unwrap();
        let spec = LabelSpec::Labels {
            column: "y".into(),
            map: LabelMap::default(),
        };
        let err = from_frame(&frame, "f.csv", "t", &spec, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.csv") && err.contains("`t`") && err.contains("row 2") && err.contains("empty"),
            "{err}"
        );
        let frame = df!("t" => ["good", "bad"], "y" => ["positive", "awful"]).unwrap();
        let err = from_frame(&frame, "f.csv", "t", &spec, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 2") && err.contains("`awful`") && err.contains("accepted"),
            "{err}"
        );
        let err = from_frame(&frame, "f.csv", "body", &spec, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no column `body`") && err.contains("columns: t, y"),
            "{err}"
        );
        let frame = df!("t" => ["good"], "r" => ["high"]).unwrap();
        let spec = LabelSpec::Ratings {
            column: "r".into(),
            thresholds: RatingThresholds::VADER,
        };
        let err = from_frame(&frame, "f.csv", "t", &spec, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`high` is not a number"), "{err}");
    }

    #[test]
    fn weak_labels_skip_rows_without_score_or_text() {
        let frame = df!(
            "subject" => [Some("Outage"), Some("Thanks"), None, Some("Q")],
            "body" => [Some("down again"), Some("works"), None, Some("question")],
            "csat" => [Some(1i64), Some(5), Some(3), None],
        )
        .unwrap();
        let got = weak_labels(
            &frame,
            "tickets",
            &["subject", "body"],
            "csat",
            RatingThresholds::CSAT,
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, "Outage. down again");
        assert_eq!(got[0].label, Sentiment::Negative);
        assert_eq!(got[1].label, Sentiment::Positive);
        assert_eq!(got[1].source, "tickets.csat");
    }
}
