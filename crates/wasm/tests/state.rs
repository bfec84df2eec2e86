#![cfg(not(target_arch = "wasm32"))]
//! The session's text form (`crates/wasm/src/state.rs`): the shipped `.wasm` gives its memory
//! back after every call and hands the page's session to its loader as this text, so what it
//! reads back must be the session it handed over, field by field, or a page would lose its
//! captured id, its held id or its consent between two calls.

use proptest::prelude::*;
use taapit_core::capture::{Session, Source};
use taapit_core::options::{Attribution, Consent, Options};
use taapit_wasm::state::{decode, encode};

/// The fields the text must carry, for comparing two sessions (`Session` has no `PartialEq`).
fn fields(
    session: &Session,
) -> (
    Options,
    Option<String>,
    Option<(String, Source)>,
    bool,
    bool,
) {
    (
        session.options.clone(),
        session.captured.clone(),
        session.held.clone(),
        session.revoked,
        session.strip_pending,
    )
}

#[test]
fn the_first_calls_empty_text_is_the_default_session() {
    let (session, list) = decode("");
    assert_eq!(fields(&session), fields(&Session::default()));
    assert_eq!(list, "");
}

#[test]
fn every_field_comes_back() {
    let list = "attribution\u{1}first-click\0consent\u{1}pending\0stripParam\u{1}true\0outbound\u{1}shop.example.net";
    let mut options = Options::read(list, |_| {});
    assert_eq!(
        options.attribution,
        Attribution::FirstClick,
        "the list was read"
    );
    for consent in [Consent::Granted, Consent::Pending] {
        options.consent = consent;
        for held in [
            None,
            Some(("held.Id-1".to_owned(), Source::Search)),
            Some(("h~2".to_owned(), Source::Hash)),
        ] {
            for captured in [None, Some("captured_1".to_owned())] {
                for (revoked, strip_pending) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    let session = Session {
                        options: options.clone(),
                        captured: captured.clone(),
                        held: held.clone(),
                        revoked,
                        strip_pending,
                    };
                    let text = encode(&session, list);
                    let (back, back_list) = decode(&text);
                    assert_eq!(fields(&back), fields(&session), "through {text:?}");
                    assert_eq!(back_list, list);
                }
            }
        }
    }
}

#[test]
fn consent_comes_from_the_text_not_from_the_list() {
    // grantConsent() on a page whose capture said consent "pending": the next call must see
    // it granted, though the list it reads again still says pending.
    let list = "consent\u{1}pending";
    let mut session = Session {
        options: Options::read(list, |_| {}),
        ..Session::default()
    };
    assert_eq!(session.options.consent, Consent::Pending);
    session.options.consent = Consent::Granted;
    assert_eq!(
        decode(&encode(&session, list)).0.options.consent,
        Consent::Granted
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Whatever the option list holds (a `\u{2}` included), the session and the list come back.
    #[test]
    fn any_list_and_ids_round_trip(
        list in "(\\PC|\u{1}|\u{2}|\0){0,80}",
        captured in proptest::option::of("[A-Za-z0-9._~-]{1,128}"),
        held in proptest::option::of(("[A-Za-z0-9._~-]{1,128}", prop_oneof![Just(Source::Search), Just(Source::Hash)])),
        revoked: bool,
        strip_pending: bool,
        pending: bool,
    ) {
        let mut options = Options::read(&list, |_| {});
        options.consent = if pending { Consent::Pending } else { Consent::Granted };
        let session = Session { options, captured, held, revoked, strip_pending };
        let text = encode(&session, &list);
        let (back, back_list) = decode(&text);
        prop_assert_eq!(fields(&back), fields(&session));
        prop_assert_eq!(back_list, list.as_str());
    }

    /// Any text at all decodes without panicking.
    #[test]
    fn any_text_decodes(text in "(\\PC|\u{1}|\u{2}|\0){0,200}") {
        let _ = decode(&text);
    }
}
