//! What `Outbox::open` takes: a path or `sqlite://PATH` (the same file), `postgres://` only
//! with the feature; a file written by an earlier build (no lease or enqueue-time columns)
//! opens as it is and its events are delivered; `stats` tells pending from parked; a worker
//! whose handle was dropped keeps delivering; a location that is no file (empty, `:memory:`)
//! is refused.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::time::{Duration, Instant};

use support::OutboxFile;
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_open";

fn taapit(base: &str) -> Taapit {
    Taapit::new(KEY).unwrap().with_base_url(base).unwrap()
}

#[tokio::test]
async fn a_path_and_a_sqlite_url_open_the_same_file() {
    let db = OutboxFile::new("url");
    let by_path = Outbox::open(&db.0, taapit("http://127.0.0.1:9"))
        .await
        .unwrap();
    let key = by_path
        .enqueue(Lead::new("abc", Customer::new("u")))
        .await
        .unwrap();
    let url = format!("sqlite://{}", db.0.display());
    let by_url = Outbox::open(&url, taapit("http://127.0.0.1:9"))
        .await
        .unwrap();
    let stats = by_url.stats().await.unwrap();
    assert_eq!((stats.pending, stats.in_flight, stats.parked), (1, 0, 0));
    assert!(stats.oldest_pending_age.unwrap() < Duration::from_secs(60));
    assert!(!key.as_str().is_empty());
}

/// An empty path, `sqlite://` alone (an unset variable) or `:memory:` would be a database
/// that vanishes with the process, or with the connection: every event in it lost at the
/// next restart. Refused, with a reason.
#[tokio::test]
async fn a_location_that_is_no_file_is_refused() {
    for location in ["", "sqlite://", ":memory:", "sqlite://:memory:"] {
        let error = Outbox::open(location, taapit("http://127.0.0.1:9"))
            .await
            .err()
            .unwrap_or_else(|| panic!("{location:?} opened"));
        assert!(error.to_string().contains("file"), "{location:?}: {error}");
    }
}

#[cfg(not(feature = "postgres"))]
#[tokio::test]
async fn a_postgres_url_without_the_feature_says_so() {
    let error = Outbox::open("postgres://localhost/shop", taapit("http://127.0.0.1:9"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("feature `postgres`"), "{error}");
}

#[tokio::test]
async fn a_file_from_an_earlier_build_opens_and_its_events_are_delivered() {
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("old-schema");
    {
        // The schema as the first releases wrote it (bodies as BLOBs, as they wrote them).
        let connection = rusqlite::Connection::open(&db.0).unwrap();
        connection
            .execute_batch(
                r#"CREATE TABLE taapit_outbox (
                     id INTEGER PRIMARY KEY AUTOINCREMENT,
                     idempotency_key TEXT NOT NULL UNIQUE,
                     kind TEXT NOT NULL,
                     body BLOB NOT NULL,
                     attempts INTEGER NOT NULL DEFAULT 0,
                     next_attempt_ms INTEGER NOT NULL DEFAULT 0,
                     parked INTEGER NOT NULL DEFAULT 0,
                     last_error TEXT
                 );
                 INSERT INTO taapit_outbox (idempotency_key, kind, body) VALUES
                     ('old-1', 'lead', CAST('{"trackingId":"old1","customer":{"externalId":"u1"}}' AS BLOB)),
                     ('old-2', 'lead', CAST('{"trackingId":"old2","customer":{"externalId":"u2"}}' AS BLOB));
                 INSERT INTO taapit_outbox (idempotency_key, kind, body, parked, last_error)
                     VALUES ('old-3', 'lead', CAST('{"trackingId":"old3","customer":{"externalId":"u3"}}' AS BLOB), 1, 'HTTP 400');"#,
            )
            .unwrap();
    }
    let outbox = Outbox::open(&db.0, taapit(&collector.url())).await.unwrap();
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.in_flight, stats.parked), (2, 0, 1));
    let parked = outbox.parked().await.unwrap();
    assert_eq!(parked[0].key.as_str(), "old-3");
    assert_eq!(parked[0].error, "HTTP 400");

    collector.fail_next([Fault::Hang(Duration::from_secs(2))]);
    let worker = outbox.start();
    // One answer takes 2 s: that event is in flight, not pending, while the other is
    // delivered and recorded.
    let start = Instant::now();
    loop {
        let stats = outbox.stats().await.unwrap();
        if (stats.pending, stats.in_flight) == (0, 1) {
            break;
        }
        assert!(start.elapsed() < Duration::from_millis(1500), "{stats:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    worker.shutdown().await;
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.in_flight, stats.parked), (0, 0, 1));
    assert_eq!(stats.oldest_pending_age, None);
    let keys: Vec<_> = collector
        .events()
        .into_iter()
        .filter_map(|e| e.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&"old-1".to_owned()) && keys.contains(&"old-2".to_owned()));
}

#[tokio::test]
async fn a_worker_whose_handle_is_dropped_keeps_delivering() {
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("dropped");
    let outbox = Outbox::open(&db.0, taapit(&collector.url())).await.unwrap();
    drop(outbox.start());
    outbox
        .enqueue(Lead::new("dropped", Customer::new("u")))
        .await
        .unwrap();
    let start = Instant::now();
    while collector.event_count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "not delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
