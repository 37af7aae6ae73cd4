//! Reports over the published history: the quarterly escalation-patterns report (what rose,
//! among which accounts, how the model did, what was prevented). Pure code: frames and
//! plain values in, tables and text out; the I/O lives in `pipeline::report`.

pub mod charts;
pub mod diagnosis;
pub mod doctor;
pub mod figures;
pub mod lift;
pub mod page;
pub mod quarter;
pub mod quarterly;
pub mod quarterly_page;
pub mod render;
pub mod risk_report;
pub mod sentiment_card;
pub mod validation;

#[cfg(test)]
mod tests;
