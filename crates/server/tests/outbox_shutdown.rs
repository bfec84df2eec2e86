//! `Worker::shutdown` keeps its word on the SQLite store: a process that enqueues 64 events
//! against a collector answering 200 after 300 ms, calls `shutdown().await` and exits at
//! once leaves none of them pending, and the collector saw each exactly once; also while
//! another process holds the file's write lock for 1.5 s during the shutdown (a rolling
//! deploy). Each case runs several rounds at once, so a race shows; every wait is bounded.
//! And an answer that arrives while the store cannot take it is recorded once it can.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::OutboxFile;
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, RetryPolicy, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_shutdown";
const EVENTS: usize = 64;
const ROUNDS: usize = 8;
const ANSWER_DELAY: Duration = Duration::from_millis(300);
const LOCK_HELD: Duration = Duration::from_millis(1500);

fn client(base: &str) -> Taapit {
    Taapit::new(KEY)
        .unwrap()
        .with_base_url(base)
        .unwrap()
        .with_retry(
            RetryPolicy::new()
                .max_attempts(2)
                .timeout(Duration::from_secs(5)),
        )
        .unwrap()
}

/// This test binary run again as one of the processes below.
fn this_binary(role: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "shutdown_process",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TAAPIT_SHUTDOWN_ROLE", role);
    command
}

/// One round: a process enqueues, starts the worker, shuts it down mid-answers and exits;
/// returns how many events the file still has pending, once reopened.
async fn round(name: &'static str, round: usize, role: &'static str) -> (u64, u64, usize) {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next(vec![Fault::Hang(ANSWER_DELAY); EVENTS]);
    let db = OutboxFile::new(&format!("shutdown-{name}-{round}"));
    let mut child = this_binary(role)
        .env("TAAPIT_SHUTDOWN_DB", &db.0)
        .env("TAAPIT_COLLECTOR_URL", collector.url())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the outbox process did not exit");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "the outbox process failed: {status}");
    let outbox = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    let stats = outbox.stats().await.unwrap();
    let pending = stats.pending + stats.in_flight;
    let stats = collector.stats();
    (pending, stats.requests, collector.event_count())
}

async fn rounds(name: &'static str, role: &'static str) {
    let tasks: Vec<_> = (0..ROUNDS)
        .map(|n| tokio::spawn(round(name, n, role)))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let pending: Vec<u64> = results.iter().map(|r| r.0).collect();
    eprintln!("{name}: pending after shutdown, per round: {pending:?} (of {EVENTS})");
    assert_eq!(pending, vec![0; ROUNDS], "accepted events left pending");
    for (_, requests, events) in results {
        assert_eq!(requests, EVENTS as u64, "each event sent exactly once");
        assert_eq!(events, EVENTS, "each event received");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_exits_right_after_shutdown_leaves_nothing_pending() {
    rounds("exit", "outbox").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_another_process_holds_the_write_lock_leaves_nothing_pending() {
    rounds("locked", "outbox-locked").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_recorded_once_the_store_is_back() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Hang(Duration::from_millis(500))]);
    let db = OutboxFile::new("store-back");
    let outbox = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    outbox
        .enqueue(Lead::new("id_back", Customer::new("user_back")))
        .await
        .unwrap();
    let worker = outbox.start();
    let start = Instant::now();
    while collector.event_count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "not sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The table goes away while the answer is on its way, and comes back 1 s later.
    let other = rusqlite::Connection::open(&db.0).unwrap();
    other.busy_timeout(Duration::from_secs(5)).unwrap();
    other
        .execute_batch("ALTER TABLE taapit_outbox RENAME TO taapit_outbox_away")
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    other
        .execute_batch("ALTER TABLE taapit_outbox_away RENAME TO taapit_outbox")
        .unwrap();
    worker.shutdown().await;
    let stats = outbox.stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.in_flight),
        (0, 0),
        "the answer was recorded once the table was back"
    );
    assert_eq!(collector.stats().requests, 1);
}

/// Not a test: the processes of the tests above (this binary run again with
/// `TAAPIT_SHUTDOWN_ROLE`). "outbox": enqueues, starts the worker, shuts it down while the
/// answers are on their way, exits at once. "outbox-locked": the same, with a "locker"
/// process holding the file's write lock during the shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the shutdown tests"]
async fn shutdown_process() {
    let role = std::env::var("TAAPIT_SHUTDOWN_ROLE").expect("run by the shutdown tests");
    let db = std::env::var("TAAPIT_SHUTDOWN_DB").unwrap();
    if role == "locker" {
        let connection = rusqlite::Connection::open(&db).unwrap();
        connection.execute_batch("BEGIN IMMEDIATE").unwrap();
        println!("locked");
        std::thread::sleep(LOCK_HELD);
        connection.execute_batch("COMMIT").unwrap();
        std::process::exit(0);
    }
    let url = std::env::var("TAAPIT_COLLECTOR_URL").unwrap();
    let outbox = Outbox::open(&db, client(&url)).await.unwrap();
    for n in 0..EVENTS {
        outbox
            .enqueue(Lead::new(
                format!("id_{n}"),
                Customer::new(format!("user_{n}")),
            ))
            .await
            .unwrap();
    }
    let worker = outbox.start();
    // Every delivery under way (the answers take ANSWER_DELAY).
    let start = Instant::now();
    while outbox.stats().await.unwrap().in_flight < EVENTS as u64 {
        assert!(start.elapsed() < Duration::from_secs(10), "not claimed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut locker = None;
    if role == "outbox-locked" {
        let mut child = this_binary("locker")
            .env("TAAPIT_SHUTDOWN_DB", &db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // The test harness prints its own words first, on the same line.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while !lines.next().unwrap().unwrap().ends_with("locked") {}
        locker = Some(child);
    }
    worker.shutdown().await;
    if let Some(mut locker) = locker {
        // Not waited for before the exit: only reaped so it is no zombie.
        std::thread::spawn(move || locker.wait());
    }
    std::process::exit(0);
}
