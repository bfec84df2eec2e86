//! The durable outbox (feature `outbox`): events are written to a store before
//! [`Outbox::enqueue`] returns, and a background worker delivers them with the client's
//! retry policy, across crashes and restarts. The store is an embedded SQLite file by
//! default, or a PostgreSQL database (feature `postgres`): [`Outbox::open`] picks it from
//! its argument, the rest of the API is the same.
//!
//! - **Nothing lost**: an event leaves the store only once Taapit accepted it (2xx). A
//!   crash between the answer and its record means one redelivery, with the same
//!   `Idempotency-Key` (the event's [`EventKey`]), once the event's lease has run out
//!   (below).
//! - **Sent by one worker at a time**: the worker leases the events it claims (for the
//!   longest a delivery can take under the client's [`RetryPolicy`](crate::RetryPolicy),
//!   plus [`LEASE_MARGIN`]), atomically, so a second worker, or a second process on the same
//!   store (a rolling deploy), never claims an event that is being delivered.
//! - **Poison events** (a 4xx other than 408, 425 and 429: retrying cannot help) are parked
//!   with their error, listed by [`Outbox::parked`], and can be sent again with
//!   [`Outbox::retry_parked`].
//! - **Bounded, and not held by a slow answer**: a worker has at most [`CONCURRENCY`]
//!   deliveries under way, whatever the queue's length; each answer is recorded as it
//!   arrives and frees a slot, and the worker claims more as slots free up, so one slow
//!   answer holds its own slot only.
//! - **A shutdown that keeps its word**: [`Worker::shutdown`] returns once every answer
//!   received is committed to the store.
//! - **Seen in traces**: each delivery runs in a `tracing` span `taapit_outbox_delivery`
//!   with the event's key, kind, attempt and outcome (never the API key).
//!
//! ```no_run
//! # async fn run() -> Result<(), taapit_server::Error> {
//! use taapit_server::outbox::Outbox;
//! use taapit_server::{Customer, Lead, Taapit};
//!
//! let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY").unwrap())?;
//! let outbox = Outbox::open("taapit-outbox.sqlite3", taapit).await?;
//! let worker = outbox.start();
//! // In a handler: returns once the event is stored, with its key.
//! let key = outbox.enqueue(Lead::new("rLnWe1uz9t282v7g", Customer::new("user_1"))).await?;
//! // At shutdown (what is left is delivered after the next start):
//! worker.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::Notify;

use crate::client::{is_valid_idempotency_key, new_idempotency_key};
use crate::{Error, Event, EventKind, Taapit};

#[cfg(feature = "postgres")]
pub mod postgres;
mod sqlite;
mod store;
mod worker;

use store::{NewEvent, Store};
pub use worker::{CONCURRENCY, Worker, WorkerOptions};

/// The most due events the worker claims in one step (it claims as many as it has free
/// delivery slots, [`CONCURRENCY`] by default, up to this).
///
/// ```
/// assert_eq!(taapit_server::outbox::BATCH, 64);
/// ```
pub const BATCH: usize = 64;

/// Added to the longest a delivery can take to make an event's lease: the time between
/// claiming the event and starting it, and between its answer and its record (a commit).
/// After a crash, the events it had in flight are sent again once their lease runs out:
/// with the default retry policy, within 3 minutes.
///
/// ```
/// assert_eq!(taapit_server::outbox::LEASE_MARGIN, std::time::Duration::from_secs(10));
/// ```
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// An event's key: the `Idempotency-Key` it is sent with, and how [`Outbox::retry_parked`]
/// finds it. Returned by [`Outbox::enqueue`].
///
/// ```
/// let key = taapit_server::outbox::EventKey::from("sale-order_42".to_owned());
/// assert_eq!(key.as_str(), "sale-order_42");
/// assert_eq!(key.to_string(), "sale-order_42");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EventKey(String);

impl EventKey {
    /// The key as text.
    ///
    /// ```
    /// let key = taapit_server::outbox::EventKey::from("k1".to_owned());
    /// assert_eq!(key.as_str(), "k1");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for EventKey {
    fn from(key: String) -> Self {
        EventKey(key)
    }
}

impl From<EventKey> for String {
    fn from(key: EventKey) -> Self {
        key.0
    }
}

impl AsRef<str> for EventKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EventKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parked event: refused by Taapit with a 4xx other than 408, 425 and 429.
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
/// for event in outbox.parked().await? {
///     eprintln!("{} {}: {}", event.key, event.kind.as_str(), event.error);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parked {
    /// Its key (the `Idempotency-Key` it is sent with; for [`Outbox::retry_parked`]).
    pub key: EventKey,
    /// Lead or sale.
    pub kind: EventKind,
    /// The body.
    pub body: serde_json::Value,
    /// Delivery attempts made.
    pub attempts: u32,
    /// Why it was parked.
    pub error: String,
}

/// What the queue holds ([`Outbox::stats`]).
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
/// let stats = outbox.stats().await?;
/// println!("{} waiting, {} in flight, {} parked", stats.pending, stats.in_flight, stats.parked);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events waiting for delivery, or for their next attempt (not those in flight).
    pub pending: u64,
    /// Events claimed by a worker whose answer is not recorded yet.
    pub in_flight: u64,
    /// Parked events.
    pub parked: u64,
    /// How long the oldest pending event has waited since it was enqueued (none pending:
    /// `None`).
    pub oldest_pending_age: Option<Duration>,
}

/// The outbox: a handle on its store. Cheap to clone.
///
/// ```no_run
/// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
/// let outbox = taapit_server::outbox::Outbox::open("outbox.sqlite3", taapit).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Outbox {
    store: Arc<Store>,
    client: Taapit,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("store", &self.store)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

fn store_error(error: impl std::fmt::Display) -> Error {
    Error::Store(error.to_string())
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `wait` from now, in Unix milliseconds (saturating: a wait too long to count is "never").
fn later_ms(wait: Duration) -> u64 {
    now_ms().saturating_add(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
}

/// Whether `location` names a PostgreSQL database rather than a SQLite file.
fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl Outbox {
    /// Opens the outbox at `location`; events are delivered with `client`:
    ///
    /// - `postgres://…` or `postgresql://…`: a PostgreSQL database (feature `postgres`;
    ///   without it, an error says so), its table created if missing;
    /// - `sqlite://PATH` or a plain path: a SQLite file, created if missing
    ///   (`sqlite:///var/lib/app/outbox.sqlite3` is an absolute path); an empty path and
    ///   `:memory:` are refused (a database that vanishes with the process).
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// let outbox = taapit_server::outbox::Outbox::open("/var/lib/shop/taapit.sqlite3", taapit).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(location: impl AsRef<Path>, client: Taapit) -> Result<Self, Error> {
        let location = location.as_ref();
        if let Some(text) = location.to_str() {
            if is_postgres_url(text) {
                return Self::open_postgres(text, client).await;
            }
            if let Some(path) = text.strip_prefix("sqlite://") {
                return Self::open_sqlite(path, client).await;
            }
        }
        Self::open_sqlite(location, client).await
    }

    /// Opens (or creates) the SQLite file at `path`.
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// let outbox = taapit_server::outbox::Outbox::open_sqlite("taapit.sqlite3", taapit).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open_sqlite(path: impl AsRef<Path>, client: Taapit) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        // SQLite takes "" as a temporary file and ":memory:" as memory: an outbox there loses
        // every event at the next restart, with nothing to say so (an unset variable).
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            return Err(Error::Store(format!(
                "the SQLite outbox needs a file to keep its events, not {:?}",
                path.as_os_str()
            )));
        }
        // Opening may wait for another process's write lock: off the async threads.
        let store = tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&path))
            .await
            .map_err(store_error)??;
        Ok(Self::with_store(Store::Sqlite(store), client))
    }

    #[cfg(feature = "postgres")]
    async fn open_postgres(url: &str, client: Taapit) -> Result<Self, Error> {
        let store = postgres::PgStore::connect(url).await?;
        Ok(Self::with_store(Store::Postgres(store), client))
    }

    #[cfg(not(feature = "postgres"))]
    async fn open_postgres(_url: &str, _client: Taapit) -> Result<Self, Error> {
        Err(Error::Store(
            "a postgres:// outbox needs the crate's feature `postgres`".into(),
        ))
    }

    pub(crate) fn with_store(store: Store, client: Taapit) -> Self {
        Outbox {
            store: Arc::new(store),
            client,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Validates the key and the event, into the row to insert.
    pub(crate) fn prepare(
        &self,
        event: impl Into<Event>,
        idempotency_key: &str,
    ) -> Result<NewEvent, Error> {
        if !is_valid_idempotency_key(idempotency_key) {
            return Err(Error::InvalidIdempotencyKey);
        }
        let event = event.into();
        Ok(NewEvent {
            body: event.to_body()?,
            kind: event.kind(),
            key: idempotency_key.to_owned(),
        })
    }

    /// Tells this process's worker to look for due events now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Validates the event and stores it with a new key; returns the key once the event is
    /// durable (the worker is woken to deliver it).
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Lead};
    /// let key = outbox.enqueue(Lead::new("abc", Customer::new("user_1"))).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enqueue(&self, event: impl Into<Event>) -> Result<EventKey, Error> {
        self.enqueue_with_key(event, &new_idempotency_key()).await
    }

    /// [`enqueue`](Self::enqueue) with your own key (an order id): while an event with this
    /// key waits in the outbox, enqueueing the key again does nothing (a payment webhook
    /// delivered twice reports one sale).
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Sale};
    /// outbox.enqueue_with_key(Sale::new(Customer::new("u"), 9.99, "eur"), "sale-order_42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enqueue_with_key(
        &self,
        event: impl Into<Event>,
        idempotency_key: &str,
    ) -> Result<EventKey, Error> {
        let event = self.prepare(event, idempotency_key)?;
        let key = EventKey(event.key.clone());
        self.store.insert(event).await?;
        self.wake();
        Ok(key)
    }

    /// The parked events, oldest first.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// let parked = outbox.parked().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn parked(&self) -> Result<Vec<Parked>, Error> {
        self.store.parked().await
    }

    /// Puts a parked event back in the queue (after fixing what Taapit refused); false if
    /// no parked event has this key.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// for event in outbox.parked().await? {
    ///     outbox.retry_parked(&event.key).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry_parked(&self, key: impl AsRef<str>) -> Result<bool, Error> {
        let found = self.store.retry_parked(key.as_ref()).await?;
        self.wake();
        Ok(found)
    }

    /// What the queue holds: pending, in flight, parked, and the oldest pending event's age.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// assert_eq!(outbox.stats().await?.pending, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stats(&self) -> Result<Stats, Error> {
        self.store.stats(now_ms()).await
    }

    /// Starts the delivery worker on the current tokio runtime.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) {
    /// let worker = outbox.start();
    /// // …
    /// worker.shutdown().await;
    /// # }
    /// ```
    pub fn start(&self) -> Worker {
        self.start_with(WorkerOptions::default())
    }

    /// [`start`](Self::start) with options.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) {
    /// use taapit_server::outbox::WorkerOptions;
    /// let worker = outbox.start_with(WorkerOptions::default().lease(std::time::Duration::from_secs(60)));
    /// # }
    /// ```
    pub fn start_with(&self, options: WorkerOptions) -> Worker {
        Worker::start(self.clone(), options)
    }
}
