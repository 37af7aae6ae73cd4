//! Baselines the transformer is measured against.
//!
//! - [`lexicon`]: VADER, a rule-based lexicon scorer that needs no training data;
//! - [`tfidf`]: TF-IDF features and multinomial logistic regression, the strong classical
//!   baseline that a trained model must beat to earn its cost; its features (sublinear
//!   TF-IDF over words and word pairs, as scikit-learn computes them) live in the private
//!   `vectorizer` module.
//!
//! Both classify into [`Sentiment`](crate::Sentiment) and are scored with
//! [`metrics::evaluate`](crate::metrics::evaluate) like the transformer.

pub mod lexicon;
pub mod tfidf;
mod vectorizer;

pub use lexicon::LexiconBaseline;
pub use tfidf::{TfidfLogistic, TfidfOptions};

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Instant;

    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::metrics::{Evaluation, evaluate};
    use crate::{RatingThresholds, Sentiment};

    /// The VADER ground-truth corpora: `$VIGIL_VADER_DIR`, else `../shared/data/sentiment/vader`
    /// beside the checkout.
    fn vader_corpus() -> Vec<(String, Sentiment)> {
        let dir = std::env::var_os("VIGIL_VADER_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sentiment/vader")
            });
        let mut rows = Vec::new();
        for name in [
            "tweets",
            "amazonReviewSnippets",
            "movieReviewSnippets",
            "nytEditorialSnippets",
        ] {
            let path = dir.join(format!("{name}_GroundTruth.txt"));
            let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for line in raw
                .lines()
                .map(|l| l.trim_end_matches('\r'))
                .filter(|l| !l.is_empty())
            {
                let mut fields = line.splitn(3, '\t');
                let (_id, rating, text) = (fields.next(), fields.next(), fields.next());
                let rating: f64 = rating.unwrap().trim().parse().unwrap();
                rows.push((text.unwrap().to_string(), RatingThresholds::VADER.label(rating)));
            }
        }
        rows
    }

    fn report(name: &str, eval: &Evaluation, seconds: f64) {
        let f1: Vec<String> = eval
            .per_class
            .iter()
            .map(|c| format!("{} {:.3}", c.label, c.f1))
            .collect();
        println!(
            "{name}: n {} accuracy {:.4} macro-F1 {:.4} ({}) fit {seconds:.2}s confusion {:?}",
            eval.n,
            eval.accuracy,
            eval.macro_f1,
            f1.join(", "),
            eval.confusion
        );
    }

    // Measures both baselines on a seeded 80/20 split of the VADER corpora (~23.7k texts).
    // Ignored: it needs shared/data. Run with
    // `cargo test --lib text::baseline::tests::vader_corpus_split -- --ignored --nocapture`.
    #[test]
    #[ignore = "needs the VADER corpora in shared/data; prints the scores"]
    fn vader_corpus_split() {
        let mut rows = vader_corpus();
        rows.shuffle(&mut ChaCha8Rng::seed_from_u64(42));
        let cut = rows.len() * 4 / 5;
        let (train, test) = rows.split_at(cut);
        let train_texts: Vec<&str> = train.iter().map(|(t, _)| t.as_str()).collect();
        let train_labels: Vec<Sentiment> = train.iter().map(|(_, y)| *y).collect();
        let test_texts: Vec<&str> = test.iter().map(|(t, _)| t.as_str()).collect();
        let test_labels: Vec<Sentiment> = test.iter().map(|(_, y)| *y).collect();

        let vader = LexiconBaseline::default();
        let lexicon = evaluate(&test_labels, &vader.predict_all(&test_texts)).unwrap();
        report("vader", &lexicon, 0.0);

        let start = Instant::now();
        let model = TfidfLogistic::fit(&train_texts, &train_labels, &TfidfOptions::default()).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let tfidf = evaluate(&test_labels, &model.predict_all(&test_texts)).unwrap();
        report("tfidf", &tfidf, seconds);
        println!(
            "tfidf: {} features, train log-loss {:.4}, test log-loss {:.4}",
            model.num_features(),
            model.log_loss(&train_texts, &train_labels).unwrap(),
            model.log_loss(&test_texts, &test_labels).unwrap()
        );
        assert!(lexicon.macro_f1 > 0.5, "VADER macro-F1 {}", lexicon.macro_f1);
        assert!(tfidf.macro_f1 > 0.5, "TF-IDF macro-F1 {}", tfidf.macro_f1);
    }
}
