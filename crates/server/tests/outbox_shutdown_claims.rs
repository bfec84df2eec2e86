//! `Worker::shutdown` stops claiming: an event enqueued right before it (the worker woken
//! for it and told to stop at the same time) stays queued for the next start, and is not
//! sent by a worker that was already told to stop. Forty rounds, each on a new file: a worker
//! that picked between the two at random claimed in 1 to 14 of them.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::time::Duration;

use support::OutboxFile;
use taapit_server::mock::MockCollector;
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_shutdown_claims";
const ROUNDS: usize = 40;

// One thread: the worker, woken by the enqueue, runs only once `shutdown` has told it to stop,
// and then has both before it.
#[tokio::test(flavor = "current_thread")]
async fn nothing_is_claimed_once_shutdown_was_called() {
    let collector = MockCollector::start(KEY).await.unwrap();
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap();
    let mut claimed_after_stop = 0;
    for round in 0..ROUNDS {
        let db = OutboxFile::new("shutdown-claims");
        let outbox = Outbox::open(&db.0, taapit.clone()).await.unwrap();
        let worker = outbox.start();
        // The worker finds nothing due and waits for an enqueue.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let before = collector.stats().requests;
        outbox
            .enqueue(Lead::new(format!("stop_{round}"), Customer::new("u")))
            .await
            .unwrap();
        worker.shutdown().await;
        if collector.stats().requests > before {
            claimed_after_stop += 1;
        } else {
            assert_eq!(outbox.stats().await.unwrap().pending, 1, "round {round}");
        }
    }
    assert_eq!(
        claimed_after_stop, 0,
        "a worker told to stop claimed and sent an event in {claimed_after_stop} of {ROUNDS} rounds"
    );
}
