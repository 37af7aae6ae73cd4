//! The configurable value sets of the contract (`[taxonomy]` of the pipeline config):
//! segments, ticket priorities (ordered, with the ones that count as high), escalation
//! severities and categories, and communication channels.
//!
//! The defaults are the seed's sets, so a config without `[taxonomy]` validates exactly as
//! before. Values compare case-insensitively after trimming and are stored in the configured
//! spelling ([`ValueSet::find`]).

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Account segments (the default of `[taxonomy] segments`).
pub const SEGMENTS: &[&str] = &["smb", "mid-market", "enterprise"];
/// Ticket priorities, lowest first (the default of `[taxonomy] priorities`).
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
/// Escalation categories (the seed's six common escalation types; the default of
/// `[taxonomy.categories] values`).
pub const ESCALATION_CATEGORIES: &[&str] = &[
    "implementation_delay",
    "product_defect",
    "pricing_dispute",
    "team_transition",
    "integration",
    "performance",
];
/// Escalation severities, mildest first (the default of `[taxonomy] severities`).
pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];

/// A configurable column value set a contract column is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomySet {
    /// `accounts.segment`.
    Segment,
    /// `tickets.priority`.
    Priority,
    /// `escalations.severity`.
    Severity,
    /// `escalations.category`.
    Category,
    /// `tickets.channel` and `communications.channel` (any value unless configured).
    Channel,
}

impl TaxonomySet {
    /// The `[taxonomy]` key that configures the set.
    pub fn key(self) -> &'static str {
        match self {
            Self::Segment => "taxonomy.segments",
            Self::Priority => "taxonomy.priorities",
            Self::Severity => "taxonomy.severities",
            Self::Category => "taxonomy.categories.values",
            Self::Channel => "taxonomy.channels",
        }
    }
}

/// An ordered list of allowed values in their configured spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSet {
    values: Vec<String>,
    /// Normalised form ([`normalise`]) of each value, in the same order.
    keys: Vec<String>,
}

impl ValueSet {
    /// The set of `values`, in their order (duplicates are the config's job to refuse).
    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        let values: Vec<String> = values
            .into_iter()
            .map(|v| v.as_ref().trim().to_string())
            .collect();
        let keys = values.iter().map(|v| normalise(v)).collect();
        Self { values, keys }
    }

    /// The values in configured order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The configured spelling of `value` (compared case-insensitively after trimming).
    pub fn find(&self, value: &str) -> Option<&str> {
        self.position(value).map(|i| self.values[i].as_str())
    }

    /// The 0-based rank of `value` in the configured order.
    pub fn position(&self, value: &str) -> Option<usize> {
        let key = normalise(value);
        self.keys.iter().position(|k| *k == key)
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &str) -> bool {
        self.position(value).is_some()
    }
}

/// The form values are compared in: trimmed, lower-case.
pub fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

/// `[taxonomy.categories]`: the escalation categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Categories {
    /// The known categories.
    pub values: ValueSet,
    /// Whether a category outside [`Self::values`] is accepted (with a warning) rather than
    /// quarantined.
    pub open: bool,
    /// With `open`: categories seen fewer times than this in the category model's training
    /// cases are folded into [`OTHER_CATEGORY`].
    pub min_count: usize,
    /// Display titles by category (configured spelling); others get [`title_of`].
    pub display: BTreeMap<String, String>,
}

/// The class rare open categories are folded into by the category model.
pub const OTHER_CATEGORY: &str = "other";

/// Default `min_count` of open categories.
pub const DEFAULT_MIN_COUNT: usize = 20;

/// The value sets validation and every downstream user follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    /// Account segments.
    pub segments: ValueSet,
    /// Ticket priorities, lowest first.
    pub priorities: ValueSet,
    /// The priorities that count as high (a subset of [`Self::priorities`]).
    pub high_priorities: ValueSet,
    /// Escalation severities, mildest first.
    pub severities: ValueSet,
    /// Communication channels; `None` accepts any value.
    pub channels: Option<ValueSet>,
    /// Escalation categories.
    pub categories: Categories,
}

impl Default for Taxonomy {
    /// The seed's sets: what vigil accepted before `[taxonomy]` existed.
    fn default() -> Self {
        Self {
            segments: ValueSet::new(SEGMENTS),
            priorities: ValueSet::new(PRIORITIES),
            high_priorities: ValueSet::new(["high", "urgent"]),
            severities: ValueSet::new(SEVERITIES),
            channels: None,
            categories: Categories {
                values: ValueSet::new(ESCALATION_CATEGORIES),
                open: false,
                min_count: DEFAULT_MIN_COUNT,
                display: BTreeMap::new(),
            },
        }
    }
}

static DEFAULT: LazyLock<Taxonomy> = LazyLock::new(Taxonomy::default);

impl Taxonomy {
    /// The default taxonomy, shared (for callers without a config, such as tests).
    pub fn builtin() -> &'static Taxonomy {
        &DEFAULT
    }

    /// The values of `set`; `None` when any value is accepted (channels not configured).
    pub fn set(&self, set: TaxonomySet) -> Option<&ValueSet> {
        match set {
            TaxonomySet::Segment => Some(&self.segments),
            TaxonomySet::Priority => Some(&self.priorities),
            TaxonomySet::Severity => Some(&self.severities),
            TaxonomySet::Category => Some(&self.categories.values),
            TaxonomySet::Channel => self.channels.as_ref(),
        }
    }

    /// Whether values outside `set` are accepted with a warning instead of quarantined.
    pub fn is_open(&self, set: TaxonomySet) -> bool {
        set == TaxonomySet::Category && self.categories.open
    }

    /// Whether a ticket priority counts as high.
    pub fn is_high_priority(&self, priority: &str) -> bool {
        self.high_priorities.contains(priority)
    }

    /// The display title of a category: its configured `display` title, else one derived
    /// from the name ([`title_of`]).
    pub fn category_title(&self, category: &str) -> String {
        let configured = self.categories.values.find(category).unwrap_or(category);
        match self.categories.display.get(configured) {
            Some(title) => title.clone(),
            None => title_of(configured),
        }
    }
}

/// A title from a name: separators become spaces and the first letter is upper-case
/// (`product_defect` → `Product defect`, `Champion change` stays).
pub fn title_of(name: &str) -> String {
    let spaced: String = name
        .trim()
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The file-name slug of a category: lower-case, every run of non-alphanumerics one `_`
/// (`Champion change` → `champion_change`, `product_defect` unchanged).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_case_insensitively_and_keep_the_configured_spelling() {
        let set = ValueSet::new(["P4", "P3", "Champion change"]);
        assert_eq!(set.find(" p4 "), Some("P4"));
        assert_eq!(set.find("CHAMPION CHANGE"), Some("Champion change"));
        assert_eq!(set.position("p3"), Some(1));
        assert_eq!(set.find("P0"), None);
    }

    #[test]
    fn defaults_are_the_seed_sets() {
        let t = Taxonomy::builtin();
        assert_eq!(t.segments.values(), SEGMENTS);
        assert_eq!(t.priorities.values(), PRIORITIES);
        assert!(t.is_high_priority("urgent") && t.is_high_priority("High") && !t.is_high_priority("normal"));
        assert_eq!(t.set(TaxonomySet::Channel), None);
        assert!(!t.is_open(TaxonomySet::Category));
    }

    #[test]
    fn slugs_and_titles_follow_the_spec() {
        assert_eq!(slug("Champion change"), "champion_change");
        assert_eq!(slug("product_defect"), "product_defect");
        assert_eq!(slug(" Security / Review!"), "security_review");
        assert_eq!(title_of("product_defect"), "Product defect");
        assert_eq!(title_of("Champion change"), "Champion change");
        let mut t = Taxonomy::default();
        t.categories.values = ValueSet::new(["Outage"]);
        t.categories
            .display
            .insert("Outage".into(), "Outage / incident".into());
        assert_eq!(t.category_title("outage"), "Outage / incident");
    }
}
