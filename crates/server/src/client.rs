//! The Taapit API client: `POST /api/events/lead` and `/api/events/sale` with the secret key,
//! timeouts and retries.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};

use crate::{Event, EventKind, InvalidEvent, Lead, Sale};

/// Where events go unless [`Taapit::with_base_url`] says otherwise.
///
/// ```
/// assert_eq!(taapit_server::DEFAULT_BASE_URL, "https://track.taap.it");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://track.taap.it";

const KEY_PREFIX: &str = "taapit_sk_";
const REDACTED: &str = "taapit_sk_…";
/// How much of an error response's body an [`Error`] keeps.
const MAX_ERROR_BODY: usize = 512;

/// The longest `Retry-After` the outbox waits before its next attempt: a server may send any
/// number (`18446744073709551615`, a date in the year 9999), and an event must not be put off
/// for longer than anyone would look for it.
///
/// ```
/// assert_eq!(taapit_server::MAX_RETRY_AFTER, std::time::Duration::from_secs(86_400));
/// ```
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// A Taapit secret key (`taapit_sk_…`). Its `Debug` and `Display` never show it.
///
/// ```
/// use taapit_server::ApiKey;
/// let key = ApiKey::new("taapit_sk_live_abc123").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey(taapit_sk_…)");
/// assert!(ApiKey::new("sk_live_abc").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks that `key` is `taapit_sk_` followed by 1–256 visible ASCII characters.
    ///
    /// ```
    /// assert!(taapit_server::ApiKey::new("taapit_sk_").is_err());
    /// ```
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let rest = key.strip_prefix(KEY_PREFIX).unwrap_or_default();
        if (1..=256).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(ApiKey(key))
        } else {
            Err(Error::InvalidApiKey)
        }
    }

    fn bearer(&self) -> HeaderValue {
        // Visible ASCII only (checked in `new`): always a valid header value.
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }

    /// `text` with every occurrence of the key replaced by `taapit_sk_…`.
    fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Why an event was not delivered. None of them holds the secret key.
///
/// ```
/// use taapit_server::{Error, Taapit};
/// assert!(matches!(Taapit::new("not a key"), Err(Error::InvalidApiKey)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key is not `taapit_sk_…`.
    #[error("the API key must be taapit_sk_ followed by visible ASCII characters")]
    InvalidApiKey,
    /// The base URL is not an absolute http(s) URL.
    #[error("the base URL must be an absolute http or https URL: {0}")]
    InvalidBaseUrl(String),
    /// The event was refused before sending.
    #[error(transparent)]
    InvalidEvent(#[from] InvalidEvent),
    /// Taapit answered with a 4xx other than 408, 425 and 429: retrying would not help.
    #[error("Taapit refused the event: HTTP {status}: {body}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 512 bytes).
        body: String,
    },
    /// Every attempt failed with a temporary failure (connection, timeout, 408, 425, 429, 5xx).
    #[error("not delivered after {attempts} attempts: {last}")]
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
        /// What the last one met.
        last: Failure,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    /// An idempotency key must be 1–255 visible ASCII characters.
    #[error("the idempotency key must be 1-255 visible ASCII characters")]
    InvalidIdempotencyKey,
    /// The outbox's store failed (feature `outbox`).
    #[error("outbox store: {0}")]
    Store(String),
}

impl Error {
    /// Whether delivering the same event again later may succeed (the outbox keeps such
    /// events; the others are parked).
    ///
    /// ```
    /// let error = taapit_server::Error::Rejected { status: 400, body: String::new() };
    /// assert!(!error.is_temporary());
    /// ```
    pub fn is_temporary(&self) -> bool {
        matches!(self, Error::GaveUp { .. } | Error::Store(_))
    }
}

/// A temporary failure of one attempt.
///
/// ```
/// let failure = taapit_server::Failure::Status { status: 429, retry_after_secs: Some(30) };
/// assert_eq!(failure.to_string(), "HTTP 429 (Retry-After: 30 s)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// No connection (refused, unreachable, DNS, TLS handshake).
    #[error("could not connect: {0}")]
    Connect(String),
    /// No answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// 408, 425, 429 or 5xx.
    #[error("HTTP {status}{}", .retry_after_secs.map(|s| format!(" (Retry-After: {s} s)")).unwrap_or_default())]
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's `Retry-After`, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// The connection failed mid-way (the answer was lost).
    #[error("transport error: {0}")]
    Transport(String),
}

impl Failure {
    /// How long the server asked to wait before the next attempt (`Retry-After`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let failure = taapit_server::Failure::Status { status: 429, retry_after_secs: Some(2) };
    /// assert_eq!(failure.retry_after(), Some(Duration::from_secs(2)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status {
                retry_after_secs: Some(secs),
                ..
            } => Some(Duration::from_secs(*secs)),
            _ => None,
        }
    }
}

/// Timeouts and retries. Retries happen on connection failures, timeouts, 408, 425, 429
/// (waiting at least a `Retry-After`) and 5xx, never on other 4xx; the wait before retry `n` is a
/// random time between half and all of `initial_backoff × 2ⁿ⁻¹`, at most `max_backoff`. A
/// `Retry-After` longer than `max_backoff` ends the call at once with [`Error::GaveUp`]
/// (the outbox then waits the server's time before its next attempt, at most
/// [`MAX_RETRY_AFTER`]).
///
/// ```
/// use std::time::Duration;
/// use taapit_server::RetryPolicy;
/// let policy = RetryPolicy::new()
///     .max_attempts(8)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(10))
///     .timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    timeout: Duration,
    connect_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// 5 attempts, 250 ms first backoff, 30 s at most, 10 s per attempt, 5 s to connect.
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Attempts per delivery, at least 1.
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new().max_attempts(3);
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry (doubling after each).
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new().initial_backoff(std::time::Duration::from_millis(50));
    /// ```
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between attempts, `Retry-After` included.
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new().max_backoff(std::time::Duration::from_secs(5));
    /// ```
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// How long one attempt may take, answer included.
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new().timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take.
    ///
    /// ```
    /// let policy = taapit_server::RetryPolicy::new().connect_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The wait after failed attempt `attempt` (1-based), given the server's `Retry-After`.
    pub(crate) fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let jittered = exponential.mul_f64(0.5 + 0.5 * random_fraction());
        // The server's Retry-After wins over the policy's bound (retrying sooner would be
        // refused again), up to MAX_RETRY_AFTER.
        jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest one delivery can take: every attempt to its timeout, and the longest wait
    /// between each two (a longer `Retry-After` ends the call instead). The outbox's lease
    /// (feature `outbox`) is its only user.
    #[cfg(feature = "outbox")]
    pub(crate) fn longest_delivery(&self) -> Duration {
        let attempts = self.max_attempts.max(1);
        self.timeout
            .saturating_mul(attempts)
            .saturating_add(self.max_backoff.saturating_mul(attempts - 1))
    }
}

/// A number in [0, 1): std's randomly keyed hasher over a counter (jitter needs no more).
fn random_fraction() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// Whether `key` can be sent as an `Idempotency-Key` header.
pub(crate) fn is_valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// A new idempotency key: 128 random bits in hex.
pub(crate) fn new_idempotency_key() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

/// The Taapit client. Cheap to clone (one connection pool).
///
/// ```no_run
/// use taapit_server::{Customer, Lead, Sale, Taapit};
/// # async fn run() -> Result<(), taapit_server::Error> {
/// let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY").unwrap())?;
/// taapit
///     .track()
///     .lead(Lead::new("rLnWe1uz9t282v7g", Customer::new("user_123").email("a@example.com")))
///     .await?;
/// taapit
///     .track()
///     .sale(Sale::new(Customer::new("user_123"), 149.99, "eur"))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Taapit {
    key: ApiKey,
    base_url: String,
    retry: RetryPolicy,
    http: reqwest::Client,
}

impl Taapit {
    /// A client for the secret key `api_key` (checked: `taapit_sk_…`), posting to
    /// [`DEFAULT_BASE_URL`] with the default [`RetryPolicy`].
    ///
    /// ```
    /// let taapit = taapit_server::Taapit::new("taapit_sk_test_123").unwrap();
    /// assert!(!format!("{taapit:?}").contains("test_123"));
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        let key = ApiKey::new(api_key)?;
        let retry = RetryPolicy::default();
        Ok(Taapit {
            http: http_client(&retry)?,
            key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            retry,
        })
    }

    /// Posts to `base_url` instead (`http://127.0.0.1:4000` for a local collector).
    ///
    /// ```
    /// let taapit = taapit_server::Taapit::new("taapit_sk_test_123")
    ///     .unwrap()
    ///     .with_base_url("http://127.0.0.1:4000")
    ///     .unwrap();
    /// assert_eq!(taapit.base_url(), "http://127.0.0.1:4000");
    /// ```
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, Error> {
        let trimmed = base_url.trim_end_matches('/');
        let ok = match trimmed.parse::<http::Uri>() {
            Ok(uri) => {
                matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some()
            }
            Err(_) => false,
        };
        if !ok {
            return Err(Error::InvalidBaseUrl(self.key.scrub(base_url)));
        }
        self.base_url = trimmed.to_owned();
        Ok(self)
    }

    /// Uses `retry`'s timeouts and retries.
    ///
    /// ```
    /// use taapit_server::{RetryPolicy, Taapit};
    /// let taapit = Taapit::new("taapit_sk_test_123").unwrap().with_retry(RetryPolicy::new().max_attempts(2)).unwrap();
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> Result<Self, Error> {
        self.http = http_client(&retry)?;
        self.retry = retry;
        Ok(self)
    }

    /// The base URL events are posted under.
    ///
    /// ```
    /// assert_eq!(taapit_server::Taapit::new("taapit_sk_x").unwrap().base_url(), "https://track.taap.it");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The retry policy in use.
    ///
    /// ```
    /// let taapit = taapit_server::Taapit::new("taapit_sk_x").unwrap();
    /// assert_eq!(taapit.retry_policy(), &taapit_server::RetryPolicy::new());
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The tracking calls: `taapit.track().lead(…)`, `taapit.track().sale(…)`.
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Lead};
    /// taapit.track().lead(Lead::new("abc", Customer::new("user_1"))).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn track(&self) -> Track<'_> {
        Track { client: self }
    }

    /// One delivery of a body already validated: attempts with the retry policy.
    pub(crate) async fn deliver(
        &self,
        kind: EventKind,
        body: &[u8],
        idempotency_key: &str,
    ) -> Result<(), Error> {
        let attempts = self.retry.attempts();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.attempt(kind, body, idempotency_key).await {
                Ok(()) => return Ok(()),
                Err(Attempt::Permanent(error)) => return Err(error),
                Err(Attempt::Temporary(failure)) => failure,
            };
            let retry_after = failure.retry_after();
            if attempt >= attempts || retry_after.is_some_and(|wait| wait > self.retry.max_backoff)
            {
                return Err(Error::GaveUp {
                    attempts: attempt,
                    last: failure,
                });
            }
            let wait = self.retry.backoff(attempt, retry_after);
            tracing::debug!(
                kind = kind.as_str(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                %failure,
                "taapit: retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, kind: EventKind, body: &[u8], key: &str) -> Result<(), Attempt> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, kind.path()))
            .header(AUTHORIZATION, self.key.bearer())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("idempotency-key", key)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|error| Attempt::Temporary(self.classify(&error)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // 408 (the server gave up waiting for the request) and 425 (too early) say "send it
        // again" as 429 and 5xx do (RFC 9110 §15.5.9, RFC 8470 §5.2); other 4xx cannot change.
        let temporary = matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
        ) || status.is_server_error();
        if temporary {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(parse_retry_after);
            return Err(Attempt::Temporary(Failure::Status {
                status: status.as_u16(),
                // Rounded up: never sooner than asked.
                retry_after_secs: retry_after
                    .map(|wait| wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            }));
        }
        // Scrubbed whole, then cut: cut first, a key that straddles the cut would keep its
        // first part, which no longer matches the key.
        let text = self.key.scrub(&response.text().await.unwrap_or_default());
        let mut end = text.len().min(MAX_ERROR_BODY);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Err(Attempt::Permanent(Error::Rejected {
            status: status.as_u16(),
            body: text[..end].to_owned(),
        }))
    }

    fn classify(&self, error: &reqwest::Error) -> Failure {
        if error.is_timeout() {
            Failure::Timeout
        } else if error.is_connect() {
            Failure::Connect(self.key.scrub(&error_chain(error)))
        } else {
            Failure::Transport(self.key.scrub(&error_chain(error)))
        }
    }
}

/// An error and its sources, one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

enum Attempt {
    Temporary(Failure),
    Permanent(Error),
}

/// `Retry-After` as seconds or as an HTTP date (IMF-fixdate, or the two obsolete forms
/// RFC 9110 still asks a recipient to read), by the `httpdate` crate: a date with an
/// out-of-range field is `None`, never a panic. The wait is not bounded here; see
/// [`MAX_RETRY_AFTER`].
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

fn http_client(retry: &RetryPolicy) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .timeout(retry.timeout)
        .connect_timeout(retry.connect_timeout)
        // An event is never re-posted somewhere else: a redirect is an answer (refused).
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("taapit-server/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| Error::Client(error_chain(&error)))
}

/// The tracking calls of a [`Taapit`] client ([`Taapit::track`]).
///
/// ```no_run
/// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
/// use taapit_server::{Customer, Sale};
/// taapit
///     .track()
///     .sale(Sale::new(Customer::new("user_1"), 29.99, "eur").tracking_id("abc"))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Track<'a> {
    client: &'a Taapit,
}

impl Track<'_> {
    /// Reports a lead (validated first; retried on temporary failures).
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Lead};
    /// taapit.track().lead(Lead::new("abc", Customer::new("user_1").email("a@example.com"))).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn lead(self, lead: Lead) -> Result<(), Error> {
        self.event(lead).await
    }

    /// Reports a sale (validated first; retried on temporary failures).
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Sale};
    /// taapit.track().sale(Sale::new(Customer::new("user_1"), 149.99, "eur")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sale(self, sale: Sale) -> Result<(), Error> {
        self.event(sale).await
    }

    /// Reports a lead or a sale, with a new idempotency key (the same for all its retries).
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Event, Lead};
    /// taapit.track().event(Event::from(Lead::new("abc", Customer::new("u")))).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn event(self, event: impl Into<Event>) -> Result<(), Error> {
        self.event_with_key(event, &new_idempotency_key()).await
    }

    /// [`event`](Self::event) with your own idempotency key (an order id, say), so a
    /// repeated call for the same thing is recognised as one.
    ///
    /// ```no_run
    /// # async fn run(taapit: taapit_server::Taapit) -> Result<(), taapit_server::Error> {
    /// use taapit_server::{Customer, Sale};
    /// let sale = Sale::new(Customer::new("u"), 10.0, "eur");
    /// taapit.track().event_with_key(sale, "order_42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn event_with_key(
        self,
        event: impl Into<Event>,
        idempotency_key: &str,
    ) -> Result<(), Error> {
        if !is_valid_idempotency_key(idempotency_key) {
            return Err(Error::InvalidIdempotencyKey);
        }
        let event = event.into();
        let body = event.to_body()?;
        self.client
            .deliver(event.kind(), &body, idempotency_key)
            .await
    }
}
