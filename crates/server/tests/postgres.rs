//! The PostgreSQL outbox against a real server (feature `postgres`): schema creation by
//! instances starting together, transactional enqueue, parked events (one refused with a NUL
//! byte in its error), a clean shutdown in a process that exits at once, an answer recorded
//! after its lease ran out, four worker processes on one database (one of them killed with
//! SIGKILL and restarted), and the server crashed and restarted in the middle of delivery.
//!
//! The server: `TAAPIT_TEST_POSTGRES_URL` and `TAAPIT_TEST_POSTGRES_DIR`, as
//! `scripts/pg-cluster.sh start` exports them (scripts/test.sh does); without them, this test
//! starts its own cluster with that script. Without PostgreSQL installed it fails under CI
//! (`CI` or `TAAPIT_REQUIRE_POSTGRES=1` set), and says it skipped otherwise.
//!
//! One binary without the libtest harness: the worker processes are this binary again, told
//! their part by the `TAAPIT_OUTBOX_CHILD` variable. Each scenario gets its own database.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use support::one_attempt_client;
use taapit_server::outbox::postgres::tokio_postgres;
use taapit_server::outbox::{Outbox, Worker, WorkerOptions};
use taapit_server::{Customer, Lead, RetryPolicy, Taapit};

mod support;

const KEY: &str = "taapit_sk_test_postgres";
const CHILD: &str = "TAAPIT_OUTBOX_CHILD";
/// Every scenario fails after this long rather than hang the test command.
const SCENARIO_LIMIT: Duration = Duration::from_secs(120);
/// The lease of the multi-process scenarios: short, so that the events of a killed worker
/// come back within the test, and long beside a delivery here (20-200 ms), so that a live
/// worker on a loaded machine keeps its events.
const SHORT_LEASE: Duration = Duration::from_secs(5);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster.sh")
}

// ---------------------------------------------------------------- the cluster

/// The server the scenarios use; one this test started is stopped on drop.
struct Cluster {
    url: String,
    dir: String,
    owned: bool,
}

impl Cluster {
    fn find() -> Option<Cluster> {
        if let (Ok(url), Ok(dir)) = (
            std::env::var("TAAPIT_TEST_POSTGRES_URL"),
            std::env::var("TAAPIT_TEST_POSTGRES_DIR"),
        ) {
            return Some(Cluster {
                url,
                dir,
                owned: false,
            });
        }
        let required = std::env::var_os("CI").is_some()
            || std::env::var("TAAPIT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let output = Command::new("bash").arg(script()).arg("start").output();
        let exports = match output {
            Ok(output) if output.status.success() => {
                String::from_utf8_lossy(&output.stdout).into_owned()
            }
            other => {
                let why = match other {
                    Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
                    Err(error) => error.to_string(),
                };
                assert!(
                    !required,
                    "PostgreSQL is required here (CI / TAAPIT_REQUIRE_POSTGRES) and \
                     scripts/pg-cluster.sh could not start it: {why}"
                );
                println!("postgres: SKIPPED, no PostgreSQL server to start ({why})");
                return None;
            }
        };
        let value = |name: &str| {
            exports
                .lines()
                .find_map(|line| line.strip_prefix(&format!("export {name}=")))
                .map(str::to_owned)
                .expect("pg-cluster.sh prints the exports")
        };
        Some(Cluster {
            url: value("TAAPIT_TEST_POSTGRES_URL"),
            dir: value("TAAPIT_TEST_POSTGRES_DIR"),
            owned: true,
        })
    }

    fn run_script(&self, verb: &str) {
        let status = Command::new("bash")
            .arg(script())
            .arg(verb)
            .arg(&self.dir)
            .status()
            .expect("run pg-cluster.sh");
        assert!(status.success(), "pg-cluster.sh {verb} failed");
    }

    /// A new, empty database; its URL.
    async fn database(&self, name: &str) -> String {
        let admin = connect(&self.url).await;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .expect("drop the database");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the database");
        let (base, _) = self.url.rsplit_once('/').expect("a URL with a database");
        format!("{base}/{name}")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.owned {
            self.run_script("stop");
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(connection);
    client
}

// ---------------------------------------------------------------- the collector

/// A stand-in for Taapit that counts the POSTs per Idempotency-Key (each counted when it
/// arrives), answers 200 after `delay`, and 400 to bodies with "poison" while `refuse`.
#[derive(Clone, Default)]
struct Counting {
    posts: Arc<Mutex<HashMap<String, u32>>>,
    delay: Arc<Mutex<Duration>>,
    refuse: Arc<Mutex<bool>>,
    /// The refusal's body: a NUL byte in it (a proxy's binary page) while set.
    refuse_with_nul: Arc<Mutex<bool>>,
}

impl Counting {
    async fn start() -> (Counting, String) {
        let counting = Counting::default();
        let app = Router::new()
            .route("/api/events/lead", post(count))
            .route("/api/events/sale", post(count))
            .with_state(counting.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (counting, url)
    }

    fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    fn count(&self, key: &str) -> u32 {
        self.posts.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// Keys received at least once.
    fn received(&self) -> usize {
        self.posts.lock().unwrap().len()
    }

    /// Keys received more than once, with their extra POSTs.
    fn repeated(&self) -> HashMap<String, u32> {
        let posts = self.posts.lock().unwrap();
        posts
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(key, n)| (key.clone(), n - 1))
            .collect()
    }
}

async fn count(State(counting): State<Counting>, headers: HeaderMap, body: Bytes) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if *counting.refuse.lock().unwrap() && String::from_utf8_lossy(&body).contains("poison") {
        let body = if *counting.refuse_with_nul.lock().unwrap() {
            "refused\0here"
        } else {
            ""
        };
        return (StatusCode::BAD_REQUEST, body).into_response();
    }
    *counting.posts.lock().unwrap().entry(key).or_default() += 1;
    let delay = *counting.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    StatusCode::OK.into_response()
}

fn taapit(collector: &str) -> Taapit {
    Taapit::new(KEY)
        .unwrap()
        .with_base_url(collector)
        .unwrap()
        .with_retry(
            RetryPolicy::new()
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(500)),
        )
        .unwrap()
}

fn lead(tag: &str, n: usize) -> Lead {
    Lead::new(format!("pg_{n}"), Customer::new(format!("{tag}_{n}")))
}

fn start_worker(outbox: &Outbox, lease: Duration) -> Worker {
    outbox.start_with(WorkerOptions::default().lease(lease))
}

/// Enqueues `n` leads concurrently; their keys.
async fn enqueue_many(outbox: &Outbox, tag: &str, n: usize) -> Vec<String> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let outbox = outbox.clone();
            let event = lead(tag, i);
            tokio::spawn(async move { outbox.enqueue(event).await })
        })
        .collect();
    let mut keys = Vec::with_capacity(n);
    for task in tasks {
        keys.push(task.await.unwrap().expect("enqueue").to_string());
    }
    keys
}

/// Waits until the queue holds nothing but parked events (or fails after `limit`).
async fn drained(outbox: &Outbox, limit: Duration) {
    let start = Instant::now();
    loop {
        if let Ok(stats) = outbox.stats().await
            && stats.pending == 0
            && stats.in_flight == 0
        {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "the queue did not drain in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------- worker processes

/// A worker process (this binary as a child), stopped by SIGKILL on drop.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn spawn(role: &str, database: &str, collector: &str, extra: &[(&str, String)]) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .env(CHILD, role)
            .env("TAAPIT_TEST_DATABASE", database)
            .env("TAAPIT_TEST_COLLECTOR", collector)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        for (name, value) in extra {
            command.env(name, value);
        }
        WorkerProcess(command.spawn().expect("spawn a worker process"))
    }

    /// Waits for the line the child prints once its outbox is open.
    fn ready(&mut self) -> String {
        let mut line = String::new();
        BufReader::new(self.0.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        line.trim().to_owned()
    }

    /// Closes its stdin (the signal for a clean shutdown) and waits for it to exit.
    fn stop(mut self) {
        drop(self.0.stdin.take());
        let status = self.0.wait().unwrap();
        assert!(status.success(), "a worker process failed: {status}");
    }

    fn kill(mut self) {
        self.0.kill().unwrap(); // SIGKILL
        self.0.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's part: "worker" delivers until its stdin closes, then shuts down;
/// "enqueue-and-exit" enqueues 64 events, shuts down and exits at once.
fn child(role: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let database = std::env::var("TAAPIT_TEST_DATABASE").unwrap();
        let collector = std::env::var("TAAPIT_TEST_COLLECTOR").unwrap();
        let outbox = Outbox::open(&database, taapit(&collector)).await.unwrap();
        let lease = std::env::var("TAAPIT_TEST_LEASE_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(SHORT_LEASE, Duration::from_millis);
        match role {
            "worker" => {
                let worker = start_worker(&outbox, lease);
                println!("ready");
                let _ = tokio::task::spawn_blocking(|| {
                    let _ = std::io::stdin().read_to_end(&mut Vec::new());
                })
                .await;
                worker.shutdown().await;
            }
            "enqueue-and-exit" => {
                let worker = start_worker(&outbox, lease);
                let keys = enqueue_many(&outbox, "exit", 64).await;
                println!("{}", keys.join(","));
                std::io::stdout().flush().unwrap();
                worker.shutdown().await;
                // As a `main` that returns: nothing after shutdown may be needed.
                std::process::exit(0);
            }
            other => panic!("unknown child role {other}"),
        }
    });
}

// ---------------------------------------------------------------- scenarios

/// An event written in a transaction that rolls back never exists; one whose transaction
/// commits is delivered.
async fn transactional(cluster: &Cluster) {
    let database = cluster.database("taapit_tx").await;
    let (collector, url) = Counting::start().await;
    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    let worker = outbox.start();
    let mut app = connect(&database).await;
    app.batch_execute("CREATE TABLE users (id text PRIMARY KEY)")
        .await
        .unwrap();

    let tx = app.transaction().await.unwrap();
    tx.execute("INSERT INTO users VALUES ('user_rolled_back')", &[])
        .await
        .unwrap();
    let rolled_back = outbox
        .enqueue_in(&tx, lead("rolled_back", 1))
        .await
        .unwrap()
        .to_string();
    tx.rollback().await.unwrap();

    let tx = app.transaction().await.unwrap();
    tx.execute("INSERT INTO users VALUES ('user_committed')", &[])
        .await
        .unwrap();
    let committed = outbox
        .enqueue_in(&tx, lead("committed", 2))
        .await
        .unwrap()
        .to_string();
    tx.commit().await.unwrap();

    // On an outbox that is not on this database, the event would never be delivered.
    let file = std::env::temp_dir().join(format!("taapit-pg-test-{}.sqlite3", std::process::id()));
    let on_file = Outbox::open(&file, taapit(&url)).await.unwrap();
    let tx = app.transaction().await.unwrap();
    let refused = on_file.enqueue_in(&tx, lead("file", 3)).await;
    assert!(refused.is_err(), "enqueue_in on a SQLite outbox");
    drop(tx);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }

    until(
        "the committed event delivered",
        Duration::from_secs(20),
        || collector.count(&committed) == 1,
    )
    .await;
    drained(&outbox, Duration::from_secs(10)).await;
    worker.shutdown().await;
    let rows: i64 = app
        .query_one("SELECT count(*) FROM taapit_outbox", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        rows, 0,
        "the delivered row is gone, the rolled-back one never was"
    );
    assert_eq!(
        collector.count(&rolled_back),
        0,
        "a rolled-back event was sent"
    );
    assert_eq!(collector.received(), 1);
}

/// A refused event is parked with its error, kept across a reopen, listed, and delivered
/// once replayed; the other events are not held back by it.
async fn parked(cluster: &Cluster) {
    let database = cluster.database("taapit_parked").await;
    let (collector, url) = Counting::start().await;
    *collector.refuse.lock().unwrap() = true;
    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    let worker = outbox.start();
    let poison = outbox.enqueue(lead("poison", 1)).await.unwrap().to_string();
    let fine = outbox.enqueue(lead("fine", 2)).await.unwrap().to_string();
    drained(&outbox, Duration::from_secs(20)).await;
    worker.shutdown().await;
    assert_eq!(collector.count(&fine), 1);

    let reopened = Outbox::open(&database, taapit(&url)).await.unwrap();
    let parked = reopened.parked().await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].key.to_string(), poison);
    assert!(parked[0].error.contains("400"), "{}", parked[0].error);
    assert_eq!(reopened.stats().await.unwrap().parked, 1);

    *collector.refuse.lock().unwrap() = false;
    let worker = reopened.start();
    assert!(reopened.retry_parked(&parked[0].key).await.unwrap());
    assert!(
        !reopened.retry_parked(&parked[0].key).await.unwrap(),
        "replayed twice"
    );
    until(
        "the replayed event delivered",
        Duration::from_secs(20),
        || collector.count(&poison) == 1,
    )
    .await;
    drained(&reopened, Duration::from_secs(10)).await;
    worker.shutdown().await;
    assert!(reopened.parked().await.unwrap().is_empty());
    assert_eq!(reopened.stats().await.unwrap().parked, 0);
}

/// A refusal whose body holds a NUL byte (which a PostgreSQL `text` cannot) is parked with
/// its error all the same, and the answers recorded beside it are not lost with it: the
/// events enqueued with it are each delivered once.
async fn refusal_with_nul(cluster: &Cluster) {
    let database = cluster.database("taapit_refusal_nul").await;
    let (collector, url) = Counting::start().await;
    *collector.refuse.lock().unwrap() = true;
    *collector.refuse_with_nul.lock().unwrap() = true;
    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    let worker = start_worker(&outbox, SHORT_LEASE);
    let poison = outbox.enqueue(lead("poison", 1)).await.unwrap().to_string();
    let fine = enqueue_many(&outbox, "fine", 50).await;
    drained(&outbox, Duration::from_secs(15)).await;
    worker.shutdown().await;
    let parked = outbox.parked().await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].key.to_string(), poison);
    assert!(parked[0].error.contains("refused"), "{}", parked[0].error);
    assert_eq!(collector.count(&poison), 0, "counted only when accepted");
    for key in &fine {
        assert_eq!(collector.count(key), 1, "{key}");
    }
}

/// An answer that comes after its lease ran out, once another worker claimed the event
/// again, leaves that worker's claim alone: A's lease (1 s) is shorter than its delivery
/// (timed out after 3 s), B claims the event when the lease runs out, and A's late "retry"
/// must not make it due again while B's delivery is under way (A, its slot free again,
/// would send it a third time). Two POSTs in all: A's and B's.
async fn late_answer(cluster: &Cluster) {
    let database = cluster.database("taapit_late_answer").await;
    let (collector, url) = Counting::start().await;
    collector.set_delay(Duration::from_secs(4));
    let a_timeout = Duration::from_secs(3);
    let client = |timeout: Duration| one_attempt_client(KEY, &url, timeout);
    let a = Outbox::open(&database, client(a_timeout)).await.unwrap();
    // One slot: A's own delivery holds it, so A does not claim the event again itself.
    let worker_a = a.start_with(
        WorkerOptions::default()
            .lease(Duration::from_secs(1))
            .concurrency(1),
    );
    let started = Instant::now();
    let key = a.enqueue(lead("late", 1)).await.unwrap().to_string();
    until("A's delivery", Duration::from_secs(3), || {
        collector.count(&key) == 1
    })
    .await;
    let b = Outbox::open(&database, client(Duration::from_secs(30)))
        .await
        .unwrap();
    let worker_b = start_worker(&b, Duration::from_secs(60));
    until("B's delivery", a_timeout, || collector.count(&key) == 2).await;
    assert!(
        started.elapsed() < a_timeout,
        "B claimed the event only after A's answer: the scenario did not happen"
    );
    drained(&b, Duration::from_secs(15)).await;
    worker_a.shutdown().await;
    worker_b.shutdown().await;
    assert_eq!(
        collector.count(&key),
        2,
        "A's late answer made the event due while B was delivering it"
    );
}

/// Instances starting together on an empty database all open it (the schema made once,
/// under the advisory lock).
async fn concurrent_migrations(cluster: &Cluster) {
    let database = cluster.database("taapit_migrate").await;
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let database = database.clone();
            tokio::spawn(async move { Outbox::open(&database, taapit("http://127.0.0.1:9")).await })
        })
        .collect();
    for open in opens {
        open.await
            .unwrap()
            .expect("every instance opens the outbox");
    }
    let version: i32 = connect(&database)
        .await
        .query_one("SELECT version FROM taapit_outbox_schema", &[])
        .await
        .unwrap()
        .get(0);
    // Version 2: the claim numbers (a late answer leaves the next claim alone).
    assert_eq!(version, 2);
}

/// The database password never shows in the outbox's `Debug` output or in its errors.
async fn password_kept(cluster: &Cluster) {
    let database = cluster.database("taapit_secret").await;
    // Trust authentication: the server ignores the password, the client still holds it.
    let with_password = database.replacen("postgres://taapit@", "postgres://taapit:hunter2-pw@", 1);
    assert_ne!(with_password, database);
    let outbox = Outbox::open(&with_password, taapit("http://127.0.0.1:9"))
        .await
        .unwrap();
    let debug = format!("{outbox:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    let unreachable = "postgres://taapit:hunter2-pw@127.0.0.1:9/none";
    let error = Outbox::open(unreachable, taapit("http://127.0.0.1:9"))
        .await
        .expect_err("nothing listens on port 9");
    let text = format!("{error} {error:?}");
    assert!(text.contains("PostgreSQL outbox"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// A process enqueues 64 events, shuts its worker down while answers take 300 ms, and exits
/// at once: no event Taapit accepted is left pending, and once delivered by the next worker,
/// each event was sent exactly once.
async fn shutdown_then_exit(cluster: &Cluster) -> (usize, usize) {
    let database = cluster.database("taapit_shutdown").await;
    let (collector, url) = Counting::start().await;
    collector.set_delay(Duration::from_millis(300));
    Outbox::open(&database, taapit(&url)).await.unwrap(); // the schema, before the child
    let mut process = WorkerProcess::spawn("enqueue-and-exit", &database, &url, &[]);
    let keys: Vec<String> = process.ready().split(',').map(str::to_owned).collect();
    let status = process.0.wait().unwrap();
    assert!(status.success());
    assert_eq!(keys.len(), 64);
    let accepted: HashSet<&String> = keys.iter().filter(|k| collector.count(k) > 0).collect();

    let db = connect(&database).await;
    let rows = db
        .query("SELECT idempotency_key FROM taapit_outbox", &[])
        .await
        .unwrap();
    let left: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    let pending_accepted = left.iter().filter(|k| accepted.contains(k)).count();
    assert_eq!(
        pending_accepted, 0,
        "events Taapit accepted are still pending"
    );

    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    collector.set_delay(Duration::ZERO);
    let worker = outbox.start();
    drained(&outbox, Duration::from_secs(20)).await;
    worker.shutdown().await;
    for key in &keys {
        assert_eq!(
            collector.count(key),
            1,
            "{key} sent {} times",
            collector.count(key)
        );
    }
    (accepted.len(), left.len())
}

/// What the four-process scenario measured.
struct Fleet {
    duplicates_alive: u32,
    lost_alive: usize,
    killed_in_flight: usize,
    duplicates_after_kill: u32,
    lost_after_kill: usize,
}

/// Four worker processes on one database deliver 2,000 events: none twice, none lost. Then
/// one is killed with SIGKILL mid-delivery and started again: none lost, and the only events
/// sent twice are the ones it had in flight.
async fn four_processes(cluster: &Cluster) -> Fleet {
    let database = cluster.database("taapit_fleet").await;
    let (collector, url) = Counting::start().await;
    collector.set_delay(Duration::from_millis(20));
    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    let lease = ("TAAPIT_TEST_LEASE_MS", SHORT_LEASE.as_millis().to_string());

    let keys = enqueue_many(&outbox, "alive", 2_000).await;
    let mut workers: Vec<_> = (0..4)
        .map(|_| WorkerProcess::spawn("worker", &database, &url, std::slice::from_ref(&lease)))
        .collect();
    for worker in &mut workers {
        worker.ready();
    }
    drained(&outbox, Duration::from_secs(60)).await;
    for worker in workers {
        worker.stop();
    }
    let duplicates_alive: u32 = collector.repeated().values().sum();
    let lost_alive = keys.iter().filter(|k| collector.count(k) == 0).count();
    assert_eq!(
        duplicates_alive,
        0,
        "sent twice while every worker lived: {:?}",
        collector.repeated()
    );
    assert_eq!(lost_alive, 0);

    // The kill: slower answers, so that the killed worker has a batch in flight.
    collector.set_delay(Duration::from_millis(200));
    let before = collector.received();
    let keys = enqueue_many(&outbox, "killed", 2_000).await;
    let mut workers: Vec<_> = (0..4)
        .map(|_| WorkerProcess::spawn("worker", &database, &url, std::slice::from_ref(&lease)))
        .collect();
    for worker in &mut workers {
        worker.ready();
    }
    until("deliveries under way", Duration::from_secs(30), || {
        collector.received() >= before + 400
    })
    .await;
    let db = connect(&database).await;
    let killed_at: std::time::SystemTime = db.query_one("SELECT now()", &[]).await.unwrap().get(0);
    workers.remove(0).kill();
    // The others' batches in flight at the kill are answered within this; the killed one's
    // rows keep their lease (SHORT_LEASE) until it runs out.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let lease_end = killed_at + SHORT_LEASE;
    let orphaned: HashSet<String> = db
        .query(
            "SELECT idempotency_key FROM taapit_outbox WHERE lease_until > now() AND lease_until <= $1",
            &[&lease_end],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut restarted = WorkerProcess::spawn("worker", &database, &url, &[lease]);
    restarted.ready();
    workers.push(restarted);
    drained(&outbox, Duration::from_secs(60)).await;
    for worker in workers {
        worker.stop();
    }
    let repeated = collector.repeated();
    let duplicates_after_kill: u32 = repeated.values().sum();
    let lost_after_kill = keys.iter().filter(|k| collector.count(k) == 0).count();
    assert_eq!(lost_after_kill, 0, "events lost after the kill");
    for (key, extra) in &repeated {
        assert!(
            orphaned.contains(key) && *extra == 1,
            "{key} sent {} times, and was not in the killed worker's lease",
            extra + 1
        );
    }
    assert!(
        !orphaned.is_empty(),
        "the kill found the worker with nothing in flight"
    );
    Fleet {
        duplicates_alive,
        lost_alive,
        killed_in_flight: orphaned.len(),
        duplicates_after_kill,
        lost_after_kill,
    }
}

/// PostgreSQL crashes (`pg_ctl -m immediate stop`) in the middle of delivery and comes back
/// 10 s later: an enqueue during the outage fails with an error that says so, and every
/// event is delivered once the server is back.
async fn server_restart(cluster: &Cluster) -> (usize, u32) {
    let database = cluster.database("taapit_restart").await;
    let (collector, url) = Counting::start().await;
    collector.set_delay(Duration::from_millis(20));
    let outbox = Outbox::open(&database, taapit(&url)).await.unwrap();
    let keys = enqueue_many(&outbox, "restart", 1_000).await;
    // A lease longer than the outage, as the default one is: the answers received during it
    // are recorded once the server is back (RECORD_PERSISTENCE), before any lease runs out.
    let worker = start_worker(&outbox, Duration::from_secs(30));
    until("deliveries under way", Duration::from_secs(30), || {
        collector.received() >= 200
    })
    .await;
    cluster.run_script("crash");
    let at_crash = collector.received();
    let error = outbox
        .enqueue(lead("outage", 0))
        .await
        .expect_err("an enqueue while the server is down fails");
    assert!(
        error.to_string().contains("PostgreSQL outbox"),
        "a clear error: {error}"
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    cluster.run_script("resume");
    drained(&outbox, Duration::from_secs(60)).await;
    worker.shutdown().await;
    let lost = keys.iter().filter(|k| collector.count(k) == 0).count();
    assert_eq!(lost, 0, "events lost across the restart");
    assert!(
        at_crash < keys.len(),
        "the crash came after the last delivery"
    );
    (lost, collector.repeated().values().sum())
}

fn main() {
    if let Ok(role) = std::env::var(CHILD) {
        child(&role);
        return;
    }
    let Some(cluster) = Cluster::find() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let timed = |name: &'static str| {
            let start = Instant::now();
            move |detail: String| {
                println!("postgres: {name} ok in {:.1} s {detail}", start.elapsed().as_secs_f64());
            }
        };
        let limit = |name| async move {
            tokio::time::sleep(SCENARIO_LIMIT).await;
            panic!("{name}: longer than {SCENARIO_LIMIT:?}");
        };
        // `cargo test --test postgres -- WORDS`: only the scenarios whose name has one.
        let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
        macro_rules! scenario {
            ($name:literal, $run:expr, $report:expr) => {{
                if !only.is_empty() && !only.iter().any(|word| $name.contains(word.as_str())) {
                    println!("postgres: {} not selected", $name);
                } else {
                    let done = timed($name);
                    let result = tokio::select! {
                        result = $run => result,
                        _ = limit($name) => unreachable!(),
                    };
                    #[allow(clippy::redundant_closure_call)]
                    done(($report)(result));
                }
            }};
        }
        scenario!("concurrent migrations", concurrent_migrations(&cluster), |()| String::new());
        scenario!("password kept", password_kept(&cluster), |()| String::new());
        scenario!("transactional enqueue", transactional(&cluster), |()| String::new());
        scenario!("parked events", parked(&cluster), |()| String::new());
        scenario!("late answer", late_answer(&cluster), |()| String::new());
        scenario!("refusal with a NUL byte", refusal_with_nul(&cluster), |()| String::new());
        scenario!("shutdown, then exit", shutdown_then_exit(&cluster), |(accepted, left): (usize, usize)| {
            format!("({accepted} of 64 accepted before the exit, none pending; {left} not yet sent, each delivered once by the next worker)")
        });
        scenario!("four worker processes", four_processes(&cluster), |fleet: Fleet| format!(
            "(all alive: {} sent twice, {} lost; after the SIGKILL: {} in the killed worker's lease, {} sent twice, {} lost)",
            fleet.duplicates_alive, fleet.lost_alive, fleet.killed_in_flight, fleet.duplicates_after_kill, fleet.lost_after_kill
        ));
        scenario!("server crash and restart", server_restart(&cluster), |(lost, duplicates): (usize, u32)| {
            format!("(lost {lost}, sent twice {duplicates})")
        });
    });
}
