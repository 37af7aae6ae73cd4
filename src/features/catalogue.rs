//! The feature catalogue: every feature vigil computes, named and documented once, so
//! explanations, narratives and `data/FEATURES.md` all read the same definitions. Each
//! family module declares its [`FeatureSpec`]s; this module lists them all.

use super::spec::FeatureSpec;

/// Every family's name (its module) with its features, in catalogue order.
pub fn families() -> [(&'static str, &'static [FeatureSpec]); 8] {
    [
        ("tickets", super::tickets::SPECS),
        ("usage", super::usage::SPECS),
        ("adoption", super::adoption::SPECS),
        ("stakeholders", super::stakeholders::SPECS),
        ("nps", super::nps::SPECS),
        ("contract", super::contract::SPECS),
        ("history", super::history::SPECS),
        ("freshness", super::freshness::SPECS),
    ]
}

/// Every feature, grouped by family.
pub fn catalogue() -> Vec<&'static FeatureSpec> {
    families().into_iter().flat_map(|(_, specs)| specs).collect()
}

/// Looks a feature up by name.
pub fn spec(name: &str) -> Option<&'static FeatureSpec> {
    catalogue().into_iter().find(|s| s.name == name)
}
