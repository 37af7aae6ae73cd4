//! Composes customer and CSM texts from the phrase banks: ticket subjects and bodies of
//! 1–8 sentences whose wording follows the customer's tone, NPS comments, e-mails, call
//! notes and feedback notes, with occasional typos and shouting.

use super::phrases::{
    ASKS, CLOSERS, GREETINGS, IMPACTS, OPENERS, PRAISE, QUESTION_ASKS, QUESTION_CLOSERS, SIGNOFFS,
    SUBJECT_PREFIX, SUBJECT_SUFFIX, TONES,
};
use super::phrases_areas::{AREAS, Area};
use super::phrases_misc::{
    CALL_NOTES, ESCALATION_OPEN, FEEDBACK_NOTES, INBOUND, NPS_DETRACTOR, NPS_PASSIVE, NPS_PROMOTER,
    OUT_CHECK_IN, OUT_ESCALATION, OUT_ISSUE, OUT_ONBOARDING, OUT_QBR, OUT_RELEASE, OUT_RENEWAL, REPLIES,
};
use super::rng::{self, Rng, chance, pick};

/// Areas `0..FEATURE_AREAS` are product features.
const FEATURE_AREAS: usize = 10;
/// Chance of a typo in a ticket body, per tone.
const TYPO_RATE: [f64; TONES] = [0.3, 0.18, 0.07, 0.06, 0.08];
/// Distribution of the number of sentences in a ticket body (1–8).
const SENTENCE_WEIGHTS: [f64; 8] = [0.08, 0.17, 0.2, 0.19, 0.14, 0.1, 0.07, 0.05];

/// Kind of outbound CSM message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OutKind {
    #[default]
    CheckIn,
    Qbr,
    Renewal,
    Release,
    Onboarding,
    Issue,
    Escalation,
}

/// The customer's mood for short messages: 0 negative, 1 neutral, 2 positive.
pub(crate) fn mood(tone: usize) -> usize {
    match tone {
        0 | 1 => 0,
        2 => 1,
        _ => 2,
    }
}

/// Fills `{area}`, `{Area}`, `{n}` and `{name}` placeholders.
fn fill(template: &str, area: &Area, name: &str, rng: &mut Rng) -> String {
    let mut s = template.replace("{area}", area.noun);
    if s.contains("{Area}") {
        let mut chars = area.noun.chars();
        let cap = chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default();
        s = s.replace("{Area}", &cap);
    }
    if s.contains("{n}") {
        s = s.replace("{n}", &rng::int(rng, 2, 9).to_string());
    }
    if s.contains("{name}") {
        s = s.replace("{name}", if name.is_empty() { "there" } else { name });
    }
    s
}

fn area(index: usize) -> &'static Area {
    &AREAS[index.min(AREAS.len() - 1)]
}

/// Subject and body of a ticket about area `area_ix` in tone `tone` (0 furious … 4
/// delighted); `problem` selects a problem report rather than a question.
pub(crate) fn ticket(
    rng: &mut Rng,
    tone: usize,
    area_ix: usize,
    problem: bool,
    name: &str,
) -> (String, String) {
    let tone = tone.min(TONES - 1);
    let a = area(area_ix);
    let core = pick(
        rng,
        if problem {
            a.problem_subjects
        } else {
            a.question_subjects
        },
    );
    let mut subject = format!(
        "{}{}{}",
        pick(rng, SUBJECT_PREFIX[tone]),
        core,
        pick(rng, SUBJECT_SUFFIX[tone])
    );
    if tone == 0 && chance(rng, 0.2) {
        subject = subject.to_uppercase();
    }
    let sentences = ticket_sentences(rng, tone, a, problem, name);
    let mut body = String::new();
    if chance(rng, if tone == 0 { 0.35 } else { 0.75 }) {
        body.push_str(pick(rng, GREETINGS[tone]));
        body.push_str("\n\n");
    }
    body.push_str(&sentences.join(" "));
    let signoff = pick(rng, SIGNOFFS[tone]);
    if !signoff.is_empty() && chance(rng, 0.7) {
        body.push_str("\n\n");
        body.push_str(signoff);
        if !name.is_empty() {
            body.push('\n');
            body.push_str(name);
        }
    }
    if chance(rng, TYPO_RATE[tone]) {
        for _ in 0..rng::int(rng, 1, 2) {
            body = typo(rng, &body);
        }
    }
    (subject, body)
}

/// The sentences of a ticket body, in reading order.
fn ticket_sentences(rng: &mut Rng, tone: usize, a: &Area, problem: bool, name: &str) -> Vec<String> {
    let n = rng::weighted(rng, &SENTENCE_WEIGHTS) + 1 + usize::from(tone == 0 && chance(rng, 0.4));
    let main = if problem {
        pick(rng, a.problems)
    } else if tone >= 3 && chance(rng, 0.4) {
        pick(rng, &PRAISE)
    } else {
        pick(rng, a.questions)
    };
    let second = if problem {
        pick(rng, a.problems)
    } else {
        pick(rng, a.questions)
    };
    let negative = tone <= 1 || (tone == 2 && problem);
    // Questions from calm customers get question-style asks and closing lines.
    let (asks, closers) = if !problem && tone >= 2 {
        (&QUESTION_ASKS[..], &QUESTION_CLOSERS[..])
    } else {
        (ASKS[tone], CLOSERS[tone])
    };
    // Slots in reading order, with the rank at which each is included.
    let mut slots: Vec<(usize, String)> = vec![
        (2, fill(pick(rng, OPENERS[tone]), a, name, rng)),
        (0, fill(main, a, name, rng)),
        (5, fill(second, a, name, rng)),
        (
            if negative { 4 } else { 9 },
            fill(pick(rng, &IMPACTS), a, name, rng),
        ),
        (1, fill(pick(rng, asks), a, name, rng)),
        (3, fill(pick(rng, closers), a, name, rng)),
        (6, fill(pick(rng, closers), a, name, rng)),
        (7, fill(pick(rng, OPENERS[tone]), a, name, rng)),
    ];
    slots.retain(|(rank, _)| *rank < n);
    let mut out: Vec<String> = Vec::with_capacity(slots.len());
    for (_, s) in slots {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if tone == 0
        && out.len() > 1
        && chance(rng, 0.25)
        && let Some(last) = out.last_mut()
    {
        *last = last.to_uppercase();
    }
    out
}

/// Introduces one typo (swapped, dropped or doubled letter) into a word of 4+ letters.
fn typo(rng: &mut Rng, s: &str) -> String {
    if !s.is_ascii() {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            if i - start >= 4 {
                words.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    let Some(&(start, end)) = words.get(rng::int(rng, 0, words.len() as i64 - 1) as usize) else {
        return s.to_string();
    };
    let pos = rng::int(rng, start as i64 + 1, end as i64 - 2) as usize;
    let mut b = bytes.to_vec();
    match rng::int(rng, 0, 2) {
        0 => b.swap(pos, pos + 1),
        1 => {
            b.remove(pos);
        }
        _ => b.insert(pos, b[pos]),
    }
    String::from_utf8(b).unwrap_or_else(|_| s.to_string())
}

/// An NPS comment for `score` mentioning area `area_ix`.
pub(crate) fn nps_comment(rng: &mut Rng, score: i64, area_ix: usize) -> String {
    let a = area(area_ix);
    let bank: &[&str] = match score {
        0..=6 => &NPS_DETRACTOR,
        7 | 8 => &NPS_PASSIVE,
        _ => &NPS_PROMOTER,
    };
    // Only product features read well in "{area}" comments; other areas use generic ones.
    let bank: Vec<&str> = bank
        .iter()
        .copied()
        .filter(|t| area_ix < FEATURE_AREAS || !t.contains("{area}"))
        .collect();
    let mut s = fill(pick(rng, &bank), a, "", rng);
    if chance(rng, 0.3) {
        let more = fill(pick(rng, &bank), a, "", rng);
        if more != s {
            s.push(' ');
            s.push_str(&more);
        }
    }
    if chance(rng, 0.06) { typo(rng, &s) } else { s }
}

/// An outbound CSM e-mail `(subject, body)` to `name`.
pub(crate) fn outbound(rng: &mut Rng, kind: OutKind, area_ix: usize, name: &str) -> (String, String) {
    let bank: &[(&str, &str)] = match kind {
        OutKind::CheckIn => &OUT_CHECK_IN,
        OutKind::Qbr => &OUT_QBR,
        OutKind::Renewal => &OUT_RENEWAL,
        OutKind::Release => &OUT_RELEASE,
        OutKind::Onboarding => &OUT_ONBOARDING,
        OutKind::Issue => &OUT_ISSUE,
        OutKind::Escalation => &OUT_ESCALATION,
    };
    pair(pick(rng, bank), area_ix, name, rng)
}

fn pair((subject, body): (&str, &str), area_ix: usize, name: &str, rng: &mut Rng) -> (String, String) {
    let a = area(area_ix);
    (fill(subject, a, name, rng), fill(body, a, name, rng))
}

/// Notes of a call or meeting the CSM logged.
pub(crate) fn call_notes(rng: &mut Rng, area_ix: usize) -> (String, String) {
    pair(pick(rng, &CALL_NOTES), area_ix, "", rng)
}

/// A customer's reply to `subject` in `mood` (0 negative … 2 positive), signed by `name`.
pub(crate) fn reply(
    rng: &mut Rng,
    mood: usize,
    subject: &str,
    area_ix: usize,
    name: &str,
) -> (String, String) {
    let a = area(area_ix);
    let mut body = fill(pick(rng, REPLIES[mood.min(2)]), a, name, rng);
    if !name.is_empty() {
        body.push_str("\n\n");
        body.push_str(name);
    }
    let subject = if subject.starts_with("Re: ") {
        subject.to_string()
    } else {
        format!("Re: {subject}")
    };
    (subject, body)
}

/// A spontaneous customer message in `mood`.
pub(crate) fn inbound(rng: &mut Rng, mood: usize, area_ix: usize) -> (String, String) {
    pair(pick(rng, INBOUND[mood.min(2)]), area_ix, "", rng)
}

/// The customer's message that opens an escalation.
pub(crate) fn escalation_open(rng: &mut Rng, area_ix: usize) -> (String, String) {
    pair(pick(rng, &ESCALATION_OPEN), area_ix, "", rng)
}

/// A CSM's note on a verdict (index into the contract's verdicts).
pub(crate) fn feedback_note(rng: &mut Rng, verdict: usize) -> String {
    pick(rng, FEEDBACK_NOTES[verdict.min(FEEDBACK_NOTES.len() - 1)]).to_string()
}
