//! The feature catalogue: every feature vigil computes, named and documented once, so
//! explanations, narratives and `data/FEATURES.md` all read the same definitions. Each
//! family module declares its [`FeatureSpec`]s; this module lists them all.

use super::spec::FeatureSpec;

/// Every feature, grouped by family.
pub fn catalogue() -> Vec<&'static FeatureSpec> {
    [
        super::tickets::SPECS,
        super::usage::SPECS,
        super::adoption::SPECS,
        super::stakeholders::SPECS,
        super::nps::SPECS,
        super::contract::SPECS,
        super::history::SPECS,
        super::freshness::SPECS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Looks a feature up by name.
pub fn spec(name: &str) -> Option<&'static FeatureSpec> {
    catalogue().into_iter().find(|s| s.name == name)
}
