//! The risk-model stages: `vigil train` (`train`: split, fit the engines, calibrate,
//! backtest, register and promote) and `vigil backtest` (`backtest`: re-prove a
//! registered model). [`input`] builds the labelled snapshot table both read, `fit` fits
//! the configured engines, [`side_models`] the category/resolution models trained beside the
//! risk model, [`feedback`] folds CSM verdicts into training, [`artifact`] is the model as the
//! registry stores it, `promote` holds the promotion rule (a model that failed its gate is
//! never champion) and `model_runs` writes the `model_runs` table.

pub mod artifact;
mod backtest;
pub mod feedback;
mod fit;
pub mod input;
mod model_runs;
mod promote;
pub mod side_models;
mod train;

pub use backtest::{BacktestSettings, run_backtest, run_backtest_on};
pub use input::ExternalFeatures;
pub use promote::promote_by_hand;
pub use train::{TrainOutcome, TrainSettings, quick_backtest, train, train_on};
