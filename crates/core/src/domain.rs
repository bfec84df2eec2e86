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

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn host_kind_classifies_hosts() {
        let cases = [
            ("localhost", HostKind::Localhost),
            ("app.localhost", HostKind::Localhost),
            ("a.b.localhost", HostKind::Localhost),
            ("127.0.0.1", HostKind::Ipv4),
            ("10.0.0.255", HostKind::Ipv4),
            ("[::1]", HostKind::Ipv6),
            ("[2001:db8::1]", HostKind::Ipv6),
            ("::1", HostKind::Ipv6),
            ("intranet", HostKind::SingleLabel),
            ("example.com.", HostKind::TrailingDot),
            ("localhost.", HostKind::TrailingDot),
            ("example.com", HostKind::Named),
            ("a.b.example.co.uk", HostKind::Named),
            ("notlocalhost.com", HostKind::Named),
            ("localhost.example.com", HostKind::Named),
            ("256.1.1.1", HostKind::Named),
            ("1.2.3", HostKind::Named),
            ("1.2.3.4.5", HostKind::Named),
        ];
        for (host, kind) in cases {
            assert_eq!(host_kind(host), kind, "{host}");
        }
    }

    #[test]
    fn candidates_go_from_the_last_two_labels_up_to_the_host() {
        assert_eq!(
            candidates("a.b.example.co.uk").collect::<Vec<_>>(),
            [
                "co.uk",
                "example.co.uk",
                "b.example.co.uk",
                "a.b.example.co.uk"
            ]
        );
        assert_eq!(
            candidates("app.example.com").collect::<Vec<_>>(),
            ["example.com", "app.example.com"]
        );
        assert_eq!(
            candidates("example.com").collect::<Vec<_>>(),
            ["example.com"]
        );
        assert_eq!(
            candidates("alice.github.io").collect::<Vec<_>>(),
            ["github.io", "alice.github.io"]
        );
    }

    #[test]
    fn candidates_are_empty_for_hosts_that_stay_host_only() {
        for host in [
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "[::1]",
            "intranet",
            "example.com.",
            "",
        ] {
            assert_eq!(candidates(host).count(), 0, "{host:?}");
        }
    }

    #[test]
    fn covers_is_the_host_or_a_parent_on_a_label_boundary() {
        assert!(covers("example.com", "example.com"));
        assert!(covers("example.com", "shop.example.com"));
        assert!(covers("example.com", "a.b.example.com"));
        assert!(!covers("example.com", "badexample.com"));
        assert!(!covers("shop.example.com", "example.com"));
        assert!(!covers("other.com", "shop.example.com"));
        assert!(!covers("", "example.com"));
    }

    #[test]
    fn normalize_trims_leading_dot_and_lowers_case() {
        assert_eq!(normalize(" .Example.COM "), "example.com");
        assert_eq!(normalize("example.com"), "example.com");
    }
}
