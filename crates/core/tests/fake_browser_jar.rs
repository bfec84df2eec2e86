#![cfg(not(target_arch = "wasm32"))]
//! The fake browser the capture tests rely on must itself behave like a browser's jar;
//! otherwise the capture tests would prove nothing. These pin the browser rules it models.

mod support;

use support::fake_browser::{
    domain_matches, http_date_secs, parse_set_cookie, CookieMode, FakeBrowser, DAY_MS, T0_MS,
};
use taapit_core::capture::Page;

#[test]
fn host_only_and_domain_cookies_of_one_name_are_two_cookies() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie("a=host; Path=/");
    b.set_cookie("a=dom; Path=/; Domain=example.com");
    let stored = b.stored("a");
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().any(|c| c.host_only && c.value == "host"));
    assert!(stored
        .iter()
        .any(|c| !c.host_only && c.domain == "example.com" && c.value == "dom"));
    assert_eq!(b.visible_values("a"), ["host", "dom"]);
}

#[test]
fn same_key_overwrites_and_keeps_creation_order() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie("a=1; Path=/");
    b.set_cookie("a=2; Path=/; Domain=example.com");
    b.set_cookie("a=3; Path=/");
    assert_eq!(b.stored("a").len(), 2);
    assert_eq!(b.visible_values("a"), ["3", "2"]);
}

#[test]
fn domain_that_the_host_does_not_match_is_refused() {
    let mut b = FakeBrowser::new("https://shop.example.com/");
    b.set_cookie("a=1; Domain=other.com");
    b.set_cookie("a=2; Domain=ample.com");
    b.set_cookie("a=3; Domain=www.shop.example.com");
    assert!(b.stored("a").is_empty());
}

#[test]
fn public_suffix_domain_is_refused_unless_it_is_the_host() {
    let mut b = FakeBrowser::new("https://shop.example.co.uk/");
    b.set_cookie("a=1; Domain=co.uk");
    b.set_cookie("a=2; Domain=uk");
    assert!(b.stored("a").is_empty());
    b.set_cookie("a=3; Domain=example.co.uk");
    assert_eq!(b.only("a").domain, "example.co.uk");

    let mut io = FakeBrowser::new("https://github.io/");
    io.set_cookie("a=1; Domain=github.io");
    let c = io.only("a");
    assert!(
        c.host_only,
        "a public-suffix Domain equal to the host becomes host-only"
    );
}

#[test]
fn ip_hosts_only_match_themselves() {
    assert!(domain_matches("127.0.0.1", "127.0.0.1"));
    assert!(!domain_matches("127.0.0.1", "0.0.1"));
    assert!(domain_matches("a.example.com", "example.com"));
    assert!(!domain_matches("aexample.com", "example.com"));
}

#[test]
fn secure_from_http_and_samesite_none_without_secure_are_refused() {
    let mut http = FakeBrowser::new("http://example.com/");
    http.set_cookie("a=1; Secure");
    assert!(http.stored("a").is_empty());
    let mut https = FakeBrowser::new("https://example.com/");
    https.set_cookie("a=1; SameSite=None");
    assert!(https.stored("a").is_empty());
    https.set_cookie("a=2; SameSite=None; Secure");
    assert_eq!(https.only("a").same_site, Some("None"));
}

#[test]
fn http_page_cannot_overwrite_or_see_a_secure_cookie() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie("a=secret; Path=/; Secure");
    b.navigate("http://example.com/");
    assert!(b.visible_values("a").is_empty());
    b.set_cookie("a=plain; Path=/");
    assert_eq!(b.only("a").value, "secret");
}

#[test]
fn max_age_zero_deletes_and_max_age_wins_over_expires() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie("a=1; Path=/; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(b.only("a").expires_ms, Some(T0_MS + 60_000));
    b.set_cookie("a=; Path=/; Max-Age=0");
    assert!(b.stored("a").is_empty());
    b.set_cookie("a=2; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    assert!(b.stored("a").is_empty(), "Expires in the past deletes");
    b.set_cookie("a=3; Path=/; Expires=Fri, 31 Dec 9999 23:59:59 GMT");
    assert_eq!(
        b.only("a").expires_ms,
        Some(T0_MS + 400 * DAY_MS),
        "lifetimes are capped at 400 days"
    );
}

#[test]
fn cookies_expire_with_the_clock() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie("a=1; Path=/; Max-Age=10");
    b.advance_ms(9_999);
    assert_eq!(b.visible_values("a"), ["1"]);
    b.advance_ms(1);
    assert!(b.visible_values("a").is_empty());
}

#[test]
fn visibility_follows_domain_path_and_order() {
    let mut b = FakeBrowser::new("https://shop.example.com/a/b");
    b.set_cookie("d=1; Path=/; Domain=example.com");
    b.set_cookie("h=1; Path=/");
    b.set_cookie("p=short; Path=/");
    b.set_cookie("p=long; Path=/a");
    b.set_cookie("q=1; Path=/other");
    assert_eq!(b.cookies().unwrap(), "p=long; d=1; h=1; p=short");
    b.navigate("https://www.example.com/");
    assert_eq!(
        b.cookies().unwrap(),
        "d=1",
        "host-only cookies stay on their host"
    );
}

#[test]
fn default_path_is_the_directory_of_the_page() {
    let mut b = FakeBrowser::new("https://example.com/shop/item");
    b.set_cookie("a=1");
    assert_eq!(b.only("a").path, "/shop");
}

#[test]
fn unavailable_cookies_throw_and_ignored_cookies_vanish() {
    let mut b = FakeBrowser::new("https://example.com/");
    b.set_cookie_mode(CookieMode::Unavailable);
    assert_eq!(b.cookies(), None);
    assert!(!b.set_cookie("a=1"));
    b.set_cookie_mode(CookieMode::Ignored);
    assert!(b.set_cookie("a=1; Path=/"));
    assert_eq!(b.cookies().as_deref(), Some(""));
    assert!(b.stored("a").is_empty());

    let file = FakeBrowser::new("file:///home/me/landing.html?ta_tid=abc");
    assert_eq!(file.cookies(), None);
}

#[test]
fn domain_refused_mode_keeps_host_only_cookies() {
    let mut b = FakeBrowser::new("https://shop.example.com/");
    b.set_cookie_mode(CookieMode::DomainRefused);
    b.set_cookie("a=1; Path=/; Domain=example.com");
    b.set_cookie("h=1; Path=/");
    assert!(b.stored("a").is_empty());
    assert_eq!(b.visible_values("h"), ["1"]);
}

#[test]
fn storage_can_be_unavailable() {
    let mut b = FakeBrowser::new("https://example.com/");
    assert!(b.storage_set("k", "v"));
    assert_eq!(b.storage_get("k").as_deref(), Some("v"));
    b.set_storage_available(false);
    assert_eq!(b.storage_get("k"), None);
    assert!(!b.storage_set("k", "w"));
    b.storage_remove("k");
    assert_eq!(b.storage_item("k"), Some("v"));
}

#[test]
fn replace_url_moves_the_address_bar_and_is_recorded() {
    let mut b = FakeBrowser::new("https://example.com/p?ta_tid=x#top");
    assert_eq!(b.location().search, "?ta_tid=x");
    assert!(b.replace_url("/p#top"));
    assert_eq!(b.address(), "/p#top");
    assert_eq!(b.location().search, "");
    b.set_replace_fails(true);
    assert!(!b.replace_url("/q"));
    assert_eq!(b.address(), "/p#top");
    assert_eq!(b.replaced_urls(), ["/p#top", "/q"]);
}

#[test]
fn location_is_parsed_like_the_dom_reports_it() {
    for (url, want) in [
        ("http://[::1]:8080/x?#", ("[::1]", "/x", "", "", false)),
        (
            "https://Shop.Example.COM:443?a=1#/r?b=2",
            ("shop.example.com", "/", "?a=1", "#/r?b=2", true),
        ),
    ] {
        let b = FakeBrowser::new(url);
        let l = b.location();
        assert_eq!(
            (
                l.host.as_str(),
                l.path.as_str(),
                l.search.as_str(),
                l.hash.as_str(),
                l.https
            ),
            want,
            "{url:?}"
        );
    }
}

#[test]
fn set_cookie_lines_parse_every_attribute() {
    let c = parse_set_cookie(
        "ta_tid=abc; Path=/; Domain=.Example.com; Max-Age=60; \
         Expires=Tue, 14 Nov 2023 22:14:20 GMT; SameSite=strict; Secure",
    )
    .unwrap();
    assert_eq!(c.name, "ta_tid");
    assert_eq!(c.value, "abc");
    assert_eq!(c.path.as_deref(), Some("/"));
    assert_eq!(c.domain.as_deref(), Some("example.com"));
    assert_eq!(c.max_age, Some(60));
    assert_eq!(c.same_site, Some("Strict"));
    assert!(c.secure);
    assert_eq!(parse_set_cookie("novalue"), None);
    assert_eq!(parse_set_cookie("=v"), None);
}

#[test]
fn strict_http_dates_check_the_weekday_and_the_calendar() {
    assert_eq!(http_date_secs("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(
        http_date_secs("Tue, 14 Nov 2023 22:13:20 GMT"),
        Some(1_700_000_000)
    );
    assert_eq!(http_date_secs("Wed, 14 Nov 2023 22:13:20 GMT"), None);
    assert_eq!(http_date_secs("Sun, 29 Feb 2100 00:00:00 GMT"), None);
    assert_eq!(http_date_secs("Tue, 14 Nov 2023 22:13:20 UTC"), None);
    assert_eq!(http_date_secs("Tue, 14 Nov 2023 22:13:60 GMT"), None);
}
