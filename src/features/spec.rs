//! What a feature is documented with ([`FeatureSpec`]), and the shorthand the family modules
//! declare their features in. Below every family and the catalogue that lists them.

/// One documented feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSpec {
    /// Column name in the feature table.
    pub name: &'static str,
    /// What it measures.
    pub description: &'static str,
    /// Unit (`count`, `%`, `days`, `hours`, `USD`, `score`, `flag`, `category`, `ratio`).
    pub unit: &'static str,
    /// Input table it comes from.
    pub source: &'static str,
    /// Look-back window before the snapshot.
    pub window: &'static str,
}

/// Shorthand for the family tables.
pub const fn f(
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    source: &'static str,
    window: &'static str,
) -> FeatureSpec {
    FeatureSpec {
        name,
        description,
        unit,
        source,
        window,
    }
}
