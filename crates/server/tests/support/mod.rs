//! What several test files of this crate build the same way: an outbox's SQLite file that
//! goes away with the test, and a client that makes one delivery attempt.
#![allow(dead_code, reason = "each test binary uses part of the module")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use taapit_server::{RetryPolicy, Taapit};

/// A new SQLite outbox file's path in the temporary directory (named after `name`, the
/// process and a counter, so tests running at once never share one); the file and its `-wal`
/// and `-shm` companions are removed when this is dropped. The path is `.0`: processes a test
/// starts open the same file.
pub struct OutboxFile(pub PathBuf);

impl OutboxFile {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        OutboxFile(std::env::temp_dir().join(format!(
            "taapit-outbox-test-{name}-{}-{}.sqlite3",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for OutboxFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A client of the collector at `base_url` that makes one attempt per delivery, giving up
/// after `timeout`: what a worker sends is then exactly what the collector counts, and a
/// late answer is left to the outbox's own retry.
pub fn one_attempt_client(key: &str, base_url: &str, timeout: Duration) -> Taapit {
    Taapit::new(key)
        .unwrap()
        .with_base_url(base_url)
        .unwrap()
        .with_retry(
            RetryPolicy::new()
                .max_attempts(1)
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(50))
                .timeout(timeout),
        )
        .unwrap()
}
