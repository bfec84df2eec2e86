//! The web-sys shell (feature `web`, wasm32): what the Rust API ([`crate::api`]) runs on in
//! the browser, one file per concern:
//! - [`page`]: the page as the rules see it (`taapit_core::Page` over web-sys);
//! - [`session`]: the page's session, kept between calls;
//! - [`events`]: the `taapit:change` event, fired and listened to.

pub(crate) mod events;
mod page;
mod session;

use taapit_core::Session;

pub(crate) use page::BrowserPage;

/// Runs `f` with the current page and the page's session ([`session::with_page`]).
pub(crate) fn with_page<R>(f: impl FnOnce(&mut BrowserPage, &mut Session) -> R) -> R {
    session::with_page(BrowserPage::current(), f)
}
