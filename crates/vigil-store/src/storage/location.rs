//! Locations: a parsed URL split into the store it lives in and the path inside it.

use super::redact::Redactor;
use super::retry::chain;
use super::{RetryPolicy, StorageError, credentials};
use crate::secret::Secret;
use crate::storage::CredentialSource;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ClientConfigKey, ObjectStore, ObjectStoreScheme};
use std::fmt;
use std::sync::Arc;
use url::Url;

/// The store key of [`Location::postgres`] labels (not a URL scheme any store parses).
const POSTGRES_KEY: &str = "postgres:";

/// A file or folder in some object store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    scheme: ObjectStoreScheme,
    /// `scheme://authority` (e.g. `s3://bucket`), or `file://` for local paths.
    key: String,
    path: Path,
}

impl Location {
    /// Parses a URL (`s3://bucket/x`, `gs://…`, `az://…`, `abfss://…`, `memory://name/x`,
    /// `file:///abs/x`) or a local path (relative paths are made absolute).
    pub fn parse(raw: &str) -> Result<Self, StorageError> {
        let invalid = |reason: String| StorageError::InvalidUrl {
            url: raw.to_string(),
            reason,
        };
        let url = if raw.contains("://") {
            Url::parse(raw).map_err(|e| invalid(e.to_string()))?
        } else {
            if raw.trim().is_empty() {
                return Err(invalid("empty location".into()));
            }
            let abs = std::path::absolute(raw).map_err(|e| invalid(e.to_string()))?;
            Url::from_file_path(&abs).map_err(|()| invalid("not an absolute local path".into()))?
        };
        if url.scheme() == "memory" {
            // Named in-process stores: memory://NAME/path (object_store only knows memory:///path).
            let name = url.host_str().unwrap_or_default();
            let path = Path::from_url_path(url.path()).map_err(|e| invalid(e.to_string()))?;
            return Ok(Self {
                scheme: ObjectStoreScheme::Memory,
                key: format!("memory://{name}"),
                path,
            });
        }
        let (scheme, path) = ObjectStoreScheme::parse(&url).map_err(|e| {
            invalid(format!(
                "{e}; supported: local paths, file://, s3://, gs://, az://, abfss://, memory://"
            ))
        })?;
        if scheme == ObjectStoreScheme::Http {
            return Err(invalid(
                "http(s) URLs are not supported as table locations".into(),
            ));
        }
        let key = match scheme {
            ObjectStoreScheme::Local => "file://".to_string(),
            _ => url[..url::Position::BeforePath].to_string(),
        };
        Ok(Self { scheme, key, path })
    }

    /// Where the rows of a PostgreSQL source came from, for messages: `postgres:<relation>`
    /// (`relation` is a table name or `query`, never the connection URL). No store holds it:
    /// reading or writing it through [`super::Storage`] fails.
    pub fn postgres(relation: &str) -> Self {
        Self {
            scheme: ObjectStoreScheme::Memory,
            key: POSTGRES_KEY.into(),
            path: Path::from(relation),
        }
    }

    /// Key of the store this location lives in.
    pub fn store_key(&self) -> &str {
        &self.key
    }

    /// Whether the location is on the local file system or in memory: stores without
    /// retries of their own, which vigil's layer retries.
    pub fn is_local_or_memory(&self) -> bool {
        matches!(self.scheme, ObjectStoreScheme::Local | ObjectStoreScheme::Memory)
    }

    /// Path inside the store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The same store, another path.
    pub fn with_path(&self, path: Path) -> Self {
        Self {
            scheme: self.scheme.clone(),
            key: self.key.clone(),
            path,
        }
    }

    /// A child location (`segment` may contain `/`).
    pub fn join(&self, segment: &str) -> Self {
        let mut path = self.path.clone();
        for part in segment.split('/').filter(|p| !p.is_empty()) {
            path = path.join(part);
        }
        self.with_path(path)
    }

    /// The folder this location is in.
    pub fn parent(&self) -> Self {
        let n = self.path.parts_count();
        self.with_path(self.path.parts().take(n.saturating_sub(1)).collect())
    }

    /// Last path segment.
    pub fn file_name(&self) -> Option<&str> {
        self.path.filename()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            ObjectStoreScheme::Local => write!(f, "/{}", self.path),
            _ if self.key == POSTGRES_KEY => write!(f, "{}{}", self.key, self.path),
            _ => write!(f, "{}/{}", self.key, self.path),
        }
    }
}

/// What a store is built from: builder options, retry policy, the credentials opt-in.
pub(super) struct StoreSettings<'a> {
    /// `[storage.options]`.
    pub options: &'a [(String, Secret)],
    /// Retries and timeouts.
    pub policy: &'a RetryPolicy,
    /// Whether the platform's instance identity may be used.
    pub credentials: CredentialSource,
    /// Scrubs values from error messages.
    pub redactor: &'a Redactor,
}

/// Builds the object store for a location. Cloud stores read their standard environment
/// variables (`AWS_*`, `GOOGLE_*`, `AZURE_*`) and then `[storage.options]`, retry with the
/// `[storage]` policy (object_store's `RetryConfig`), and must have credentials unless
/// `[storage] credentials = "instance"`.
pub(super) fn build_store(
    loc: &Location,
    s: &StoreSettings<'_>,
) -> Result<Arc<dyn ObjectStore>, StorageError> {
    // The request timeout goes in as a config key (not `with_client_options`, which would
    // replace the client options `from_env` read, such as AWS_ALLOW_HTTP); user options
    // come after it and may override it.
    let timeout = format!("{}ms", s.policy.timeout.as_millis());
    let retry = s.policy.object_store_config();
    let opts: Vec<(String, &str)> = std::iter::once(("timeout".to_string(), timeout.as_str()))
        .chain(
            s.options
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.expose())),
        )
        .collect();
    let need = |has: bool, hint: &'static str| {
        if has || s.credentials == CredentialSource::Instance {
            Ok(())
        } else {
            Err(StorageError::NoCredentials {
                url: loc.to_string(),
                hint,
            })
        }
    };
    let open_err = |e: object_store::Error| open_error(loc, s.redactor, &e);
    let store: Arc<dyn ObjectStore> = match &loc.scheme {
        ObjectStoreScheme::Local => Arc::new(LocalFileSystem::new()),
        ObjectStoreScheme::Memory => Arc::new(InMemory::new()),
        ObjectStoreScheme::AmazonS3 => {
            let mut b = AmazonS3Builder::from_env().with_url(loc.key.clone());
            for (k, v) in &opts {
                if let Ok(key) = k.parse::<AmazonS3ConfigKey>() {
                    b = b.with_config(key, *v);
                }
            }
            need(credentials::s3_has(&b), credentials::S3_HINT)?;
            // After the builder's own checks, which name a malformed allow_http value.
            let plain_http = check_plain_http(loc, &b);
            let store = b.with_retry(retry).build().map_err(open_err)?;
            plain_http?;
            Arc::new(store)
        }
        ObjectStoreScheme::GoogleCloudStorage => {
            let mut b = GoogleCloudStorageBuilder::from_env().with_url(loc.key.clone());
            for (k, v) in &opts {
                if let Ok(key) = k.parse::<GoogleConfigKey>() {
                    b = b.with_config(key, *v);
                }
            }
            need(credentials::gcs_has(&b), credentials::GCS_HINT)?;
            Arc::new(b.with_retry(retry).build().map_err(open_err)?)
        }
        ObjectStoreScheme::MicrosoftAzure => {
            let mut b = MicrosoftAzureBuilder::from_env().with_url(loc.key.clone());
            for (k, v) in &opts {
                if let Ok(key) = k.parse::<AzureConfigKey>() {
                    b = b.with_config(key, *v);
                }
            }
            need(credentials::azure_has(&b), credentials::AZURE_HINT)?;
            Arc::new(b.with_retry(retry).build().map_err(open_err)?)
        }
        other => {
            return Err(StorageError::InvalidUrl {
                url: loc.to_string(),
                reason: format!("unsupported scheme {other:?}"),
            });
        }
    };
    Ok(store)
}

/// An `http://` S3 endpoint (MinIO, moto, Ceph on a private network) without `allow_http`:
/// object_store would refuse every request with an opaque "builder error" (exit 1), so it
/// is a configuration error up front, naming the keys (an endpoint may embed credentials,
/// so its value is not printed).
fn check_plain_http(loc: &Location, b: &AmazonS3Builder) -> Result<(), StorageError> {
    let endpoint = b
        .get_config_value(&AmazonS3ConfigKey::Endpoint)
        .unwrap_or_default();
    let allowed =
        credentials::truthy(b.get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp)));
    if endpoint.trim_start().to_ascii_lowercase().starts_with("http://") && !allowed {
        return Err(StorageError::Open {
            url: loc.to_string(),
            reason: "the S3 endpoint (aws_endpoint / AWS_ENDPOINT) is plain http://; set \
                     aws_allow_http = \"true\" in [storage.options] (or AWS_ALLOW_HTTP) to allow it, \
                     or use https://"
                .into(),
        });
    }
    Ok(())
}

/// A builder error naming the option whose value it rejects, without the value.
fn open_error(loc: &Location, redactor: &Redactor, e: &object_store::Error) -> StorageError {
    let text = chain(e);
    let reason = match redactor.source_in(&text) {
        Some(source) => format!(
            "{source} has a value the client cannot use: {}",
            redactor.scrub(&text)
        ),
        None => redactor.scrub(&text),
    };
    StorageError::Open {
        url: loc.to_string(),
        reason,
    }
}
