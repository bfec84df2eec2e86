//! Which `Domain` a cookie gets on a given host.
//!
//! The aim is one cookie that every subdomain of the site sees (`www.`, `app.`, `checkout.`),
//! so the id survives the visitor moving across them. Only the browser knows the public
//! suffix list, so this module proposes candidates and the browser shell keeps the first one
//! the browser accepts; hosts that cannot carry a `Domain` at all never get one.

use crate::prelude::*;

use super::text::{all_bytes, find_byte, rsplit_byte, split_byte, trim_start_str};

/// The shape of a host name, as far as cookie domains care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// `localhost` or a name under `.localhost`.
    Localhost,
    /// An IPv4 address (`127.0.0.1`).
    Ipv4,
    /// An IPv6 address (`[::1]`).
    Ipv6,
    /// A name without a dot (`intranet`).
    SingleLabel,
    /// A name ending with a dot (`example.com.`): browsers keep such cookies apart from the
    /// dotless name, so they are kept host-only.
    TrailingDot,
    /// A registrable-looking name with two or more labels.
    Named,
}

/// Classifies a host name as given by `location.hostname` (lower case, IPv6 in brackets).
///
/// ```
/// use taapit_core::domain::{host_kind, HostKind};
/// assert_eq!(host_kind("app.localhost"), HostKind::Localhost);
/// assert_eq!(host_kind("[::1]"), HostKind::Ipv6);
/// assert_eq!(host_kind("shop.example.co.uk"), HostKind::Named);
/// ```
#[inline]
pub fn host_kind(host: &str) -> HostKind {
    if host.starts_with("[") || find_byte(host, b':').is_some() {
        HostKind::Ipv6
    } else if host.ends_with(".") {
        HostKind::TrailingDot
    } else if host == "localhost" || host.ends_with(".localhost") {
        HostKind::Localhost
    } else if is_ipv4(host) {
        HostKind::Ipv4
    } else if find_byte(host, b'.').is_none() {
        HostKind::SingleLabel
    } else {
        HostKind::Named
    }
}

#[inline]
fn is_ipv4(host: &str) -> bool {
    let mut parts = 0;
    for part in split_byte(host, b'.') {
        parts += 1;
        let numeric = !part.is_empty()
            && part.len() <= 3
            && all_bytes(part.as_bytes(), |b| b.is_ascii_digit());
        if !numeric || super::text::parse_u64(part).map_or(true, |n| n > 255) {
            return false;
        }
    }
    parts == 4
}

/// The `Domain` values to try for `host`, shortest first: the last two labels, then one more
/// label at a time up to the host itself. None for hosts that must stay host-only. Borrowed
/// from `host`, not collected: the callers stop at the first the browser accepts.
///
/// ```
/// use taapit_core::domain::candidates;
/// assert_eq!(
///     candidates("www.shop.example.co.uk").collect::<Vec<_>>(),
///     ["co.uk", "example.co.uk", "shop.example.co.uk", "www.shop.example.co.uk"],
/// );
/// assert_eq!(candidates("localhost").count(), 0);
/// ```
#[inline]
pub fn candidates(host: &str) -> impl Iterator<Item = &str> {
    let named = host_kind(host) == HostKind::Named;
    // `rest`: the labels left of the last candidate given (at first, all but the last label);
    // each step gives one more label. Byte splits and `get` rather than `rsplit('.')` and
    // `host[i..]`: no generic char searcher, no char-boundary panic in the `.wasm`.
    let mut rest = rsplit_byte(host, b'.').map(|(left, _)| left);
    let mut host_given = !named;
    core::iter::from_fn(move || match rest.and_then(|r| rsplit_byte(r, b'.')) {
        Some((left, _)) if named => {
            rest = Some(left);
            host.get(left.len() + 1..)
        }
        _ => {
            rest = None;
            (!core::mem::replace(&mut host_given, true)).then_some(host)
        }
    })
}

/// Normalises a `domain` option: lower case, without a leading dot.
#[inline]
pub fn normalize(domain: &str) -> String {
    trim_start_str(domain.trim_ascii(), ".").to_ascii_lowercase()
}

/// Whether `domain` (normalised) is `host` itself or a parent of it.
///
/// ```
/// use taapit_core::domain::covers;
/// assert!(covers("example.com", "shop.example.com"));
/// assert!(!covers("example.com", "badexample.com"));
/// ```
#[inline]
pub fn covers(domain: &str, host: &str) -> bool {
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with(".")))
}
