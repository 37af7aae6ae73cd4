//! The labelled-text interface: every training source (an explicit labels table, weak labels
//! from ticket CSAT and NPS scores, a public human-rated corpus, any user file) becomes a list
//! of [`LabelledText`], and one seeded stratified split serves training and evaluation.
//! Reading labelled texts out of data frames is the application's (`vigil::text_frames`):
//! this crate never sees a data frame.

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
    /// The column the labels or ratings are read from.
    pub fn column(&self) -> &str {
        match self {
            LabelSpec::Labels { column, .. } | LabelSpec::Ratings { column, .. } => column,
        }
    }
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

/// Where a text goes: a seeded hash of the text alone, as a number in [0, 1). The hash is
/// XXH3-64 (a published, stable hash) of the seed's little-endian bytes followed by the text;
/// the top 53 bits become the fraction.
fn split_point(text: &str, seed: u64) -> f64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&seed.to_le_bytes());
    hasher.update(text.as_bytes());
    (hasher.digest() >> 11) as f64 / (1u64 << 53) as f64
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

    fn item(text: &str, label: Sentiment) -> LabelledText {
        LabelledText {
            text: text.into(),
            label,
            source: "t".into(),
        }
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
