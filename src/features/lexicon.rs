//! A small sentiment lexicon: the documented fallback that marks a text negative when the
//! sentiment stage did not score it (the stage did not run, or the text is newer than its
//! output); see `tone.rs`.
//!
//! A text is negative when it holds more negative than positive cues. Cues are lower-case
//! word stems matched as substrings, so "frustrat" matches "frustrated" and "frustrating".

use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

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

/// Every cue in one automaton (negative cues first): one pass over a text finds them all.
/// ASCII case-insensitive matching stands in for lower-casing the text, as every cue is
/// lower-case ASCII.
static CUES: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(NEGATIVE.iter().chain(POSITIVE))
        .ok()
});

/// Whether a text reads negative under the lexicon: more distinct negative cues than
/// positive ones occur in it.
pub fn is_negative(text: &str) -> bool {
    let Some(cues) = CUES.as_ref() else {
        return false;
    };
    let mut seen = [false; NEGATIVE.len() + POSITIVE.len()];
    for m in cues.find_overlapping_iter(text) {
        seen[m.pattern().as_usize()] = true;
    }
    let neg = seen[..NEGATIVE.len()].iter().filter(|s| **s).count();
    let pos = seen[NEGATIVE.len()..].iter().filter(|s| **s).count();
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
        // Case does not matter, and a cue counts once however often it occurs.
        assert!(is_negative("OUTAGE again"));
        assert!(!is_negative("outage outage outage, thanks, great"));
    }
}
