//! A small sentiment lexicon: the documented fallback that marks a text negative when the
//! sentiment stage did not score it (the stage did not run, or the text is newer than its
//! output); see `tone.rs`.
//!
//! A text is negative when it holds more negative than positive cues. Cues are lower-case
//! word stems matched as substrings, so "frustrat" matches "frustrated" and "frustrating".

/// Cues of frustration, urgency and failure.
const NEGATIVE: &[&str] = &[
    "frustrat",
    "unacceptable",
    "angry",
    "furious",
    "disappoint",
    "terrible",
    "awful",
    "horrible",
    "worst",
    "useless",
    "broken",
    "still not",
    "still broken",
    "again",
    "escalat",
    "cancel",
    "refund",
    "churn",
    "outage",
    "down for",
    "not working",
    "doesn't work",
    "does not work",
    "fail",
    "crash",
    "urgent",
    "asap",
    "immediately",
    "ridiculous",
    "waste",
    "losing",
    "lost",
    "complain",
    "unhappy",
    "poor",
    "slow",
    "blocked",
    "no response",
    "ignored",
    "nobody",
];

/// Cues of satisfaction.
const POSITIVE: &[&str] = &[
    "thank",
    "great",
    "love",
    "awesome",
    "excellent",
    "amazing",
    "happy",
    "appreciate",
    "perfect",
    "fantastic",
    "helpful",
    "resolved",
    "works now",
    "glad",
    "impressed",
];

/// Whether a text reads negative under the lexicon.
pub fn is_negative(text: &str) -> bool {
    let lower = text.to_lowercase();
    let neg = NEGATIVE.iter().filter(|c| lower.contains(*c)).count();
    let pos = POSITIVE.iter().filter(|c| lower.contains(*c)).count();
    neg > pos
}

#[cfg(test)]
mod tests {
    use super::is_negative;

    #[test]
    fn lexicon_reads_tone() {
        assert!(is_negative(
            "This is unacceptable, the export is STILL broken and we are frustrated"
        ));
        assert!(!is_negative("Thanks, the dashboard works now, great support"));
        assert!(!is_negative("How do I add a user?"));
    }
}
