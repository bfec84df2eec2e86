//! An answer that comes after its lease ran out, once another worker claimed the event
//! again, leaves that worker's claim alone: worker A's lease (1 s) is shorter than its
//! delivery (timed out after 3 s), worker B claims the event when the lease runs out, and
//! A's late "retry" must not make the event due again while B's delivery is under way (a
//! third worker would send it at the same time). Two POSTs in all: A's and B's.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::time::{Duration, Instant};

use support::{OutboxFile, one_attempt_client};
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::{Outbox, WorkerOptions};
use taapit_server::{Customer, Lead};

mod support;

const KEY: &str = "taapit_sk_test_late_answer";
/// How long the collector takes to answer each of the two deliveries.
const ANSWER: Duration = Duration::from_secs(4);
/// Worker A's timeout: past its 1 s lease, before the collector answers.
const A_TIMEOUT: Duration = Duration::from_secs(3);

async fn wait_for_requests(collector: &MockCollector, n: u64, limit: Duration) {
    let start = Instant::now();
    while collector.stats().requests < n {
        assert!(
            start.elapsed() < limit,
            "request {n} not sent within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_retry_leaves_the_next_claim_alone() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Hang(ANSWER), Fault::Hang(ANSWER)]);
    let db = OutboxFile::new("late-answer");
    let a = Outbox::open(&db.0, one_attempt_client(KEY, &collector.url(), A_TIMEOUT))
        .await
        .unwrap();
    // One delivery slot: A's own delivery holds it, so A does not claim the event again when
    // its lease runs out.
    let worker_a = a.start_with(
        WorkerOptions::default()
            .lease(Duration::from_secs(1))
            .concurrency(1),
    );
    let started = Instant::now();
    a.enqueue(Lead::new("late_1", Customer::new("user_1")))
        .await
        .unwrap();
    wait_for_requests(&collector, 1, Duration::from_secs(2)).await;

    let b = Outbox::open(
        &db.0,
        one_attempt_client(KEY, &collector.url(), Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let worker_b = b.start_with(WorkerOptions::default().lease(Duration::from_secs(60)));
    // B claims the event once A's lease ran out, while A still waits for its answer.
    wait_for_requests(&collector, 2, A_TIMEOUT).await;
    assert!(
        started.elapsed() < A_TIMEOUT,
        "B claimed the event only after A's answer: the scenario did not happen"
    );
    // A's timeout is recorded as a retry; B's answer comes about 4 s after its claim.
    let limit = A_TIMEOUT + ANSWER + Duration::from_secs(5);
    loop {
        let stats = b.stats().await.unwrap();
        if stats.pending == 0 && stats.in_flight == 0 {
            break;
        }
        assert!(started.elapsed() < limit, "not delivered: {stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        collector.stats().requests,
        2,
        "A's late answer made the event due while B was delivering it"
    );
    worker_a.shutdown().await;
    worker_b.shutdown().await;
    assert_eq!(collector.stats().requests, 2);
}
