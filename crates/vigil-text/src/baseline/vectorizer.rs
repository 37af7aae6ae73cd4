//! TF-IDF features for the classical baseline, kept apart from the classifier that uses them.
//!
//! The features follow scikit-learn's `TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2),
//! min_df=2)`: term frequency `1 + ln(tf)`, smoothed inverse document frequency
//! `ln((1 + n) / (1 + df)) + 1`, rows scaled to unit L2 norm, so a user can reproduce the
//! baseline in Python. Tokens are lowercase runs of letters and digits; an apostrophe between
//! two of them stays in the word (`don't`). Unlike scikit-learn's default token pattern,
//! one-letter tokens are kept; with the pattern `(?u)[^\W_]+(?:'[^\W_]+)*` scikit-learn builds
//! the same vocabulary.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::TextError;

/// A sparse feature row: (feature index, value), indices ascending.
pub(crate) type Row = Vec<(u32, f64)>;

/// A fitted vocabulary with the idf of each term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Vectorizer {
    /// Whether word pairs are features too.
    bigrams: bool,
    /// Feature terms, sorted; a term's position is its feature index.
    vocabulary: Vec<String>,
    /// Smoothed inverse document frequency of each feature.
    idf: Vec<f64>,
}

impl Vectorizer {
    /// Learns the vocabulary of `texts`: terms in at least `min_df` texts, the `max_features`
    /// most frequent of them (ties by term, so the choice is deterministic). Returns the
    /// vectorizer and the rows of `texts`. Errors when no term reaches `min_df`.
    pub(crate) fn fit(
        texts: &[&str],
        bigrams: bool,
        min_df: usize,
        max_features: usize,
    ) -> Result<(Self, Vec<Row>), TextError> {
        let docs: Vec<Vec<String>> = texts.iter().map(|t| terms(t, bigrams)).collect();
        // term → (document frequency, total count)
        let mut stats: HashMap<&str, (usize, usize)> = HashMap::new();
        for doc in &docs {
            let mut sorted: Vec<&str> = doc.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            for run in sorted.chunk_by(|a, b| a == b) {
                let entry = stats.entry(run[0]).or_insert((0, 0));
                entry.0 += 1;
                entry.1 += run.len();
            }
        }
        let mut kept: Vec<(&str, usize, usize)> = stats
            .into_iter()
            .filter(|(_, (df, _))| *df >= min_df)
            .map(|(term, (df, count))| (term, df, count))
            .collect();
        if kept.is_empty() {
            return Err(TextError::InvalidInput(format!(
                "tf-idf baseline: no term occurs in {min_df} or more of the {} training texts; \
                 lower min_df",
                docs.len()
            )));
        }
        kept.sort_unstable_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
        kept.truncate(max_features);
        kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f64;
        let vectorizer = Self {
            bigrams,
            idf: kept
                .iter()
                .map(|(_, df, _)| ((1.0 + n) / (1.0 + *df as f64)).ln() + 1.0)
                .collect(),
            vocabulary: kept.iter().map(|(term, _, _)| term.to_string()).collect(),
        };
        let rows = docs.iter().map(|doc| vectorizer.row(doc)).collect();
        Ok((vectorizer, rows))
    }

    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.vocabulary.len()
    }

    /// The TF-IDF row of `text`; empty when no term of it is in the vocabulary.
    pub(crate) fn transform(&self, text: &str) -> Row {
        self.row(&terms(text, self.bigrams))
    }

    /// The row of a text's terms: sublinear tf × idf, L2-normalised.
    fn row(&self, doc_terms: &[String]) -> Row {
        let mut indices: Vec<u32> = doc_terms
            .iter()
            .filter_map(|t| self.vocabulary.binary_search_by(|v| v.as_str().cmp(t)).ok())
            .map(|i| i as u32)
            .collect();
        indices.sort_unstable();
        let mut row: Row = indices
            .chunk_by(|a, b| a == b)
            .map(|run| {
                (
                    run[0],
                    (1.0 + (run.len() as f64).ln()) * self.idf[run[0] as usize],
                )
            })
            .collect();
        let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

/// Lowercase words: runs of letters and digits, with an apostrophe kept between two of them.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if matches!(c, '\'' | '\u{2019}')
            && !current.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            current.push('\'');
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// The terms of a text: its words, then (with `bigrams`) each pair of neighbouring words
/// joined by a space.
fn terms(text: &str, bigrams: bool) -> Vec<String> {
    let mut terms = tokenize(text);
    if bigrams && terms.len() > 1 {
        let pairs: Vec<String> = terms.windows(2).map(|w| format!("{} {}", w[0], w[1])).collect();
        terms.extend(pairs);
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_lowercases_and_keeps_inner_apostrophes() {
        let tokens = tokenize("Don't STOP—it's 'great' l\u{2019}été, 2x!! a");
        assert_eq!(tokens, ["don't", "stop", "it's", "great", "l'été", "2x", "a"]);
        assert!(tokenize("").is_empty());
        assert!(tokenize("?! ... 😀").is_empty());
        assert_eq!(terms("A b c", true), ["a", "b", "c", "a b", "b c"]);
        assert_eq!(terms("A b c", false), ["a", "b", "c"]);
    }

    #[test]
    fn features_follow_sklearn_tfidf_formulas() {
        // n = 3 texts; df: bad 1, day 2, good 2.
        // idf(good) = idf(day) = ln(4/3) + 1, idf(bad) = ln(4/2) + 1.
        // Text 0 "good good day": tf good 2 → 1 + ln 2, tf day 1 → 1; both × ln(4/3) + 1, so
        // after L2 normalisation: good = (1 + ln 2) / √((1 + ln 2)² + 1), day = 1 / √(…).
        let (vectorizer, rows) =
            Vectorizer::fit(&["good good day", "bad day", "good"], false, 1, 10).unwrap();
        assert_eq!(vectorizer.vocabulary, ["bad", "day", "good"]);
        let expected_idf = [
            2f64.ln() + 1.0,
            (4.0f64 / 3.0).ln() + 1.0,
            (4.0f64 / 3.0).ln() + 1.0,
        ];
        for (got, want) in vectorizer.idf.iter().zip(expected_idf) {
            assert!((got - want).abs() < 1e-12);
        }
        let tf_good = 1.0 + 2f64.ln();
        let norm = (tf_good * tf_good + 1.0).sqrt();
        assert_eq!(rows[0].iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1, 2]);
        assert!((rows[0][0].1 - 1.0 / norm).abs() < 1e-12);
        assert!((rows[0][1].1 - tf_good / norm).abs() < 1e-12);
        assert_eq!(vectorizer.transform("good good day"), rows[0]);
        assert!(vectorizer.transform("unseen words only").is_empty());
        assert!(vectorizer.transform("").is_empty());
    }

    #[test]
    fn min_df_and_max_features_select_terms() {
        let texts = ["a b c", "a b", "a d", "e"];
        // df: a 3, b 2, c 1, d 1, e 1 → min_df 2 keeps a, b; max_features 1 keeps a.
        let (vectorizer, _) = Vectorizer::fit(&texts, false, 2, 10).unwrap();
        assert_eq!(vectorizer.vocabulary, ["a", "b"]);
        let (vectorizer, _) = Vectorizer::fit(&texts, false, 1, 1).unwrap();
        assert_eq!(vectorizer.vocabulary, ["a"]);
        // Ties in frequency are broken by the term, so the cut is deterministic.
        let (vectorizer, _) = Vectorizer::fit(&texts, false, 1, 3).unwrap();
        assert_eq!(vectorizer.vocabulary, ["a", "b", "c"]);
        let (vectorizer, _) = Vectorizer::fit(&texts, true, 2, 10).unwrap();
        assert_eq!(vectorizer.vocabulary, ["a", "a b", "b"]);
        assert!(matches!(
            Vectorizer::fit(&texts, false, 4, 10),
            Err(TextError::InvalidInput(_))
        ));
    }
}
