//! The GBDT engine ([`vigil_gbdt`]) behind the [`RiskModel`] interface, and its errors as
//! [`RiskError`]s (the same messages and exit codes as when the trees lived in this module).

use super::{EngineKind, RiskError, RiskModel};
use vigil_gbdt::{Contributions, FeatureSchema, Gbdt, GbdtError, Matrix};

impl From<GbdtError> for RiskError {
    fn from(e: GbdtError) -> Self {
        match e {
            GbdtError::InvalidOption(m) => RiskError::InvalidOption(m),
            GbdtError::Data(m) => RiskError::Data(m),
            GbdtError::Corrupt(m) => RiskError::Corrupt(m),
            GbdtError::SchemaMismatch { expected, found } => RiskError::SchemaMismatch {
                column: "(all)".into(),
                expected: format!("schema {expected}"),
                found: format!("schema {found}"),
                context: "the matrix given to the GBDT".into(),
            },
        }
    }
}

impl RiskModel for Gbdt {
    fn engine(&self) -> EngineKind {
        EngineKind::Gbdt
    }

    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn predict_margin(&self, x: &Matrix) -> Result<Vec<f64>, RiskError> {
        Ok(Gbdt::predict_margin(self, x)?)
    }

    fn contributions(&self, x: &Matrix) -> Result<Contributions, RiskError> {
        Ok(Gbdt::contributions(self, x)?)
    }

    fn to_bytes(&self) -> Result<Vec<u8>, RiskError> {
        Ok(Gbdt::to_bytes(self)?)
    }
}
