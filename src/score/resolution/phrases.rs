//! Readable phrases for intervention codes and categories in the estimate's summary.

/// Interventions the generator and the data contract examples use, as a CSM would say them.
const INTERVENTIONS: &[(&str, &str)] = &[
    ("contract_amendment", "a contract amendment"),
    ("daily_updates", "daily updates"),
    ("dedicated_csm", "a dedicated CSM"),
    ("dedicated_engineer", "a dedicated engineer"),
    ("discount", "a discount"),
    ("engineering_fix", "an engineering fix"),
    ("exec_call", "an executive call"),
    ("executive_sponsor", "an executive sponsor"),
    ("hotfix", "a hotfix"),
    ("infrastructure_upgrade", "an infrastructure upgrade"),
    ("onboarding_reset", "an onboarding reset"),
    ("partner_escalation", "a partner escalation"),
    ("service_credit", "a service credit"),
    ("training", "training"),
    ("war_room", "a war room"),
    ("workaround", "a workaround"),
];

/// An intervention code as a phrase (`dedicated_engineer` → "a dedicated engineer");
/// codes outside the known list read with underscores as spaces.
pub fn intervention_phrase(code: &str) -> String {
    INTERVENTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.replace('_', " "), |(_, p)| (*p).to_string())
}

/// A category as words (`product_defect` → "product defect").
pub fn category_phrase(category: &str) -> String {
    category.replace('_', " ")
}
