#![cfg(not(target_arch = "wasm32"))]
//! The option list: how JavaScript options (the npm entry's object, the script tag's `data-`
//! attributes) reach the module as text, and how `Options::read` turns them into options.

use taapit_core::options::{parse_days, DomainOption, Options, Secure};
use taapit_core::SameSite;
use taapit_core::{Attribution, Consent};

/// The list the loader sends for `pairs` (`None`: a value that is not text, sent bare).
fn list(pairs: &[(&str, Option<&str>)]) -> String {
    let entries: Vec<String> = pairs
        .iter()
        .map(|(name, value)| match value {
            Some(value) => format!("{name}\u{1}{value}"),
            None => name.to_string(),
        })
        .collect();
    entries.join("\0")
}

fn read(pairs: &[(&str, Option<&str>)]) -> (Options, Vec<String>) {
    let mut said = Vec::new();
    let options = Options::read(&list(pairs), |parts| said.push(parts.concat()));
    (options, said)
}

#[test]
fn an_empty_list_is_the_defaults() {
    let (options, said) = read(&[]);
    assert_eq!(options, Options::default());
    assert!(said.is_empty());
    assert_eq!(
        Options::read("\0\0", |_| panic!("nothing to say")),
        Options::default()
    );
}

#[test]
fn every_option_is_read_from_its_text_form() {
    let (options, said) = read(&[
        ("params", Some("ref, ta_tid")),
        ("cookieName", Some("tid")),
        ("expiresInDays", Some("60")),
        ("domain", Some(".Example.COM")),
        ("attribution", Some("first-click")),
        ("sameSite", Some("Strict")),
        ("secure", Some("true")),
        ("consent", Some("pending")),
        ("stripParam", Some("")),
        ("storageFallback", Some("false")),
        ("debug", Some("true")),
        ("outbound", Some("shop.example.net, *.example.org")),
    ]);
    assert!(said.is_empty(), "{said:?}");
    assert_eq!(
        options,
        Options::default()
            .params(vec!["ref".into(), "ta_tid".into()])
            .cookie_name("tid".into())
            .expires_in_days(60)
            .domain(DomainOption::Explicit("example.com".into()))
            .attribution(Attribution::FirstClick)
            .same_site(SameSite::Strict)
            .secure(Secure::Always)
            .consent(Consent::Pending)
            .strip_param(true)
            .storage_fallback(false)
            .debug(true)
            .outbound(vec!["shop.example.net".into(), "*.example.org".into()])
    );
}

#[test]
fn a_refused_value_keeps_the_default_and_debug_says_which() {
    let pairs = [
        ("debug", Some("true")),
        ("expiresInDays", Some("soon")),
        ("cookieName", Some("ta;tid")),
        ("params", Some(" , ")),
        ("sameSite", Some("sometimes")),
        ("outbound", Some("https://shop.example.net/")),
        ("attribution", None),
    ];
    let (options, said) = read(&pairs);
    assert_eq!(options, Options::default().debug(true));
    assert_eq!(
        said,
        [
            "expiresInDays: refused \"soon\"; using the default",
            "cookieName: refused \"ta;tid\"; using the default",
            "params: refused \" , \"; using the default",
            "sameSite: refused \"sometimes\"; using the default",
            "outbound: refused \"https://shop.example.net/\"; using the default",
            "attribution: refused (not text); using the default",
        ]
    );
}

#[test]
fn without_debug_nothing_is_said() {
    let (options, said) = read(&[("expiresInDays", Some("soon")), ("colour", Some("red"))]);
    assert_eq!(options, Options::default());
    assert!(said.is_empty(), "{said:?}");
    // A debug value that is not a boolean leaves debug off.
    let (options, said) = read(&[("debug", Some("yes")), ("colour", Some("red"))]);
    assert!(!options.debug);
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn debug_is_read_first_wherever_it_is_in_the_list() {
    let (options, said) = read(&[("colour", Some("red")), ("debug", Some(""))]);
    assert!(options.debug, "a bare data-debug attribute means true");
    assert_eq!(said, ["colour: no such option (ignored)"]);
}

#[test]
fn a_clamped_lifetime_is_kept_clamped_and_reported() {
    let (options, said) = read(&[("debug", Some("true")), ("expiresInDays", Some("1000"))]);
    assert_eq!(options.max_age_secs(), 400 * 86_400);
    assert_eq!(said, ["expiresInDays: clamped to 1-400 days"]);
    let (options, _) = read(&[("expiresInDays", Some("0"))]);
    assert_eq!(
        options.max_age_secs(),
        86_400,
        "0 means the shortest lifetime"
    );
}

#[test]
fn the_last_of_repeated_entries_wins() {
    let (options, _) = read(&[("expiresInDays", Some("7")), ("expiresInDays", Some("9"))]);
    assert_eq!(options.expires_in_days, 9);
}

#[test]
fn days_are_read_as_javascript_writes_numbers() {
    for (text, days) in [
        ("60", Some(60)),
        ("+60", Some(60)),
        (" 60\n", Some(60)),
        ("7.5", Some(8)),
        ("7.49", Some(7)),
        (".6", Some(1)),
        ("5.", Some(5)),
        ("-1", Some(0)),
        ("-0.5", Some(0)),
        ("99999999999999999999", Some(u32::MAX)),
        ("", None),
        (".", None),
        ("-", None),
        ("12abc", None),
        ("0x10", None),
        ("1e3", None),
        ("NaN", None),
        ("Infinity", None),
        ("6 0", None),
        ("1.2.3", None),
        ("7.5x", None),
    ] {
        assert_eq!(parse_days(text), days, "{text:?}");
    }
}
