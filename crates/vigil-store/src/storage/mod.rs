//! Storage: one place that turns a URL into an object store and moves bytes and tables.
//!
//! Every backend (local paths and `file://`, `s3://`, `gs://`, `az://`/`abfss://`,
//! `memory://`) goes through `object_store`, so retries, timeouts and error messages are the
//! same everywhere, and tests on `memory://` exercise the production path.

mod credentials;
mod decode;
mod delta_source;
mod listing;
mod location;
mod probe;
mod redact;
mod retry;
mod table;

#[cfg(test)]
mod faults;
#[cfg(test)]
mod tests;

pub use credentials::{CredentialSource, is_store_option};
pub use listing::{FoundTable, is_hidden_below};
pub use location::Location;
pub use retry::RetryPolicy;
pub use table::{CsvOptions, DeltaPin, FileFormat, FileFrame, ReadOptions, TableFile, encode_parquet};

use crate::secret::Secret;
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use redact::Redactor;
use retry::Call;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Errors from the storage layer. Each names the URL it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL cannot be parsed or names an unsupported scheme.
    #[error("invalid storage URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Building the object-store client failed (bad options or credentials format).
    #[error("cannot open object store for {url}: {reason}")]
    Open {
        /// The URL.
        url: String,
        /// Client error.
        reason: String,
    },
    /// Nothing exists at the URL.
    #[error("{what} not found at {url}")]
    NotFound {
        /// What was looked for ("input table accounts", "object").
        what: String,
        /// The URL.
        url: String,
    },
    /// A request failed permanently, or transiently more often than the retry budget allows.
    #[error("{op} {url} failed after {attempts} attempt(s): {reason}")]
    Request {
        /// Operation: read, write, list, delete.
        op: &'static str,
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// Last error.
        reason: String,
    },
    /// A file exists but cannot be parsed as its format.
    #[error("table {table}: file {url} is unreadable as {format}: {reason}")]
    Unreadable {
        /// Contract table.
        table: String,
        /// File URL.
        url: String,
        /// Format inferred from the extension.
        format: &'static str,
        /// What is wrong, with the row/line and column where known.
        reason: String,
    },
    /// Encoding a table to bytes failed.
    #[error("cannot encode table for {url}: {reason}")]
    Encode {
        /// Destination URL.
        url: String,
        /// Encoder error.
        reason: String,
    },
    /// The store refused the request: the credentials are wrong, or lack the permission.
    /// Not retried.
    #[error(
        "{op} {url}: access denied; check the credentials and the permissions on the bucket or \
         container (not retried): {reason}"
    )]
    Denied {
        /// Operation: read, list, head, write, create, delete.
        op: &'static str,
        /// The URL.
        url: String,
        /// The store's answer (values of options and credentials redacted).
        reason: String,
    },
    /// The bucket or container does not exist. Not retried.
    #[error(
        "{op} {url}: the bucket or container {store} does not exist (not retried); create it or \
         correct the URL in the config"
    )]
    MissingBucket {
        /// Operation: read, list, head, write, create, delete.
        op: &'static str,
        /// The URL.
        url: String,
        /// `scheme://bucket` of the missing bucket or container.
        store: String,
    },
    /// A cloud location and no credentials for it, checked before any request.
    #[error("no credentials for {url}: {hint}")]
    NoCredentials {
        /// The URL.
        url: String,
        /// What to set.
        hint: &'static str,
    },
    /// A pre-flight check found that vigil cannot write where the config points.
    #[error("cannot write the {what} at {url}: {reason}; nothing was run")]
    Unwritable {
        /// What lives there ("warehouse", "registry").
        what: String,
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The async runtime could not start.
    #[error("cannot start I/O runtime: {0}")]
    Runtime(String),
}

impl StorageError {
    /// Whether the failure is a problem with the input data (exit 3) rather than with the
    /// system (exit 1): an unreadable or missing input file, or access denied or a missing
    /// bucket when reading.
    pub fn is_input_problem(&self) -> bool {
        match self {
            StorageError::Unreadable { .. } | StorageError::NotFound { .. } => true,
            StorageError::Denied { op, .. } | StorageError::MissingBucket { op, .. } => !is_write(op),
            _ => false,
        }
    }

    /// Whether the configuration must change (exit 2): a bad URL or store option, missing
    /// credentials, or a write the store refuses (access denied, no such bucket: the config
    /// names a place vigil cannot write).
    pub fn is_config_problem(&self) -> bool {
        match self {
            StorageError::InvalidUrl { .. }
            | StorageError::Open { .. }
            | StorageError::NoCredentials { .. }
            | StorageError::Unwritable { .. } => true,
            StorageError::Denied { op, .. } | StorageError::MissingBucket { op, .. } => is_write(op),
            _ => false,
        }
    }
}

/// Whether an operation name is a write (vs. a read: read, list, head).
fn is_write(op: &str) -> bool {
    matches!(op, "write" | "create" | "delete")
}

/// The object-store access of one run: a store per bucket/account, shared retry policy.
pub struct Storage {
    runtime: tokio::runtime::Runtime,
    policy: RetryPolicy,
    options: Vec<(String, Secret)>,
    credentials: CredentialSource,
    redactor: Redactor,
    stores: Mutex<BTreeMap<String, Arc<dyn ObjectStore>>>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Storage {
    /// Creates the storage layer with a retry policy and object-store builder options.
    pub fn new(policy: RetryPolicy, options: Vec<(String, Secret)>) -> Result<Self, StorageError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| StorageError::Runtime(e.to_string()))?;
        Ok(Self {
            runtime,
            policy,
            redactor: Redactor::new(&options),
            options,
            credentials: CredentialSource::default(),
            stores: Mutex::new(BTreeMap::new()),
        })
    }

    /// Where cloud stores may take credentials from (default: configured ones only).
    pub fn with_credentials(mut self, credentials: CredentialSource) -> Self {
        self.credentials = credentials;
        self
    }

    /// How vigil's retry layer treats a call of `op` on `loc`.
    fn call<'a>(&'a self, op: &'static str, loc: &'a Location) -> Call<'a> {
        Call {
            op,
            loc,
            local: loc.is_local_or_memory(),
            idempotent: op != "create",
            redactor: &self.redactor,
        }
    }

    /// Registers a ready-made store for a `scheme://authority` key (used to wrap stores,
    /// e.g. with fault injection in tests).
    pub fn register(&self, key: &str, store: Arc<dyn ObjectStore>) {
        if let Ok(mut stores) = self.stores.lock() {
            stores.insert(key.to_string(), store);
        }
    }

    /// The object store `loc` lives in, rooted at its bucket, account or file-system root
    /// (not at `loc`), for libraries that do their own I/O through `object_store` (the Delta
    /// Lake log). Calls through it bypass vigil's layer; cloud stores retry with the same
    /// policy inside object_store.
    pub fn object_store(&self, loc: &Location) -> Result<Arc<dyn ObjectStore>, StorageError> {
        self.store(loc)
    }

    /// Runs a future to completion on the storage layer's I/O runtime (the one every store
    /// of this `Storage` was built on). Must not be called from inside that runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    fn store(&self, loc: &Location) -> Result<Arc<dyn ObjectStore>, StorageError> {
        let mut stores = self
            .stores
            .lock()
            .map_err(|_| StorageError::Runtime("store cache poisoned".into()))?;
        if let Some(s) = stores.get(loc.store_key()) {
            return Ok(Arc::clone(s));
        }
        let settings = location::StoreSettings {
            options: &self.options,
            policy: &self.policy,
            credentials: self.credentials,
            redactor: &self.redactor,
        };
        let store = location::build_store(loc, &settings)?;
        stores.insert(loc.store_key().to_string(), Arc::clone(&store));
        Ok(store)
    }

    /// Reads a whole object.
    pub fn read(&self, loc: &Location) -> Result<Bytes, StorageError> {
        let store = self.store(loc)?;
        let path = loc.path().clone();
        self.runtime
            .block_on(retry::with_retry(&self.policy, self.call("read", loc), || {
                let store = Arc::clone(&store);
                let path = path.clone();
                async move { store.get(&path).await?.bytes().await }
            }))
    }

    /// Writes a whole object atomically (readers see the old or the new bytes, never part).
    pub fn write(&self, loc: &Location, bytes: Bytes) -> Result<(), StorageError> {
        let store = self.store(loc)?;
        let path = loc.path().clone();
        self.runtime
            .block_on(retry::with_retry(&self.policy, self.call("write", loc), || {
                let store = Arc::clone(&store);
                let path = path.clone();
                let payload = PutPayload::from_bytes(bytes.clone());
                async move { store.put(&path, payload).await.map(|_| ()) }
            }))
    }

    /// Writes an object only if nothing exists at the location (a conditional put): `true`
    /// when written, `false` when another writer got there first. This is how registry
    /// aliases move atomically; on S3 it needs the store option `aws_conditional_put`
    /// (`etag`) where the server supports it.
    pub fn create(&self, loc: &Location, bytes: Bytes) -> Result<bool, StorageError> {
        let store = self.store(loc)?;
        let path = loc.path().clone();
        self.runtime
            .block_on(retry::with_retry(&self.policy, self.call("create", loc), || {
                let store = Arc::clone(&store);
                let path = path.clone();
                let payload = PutPayload::from_bytes(bytes.clone());
                async move {
                    match store
                        .put_opts(&path, payload, PutOptions::from(PutMode::Create))
                        .await
                    {
                        Ok(_) => Ok(true),
                        Err(
                            object_store::Error::AlreadyExists { .. }
                            | object_store::Error::Precondition { .. },
                        ) => Ok(false),
                        Err(e) => Err(e),
                    }
                }
            }))
    }

    /// Lists the objects under a prefix (recursively), sorted by path.
    pub fn list(&self, loc: &Location) -> Result<Vec<Location>, StorageError> {
        let store = self.store(loc)?;
        let prefix = loc.path().clone();
        let mut paths =
            self.runtime
                .block_on(retry::with_retry(&self.policy, self.call("list", loc), || {
                    let store = Arc::clone(&store);
                    let prefix = prefix.clone();
                    async move {
                        let prefix = (!prefix.as_ref().is_empty()).then_some(&prefix);
                        store
                            .list(prefix)
                            .map_ok(|m| m.location)
                            .try_collect::<Vec<_>>()
                            .await
                    }
                }))?;
        paths.sort();
        Ok(paths.into_iter().map(|p| loc.with_path(p)).collect())
    }

    /// Whether an object exists at exactly this location.
    pub fn exists(&self, loc: &Location) -> Result<bool, StorageError> {
        let store = self.store(loc)?;
        let path = loc.path().clone();
        let res = self
            .runtime
            .block_on(retry::with_retry(&self.policy, self.call("head", loc), || {
                let store = Arc::clone(&store);
                let path = path.clone();
                async move { store.head(&path).await }
            }));
        match res {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes one object (a missing one is no error on object stores).
    pub fn delete_object(&self, loc: &Location) -> Result<(), StorageError> {
        let store = self.store(loc)?;
        let path = loc.path().clone();
        self.runtime
            .block_on(retry::with_retry(&self.policy, self.call("delete", loc), || {
                let store = Arc::clone(&store);
                let path = path.clone();
                async move { store.delete(&path).await }
            }))
    }

    /// Deletes every object under a prefix (used to replace a partition).
    pub fn delete_prefix(&self, loc: &Location) -> Result<usize, StorageError> {
        let objects = self.list(loc)?;
        let store = self.store(loc)?;
        for obj in &objects {
            let path = obj.path().clone();
            self.runtime
                .block_on(retry::with_retry(&self.policy, self.call("delete", obj), || {
                    let store = Arc::clone(&store);
                    let path = path.clone();
                    async move { store.delete(&path).await }
                }))?;
        }
        Ok(objects.len())
    }
}
