//! vigil-store: where vigil's bytes live. Object storage behind one URL-based interface
//! with retries and redacted errors ([`storage`]), the model registry with its atomically
//! moved `champion` alias ([`registry`]), and the output sinks — Delta Lake on any object
//! store and PostgreSQL — with the `runs` table that marks a complete run ([`warehouse`]).
//!
//! It knows nothing of escalations, features or models: it moves bytes and frames. It must
//! not depend on the application crate `vigil` nor on `vigil-gbdt` or `vigil-text`; the
//! application gives it plain values (URLs, [`secret::Secret`]s, retry policies).

pub mod registry;
pub mod secret;
pub mod storage;
pub mod warehouse;
