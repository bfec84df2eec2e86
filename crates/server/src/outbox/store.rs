//! The seam between the delivery worker and where the events are kept.
//!
//! The worker ([`super::worker`]) knows nothing of SQL: it inserts events, claims due ones,
//! and records each answer, through [`Store`]. Each store keeps the same contract:
//!
//! - [`Store::insert`] returns once the event is durable; a key already present is a no-op
//!   (the first event with that key is kept).
//! - [`Store::claim`] returns up to `limit` events that are due (`at_ms <= now_ms`), not
//!   parked and not leased, and leases them until `lease_until_ms` in the same atomic step,
//!   so no other worker, in this process or another, claims them while the lease runs. A
//!   lease that runs out without an answer recorded (its worker died) makes the event due
//!   again.
//! - [`Store::record`] returns once the outcome is durable (committed): `Delivered` removes
//!   the event, `Retry` makes it due again at `at_ms`, `Park` keeps it aside with its
//!   error; each ends the lease. This is what lets `Worker::shutdown` promise that no
//!   answer it received is lost. Each claim of an event has its own number
//!   ([`Claimed::claim`]): a `Retry` or `Park` is recorded only while the event is still
//!   under that claim. An answer that comes after its lease ran out and another worker
//!   claimed the event again would otherwise end the new claim's lease while that delivery
//!   is under way, and a third worker would send the event at the same time. A late
//!   `Delivered` still removes the event: Taapit accepted it, so no further send is needed.
//! - [`Store::stats`], [`Store::parked`], [`Store::retry_parked`]: the queue as users see
//!   it (`pending` excludes the events in flight).
//!
//! An enum, not a trait object: two stores, async methods without a boxed-future
//! dependency, and one `match` per method.

use crate::{Error, EventKind};

use super::sqlite::SqliteStore;
pub(crate) use super::{Parked, Stats};

/// An event to insert: its idempotency key (the event's key), kind, and the JSON body.
pub(crate) struct NewEvent {
    pub(crate) key: String,
    pub(crate) kind: EventKind,
    pub(crate) body: Vec<u8>,
}

/// An event claimed for delivery, with the attempts made before this claim.
pub(crate) struct Claimed {
    pub(crate) key: String,
    pub(crate) kind: EventKind,
    pub(crate) body: Vec<u8>,
    pub(crate) attempts: u32,
    /// This claim's number (the event's claim count): what [`Store::record`] checks.
    pub(crate) claim: i64,
}

/// What a delivery ended with (decided by [`super::worker::decide`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Taapit accepted it: the event leaves the store.
    Delivered,
    /// A temporary failure: due again at `at_ms` (Unix milliseconds).
    Retry { at_ms: u64, error: String },
    /// Refused for good (a 4xx other than 408/425/429): kept aside, listed by `parked`.
    Park { error: String },
}

impl Outcome {
    /// A word for spans and logs.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retry { .. } => "retry",
            Outcome::Park { .. } => "parked",
        }
    }
}

/// Where the events are kept.
#[derive(Debug)]
pub(crate) enum Store {
    /// An embedded SQLite file (`sqlite.rs`).
    Sqlite(SqliteStore),
    /// A PostgreSQL database (`postgres.rs`, feature `postgres`).
    #[cfg(feature = "postgres")]
    Postgres(super::postgres::PgStore),
}

impl Store {
    pub(crate) async fn insert(&self, event: NewEvent) -> Result<(), Error> {
        match self {
            Store::Sqlite(store) => store.insert(event).await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.insert(event).await,
        }
    }

    pub(crate) async fn claim(
        &self,
        now_ms: u64,
        lease_until_ms: u64,
        limit: usize,
    ) -> Result<Vec<Claimed>, Error> {
        match self {
            Store::Sqlite(store) => store.claim(now_ms, lease_until_ms, limit).await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.claim(now_ms, lease_until_ms, limit).await,
        }
    }

    pub(crate) async fn record(
        &self,
        key: &str,
        claim: i64,
        attempts: u32,
        outcome: Outcome,
    ) -> Result<(), Error> {
        match self {
            Store::Sqlite(store) => store.record(key, claim, attempts, outcome).await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.record(key, claim, attempts, outcome).await,
        }
    }

    pub(crate) async fn stats(&self, now_ms: u64) -> Result<Stats, Error> {
        match self {
            Store::Sqlite(store) => store.stats(now_ms).await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.stats(now_ms).await,
        }
    }

    pub(crate) async fn parked(&self) -> Result<Vec<Parked>, Error> {
        match self {
            Store::Sqlite(store) => store.parked().await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.parked().await,
        }
    }

    pub(crate) async fn retry_parked(&self, key: &str) -> Result<bool, Error> {
        match self {
            Store::Sqlite(store) => store.retry_parked(key).await,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.retry_parked(key).await,
        }
    }
}
