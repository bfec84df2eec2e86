//! Outbound links: carrying the tracking id to the site's other domains.
//!
//! When a visitor follows a link to a host matched by the `outbound` option (a checkout on
//! `shop.example.net`, say), the id cannot follow in a cookie: it goes in the link's URL,
//! `?ta_tid=<id>`, where the capture on that site finds it. These are the pure rules; one
//! delegated listener (`js/package/outbound.js`, used by the script tag and the npm entry)
//! applies them at click time.
//!
//! Patterns: `shop.example.net` matches that host only; `*.example.org` matches every
//! subdomain of `example.org` **and `example.org` itself** (people who write the wildcard
//! mean the site, and links to the bare domain are as common as links to `www.`).

use crate::prelude::*;

use super::id::is_valid_id;
use super::query::decode_bytes;
use super::text::{
    all_bytes, find_byte, parse_list, rsplit_byte, split_byte, split_once_byte, trim_end_str,
};

/// Reads one pattern: a host name (`shop.example.net`) or a wildcard (`*.example.org`),
/// trimmed, in lower case, without a trailing dot. `None` for anything else (`*`, a URL,
/// a port, a bare `*.`).
#[inline]
pub fn parse_pattern(text: &str) -> Option<String> {
    let pattern = trim_end_str(text.trim_ascii(), ".").to_ascii_lowercase();
    let host = pattern.strip_prefix("*.").unwrap_or(&pattern);
    let valid = !host.is_empty()
        && split_byte(host, b'.').all(|label| {
            !label.is_empty()
                && all_bytes(label.as_bytes(), |b| {
                    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
                })
        });
    valid.then_some(pattern)
}

/// Reads a pattern list: patterns separated by commas (`"shop.example.net, *.example.org"`).
/// `None` if any pattern is malformed or none is given.
#[inline]
pub fn parse_patterns(text: &str) -> Option<Vec<String>> {
    parse_list(text, parse_pattern)
}

/// Whether `host` (lower case) is matched by `pattern` (as [`parse_pattern`] gives it).
#[inline]
pub fn matches(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(base) => {
            host == base
                || host
                    .strip_suffix(base)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with("."))
        }
        None => host == pattern,
    }
}

/// The host of an absolute `http:`/`https:` URL, in lower case, without port, user info or
/// trailing dot; `None` for other URLs.
#[inline]
pub fn url_host(href: &str) -> Option<String> {
    let rest = after_scheme(href)?;
    // `split`/`get` rather than `&s[..i]`: a string slice carries a char-boundary panic (and
    // its formatting code, some 4 KB) into the `.wasm`.
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#'));
    let authority = end.and_then(|i| rest.get(..i)).unwrap_or(rest);
    let host_port = rsplit_byte(authority, b'@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with("[") {
        // Up to and with the `]`.
        split_once_byte(host_port, b']')
            .and_then(|(inside, _)| host_port.get(..=inside.len()))
            .unwrap_or(host_port)
    } else {
        split_once_byte(host_port, b':').map_or(host_port, |(host, _)| host)
    };
    let host = trim_end_str(host, ".").to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// What follows `http://` or `https://` (any case); `None` for other schemes.
#[inline]
fn after_scheme(href: &str) -> Option<&str> {
    let (scheme, rest) = split_once_byte(href, b':')?;
    let rest = rest.strip_prefix("//")?;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")).then_some(rest)
}

/// Adds `param=id` to `href` when the link goes to a host that `patterns` match and that is
/// not `current_host`, and the URL does not carry `param` already. The other parameters, the
/// path and the hash are kept as they were written. `None` when the link is to be left alone
/// (not `http(s)`, same host, no pattern matches, `param` present, invalid `id`).
///
/// ```
/// use taapit_core::outbound::decorate;
/// let patterns = vec!["shop.example.net".to_string(), "*.example.org".to_string()];
/// assert_eq!(
///     decorate("https://shop.example.net/cart?x=1#pay", "www.example.com", &patterns, "ta_tid", "abc").as_deref(),
///     Some("https://shop.example.net/cart?x=1&ta_tid=abc#pay"),
/// );
/// assert_eq!(decorate("https://other.net/", "www.example.com", &patterns, "ta_tid", "abc"), None);
/// ```
#[inline]
pub fn decorate(
    href: &str,
    current_host: &str,
    patterns: &[String],
    param: &str,
    id: &str,
) -> Option<String> {
    let current = current_host.to_ascii_lowercase();
    decorate_link(href, &url_host(href)?, &current, patterns, param, id)
}

/// [`decorate`] for a link whose host is known: `host`, as the browser's URL parser gives it
/// (`new URL(href).hostname` of an `http:`/`https:` URL). The shipped `.wasm` is given it by
/// its loader, which has the browser's own parser, so it needs none of its own. Both hosts
/// are in lower case, as the browser gives them (`location.hostname` for `current_host`).
///
/// ```
/// use taapit_core::outbound::decorate_link;
/// let patterns = vec!["*.example.org".to_string()];
/// assert_eq!(
///     decorate_link("https://Example.org/a#b", "example.org", "www.example.com", &patterns, "ta_tid", "abc").as_deref(),
///     Some("https://Example.org/a?ta_tid=abc#b"),
/// );
/// ```
#[inline]
pub fn decorate_link(
    href: &str,
    host: &str,
    current_host: &str,
    patterns: &[String],
    param: &str,
    id: &str,
) -> Option<String> {
    if param.is_empty() || !is_valid_id(id) {
        return None;
    }
    // Lower case already (the browser's parser lowers hosts): compared as they are, with no
    // copy, but for a trailing dot.
    let host = trim_end_str(host, ".");
    let current = trim_end_str(current_host, ".");
    if host.is_empty() || host == current || !patterns.iter().any(|p| matches(host, p)) {
        return None;
    }
    let (before_hash, hash) = find_byte(href, b'#')
        .and_then(|i| href.split_at_checked(i))
        .unwrap_or((href, ""));
    let (base, query) = split_once_byte(before_hash, b'?').unwrap_or((before_hash, ""));
    let present = split_byte(query, b'&')
        .map(|pair| split_once_byte(pair, b'=').map_or(pair, |(name, _)| name))
        .any(|name| decode_bytes(name).as_deref() == Some(param.as_bytes()));
    if present {
        return None;
    }
    let mut out = String::with_capacity(href.len() + param.len() + id.len() + 2);
    out.push_str(base);
    out.push('?');
    out.push_str(query);
    if !query.is_empty() && !query.ends_with("&") {
        out.push('&');
    }
    encode_component(&mut out, param);
    out.push('=');
    out.push_str(id);
    out.push_str(hash);
    Some(out)
}

/// Appends `text` to `out` percent-encoded, leaving `A–Z a–z 0–9 - _ . ~` as they are.
#[inline]
fn encode_component(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        // The unreserved characters of RFC 3986 are exactly the id's characters.
        if super::id::is_id_byte(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::Options;
    use std::prelude::rust_2021::*;
    use std::vec;

    fn patterns(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| parse_pattern(p).unwrap()).collect()
    }

    fn shop() -> Vec<String> {
        patterns(&["shop.example.net", "*.example.org"])
    }

    /// Decorates `href` from a page on `www.example.com` with the default parameter and id `abc`.
    fn deco(href: &str) -> Option<String> {
        decorate(href, "www.example.com", &shop(), "ta_tid", "abc")
    }

    #[test]
    fn patterns_are_hosts_or_wildcards_in_lower_case() {
        assert_eq!(
            parse_pattern("Shop.Example.NET").as_deref(),
            Some("shop.example.net")
        );
        assert_eq!(
            parse_pattern(" *.example.org. ").as_deref(),
            Some("*.example.org")
        );
        assert_eq!(parse_pattern("localhost").as_deref(), Some("localhost"));
        assert_eq!(parse_pattern("127.0.0.1").as_deref(), Some("127.0.0.1"));
        for bad in [
            "",
            " ",
            "*",
            "*.",
            "**.example.org",
            "*example.org",
            "example.*",
            "https://shop.example.net",
            "shop.example.net/",
            "shop.example.net:443",
            "shop..example.net",
            "a b",
            "ex ample.org",
            ".",
            "shop.example.net?x",
            "user@shop.example.net",
            "[::1]",
        ] {
            assert_eq!(parse_pattern(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pattern_lists_are_comma_separated_and_all_or_nothing() {
        assert_eq!(
            parse_patterns("shop.example.net, *.example.org"),
            Some(shop())
        );
        assert_eq!(
            parse_patterns("shop.example.net,,"),
            Some(patterns(&["shop.example.net"]))
        );
        assert_eq!(parse_patterns("shop.example.net, https://x.org"), None);
        assert_eq!(parse_patterns(""), None);
        assert_eq!(parse_patterns(" , "), None);
    }

    #[test]
    fn a_host_pattern_matches_that_host_only() {
        assert!(matches("shop.example.net", "shop.example.net"));
        assert!(!matches("www.shop.example.net", "shop.example.net"));
        assert!(!matches("example.net", "shop.example.net"));
        assert!(!matches("evilshop.example.net", "shop.example.net"));
    }

    #[test]
    fn a_wildcard_matches_subdomains_and_the_apex() {
        assert!(matches("example.org", "*.example.org"));
        assert!(matches("www.example.org", "*.example.org"));
        assert!(matches("a.b.example.org", "*.example.org"));
        assert!(!matches("badexample.org", "*.example.org"));
        assert!(!matches("example.org.evil.com", "*.example.org"));
        assert!(!matches(".example.org", "*.example.org"));
        assert!(!matches("org", "*.example.org"));
    }

    #[test]
    fn url_host_takes_the_host_of_http_urls_only() {
        for (url, host) in [
            ("https://Shop.Example.net:8443/a?b#c", "shop.example.net"),
            ("http://user:pw@shop.example.net/", "shop.example.net"),
            ("HTTPS://shop.example.net.", "shop.example.net"),
            ("https://shop.example.net?x=1", "shop.example.net"),
            ("https://shop.example.net#x", "shop.example.net"),
            ("https://[::1]:8080/", "[::1]"),
            ("https://a@b@shop.example.net/", "shop.example.net"),
        ] {
            assert_eq!(url_host(url).as_deref(), Some(host), "{url:?}");
        }
        for other in [
            "mailto:a@shop.example.net",
            "javascript:alert(1)",
            "ftp://shop.example.net/",
            "/relative",
            "shop.example.net/x",
            "https:shop.example.net",
            "https:///path",
            "",
            "tel:123",
        ] {
            assert_eq!(url_host(other), None, "{other:?}");
        }
    }

    #[test]
    fn decorate_appends_the_id_keeping_the_other_parameters_and_the_hash() {
        for (href, decorated) in [
            (
                "https://shop.example.net/",
                "https://shop.example.net/?ta_tid=abc",
            ),
            (
                "https://shop.example.net",
                "https://shop.example.net?ta_tid=abc",
            ),
            (
                "https://shop.example.net/cart?item=1&q=a%20b#pay",
                "https://shop.example.net/cart?item=1&q=a%20b&ta_tid=abc#pay",
            ),
            (
                "https://shop.example.net/#/route?x=1",
                "https://shop.example.net/?ta_tid=abc#/route?x=1",
            ),
            (
                "https://shop.example.net/?",
                "https://shop.example.net/?ta_tid=abc",
            ),
            (
                "https://shop.example.net/?a=1&",
                "https://shop.example.net/?a=1&ta_tid=abc",
            ),
            (
                "http://www.example.org:8080/p",
                "http://www.example.org:8080/p?ta_tid=abc",
            ),
            ("https://example.org/", "https://example.org/?ta_tid=abc"),
        ] {
            assert_eq!(deco(href).as_deref(), Some(decorated), "{href:?}");
        }
    }

    #[test]
    fn decorate_leaves_a_link_that_already_has_the_parameter() {
        for href in [
            "https://shop.example.net/?ta_tid=other",
            "https://shop.example.net/?a=1&ta_tid=",
            "https://shop.example.net/?ta_tid",
            "https://shop.example.net/?ta%5Ftid=x",
        ] {
            assert_eq!(deco(href), None, "{href:?}");
        }
        for (href, decorated) in [
            // Only the query counts: a ta_tid in the hash is the destination's business.
            (
                "https://shop.example.net/#ta_tid=x",
                "https://shop.example.net/?ta_tid=abc#ta_tid=x",
            ),
            // Another parameter that merely contains the name does not count.
            (
                "https://shop.example.net/?my_ta_tid=x",
                "https://shop.example.net/?my_ta_tid=x&ta_tid=abc",
            ),
        ] {
            assert_eq!(deco(href).as_deref(), Some(decorated), "{href:?}");
        }
    }

    #[test]
    fn decorate_leaves_other_hosts_the_current_host_and_other_schemes() {
        for href in [
            "https://other.net/",
            "https://www.example.com/?x",
            "https://example.net/",
            "mailto:sales@shop.example.net",
            "javascript:void(0)",
            "/cart",
        ] {
            assert_eq!(deco(href), None, "{href:?}");
        }
        for (href, page_host, outbound, decorated) in [
            // A page on a matched host does not decorate its own links.
            (
                "https://shop.example.net/a",
                "shop.example.net",
                shop(),
                None,
            ),
            (
                "https://shop.example.net/a",
                "Shop.Example.Net.",
                shop(),
                None,
            ),
            // ...but does decorate links to the other matched hosts.
            (
                "https://www.example.org/",
                "shop.example.net",
                shop(),
                Some("https://www.example.org/?ta_tid=abc"),
            ),
            ("https://shop.example.net/", "www.example.com", vec![], None),
        ] {
            assert_eq!(
                decorate(href, page_host, &outbound, "ta_tid", "abc").as_deref(),
                decorated,
                "{href:?} from a page on {page_host:?}"
            );
        }
    }
    #[test]
    fn decorate_never_writes_an_invalid_id_and_encodes_the_parameter_name() {
        for bad in ["", "a b", "a&b", "a#b", "<x>", &"A".repeat(129)] {
            assert_eq!(
                decorate("https://shop.example.net/", "x.com", &shop(), "ta_tid", bad),
                None,
                "{bad:?}"
            );
        }
        assert_eq!(
            decorate("https://shop.example.net/", "x.com", &shop(), "", "abc"),
            None
        );
        assert_eq!(
            decorate(
                "https://shop.example.net/",
                "x.com",
                &shop(),
                "t id&",
                "abc"
            )
            .as_deref(),
            Some("https://shop.example.net/?t%20id%26=abc")
        );
        assert_eq!(
            decorate(
                "https://shop.example.net/?t%20id%26=1",
                "x.com",
                &shop(),
                "t id&",
                "abc"
            ),
            None
        );
    }

    #[test]
    fn outbound_is_off_by_default() {
        assert!(Options::default().outbound.is_empty());
    }
}
