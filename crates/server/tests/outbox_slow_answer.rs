//! One slow answer does not hold the others: while the collector takes 4 s to answer one
//! event, 20 events enqueued after it are each delivered within a second.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::OutboxFile;
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, RetryPolicy, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_slow";
const SLOW_ANSWER: Duration = Duration::from_secs(4);
const LATER_EVENTS: usize = 20;

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn lead(n: usize) -> Lead {
    Lead::new(format!("id_{n}"), Customer::new(format!("user_{n}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_enqueued_behind_a_slow_answer_are_delivered_within_a_second() {
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Hang(SLOW_ANSWER)]);
    let db = OutboxFile::new("slow");
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap()
        .with_retry(RetryPolicy::new().timeout(Duration::from_secs(10)))
        .unwrap();
    let outbox = Outbox::open(&db.0, taapit).await.unwrap();
    let worker = outbox.start();
    outbox.enqueue(lead(0)).await.unwrap();
    // The collector records an event before it answers: the slow answer is under way.
    let start = Instant::now();
    while collector.event_count() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the first event was not sent"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut enqueued_at = Vec::new();
    for n in 1..=LATER_EVENTS {
        enqueued_at.push((format!("id_{n}"), unix_ms()));
        outbox.enqueue(lead(n)).await.unwrap();
    }
    while collector.event_count() < 1 + LATER_EVENTS {
        assert!(
            start.elapsed() < SLOW_ANSWER + Duration::from_secs(3),
            "the later events were not delivered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let events = collector.events();
    let latencies: Vec<u64> = enqueued_at
        .iter()
        .map(|(id, at)| {
            let event = events
                .iter()
                .find(|e| e.body["trackingId"] == id.as_str())
                .unwrap();
            event.received_at_ms.saturating_sub(*at)
        })
        .collect();
    eprintln!("enqueue -> received, ms: {latencies:?}");
    assert!(
        latencies.iter().all(|&ms| ms < 1000),
        "an event waited behind the slow answer: {latencies:?} ms"
    );
    worker.shutdown().await;
}
