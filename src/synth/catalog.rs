//! Fixed vocabularies of the generator (segments, plans, industries, regions, features,
//! escalation categories, names) and the shared run context built from them.
//!
//! Values the input contract enumerates (segments, ticket priorities, escalation categories
//! and severities, verdicts) are the contract's own lists from `contract::schema`, so the
//! generator cannot drift from it; the arrays indexed alongside them (weights, medians)
//! are checked against their lengths at compile time. Plans, industries, regions, channels
//! and statuses are free text in the contract: those vocabularies are the generator's.

use super::calendar::Window;
use super::rng::{self, Rng};
use super::{Ctx, SynthError, SynthParams};

pub(crate) use crate::contract::schema::{ESCALATION_CATEGORIES, PRIORITIES, SEGMENTS, SEVERITIES, VERDICTS};

/// Share of accounts per segment.
pub(crate) const SEGMENT_WEIGHTS: [f64; 3] = [0.6, 0.3, 0.1];
/// Median starting ARR (USD) per segment.
pub(crate) const ARR_MEDIAN: [f64; 3] = [11_000.0, 55_000.0, 260_000.0];

/// Plans, cheapest first.
pub(crate) const PLANS: [&str; 4] = ["starter", "growth", "business", "enterprise"];
/// List price per seat and year (USD) per plan.
pub(crate) const SEAT_PRICE: [f64; 4] = [240.0, 420.0, 650.0, 900.0];
/// Plan mix per segment.
pub(crate) const PLAN_WEIGHTS: [[f64; 4]; 3] = [
    [0.55, 0.35, 0.10, 0.0],
    [0.0, 0.40, 0.50, 0.10],
    [0.0, 0.0, 0.30, 0.70],
];
const _: () = assert!(
    SEGMENT_WEIGHTS.len() == SEGMENTS.len()
        && ARR_MEDIAN.len() == SEGMENTS.len()
        && PLAN_WEIGHTS.len() == SEGMENTS.len()
        && FEATURE_ADOPTION.len() == SEGMENTS.len()
);

/// Industries.
pub(crate) const INDUSTRIES: [&str; 12] = [
    "software",
    "fintech",
    "healthcare",
    "retail",
    "manufacturing",
    "logistics",
    "education",
    "media",
    "insurance",
    "public sector",
    "telecom",
    "energy",
];

/// Sales regions and their customers' business hours in UTC `[from, to)` hours.
pub(crate) const REGIONS: [(&str, i64, i64); 4] = [
    ("north-america", 13, 23),
    ("emea", 7, 17),
    ("apac", 0, 10),
    ("latam", 11, 21),
];
/// Share of accounts per region.
pub(crate) const REGION_WEIGHTS: [f64; 4] = [0.45, 0.32, 0.15, 0.08];

/// Product features tracked in `feature_usage`; also the first ten ticket areas.
pub(crate) const FEATURES: [&str; 10] = [
    "dashboards",
    "reports",
    "api",
    "integrations",
    "alerts",
    "workflows",
    "exports",
    "sso",
    "mobile",
    "analytics",
];
/// Probability that an account has adopted each feature, per segment.
pub(crate) const FEATURE_ADOPTION: [[f64; 10]; 3] = [
    [0.92, 0.70, 0.15, 0.35, 0.45, 0.25, 0.40, 0.08, 0.30, 0.15],
    [0.95, 0.80, 0.40, 0.55, 0.60, 0.45, 0.50, 0.45, 0.35, 0.35],
    [0.97, 0.85, 0.70, 0.75, 0.70, 0.60, 0.55, 0.85, 0.45, 0.60],
];
/// Chance per active user and day of touching each feature (drives days with events).
pub(crate) const FEATURE_TOUCH: [f64; 10] = [0.25, 0.06, 0.0, 0.0, 0.04, 0.03, 0.015, 0.0, 0.02, 0.04];
/// Events per active user and day when the feature is used.
pub(crate) const FEATURE_EVENTS: [f64; 10] = [3.0, 1.2, 0.0, 0.0, 0.8, 1.5, 0.4, 1.0, 1.1, 2.0];

/// Ordinary (non-executive) contact roles.
pub(crate) const ROLES: [&str; 12] = [
    "admin",
    "engineer",
    "analyst",
    "manager",
    "team lead",
    "developer",
    "it administrator",
    "finance manager",
    "procurement",
    "operations",
    "data scientist",
    "support lead",
];
/// Executive roles.
pub(crate) const EXEC_ROLES: [&str; 8] = [
    "ceo",
    "cto",
    "cfo",
    "coo",
    "vp engineering",
    "vp operations",
    "head of data",
    "chief customer officer",
];
/// Roles a champion typically has.
pub(crate) const CHAMPION_ROLES: [&str; 5] =
    ["manager", "team lead", "admin", "head of operations", "director"];

/// Given names.
pub(crate) const FIRST_NAMES: [&str; 64] = [
    "Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam",
    "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoe", "Aisha", "Bruno", "Carmen", "Dmitri", "Emma", "Felix", "Gita", "Hannah", "Ivan", "Julia",
    "Kwame", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma", "Victor",
    "Wanda", "Yara", "Zane", "Amir", "Bianca", "Caleb", "Daria", "Ethan", "Fatima", "George", "Helena",
    "Isaac", "Jade", "Kenji", "Laura", "Mateo", "Nora",
];
/// Family names.
pub(crate) const LAST_NAMES: [&str; 64] = [
    "Silva",
    "Smith",
    "Garcia",
    "Chen",
    "Muller",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Okafor",
    "Patel",
    "Johansson",
    "Dubois",
    "Tanaka",
    "Kim",
    "Novak",
    "Haddad",
    "Lopez",
    "Brown",
    "Wilson",
    "Costa",
    "Schmidt",
    "Moreau",
    "Ivanova",
    "Singh",
    "Yilmaz",
    "Andersen",
    "Fischer",
    "Romero",
    "Sato",
    "Park",
    "Mensah",
    "Clarke",
    "Bianchi",
    "Horvat",
    "Lindqvist",
    "Ortiz",
    "Weber",
    "Martin",
    "Murphy",
    "Kaur",
    "Fernandes",
    "Berg",
    "Hoffmann",
    "Quinn",
    "Reyes",
    "Sousa",
    "Taylor",
    "Ueda",
    "Varga",
    "Walsh",
    "Young",
    "Zhang",
    "Abbott",
    "Baker",
    "Cruz",
    "Diaz",
    "Evans",
    "Ford",
    "Gomez",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lee",
];
/// First part of company names.
const NAME_PREFIX: [&str; 40] = [
    "Blue", "North", "Silver", "Iron", "Bright", "Clear", "Red", "Green", "Oak", "Pine", "Stone", "River",
    "Summit", "Cedar", "Maple", "Falcon", "Eagle", "Harbor", "Lake", "Star", "Sun", "Moon", "Frost",
    "Golden", "Swift", "True", "Prime", "Alpha", "Nova", "Atlas", "Apex", "Vertex", "Quantum", "Orbit",
    "Zen", "Terra", "Aqua", "Ember", "Crystal", "Wild",
];
/// Second part of company names.
const NAME_CORE: [&str; 30] = [
    "stone", "field", "bridge", "point", "gate", "wave", "line", "ridge", "works", "path", "peak", "light",
    "forge", "mark", "view", "port", "shore", "craft", "hub", "stream", "base", "leaf", "wood", "well",
    "way", "spring", "rock", "wind", "star", "cloud",
];
/// Legal-form suffix of company names.
const NAME_SUFFIX: [&str; 12] = [
    "Inc",
    "Group",
    "Labs",
    "Systems",
    "Partners",
    "Holdings",
    "Technologies",
    "Solutions",
    "Corp",
    "Ltd",
    "GmbH",
    "Co",
];
/// Number of distinct company names before a numeric suffix is needed.
const NAME_SPACE: usize = NAME_PREFIX.len() * NAME_CORE.len() * NAME_SUFFIX.len();

/// Number of customer success managers.
const CSM_COUNT: usize = 25;

/// Builds the shared context of a run.
pub(crate) fn context(params: &SynthParams) -> Result<Ctx, SynthError> {
    let window = Window::new(params.end, params.months)?;
    let mut rng = rng::stream(params.seed, u64::MAX, 1);
    let mut csms: Vec<(String, String)> = Vec::with_capacity(CSM_COUNT);
    while csms.len() < CSM_COUNT {
        let first = rng::pick(&mut rng, &FIRST_NAMES);
        let last = rng::pick(&mut rng, &LAST_NAMES);
        let name = format!("{first} {last}");
        if csms.iter().all(|(n, _)| *n != name) {
            let email = format!("{}.{}@vendor.example", first.to_lowercase(), last.to_lowercase());
            csms.push((name, email));
        }
    }
    let mut stride = 7_919 + rng::int(&mut rng, 0, 5_000) as usize;
    while gcd(stride, NAME_SPACE) != 1 {
        stride += 1;
    }
    let name_offset = rng::int(&mut rng, 0, NAME_SPACE as i64 - 1) as usize;
    Ok(Ctx {
        seed: params.seed,
        accounts: params.accounts,
        window,
        csms,
        name_stride: stride,
        name_offset,
    })
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Unique company name of account `idx` and its e-mail domain.
pub(crate) fn company_name(ctx: &Ctx, idx: usize) -> (String, String) {
    let j = (idx % NAME_SPACE * ctx.name_stride + ctx.name_offset) % NAME_SPACE;
    let per_prefix = NAME_CORE.len() * NAME_SUFFIX.len();
    let prefix = NAME_PREFIX[j / per_prefix];
    let core = NAME_CORE[(j / NAME_SUFFIX.len()) % NAME_CORE.len()];
    let suffix = NAME_SUFFIX[j % NAME_SUFFIX.len()];
    let round = idx / NAME_SPACE;
    let stem = format!("{prefix}{core}");
    let (name, slug) = if round == 0 {
        (format!("{stem} {suffix}"), stem.to_lowercase())
    } else {
        (
            format!("{stem} {suffix} {}", round + 1),
            format!("{}{}", stem.to_lowercase(), round + 1),
        )
    };
    let domain = format!("{slug}-{}.example", suffix.to_lowercase());
    (name, domain)
}

/// A random business-hours second of the day (UTC) for a customer in `region`.
pub(crate) fn business_second(rng: &mut Rng, region: usize) -> i64 {
    let (_, from, to) = REGIONS[region.min(REGIONS.len() - 1)];
    rng::int(rng, from * 3600, to * 3600 - 1)
}

/// First second (UTC) of the business day of a customer in `region`; every event of the
/// day is at or after it.
pub(crate) fn business_start(region: usize) -> i64 {
    REGIONS[region.min(REGIONS.len() - 1)].1 * 3600
}

/// Extra trouble tickets per weekday at full build-up of an escalation, per category (the
/// simulation and the escalation episodes both read it).
pub(crate) const TICKET_BURST: [f64; 6] = [2.0, 2.8, 1.7, 1.7, 2.5, 2.5];
/// How strongly the champion goes silent before an escalation, per category.
pub(crate) const SILENCE: [f64; 6] = [0.75, 0.65, 0.9, 1.0, 0.7, 0.65];
const _: () = assert!(
    TICKET_BURST.len() == ESCALATION_CATEGORIES.len() && SILENCE.len() == ESCALATION_CATEGORIES.len()
);
