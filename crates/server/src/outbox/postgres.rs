//! The outbox on PostgreSQL (feature `postgres`): one queue for every process and machine
//! of a backend, and [`Outbox::enqueue_in`] to write an event in the application's own
//! transaction, so that it exists if and only if the signup or the order commits.
//!
//! ```no_run
//! # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
//! use taapit_server::outbox::Outbox;
//! let outbox = Outbox::open("postgres://shop@db.internal/shop", taapit).await?;
//! let worker = outbox.start();
//! # Ok(())
//! # }
//! ```
//!
//! - **Schema**: [`Outbox::open`] creates the `taapit_outbox` table (and its version row in
//!   `taapit_outbox_schema`) if missing, under an advisory lock, so instances starting
//!   together do not race; a database migrated by a newer release is refused, not altered.
//! - **Claiming**: a worker takes due events with `FOR UPDATE SKIP LOCKED` and leases them in
//!   the same statement: workers in other processes skip those rows, and read others. An
//!   event is sent again only once its lease ran out without an answer recorded (its worker
//!   died): by default the longest a delivery can take, as for the SQLite file
//!   ([`WorkerOptions::lease`](super::WorkerOptions::lease)).
//! - **Writes**: the enqueues and answers that arrive together share one transaction, so a
//!   burst costs one commit; each returns once that commit is done.
//! - **Restarts of the server**: the connections are pooled; one the server closed is
//!   dropped at its next use and a new one is made, so delivery resumes by itself once
//!   PostgreSQL is back (nothing is lost: a row is deleted only after Taapit's 2xx). An
//!   enqueue fails while the server is away; an answer received meanwhile is recorded once it
//!   is back (within [`RECORD_PERSISTENCE`]), so it is not sent again.
//!
//! **The client crate**: [`tokio_postgres`] with the [`deadpool_postgres`] pool, both
//! re-exported here (use them, or the same 0.7 / 0.14 versions, for [`Outbox::enqueue_in`]).
//! sqlx 0.8 (PostgreSQL only) resolves beside this crate's rusqlite (no `links = "sqlite3"`
//! clash with its SQLite driver off), but it brings 151 crates to these two's 84 (with
//! rusqlite, `cargo tree -e normal` of each alone), and its migration and query macros are
//! of no use for one table; [`Outbox::enqueue_in`] takes the application's `Transaction` or
//! `Client` of either crate as they are. Connections made from a URL use no TLS
//! ([`tokio_postgres::NoTls`]): for a server that requires it, build a pool with your TLS
//! connector and use [`Outbox::from_pool`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

pub use deadpool_postgres;
pub use tokio_postgres;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::GenericClient;

use super::store::{Claimed, NewEvent, Outcome, Parked, Stats};
use super::{EventKey, Outbox, now_ms};
use crate::{Error, Event, EventKind, Taapit};

/// Connections per [`Outbox`] handle opened from a URL (the writes, the worker's claims,
/// the stats). Each instance of a backend holds up to this many.
pub const POOL_SIZE: usize = 8;

/// How long an operation waits for a connection (the server unreachable, or the pool busy)
/// before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an answer's record waits for the server to be reachable again (a restart, a
/// failover), reconnecting, before it fails: the event is then sent again after its lease.
/// Longer than the worker's own retry of a failed record
/// ([`LEASE_MARGIN`](super::LEASE_MARGIN)), which this wait runs inside: a restart often
/// takes longer than that, and an answer recorded late is still recorded (a row another
/// worker claimed meanwhile is deleted once sent, as it would be; a late retry or refusal
/// leaves that worker's claim alone). Meanwhile, the delivery
/// holds its slot, and `Worker::shutdown` waits for it.
pub const RECORD_PERSISTENCE: Duration = Duration::from_secs(30);

/// The key of the advisory lock held while the schema is checked and created
/// (`pg_advisory_xact_lock`): "taapit_o" in ASCII.
const MIGRATION_LOCK: i64 = 0x7461_6170_6974_5f6f;

/// The schema, one step per version: step `n` takes a database from version `n` to `n + 1`.
/// Released steps are never edited, only appended to.
const MIGRATIONS: &[&str] = &[
    "
    -- body: the exact bytes sent (bytea, not jsonb, which would reorder and re-space them);
    -- convert_from(body, 'UTF8')::jsonb reads it.
    CREATE TABLE taapit_outbox (
        id bigserial PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        kind text NOT NULL,
        body bytea NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        parked boolean NOT NULL DEFAULT false,
        last_error text,
        enqueued_at timestamptz NOT NULL DEFAULT now()
    );
    -- The claim's scan: due events in order, parked ones left out.
    CREATE INDEX taapit_outbox_due ON taapit_outbox (due_at, id) WHERE NOT parked;
",
    "
    -- Each claim's number: an answer recorded after its lease ran out and another worker
    -- claimed the event again leaves that claim alone (store.rs: Store::record).
    ALTER TABLE taapit_outbox ADD COLUMN claims bigint NOT NULL DEFAULT 0;
",
];

/// The outbox's rows in a PostgreSQL database (reached through a connection pool).
pub(crate) struct PgStore {
    pool: Pool,
    /// The writer task's queue: inserts and records (see [`run_writer`]).
    writes: mpsc::UnboundedSender<Write>,
}

/// A write for the writer task, answered once its transaction committed (or failed: the
/// error's text, and whether the server was out of reach).
struct Write {
    change: Change,
    reply: oneshot::Sender<Result<(), (String, bool)>>,
}

enum Change {
    Insert(NewEvent),
    Record {
        key: String,
        claim: i64,
        attempts: i32,
        outcome: Outcome,
    },
}

/// The most writes one transaction of the writer task takes.
const WRITE_GROUP: usize = 1024;

impl fmt::Debug for PgStore {
    // The pool's own Debug shows its configuration, password included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

/// A store error with its causes (a `tokio_postgres::Error` alone prints "db error"). No
/// cause carries the connection URL: its password never reaches a log line.
fn pg_error(context: &str, error: &(dyn std::error::Error + 'static)) -> Error {
    Error::Store(error_text(context, error))
}

/// [`pg_error`]'s text.
fn error_text(context: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("PostgreSQL outbox: {context}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        // Some causes repeat their wrapper's text ("error connecting to server").
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Whether `error` is the server out of reach (a lost connection, a server shutting down or
/// starting) rather than a refusal of the statement. The statements retried are idempotent:
/// one that ran before its connection broke runs again to the same effect.
fn is_unreachable(error: &tokio_postgres::Error) -> bool {
    match error.as_db_error() {
        // Classes 08 (connection exception), 57 (operator intervention: admin shutdown,
        // cannot connect now), 53 (insufficient resources: too many connections).
        Some(db) => ["08", "57", "53"]
            .iter()
            .any(|class| db.code().code().starts_with(class)),
        None => {
            error.is_closed()
                || std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>())
        }
    }
}

/// Milliseconds as the `bigint` the queries turn into an interval (saturating).
fn sql_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// A count or an age read back (never negative; saturating).
fn from_sql_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl PgStore {
    /// A pool on `url` (`postgres://user:password@host:port/database`, or the key=value
    /// form), and the schema checked: fails at once if the server cannot be reached.
    pub(crate) async fn connect(url: &str) -> Result<Self, Error> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| pg_error("invalid connection URL", &error))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("taapit-outbox");
        }
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            // Fast: a connection whose socket the server closed (a restart) is known closed
            // without a round trip, and replaced.
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| pg_error("cannot build the connection pool", &error))?;
        Self::from_pool(pool).await
    }

    /// The store on the application's own pool; the schema checked.
    pub(crate) async fn from_pool(pool: Pool) -> Result<Self, Error> {
        let (writes, queue) = mpsc::unbounded_channel();
        let store = PgStore {
            pool: pool.clone(),
            writes,
        };
        store.migrate().await?;
        tokio::spawn(run_writer(pool, queue));
        Ok(store)
    }

    /// Hands `change` to the writer task; returns once it is committed.
    async fn write(&self, change: Change) -> Result<(), (String, bool)> {
        let stopped = || {
            (
                "PostgreSQL outbox: the writer task stopped".to_owned(),
                false,
            )
        };
        let (reply, answer) = oneshot::channel();
        self.writes
            .send(Write { change, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    async fn connection(&self) -> Result<deadpool_postgres::Object, Error> {
        self.pool
            .get()
            .await
            .map_err(|error| pg_error("cannot get a connection", &error))
    }

    /// Brings the schema to the newest version this build knows, in one transaction under
    /// an advisory lock: instances that start together wait for each other, the second
    /// finds the work done.
    async fn migrate(&self) -> Result<(), Error> {
        let fail = |error: tokio_postgres::Error| pg_error("cannot create the schema", &error);
        let mut connection = self.connection().await?;
        let tx = connection.transaction().await.map_err(fail)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(fail)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS taapit_outbox_schema (version integer NOT NULL)",
        )
        .await
        .map_err(fail)?;
        let version: i32 = match tx
            .query_opt("SELECT version FROM taapit_outbox_schema", &[])
            .await
            .map_err(fail)?
        {
            Some(row) => row.get(0),
            None => {
                tx.execute("INSERT INTO taapit_outbox_schema (version) VALUES (0)", &[])
                    .await
                    .map_err(fail)?;
                0
            }
        };
        let known = MIGRATIONS.len();
        let current = usize::try_from(version).unwrap_or(usize::MAX);
        if current > known {
            return Err(Error::Store(format!(
                "PostgreSQL outbox: the schema is at version {version}, newer than this \
                 release knows ({known}): upgrade taapit-server"
            )));
        }
        for step in &MIGRATIONS[current..] {
            tx.batch_execute(step).await.map_err(fail)?;
        }
        if current < known {
            let newest = i32::try_from(known).unwrap_or(i32::MAX);
            tx.execute("UPDATE taapit_outbox_schema SET version = $1", &[&newest])
                .await
                .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    /// Durable on return: the writer task's transaction, shared with the writes that came
    /// at the same time, committed.
    pub(crate) async fn insert(&self, event: NewEvent) -> Result<(), Error> {
        self.write(Change::Insert(event))
            .await
            .map_err(|(text, _)| Error::Store(text))
    }

    // The clock: every time in these queries is the database's `now()`. With workers on
    // many machines, the database clock is the one clock they share; a machine whose clock
    // runs ahead must not take events another has leased. The worker's `now_ms` and
    // `lease_until_ms` give only the lease's length, and `Retry::at_ms` only the wait.
    pub(crate) async fn claim(
        &self,
        now_ms: u64,
        lease_until_ms: u64,
        limit: usize,
    ) -> Result<Vec<Claimed>, Error> {
        let fail = |error: tokio_postgres::Error| pg_error("cannot claim due events", &error);
        let lease_ms = sql_ms(lease_until_ms.saturating_sub(now_ms));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let connection = self.connection().await?;
        // due_at moves to the lease's end too: the leased rows leave the index's due range
        // (the next claim does not scan them), and come back into it if the lease runs out.
        let statement = connection
            .prepare_cached(
                "UPDATE taapit_outbox
                 SET lease_until = now() + $1::bigint * interval '1 millisecond',
                     due_at = now() + $1::bigint * interval '1 millisecond',
                     claims = claims + 1
                 WHERE id IN (
                     SELECT id FROM taapit_outbox
                     WHERE NOT parked AND due_at <= now()
                     ORDER BY due_at, id
                     LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING idempotency_key, kind, body, attempts, claims",
            )
            .await
            .map_err(fail)?;
        let rows = connection
            .query(&statement, &[&lease_ms, &limit])
            .await
            .map_err(fail)?;
        Ok(rows
            .into_iter()
            .map(|row| Claimed {
                key: row.get(0),
                kind: EventKind::parse(row.get(1)).unwrap_or(EventKind::Lead),
                body: row.get(2),
                attempts: u32::try_from(row.get::<_, i32>(3)).unwrap_or(0),
                claim: row.get(4),
            })
            .collect())
    }

    /// An answer is recorded across a short outage of the server (a restart): a failure to
    /// reach it is tried again for up to [`RECORD_PERSISTENCE`], so that an event Taapit
    /// accepted is not sent again when its lease runs out. An error from the server itself
    /// (not a lost connection) fails at once.
    pub(crate) async fn record(
        &self,
        key: &str,
        claim: i64,
        attempts: u32,
        outcome: Outcome,
    ) -> Result<(), Error> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(200);
        loop {
            let change = Change::Record {
                key: key.to_owned(),
                claim,
                attempts: i32::try_from(attempts).unwrap_or(i32::MAX),
                outcome: outcome.clone(),
            };
            match self.write(change).await {
                Ok(()) => return Ok(()),
                Err((error, true)) if started.elapsed() + wait < RECORD_PERSISTENCE => {
                    tracing::debug!(%error, "taapit outbox: PostgreSQL unreachable, recording again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
                Err((error, _)) => return Err(Error::Store(error)),
            }
        }
    }

    /// `pending` leaves out the events in flight, and the oldest pending age is among the
    /// pending ones, as for the SQLite file.
    pub(crate) async fn stats(&self, _now_ms: u64) -> Result<Stats, Error> {
        let fail = |error: tokio_postgres::Error| pg_error("cannot count the queue", &error);
        let connection = self.connection().await?;
        let row = connection
            .query_one(
                "SELECT
                     count(*) FILTER (WHERE NOT parked AND (lease_until IS NULL OR lease_until <= now())),
                     count(*) FILTER (WHERE NOT parked AND lease_until > now()),
                     count(*) FILTER (WHERE parked),
                     floor(extract(epoch FROM now() - min(enqueued_at) FILTER (WHERE NOT parked
                         AND (lease_until IS NULL OR lease_until <= now()))) * 1000)::bigint
                 FROM taapit_outbox",
                &[],
            )
            .await
            .map_err(fail)?;
        Ok(Stats {
            pending: from_sql_count(row.get(0)),
            in_flight: from_sql_count(row.get(1)),
            parked: from_sql_count(row.get(2)),
            oldest_pending_age: row
                .get::<_, Option<i64>>(3)
                .map(|ms| Duration::from_millis(from_sql_count(ms))),
        })
    }

    pub(crate) async fn parked(&self) -> Result<Vec<Parked>, Error> {
        let fail = |error: tokio_postgres::Error| pg_error("cannot list parked events", &error);
        let connection = self.connection().await?;
        let rows = connection
            .query(
                "SELECT idempotency_key, kind, body, attempts, last_error FROM taapit_outbox
                 WHERE parked ORDER BY id",
                &[],
            )
            .await
            .map_err(fail)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let body: Vec<u8> = row.get(2);
                Parked {
                    key: EventKey::from(row.get::<_, String>(0)),
                    kind: EventKind::parse(row.get(1)).unwrap_or(EventKind::Lead),
                    body: serde_json::from_slice(&body).unwrap_or_default(),
                    attempts: u32::try_from(row.get::<_, i32>(3)).unwrap_or(0),
                    error: row.get::<_, Option<String>>(4).unwrap_or_default(),
                }
            })
            .collect())
    }

    pub(crate) async fn retry_parked(&self, key: &str) -> Result<bool, Error> {
        let fail = |error: tokio_postgres::Error| pg_error("cannot replay an event", &error);
        let connection = self.connection().await?;
        let changed = connection
            .execute(
                "UPDATE taapit_outbox SET parked = false, due_at = now(), lease_until = NULL
                 WHERE idempotency_key = $1 AND parked",
                &[&key],
            )
            .await
            .map_err(fail)?;
        Ok(changed == 1)
    }
}

/// The writer task: the writes waiting are applied in one transaction (one commit, so one
/// disk flush, for a burst of enqueues or of answers), and each is answered after it.
async fn run_writer(pool: Pool, mut queue: mpsc::UnboundedReceiver<Write>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < WRITE_GROUP {
            match queue.try_recv() {
                Ok(write) => group.push(write),
                Err(_) => break,
            }
        }
        let result = write_group(&pool, &group).await;
        for write in group {
            let _ = write.reply.send(result.clone());
        }
    }
}

async fn write_group(pool: &Pool, group: &[Write]) -> Result<(), (String, bool)> {
    let fail = |error: tokio_postgres::Error| {
        let unreachable = is_unreachable(&error);
        (error_text("cannot write", &error), unreachable)
    };
    let mut connection = pool
        .get()
        .await
        .map_err(|error| (error_text("cannot get a connection", &error), true))?;
    let tx = connection.transaction().await.map_err(fail)?;
    let (mut keys, mut kinds, mut bodies, mut delivered) = (vec![], vec![], vec![], vec![]);
    for write in group {
        match &write.change {
            Change::Insert(event) => {
                keys.push(event.key.as_str());
                kinds.push(event.kind.as_str());
                bodies.push(event.body.as_slice());
            }
            Change::Record {
                key,
                outcome: Outcome::Delivered,
                ..
            } => delivered.push(key.as_str()),
            Change::Record {
                key,
                claim,
                attempts,
                outcome: Outcome::Retry { at_ms, error },
            } => {
                let wait = sql_ms(at_ms.saturating_sub(now_ms()));
                let statement = tx
                    .prepare_cached(
                        "UPDATE taapit_outbox
                         SET attempts = $2, due_at = now() + $3::bigint * interval '1 millisecond',
                             lease_until = NULL, last_error = $4
                         WHERE idempotency_key = $1 AND claims = $5",
                    )
                    .await
                    .map_err(fail)?;
                tx.execute(&statement, &[key, attempts, &wait, &storable(error), claim])
                    .await
                    .map_err(fail)?;
            }
            Change::Record {
                key,
                claim,
                attempts,
                outcome: Outcome::Park { error },
            } => {
                let statement = tx
                    .prepare_cached(
                        "UPDATE taapit_outbox
                         SET parked = true, attempts = $2, lease_until = NULL, last_error = $3
                         WHERE idempotency_key = $1 AND claims = $4",
                    )
                    .await
                    .map_err(fail)?;
                tx.execute(&statement, &[key, attempts, &storable(error), claim])
                    .await
                    .map_err(fail)?;
            }
        }
    }
    if !keys.is_empty() {
        let statement = tx
            .prepare_cached(
                "INSERT INTO taapit_outbox (idempotency_key, kind, body)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .await
            .map_err(fail)?;
        tx.execute(&statement, &[&keys, &kinds, &bodies])
            .await
            .map_err(fail)?;
    }
    if !delivered.is_empty() {
        let statement = tx
            .prepare_cached("DELETE FROM taapit_outbox WHERE idempotency_key = ANY($1)")
            .await
            .map_err(fail)?;
        tx.execute(&statement, &[&delivered]).await.map_err(fail)?;
    }
    tx.commit().await.map_err(fail)
}

/// `text` as a PostgreSQL `text` value can hold it: its NUL characters (a refusal's body may
/// carry them) replaced. The server refuses a NUL, and with it the whole transaction: the
/// event would never be parked (sent again after each lease), and the enqueues and answers
/// written beside it would fail too.
fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The insert, on the outbox's pool or in the application's transaction.
async fn insert_with<C: GenericClient + Sync>(
    client: &C,
    key: &str,
    kind: EventKind,
    body: &[u8],
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO taapit_outbox (idempotency_key, kind, body) VALUES ($1, $2, $3)
             ON CONFLICT (idempotency_key) DO NOTHING",
            &[&key, &kind.as_str(), &body],
        )
        .await
}

mod sealed {
    pub trait Sealed {}
}

/// What [`Outbox::enqueue_in`] writes with: a [`tokio_postgres::Client`] or
/// [`tokio_postgres::Transaction`], or a [`deadpool_postgres`] pooled client
/// ([`deadpool_postgres::Object`]) or [`deadpool_postgres::Transaction`]. Sealed.
pub trait Executor: sealed::Sealed + Sync {
    #[doc(hidden)]
    fn insert_event<'a>(
        &'a self,
        key: &'a str,
        kind: EventKind,
        body: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>>;
}

macro_rules! executor {
    ($($ty:ty => $as:ty),* $(,)?) => {$(
        impl sealed::Sealed for $ty {}
        impl Executor for $ty {
            fn insert_event<'a>(
                &'a self,
                key: &'a str,
                kind: EventKind,
                body: &'a [u8],
            ) -> Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>> {
                // deadpool's types dereference to tokio-postgres's.
                let client: &$as = self;
                Box::pin(insert_with(client, key, kind, body))
            }
        }
    )*};
}

executor! {
    tokio_postgres::Client => tokio_postgres::Client,
    tokio_postgres::Transaction<'_> => tokio_postgres::Transaction<'_>,
    deadpool_postgres::Object => tokio_postgres::Client,
    deadpool_postgres::Transaction<'_> => tokio_postgres::Transaction<'_>,
}

impl Outbox {
    /// The outbox on your own pool (your TLS connector, your pool size), with the schema
    /// checked as [`Outbox::open`] does with a `postgres://` URL.
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), Box<dyn std::error::Error>> {
    /// use taapit_server::outbox::postgres::{deadpool_postgres, tokio_postgres};
    /// let config: tokio_postgres::Config = "postgres://shop@db.internal/shop".parse()?;
    /// let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    /// let pool = deadpool_postgres::Pool::builder(manager).max_size(16).build()?;
    /// let outbox = taapit_server::outbox::Outbox::from_pool(pool, taapit).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_pool(pool: deadpool_postgres::Pool, client: Taapit) -> Result<Self, Error> {
        Ok(Self::with_store(
            super::store::Store::Postgres(PgStore::from_pool(pool).await?),
            client,
        ))
    }

    /// Writes the event in the application's transaction (any [`Executor`]: a
    /// tokio-postgres or deadpool-postgres `Transaction`, or a client): it exists if and
    /// only if that transaction commits, and the worker delivers it after the commit.
    /// Returns its key, as [`enqueue`](Self::enqueue) does. The outbox must be on the same
    /// database ([`Outbox::open`] with its URL creates the table). A worker in another
    /// process finds the event at its next look (within half a second when idle).
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox, pool: taapit_server::outbox::postgres::deadpool_postgres::Pool) -> Result<(), Box<dyn std::error::Error>> {
    /// use taapit_server::{Customer, Lead};
    /// let mut db = pool.get().await?;
    /// let tx = db.transaction().await?;
    /// tx.execute("INSERT INTO users (id, email) VALUES ($1, $2)", &[&"user_1", &"ada@example.com"]).await?;
    /// outbox.enqueue_in(&tx, Lead::new("rLnWe1uz9t282v7g", Customer::new("user_1"))).await?;
    /// tx.commit().await?; // the user and the lead, or neither
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enqueue_in(
        &self,
        client: &impl Executor,
        event: impl Into<Event>,
    ) -> Result<EventKey, Error> {
        self.enqueue_in_with_key(client, event, &crate::client::new_idempotency_key())
            .await
    }

    /// [`enqueue_in`](Self::enqueue_in) with your own idempotency key (an order id): an
    /// event with this key already waiting is kept, and this one dropped (a payment webhook
    /// delivered twice reports one sale).
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox, tx: &taapit_server::outbox::postgres::tokio_postgres::Transaction<'_>) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Sale};
    /// outbox.enqueue_in_with_key(tx, Sale::new(Customer::new("u"), 9.99, "eur"), "sale-order_42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enqueue_in_with_key(
        &self,
        client: &impl Executor,
        event: impl Into<Event>,
        idempotency_key: &str,
    ) -> Result<EventKey, Error> {
        // An outbox on a SQLite file would never see the row: refused, not lost.
        if !matches!(*self.store, super::store::Store::Postgres(_)) {
            return Err(Error::Store(
                "enqueue_in needs an outbox opened on PostgreSQL (a postgres:// URL)".into(),
            ));
        }
        let event = self.prepare(event, idempotency_key)?;
        client
            .insert_event(&event.key, event.kind, &event.body)
            .await
            .map_err(|error| pg_error("cannot enqueue in the transaction", &error))?;
        // Rows the transaction wrote are visible to the worker after its commit only: this
        // process's worker looks again at once, and finds them then or at its next poll.
        self.wake();
        Ok(EventKey::from(event.key))
    }
}
