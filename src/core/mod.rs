//! The pure core: every capture rule as plain functions over plain data. No web-sys here,
//! so all of it runs (and is tested) natively.
//!
//! | file | concern |
//! | --- | --- |
//! | [`id`] | what a valid tracking id is |
//! | [`query`] | finding the id in `search` and `hash`, stripping it from the address |
//! | [`domain`] | host kinds and the `Domain` candidates for a host |
//! | [`cookie`] | building `Set-Cookie` strings, parsing `document.cookie` |
//! | [`mirror`] | the `localStorage` fallback entry |
//! | [`options`] | options, defaults and bounds |
//! | [`outbound`] | adding the id to links to the site's other domains |
//! | [`capture`] | the rules themselves, over the [`capture::Page`] interface |
//! | `text` | string building without `core::fmt` (`concat`, `join`), byte splits and trims |

pub mod capture;
pub mod cookie;
pub mod domain;
pub mod id;
pub mod mirror;
pub mod options;
pub mod outbound;
pub mod query;
pub(crate) mod text;
