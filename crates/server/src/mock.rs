//! A local stand-in for the Taapit API (feature `mock`), for tests and demos: it checks the
//! `Bearer` key and every body field as the API reference has them, records the events
//! (once per `Idempotency-Key`), and can be told to fail. Listens on 127.0.0.1 only.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use taapit_server::mock::{Fault, MockCollector};
//! use taapit_server::{Customer, Lead, Taapit};
//!
//! let collector = MockCollector::start("taapit_sk_test_1").await?;
//! let taapit = Taapit::new("taapit_sk_test_1").unwrap().with_base_url(&collector.url()).unwrap();
//! collector.fail_next([Fault::Status(503)]);
//! taapit.track().lead(Lead::new("abc", Customer::new("user_1"))).await.unwrap();
//! assert_eq!(collector.events().len(), 1);
//! assert_eq!(collector.stats().requests, 2);
//! # Ok(())
//! # }
//! ```

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{EventKind, TrackingId};

/// One event the collector accepted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
/// assert!(collector.events().is_empty());
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    /// Lead or sale.
    pub kind: EventKind,
    /// The `Idempotency-Key` header, if sent.
    pub idempotency_key: Option<String>,
    /// The body, as received.
    pub body: Value,
    /// When it arrived (Unix milliseconds).
    pub received_at_ms: u64,
}

/// What the collector does with the next request instead of accepting it.
///
/// ```
/// let faults = [taapit_server::mock::Fault::Status(500), taapit_server::mock::Fault::RetryAfter(1)];
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers with this status (and records nothing).
    Status(u16),
    /// Answers 429 with `Retry-After: <seconds>`.
    RetryAfter(u64),
    /// Records the event, then waits this long before answering 200 (past a client's
    /// timeout, the answer is lost: the redelivery must be recognised by its key).
    Hang(Duration),
}

/// Request counts.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
/// assert_eq!(collector.stats().requests, 0);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Requests whose `Idempotency-Key` had been accepted before (answered 200, not recorded).
    pub duplicates: u64,
    /// Requests refused for their key or body (401 / 400).
    pub refused: u64,
    /// Requests answered by a [`Fault`].
    pub faults: u64,
}

#[derive(Default)]
struct Inner {
    events: Vec<Recorded>,
    keys: HashSet<String>,
    faults: VecDeque<Fault>,
    stats: Stats,
}

struct Shared {
    bearer: String,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not hide the records from the next assertion.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The mock collector: `POST /api/events/lead` and `/api/events/sale` on 127.0.0.1.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
/// assert!(collector.url().starts_with("http://127.0.0.1:"));
/// # }
/// ```
pub struct MockCollector {
    shared: Arc<Shared>,
    addr: SocketAddr,
    running: Mutex<Option<Running>>,
}

struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl MockCollector {
    /// Starts a collector that accepts the key `api_key`, on a free port of 127.0.0.1.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// # }
    /// ```
    pub async fn start(api_key: &str) -> std::io::Result<Self> {
        Self::start_on(api_key, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// [`start`](Self::start) on a given address (port 0 picks one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    /// let collector = taapit_server::mock::MockCollector::start_on("taapit_sk_x", addr).await.unwrap();
    /// # }
    /// ```
    pub async fn start_on(api_key: &str, addr: SocketAddr) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            bearer: format!("Bearer {api_key}"),
            inner: Mutex::default(),
        });
        let (running, addr) = serve(shared.clone(), addr).await?;
        Ok(MockCollector {
            shared,
            addr,
            running: Mutex::new(Some(running)),
        })
    }

    /// The base URL to give the client (`http://127.0.0.1:PORT`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// let taapit = taapit_server::Taapit::new("taapit_sk_x").unwrap().with_base_url(&collector.url());
    /// # }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// assert!(collector.addr().ip().is_loopback());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The events accepted, oldest first, each once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// assert_eq!(collector.events(), vec![]);
    /// # }
    /// ```
    pub fn events(&self) -> Vec<Recorded> {
        self.shared.lock().events.clone()
    }

    /// How many events were accepted.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// assert_eq!(collector.event_count(), 0);
    /// # }
    /// ```
    pub fn event_count(&self) -> usize {
        self.shared.lock().events.len()
    }

    /// The request counts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// assert_eq!(collector.stats().duplicates, 0);
    /// # }
    /// ```
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats
    }

    /// Queues faults: each of the next requests meets one, in order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taapit_server::mock::{Fault, MockCollector};
    /// let collector = MockCollector::start("taapit_sk_x").await.unwrap();
    /// collector.fail_next([Fault::Status(500), Fault::RetryAfter(1)]);
    /// # }
    /// ```
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().faults.extend(faults);
    }

    /// Stops listening (connections are refused) until [`resume`](Self::resume).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// collector.pause().await;
    /// collector.resume().await.unwrap();
    /// # }
    /// ```
    pub async fn pause(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(Running { stop, task }) = running {
            let _ = stop.send(());
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// Listens again on the same address, with the same records.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let collector = taapit_server::mock::MockCollector::start("taapit_sk_x").await.unwrap();
    /// collector.resume().await.unwrap(); // already running: nothing to do
    /// # }
    /// ```
    pub async fn resume(&self) -> std::io::Result<()> {
        if self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            return Ok(());
        }
        let (running, _) = serve(self.shared.clone(), self.addr).await?;
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = Some(running);
        Ok(())
    }
}

impl Drop for MockCollector {
    fn drop(&mut self) {
        if let Some(Running { stop, task }) = self
            .running
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = stop.send(());
            task.abort();
        }
    }
}

async fn serve(shared: Arc<Shared>, addr: SocketAddr) -> std::io::Result<(Running, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/api/events/lead", post(lead))
        .route("/api/events/sale", post(sale))
        .with_state(shared);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((Running { stop, task }, addr))
}

async fn lead(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    receive(&shared, EventKind::Lead, &headers, &body).await
}

async fn sale(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    receive(&shared, EventKind::Sale, &headers, &body).await
}

fn refuse(shared: &Shared, status: StatusCode, error: &str) -> Response {
    shared.lock().stats.refused += 1;
    (status, Json(json!({ "ok": false, "error": error }))).into_response()
}

async fn receive(shared: &Shared, kind: EventKind, headers: &HeaderMap, body: &[u8]) -> Response {
    let fault = {
        let mut inner = shared.lock();
        inner.stats.requests += 1;
        let fault = inner.faults.pop_front();
        if fault.is_some() {
            inner.stats.faults += 1;
        }
        fault
    };
    match fault {
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (
                status,
                Json(json!({ "ok": false, "error": "injected fault" })),
            )
                .into_response();
        }
        Some(Fault::RetryAfter(seconds)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", seconds.to_string())],
                Json(json!({ "ok": false, "error": "slow down" })),
            )
                .into_response();
        }
        Some(Fault::Hang(_)) | None => {}
    }
    let authorized = headers
        .get("authorization")
        .is_some_and(|value| value.as_bytes() == shared.bearer.as_bytes());
    if !authorized {
        return refuse(
            shared,
            StatusCode::UNAUTHORIZED,
            "missing or wrong Bearer key",
        );
    }
    let is_json = headers
        .get("content-type")
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) if is_json => value,
        _ => return refuse(shared, StatusCode::BAD_REQUEST, "the body must be JSON"),
    };
    if let Err(error) = check_body(kind, &value) {
        return refuse(shared, StatusCode::BAD_REQUEST, &error);
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    {
        let mut inner = shared.lock();
        let fresh = key
            .as_ref()
            .is_none_or(|key| inner.keys.insert(key.clone()));
        if fresh {
            inner.events.push(Recorded {
                kind,
                idempotency_key: key,
                body: value,
                received_at_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64),
            });
        } else {
            inner.stats.duplicates += 1;
        }
    }
    if let Some(Fault::Hang(duration)) = fault {
        tokio::time::sleep(duration).await;
    }
    Json(json!({ "ok": true })).into_response()
}

/// The API reference's fields and rules; anything else is refused.
fn check_body(kind: EventKind, body: &Value) -> Result<(), String> {
    let Some(object) = body.as_object() else {
        return Err("the body must be a JSON object".into());
    };
    let allowed: &[&str] = match kind {
        EventKind::Lead => &["trackingId", "customer", "metadata"],
        EventKind::Sale => &["trackingId", "customer", "amount", "currency", "metadata"],
    };
    if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(format!("unknown field {unknown}"));
    }
    match object.get("trackingId") {
        Some(Value::String(id)) if TrackingId::parse(id).is_ok() => {}
        None if kind == EventKind::Sale => {}
        _ => return Err("trackingId must be a valid tracking id".into()),
    }
    let customer = object
        .get("customer")
        .and_then(Value::as_object)
        .ok_or("customer must be an object")?;
    const CUSTOMER: [&str; 6] = [
        "externalId",
        "email",
        "firstname",
        "lastname",
        "phoneNumber",
        "avatarUrl",
    ];
    for (key, value) in customer {
        if !CUSTOMER.contains(&key.as_str()) {
            return Err(format!("unknown field customer.{key}"));
        }
        if !value.is_string() {
            return Err(format!("customer.{key} must be a string"));
        }
    }
    if customer
        .get("externalId")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err("customer.externalId is required".into());
    }
    if kind == EventKind::Sale {
        if !object
            .get("amount")
            .and_then(Value::as_f64)
            .is_some_and(|amount| amount >= 0.0)
        {
            return Err("amount must be a number >= 0 (currency units)".into());
        }
        if !object
            .get("currency")
            .and_then(Value::as_str)
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err("currency must be an ISO 4217 code in lower case".into());
        }
    }
    if object.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err("metadata must be an object".into());
    }
    Ok(())
}
