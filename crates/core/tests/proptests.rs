#![cfg(not(target_arch = "wasm32"))]
//! Property tests: the parsers take any input without panicking, and whatever the URL, the
//! engine only ever writes values that are valid ids.

mod support;

use proptest::prelude::*;
use support::fake_browser::{http_date_secs, parse_set_cookie, CookieMode, FakeBrowser};
use taapit_core::capture::{capture, tracking_id, Session, Source};
use taapit_core::cookie::{push_http_date, values_of};
use taapit_core::domain::{candidates, covers, host_kind};
use taapit_core::id::is_valid_id;
use taapit_core::mirror;
use taapit_core::options::{Attribution, Consent, DomainOption, Options, Secure};
use taapit_core::query::{decode_component, find_id, strip_params};
use taapit_core::SameSite;

const ID: &str = "[A-Za-z0-9._~-]{1,128}";

/// Query-string-ish text: tracking pairs with awkward values, other pairs, and noise.
fn query_text() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => Just("ta_tid".to_string()),
        1 => Just("ta%5Ftid".to_string()),
        1 => Just("ref".to_string()),
        1 => "[a-z_%+=]{0,6}",
    ];
    let value = prop_oneof![
        ID,
        "[A-Za-z0-9._~-]{129,140}",
        "[ -~]{0,20}",
        "(%[0-9A-Fa-f]{2}|[a-z+]){0,10}",
        any::<String>(),
    ];
    let pair = (name, value).prop_map(|(n, v)| format!("{n}={v}"));
    prop_oneof![
        3 => prop::collection::vec(pair, 0..5).prop_map(|pairs| format!("?{}", pairs.join("&"))),
        1 => any::<String>(),
    ]
}

fn hash_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        query_text().prop_map(|q| format!("#/landing{q}")),
        any::<String>(),
    ]
}

fn names() -> Vec<String> {
    vec!["ta_tid".to_string()]
}

proptest! {
    #[test]
    fn values_of_takes_any_jar(jar in any::<String>(), name in any::<String>()) {
        for value in values_of(&jar, &name) {
            prop_assert!(!value.contains(';'));
            prop_assert_eq!(value.trim(), value);
        }
    }

    #[test]
    fn values_of_finds_every_written_value(ids in prop::collection::vec(ID, 0..5)) {
        let jar: Vec<String> = ids.iter().map(|id| format!("ta_tid={id}; x=1")).collect();
        let jar = jar.join("; ");
        let found: Vec<&str> = values_of(&jar, "ta_tid").collect();
        prop_assert_eq!(found, ids.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn find_id_only_returns_valid_ids(search in query_text(), hash in hash_text()) {
        let found = find_id(&search, &hash, &names());
        if let Some((id, _)) = found.id {
            prop_assert!(is_valid_id(&id), "{:?}", id);
        }
    }

    #[test]
    fn find_id_takes_any_text(search in any::<String>(), hash in any::<String>(), name in any::<String>()) {
        let _ = find_id(&search, &hash, &[name]);
    }

    #[test]
    fn decode_component_takes_any_text(raw in any::<String>()) {
        let decoded = decode_component(&raw);
        if !raw.contains(['%', '+']) {
            prop_assert_eq!(decoded.as_deref(), Some(raw.as_str()));
        }
    }

    #[test]
    fn percent_encoded_ids_decode_to_themselves(id in ID) {
        let encoded: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
        prop_assert_eq!(decode_component(&encoded), Some(id.clone()));
        let found = find_id(&format!("?ta_tid={encoded}"), "", &names());
        prop_assert_eq!(found.id.map(|(id, _)| id), Some(id));
    }

    #[test]
    fn strip_params_leaves_no_tracking_parameter_and_keeps_the_others(
        search in "[^#]{0,40}".prop_map(|s| format!("?{s}")),
        extra in query_text().prop_map(|q| q.replace('#', "")),
        hash in hash_text().prop_map(|h| if h.is_empty() || h.starts_with('#') { h } else { format!("#{h}") }),
    ) {
        let search = format!("{search}&{}", extra.trim_start_matches('?'));
        let Some(url) = strip_params("/p", &search, &hash, &names()) else {
            return Ok(());
        };
        let url = url.strip_prefix("/p").expect("the path is kept");
        let (new_search, new_hash) = match url.find('#') {
            Some(i) => (&url[..i], &url[i..]),
            None => (url, ""),
        };
        let left = find_id(new_search, new_hash, &names());
        prop_assert_eq!(left.id, None);
        prop_assert_eq!(left.rejected, 0);
        prop_assert_eq!(strip_params("/p", new_search, new_hash, &names()), None);
        let others = |q: &str| -> Vec<String> {
            q.strip_prefix('?').unwrap_or(q)
                .split('&')
                .filter(|p| !p.is_empty())
                .filter(|p| {
                    let n = p.split_once('=').map_or(*p, |(n, _)| n);
                    decode_component(n).as_deref() != Some("ta_tid")
                })
                .map(str::to_owned)
                .collect()
        };
        prop_assert_eq!(others(new_search), others(&search));
    }

    #[test]
    fn strip_params_takes_any_text(path in any::<String>(), search in any::<String>(), hash in any::<String>()) {
        let _ = strip_params(&path, &search, &hash, &names());
    }

    #[test]
    fn mirror_decode_takes_any_text(text in any::<String>(), now in any::<u64>()) {
        if let Some((id, expires)) = mirror::decode(&text, now) {
            prop_assert!(is_valid_id(id));
            prop_assert!(expires > now);
        }
    }

    #[test]
    fn mirror_round_trips_until_expiry(id in ID, expires in any::<u64>(), now in any::<u64>()) {
        let text = mirror::encode(&id, expires);
        let expected = (now < expires).then_some((id.as_str(), expires));
        prop_assert_eq!(mirror::decode(&text, now), expected);
    }

    #[test]
    fn candidates_take_any_text(host in any::<String>()) {
        let _ = host_kind(&host);
        let _ = candidates(&host).count();
    }

    #[test]
    fn candidates_are_parents_of_the_host_shortest_first(
        host in "([a-z0-9-]{1,8}\\.){1,5}[a-z]{2,6}",
    ) {
        let list: Vec<&str> = candidates(&host).collect();
        prop_assert_eq!(list.last(), Some(&host.as_str()));
        prop_assert_eq!(list[0].matches('.').count(), 1, "starts from the last two labels");
        for pair in list.windows(2) {
            prop_assert!(pair[0].len() < pair[1].len());
        }
        for c in &list {
            prop_assert!(covers(c, &host), "{} does not cover {}", c, host);
        }
    }

    #[test]
    fn http_dates_parse_back_to_their_time(secs in 0u64..=253_402_300_799) {
        let mut s = String::new();
        push_http_date(&mut s, secs);
        prop_assert_eq!(http_date_secs(&s), Some(secs), "{}", s);
    }
}

// ---------------------------------------------------------------- the engine

const HOSTS: &[&str] = &[
    "shop.example.com",
    "www.shop.example.co.uk",
    "alice.github.io",
    "example.com",
    "localhost",
    "app.localhost",
    "127.0.0.1",
    "[::1]",
    "intranet",
    "example.com.",
];

fn options() -> impl Strategy<Value = Options> {
    (
        prop_oneof![
            Just(DomainOption::Auto),
            Just(DomainOption::Host),
            Just(DomainOption::Explicit("example.com".into())),
            Just(DomainOption::Explicit("other.org".into())),
            Just(DomainOption::Explicit("co.uk".into())),
        ],
        prop_oneof![Just(Attribution::LastClick), Just(Attribution::FirstClick)],
        prop_oneof![Just(Consent::Granted), Just(Consent::Pending)],
        prop_oneof![
            Just(SameSite::Lax),
            Just(SameSite::Strict),
            Just(SameSite::None)
        ],
        prop_oneof![
            Just(Secure::Auto),
            Just(Secure::Always),
            Just(Secure::Never)
        ],
        any::<u32>(),
        any::<[bool; 3]>(),
    )
        .prop_map(
            |(domain, attribution, consent, same_site, secure, days, [strip, fallback, debug])| {
                Options::default()
                    .domain(domain)
                    .attribution(attribution)
                    .consent(consent)
                    .same_site(same_site)
                    .secure(secure)
                    .expires_in_days(days)
                    .strip_param(strip)
                    .storage_fallback(fallback)
                    .debug(debug)
            },
        )
}

fn cookie_mode() -> impl Strategy<Value = CookieMode> {
    prop_oneof![
        4 => Just(CookieMode::Enabled),
        1 => Just(CookieMode::Unavailable),
        1 => Just(CookieMode::Ignored),
        1 => Just(CookieMode::DomainRefused),
    ]
}

/// A `Set-Cookie` string with nothing but printable ASCII: no CR, LF, NUL or non-ASCII can
/// have been smuggled into it.
fn is_clean_header(line: &str) -> bool {
    line.bytes().all(|b| (b' '..=b'~').contains(&b))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_engine_only_ever_writes_valid_ids(
        host in prop::sample::select(HOSTS),
        https in any::<bool>(),
        search in query_text(),
        hash in hash_text(),
        options in options(),
        mode in cookie_mode(),
        storage in any::<bool>(),
        stale in prop::option::of("[!-:<-~]{0,12}"),
    ) {
        let scheme = if https { "https" } else { "http" };
        let mut page = FakeBrowser::new(&format!("{scheme}://{host}/p"));
        page.set_cookie_mode(mode);
        page.set_storage_available(storage);
        if let Some(value) = &stale {
            page.plant_cookie(&format!("ta_tid={value}; Path=/; Max-Age=86400"));
        }
        page.location_mut().search = search.clone();
        page.location_mut().hash = hash.clone();
        let found = find_id(&search, &hash, &options.params);

        let mut session = Session::default();
        let outcome = capture(&mut page, &mut session, &options);

        for line in page.writes() {
            prop_assert!(is_clean_header(line), "unclean write {:?}", line);
            let cookie = parse_set_cookie(line);
            prop_assert!(cookie.is_some(), "unparsable write {:?}", line);
            let cookie = cookie.unwrap();
            let deletion = cookie.value.is_empty() && cookie.max_age == Some(0);
            prop_assert!(
                deletion || is_valid_id(&cookie.value),
                "wrote a value that is not a valid id: {:?}",
                line
            );
            if cookie.name == "ta_tid" && !deletion {
                prop_assert_eq!(
                    Some(cookie.value.as_str()),
                    found.id.as_ref().map(|(id, _)| id.as_str()),
                    "wrote an id that is not the URL's"
                );
            }
        }
        if found.id.is_none() {
            prop_assert!(page.value_writes_of("ta_tid").is_empty());
        }
        if let Some(text) = page.storage_item("taapit:ta_tid") {
            let (id, _) = text.rsplit_once('|').expect("mirror format");
            prop_assert!(is_valid_id(id), "mirror holds {:?}", text);
        }
        for c in page.stored("ta_tid") {
            let planted = stale.as_deref() == Some(c.value.as_str());
            prop_assert!(planted || is_valid_id(&c.value), "jar holds {:?}", c.value);
        }
        if let Some(id) = &outcome.tracking_id {
            prop_assert!(is_valid_id(id));
            if matches!(outcome.source, Some(Source::Search | Source::Hash)) {
                prop_assert_eq!(Some(id), found.id.as_ref().map(|(id, _)| id));
            }
        }
        if let Some(id) = tracking_id(&page, &session) {
            prop_assert!(is_valid_id(&id), "reported {:?}", id);
        }
    }
}
