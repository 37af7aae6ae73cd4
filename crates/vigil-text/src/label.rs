//! The three sentiment classes and the ways raw labels and ratings map onto them.

use serde::{Deserialize, Serialize};

/// A sentiment class. The discriminant is the class index used by every model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    /// Frustrated, angry, disappointed.
    Negative = 0,
    /// Neither clearly negative nor clearly positive.
    Neutral = 1,
    /// Satisfied, thankful, happy.
    Positive = 2,
}

/// Number of sentiment classes.
pub const NUM_CLASSES: usize = 3;

impl Sentiment {
    /// All classes in index order.
    pub const ALL: [Sentiment; NUM_CLASSES] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];

    /// The class index (0 negative, 1 neutral, 2 positive).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The class with this index, if any.
    pub fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }

    /// The lowercase name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }

    /// Parses a class name (case-insensitive, surrounding spaces ignored).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(raw))
    }

    /// The class with the highest probability (ties go to the lower index).
    pub fn argmax(probabilities: &[f32]) -> Self {
        let mut best = 0;
        for (i, p) in probabilities.iter().enumerate().take(NUM_CLASSES) {
            if *p > probabilities[best] {
                best = i;
            }
        }
        Self::ALL[best]
    }
}

impl std::fmt::Display for Sentiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Maps raw label values (`"0"`, `"pos"`, `"negative"`, …) to classes.
///
/// Without an explicit map, the class names themselves are accepted (case-insensitive).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelMap {
    entries: Vec<(String, Sentiment)>,
}

impl LabelMap {
    /// Parses `"0=negative,1=positive"`. Every value must name a class; keys must be unique.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut entries: Vec<(String, Sentiment)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (raw, class) = part
                .split_once('=')
                .ok_or_else(|| format!("label map entry `{part}` is not of the form RAW=CLASS"))?;
            let raw = raw.trim().to_string();
            let class = Sentiment::parse(class).ok_or_else(|| {
                format!(
                    "label map entry `{part}`: `{}` is not negative, neutral or positive",
                    class.trim()
                )
            })?;
            if entries.iter().any(|(r, _)| *r == raw) {
                return Err(format!("label map names `{raw}` twice"));
            }
            entries.push((raw, class));
        }
        if entries.is_empty() {
            return Err("label map is empty; expected e.g. \"0=negative,1=positive\"".into());
        }
        Ok(Self { entries })
    }

    /// The class of a raw label value, or `None` when the value is not mapped.
    pub fn map(&self, raw: &str) -> Option<Sentiment> {
        let raw = raw.trim();
        if self.entries.is_empty() {
            return Sentiment::parse(raw);
        }
        self.entries.iter().find(|(r, _)| r == raw).map(|(_, s)| *s)
    }

    /// The raw values this map accepts, for error messages.
    pub fn accepted(&self) -> Vec<String> {
        if self.entries.is_empty() {
            return Sentiment::ALL.iter().map(|s| s.name().to_string()).collect();
        }
        self.entries.iter().map(|(r, _)| r.clone()).collect()
    }
}

/// Turns a numeric rating into a class: at or below `negative_at_most` is negative, at or
/// above `positive_at_least` is positive, anything between is neutral.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingThresholds {
    /// Ratings at or below this value are negative.
    pub negative_at_most: f64,
    /// Ratings at or above this value are positive.
    pub positive_at_least: f64,
}

impl RatingThresholds {
    /// VADER ground truth: mean human rating on −4..+4; ≤ −0.5 negative, ≥ 0.5 positive.
    pub const VADER: Self = Self {
        negative_at_most: -0.5,
        positive_at_least: 0.5,
    };
    /// Ticket CSAT 1–5: 1–2 negative, 3 neutral, 4–5 positive.
    pub const CSAT: Self = Self {
        negative_at_most: 2.0,
        positive_at_least: 4.0,
    };
    /// NPS 0–10: 0–6 negative (detractor), 7–8 neutral (passive), 9–10 positive (promoter).
    pub const NPS: Self = Self {
        negative_at_most: 6.0,
        positive_at_least: 9.0,
    };

    /// Checked constructor: both finite and `negative_at_most < positive_at_least`.
    pub fn new(negative_at_most: f64, positive_at_least: f64) -> Result<Self, String> {
        if !negative_at_most.is_finite() || !positive_at_least.is_finite() {
            return Err("rating thresholds must be finite numbers".into());
        }
        if negative_at_most >= positive_at_least {
            return Err(format!(
                "negative threshold {negative_at_most} must be below positive threshold {positive_at_least}"
            ));
        }
        Ok(Self {
            negative_at_most,
            positive_at_least,
        })
    }

    /// The class of a rating.
    pub fn label(&self, rating: f64) -> Sentiment {
        if rating <= self.negative_at_most {
            Sentiment::Negative
        } else if rating >= self.positive_at_least {
            Sentiment::Positive
        } else {
            Sentiment::Neutral
        }
    }
}
