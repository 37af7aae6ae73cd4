//! Text tone for the ticket and NPS features: the sentiment stage's per-text labels
//! (`text_sentiment`) when present, the lexicon fallback for texts it did not score.

use super::FeatureError;
use super::lexicon::is_negative;
use crate::contract::columns::strings;
use polars::prelude::*;

/// The `text_id` the sentiment stage gives an NPS response (the contract has no response
/// id): `<account_id>@<responded_at in microseconds since the epoch>`.
pub fn nps_text_id(account_id: &str, responded_at_us: i64) -> String {
    format!("{account_id}@{responded_at_us}")
}

/// Which texts read negative.
#[derive(Debug, Default)]
pub struct Tone {
    /// `source_table` → `text_id` → negative, from the model.
    scored: PlHashMap<String, PlHashMap<String, bool>>,
}

impl Tone {
    /// Builds the lookup from a `text_sentiment` frame (`source_table`, `text_id`, `label`);
    /// without one, every text goes to the lexicon.
    pub fn new(text_sentiment: Option<&DataFrame>) -> Result<Self, FeatureError> {
        let Some(frame) = text_sentiment else {
            return Ok(Self::default());
        };
        let table = strings(frame, "text_sentiment", "source_table")?;
        let id = strings(frame, "text_sentiment", "text_id")?;
        let label = strings(frame, "text_sentiment", "label")?;
        let mut scored: PlHashMap<String, PlHashMap<String, bool>> = PlHashMap::new();
        for ((t, i), l) in table.into_iter().zip(id).zip(label) {
            if let (Some(t), Some(i), Some(l)) = (t, i, l) {
                scored.entry(t).or_default().insert(i, l == "negative");
            }
        }
        Ok(Self { scored })
    }

    /// Whether the model scored any text.
    pub fn has_model_scores(&self) -> bool {
        !self.scored.is_empty()
    }

    /// Whether a text reads negative: the model's label when it scored `(table, id)`,
    /// otherwise the lexicon on `text()`.
    pub fn negative(&self, table: &str, id: Option<&str>, text: impl FnOnce() -> String) -> bool {
        if let Some(id) = id
            && let Some(neg) = self.scored.get(table).and_then(|ids| ids.get(id))
        {
            return *neg;
        }
        is_negative(&text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_labels_win_and_lexicon_fills_the_gaps() {
        let frame = df!(
            "source_table" => ["tickets", "tickets"],
            "text_id" => ["T1", "T2"],
            "label" => ["positive", "negative"],
        )
        .unwrap();
        let tone = Tone::new(Some(&frame)).unwrap();
        assert!(tone.has_model_scores());
        // The lexicon would call this negative; the model said positive.
        assert!(!tone.negative("tickets", Some("T1"), || "outage again, unacceptable".into()));
        assert!(tone.negative("tickets", Some("T2"), || "thanks".into()));
        // Not scored: lexicon.
        assert!(tone.negative("tickets", Some("T3"), || "outage again, unacceptable".into()));
        assert!(
            !Tone::new(None)
                .unwrap()
                .negative("tickets", Some("T1"), || "thanks a lot".into())
        );
    }
}
