//! The id look-up: the guide's order, the id rule, and hostile `Cookie` headers.

use http::{HeaderMap, HeaderValue, Request, Uri};
use taapit_server::{Source, lookup, lookup_in};

fn parts(uri: &str, cookies: &[&[u8]]) -> http::request::Parts {
    let mut request = Request::builder().uri(uri);
    for cookie in cookies {
        request = request.header("cookie", HeaderValue::from_bytes(cookie).unwrap());
    }
    request.body(()).unwrap().into_parts().0
}

fn found(uri: &str, cookies: &[&[u8]], body: Option<&str>) -> Option<(String, Source)> {
    lookup(&parts(uri, cookies), body)
        .found
        .map(|(id, source)| (id.as_str().to_owned(), source))
}

fn some(id: &str, source: Source) -> Option<(String, Source)> {
    Some((id.to_owned(), source))
}

#[test]
fn the_cookie_wins_then_the_body_then_the_url() {
    let all = found("/x?ta_tid=url1", &[b"a=1; ta_tid=cookie1"], Some("body1"));
    assert_eq!(all, some("cookie1", Source::Cookie));
    assert_eq!(
        found("/x?ta_tid=url1", &[], Some("body1")),
        some("body1", Source::Body)
    );
    assert_eq!(
        found("/x?ta_tid=url1", &[], None),
        some("url1", Source::Url)
    );
    assert_eq!(found("/x", &[], None), None);
}

#[test]
fn an_invalid_candidate_makes_way_for_the_next() {
    let result = lookup(
        &parts("/?ta_tid=a%3Bb", &[b"ta_tid=%3Cscript%3E"]),
        Some("good.id~4"),
    );
    assert_eq!(result.source(), Some(Source::Body));
    assert_eq!(result.rejected.len(), 1);
    assert_eq!(result.rejected[0].value, "%3Cscript%3E");

    let result = lookup(
        &parts("/?ta_tid=a%3Bb&ta_tid=ok_2", &[]),
        Some(&"A".repeat(129)),
    );
    assert_eq!(result.tracking_id().unwrap().as_str(), "ok_2");
    let sources: Vec<_> = result
        .rejected
        .iter()
        .map(|r| (r.source, r.value.as_str()))
        .collect();
    assert_eq!(
        sources,
        [(Source::Body, &*"A".repeat(129)), (Source::Url, "a;b")]
    );

    // An empty candidate is absent, not rejected.
    let result = lookup(&parts("/?ta_tid=", &[b"ta_tid="]), Some(""));
    assert_eq!(result.found, None);
    assert!(result.rejected.is_empty());
}

#[test]
fn several_cookies_the_first_valid_one_wins() {
    // Copies on other domain levels: the first the browser lists, as the page reads it.
    assert_eq!(
        found("/", &[b"ta_tid=first; ta_tid=second"], None),
        some("first", Source::Cookie)
    );
    assert_eq!(
        found("/", &[b"ta_tid=bad value; ta_tid=second"], None),
        some("second", Source::Cookie)
    );
    // HTTP/2 may send one Cookie header per cookie.
    assert_eq!(
        found("/", &[b"ta_tid=", b"other=1", b"ta_tid=third"], None),
        some("third", Source::Cookie)
    );
}

#[test]
fn hostile_cookie_headers_never_panic_and_never_yield_an_invalid_id() {
    let big = format!("ta_tid={}", "x".repeat(4096));
    let many = "ta_tid=%%%; ".repeat(400);
    let cases: Vec<(&[u8], Option<&str>)> = vec![
        (b"", None),
        (b";;;;", None),
        (b"ta_tid", None),
        (b"=ta_tid", None),
        (b"ta_tid==abc", None),
        (b"ta_tid=\"quoted_id\"", Some("quoted_id")),
        (b"ta_tid=\"", None),
        (b"ta_tid=\"\"", None),
        (b"ta_tid=abc%2Ddef", None),
        (b"ta_tid=%61bc", None),
        (b" ta_tid = spaced ", Some("spaced")),
        (b"TA_TID=upper", None),
        (b"ta_tid=a b", None),
        (b"ta_tid=caf\xc3\xa9", None),
        (
            b"ta_tid=\xff\xfe; ta_tid=after_bad_utf8",
            Some("after_bad_utf8"),
        ),
        (b"\xff=\xff; ta_tid=ok", Some("ok")),
        (big.as_bytes(), None),
        (many.as_bytes(), None),
    ];
    for (header, want) in cases {
        let result = lookup(&parts("/", &[header]), None);
        assert_eq!(
            result.tracking_id().map(|id| id.as_str()),
            want,
            "{:?}",
            String::from_utf8_lossy(header)
        );
        assert!(result.rejected.len() <= 8, "the rejected list is bounded");
        assert!(
            result
                .rejected
                .iter()
                .all(|r| r.value.chars().count() <= 200)
        );
    }
}

#[test]
fn url_parameters_are_decoded_as_urlsearchparams_does() {
    assert_eq!(
        found("/?x=1&ta%5Ftid=abc", &[], None),
        some("abc", Source::Url)
    );
    assert_eq!(
        found("/?ta_tid=ab%2Dc", &[], None),
        some("ab-c", Source::Url)
    );
    assert_eq!(found("/?ta_tid=a+b", &[], None), None);
    assert_eq!(
        found("/?ta_tid=%ZZ&ta_tid=next", &[], None),
        some("next", Source::Url)
    );
    let uri: Uri = "/?ta_tid=%ZZ".parse().unwrap();
    assert_eq!(
        lookup_in(&uri, &HeaderMap::new(), None).rejected[0].value,
        "%ZZ"
    );
}
