//! Storage round trips on memory:// and file://, retries under injected faults and
//! latency, and clear errors on permanent failures; table layouts and formats in `formats`.

use super::faults::FlakyStore;
use super::*;
use object_store::memory::InMemory;
use object_store::throttle::{ThrottleConfig, ThrottledStore};
use polars::prelude::*;
use std::sync::atomic::Ordering;
use std::time::Duration;

mod formats;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn fast_policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        backoff: Duration::from_millis(1),
        timeout: Duration::from_secs(5),
    }
}

fn sample() -> PolarsResult<DataFrame> {
    df!("account_id" => ["a1", "a2", "a3"], "arr" => [1.5, 2.0, 3.25], "logins" => [1i64, 0, 7])
}

fn round_trip(storage: &Storage, root: &str) -> TestResult {
    let root = Location::parse(root)?;
    let mut df = sample()?;
    let loc = root.join("accounts.parquet");
    storage.write_parquet(&loc, &mut df)?;
    let opts = ReadOptions::default();
    let files = storage.table_files("accounts", &loc, &opts)?;
    assert_eq!(files.len(), 1);
    let back = storage.read_file("accounts", &files[0], &opts)?;
    assert!(back.frame.equals_missing(&df), "{:?}", back.frame);
    // A folder of CSV files is one table, read in path order.
    storage.write(
        &root.join("tickets/2026-02.csv"),
        Bytes::from_static(b"ticket_id,n\nt2,2\n"),
    )?;
    storage.write(
        &root.join("tickets/2026-01.csv"),
        Bytes::from_static(b"ticket_id,n\nt1,1\n"),
    )?;
    storage.write(&root.join("tickets/_SUCCESS"), Bytes::from_static(b""))?;
    let files = storage.table_files("tickets", &root.join("tickets"), &opts)?;
    let names: Vec<_> = files
        .iter()
        .filter_map(|f| f.location.file_name().map(str::to_string))
        .collect();
    assert_eq!(names, ["2026-01.csv", "2026-02.csv"]);
    let first = storage.read_file("tickets", &files[0], &opts)?;
    assert_eq!(first.frame.column("ticket_id")?.str()?.get(0), Some("t1"));
    assert_eq!(storage.delete_prefix(&root.join("tickets"))?, 3);
    assert!(matches!(
        storage.table_files("tickets", &root.join("tickets"), &opts),
        Err(StorageError::NotFound { .. })
    ));
    Ok(())
}

#[test]
fn memory_round_trip() -> TestResult {
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    round_trip(&storage, "memory://unit/a")
}

#[test]
fn file_round_trip() -> TestResult {
    let dir = tempfile::tempdir()?;
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    round_trip(&storage, &format!("file://{}/wh", dir.path().display()))?;
    // Relative and absolute plain paths resolve to the same local store.
    let plain = Location::parse(&dir.path().join("wh/accounts.parquet").to_string_lossy())?;
    assert!(storage.exists(&plain)?);
    Ok(())
}

#[test]
fn retries_make_a_store_failing_10_percent_correct() -> TestResult {
    let storage = Storage::new(fast_policy(8), Vec::new())?;
    let flaky = Arc::new(FlakyStore::new(InMemory::new(), 0.10, 7));
    storage.register("memory://flaky", flaky.clone());
    for i in 0..40 {
        let mut df = df!("i" => [i as i64; 50])?;
        storage.write_parquet(
            &Location::parse(&format!("memory://flaky/t/{i:02}.parquet"))?,
            &mut df,
        )?;
    }
    let opts = ReadOptions::default();
    let files = storage.table_files("t", &Location::parse("memory://flaky/t")?, &opts)?;
    assert_eq!(files.len(), 40);
    for (i, file) in files.iter().enumerate() {
        let back = storage.read_file("t", file, &opts)?;
        assert_eq!(back.frame.column("i")?.i64()?.sum(), Some(50 * i as i64));
    }
    assert!(
        flaky.injected.load(Ordering::Relaxed) >= 4,
        "faults were injected"
    );
    Ok(())
}

#[test]
fn retries_survive_added_latency_and_time_out_clearly() -> TestResult {
    let slow = ThrottledStore::new(
        InMemory::new(),
        ThrottleConfig {
            wait_get_per_call: Duration::from_millis(50),
            wait_put_per_call: Duration::from_millis(50),
            ..Default::default()
        },
    );
    let storage = Storage::new(fast_policy(2), Vec::new())?;
    storage.register("memory://slow", Arc::new(slow));
    let loc = Location::parse("memory://slow/x.bin")?;
    storage.write(&loc, Bytes::from_static(b"payload"))?;
    assert_eq!(storage.read(&loc)?.as_ref(), b"payload");

    let too_slow = ThrottledStore::new(
        InMemory::new(),
        ThrottleConfig {
            wait_get_per_call: Duration::from_millis(300),
            ..Default::default()
        },
    );
    let impatient = Storage::new(
        RetryPolicy {
            max_retries: 1,
            backoff: Duration::from_millis(1),
            timeout: Duration::from_millis(20),
        },
        Vec::new(),
    )?;
    impatient.register("memory://too-slow", Arc::new(too_slow));
    let err = impatient
        .read(&Location::parse("memory://too-slow/x.bin")?)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("memory://too-slow/x.bin") && err.contains("timed out") && err.contains("2 attempt"),
        "{err}"
    );
    Ok(())
}

#[test]
fn permanent_failures_name_the_url() -> TestResult {
    let storage = Storage::new(fast_policy(3), Vec::new())?;
    let missing = storage
        .read(&Location::parse("memory://unit-missing/nope.parquet")?)
        .unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { .. }));
    assert!(
        missing.to_string().contains("memory://unit-missing/nope.parquet"),
        "{missing}"
    );
    let dead = Arc::new(FlakyStore::new(InMemory::new(), 1.0, 1));
    storage.register("memory://dead", dead.clone());
    let err = storage
        .write(&Location::parse("memory://dead/x")?, Bytes::from_static(b"x"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("memory://dead/x") && err.contains("4 attempt"),
        "{err}"
    );
    assert_eq!(dead.requests.load(Ordering::Relaxed), 4);
    Ok(())
}

#[test]
fn bad_urls_are_rejected_with_the_url() {
    for bad in ["ftp://host/x", "https://example.com/x.csv", ""] {
        let err = Location::parse(bad).unwrap_err().to_string();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn truncated_parquet_and_empty_files_are_errors_not_panics() -> TestResult {
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    let mut df = sample()?;
    let bytes = table::encode_parquet(&mut df)?;
    let loc = Location::parse("memory://unit-trunc/accounts.parquet")?;
    storage.write(&loc, bytes.slice(..bytes.len() / 2))?;
    let err = storage
        .read_file(
            "accounts",
            &TableFile::new(loc, FileFormat::Parquet),
            &ReadOptions::default(),
        )
        .unwrap_err();
    assert!(err.is_input_problem());
    assert!(
        err.to_string().contains("accounts") && err.to_string().contains("Parquet"),
        "{err}"
    );
    let empty = Location::parse("memory://unit-trunc/empty.csv")?;
    storage.write(&empty, Bytes::new())?;
    let err = storage
        .read_file(
            "tickets",
            &TableFile::new(empty, FileFormat::Csv),
            &ReadOptions::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty") && err.contains("empty.csv"), "{err}");
    Ok(())
}

/// Regression: a conditional create that timed out was retried, and the retry could find
/// its own first attempt's object and report a false conflict.
#[test]
fn conditional_create_is_not_retried_after_a_timeout() -> TestResult {
    let slow = ThrottledStore::new(
        InMemory::new(),
        ThrottleConfig {
            wait_put_per_call: Duration::from_millis(300),
            ..Default::default()
        },
    );
    let storage = Storage::new(
        RetryPolicy {
            max_retries: 3,
            backoff: Duration::from_millis(1),
            timeout: Duration::from_millis(20),
        },
        Vec::new(),
    )?;
    storage.register("memory://slow-create", Arc::new(slow));
    let loc = Location::parse("memory://slow-create/alias.json")?;
    let err = storage
        .create(&loc, Bytes::from_static(b"v1"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1 attempt") && err.contains("not retried") && err.contains("alias.json"),
        "{err}"
    );
    // A plain write (idempotent) is retried after a timeout.
    let err = storage
        .write(&loc, Bytes::from_static(b"v1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("4 attempt"), "{err}");
    Ok(())
}

#[test]
fn cloud_stores_get_no_credentials_error_before_any_request() -> TestResult {
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    for url in ["s3://vigil-unit/x", "gs://vigil-unit/x"] {
        // The process environment may hold credentials: only assert when it does not.
        if std::env::vars().any(|(k, _)| k.starts_with("AWS_") || k.starts_with("GOOGLE_")) {
            return Ok(());
        }
        let err = storage.read(&Location::parse(url)?).unwrap_err();
        assert!(matches!(err, StorageError::NoCredentials { .. }), "{err}");
        assert!(err.is_config_problem(), "{err}");
    }
    Ok(())
}

/// Regression: the store handed to deltalake had `max_retries: 0`, so Delta log reads and
/// commits were never retried. It now retries with the `[storage]` policy.
#[test]
fn the_store_deltalake_uses_retries_with_the_policy() -> TestResult {
    let opt = |k: &str, v: &str| (k.to_string(), Secret::new(v.to_string()));
    let storage = Storage::new(
        fast_policy(2),
        vec![
            opt("aws_endpoint", "http://127.0.0.1:9"),
            opt("aws_allow_http", "true"),
            opt("aws_access_key_id", "AKIDVIGILUNIT"),
            opt("aws_secret_access_key", "unit-secret-value"),
            opt("aws_region", "us-east-1"),
        ],
    )?;
    let loc = Location::parse("s3://vigil-unit/table/_delta_log/00000000000000000000.json")?;
    let store = storage.object_store(&loc)?;
    let err = storage
        .block_on(async { store.get(loc.path()).await })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("after 2 retries") && err.contains("max_retries: 2"),
        "{err}"
    );
    Ok(())
}
