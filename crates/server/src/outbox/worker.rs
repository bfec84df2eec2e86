//! The delivery worker: claims due events from the store, sends them with the client's
//! retry policy, and records each answer. What to do with an answer is decided by
//! [`decide`], a pure function of the answer, the attempts and the clock; the loop here
//! only moves events between the store and the network.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::store::{Claimed, Outcome};
use super::{BATCH, LEASE_MARGIN, Outbox, later_ms, now_ms};
use crate::{Error, RetryPolicy};

/// How many deliveries a worker has under way at once, by default
/// ([`WorkerOptions::concurrency`]).
///
/// ```
/// assert_eq!(taapit_server::outbox::CONCURRENCY, 64);
/// ```
pub const CONCURRENCY: usize = 64;

/// How long the worker sleeps when nothing is due and nothing was enqueued.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// How a worker runs ([`Outbox::start_with`]).
///
/// ```
/// use std::time::Duration;
/// let options = taapit_server::outbox::WorkerOptions::default().lease(Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerOptions {
    lease: Option<Duration>,
    concurrency: Option<usize>,
}

impl WorkerOptions {
    /// How many deliveries may be under way at once (at least 1; by default
    /// [`CONCURRENCY`]). Each holds one event and one connection to Taapit.
    ///
    /// ```
    /// let options = taapit_server::outbox::WorkerOptions::default().concurrency(16);
    /// ```
    pub fn concurrency(mut self, deliveries: usize) -> Self {
        self.concurrency = Some(deliveries.max(1));
        self
    }

    fn deliveries(&self) -> usize {
        self.concurrency
            .unwrap_or(CONCURRENCY)
            .min(Semaphore::MAX_PERMITS)
    }

    /// How long a claimed event is kept from other workers before it is due again if no
    /// answer was recorded (its worker died). By default the longest a delivery can take
    /// under the client's retry policy, plus [`LEASE_MARGIN`]; a shorter lease than a
    /// delivery can take lets a slow event be sent twice.
    ///
    /// ```
    /// let options = taapit_server::outbox::WorkerOptions::default()
    ///     .lease(std::time::Duration::from_secs(120));
    /// ```
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    fn lease_for(&self, policy: &RetryPolicy) -> Duration {
        self.lease
            .unwrap_or_else(|| policy.longest_delivery().saturating_add(LEASE_MARGIN))
    }
}

/// The running delivery worker ([`Outbox::start`]). Dropping it leaves the worker running
/// until the runtime ends; [`shutdown`](Self::shutdown) stops it and keeps its answers.
///
/// ```no_run
/// # async fn run(outbox: taapit_server::outbox::Outbox) {
/// let worker = outbox.start();
/// worker.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    pub(crate) fn start(outbox: Outbox, options: WorkerOptions) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(work(outbox, options, stopped));
        Worker { stop, task }
    }

    /// Stops claiming events, and returns once every delivery under way has its answer
    /// durably recorded in the store (committed, not queued): at most the longest a
    /// delivery can take under the client's retry policy, plus the store's own wait (a
    /// write lock another process holds). No answer Taapit gave is lost on the way out,
    /// so no event it accepted is sent again at the next start, even if the process exits
    /// right after; what was not sent stays queued for the next start.
    ///
    /// ```no_run
    /// # async fn run(worker: taapit_server::outbox::Worker) {
    /// worker.shutdown().await;
    /// # }
    /// ```
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Resolves once [`Worker::shutdown`] was called. A `Worker` dropped without it leaves the
/// worker running, as a detached task, until the runtime ends.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|stopped| *stopped).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The outcome of one delivery, and the attempts counted with it: a pure function (the
/// clock is passed in) so the policy is tested apart from the network.
pub(crate) fn decide(
    result: &Result<(), Error>,
    attempts_before: u32,
    policy: &RetryPolicy,
    now_ms: u64,
) -> (u32, Outcome) {
    match result {
        Ok(()) => (attempts_before.saturating_add(1), Outcome::Delivered),
        Err(Error::GaveUp { attempts, last }) => {
            let attempts = attempts_before.saturating_add(*attempts);
            let wait = policy.backoff(attempts, last.retry_after());
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            (
                attempts,
                Outcome::Retry {
                    at_ms: now_ms.saturating_add(wait_ms),
                    error: last.to_string(),
                },
            )
        }
        Err(error) => (
            attempts_before.saturating_add(1),
            Outcome::Park {
                error: error.to_string(),
            },
        ),
    }
}

/// One delivery, in its span: sent, decided, and its outcome recorded before it returns.
async fn deliver(outbox: Outbox, event: Claimed) {
    // The key is the event's idempotency key; the API key never enters a span or a log.
    let span = tracing::info_span!(
        "taapit_outbox_delivery",
        key = %event.key,
        kind = event.kind.as_str(),
        attempt = event.attempts.saturating_add(1),
        outcome = tracing::field::Empty,
    );
    let this_span = span.clone();
    async move {
        let result = outbox
            .client
            .deliver(event.kind, &event.body, &event.key)
            .await;
        let (attempts, outcome) = decide(
            &result,
            event.attempts,
            outbox.client.retry_policy(),
            now_ms(),
        );
        this_span.record("outcome", outcome.name());
        match &outcome {
            Outcome::Delivered => tracing::debug!("taapit outbox: delivered"),
            Outcome::Retry { error, .. } => tracing::warn!(
                key = %event.key,
                attempts,
                %error,
                "taapit outbox: not delivered yet, will retry"
            ),
            Outcome::Park { error } => {
                tracing::error!(key = %event.key, %error, "taapit outbox: event parked")
            }
        }
        // Awaited: the answer is committed before this delivery counts as finished, which
        // is what `Worker::shutdown` waits for.
        record(&outbox, &event.key, event.claim, attempts, outcome).await;
    }
    .instrument(span)
    .await
}

/// First wait before recording an answer again, doubled up to [`RECORD_RETRY_MAX`].
const RECORD_RETRY_FIRST: Duration = Duration::from_millis(100);
const RECORD_RETRY_MAX: Duration = Duration::from_secs(2);

/// Records an answer, trying again while the store is unreachable (a database restarting)
/// for up to [`LEASE_MARGIN`], the time the lease keeps for it: an answer not recorded
/// means the event is sent again (same key) once its lease runs out.
async fn record(outbox: &Outbox, key: &str, claim: i64, attempts: u32, outcome: Outcome) {
    let give_up = tokio::time::Instant::now() + LEASE_MARGIN;
    let mut wait = RECORD_RETRY_FIRST;
    loop {
        let error = match outbox
            .store
            .record(key, claim, attempts, outcome.clone())
            .await
        {
            Ok(()) => return,
            Err(error) => error,
        };
        if tokio::time::Instant::now() + wait >= give_up {
            tracing::error!(%key, %error, "taapit outbox: cannot record an answer");
            return;
        }
        tracing::warn!(%key, %error, "taapit outbox: cannot record an answer yet, retrying");
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2).min(RECORD_RETRY_MAX);
    }
}

/// The loop: claims as many due events as there are free delivery slots, starts each at
/// once, and claims again as slots free up; an answer that takes long holds its slot
/// only. When nothing is due it sleeps until an enqueue wakes it or [`IDLE_POLL`].
async fn work(outbox: Outbox, options: WorkerOptions, mut stop: watch::Receiver<bool>) {
    let lease = options.lease_for(outbox.client.retry_policy());
    let slots = Arc::new(Semaphore::new(options.deliveries()));
    let mut deliveries = JoinSet::new();
    'claiming: loop {
        // Reap the finished deliveries (their results are in the store).
        while deliveries.try_join_next().is_some() {}
        // Biased, the stop first: once `shutdown` was called, a free slot (or, below, an
        // enqueue's wake) ready at the same time must not start one more claim.
        let first = tokio::select! {
            biased;
            () = stopped(&mut stop) => break 'claiming,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break 'claiming,
            },
        };
        let mut permits = vec![first];
        while permits.len() < BATCH {
            match slots.clone().try_acquire_owned() {
                Ok(permit) => permits.push(permit),
                Err(_) => break,
            }
        }
        let wanted = permits.len();
        let due = match outbox.store.claim(now_ms(), later_ms(lease), wanted).await {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "taapit outbox: cannot claim due events");
                Vec::new()
            }
        };
        let drained = due.len() < wanted;
        for (event, permit) in due.into_iter().zip(permits) {
            let outbox = outbox.clone();
            deliveries.spawn(async move {
                deliver(outbox, event).await;
                drop(permit);
            });
        }
        if drained {
            tokio::select! {
                biased;
                () = stopped(&mut stop) => break 'claiming,
                _ = outbox.wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
    // Stopping: nothing more is claimed; the deliveries under way end with their answers
    // recorded.
    while deliveries.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Failure;

    #[test]
    fn an_accepted_event_is_delivered() {
        let policy = RetryPolicy::new();
        assert_eq!(decide(&Ok(()), 2, &policy, 1_000), (3, Outcome::Delivered));
    }

    #[test]
    fn a_temporary_failure_waits_at_least_the_servers_retry_after() {
        let policy = RetryPolicy::new();
        let result = Err(Error::GaveUp {
            attempts: 3,
            last: Failure::Status {
                status: 429,
                retry_after_secs: Some(60),
            },
        });
        let (attempts, outcome) = decide(&result, 1, &policy, 1_000);
        assert_eq!(attempts, 4);
        match outcome {
            Outcome::Retry { at_ms, error } => {
                assert!(at_ms >= 61_000, "{at_ms}");
                assert!(error.contains("429"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refusal_parks_the_event() {
        let policy = RetryPolicy::new();
        let result = Err(Error::Rejected {
            status: 400,
            body: "bad".into(),
        });
        let (attempts, outcome) = decide(&result, 0, &policy, 1_000);
        assert_eq!(attempts, 1);
        assert!(matches!(outcome, Outcome::Park { error } if error.contains("400")));
    }
}
