//! WordPiece tokenizer trained with the HuggingFace tokenizers crate.
//!
//! The tokenizer is part of a model's artefacts (`tokenizer.json`): it is trained once, with
//! the model, and only loaded afterwards. Training is not bit-reproducible across runs (the
//! trainer is parallel), so nothing may depend on exact token ids.
//!
//! Padding and truncation are stored in the tokenizer itself: every batch is padded to its
//! longest sequence (not to `max_len`, which would waste most of the compute on short
//! texts) and truncated to `max_len` tokens, `[CLS]` and `[SEP]` included.

use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{
    AddedToken, PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection,
    TruncationParams, TruncationStrategy,
};

use super::TextError;

/// Padding token; always id 0.
pub const PAD: &str = "[PAD]";
/// Unknown-word token.
pub const UNK: &str = "[UNK]";
/// Sequence-start token (the CLS pooling position).
pub const CLS: &str = "[CLS]";
/// Sequence-end token.
pub const SEP: &str = "[SEP]";
/// Mask token (masked-language-model pre-training).
pub const MASK: &str = "[MASK]";

/// A batch of token ids, padded to its longest sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBatch {
    /// Number of sequences.
    pub batch: usize,
    /// Padded sequence length.
    pub seq_len: usize,
    /// Row-major `batch × seq_len` token ids.
    pub ids: Vec<i64>,
    /// Row-major `batch × seq_len`: true where the position holds padding.
    pub padding: Vec<bool>,
}

/// A trained tokenizer with vigil's padding and truncation settings.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("max_len", &self.max_len)
            .finish()
    }
}

fn tok_err(e: impl std::fmt::Display) -> TextError {
    TextError::Tokenizer(e.to_string())
}

impl TextTokenizer {
    /// Trains a WordPiece vocabulary of at most `vocab_size` entries on `texts`
    /// (BERT normaliser: lowercase, strip accents; BERT pre-tokenizer: split on whitespace
    /// and punctuation). Words seen fewer than `min_frequency` times are not merged.
    pub fn train(
        texts: &[&str],
        vocab_size: usize,
        min_frequency: u64,
        max_len: usize,
    ) -> Result<Self, TextError> {
        if texts.is_empty() {
            return Err(TextError::InvalidInput(
                "no texts to train the tokenizer on".into(),
            ));
        }
        if max_len < 3 {
            return Err(TextError::InvalidOption(format!(
                "max_len must be at least 3, got {max_len}"
            )));
        }
        let specials = [PAD, UNK, CLS, SEP, MASK]
            .map(|t| AddedToken::from(t, true))
            .to_vec();
        let mut trainer: TrainerWrapper = WordPieceTrainer::builder()
            .vocab_size(vocab_size)
            .min_frequency(min_frequency)
            .special_tokens(specials)
            .show_progress(false)
            .build()
            .into();
        let mut tokenizer = Tokenizer::new(
            WordPiece::builder()
                .unk_token(UNK.into())
                .build()
                .map_err(tok_err)?,
        );
        tokenizer.with_normalizer(Some(BertNormalizer::new(true, true, None, true)));
        tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
        tokenizer.train(&mut trainer, texts.iter()).map_err(tok_err)?;
        let id = |t: &str| {
            tokenizer
                .token_to_id(t)
                .ok_or_else(|| TextError::Tokenizer(format!("trained vocabulary lacks {t}")))
        };
        if id(PAD)? != 0 {
            return Err(TextError::Tokenizer("[PAD] must be token id 0".into()));
        }
        let processor = BertProcessing::new((SEP.into(), id(SEP)?), (CLS.into(), id(CLS)?));
        tokenizer.with_post_processor(Some(processor));
        let mut this = Self {
            inner: tokenizer,
            max_len,
        };
        this.configure()?;
        Ok(this)
    }

    fn configure(&mut self) -> Result<(), TextError> {
        self.inner
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: self.max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(tok_err)?;
        self.inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id: 0,
            pad_type_id: 0,
            pad_token: PAD.into(),
        }));
        Ok(())
    }

    /// Loads a tokenizer saved with [`TextTokenizer::to_json`]; `max_len` is re-applied.
    pub fn from_json(json: &[u8], max_len: usize) -> Result<Self, TextError> {
        let inner = Tokenizer::from_bytes(json).map_err(tok_err)?;
        if inner.token_to_id(PAD) != Some(0) {
            return Err(TextError::Tokenizer(
                "tokenizer.json has no [PAD] token with id 0".into(),
            ));
        }
        let mut this = Self { inner, max_len };
        this.configure()?;
        Ok(this)
    }

    /// The tokenizer as `tokenizer.json` (HuggingFace format, readable by Python `tokenizers`).
    pub fn to_json(&self) -> Result<String, TextError> {
        self.inner.to_string(true).map_err(tok_err)
    }

    /// Vocabulary size including the special tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Maximum sequence length in tokens, `[CLS]` and `[SEP]` included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The id of a token, if it is in the vocabulary.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Encodes texts into one padded batch.
    pub fn encode(&self, texts: &[&str]) -> Result<TokenBatch, TextError> {
        if texts.is_empty() {
            return Ok(TokenBatch {
                batch: 0,
                seq_len: 0,
                ids: Vec::new(),
                padding: Vec::new(),
            });
        }
        let encodings = self
            .inner
            .encode_batch_fast(texts.to_vec(), true)
            .map_err(tok_err)?;
        let seq_len = encodings.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(texts.len() * seq_len);
        let mut padding = Vec::with_capacity(texts.len() * seq_len);
        for enc in &encodings {
            let row_ids = enc.get_ids();
            let mask = enc.get_attention_mask();
            for pos in 0..seq_len {
                ids.push(row_ids.get(pos).map_or(0, |&i| i64::from(i)));
                padding.push(mask.get(pos).is_none_or(|&m| m == 0));
            }
        }
        Ok(TokenBatch {
            batch: texts.len(),
            seq_len,
            ids,
            padding,
        })
    }

    /// The word pieces of one text, for debugging and tests (no padding, no specials).
    pub fn pieces(&self, text: &str) -> Result<Vec<String>, TextError> {
        let enc = self.inner.encode_fast(text, false).map_err(tok_err)?;
        Ok(enc.get_tokens().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<&'static str> {
        vec![
            "the dashboard is down again and nobody answers",
            "thanks, the fix works perfectly",
            "we are happy with the new reporting feature",
            "the export keeps failing with a timeout",
            "please call me about the renewal",
            "great support, quick answer, thank you",
        ]
    }

    #[test]
    fn round_trip_through_json_keeps_encodings() {
        let texts = corpus();
        let tok = TextTokenizer::train(&texts, 200, 1, 16).unwrap();
        assert_eq!(tok.token_id(PAD), Some(0));
        let json = tok.to_json().unwrap();
        let loaded = TextTokenizer::from_json(json.as_bytes(), 16).unwrap();
        assert_eq!(tok.encode(&texts).unwrap(), loaded.encode(&texts).unwrap());
        assert_eq!(tok.vocab_size(), loaded.vocab_size());
    }

    #[test]
    fn pads_to_longest_and_truncates_to_max_len() {
        let texts = corpus();
        let tok = TextTokenizer::train(&texts, 200, 1, 8).unwrap();
        let batch = tok
            .encode(&[
                "thanks",
                "the export keeps failing with a timeout again and again",
            ])
            .unwrap();
        assert_eq!(batch.batch, 2);
        assert_eq!(batch.seq_len, 8, "the long text is truncated to max_len");
        // Row 0: [CLS] thanks [SEP] then padding.
        let row0 = &batch.padding[..8];
        assert_eq!(row0.iter().filter(|p| !**p).count(), 3);
        assert!(
            batch.padding[8..].iter().all(|p| !p),
            "the truncated row has no padding"
        );
        assert!(batch.ids[..8].iter().zip(row0).all(|(id, pad)| !*pad || *id == 0));
        assert_eq!(Some(batch.ids[0] as u32), tok.token_id(CLS));
    }

    #[test]
    fn unknown_words_do_not_fail() {
        let tok = TextTokenizer::train(&corpus(), 200, 1, 32).unwrap();
        let batch = tok.encode(&["Zxqv ñandú 🙂 ¿qué?", ""]).unwrap();
        assert_eq!(batch.batch, 2);
        assert!(batch.seq_len >= 2);
    }

    #[test]
    fn rejects_bad_json_and_empty_training_input() {
        assert!(matches!(
            TextTokenizer::from_json(b"{not json", 16),
            Err(TextError::Tokenizer(_))
        ));
        assert!(matches!(
            TextTokenizer::train(&[], 100, 1, 16),
            Err(TextError::InvalidInput(_))
        ));
    }
}
