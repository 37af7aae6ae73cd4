//! The labelled-text interface: every training source (an explicit labels table, weak labels
//! from ticket CSAT and NPS scores, a public human-rated corpus, any user file) becomes a list
//! of [`LabelledText`], and one seeded stratified split serves training and evaluation.

use polars::prelude::{AnyValue, Column, DataFrame, DataType};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{LabelMap, RatingThresholds, Sentiment, TextError};

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledText {
    /// The text.
    pub text: String,
    /// Its class.
    pub label: Sentiment,
    /// Where it came from (`sentiment_labels`, `tickets.csat`, `vader/tweets`, a file name…).
    pub source: String,
}

/// How a column turns into classes.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelSpec {
    /// A label column whose values the map names (class names when the map is empty).
    Labels {
        /// The label column.
        column: String,
        /// Raw value → class.
        map: LabelMap,
    },
    /// A numeric rating column cut into classes by thresholds.
    Ratings {
        /// The rating column.
        column: String,
        /// Cut points.
        thresholds: RatingThresholds,
    },
}

impl LabelSpec {
    fn column(&self) -> &str {
        match self {
            LabelSpec::Labels { column, .. } | LabelSpec::Ratings { column, .. } => column,
        }
    }
}

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

/// Parses one VADER ground-truth file: tab-separated `id`, mean rating (−4..+4), text.
/// `name` names the file in errors; lines are numbered from 1.
pub fn parse_vader(
    contents: &str,
    name: &str,
    thresholds: RatingThresholds,
) -> Result<Vec<LabelledText>, TextError> {
    let mut out = Vec::new();
    for (i, line) in contents.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        let (_id, rating, text) = match (fields.next(), fields.next(), fields.next()) {
            (Some(id), Some(r), Some(t)) => (id, r, t),
            _ => {
                return Err(TextError::InvalidInput(format!(
                    "{name}: line {}: expected `id<TAB>rating<TAB>text`",
                    i + 1
                )));
            }
        };
        let rating: f64 = rating.trim().parse().map_err(|_| {
            TextError::InvalidInput(format!(
                "{name}: line {}: rating `{}` is not a number",
                i + 1,
                rating.trim()
            ))
        })?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        out.push(LabelledText {
            text: text.to_string(),
            label: thresholds.label(rating),
            source: name.to_string(),
        });
    }
    Ok(out)
}

/// Counts per class, in [`Sentiment::ALL`] order.
pub fn class_counts(items: &[LabelledText]) -> [usize; 3] {
    let mut counts = [0; 3];
    for item in items {
        counts[item.label.index()] += 1;
    }
    counts
}

/// A seeded split into train / valid / test.
#[derive(Debug, Clone, Default)]
pub struct Split {
    /// Training part.
    pub train: Vec<LabelledText>,
    /// Validation part (model selection, early stopping).
    pub valid: Vec<LabelledText>,
    /// Test part (reported metrics only).
    pub test: Vec<LabelledText>,
}

/// Where a text goes: a seeded hash of the text alone, as a number in [0, 1).
fn split_point(text: &str, seed: u64) -> f64 {
    (super::fnv1a(&[&seed.to_le_bytes(), text.as_bytes()]) >> 11) as f64 / (1u64 << 53) as f64
}

/// Splits `items` into train / valid / test. A text's part depends only on the text and the
/// seed (a seeded hash), so:
/// - every class is cut in the same proportions (stratified in expectation; with thousands
///   of texts per class the shares are within a fraction of a percent);
/// - duplicates of a text always land in the same part (no test text seen in training);
/// - evaluating on any subset of the training data (say the VADER corpus alone, after
///   training on VADER plus your tickets) tests only on texts the model never trained on.
pub fn seeded_split(
    items: Vec<LabelledText>,
    valid_share: f64,
    test_share: f64,
    seed: u64,
) -> Result<Split, TextError> {
    if !(0.0..1.0).contains(&valid_share)
        || !(0.0..1.0).contains(&test_share)
        || valid_share + test_share >= 1.0
    {
        return Err(TextError::InvalidOption(format!(
            "split shares valid {valid_share} + test {test_share} must be non-negative and sum below 1"
        )));
    }
    let mut split = Split::default();
    for item in items {
        let h = split_point(&item.text, seed);
        if h < test_share {
            split.test.push(item);
        } else if h < test_share + valid_share {
            split.valid.push(item);
        } else {
            split.train.push(item);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    split.train.shuffle(&mut rng);
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn item(text: &str, label: Sentiment) -> LabelledText {
        LabelledText {
            text: text.into(),
            label,
            source: "t".into(),
        }
    }

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

    #[test]
    fn parses_vader_files() {
        let got = parse_vader(
            "1_1\t2.6\tGreat!\n1_2\t-1.2\tawful\n1_3\t0.1\tok\n",
            "tweets",
            RatingThresholds::VADER,
        )
        .unwrap();
        let labels: Vec<_> = got.iter().map(|i| i.label).collect();
        assert_eq!(
            labels,
            [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral]
        );
        let err = parse_vader("1_1\tx\ttext\n", "tweets", RatingThresholds::VADER)
            .unwrap_err()
            .to_string();
        assert!(err.contains("tweets: line 1") && err.contains("`x`"), "{err}");
    }

    #[test]
    fn split_is_seeded_stable_on_subsets_and_complete() {
        let mut items = Vec::new();
        for i in 0..3000 {
            items.push(item(&format!("text {i}"), Sentiment::ALL[i % 3]));
        }
        let a = seeded_split(items.clone(), 0.1, 0.2, 7).unwrap();
        let b = seeded_split(items.clone(), 0.1, 0.2, 7).unwrap();
        assert_eq!(a.train, b.train);
        assert_eq!(a.train.len() + a.valid.len() + a.test.len(), 3000);
        for (class, n) in class_counts(&a.test).into_iter().enumerate() {
            assert!(
                (160..=240).contains(&n),
                "class {class}: {n} of 1000 in test, expected about 200"
            );
        }
        // A subset splits the same way: its test part is exactly the full split's test texts.
        let subset: Vec<LabelledText> = items
            .iter()
            .filter(|i| i.label == Sentiment::Neutral)
            .cloned()
            .collect();
        let s = seeded_split(subset, 0.1, 0.2, 7).unwrap();
        let full_test: Vec<&str> = a
            .test
            .iter()
            .filter(|i| i.label == Sentiment::Neutral)
            .map(|i| i.text.as_str())
            .collect();
        assert_eq!(
            s.test.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            full_test
        );
        let c = seeded_split(items, 0.1, 0.2, 8).unwrap();
        assert_ne!(a.test, c.test, "another seed gives another split");
        assert!(seeded_split(Vec::new(), 0.6, 0.5, 1).is_err());
    }
}
