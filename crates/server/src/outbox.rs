//! The durable outbox (feature `outbox`): events are written to an embedded SQLite file
//! before [`Outbox::enqueue`] returns, and a background worker delivers them with the
//! client's retry policy, across crashes and restarts.
//!
//! - **Nothing lost**: an event leaves the file only once Taapit accepted it (2xx). A crash
//!   between the answer and the deletion means one redelivery, with the same
//!   `Idempotency-Key`, once the event's lease has run out (below).
//! - **Sent by one worker at a time**: the worker leases the events it reads (their next
//!   attempt put off by the longest a delivery can take under the client's
//!   [`RetryPolicy`](crate::RetryPolicy), plus [`LEASE_MARGIN`]), in a transaction that holds
//!   the file's write lock, so a second worker, or a second process on the same file (a
//!   rolling deploy), never reads an event that is being delivered.
//! - **Poison events** (a 4xx other than 429: retrying cannot help) are parked with their
//!   error, listed by [`Outbox::parked`], and can be sent again with [`Outbox::retry_parked`].
//! - **Bounded memory**: the worker reads due events from the file in batches of
//!   [`BATCH`], whatever the queue's length; enqueues are grouped into one transaction per
//!   burst by one writer thread, so each waits for one disk sync, not one each.
//!
//! ```no_run
//! # async fn run() -> Result<(), taapit_server::Error> {
//! use taapit_server::outbox::Outbox;
//! use taapit_server::{Customer, Lead, Taapit};
//!
//! let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY").unwrap())?;
//! let outbox = Outbox::open("taapit-outbox.sqlite3", taapit)?;
//! let worker = outbox.start();
//! // In a handler: returns once the event is on disk.
//! outbox.enqueue(Lead::new("rLnWe1uz9t282v7g", Customer::new("user_1"))).await?;
//! // At shutdown (what is left is delivered after the next start):
//! worker.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;

use crate::client::{is_valid_idempotency_key, new_idempotency_key};
use crate::{Error, Event, EventKind, Taapit};

/// How many due events the worker reads and delivers at a time (and so at most holds).
///
/// ```
/// assert_eq!(taapit_server::outbox::BATCH, 64);
/// ```
pub const BATCH: usize = 64;

/// How long the worker sleeps when nothing is due and nothing was enqueued.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Added to the longest a delivery can take to make an event's lease: the time between
/// reading the event and starting it, and between its answer and the row's update (a
/// commit). After a crash, the events it had in flight are sent again once their lease
/// runs out: with the default retry policy, within 3 minutes.
///
/// ```
/// assert_eq!(taapit_server::outbox::LEASE_MARGIN, std::time::Duration::from_secs(10));
/// ```
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// How long a process waits for another's write lock on the file before the command fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A parked event: refused by Taapit with a 4xx other than 429.
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
/// for event in outbox.parked().await? {
///     eprintln!("{} {}: {}", event.id, event.kind.as_str(), event.error);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parked {
    /// The row id (for [`Outbox::retry_parked`]).
    pub id: i64,
    /// The `Idempotency-Key` it is sent with.
    pub idempotency_key: String,
    /// Lead or sale.
    pub kind: EventKind,
    /// The body.
    pub body: serde_json::Value,
    /// Delivery attempts made.
    pub attempts: u32,
    /// Why it was parked.
    pub error: String,
}

/// Queue counts.
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
/// let counts = outbox.counts().await?;
/// println!("{} waiting, {} parked", counts.pending, counts.parked);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Events waiting for delivery.
    pub pending: u64,
    /// Parked events.
    pub parked: u64,
}

struct Due {
    id: i64,
    key: String,
    kind: EventKind,
    body: Vec<u8>,
    attempts: u32,
}

enum Command {
    Insert {
        key: String,
        kind: EventKind,
        body: Vec<u8>,
        reply: oneshot::Sender<Result<i64, Error>>,
    },
    Delivered(i64),
    Reschedule {
        id: i64,
        attempts: u32,
        next_ms: u64,
        error: String,
    },
    Park {
        id: i64,
        attempts: u32,
        error: String,
    },
    Unpark {
        id: i64,
        reply: oneshot::Sender<Result<bool, Error>>,
    },
    Due {
        now_ms: u64,
        /// When the events read are due again if no answer was recorded (see the module
        /// docs).
        lease_until_ms: u64,
        reply: oneshot::Sender<Result<Vec<Due>, Error>>,
    },
    Parked(oneshot::Sender<Result<Vec<Parked>, Error>>),
    Counts(oneshot::Sender<Result<Counts, Error>>),
}

/// The outbox: a handle on the file and its writer thread. Cheap to clone.
///
/// ```no_run
/// # fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
/// let outbox = taapit_server::outbox::Outbox::open("outbox.sqlite3", taapit)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Outbox {
    commands: mpsc::Sender<Command>,
    client: Taapit,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

fn store_error(error: impl std::fmt::Display) -> Error {
    Error::Store(error.to_string())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `wait` from now, in Unix milliseconds (saturating: a wait too long to count is "never").
fn later_ms(wait: Duration) -> u64 {
    now_ms().saturating_add(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
}

/// Unix milliseconds as SQLite's signed integer (saturating).
fn as_sql_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

impl Outbox {
    /// Opens (or creates) the outbox file at `path`; events are delivered with `client`.
    ///
    /// ```no_run
    /// # fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// let outbox = taapit_server::outbox::Outbox::open("/var/lib/shop/taapit.sqlite3", taapit)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>, client: Taapit) -> Result<Self, Error> {
        let connection = Connection::open(path).map_err(store_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS taapit_outbox (
                     id INTEGER PRIMARY KEY AUTOINCREMENT,
                     idempotency_key TEXT NOT NULL UNIQUE,
                     kind TEXT NOT NULL,
                     body BLOB NOT NULL,
                     attempts INTEGER NOT NULL DEFAULT 0,
                     next_attempt_ms INTEGER NOT NULL DEFAULT 0,
                     parked INTEGER NOT NULL DEFAULT 0,
                     last_error TEXT
                 );
                 CREATE INDEX IF NOT EXISTS taapit_outbox_due
                     ON taapit_outbox (parked, next_attempt_ms, id);",
            )
            .map_err(store_error)?;
        let (commands, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("taapit-outbox".into())
            .spawn(move || run_store(connection, receiver))
            .map_err(store_error)?;
        Ok(Outbox {
            commands,
            client,
            wake: Arc::new(Notify::new()),
        })
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| Error::Store("the outbox's writer thread stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Store("the outbox's writer thread stopped".into()))?
    }

    /// Validates the event and writes it to the file with a new idempotency key; returns
    /// once it is on disk (the worker is woken to deliver it).
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Lead};
    /// outbox.enqueue(Lead::new("abc", Customer::new("user_1"))).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enqueue(&self, event: impl Into<Event>) -> Result<(), Error> {
        self.enqueue_with_key(event, &new_idempotency_key()).await
    }

    /// [`enqueue`](Self::enqueue) with your own idempotency key (an order id): while the
    /// event waits in the outbox, enqueueing the same key again does nothing (a payment
    /// webhook delivered twice reports one sale).
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
    ) -> Result<(), Error> {
        if !is_valid_idempotency_key(idempotency_key) {
            return Err(Error::InvalidIdempotencyKey);
        }
        let event = event.into();
        let body = event.to_body()?;
        let key = idempotency_key.to_owned();
        let kind = event.kind();
        self.ask(|reply| Command::Insert {
            key,
            kind,
            body,
            reply,
        })
        .await?;
        self.wake.notify_one();
        Ok(())
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
        self.ask(Command::Parked).await
    }

    /// Puts a parked event back in the queue (after fixing what Taapit refused); false if
    /// there is no parked event `id`.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// for event in outbox.parked().await? {
    ///     outbox.retry_parked(event.id).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry_parked(&self, id: i64) -> Result<bool, Error> {
        let found = self.ask(|reply| Command::Unpark { id, reply }).await?;
        self.wake.notify_one();
        Ok(found)
    }

    /// How many events wait and how many are parked.
    ///
    /// ```no_run
    /// # async fn run(outbox: taapit_server::outbox::Outbox) -> Result<(), taapit_server::Error> {
    /// assert_eq!(outbox.counts().await?.pending, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn counts(&self) -> Result<Counts, Error> {
        self.ask(Command::Counts).await
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
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn(work(self.clone(), stop.clone()));
        Worker { stop, task }
    }

    async fn deliver_batch(&self, due: Vec<Due>) {
        let mut deliveries = JoinSet::new();
        for event in due {
            let outbox = self.clone();
            deliveries.spawn(async move {
                let result = outbox
                    .client
                    .deliver(event.kind, &event.body, &event.key)
                    .await;
                outbox.settle(event, result);
            });
        }
        while deliveries.join_next().await.is_some() {}
    }

    fn settle(&self, event: Due, result: Result<(), Error>) {
        let command = match result {
            Ok(()) => Command::Delivered(event.id),
            Err(Error::GaveUp { attempts, last }) => {
                let attempts = event.attempts.saturating_add(attempts);
                let wait = self
                    .client
                    .retry_policy()
                    .backoff(attempts, last.retry_after());
                tracing::warn!(
                    id = event.id,
                    attempts,
                    error = %last,
                    "taapit outbox: not delivered yet, will retry"
                );
                Command::Reschedule {
                    id: event.id,
                    attempts,
                    next_ms: later_ms(wait),
                    error: last.to_string(),
                }
            }
            Err(error) => {
                tracing::error!(id = event.id, %error, "taapit outbox: event parked");
                Command::Park {
                    id: event.id,
                    attempts: event.attempts.saturating_add(1),
                    error: error.to_string(),
                }
            }
        };
        // A stopped writer thread means the process is going away: the row stays due.
        let _ = self.commands.send(command);
    }
}

/// The running delivery worker ([`Outbox::start`]).
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) {
/// let worker = outbox.start();
/// worker.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct Worker {
    stop: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Stops once the batch in flight has its answers, recorded in the file (at most the
    /// longest a delivery can take under the client's retry policy); what is left stays in
    /// the file. An answer Taapit gave is never dropped on the way out, so no event it
    /// accepted is sent again at the next start.
    ///
    /// ```no_run
    /// # async fn run(worker: taapit_server::outbox::Worker) {
    /// worker.shutdown().await;
    /// # }
    /// ```
    pub async fn shutdown(self) {
        self.stop.notify_one();
        let _ = self.task.await;
    }
}

async fn work(outbox: Outbox, stop: Arc<Notify>) {
    let lease = outbox
        .client
        .retry_policy()
        .longest_delivery()
        .saturating_add(LEASE_MARGIN);
    loop {
        let due = match outbox
            .ask(|reply| Command::Due {
                now_ms: now_ms(),
                lease_until_ms: later_ms(lease),
                reply,
            })
            .await
        {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "taapit outbox: cannot read the queue");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        if !idle {
            let batch = outbox.deliver_batch(due);
            tokio::pin!(batch);
            tokio::select! {
                _ = &mut batch => {}
                _ = stop.notified() => {
                    batch.await;
                    return;
                }
            }
        }
        if idle {
            tokio::select! {
                _ = outbox.wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.notified() => return,
            }
        }
    }
}

/// The writer thread: every command that is waiting is applied in one transaction, and the
/// enqueues are answered only after it committed.
fn run_store(mut connection: Connection, commands: mpsc::Receiver<Command>) {
    while let Ok(first) = commands.recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let mut replies: Replies = Vec::new();
        let result = (|| -> rusqlite::Result<()> {
            // Immediate: the write lock is taken before the first read, so two processes on
            // one file never both read the same due events before either leases them.
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for command in batch {
                apply(&tx, command, &mut replies)?;
            }
            tx.commit()
        })();
        let outcome = result.map_err(|error| error.to_string());
        for reply in replies {
            reply(outcome.clone());
        }
    }
}

type Replies = Vec<Box<dyn FnOnce(Result<(), String>)>>;

/// Sends `value` once the transaction's outcome is known (its error if it failed).
fn answer<T: 'static>(
    replies: &mut Replies,
    reply: oneshot::Sender<Result<T, Error>>,
    value: Result<T, Error>,
) {
    replies.push(Box::new(move |outcome| {
        let _ = reply.send(match outcome {
            Ok(()) => value,
            Err(error) => Err(Error::Store(error)),
        });
    }));
}

fn apply(
    tx: &rusqlite::Transaction<'_>,
    command: Command,
    replies: &mut Replies,
) -> rusqlite::Result<()> {
    match command {
        Command::Insert {
            key,
            kind,
            body,
            reply,
        } => {
            tx.execute(
                "INSERT OR IGNORE INTO taapit_outbox (idempotency_key, kind, body) VALUES (?1, ?2, ?3)",
                params![key, kind.as_str(), body],
            )?;
            answer(replies, reply, Ok(tx.last_insert_rowid()));
        }
        Command::Delivered(id) => {
            tx.execute("DELETE FROM taapit_outbox WHERE id = ?1", params![id])?;
        }
        Command::Reschedule {
            id,
            attempts,
            next_ms,
            error,
        } => {
            tx.execute(
                "UPDATE taapit_outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE id = ?1",
                params![id, attempts, as_sql_ms(next_ms), error],
            )?;
        }
        Command::Park {
            id,
            attempts,
            error,
        } => {
            tx.execute(
                "UPDATE taapit_outbox SET parked = 1, attempts = ?2, last_error = ?3 WHERE id = ?1",
                params![id, attempts, error],
            )?;
        }
        Command::Unpark { id, reply } => {
            let changed = tx.execute(
                "UPDATE taapit_outbox SET parked = 0, next_attempt_ms = 0 WHERE id = ?1 AND parked = 1",
                params![id],
            )?;
            answer(replies, reply, Ok(changed == 1));
        }
        Command::Due {
            now_ms,
            lease_until_ms,
            reply,
        } => {
            let mut statement = tx.prepare_cached(
                "SELECT id, idempotency_key, kind, body, attempts FROM taapit_outbox
                 WHERE parked = 0 AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2",
            )?;
            let rows = statement
                .query_map(params![as_sql_ms(now_ms), BATCH as i64], |row| {
                    let kind: String = row.get(2)?;
                    Ok(Due {
                        id: row.get(0)?,
                        key: row.get(1)?,
                        kind: EventKind::parse(&kind).unwrap_or(EventKind::Lead),
                        body: row.get(3)?,
                        attempts: row.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut lease =
                tx.prepare_cached("UPDATE taapit_outbox SET next_attempt_ms = ?2 WHERE id = ?1")?;
            let until = as_sql_ms(lease_until_ms);
            for row in &rows {
                lease.execute(params![row.id, until])?;
            }
            answer(replies, reply, Ok(rows));
        }
        Command::Parked(reply) => {
            let mut statement = tx.prepare_cached(
                "SELECT id, idempotency_key, kind, body, attempts, last_error FROM taapit_outbox
                 WHERE parked = 1 ORDER BY id",
            )?;
            let rows = statement
                .query_map([], |row| {
                    let kind: String = row.get(2)?;
                    let body: Vec<u8> = row.get(3)?;
                    Ok(Parked {
                        id: row.get(0)?,
                        idempotency_key: row.get(1)?,
                        kind: EventKind::parse(&kind).unwrap_or(EventKind::Lead),
                        body: serde_json::from_slice(&body).unwrap_or_default(),
                        attempts: row.get(4)?,
                        error: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            answer(replies, reply, Ok(rows));
        }
        Command::Counts(reply) => {
            let counts = tx
                .query_row(
                    "SELECT COALESCE(SUM(parked = 0), 0), COALESCE(SUM(parked = 1), 0) FROM taapit_outbox",
                    [],
                    |row| {
                        Ok(Counts {
                            pending: row.get::<_, i64>(0)? as u64,
                            parked: row.get::<_, i64>(1)? as u64,
                        })
                    },
                )
                .optional()?
                .unwrap_or_default();
            answer(replies, reply, Ok(counts));
        }
    }
    Ok(())
}
