//! The outbox in an embedded SQLite file (the default store).
//!
//! One writer thread owns the connection: every command waiting is applied in one
//! `BEGIN IMMEDIATE` transaction and answered only after its commit (`synchronous = FULL`
//! in WAL mode: on disk). Grouping the commands is what makes a burst of enqueues cost one
//! disk sync, not one each; answering after the commit is what makes an insert, and an
//! answer recorded by the worker, durable when its call returns. Immediate: the write lock
//! is taken before the first read, so two processes on one file (a rolling deploy) never
//! both claim the same due events.
//!
//! Rows: `next_attempt_ms` says when an event is due; `leased_until_ms` marks it in flight
//! (claimed, its answer not recorded yet); past either, the event is due again.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::store::{Claimed, NewEvent, Outcome, Parked, Stats};
use super::{EventKey, store_error};
use crate::{Error, EventKind};

/// How long a process waits for another's write lock on the file before the command fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Commands applied in one transaction at most (a bound on the memory and the time one
/// commit holds the lock).
const GROUP: usize = 4096;

/// The schema. Columns added after the first release are added to older files by
/// [`migrate`], so a file written by an older release opens as it is.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS taapit_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        parked INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        leased_until_ms INTEGER NOT NULL DEFAULT 0,
        enqueued_ms INTEGER NOT NULL DEFAULT 0,
        claims INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS taapit_outbox_due
        ON taapit_outbox (parked, next_attempt_ms, id);";

/// The file's handle: a channel to its writer thread. The thread stops when the last
/// handle is dropped.
pub(crate) struct SqliteStore {
    commands: mpsc::Sender<Command>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

type Reply<T> = oneshot::Sender<Result<T, Error>>;

enum Command {
    Insert(NewEvent, Reply<()>),
    Claim {
        now_ms: u64,
        lease_until_ms: u64,
        limit: usize,
        reply: Reply<Vec<Claimed>>,
    },
    Record {
        key: String,
        claim: i64,
        attempts: u32,
        outcome: Outcome,
        reply: Reply<()>,
    },
    Stats(u64, Reply<Stats>),
    Parked(Reply<Vec<Parked>>),
    RetryParked(String, Reply<bool>),
}

/// Unix milliseconds as SQLite's signed integer (saturating).
fn sql_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn stopped() -> Error {
    Error::Store("the outbox's writer thread stopped".into())
}

impl SqliteStore {
    /// Opens (or creates) the file, brings its schema up to date, and starts its writer
    /// thread. Blocking (the file's lock may be held by another process): run it off the
    /// async threads.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let mut connection = Connection::open(path).map_err(store_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(store_error)?;
        migrate(&mut connection).map_err(store_error)?;
        let (commands, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("taapit-outbox".into())
            .spawn(move || run(connection, receiver))
            .map_err(store_error)?;
        Ok(SqliteStore {
            commands,
            path: path.to_owned(),
        })
    }

    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(command(reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub(crate) async fn insert(&self, event: NewEvent) -> Result<(), Error> {
        self.ask(|reply| Command::Insert(event, reply)).await
    }

    pub(crate) async fn claim(
        &self,
        now_ms: u64,
        lease_until_ms: u64,
        limit: usize,
    ) -> Result<Vec<Claimed>, Error> {
        self.ask(|reply| Command::Claim {
            now_ms,
            lease_until_ms,
            limit,
            reply,
        })
        .await
    }

    pub(crate) async fn record(
        &self,
        key: &str,
        claim: i64,
        attempts: u32,
        outcome: Outcome,
    ) -> Result<(), Error> {
        let key = key.to_owned();
        self.ask(|reply| Command::Record {
            key,
            claim,
            attempts,
            outcome,
            reply,
        })
        .await
    }

    pub(crate) async fn stats(&self, now_ms: u64) -> Result<Stats, Error> {
        self.ask(|reply| Command::Stats(now_ms, reply)).await
    }

    pub(crate) async fn parked(&self) -> Result<Vec<Parked>, Error> {
        self.ask(Command::Parked).await
    }

    pub(crate) async fn retry_parked(&self, key: &str) -> Result<bool, Error> {
        let key = key.to_owned();
        self.ask(|reply| Command::RetryParked(key, reply)).await
    }
}

/// Creates the table, or adds the columns an older release's file lacks; idempotent, and
/// under the write lock, so two processes opening one file together do not race.
fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    let columns = tx
        .prepare("SELECT name FROM pragma_table_info('taapit_outbox')")?
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if !columns.iter().any(|c| c == "leased_until_ms") {
        tx.execute_batch(
            "ALTER TABLE taapit_outbox ADD COLUMN leased_until_ms INTEGER NOT NULL DEFAULT 0",
        )?;
    }
    if !columns.iter().any(|c| c == "enqueued_ms") {
        // The rows already there count as enqueued now (their age is not known).
        tx.execute_batch(
            "ALTER TABLE taapit_outbox ADD COLUMN enqueued_ms INTEGER NOT NULL DEFAULT 0",
        )?;
        tx.execute(
            "UPDATE taapit_outbox SET enqueued_ms = ?1",
            params![sql_ms(super::now_ms())],
        )?;
    }
    if !columns.iter().any(|c| c == "claims") {
        tx.execute_batch("ALTER TABLE taapit_outbox ADD COLUMN claims INTEGER NOT NULL DEFAULT 0")?;
    }
    tx.commit()
}

/// The writer thread: every command that is waiting is applied in one transaction, and
/// each is answered only after it committed. A command that fails is undone alone (its own
/// savepoint) and answered with its error; the others still commit.
fn run(mut connection: Connection, commands: mpsc::Receiver<Command>) {
    while let Ok(first) = commands.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match commands.try_recv() {
                Ok(command) => group.push(command),
                Err(_) => break,
            }
        }
        let mut tx = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(error) => {
                let error = error.to_string();
                for command in group {
                    refuse(command, &error);
                }
                continue;
            }
        };
        let mut replies: Replies = Vec::new();
        for command in group {
            let savepoint = match tx.savepoint() {
                Ok(savepoint) => savepoint,
                Err(error) => {
                    refuse(command, &error.to_string());
                    continue;
                }
            };
            if apply(&savepoint, command, &mut replies) {
                if let Err(error) = savepoint.commit() {
                    tracing::error!(%error, "taapit outbox: cannot release a savepoint");
                }
            }
            // Else dropped: rolled back.
        }
        let outcome = tx.commit().map_err(|error| error.to_string());
        for reply in replies {
            reply(outcome.clone());
        }
    }
}

type Replies = Vec<Box<dyn FnOnce(Result<(), String>) + Send>>;

/// Answers `reply` once the transaction's outcome is known (its error if it failed), or at
/// once with the command's own error; whether the command succeeded.
fn settle<T: Send + 'static>(
    replies: &mut Replies,
    reply: Reply<T>,
    result: rusqlite::Result<T>,
) -> bool {
    match result {
        Ok(value) => {
            replies.push(Box::new(move |outcome| {
                let _ = reply.send(match outcome {
                    Ok(()) => Ok(value),
                    Err(error) => Err(Error::Store(error)),
                });
            }));
            true
        }
        Err(error) => {
            let _ = reply.send(Err(store_error(error)));
            false
        }
    }
}

/// Answers a command that could not be applied with `error`.
fn refuse(command: Command, error: &str) {
    fn send<T>(reply: Reply<T>, error: &str) {
        let _ = reply.send(Err(Error::Store(error.to_owned())));
    }
    match command {
        Command::Insert(_, reply) | Command::Record { reply, .. } => send(reply, error),
        Command::Claim { reply, .. } => send(reply, error),
        Command::Stats(_, reply) => send(reply, error),
        Command::Parked(reply) => send(reply, error),
        Command::RetryParked(_, reply) => send(reply, error),
    }
}

fn kind_of(text: &str) -> EventKind {
    EventKind::parse(text).unwrap_or(EventKind::Lead)
}

fn apply(db: &Connection, command: Command, replies: &mut Replies) -> bool {
    match command {
        Command::Insert(event, reply) => settle(replies, reply, insert(db, &event)),
        Command::Claim {
            now_ms,
            lease_until_ms,
            limit,
            reply,
        } => settle(replies, reply, claim(db, now_ms, lease_until_ms, limit)),
        Command::Record {
            key,
            claim,
            attempts,
            outcome,
            reply,
        } => settle(replies, reply, record(db, &key, claim, attempts, outcome)),
        Command::Stats(now_ms, reply) => settle(replies, reply, stats(db, now_ms)),
        Command::Parked(reply) => settle(replies, reply, parked(db)),
        Command::RetryParked(key, reply) => settle(replies, reply, retry_parked(db, &key)),
    }
}

fn insert(db: &Connection, event: &NewEvent) -> rusqlite::Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO taapit_outbox (idempotency_key, kind, body, enqueued_ms)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        event.key,
        event.kind.as_str(),
        event.body,
        sql_ms(super::now_ms())
    ])?;
    Ok(())
}

fn claim(
    db: &Connection,
    now_ms: u64,
    lease_until_ms: u64,
    limit: usize,
) -> rusqlite::Result<Vec<Claimed>> {
    let now = sql_ms(now_ms);
    let rows = db
        .prepare_cached(
            "SELECT id, idempotency_key, kind, body, attempts, claims + 1 FROM taapit_outbox
             WHERE parked = 0 AND next_attempt_ms <= ?1 AND leased_until_ms <= ?1
             ORDER BY next_attempt_ms, id LIMIT ?2",
        )?
        .query_map(
            params![now, i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    Claimed {
                        key: row.get(1)?,
                        kind: kind_of(&row.get::<_, String>(2)?),
                        body: row.get(3)?,
                        attempts: row.get(4)?,
                        claim: row.get(5)?,
                    },
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // next_attempt_ms moves to the lease's end too: a leased row leaves the due index's
    // range, and comes back into it when the lease runs out.
    let mut lease = db.prepare_cached(
        "UPDATE taapit_outbox SET leased_until_ms = ?2, next_attempt_ms = ?2,
         claims = claims + 1 WHERE id = ?1",
    )?;
    let until = sql_ms(lease_until_ms);
    for (id, _) in &rows {
        lease.execute(params![id, until])?;
    }
    Ok(rows.into_iter().map(|(_, event)| event).collect())
}

/// A `Retry` or `Park` for a claim that is no longer the event's last (its lease ran out and
/// another worker claimed it) changes nothing: the later claim's answer decides.
fn record(
    db: &Connection,
    key: &str,
    claim: i64,
    attempts: u32,
    outcome: Outcome,
) -> rusqlite::Result<()> {
    match outcome {
        Outcome::Delivered => {
            db.prepare_cached("DELETE FROM taapit_outbox WHERE idempotency_key = ?1")?
                .execute(params![key])?;
        }
        Outcome::Retry { at_ms, error } => {
            db.prepare_cached(
                "UPDATE taapit_outbox SET attempts = ?2, next_attempt_ms = ?3,
                 leased_until_ms = 0, last_error = ?4 WHERE idempotency_key = ?1 AND claims = ?5",
            )?
            .execute(params![key, attempts, sql_ms(at_ms), error, claim])?;
        }
        Outcome::Park { error } => {
            db.prepare_cached(
                "UPDATE taapit_outbox SET parked = 1, attempts = ?2,
                 leased_until_ms = 0, last_error = ?3 WHERE idempotency_key = ?1 AND claims = ?4",
            )?
            .execute(params![key, attempts, error, claim])?;
        }
    }
    Ok(())
}

fn stats(db: &Connection, now_ms: u64) -> rusqlite::Result<Stats> {
    let now = sql_ms(now_ms);
    db.query_row(
        "SELECT
             COALESCE(SUM(parked = 0 AND leased_until_ms <= ?1), 0),
             COALESCE(SUM(parked = 0 AND leased_until_ms > ?1), 0),
             COALESCE(SUM(parked = 1), 0),
             MIN(CASE WHEN parked = 0 AND leased_until_ms <= ?1 THEN enqueued_ms END)
         FROM taapit_outbox",
        params![now],
        |row| {
            let count = |i| row.get::<_, i64>(i).map(|n| u64::try_from(n).unwrap_or(0));
            let oldest: Option<i64> = row.get(3)?;
            Ok(Stats {
                pending: count(0)?,
                in_flight: count(1)?,
                parked: count(2)?,
                oldest_pending_age: oldest.map(|enqueued| {
                    Duration::from_millis(u64::try_from(now.saturating_sub(enqueued)).unwrap_or(0))
                }),
            })
        },
    )
}

fn parked(db: &Connection) -> rusqlite::Result<Vec<Parked>> {
    db.prepare_cached(
        "SELECT idempotency_key, kind, body, attempts, last_error FROM taapit_outbox
         WHERE parked = 1 ORDER BY id",
    )?
    .query_map([], |row| {
        let body: Vec<u8> = row.get(2)?;
        Ok(Parked {
            key: EventKey::from(row.get::<_, String>(0)?),
            kind: kind_of(&row.get::<_, String>(1)?),
            body: serde_json::from_slice(&body).unwrap_or_default(),
            attempts: row.get(3)?,
            error: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
        })
    })?
    .collect()
}

fn retry_parked(db: &Connection, key: &str) -> rusqlite::Result<bool> {
    let changed = db.execute(
        "UPDATE taapit_outbox SET parked = 0, next_attempt_ms = 0, leased_until_ms = 0
         WHERE idempotency_key = ?1 AND parked = 1",
        params![key],
    )?;
    Ok(changed == 1)
}
