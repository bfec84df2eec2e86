//! The delivery worker: claims due events from the store, sends them with the client's
//! retry policy, and records each answer. What to do with an answer is decided by
//! [`decide`], a pure function of the answer, the attempts and the clock; the loop here
//! only moves events between the store and the network.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::store::{Claimed, Outcome};
use super::{BATCH, LEASE_MARGIN, Outbox, later_ms, now_ms};
use crate::{Error, RetryPolicy};

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
}

impl WorkerOptions {
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
    pub(crate) fn start(outbox: Outbox, options: WorkerOptions) -> Self {
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn(work(outbox, options, stop.clone()));
        Worker { stop, task }
    }

    /// Stops once the batch in flight has its answers, recorded in the store (at most the
    /// longest a delivery can take under the client's retry policy); what is left stays
    /// queued.
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

async fn deliver(outbox: Outbox, event: Claimed) {
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
    match &outcome {
        Outcome::Delivered => {}
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
    let store = outbox.store.clone();
    tokio::spawn(async move {
        if let Err(error) = store.record(&event.key, attempts, outcome).await {
            tracing::error!(key = %event.key, %error, "taapit outbox: cannot record an answer");
        }
    });
}

async fn work(outbox: Outbox, options: WorkerOptions, stop: Arc<Notify>) {
    let lease = options.lease_for(outbox.client.retry_policy());
    loop {
        let due = match outbox.store.claim(now_ms(), later_ms(lease), BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "taapit outbox: cannot read the queue");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        if !idle {
            let mut deliveries = JoinSet::new();
            for event in due {
                deliveries.spawn(deliver(outbox.clone(), event));
            }
            let batch = async { while deliveries.join_next().await.is_some() {} };
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
