//! # taapit-server
//!
//! The backend half of Taapit tracking. The capture module keeps the visitor's tracking id
//! in a first-party `ta_tid` cookie; this crate is what the site's Rust backend does with it:
//!
//! - **find the id** in a request, as the Taapit guide recommends: the cookie, then the JSON
//!   body's `trackingId`, then the `ta_tid` URL parameter ([`lookup`]; with feature `axum`,
//!   the extractors in [`axum_ext`]);
//! - **re-issue the cookie** from the server on page responses ([`CookieReissue`], a plain
//!   function and a tower `Layer`), because browsers cap how long script-written cookies live;
//! - **report leads and sales** to Taapit ([`Taapit`]), with timeouts and retries;
//! - **lose nothing** (feature `outbox`): a durable outbox on an embedded SQLite file,
//!   delivered by a background worker, across crashes and restarts; with feature `postgres`,
//!   on PostgreSQL, shared by every instance of a backend, the event written in the
//!   application's own transaction (module `outbox::postgres`, which says why it uses
//!   tokio-postgres with a deadpool pool).
//!
//! ```no_run
//! use taapit_server::{lookup, Customer, Lead, Taapit};
//!
//! # async fn signup(parts: http::request::Parts, body_tracking_id: Option<&str>) -> Result<(), taapit_server::Error> {
//! let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY").unwrap())?;
//! // After the user is created:
//! if let Some(id) = lookup(&parts, body_tracking_id).into_tracking_id() {
//!     taapit
//!         .track()
//!         .lead(Lead::new(id, Customer::new("user_123").email("ada@example.com")))
//!         .await?;
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum_ext;
mod client;
mod event;
mod id;
mod lookup;
#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "outbox")]
pub mod outbox;
mod reissue;

pub use client::{
    ApiKey, DEFAULT_BASE_URL, Error, Failure, MAX_RETRY_AFTER, RetryPolicy, Taapit, Track,
};
pub use event::{Customer, Event, EventKind, InvalidEvent, Lead, Sale};
pub use id::{InvalidTrackingId, TrackingId};
pub use lookup::{COOKIE_NAME, Lookup, Rejected, Source, lookup, lookup_in};
pub use reissue::{
    Attribution, CookieReissue, ReissueFuture, ReissueLayer, ReissueService, SameSite, Secure,
    cookie_domain,
};
