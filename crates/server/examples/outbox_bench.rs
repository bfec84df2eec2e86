//! The outbox's load benchmark (run by `bash scripts/bench-server.sh`, which writes the
//! figures into BENCHMARKS.md). Not a test: it reports, it asserts only that nothing was lost.
//!
//! 1. 10,000 lead events enqueued concurrently (10,000 tasks) while the worker delivers to a
//!    mock collector in another process: time until every `enqueue` returned (each on disk),
//!    time until every event was delivered, peak memory of this process.
//! 2. 100,000 events queued with the worker stopped, then delivered: memory with the whole
//!    queue on disk, peak memory while delivering it, throughput.
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
}
