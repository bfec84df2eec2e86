#![cfg(not(target_arch = "wasm32"))]
//! Unit tests of the pure core functions: ids, query strings, domains, cookie strings,
//! the `localStorage` mirror and option bounds.

use taapit_core::cookie::{is_valid_name, push_http_date, push_u64, values_of, SetCookie};
use taapit_core::domain::{candidates, covers, host_kind, normalize, HostKind};
use taapit_core::id::{is_id_byte, is_valid_id, MAX_ID_LEN};
use taapit_core::mirror;
use taapit_core::options::{
    clamp_days, parse_bool, parse_params, Attribution, Consent, DomainOption, Options, Secure,
};
use taapit_core::query::{decode_component, find_id, hash_query, strip_params, UrlPart};
use taapit_core::SameSite;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn ta_tid() -> Vec<String> {
    names(&["ta_tid"])
}

// ---------------------------------------------------------------- id

#[test]
fn id_accepts_the_url_safe_alphabet_up_to_128_characters() {
    assert!(is_valid_id("rLnWe1uz9t282v7g"));
    assert!(is_valid_id("a"));
    assert!(is_valid_id(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    ));
    assert_eq!(MAX_ID_LEN, 128);
    assert!(is_valid_id(&"x".repeat(128)));
    assert!(!is_valid_id(&"x".repeat(129)));
    assert!(!is_valid_id(""));
}

#[test]
fn id_refuses_every_hostile_character() {
    for bad in [
        "a;b",
        "a=b",
        "a,b",
        "a b",
        "a\rb",
        "a\nb",
        "a\r\nSet-Cookie: x=y",
        "a\0b",
        "a%3Bb",
        "a%00",
        "a+b",
        "a\"b",
        "a\\b",
        "a/b",
        "a:b",
        "a|b",
        "<script>",
        "café",
        "ü",
        "a\tb",
        "a\u{7f}",
        "tid\u{200b}",
        "🍪",
    ] {
        assert!(!is_valid_id(bad), "{bad:?} must not be a valid id");
    }
}

#[test]
fn id_bytes_are_exactly_alphanumerics_and_four_marks() {
    let allowed: Vec<u8> = (0..=255u8).filter(|&b| is_id_byte(b)).collect();
    let mut expected: Vec<u8> = (b'0'..=b'9')
        .chain(b'A'..=b'Z')
        .chain(b'a'..=b'z')
        .chain([b'-', b'.', b'_', b'~'])
        .collect();
    expected.sort_unstable();
    assert_eq!(allowed, expected);
}

// ---------------------------------------------------------------- query

#[test]
fn decode_component_decodes_plus_and_escapes() {
    assert_eq!(decode_component("abc").as_deref(), Some("abc"));
    assert_eq!(decode_component("a+b").as_deref(), Some("a b"));
    assert_eq!(decode_component("%41%62%7e").as_deref(), Some("Ab~"));
    assert_eq!(decode_component("%C3%A9").as_deref(), Some("é"));
    assert_eq!(decode_component("%00").as_deref(), Some("\0"));
    assert_eq!(decode_component("%3B").as_deref(), Some(";"));
}

#[test]
fn decode_component_refuses_malformed_escapes_and_non_utf8() {
    for bad in ["%", "%4", "a%", "%G1", "%1G", "%%", "%FF", "%C3", "%C3%28"] {
        assert_eq!(decode_component(bad), None, "{bad:?}");
    }
}

#[test]
fn find_id_ignores_every_hostile_value() {
    let too_long = format!("?ta_tid={}", "a".repeat(129));
    let hostile = [
        "?ta_tid=a;b",
        "?ta_tid=a%3Bb",
        "?ta_tid=%3B",
        "?ta_tid=a=b",
        "?ta_tid=a%3Db",
        "?ta_tid=a,b",
        "?ta_tid=a%2Cb",
        "?ta_tid=a b",
        "?ta_tid=a+b",
        "?ta_tid=a%20b",
        "?ta_tid=a%0D%0ASet-Cookie:%20x=y",
        "?ta_tid=a%0Ab",
        "?ta_tid=%00",
        "?ta_tid=abc%00",
        "?ta_tid=caf%C3%A9",
        "?ta_tid=café",
        "?ta_tid=%FF",
        "?ta_tid=%",
        "?ta_tid=%2",
        "?ta_tid=%zz",
        "?ta_tid=",
        "?ta_tid",
        "?ta_tid=%3Cscript%3E",
        too_long.as_str(),
    ];
    for search in hostile {
        let found = find_id(search, "", &ta_tid());
        assert_eq!(found.id, None, "{search:?}");
        assert_eq!(found.rejected, 1, "{search:?}");
    }
}

#[test]
fn find_id_takes_the_first_valid_of_repeated_parameters() {
    let found = find_id(
        "?ta_tid=&ta_tid=bad%3B&ta_tid=ok1&ta_tid=ok2",
        "",
        &ta_tid(),
    );
    assert_eq!(found.id, Some(("ok1".to_string(), UrlPart::Search)));
    assert_eq!(found.rejected, 2);
    let found = find_id("?ta_tid=one&ta_tid=two", "", &ta_tid());
    assert_eq!(found.id, Some(("one".to_string(), UrlPart::Search)));
}

#[test]
fn find_id_decodes_names_and_values() {
    let found = find_id("?ta%5Ftid=abc%2Ddef%7E", "", &ta_tid());
    assert_eq!(found.id, Some(("abc-def~".to_string(), UrlPart::Search)));
    let found = find_id("ta_tid=noquestionmark", "", &ta_tid());
    assert_eq!(found.id.unwrap().0, "noquestionmark");
}

#[test]
fn find_id_matches_whole_case_sensitive_names_only() {
    let found = find_id("?xta_tid=a&ta_tidx=b&TA_TID=c&ta_tid_=d", "", &ta_tid());
    assert_eq!(found, Default::default());
}

#[test]
fn find_id_reads_the_hash_query_after_the_search() {
    let found = find_id("?ta_tid=s", "#/landing?ta_tid=h", &ta_tid());
    assert_eq!(found.id, Some(("s".to_string(), UrlPart::Search)));
    let found = find_id("?other=1", "#/landing?x=1&ta_tid=h", &ta_tid());
    assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
    let found = find_id("?ta_tid=bad%3B", "#/landing?ta_tid=h", &ta_tid());
    assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
    assert_eq!(found.rejected, 1);
}

#[test]
fn find_id_reads_only_the_query_part_of_the_hash() {
    assert_eq!(find_id("", "#ta_tid=abc", &ta_tid()).id, None);
    assert_eq!(find_id("", "#/ta_tid=abc", &ta_tid()).id, None);
    assert_eq!(hash_query("#/landing?a=1"), Some("a=1"));
    assert_eq!(hash_query("#/landing"), None);
    assert_eq!(hash_query(""), None);
}

#[test]
fn find_id_tries_parameter_names_in_option_order() {
    let search = "?ta_tid=second&ref=first";
    let found = find_id(search, "", &names(&["ref", "ta_tid"]));
    assert_eq!(found.id.unwrap().0, "first");
    let found = find_id(search, "", &names(&["ta_tid", "ref"]));
    assert_eq!(found.id.unwrap().0, "second");
    // An earlier name wins even when only the hash carries it (documented order: names,
    // then search before hash for each name).
    let found = find_id("?ta_tid=s", "#/r?ref=h", &names(&["ref", "ta_tid"]));
    assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
    // An invalid value for the first name falls through to the next name.
    let found = find_id("?ref=a;b&ta_tid=ok", "", &names(&["ref", "ta_tid"]));
    assert_eq!(found.id.unwrap().0, "ok");
}

#[test]
fn strip_params_keeps_other_parameters_path_and_hash() {
    let n = ta_tid();
    let cases = [
        ("/p", "?a=1&ta_tid=x&b=2", "#top", Some("/p?a=1&b=2#top")),
        ("/p", "?ta_tid=x", "", Some("/p")),
        ("/p", "?ta_tid=x", "#top", Some("/p#top")),
        ("/p", "?ta_tid=x&a=1", "", Some("/p?a=1")),
        ("/p", "?a=1&ta_tid=x", "", Some("/p?a=1")),
        ("/p", "?ta_tid=x&a=1&ta_tid=y", "", Some("/p?a=1")),
        ("/p", "?ta%5Ftid=x&a=1", "", Some("/p?a=1")),
        ("/p", "?ta_tid&a=1", "", Some("/p?a=1")),
        ("/p", "?ta_tid=bad%3B&a=1", "", Some("/p?a=1")),
        (
            "/p",
            "?q=a%20b&ta_tid=x&r=c+d",
            "",
            Some("/p?q=a%20b&r=c+d"),
        ),
        ("/p", "?ta_tidx=1&ta_tid=2", "", Some("/p?ta_tidx=1")),
        // Empty pairs go with the tracking parameter; untouched when there is none.
        ("/p", "?&a=1&&ta_tid=x&b=2&", "", Some("/p?a=1&b=2")),
        ("/p", "?&a=1&&b=2&", "", None),
        ("/p", "", "#?ta_tid=x", Some("/p")),
        ("/p", "", "#?a=1&ta_tid=x", Some("/p#?a=1")),
        // A doubled `?` in the hash: the id is found there, so it is stripped there.
        ("/p", "", "#??ta_tid=x", Some("/p")),
        ("/p", "", "#/r??ta_tid=x&a=1", Some("/p#/r?a=1")),
        // A pair that itself starts with `?` after the doubled one keeps its name.
        ("/p", "", "#/r???a=1&ta_tid=x", Some("/p#/r???a=1")),
        (
            "/app",
            "",
            "#/landing?ref=1&ta_tid=x&z=2",
            Some("/app#/landing?ref=1&z=2"),
        ),
        ("/app", "", "#/landing?ta_tid=x", Some("/app#/landing")),
        ("/app", "?a=1", "#/l?ta_tid=y", Some("/app?a=1#/l")),
        (
            "/p",
            "?ta_tid=x&a=1",
            "#/l?ta_tid=y&b=2",
            Some("/p?a=1#/l?b=2"),
        ),
        ("/p", "?a=1", "#top", None),
        ("/p", "", "#ta_tid=x", None),
        ("/p", "", "", None),
    ];
    for (path, search, hash, expected) in cases {
        assert_eq!(
            strip_params(path, search, hash, &n).as_deref(),
            expected,
            "{path}{search}{hash}"
        );
    }
}

#[test]
fn strip_params_removes_every_configured_name() {
    let n = names(&["ta_tid", "ref"]);
    assert_eq!(
        strip_params("/", "?ref=1&a=2&ta_tid=3", "", &n).as_deref(),
        Some("/?a=2")
    );
}

// ---------------------------------------------------------------- domain

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

// ---------------------------------------------------------------- cookie

#[test]
fn http_dates_match_known_dates() {
    let cases = [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (86_399, "Thu, 01 Jan 1970 23:59:59 GMT"),
        (86_400, "Fri, 02 Jan 1970 00:00:00 GMT"),
        (68_169_600, "Tue, 29 Feb 1972 00:00:00 GMT"),
        (946_684_799, "Fri, 31 Dec 1999 23:59:59 GMT"),
        (946_684_800, "Sat, 01 Jan 2000 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_234_567_890, "Fri, 13 Feb 2009 23:31:30 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        (1_707_776_000, "Mon, 12 Feb 2024 22:13:20 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (4_107_456_000, "Sun, 28 Feb 2100 00:00:00 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ];
    for (secs, expected) in cases {
        let mut s = String::new();
        push_http_date(&mut s, secs);
        assert_eq!(s, expected, "{secs}");
    }
}

#[test]
fn push_u64_writes_decimal() {
    for n in [0u64, 7, 10, 86_400, 1_700_000_000_000, u64::MAX] {
        let mut s = String::from("x");
        push_u64(&mut s, n);
        assert_eq!(s, format!("x{n}"));
    }
}

#[test]
fn set_cookie_builds_every_attribute_in_order() {
    let cookie = SetCookie::new("ta_tid", "abc").max_age(7_776_000, 1_700_000_000);
    assert_eq!(
        cookie.build(),
        "ta_tid=abc; Path=/; Max-Age=7776000; Expires=Mon, 12 Feb 2024 22:13:20 GMT; SameSite=Lax"
    );
    let cookie = SetCookie::new("ta_tid", "abc")
        .domain(Some("example.co.uk"))
        .max_age(86_400, 1_700_000_000)
        .same_site(SameSite::None)
        .secure(true);
    assert_eq!(
        cookie.to_string(),
        "ta_tid=abc; Path=/; Domain=example.co.uk; Max-Age=86400; \
         Expires=Wed, 15 Nov 2023 22:13:20 GMT; SameSite=None; Secure"
    );
}

#[test]
fn removal_expires_at_the_epoch() {
    assert_eq!(
        SetCookie::removal("ta_tid", Some("example.com")).build(),
        "ta_tid=; Path=/; Domain=example.com; Max-Age=0; \
         Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    );
    assert_eq!(
        SetCookie::removal("ta_tid", None).secure(true).build(),
        "ta_tid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax; Secure"
    );
}

#[test]
fn values_of_reads_document_cookie_lists() {
    let jar = " a=1;ta_tid = abc ; junk; ta_tid=\"def\"; xta_tid=no; ta_tid_probe=no; ta_tid=a=b; ta_tid=";
    assert_eq!(
        values_of(jar, "ta_tid").collect::<Vec<_>>(),
        ["abc", "def", "a=b", ""]
    );
    assert_eq!(values_of("", "ta_tid").count(), 0);
    assert_eq!(values_of("ta_tid", "ta_tid").count(), 0);
    assert_eq!(values_of("ta_tid=\"", "ta_tid").collect::<Vec<_>>(), ["\""]);
}

#[test]
fn cookie_names_are_rfc_tokens() {
    assert!(is_valid_name("ta_tid"));
    assert!(is_valid_name(&"n".repeat(64)));
    for bad in ["", "a b", "a;b", "a=b", "a,b", "é", "a\"b", "a(b"] {
        assert!(!is_valid_name(bad), "{bad:?}");
    }
    assert!(!is_valid_name(&"n".repeat(65)));
}

// ---------------------------------------------------------------- mirror

#[test]
fn mirror_encodes_id_and_expiry_under_a_prefixed_key() {
    assert_eq!(mirror::key("ta_tid"), "taapit:ta_tid");
    assert_eq!(mirror::key("my_tid"), "taapit:my_tid");
    assert_eq!(
        mirror::encode("abc", 1_700_000_000_000),
        "abc|1700000000000"
    );
}

#[test]
fn mirror_decodes_until_it_expires() {
    let text = mirror::encode("abc", 5_000);
    assert_eq!(mirror::decode(&text, 0), Some(("abc", 5_000)));
    assert_eq!(mirror::decode(&text, 4_999), Some(("abc", 5_000)));
    assert_eq!(mirror::decode(&text, 5_000), None);
    assert_eq!(mirror::decode(&text, 9_999), None);
}

#[test]
fn mirror_reads_tampered_entries_as_nothing() {
    for text in [
        "a;b|99999999999999",
        "abc",
        "abc|",
        "abc|x",
        "abc|-1",
        "abc|1e9",
        "abc|99999999999999999999999",
        "|99999999999999",
        "a|b|99999999999999",
        "abc |99999999999999",
        "",
    ] {
        assert_eq!(mirror::decode(text, 1_000), None, "{text:?}");
    }
}

// ---------------------------------------------------------------- options

#[test]
fn defaults_follow_the_contract() {
    let o = Options::default();
    assert_eq!(o.params, ["ta_tid"]);
    assert_eq!(o.cookie_name, "ta_tid");
    assert_eq!(o.expires_in_days, 90);
    assert_eq!(o.max_age_secs(), 90 * 86_400);
    assert_eq!(o.domain, DomainOption::Auto);
    assert_eq!(o.attribution, Attribution::LastClick);
    assert_eq!(o.same_site, SameSite::Lax);
    assert_eq!(o.secure, Secure::Auto);
    assert_eq!(o.consent, Consent::Granted);
    assert!(!o.strip_param);
    assert!(o.storage_fallback);
    assert!(!o.debug);
}

#[test]
fn lifetime_is_clamped_to_1_through_400_days() {
    for (days, expected) in [
        (0, 1),
        (1, 1),
        (30, 30),
        (400, 400),
        (401, 400),
        (u32::MAX, 400),
    ] {
        assert_eq!(clamp_days(days), expected);
        let o = Options::default().expires_in_days(days);
        assert_eq!(o.max_age_secs(), u64::from(expected) * 86_400);
    }
}

#[test]
fn an_invalid_cookie_name_falls_back_to_ta_tid() {
    for (name, used) in [
        ("my_tid", "my_tid"),
        ("a b", "ta_tid"),
        ("", "ta_tid"),
        ("a;b", "ta_tid"),
    ] {
        let o = Options::default().cookie_name(name.to_string());
        assert_eq!(o.valid_cookie_name(), used);
    }
}

#[test]
fn secure_applies_on_https_and_always_with_samesite_none() {
    use SameSite::{Lax, None, Strict};
    for (secure, https, same_site, expected) in [
        (Secure::Auto, true, Lax, true),
        (Secure::Auto, false, Lax, false),
        (Secure::Auto, false, Strict, false),
        (Secure::Always, false, Lax, true),
        (Secure::Never, true, Lax, false),
        (Secure::Never, true, None, true),
        (Secure::Never, false, None, true),
        (Secure::Auto, false, None, true),
    ] {
        assert_eq!(
            secure.applies(https, same_site),
            expected,
            "{secure:?} https={https} {same_site:?}"
        );
    }
}

#[test]
fn option_texts_parse_and_refuse_unknown_values() {
    assert_eq!(DomainOption::parse("auto"), Some(DomainOption::Auto));
    assert_eq!(DomainOption::parse("host"), Some(DomainOption::Host));
    assert_eq!(
        DomainOption::parse(" .Example.COM"),
        Some(DomainOption::Explicit("example.com".into()))
    );
    assert_eq!(DomainOption::parse(""), None);
    assert_eq!(DomainOption::parse("exa mple.com"), None);
    assert_eq!(DomainOption::parse("example.com;x"), None);

    assert_eq!(
        Attribution::parse("first-click"),
        Some(Attribution::FirstClick)
    );
    assert_eq!(
        Attribution::parse("last-click"),
        Some(Attribution::LastClick)
    );
    assert_eq!(Attribution::parse("first"), None);

    assert_eq!(SameSite::parse("STRICT"), Some(SameSite::Strict));
    assert_eq!(SameSite::parse("none"), Some(SameSite::None));
    assert_eq!(SameSite::parse("Lax"), Some(SameSite::Lax));
    assert_eq!(SameSite::parse("no"), None);

    assert_eq!(Secure::parse("true"), Some(Secure::Always));
    assert_eq!(Secure::parse("false"), Some(Secure::Never));
    assert_eq!(Secure::parse("auto"), Some(Secure::Auto));
    assert_eq!(
        Secure::parse(""),
        Some(Secure::Always),
        "a bare data-secure attribute"
    );
    assert_eq!(Secure::parse("yes"), None);

    assert_eq!(Consent::parse("pending"), Some(Consent::Pending));
    assert_eq!(Consent::parse("granted"), Some(Consent::Granted));
    assert_eq!(Consent::parse("denied"), None);

    assert_eq!(
        parse_params(" ta_tid, ref ,,"),
        Some(vec!["ta_tid".into(), "ref".into()])
    );
    assert_eq!(parse_params(" , "), None);

    assert_eq!(parse_bool(""), Some(true));
    assert_eq!(parse_bool("true"), Some(true));
    assert_eq!(parse_bool("false"), Some(false));
    assert_eq!(parse_bool("1"), None);
}
