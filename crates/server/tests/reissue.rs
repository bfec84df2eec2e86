//! The server-side cookie write: domains by the Public Suffix List, attributes, attribution,
//! one visible copy, and the tower Layer on document responses only.

use std::convert::Infallible;
use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, Request, Response, Uri};
use taapit_server::Secure;
use taapit_server::{Attribution, CookieReissue, cookie_domain};
use tower::{Layer, ServiceExt};

const NOW: u64 = 1_700_000_000;

fn set_cookies(
    reissue: &CookieReissue,
    uri: &str,
    host: &str,
    headers: &[(&'static str, &str)],
) -> Vec<String> {
    let uri: Uri = uri.parse().unwrap();
    let mut map = HeaderMap::new();
    map.insert("host", host.parse().unwrap());
    for (name, value) in headers {
        map.append(*name, value.parse().unwrap());
    }
    reissue
        .set_cookies(&uri, &map, UNIX_EPOCH + Duration::from_secs(NOW))
        .into_iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_domain_is_the_registrable_domain_or_host_only() {
    let cases = [
        ("www.shop.example.co.uk", Some("example.co.uk")),
        ("alice.github.io", Some("alice.github.io")),
        ("example.com", Some("example.com")),
        ("app.example.com", Some("example.com")),
        ("APP.Example.COM", Some("example.com")),
        ("localhost", None),
        ("app.localhost", None),
        ("127.0.0.1", None),
        ("[::1]", None),
        ("intranet", None),
        ("example.com.", None),
        ("github.io", None),
        ("co.uk", None),
        ("evil.com;x=1", None),
        // The Public Suffix List's test vectors: a leading dot has no registrable domain.
        (".com", None),
        (".example", None),
        (".example.com", None),
        (".example.example", None),
        ("a..example.com", None),
        ("WwW.example.COM", Some("example.com")),
        ("b.example.example", Some("example.example")),
        ("a.b.c.mm", Some("b.c.mm")),
        ("www.city.kobe.jp", Some("city.kobe.jp")),
        (
            "www.xn--85x722f.xn--55qx5d.cn",
            Some("xn--85x722f.xn--55qx5d.cn"),
        ),
    ];
    for (host, want) in cases {
        assert_eq!(cookie_domain(host).as_deref(), want, "{host}");
    }
}

#[test]
fn the_write_has_the_capture_modules_attributes() {
    let reissue = CookieReissue::new();
    let got = set_cookies(
        &reissue,
        "/",
        "www.shop.example.co.uk:8443",
        &[("cookie", "ta_tid=abc")],
    );
    assert_eq!(
        got,
        [
            "ta_tid=abc; Path=/; Domain=example.co.uk; Max-Age=7776000; Expires=Mon, 12 Feb 2024 22:13:20 GMT; SameSite=Lax"
        ]
    );
    // Host-only on localhost, an IPv4 and an IPv6 address, a single label.
    for host in ["localhost:8080", "127.0.0.1:80", "[::1]:8080", "intranet"] {
        let got = set_cookies(&reissue, "/", host, &[("cookie", "ta_tid=abc")]);
        assert!(
            got[0].starts_with("ta_tid=abc; Path=/; Max-Age="),
            "{host}: {got:?}"
        );
    }
    // A Host header that is not a host name: nothing written.
    assert!(set_cookies(&reissue, "/", "a b", &[("cookie", "ta_tid=abc")]).is_empty());
}

#[test]
fn lifetime_clamped_secure_behind_https_and_http_only_on_demand() {
    let at = |reissue: &CookieReissue, headers: &[(&'static str, &str)], uri: &str| {
        set_cookies(reissue, uri, "app.example.com", headers).remove(0)
    };
    let cookie = [("cookie", "ta_tid=abc")];
    assert!(at(&CookieReissue::new().expires_in_days(0), &cookie, "/").contains("Max-Age=86400;"));
    assert!(
        at(&CookieReissue::new().expires_in_days(1000), &cookie, "/").contains("Max-Age=34560000;")
    );

    let proxied = [("cookie", "ta_tid=abc"), ("x-forwarded-proto", "https")];
    assert!(
        !at(&CookieReissue::new(), &proxied, "/").ends_with("; Secure"),
        "untrusted proxy header"
    );
    let trusted = CookieReissue::new().trust_forwarded_proto(true);
    assert!(at(&trusted, &proxied, "/").ends_with("; Secure"));
    assert!(!at(&trusted, &cookie, "/").ends_with("; Secure"));
    assert!(at(&CookieReissue::new(), &cookie, "https://app.example.com/").ends_with("; Secure"));
    assert!(at(&CookieReissue::new().secure(Secure::Always), &cookie, "/").ends_with("; Secure"));
    assert!(
        at(&CookieReissue::new().http_only(true), &cookie, "/")
            .ends_with("; SameSite=Lax; HttpOnly")
    );
}

#[test]
fn attribution_and_invalid_values() {
    let last = CookieReissue::new();
    let first = CookieReissue::new().attribution(Attribution::FirstClick);
    let stored = [("cookie", "ta_tid=stored")];
    let value = |v: &[String]| v.first().map(|c| c.split(';').next().unwrap().to_owned());
    // Last-click: the document's URL id replaces the cookie's; first-click keeps it.
    assert_eq!(
        value(&set_cookies(
            &last,
            "/?ta_tid=fresh",
            "example.com",
            &stored
        ))
        .as_deref(),
        Some("ta_tid=fresh")
    );
    assert_eq!(
        value(&set_cookies(
            &first,
            "/?ta_tid=fresh",
            "example.com",
            &stored
        ))
        .as_deref(),
        Some("ta_tid=stored")
    );
    // First-click with an invalid stored value: the URL's id.
    let junk = [("cookie", "ta_tid=a%3Bb")];
    assert_eq!(
        value(&set_cookies(&first, "/?ta_tid=fresh", "example.com", &junk)).as_deref(),
        Some("ta_tid=fresh")
    );
    // Never an invalid value; nothing at all without a valid id.
    assert!(set_cookies(&last, "/?ta_tid=a%3Bb", "example.com", &junk).is_empty());
    assert!(set_cookies(&last, "/", "example.com", &[]).is_empty());
    assert_eq!(
        value(&set_cookies(
            &last,
            "/?ta_tid=bad%20",
            "example.com",
            &stored
        ))
        .as_deref(),
        Some("ta_tid=stored")
    );
}

#[test]
fn other_copies_are_expired_so_one_stays_visible() {
    let reissue = CookieReissue::new();
    // One copy holding the id written: nothing else to do.
    assert_eq!(
        set_cookies(
            &reissue,
            "/",
            "www.shop.example.co.uk",
            &[("cookie", "ta_tid=abc")]
        )
        .len(),
        1
    );
    // Two copies: every other level is expired (host-only, shop.…, www.shop.…; co.uk is a
    // public suffix no browser would hold a cookie on).
    let got = set_cookies(
        &reissue,
        "/",
        "www.shop.example.co.uk",
        &[("cookie", "ta_tid=abc; ta_tid=old")],
    );
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("ta_tid=abc; Path=/; Domain=example.co.uk;"));
    assert_eq!(
        got[1],
        "ta_tid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(
        got[2],
        "ta_tid=; Path=/; Domain=shop.example.co.uk; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(
        got[3],
        "ta_tid=; Path=/; Domain=www.shop.example.co.uk; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    // One copy with another value (last-click from the URL): it may be on another level.
    let got = set_cookies(
        &reissue,
        "/?ta_tid=new",
        "app.example.com",
        &[("cookie", "ta_tid=old")],
    );
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[1..].iter().all(|c| !c.contains("Domain=example.com;")),
        "the written level is kept"
    );
}

#[test]
fn a_valid_copy_after_several_invalid_ones_is_reissued_and_the_others_cleaned() {
    // The page's `getTrackingId()` skips invalid values and reads `good`; so does the lookup,
    // and so must the re-issue, however many invalid copies come first.
    let got = set_cookies(
        &CookieReissue::new(),
        "/",
        "app.example.com",
        &[(
            "cookie",
            "ta_tid=a%20; ta_tid=b%20; ta_tid=c%20; ta_tid=good",
        )],
    );
    assert!(
        got.first()
            .is_some_and(|c| c.starts_with("ta_tid=good; Path=/; Domain=example.com;")),
        "{got:?}"
    );
    assert!(
        got[1..]
            .iter()
            .all(|c| c.starts_with("ta_tid=; ") && c.contains("Max-Age=0")),
        "the other copies are expired: {got:?}"
    );
    assert_eq!(
        got.len(),
        3,
        "host-only and app.example.com expired: {got:?}"
    );
}

async fn through_layer(
    request: Request<()>,
    content_type: &'static str,
    status: u16,
) -> Response<()> {
    let service = CookieReissue::new().layer().layer(tower::service_fn(
        move |_req: Request<()>| async move {
            Ok::<_, Infallible>(
                Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(())
                    .unwrap(),
            )
        },
    ));
    service.oneshot(request).await.unwrap()
}

fn page_request(dest: Option<&str>, accept: &str) -> Request<()> {
    let mut request = Request::get("/?ta_tid=fromUrl")
        .header("host", "app.example.com")
        .header("accept", accept);
    if let Some(dest) = dest {
        request = request.header("sec-fetch-dest", dest);
    }
    request.body(()).unwrap()
}

#[tokio::test]
async fn the_layer_writes_on_html_documents_only() {
    let html = "text/html; charset=utf-8";
    let response = through_layer(page_request(Some("document"), "*/*"), html, 200).await;
    let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    assert_eq!(cookies.len(), 1);
    assert!(
        cookies[0]
            .to_str()
            .unwrap()
            .starts_with("ta_tid=fromUrl; Path=/; Domain=example.com;")
    );
    assert_eq!(response.headers()["cache-control"], "private");
    // No Sec-Fetch-Dest (older browsers): Accept decides.
    let response = through_layer(page_request(None, "text/html,*/*"), html, 200).await;
    assert_eq!(response.headers().get_all("set-cookie").iter().count(), 1);

    for (dest, accept, content_type, status) in [
        (Some("iframe"), "text/html", html, 200),
        (Some("empty"), "*/*", html, 200),
        (None, "application/json", html, 200),
        (Some("document"), "text/html", "application/json", 200),
        (Some("document"), "text/html", html, 500),
    ] {
        let response = through_layer(page_request(dest, accept), content_type, status).await;
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{dest:?} {accept} {content_type} {status}"
        );
    }
    let post = Request::post("/?ta_tid=x")
        .header("host", "example.com")
        .header("sec-fetch-dest", "document")
        .body(())
        .unwrap();
    assert!(
        through_layer(post, html, 200)
            .await
            .headers()
            .get("set-cookie")
            .is_none()
    );
}

#[tokio::test]
async fn the_layer_writes_no_cookie_on_a_response_for_shared_caches() {
    for (cache_control, written) in [
        ("public, max-age=600", false),
        ("max-age=60, s-maxage=600", false),
        ("PUBLIC", false),
        ("public, no-store", true),
        ("private, max-age=60", true),
        ("no-cache", true),
    ] {
        let response = html_through_layer("cache-control", cache_control).await;
        assert_eq!(
            response.headers().get("set-cookie").is_some(),
            written,
            "Cache-Control: {cache_control}"
        );
        assert_eq!(
            response.headers()["cache-control"],
            cache_control,
            "left as it was"
        );
    }
}

/// A document request through the layer, to a handler whose HTML response has
/// `header: value`.
async fn html_through_layer(header: &'static str, value: &'static str) -> Response<()> {
    let service = CookieReissue::new().layer().layer(tower::service_fn(
        move |_req: Request<()>| async move {
            Ok::<_, Infallible>(
                Response::builder()
                    .header("content-type", "text/html")
                    .header(header, value)
                    .body(())
                    .unwrap(),
            )
        },
    ));
    service
        .oneshot(page_request(Some("document"), "text/html"))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_layer_leaves_a_cookie_the_handler_set() {
    let response = html_through_layer("set-cookie", "ta_tid=; Max-Age=0").await;
    let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["ta_tid=; Max-Age=0"]);
}
