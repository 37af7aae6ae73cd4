//! What every stage shares at run time: opening the config and storage, the run summary and
//! its stage reports, the timing table, progress bars and the pre-flight checks that prove
//! outputs writable before work.

mod preflight;
pub mod progress;
mod setup;
mod summary;
mod timing;

pub use preflight::{
    check_registry_writable, check_summary_path, check_warehouse_writable, open_output_storage,
};
pub use setup::{open_storage, require_config};
pub use summary::{RunSummary, StageReport, in_stage};
pub use timing::timing_table;
