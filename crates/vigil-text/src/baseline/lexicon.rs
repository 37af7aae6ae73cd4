//! The lexicon baseline: VADER (Hutto & Gilbert, ICWSM 2014) through the `vader_sentiment`
//! crate, a Rust port of the reference Python implementation.
//!
//! VADER needs no training: it sums hand-rated word valences with rules for negation, boosters
//! ("very"), "but", capitals, punctuation and emoji, and squashes the sum into a `compound`
//! score in −1..1. It is the floor a trained model has to beat, and a sanity check on data
//! with no labels at all.

use std::fmt;

use vader_sentiment::SentimentIntensityAnalyzer;

use crate::Sentiment;

/// VADER's own cut-off on the compound score: ≥ 0.05 positive, ≤ −0.05 negative.
pub const DEFAULT_THRESHOLD: f64 = 0.05;

/// Classifies texts with VADER's compound score.
///
/// A text is positive when `compound >= threshold`, negative when `compound <= -threshold`,
/// neutral otherwise (the rule recommended by VADER's authors, with threshold 0.05).
pub struct LexiconBaseline {
    analyzer: SentimentIntensityAnalyzer<'static>,
    threshold: f64,
}

impl LexiconBaseline {
    /// A baseline with a custom compound threshold. Its absolute value is used, and a value that
    /// is not a finite number falls back to [`DEFAULT_THRESHOLD`].
    pub fn new(threshold: f64) -> Self {
        let threshold = if threshold.is_finite() {
            threshold.abs()
        } else {
            DEFAULT_THRESHOLD
        };
        Self {
            analyzer: SentimentIntensityAnalyzer::new(),
            threshold,
        }
    }

    /// The compound threshold in use.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// VADER's compound score of `text`, in −1..1 (0.0 when no word carries sentiment).
    pub fn compound(&self, text: &str) -> f64 {
        let compound = self
            .analyzer
            .polarity_scores(text)
            .get("compound")
            .copied()
            .unwrap_or(0.0);
        if compound.is_finite() { compound } else { 0.0 }
    }

    /// `[neg, neu, pos, compound]` from one VADER pass: the lexicon features the transformer
    /// can take beside its token inputs (`lexicon_features` in its config).
    pub fn features(&self, text: &str) -> [f32; LEXICON_FEATURES] {
        let scores = self.analyzer.polarity_scores(text);
        let get = |key: &str| scores.get(key).copied().filter(|v| v.is_finite()).unwrap_or(0.0) as f32;
        [get("neg"), get("neu"), get("pos"), get("compound")]
    }

    /// The class of `text` by the compound rule.
    pub fn predict(&self, text: &str) -> Sentiment {
        let compound = self.compound(text);
        if compound >= self.threshold {
            Sentiment::Positive
        } else if compound <= -self.threshold {
            Sentiment::Negative
        } else {
            Sentiment::Neutral
        }
    }

    /// The class of each text, in order.
    pub fn predict_all(&self, texts: &[&str]) -> Vec<Sentiment> {
        texts.iter().map(|text| self.predict(text)).collect()
    }

    /// VADER's `neg`, `neu` and `pos` proportions as `[negative, neutral, positive]`.
    ///
    /// These are the shares of the text's sentiment mass that fall on negative words, on
    /// neutral words and on positive words (they sum to 1). They are not calibrated
    /// probabilities, and their arg-max can disagree with [`predict`](Self::predict): a long
    /// text with one strong positive word is mostly `neu` yet has a positive compound score.
    /// A text with no scorable word (empty, one letter, punctuation only) gives `[0, 1, 0]`.
    pub fn probabilities(&self, text: &str) -> [f32; 3] {
        let scores = self.analyzer.polarity_scores(text);
        let get = |key: &str| {
            scores
                .get(key)
                .copied()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .unwrap_or(0.0)
        };
        let (neg, neu, pos) = (get("neg"), get("neu"), get("pos"));
        let total = neg + neu + pos;
        if total <= 0.0 {
            return [0.0, 1.0, 0.0];
        }
        [(neg / total) as f32, (neu / total) as f32, (pos / total) as f32]
    }
}

/// Number of lexicon features per text.
pub const LEXICON_FEATURES: usize = 4;

impl Default for LexiconBaseline {
    /// The standard VADER rule, threshold 0.05.
    fn default() -> Self {
        Self::new(DEFAULT_THRESHOLD)
    }
}

impl fmt::Debug for LexiconBaseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LexiconBaseline")
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn assert_distribution(p: [f32; 3]) {
        assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
        assert!(
            (p.iter().sum::<f32>() - 1.0).abs() < 1e-4,
            "{p:?} does not sum to 1"
        );
    }

    #[test]
    fn obvious_praise_is_positive() {
        let vader = LexiconBaseline::default();
        assert_eq!(
            vader.predict("Thanks, the fix works perfectly"),
            Sentiment::Positive
        );
        assert_eq!(
            vader.predict("Great support, I love this product!"),
            Sentiment::Positive
        );
    }

    #[test]
    fn obvious_complaint_is_negative() {
        let vader = LexiconBaseline::default();
        assert_eq!(
            vader.predict("This is terrible, the app is broken and I hate it"),
            Sentiment::Negative
        );
    }

    // Guards the documented limit of a lexicon: no word of this complaint is in VADER's
    // lexicon ("outage", "nobody", "answers" carry no valence), so it scores neutral.
    #[test]
    fn lexicon_misses_complaints_without_sentiment_words() {
        let vader = LexiconBaseline::default();
        let text = "This is the third outage this week and nobody answers us";
        assert_eq!(vader.compound(text), 0.0);
        assert_eq!(vader.predict(text), Sentiment::Neutral);
    }

    #[test]
    fn negation_flips_the_class() {
        let vader = LexiconBaseline::default();
        assert_eq!(vader.predict("The new release is good"), Sentiment::Positive);
        assert_eq!(vader.predict("The new release is not good"), Sentiment::Negative);
    }

    #[test]
    fn threshold_moves_the_neutral_band() {
        let text = "The update is okay";
        let compound = LexiconBaseline::default().compound(text);
        assert!(compound > 0.05, "compound {compound}");
        assert_eq!(LexiconBaseline::new(0.05).predict(text), Sentiment::Positive);
        assert_eq!(
            LexiconBaseline::new(compound + 0.01).predict(text),
            Sentiment::Neutral
        );
        assert_eq!(LexiconBaseline::new(f64::NAN).threshold(), DEFAULT_THRESHOLD);
        assert_eq!(LexiconBaseline::new(-0.2).threshold(), 0.2);
    }

    #[test]
    fn probabilities_are_vader_proportions() {
        let vader = LexiconBaseline::default();
        let p = vader.probabilities("I love it");
        assert_distribution(p);
        assert!(p[2] > p[0], "{p:?}");
        let p = vader.probabilities("I hate it");
        assert_distribution(p);
        assert!(p[0] > p[2], "{p:?}");
        assert_eq!(vader.probabilities(""), [0.0, 1.0, 0.0]);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let vader = LexiconBaseline::default();
        let long = "the service was bad but the team was great ".repeat(20_000);
        let inputs = [
            "",
            " ",
            "a",
            "!!!???",
            "😀😡👍",
            "I 😍 this",
            "très bien, merci beaucoup",
            "Спасибо, всё работает",
            "問題が解決しました",
            "never so good",
            "without doubt great",
            "kind of",
            "at least very good",
            "but",
            "\u{0}\u{7f}\u{feff}",
            long.as_str(),
        ];
        for text in inputs {
            assert_distribution(vader.probabilities(text));
            assert!(vader.compound(text).is_finite());
            let _ = vader.predict(text);
        }
        assert_eq!(vader.predict(""), Sentiment::Neutral);
        assert_eq!(vader.predict_all(&inputs).len(), inputs.len());
    }

    #[test]
    fn random_token_soup_does_not_panic() {
        // Words that steer VADER's rule branches (negation windows, idioms, boosters, "but").
        let words = [
            "not", "never", "so", "this", "without", "doubt", "kind", "of", "but", "least", "at", "very",
            "good", "bad", "GREAT", "the", "shit", "bomb", "yeah", "right", "!", "?", "😀", "a", "é",
            "don't", "", ":)", "...", "LOL",
        ];
        let vader = LexiconBaseline::default();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..2_000 {
            let len = rng.random_range(0..12);
            let text: Vec<&str> = (0..len)
                .map(|_| words[rng.random_range(0..words.len())])
                .collect();
            let text = text.join(" ");
            assert_distribution(vader.probabilities(&text));
            assert!(vader.compound(&text).is_finite(), "{text}");
        }
    }
}
