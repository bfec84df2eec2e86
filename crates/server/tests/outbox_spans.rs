//! Each delivery runs in a `taapit_outbox_delivery` span with the event's key, kind,
//! attempt and outcome; no span field holds the API key.
#![cfg(all(feature = "mock", feature = "outbox"))]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::OutboxFile;
use taapit_server::mock::{Fault, MockCollector};
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, RetryPolicy, Taapit};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod support;

const KEY: &str = "taapit_sk_test_spans_secret";

/// A span's name, and each of its fields as text.
type Span = (String, BTreeMap<String, String>);

/// The spans opened on this thread.
#[derive(Clone, Default)]
struct Spans {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<BTreeMap<u64, Span>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.insert(field.name().to_owned(), text);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        self.spans
            .lock()
            .unwrap()
            .insert(id, (attributes.metadata().name().to_owned(), fields));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn each_delivery_has_a_span_with_its_key_kind_attempt_and_outcome() {
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(spans.clone());
    let collector = MockCollector::start(KEY).await.unwrap();
    collector.fail_next([Fault::Status(400)]);
    let db = OutboxFile::new("spans");
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&collector.url())
        .unwrap()
        .with_retry(RetryPolicy::new().timeout(Duration::from_secs(5)))
        .unwrap();
    let outbox = Outbox::open(&db.0, taapit).await.unwrap();
    let refused = outbox
        .enqueue(Lead::new("span_1", Customer::new("user_1")))
        .await
        .unwrap();
    let worker = outbox.start();
    let start = Instant::now();
    while outbox.stats().await.unwrap().parked == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "not parked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let accepted = outbox
        .enqueue(Lead::new("span_2", Customer::new("user_2")))
        .await
        .unwrap();
    while collector.event_count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown().await;

    let spans = spans.spans.lock().unwrap().clone();
    let deliveries: Vec<&BTreeMap<String, String>> = spans
        .values()
        .filter(|(name, _)| name == "taapit_outbox_delivery")
        .map(|(_, fields)| fields)
        .collect();
    let of = |key: &str| {
        deliveries
            .iter()
            .find(|fields| fields.get("key").map(String::as_str) == Some(key))
            .unwrap_or_else(|| panic!("no span for {key}: {deliveries:?}"))
    };
    let parked = of(refused.as_str());
    assert_eq!(parked["kind"], "lead");
    assert_eq!(parked["attempt"], "1");
    assert_eq!(parked["outcome"], "parked");
    let delivered = of(accepted.as_str());
    assert_eq!(delivered["kind"], "lead");
    assert_eq!(delivered["attempt"], "1");
    assert_eq!(delivered["outcome"], "delivered");
    for (name, fields) in spans.values() {
        for value in fields.values() {
            assert!(!value.contains(KEY), "the API key in span {name}: {value}");
        }
    }
}
