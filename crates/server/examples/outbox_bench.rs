//! The outbox's load benchmark (run by `bash scripts/bench-server.sh`, which writes the
//! figures into BENCHMARKS.md). Not a test: it reports, it asserts only that nothing was lost.
//!
//! 1. 10,000 lead events enqueued concurrently (10,000 tasks) while the worker delivers to a
//!    mock collector in another process: time until every `enqueue` returned (each on disk),
//!    time until every event was delivered, peak memory of this process.
//! 2. 100,000 events queued with the worker stopped, then delivered: memory with the whole
//!    queue on disk, peak memory while delivering it, throughput.
//!
//! 3. Both stores side by side (PostgreSQL when `TAAPIT_BENCH_POSTGRES_URL` is set: the
//!    script starts a throwaway cluster): 1, 4 and 8 outbox instances (each with its worker,
//!    as the instances of a backend) against a collector answering in 20 ms; enqueue/s,
//!    delivered/s, enqueue→answer latency. Then 1 answer in 100 taking 5 s: the latency of
//!    the other 99.
//!
//! Memory is this process's resident set (VmRSS, sampled every 20 ms, and VmHWM); the
//! collector runs in a child process so its records are not counted.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use taapit_server::mock::MockCollector;
use taapit_server::outbox::Outbox;
use taapit_server::{Customer, Lead, RetryPolicy, Taapit};

const KEY: &str = "taapit_sk_bench_outbox";

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Samples VmRSS every 20 ms; `take()` returns the largest since the last call.
struct RssSampler(Arc<AtomicU64>);

impl RssSampler {
    fn start() -> Self {
        let max = Arc::new(AtomicU64::new(0));
        let sampled = max.clone();
        tokio::spawn(async move {
            loop {
                sampled.fetch_max(status_kib("VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        RssSampler(max)
    }

    fn take(&self) -> u64 {
        self.0.swap(status_kib("VmRSS:"), Ordering::Relaxed)
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn lead(n: usize) -> Lead {
    Lead::new(
        format!("bench_{n}"),
        Customer::new(format!("user_{n}")).email("bench@example.com"),
    )
    .metadata(serde_json::json!({ "source": "bench" }))
}

async fn settle(outbox: &Outbox) {
    loop {
        let stats = outbox.stats().await.expect("stats");
        assert_eq!(stats.parked, 0, "no event may be parked");
        if stats.pending + stats.in_flight == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("timed-collector") {
        timed::serve().await;
        return;
    }
    if args.get(1).map(String::as_str) == Some("collector") {
        // The child: a collector until stdin closes, then its counts.
        let collector = MockCollector::start(KEY).await.expect("collector");
        println!("{}", collector.url());
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
        let stats = collector.stats();
        println!(
            "{} {} {}",
            collector.event_count(),
            stats.duplicates,
            stats.requests
        );
        return;
    }
    let small: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let large: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);

    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .arg("collector")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the collector");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = lines.next().expect("url").expect("url");

    let db = std::env::temp_dir().join(format!(
        "taapit-outbox-bench-{}.sqlite3",
        std::process::id()
    ));
    let taapit = Taapit::new(KEY)
        .unwrap()
        .with_base_url(&url)
        .unwrap()
        .with_retry(
            RetryPolicy::new()
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_secs(1)),
        )
        .unwrap();
    let outbox = Outbox::open(&db, taapit).await.expect("open");
    let rss = RssSampler::start();
    let baseline = status_kib("VmRSS:");
    rss.take();

    // 1. Concurrent enqueues while delivering.
    let worker = outbox.start();
    let start = Instant::now();
    let tasks: Vec<_> = (0..small)
        .map(|n| {
            let outbox = outbox.clone();
            tokio::spawn(async move { outbox.enqueue(lead(n)).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("enqueue");
    }
    let enqueued = start.elapsed();
    settle(&outbox).await;
    let delivered = start.elapsed();
    let peak_small = rss.take();
    worker.shutdown().await;

    // 2. A long queue on disk, then delivered.
    let start = Instant::now();
    for chunk in (0..large).collect::<Vec<_>>().chunks(1_000) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&n| {
                let outbox = outbox.clone();
                tokio::spawn(async move { outbox.enqueue(lead(small + n)).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("enqueue");
        }
    }
    let queued_in = start.elapsed();
    let stats = outbox.stats().await.expect("stats");
    let queued = stats.pending + stats.in_flight;
    let with_queue = rss.take();
    let start = Instant::now();
    let worker = outbox.start();
    settle(&outbox).await;
    let drained = start.elapsed();
    let peak_large = rss.take();
    worker.shutdown().await;
    let hwm = status_kib("VmHWM:");

    drop(child.stdin.take()); // the collector prints its counts and exits
    let counts = lines.next().expect("counts").expect("counts");
    let _ = child.wait();
    let mut parts = counts.split(' ').map(|n| n.parse::<u64>().unwrap_or(0));
    let (events, duplicates, requests) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    assert_eq!(
        events as usize,
        small + large,
        "every event delivered, each once"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }

    let rate = |n: usize, d: Duration| format!("{:.0} events/s", n as f64 / d.as_secs_f64());
    println!("| phase | events | time | throughput | memory (RSS of the sending process) |");
    println!("| --- | ---: | ---: | ---: | --- |");
    println!(
        "| enqueue concurrently ({small} tasks), each on disk when it returns | {small} | {:.2} s | {} | |",
        enqueued.as_secs_f64(),
        rate(small, enqueued)
    );
    println!(
        "| … and all delivered (enqueue + delivery, worker running) | {small} | {:.2} s | {} | peak {} (baseline {}) |",
        delivered.as_secs_f64(),
        rate(small, delivered),
        mib(peak_small),
        mib(baseline)
    );
    println!(
        "| queue with the worker stopped (1,000 tasks at a time) | {large} | {:.2} s | {} | {} with {queued} events queued |",
        queued_in.as_secs_f64(),
        rate(large, queued_in),
        mib(with_queue)
    );
    println!(
        "| deliver the queue | {large} | {:.2} s | {} | peak {} |",
        drained.as_secs_f64(),
        rate(large, drained),
        mib(peak_large)
    );
    println!();
    println!(
        "The collector received {events} events ({} expected), {duplicates} redeliveries recognised by their Idempotency-Key, {requests} requests. Peak RSS of the whole run (VmHWM): {}.",
        small + large,
        mib(hwm)
    );

    // 3. The two stores.
    let pg_url = std::env::var("TAAPIT_BENCH_POSTGRES_URL").ok();
    let events = std::env::var("TAAPIT_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4_000);
    println!();
    println!("### SQLite and PostgreSQL, one and several instances");
    println!();
    print!("{}", compare_stores(pg_url.as_deref(), events).await);
}

// ---------------------------------------------------------------- 3. the two stores

/// A collector in a child process that answers 200 after a delay (every `slow_every`th
/// answer after `slow`), and tells the time each event was answered. Controlled by lines
/// on its stdin: `config DELAY_MS SLOW_EVERY SLOW_MS` (clears the records), `dump`.
mod timed {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Lines, Write};
    use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    pub fn unix_us() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64)
    }

    #[derive(Default)]
    struct Inner {
        delay: Duration,
        slow_every: u64,
        slow: Duration,
        seen: u64,
        /// key → (answered at, Unix µs; was it a slow one; requests)
        answered: HashMap<String, (u64, bool, u32)>,
    }

    type Shared = Arc<Mutex<Inner>>;

    async fn answer(State(shared): State<Shared>, headers: HeaderMap) -> StatusCode {
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (wait, slow) = {
            let mut inner = shared.lock().unwrap();
            inner.seen += 1;
            let slow = inner.slow_every > 0 && inner.seen % inner.slow_every == 0;
            (if slow { inner.slow } else { inner.delay }, slow)
        };
        tokio::time::sleep(wait).await;
        let mut inner = shared.lock().unwrap();
        let entry = inner.answered.entry(key).or_insert((0, slow, 0));
        entry.0 = unix_us();
        entry.2 += 1;
        StatusCode::OK
    }

    /// The child's side.
    pub async fn serve() {
        let shared = Shared::default();
        let app = Router::new()
            .route("/api/events/lead", post(answer))
            .route("/api/events/sale", post(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let _ = tokio::task::spawn_blocking(move || {
            let stdout = std::io::stdout();
            for line in std::io::stdin().lines() {
                let line = line.unwrap_or_default();
                let words: Vec<&str> = line.split(' ').collect();
                let mut out = stdout.lock();
                match words.as_slice() {
                    ["config", delay, every, slow] => {
                        let mut inner = shared.lock().unwrap();
                        *inner = Inner {
                            delay: Duration::from_millis(delay.parse().unwrap()),
                            slow_every: every.parse().unwrap(),
                            slow: Duration::from_millis(slow.parse().unwrap()),
                            ..Inner::default()
                        };
                        writeln!(out, "ok").unwrap();
                    }
                    ["dump"] => {
                        let inner = shared.lock().unwrap();
                        writeln!(out, "{}", inner.answered.len()).unwrap();
                        for (key, (at, slow, n)) in &inner.answered {
                            writeln!(out, "{key} {at} {} {n}", u8::from(*slow)).unwrap();
                        }
                    }
                    _ => return,
                }
                out.flush().unwrap();
            }
        })
        .await;
    }

    /// One event as the collector saw it.
    pub struct Answer {
        pub at_us: u64,
        pub slow: bool,
        pub requests: u32,
    }

    /// The parent's side.
    pub struct Collector {
        child: Child,
        stdin: ChildStdin,
        lines: Lines<BufReader<ChildStdout>>,
        pub url: String,
    }

    impl Collector {
        pub fn spawn() -> Self {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .arg("timed-collector")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn the timed collector");
            let stdin = child.stdin.take().unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let url = lines.next().unwrap().unwrap();
            Collector {
                child,
                stdin,
                lines,
                url,
            }
        }

        fn line(&mut self) -> String {
            self.lines.next().unwrap().unwrap()
        }

        pub fn config(&mut self, delay_ms: u64, slow_every: u64, slow_ms: u64) {
            writeln!(self.stdin, "config {delay_ms} {slow_every} {slow_ms}").unwrap();
            assert_eq!(self.line(), "ok");
        }

        pub fn dump(&mut self) -> HashMap<String, Answer> {
            writeln!(self.stdin, "dump").unwrap();
            let n: usize = self.line().parse().unwrap();
            (0..n)
                .map(|_| {
                    let line = self.line();
                    let mut words = line.split(' ');
                    let key = words.next().unwrap().to_owned();
                    let mut number = || words.next().unwrap().parse::<u64>().unwrap();
                    let answer = Answer {
                        at_us: number(),
                        slow: number() == 1,
                        requests: number() as u32,
                    };
                    (key, answer)
                })
                .collect()
        }
    }

    impl Drop for Collector {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Where the outbox instances of one run keep their events.
#[derive(Clone, Copy, PartialEq)]
enum Store {
    Sqlite,
    Postgres,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Sqlite => "SQLite",
            Store::Postgres => "PostgreSQL",
        }
    }
}

/// A fresh place for one run: a new SQLite file, or a new database on the server.
async fn fresh_target(store: Store, run: usize, pg_url: Option<&str>) -> String {
    match store {
        Store::Sqlite => std::env::temp_dir()
            .join(format!("taapit-bench-{}-{run}.sqlite3", std::process::id()))
            .display()
            .to_string(),
        Store::Postgres => {
            use taapit_server::outbox::postgres::tokio_postgres;
            let url = pg_url.expect("a PostgreSQL URL");
            let (admin, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect to PostgreSQL");
            tokio::spawn(connection);
            let name = format!("taapit_bench_{run}");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .await
                .expect("drop the bench database");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create the bench database");
            let (base, _) = url.rsplit_once('/').expect("a URL with a database");
            format!("{base}/{name}")
        }
    }
}

fn remove_target(store: Store, target: &str) {
    if store == Store::Sqlite {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{target}{suffix}"));
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What one run measured.
struct Run {
    enqueue_rate: f64,
    delivered_rate: f64,
    /// enqueue→answer, ms, sorted: the ordinary answers, and the slow ones.
    fast_ms: Vec<f64>,
    slow_ms: Vec<f64>,
    extra_requests: u32,
}

/// `instances` outboxes on one store, each with its worker; `events` enqueued round-robin,
/// `per_second` at a time (0: all at once).
async fn run_once(
    collector: &mut timed::Collector,
    target: &str,
    instances: usize,
    events: usize,
    per_second: u64,
) -> Run {
    let mut outboxes = Vec::new();
    for _ in 0..instances {
        let taapit = Taapit::new(KEY)
            .unwrap()
            .with_base_url(&collector.url)
            .unwrap()
            .with_retry(
                RetryPolicy::new()
                    .initial_backoff(Duration::from_millis(50))
                    .max_backoff(Duration::from_secs(1)),
            )
            .unwrap();
        outboxes.push(Outbox::open(target, taapit).await.expect("open"));
    }
    let workers: Vec<_> = outboxes.iter().map(Outbox::start).collect();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(events);
    for n in 0..events {
        if per_second > 0 {
            let at = Duration::from_secs_f64(n as f64 / per_second as f64);
            if let Some(wait) = at.checked_sub(start.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        let outbox = outboxes[n % instances].clone();
        tasks.push(tokio::spawn(async move {
            let enqueued_us = timed::unix_us();
            let key = outbox.enqueue(lead(n)).await.expect("enqueue");
            (key.to_string(), enqueued_us)
        }));
    }
    let mut enqueued = Vec::with_capacity(events);
    for task in tasks {
        enqueued.push(task.await.expect("task"));
    }
    let enqueue_time = start.elapsed();
    loop {
        let stats = outboxes[0].stats().await.expect("stats");
        assert_eq!(stats.parked, 0, "no event may be parked");
        if stats.pending == 0 && stats.in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered_time = start.elapsed();
    for worker in workers {
        worker.shutdown().await;
    }
    let answers = collector.dump();
    let (mut fast_ms, mut slow_ms, mut extra_requests) = (Vec::new(), Vec::new(), 0);
    for (key, enqueued_us) in &enqueued {
        let answer = answers.get(key).expect("every event answered");
        let ms = answer.at_us.saturating_sub(*enqueued_us) as f64 / 1000.0;
        if answer.slow {
            &mut slow_ms
        } else {
            &mut fast_ms
        }
        .push(ms);
        extra_requests += answer.requests - 1;
    }
    fast_ms.sort_by(f64::total_cmp);
    slow_ms.sort_by(f64::total_cmp);
    Run {
        enqueue_rate: events as f64 / enqueue_time.as_secs_f64(),
        delivered_rate: events as f64 / delivered_time.as_secs_f64(),
        fast_ms,
        slow_ms,
        extra_requests,
    }
}

/// The tables of part 3.
async fn compare_stores(pg_url: Option<&str>, events: usize) -> String {
    let mut stores = vec![Store::Sqlite];
    if pg_url.is_some() {
        stores.push(Store::Postgres);
    }
    let mut collector = timed::Collector::spawn();
    let mut out = String::new();
    let mut run_id = 0;
    out.push_str(&format!(
        "{events} lead events enqueued at once (round-robin over the instances) while the \
         workers deliver; the collector answers each in 20 ms. Latency: from the `enqueue` \
         call to the collector's answer, so it includes the wait behind the burst.\n\n"
    ));
    out.push_str("| store | instances (one worker each) | enqueue/s | delivered/s | enqueue→answer p50 | p99 | requests beyond one per event |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for &store in &stores {
        for instances in [1, 4, 8] {
            run_id += 1;
            collector.config(20, 0, 0);
            let target = fresh_target(store, run_id, pg_url).await;
            let run = run_once(&mut collector, &target, instances, events, 0).await;
            remove_target(store, &target);
            out.push_str(&format!(
                "| {} | {instances} | {:.0} | {:.0} | {:.0} ms | {:.0} ms | {} |\n",
                store.name(),
                run.enqueue_rate,
                run.delivered_rate,
                percentile(&run.fast_ms, 50.0),
                percentile(&run.fast_ms, 99.0),
                run.extra_requests
            ));
        }
    }
    let paced = events / 2;
    let rate = 250;
    out.push_str(&format!(
        "\nOne slow answer among fast ones: {paced} events enqueued at a steady {rate}/s into \
         one instance; the collector answers in 20 ms, and in the second row of each store 1 \
         answer in 100 takes 5 s. The latency of the other 99 in 100:\n\n"
    ));
    out.push_str("| store | answers | p50 (the 99 in 100) | p99 (the 99 in 100) | max (the 99 in 100) | the slow ones |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: |\n");
    for &store in &stores {
        for (label, every) in [("all in 20 ms", 0), ("1 in 100 takes 5 s", 100)] {
            run_id += 1;
            collector.config(20, every, 5_000);
            let target = fresh_target(store, run_id, pg_url).await;
            let run = run_once(&mut collector, &target, 1, paced, rate).await;
            remove_target(store, &target);
            let slow = if run.slow_ms.is_empty() {
                "—".to_owned()
            } else {
                format!(
                    "{} answers, {:.0}–{:.0} ms",
                    run.slow_ms.len(),
                    run.slow_ms[0],
                    run.slow_ms[run.slow_ms.len() - 1]
                )
            };
            out.push_str(&format!(
                "| {} | {label} | {:.0} ms | {:.0} ms | {:.0} ms | {slow} |\n",
                store.name(),
                percentile(&run.fast_ms, 50.0),
                percentile(&run.fast_ms, 99.0),
                run.fast_ms.last().copied().unwrap_or(f64::NAN),
            ));
        }
    }
    out
}
