//! Fault injection for tests: a store wrapper that fails a share of requests with a
//! transient error, to prove the retry layer turns a flaky backend into a correct one.
//! It wraps a real store (InMemory or LocalFileSystem), so data paths stay real.

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Fails each request with probability `failure_rate` (seeded, so runs repeat).
#[derive(Debug)]
pub struct FlakyStore<S> {
    inner: S,
    failure_rate: f64,
    rng: Mutex<ChaCha8Rng>,
    /// Requests that were failed on purpose.
    pub injected: AtomicU64,
    /// Requests seen.
    pub requests: AtomicU64,
}

impl<S: ObjectStore> FlakyStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, failure_rate: f64, seed: u64) -> Self {
        Self {
            inner,
            failure_rate,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            injected: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    fn maybe_fail(&self) -> Result<()> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let fail = self
            .rng
            .lock()
            .map(|mut r| r.random_bool(self.failure_rate))
            .unwrap_or(false);
        if fail {
            self.injected.fetch_add(1, Ordering::Relaxed);
            return Err(object_store::Error::Generic {
                store: "flaky",
                source: "injected transient failure (connection reset)".into(),
            });
        }
        Ok(())
    }
}

impl<S: ObjectStore> fmt::Display for FlakyStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flaky({})", self.inner)
    }
}

#[async_trait]
impl<S: ObjectStore> ObjectStore for FlakyStore<S> {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.maybe_fail()?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.maybe_fail()?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.maybe_fail()?;
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        match self.maybe_fail() {
            Ok(()) => self.inner.list(prefix),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.maybe_fail()?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.maybe_fail()?;
        self.inner.copy_opts(from, to, options).await
    }
}
