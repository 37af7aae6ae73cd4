//! `[taxonomy]`: the value sets of segments, ticket priorities, severities, escalation
//! categories and channels, checked and turned into a [`contract::Taxonomy`]. Every key is
//! optional; an absent one keeps the seed's set, so configs without the section validate as
//! before.

use crate::contract::taxonomy::{self, Categories, DEFAULT_MIN_COUNT, Taxonomy, ValueSet, normalise};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

/// `[taxonomy]` as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyOptions {
    /// Account segments.
    pub segments: Option<Vec<String>>,
    /// Ticket priorities, lowest first.
    pub priorities: Option<Vec<String>>,
    /// Which priorities count as high (default: `high`, `urgent` with the default
    /// priorities, else the upper half of the configured ones).
    pub high_priorities: Option<Vec<String>>,
    /// Escalation severities, mildest first.
    pub severities: Option<Vec<String>>,
    /// Communication channels (absent: any value).
    pub channels: Option<Vec<String>>,
    /// `[taxonomy.categories]`.
    #[serde(default)]
    pub categories: CategoryOptions,
}

/// `[taxonomy.categories]` as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryOptions {
    /// Escalation categories.
    pub values: Option<Vec<String>>,
    /// Accept categories outside `values` with a warning.
    #[serde(default)]
    pub open: bool,
    /// With `open`: categories seen fewer times in training fold into `other` (default 20).
    pub min_count: Option<usize>,
    /// Display titles by category.
    #[serde(default)]
    pub display: BTreeMap<String, String>,
}

/// A rejected key: (dotted key, offending value, what is allowed).
pub type KeyError = (String, String, String);

impl TaxonomyOptions {
    /// Checks every list and builds the taxonomy; the first problem names its key.
    pub fn resolve(&self) -> Result<Taxonomy, KeyError> {
        let default = Taxonomy::default();
        let set = |key: &str, values: &Option<Vec<String>>, fallback: &ValueSet| match values {
            Some(v) => value_set(key, v),
            None => Ok(fallback.clone()),
        };
        let priorities = set("taxonomy.priorities", &self.priorities, &default.priorities)?;
        let high_fallback = match self.priorities {
            Some(_) => upper_half(&priorities),
            None => default.high_priorities.clone(),
        };
        let high_priorities = set("taxonomy.high_priorities", &self.high_priorities, &high_fallback)?;
        subset(
            "taxonomy.high_priorities",
            &high_priorities,
            "taxonomy.priorities",
            &priorities,
        )?;
        let channels = match &self.channels {
            Some(v) => Some(value_set("taxonomy.channels", v)?),
            None => None,
        };
        Ok(Taxonomy {
            segments: set("taxonomy.segments", &self.segments, &default.segments)?,
            priorities,
            high_priorities,
            severities: set("taxonomy.severities", &self.severities, &default.severities)?,
            channels,
            categories: self.categories.resolve(default.categories.values)?,
        })
    }
}

impl CategoryOptions {
    fn resolve(&self, fallback: ValueSet) -> Result<Categories, KeyError> {
        let values = match &self.values {
            Some(v) => value_set("taxonomy.categories.values", v)?,
            None => fallback,
        };
        let min_count = self.min_count.unwrap_or(DEFAULT_MIN_COUNT);
        if min_count == 0 {
            return Err(key_error(
                "taxonomy.categories.min_count",
                "0",
                "allowed: 1 or more",
            ));
        }
        let mut display = BTreeMap::new();
        for (category, title) in &self.display {
            let key = format!("taxonomy.categories.display.{category}");
            let Some(configured) = values.find(category) else {
                let allowed = format!(
                    "not one of taxonomy.categories.values ({})",
                    values.values().join(", ")
                );
                return Err(key_error(&key, &format!("{category:?}"), &allowed));
            };
            if title.trim().is_empty() {
                return Err(key_error(&key, "\"\"", "a non-empty title"));
            }
            display.insert(configured.to_string(), title.trim().to_string());
        }
        Ok(Categories {
            values,
            open: self.open,
            min_count,
            display,
        })
    }
}

/// A non-empty list of distinct, non-blank values (compared as validation compares them).
fn value_set(key: &str, values: &[String]) -> Result<ValueSet, KeyError> {
    if values.is_empty() {
        return Err(key_error(key, "[]", "a non-empty list of values"));
    }
    let mut seen = HashSet::new();
    for v in values {
        if v.trim().is_empty() {
            return Err(key_error(key, &format!("{v:?}"), "values must not be blank"));
        }
        if !seen.insert(normalise(v)) {
            let why = "each value once (values compare case-insensitively after trimming)";
            return Err(key_error(key, &format!("{v:?}"), why));
        }
    }
    if key == "taxonomy.categories.values" {
        check_slugs(key, values)?;
    }
    Ok(ValueSet::new(values))
}

/// Two categories must not share a scenario template file name.
fn check_slugs(key: &str, values: &[String]) -> Result<(), KeyError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for v in values {
        let slug = taxonomy::slug(v);
        if slug.is_empty() {
            return Err(key_error(key, &format!("{v:?}"), "a name with a letter or digit"));
        }
        if let Some(other) = seen.insert(slug.clone(), v) {
            let why = format!("{other:?} has the same template name `{slug}.j2`; rename one");
            return Err(key_error(key, &format!("{v:?}"), &why));
        }
    }
    Ok(())
}

/// Every value of `sub` is one of `of`.
fn subset(key: &str, sub: &ValueSet, of_key: &str, of: &ValueSet) -> Result<(), KeyError> {
    match sub.values().iter().find(|v| !of.contains(v)) {
        Some(v) => Err(key_error(
            key,
            &format!("{v:?}"),
            &format!("{v} is not one of {of_key} ({})", of.values().join(", ")),
        )),
        None => Ok(()),
    }
}

/// The upper half of an ordered set (at least its highest value).
fn upper_half(set: &ValueSet) -> ValueSet {
    let n = set.values().len();
    ValueSet::new(&set.values()[n.saturating_sub((n / 2).max(1))..])
}

fn key_error(key: &str, value: &str, allowed: &str) -> KeyError {
    (key.to_string(), value.to_string(), allowed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Taxonomy, KeyError> {
        let options: TaxonomyOptions =
            toml::from_str(text).map_err(|e| key_error("toml", "", &e.to_string()))?;
        options.resolve()
    }

    #[test]
    fn no_keys_is_the_default_taxonomy() -> Result<(), KeyError> {
        assert_eq!(parse("")?, Taxonomy::default());
        Ok(())
    }

    #[test]
    fn configured_sets_replace_the_defaults() -> Result<(), KeyError> {
        let t = parse(
            r#"
            segments = ["SMB", "Commercial", "Strategic"]
            priorities = ["P4", "P3", "P2", "P1"]
            channels = ["email", "call"]
            [categories]
            values = ["Outage", "Champion change"]
            open = true
            min_count = 5
            display = { outage = "Outage / incident" }
            "#,
        )?;
        assert_eq!(t.high_priorities.values(), ["P2", "P1"]);
        assert_eq!(t.segments.find("strategic"), Some("Strategic"));
        assert_eq!(t.category_title("Outage"), "Outage / incident");
        assert!(t.categories.open && t.categories.min_count == 5);
        assert!(t.channels.is_some_and(|c| c.contains("Call")));
        Ok(())
    }

    #[test]
    fn bad_lists_name_their_key() {
        let cases = [
            ("segments = []", "taxonomy.segments", "non-empty"),
            (
                "severities = [\"a\", \" A \"]",
                "taxonomy.severities",
                "each value once",
            ),
            (
                "priorities = [\"P2\", \"P1\"]\nhigh_priorities = [\"P0\"]",
                "taxonomy.high_priorities",
                "P0 is not one of taxonomy.priorities",
            ),
            (
                "high_priorities = [\"P1\"]",
                "taxonomy.high_priorities",
                "not one of",
            ),
            (
                "[categories]\nvalues = [\"A b\", \"a-b\"]",
                "taxonomy.categories.values",
                "same template",
            ),
            (
                "[categories]\nmin_count = 0",
                "taxonomy.categories.min_count",
                "1 or more",
            ),
            (
                "[categories]\ndisplay = { Nope = \"x\" }",
                "taxonomy.categories.display.Nope",
                "not one of",
            ),
        ];
        for (text, key, why) in cases {
            let Err((k, _, allowed)) = parse(text) else {
                panic!("{text} was accepted");
            };
            assert_eq!(k, key, "{text}");
            assert!(allowed.contains(why), "{text}: {allowed}");
        }
    }
}
