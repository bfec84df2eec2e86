//! Delivery under faults, against the mock collector on 127.0.0.1: 500s, 429 with
//! Retry-After, a hang past the timeout, refused connections, recovery; a 400 parked and not
//! retried; the outbox process killed (SIGKILL) with events queued, then restarted. Every
//! event arrives, and none is counted twice (the collector recognises a redelivery by its
//! Idempotency-Key). Every wait is bounded.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::OutboxFile;
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Error, Failure, Lead, RetryPolicy, Sale, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_faults";

fn fast_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(50))
        .max_backoff(Duration::from_secs(2))
        .timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500))
}

fn client(base: &str) -> Taapit {
    Taapit::new(KEY)
        .unwrap()
        .with_base_url(base)
        .unwrap()
        .with_retry(fast_policy())
        .unwrap()
}

fn lead(n: usize) -> Lead {
    Lead::new(format!("id_{n}"), Customer::new(format!("user_{n}")))
}

/// The events not delivered yet: waiting, or in flight.
async fn queued(outbox: &Outbox) -> u64 {
    let stats = outbox.stats().await.unwrap();
    stats.pending + stats.in_flight
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn tracking_ids(collector: &MockCollector) -> BTreeSet<String> {
    collector
        .events()
        .iter()
        .map(|e| e.body["trackingId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn retries_500s_and_429_with_retry_after_then_delivers_once() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Status(500), Fault::Status(503), Fault::RetryAfter(1)]);
    let start = Instant::now();
    client(&collector.url())
        .track()
        .lead(lead(1))
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 was waited for"
    );
    assert_eq!(collector.stats().requests, 4);
    assert_eq!(collector.event_count(), 1);
}

#[tokio::test]
async fn a_408_and_a_425_are_retried_like_a_503() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Status(408), Fault::Status(425)]);
    client(&collector.url())
        .track()
        .lead(lead(7))
        .await
        .unwrap();
    assert_eq!(collector.stats().requests, 3);
    assert_eq!(collector.event_count(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_ends_the_call_and_the_outbox_waits_it() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::RetryAfter(120)]);
    let start = Instant::now();
    let error = client(&collector.url())
        .track()
        .lead(lead(8))
        .await
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "did not sleep 120 s"
    );
    let Error::GaveUp { attempts: 1, last } = error else {
        panic!("{error:?}");
    };
    assert_eq!(last.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(
        collector.stats().requests,
        1,
        "not retried before Retry-After"
    );

    // The outbox keeps the event and waits at least the server's time.
    let db = OutboxFile::new("retry-after");
    let outbox = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    collector.fail_next([Fault::RetryAfter(120)]);
    outbox.enqueue(lead(9)).await.unwrap();
    let worker = outbox.start();
    wait_for("the 429", Duration::from_secs(10), || {
        collector.stats().requests == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        collector.stats().requests,
        2,
        "no attempt before Retry-After"
    );
    assert_eq!(queued(&outbox).await, 1, "kept, not parked");
    worker.shutdown().await;
}

/// A server on 127.0.0.1 that answers every request with `response` (a whole HTTP/1.1
/// response), for answers the mock collector does not give: malformed headers, an echoed key.
async fn answering(response: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                // The request: its head, then as many body bytes as it says.
                let (mut got, mut buffer) = (Vec::new(), [0u8; 4096]);
                loop {
                    let Ok(n @ 1..) = socket.read(&mut buffer).await else {
                        return;
                    };
                    got.extend_from_slice(&buffer[..n]);
                    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .map_or(0, |n| n.trim().parse::<usize>().unwrap());
                    if got.len() >= end + 4 + length {
                        break;
                    }
                }
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_retry_after_date_out_of_range_is_no_retry_after_not_a_panic() {
    for date in [
        "Sun, 06 Nov 2030 5000000000000000:00:00 GMT",
        "Sun, 06 Nov 300000000000 08:49:37 GMT",
        "Sun, 32 Nov 2030 08:49:37 GMT",
        "Sun, 06 Nov 2030 25:61:61 GMT",
    ] {
        let url = answering(format!(
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
        .await;
        let taapit = client(&url);
        // Spawned: a panic would come back as a JoinError instead of failing the test body.
        let outcome = tokio::spawn(async move { taapit.track().lead(lead(20)).await }).await;
        let Ok(Err(Error::GaveUp { attempts: 4, last })) = outcome else {
            panic!("{date}: {outcome:?}");
        };
        assert_eq!(last.retry_after(), None, "{date}");
    }
}

#[tokio::test]
async fn a_retry_after_of_any_length_puts_the_outbox_off_without_a_loop() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::RetryAfter(u64::MAX)]);
    let db = OutboxFile::new("huge-retry-after");
    let outbox = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    outbox.enqueue(lead(21)).await.unwrap();
    let worker = outbox.start();
    wait_for("the 429", Duration::from_secs(10), || {
        collector.stats().requests == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        collector.stats().requests,
        1,
        "one attempt, then the wait (at most MAX_RETRY_AFTER), not a loop"
    );
    assert_eq!(queued(&outbox).await, 1, "kept, not parked");
    worker.shutdown().await;
}

#[tokio::test]
async fn a_refusal_that_echoes_the_key_across_the_cut_shows_none_of_it() {
    // The key starts 15 bytes before the 512-byte cut of the error's body: cut first, the
    // body would end with `taapit_sk_test_`, which no longer matches the key.
    let body = format!("{}Bearer {KEY}", "x".repeat(512 - 15 - "Bearer ".len()));
    let url = answering(format!(
        "HTTP/1.1 401 Unauthorized\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await;
    let error = client(&url).track().lead(lead(22)).await.unwrap_err();
    let Error::Rejected { status: 401, body } = &error else {
        panic!("{error:?}");
    };
    assert!(body.len() <= 512, "the body is still cut to 512 bytes");
    for text in [body.clone(), error.to_string(), format!("{error:?}")] {
        // (The redaction mark is `taapit_sk_…`: the key's own part starts after the prefix.)
        assert!(!text.contains(&KEY[..15]), "a part of the key: {text}");
    }
}

#[tokio::test]
async fn shutdown_waits_for_the_batch_in_flight_and_records_its_answer() {
    let collector = MockCollector::start(KEY).await.unwrap();
    // Recorded at once, answered 200 a second later (within this policy's 5 s timeout).
    collector.fail_next([Fault::Hang(Duration::from_millis(1000))]);
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap()
        .with_retry(fast_policy().timeout(Duration::from_secs(5)))
        .unwrap();
    let db = OutboxFile::new("shutdown");
    let outbox = Outbox::open(&db.0, taapit).await.unwrap();
    outbox.enqueue(lead(23)).await.unwrap();
    let worker = outbox.start();
    wait_for("the event on its way", Duration::from_secs(10), || {
        collector.event_count() == 1
    })
    .await;
    worker.shutdown().await;
    assert_eq!(
        queued(&outbox).await,
        0,
        "the answer of the delivery in flight was recorded before shutdown returned"
    );
    assert_eq!(collector.stats().requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_outboxes_on_one_file_send_each_event_once() {
    const N: usize = 60;
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("two-workers");
    // Two handles, two connections: as two processes of a rolling deploy open the file.
    let first = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    let second = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    for n in 0..N {
        first.enqueue(lead(100 + n)).await.unwrap();
    }
    let workers = [first.start(), second.start()];
    let start = Instant::now();
    while queued(&first).await > 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for worker in workers {
        worker.shutdown().await;
    }
    assert_eq!(collector.event_count(), N);
    assert_eq!(
        collector.stats().requests,
        N as u64,
        "each event sent once, not once per worker"
    );
}

#[tokio::test]
async fn a_hang_past_the_timeout_is_redelivered_and_recognised() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Hang(Duration::from_secs(3))]);
    client(&collector.url())
        .track()
        .lead(lead(2))
        .await
        .unwrap();
    let stats = collector.stats();
    assert_eq!((stats.requests, stats.duplicates), (2, 1));
    assert_eq!(
        collector.event_count(),
        1,
        "counted once by its Idempotency-Key"
    );
}

#[tokio::test]
async fn refused_connections_are_retried_until_the_collector_is_back() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.pause().await;
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap()
        .with_retry(
            fast_policy()
                .max_attempts(30)
                .max_backoff(Duration::from_millis(200)),
        )
        .unwrap();
    let sending = tokio::spawn(async move { taapit.track().lead(lead(3)).await });
    tokio::time::sleep(Duration::from_millis(600)).await;
    collector.resume().await.unwrap();
    tokio::time::timeout(Duration::from_secs(20), sending)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(collector.event_count(), 1);

    // And with no collector at all, the error says so once the attempts are spent.
    collector.pause().await;
    let error = client(&collector.url())
        .track()
        .lead(lead(4))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::GaveUp {
                attempts: 4,
                last: Failure::Connect(_)
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_400_is_not_retried_and_the_key_is_never_shown() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Status(400)]);
    let taapit = client(&collector.url());
    let error = taapit.track().lead(lead(5)).await.unwrap_err();
    assert!(
        matches!(error, Error::Rejected { status: 400, .. }),
        "{error:?}"
    );
    assert_eq!(collector.stats().requests, 1, "a 400 is not retried");

    // A wrong key: 401, not retried either.
    let wrong = Taapit::new("taapit_sk_wrong")
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap();
    let error = wrong.track().lead(lead(6)).await.unwrap_err();
    assert!(
        matches!(error, Error::Rejected { status: 401, .. }),
        "{error:?}"
    );

    for text in [
        format!("{taapit:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{:?}", taapit.track()),
    ] {
        assert!(
            !text.contains("test_faults") && !text.contains("_wrong"),
            "{text}"
        );
    }
    // Invalid events never leave the process.
    let before = collector.stats().requests;
    let bad = Sale::new(Customer::new("u"), 10.0, "euro");
    assert!(matches!(
        taapit.track().sale(bad).await,
        Err(Error::InvalidEvent(_))
    ));
    assert_eq!(collector.stats().requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_delivers_everything_through_every_fault_and_parks_a_400() {
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("matrix");
    let outbox = Outbox::open(&db.0, client(&collector.url())).await.unwrap();
    collector.pause().await;
    collector.fail_next([
        Fault::Status(500),
        Fault::RetryAfter(1),
        Fault::Hang(Duration::from_secs(2)),
        Fault::Status(502),
        Fault::Status(400),
        Fault::Status(503),
    ]);
    const N: usize = 60;
    for n in 0..N {
        outbox.enqueue(lead(100 + n)).await.unwrap();
    }
    assert_eq!(queued(&outbox).await, N as u64);
    let worker = outbox.start();
    tokio::time::sleep(Duration::from_millis(700)).await; // refused meanwhile
    collector.resume().await.unwrap();

    // The collector records an event before its answer reaches the worker: wait for the
    // outbox to have settled every event too.
    let start = Instant::now();
    loop {
        let stats = outbox.stats().await.unwrap();
        if (stats.pending + stats.in_flight, stats.parked) == (0, 1) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(45),
            "not settled: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(collector.event_count(), N - 1);
    let parked = outbox.parked().await.unwrap();
    assert!(parked[0].error.contains("400"), "{:?}", parked[0]);
    let parked_id = parked[0].body["trackingId"].as_str().unwrap().to_owned();

    let ids = tracking_ids(&collector);
    assert_eq!(ids.len(), N - 1, "none counted twice");
    assert!(!ids.contains(&parked_id));
    let requests = collector.stats().requests;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        collector.stats().requests,
        requests,
        "the parked event is not retried"
    );

    // Once fixed, it can be sent again.
    assert!(outbox.retry_parked(&parked[0].key).await.unwrap());
    wait_for("the retried event", Duration::from_secs(10), || {
        collector.event_count() == N
    })
    .await;
    worker.shutdown().await;
}

/// Starts this test binary as an outbox process (see `outbox_process`).
fn spawn_outbox_process(mode: &str, db: &OutboxFile, collector: &MockCollector) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "outbox_process",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TAAPIT_OUTBOX_MODE", mode)
        .env("TAAPIT_OUTBOX_DB", &db.0)
        .env("TAAPIT_COLLECTOR_URL", collector.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const KILLED_EVENTS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_events_queued_then_restarted_delivers_everything_once() {
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("sigkill");
    // Slow answers (under the timeout), so the kill lands mid-delivery.
    collector.fail_next(vec![
        Fault::Hang(Duration::from_millis(150));
        2 * KILLED_EVENTS
    ]);
    let mut first = KillOnDrop(spawn_outbox_process("enqueue", &db, &collector));
    wait_for("some deliveries", Duration::from_secs(60), || {
        collector.event_count() >= 10
    })
    .await;
    // SIGKILL: no destructor, no shutdown, no flush.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let delivered_before_kill = collector.event_count();
    assert!(
        delivered_before_kill < KILLED_EVENTS,
        "killed with events still queued"
    );

    let _second = KillOnDrop(spawn_outbox_process("deliver", &db, &collector));
    wait_for(
        "every event after the restart",
        Duration::from_secs(60),
        || collector.event_count() == KILLED_EVENTS,
    )
    .await;
    let ids = tracking_ids(&collector);
    let want: BTreeSet<String> = (0..KILLED_EVENTS)
        .map(|n| format!("id_{}", 1000 + n))
        .collect();
    assert_eq!(ids, want, "every event, each counted once");
}

/// Not a test: the outbox process of the SIGKILL test (this binary run again with
/// `TAAPIT_OUTBOX_MODE`): enqueues the events ("enqueue") or only delivers ("deliver"),
/// then runs until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by killed_with_events_queued_then_restarted_delivers_everything_once"]
async fn outbox_process() {
    let mode = std::env::var("TAAPIT_OUTBOX_MODE").expect("run by the SIGKILL test");
    let db = std::env::var("TAAPIT_OUTBOX_DB").unwrap();
    let url = std::env::var("TAAPIT_COLLECTOR_URL").unwrap();
    let outbox = Outbox::open(db, client(&url)).await.unwrap();
    if mode == "enqueue" {
        for n in 0..KILLED_EVENTS {
            outbox.enqueue(lead(1000 + n)).await.unwrap();
        }
    }
    let _worker = outbox.start();
    tokio::time::sleep(Duration::from_secs(120)).await;
}

/// Every log event of this thread, its fields written out (a minimal tracing subscriber).
mod captured_logs {
    use std::fmt::Write;
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Logs(pub Arc<Mutex<Vec<String>>>);

    struct Line<'a>(&'a mut String);

    impl Visit for Line<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Logs {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = event.metadata().level().to_string();
            event.record(&mut Line(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[tokio::test(flavor = "current_thread")]
async fn log_lines_never_hold_the_key() {
    let logs = captured_logs::Logs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let collector = MockCollector::start(KEY).await.unwrap();
    let db = OutboxFile::new("logs");
    let outbox = Outbox::open(
        &db.0,
        client(&collector.url())
            .with_retry(fast_policy().max_attempts(2))
            .unwrap(),
    )
    .await
    .unwrap();
    // Retries (debug lines), a delivery given up for now (warn), a parked event (error).
    collector.fail_next([
        Fault::Status(500),
        Fault::Status(503),
        Fault::Status(500),
        Fault::Status(400),
    ]);
    outbox.enqueue(lead(7)).await.unwrap();
    let worker = outbox.start();
    let start = Instant::now();
    while outbox.stats().await.unwrap().parked == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the 400 was never met"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown().await;
    let lines = logs.0.lock().unwrap().clone();
    for level in ["DEBUG", "WARN", "ERROR"] {
        assert!(
            lines.iter().any(|l| l.starts_with(level)),
            "a {level} line was logged: {lines:?}"
        );
    }
    for line in &lines {
        assert!(!line.contains("test_faults"), "{line}");
    }
}
