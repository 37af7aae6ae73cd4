//! The native forward pass against burn's on the shipped model.

use super::super::infer::SentimentClassifier;
use super::super::model::ModelConfig;
use super::super::tokenizer::TextTokenizer;
use burn::tensor::Device;
use std::path::Path;

fn shipped() -> SentimentClassifier {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/sentiment/default");
    let read = |name: &str| std::fs::read(dir.join(name)).expect("the shipped model is in the repository");
    let config: ModelConfig = serde_json::from_slice(&read("config.json")).expect("config.json");
    let tokenizer =
        TextTokenizer::from_json(&read("tokenizer.json"), config.max_len).expect("tokenizer.json");
    SentimentClassifier::from_parts(tokenizer, config, &read("model.bpk"), &Device::flex())
        .expect("model.bpk")
}

/// Real support-ticket sentences and the edge cases of padding and masking: empty and
/// one-word texts (one or two real tokens beside long rows full of padding), punctuation
/// only, unknown scripts and emoji, and texts past `max_len` (truncated).
fn fixture() -> Vec<String> {
    let mut texts: Vec<String> = [
        "This is the third outage this week and nobody answers us",
        "Thanks, the fix works perfectly",
        "Please send the invoice for March to our new billing contact.",
        "",
        "ok",
        "!!!",
        "Hi",
        "The CSV export keeps timing out. We are losing a lot of time because of this.",
        "Great job by your team, the migration was painless 🎉",
        "Не работает вход через SSO, ошибка 500",
        "We are considering other vendors unless the renewal quote is fixed",
        "Can you tell me how to rotate the API key?",
        "NOT happy at all, to be honest. Support has been very responsive so far, though.",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    let long = "The reporting module shows the wrong totals again and nobody seems to care. ".repeat(20);
    texts.push(long.clone());
    texts.push(format!("Thanks a lot, {long}"));
    texts
}

fn max_abs_diff(a: &[[f32; 3]], b: &[[f32; 3]]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

#[test]
fn native_forward_matches_burn_on_the_shipped_model() {
    let classifier = shipped();
    assert!(classifier.uses_native_forward());
    let texts = fixture();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let encoded = classifier.tokenizer().encode(&texts).expect("encode");
    assert_eq!(encoded.seq_len, 128, "the fixture reaches max_len");
    let real = |row: usize| {
        encoded.padding[row * 128..(row + 1) * 128]
            .iter()
            .filter(|p| !**p)
            .count()
    };
    assert!(
        (0..texts.len()).any(|r| real(r) <= 3),
        "the fixture has near-empty rows"
    );

    // One batch: burn pads every row to 128 and masks; the native pass skips the padding.
    let burn = classifier.predict_batch_burn(&texts).expect("burn forward");
    let native = classifier.predict_batch(&texts).expect("native forward");
    let diff = max_abs_diff(&burn, &native);
    assert!(diff <= 1e-4, "native vs burn: max abs difference {diff}");

    // Text by text (no padding at all in burn) and in parallel batches of 4.
    let single: Vec<[f32; 3]> = texts
        .iter()
        .map(|t| classifier.predict_batch_burn(&[t]).expect("burn forward")[0])
        .collect();
    assert!(max_abs_diff(&single, &native) <= 1e-4);
    let batched = classifier.predict(&texts, 4).expect("predict");
    assert!(max_abs_diff(&batched, &native) <= 1e-4);

    let reference = shipped().with_burn_forward();
    assert!(!reference.uses_native_forward());
    assert!(max_abs_diff(&reference.predict(&texts, 4).expect("predict"), &burn) <= 1e-4);
}

#[test]
fn shipped_model_labels_obvious_sentences_natively() {
    let labels = shipped()
        .labels(
            &[
                "This is the third outage this week and nobody answers us",
                "Thanks, the fix works perfectly",
            ],
            64,
        )
        .expect("labels");
    assert_eq!(
        labels,
        [
            super::super::Sentiment::Negative,
            super::super::Sentiment::Positive
        ]
    );
}
