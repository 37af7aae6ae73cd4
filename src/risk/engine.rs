//! The two risk engines, the gradient-boosted trees ([`Gbdt`]) and the MLP ([`Mlp`]), behind
//! one pair of traits: [`Fit`] trains a model from an engine's parameters, [`Predict`] reads
//! a fitted model back from the bytes it wrote and predicts with it (through
//! [`RiskModel`]). Code that trains or loads a model names the engine once, here; a third
//! engine is one more pair of impls.

use super::mlp::{self, Mlp};
use super::params::MlpParams;
use super::{EngineKind, RiskError, RiskModel};
use burn::tensor::Device;
use vigil_gbdt::{Dataset, FitReport, Gbdt, GbdtParams};

/// Training one engine: its parameters in, a fitted model and its fit report out.
pub trait Fit {
    /// The model the engine fits.
    type Model: Predict;
    /// Which engine this is.
    fn engine(&self) -> EngineKind;
    /// The most progress steps one fit takes, and what a step is (for a progress bar).
    fn steps(&self) -> (u64, &'static str);
    /// Fits on `train`, stopping early on `valid`; `progress` gets the steps done so far.
    fn fit(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Self::Model, FitReport), RiskError>;
}

/// A fitted engine: predicts and explains margins ([`RiskModel`]) and reads itself back
/// from the bytes [`RiskModel::to_bytes`] wrote.
pub trait Predict: RiskModel + Sized + 'static {
    /// What reading the bytes needs besides them (the MLP: its burn device).
    type Context: ?Sized;
    /// The model serialised by [`RiskModel::to_bytes`].
    fn read(bytes: &[u8], context: &Self::Context) -> Result<Self, RiskError>;
}

/// Fitting the GBDT with these parameters.
#[derive(Debug, Clone, Copy)]
pub struct GbdtFit<'a> {
    /// Boosting parameters.
    pub params: &'a GbdtParams,
}

/// Fitting the MLP with these parameters on a burn device.
#[derive(Debug, Clone, Copy)]
pub struct MlpFit<'a> {
    /// Network and training parameters.
    pub params: &'a MlpParams,
    /// Where it trains.
    pub device: &'a Device,
}

impl Fit for GbdtFit<'_> {
    type Model = Gbdt;

    fn engine(&self) -> EngineKind {
        EngineKind::Gbdt
    }

    fn steps(&self) -> (u64, &'static str) {
        (self.params.max_rounds as u64, "boosting rounds")
    }

    fn fit(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Gbdt, FitReport), RiskError> {
        Ok(vigil_gbdt::fit_with_progress(
            self.params,
            train,
            Some(valid),
            progress,
        )?)
    }
}

impl Fit for MlpFit<'_> {
    type Model = Mlp;

    fn engine(&self) -> EngineKind {
        EngineKind::Mlp
    }

    fn steps(&self) -> (u64, &'static str) {
        (self.params.epochs as u64, "MLP epochs")
    }

    fn fit(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Mlp, FitReport), RiskError> {
        mlp::fit_with_progress(self.params, train, valid, self.device, progress)
    }
}

impl Predict for Gbdt {
    type Context = ();

    fn read(bytes: &[u8], _: &()) -> Result<Self, RiskError> {
        Ok(Gbdt::from_bytes(bytes)?)
    }
}

impl Predict for Mlp {
    type Context = Device;

    fn read(bytes: &[u8], device: &Device) -> Result<Self, RiskError> {
        Mlp::from_bytes(bytes, device)
    }
}
