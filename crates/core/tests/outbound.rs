#![cfg(not(target_arch = "wasm32"))]
//! The outbound-link rules: which hosts a pattern matches, and how a link URL gets the id.

use taapit_core::outbound::{decorate, matches, parse_pattern, parse_patterns, url_host};
use taapit_core::Options;

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
