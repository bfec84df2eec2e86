#![cfg(not(target_arch = "wasm32"))]
//! ARCHITECTURE.md, *Capture rules*, rows `fallback`, `read`, `consent` and `errors` (debug logging), plus
//! `clear`, run through `core::capture` on a fake browser.

mod support;

use support::fake_browser::{CookieMode, FakeBrowser, DAY_MS, T0_MS};
use support::{capture_on, debug_options, load};
use taapit_core::capture::{
    capture, clear, grant_consent, revoke_consent, tracking_id, Capture, Session, Source, Storage,
};
use taapit_core::options::{Attribution, Consent, DomainOption, Options};
use taapit_core::SameSite;

const MIRROR: &str = "taapit:ta_tid";

fn pending() -> Options {
    Options::default().consent(Consent::Pending)
}

fn unavailable(url: &str) -> FakeBrowser {
    let mut page = FakeBrowser::new(url);
    page.set_cookie_mode(CookieMode::Unavailable);
    page
}

// ---------------------------------------------------------------- fallback

#[test]
fn unavailable_cookies_fall_back_to_a_mirror_with_its_expiry() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &Options::default());
    let expires = T0_MS + 90 * DAY_MS;
    assert_eq!(
        outcome,
        Capture {
            tracking_id: Some("abc".into()),
            source: Some(Source::Search),
            storage: Some(Storage::LocalStorage),
            domain: None,
            expires_at_ms: Some(expires),
        }
    );
    assert_eq!(
        page.storage_item(MIRROR),
        Some(format!("abc|{expires}").as_str())
    );
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
}

#[test]
fn the_mirror_follows_the_lifetime_option() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let options = Options::default().expires_in_days(1000);
    capture(&mut page, &mut Session::default(), &options);
    assert_eq!(
        page.storage_item(MIRROR),
        Some(format!("abc|{}", T0_MS + 400 * DAY_MS).as_str())
    );
}

#[test]
fn cookies_silently_ignored_fall_back_to_the_mirror() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    page.set_cookie_mode(CookieMode::Ignored);
    let outcome = capture(&mut page, &mut Session::default(), &Options::default());
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(page
        .storage_item(MIRROR)
        .is_some_and(|m| m.starts_with("abc|")));
}

#[test]
fn a_file_page_falls_back_to_the_mirror() {
    let (page, _, outcome) = capture_on(
        "file:///home/me/landing.html?ta_tid=abc",
        &Options::default(),
    );
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(page.storage_item(MIRROR).is_some());
}

#[test]
fn the_mirror_survives_page_loads_until_it_expires() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    capture(&mut page, &mut Session::default(), &Options::default());
    let (session, outcome) = load(
        &mut page,
        "https://shop.example.com/cart",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("abc"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert_eq!(outcome.expires_at_ms, Some(T0_MS + 90 * DAY_MS));
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));

    page.advance_ms(90 * DAY_MS);
    assert_eq!(tracking_id(&page, &Session::default()), None);
}

#[test]
fn without_cookies_or_storage_the_id_lives_in_memory_for_the_page() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    page.set_storage_available(false);
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &Options::default());
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(outcome.expires_at_ms, None);
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
    // A new page load has no memory of it.
    assert_eq!(tracking_id(&page, &Session::default()), None);
}

#[test]
fn storage_fallback_off_keeps_the_id_in_memory_only() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let options = Options::default().storage_fallback(false);
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &options);
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(page.storage_item(MIRROR), None);
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
}

#[test]
fn a_cookie_write_that_sticks_removes_the_old_mirror() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=new");
    page.plant_storage(MIRROR, &format!("old|{}", T0_MS + DAY_MS));
    let outcome = capture(&mut page, &mut Session::default(), &Options::default());
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.storage_item(MIRROR), None);
}

#[test]
fn the_mirror_key_follows_the_cookie_name() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let options = Options::default().cookie_name("my_tid".into());
    capture(&mut page, &mut Session::default(), &options);
    assert!(page.storage_item("taapit:my_tid").is_some());
    assert_eq!(page.storage_item(MIRROR), None);
}

#[test]
fn last_click_overwrites_the_mirror() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=new");
    page.plant_storage(MIRROR, &format!("old|{}", T0_MS + DAY_MS));
    let outcome = capture(&mut page, &mut Session::default(), &Options::default());
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert!(page
        .storage_item(MIRROR)
        .is_some_and(|m| m.starts_with("new|")));
}

// ---------------------------------------------------------------- read order

#[test]
fn read_prefers_the_cookie_over_the_mirror() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=fromCookie; Path=/; Max-Age=86400");
    page.plant_storage(MIRROR, &format!("fromMirror|{}", T0_MS + DAY_MS));
    let session = Session {
        captured: Some("fromMemory".into()),
        ..Session::default()
    };
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("fromCookie"));
}

#[test]
fn read_uses_the_mirror_when_there_is_no_valid_cookie() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_storage(MIRROR, &format!("fromMirror|{}", T0_MS + DAY_MS));
    let session = Session {
        captured: Some("fromMemory".into()),
        ..Session::default()
    };
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("fromMirror"));
    page.plant_cookie("ta_tid=not%20valid; Path=/");
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("fromMirror"));
}

#[test]
fn read_skips_an_expired_or_tampered_mirror_for_the_captured_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    let session = Session {
        captured: Some("fromMemory".into()),
        ..Session::default()
    };
    for mirror in [
        format!("fromMirror|{T0_MS}"),
        "a;b|99999999999999".to_string(),
        "fromMirror".to_string(),
    ] {
        page.plant_storage(MIRROR, &mirror);
        assert_eq!(
            tracking_id(&page, &session).as_deref(),
            Some("fromMemory"),
            "{mirror}"
        );
    }
}

#[test]
fn read_falls_through_an_expired_cookie() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=fromCookie; Path=/; Max-Age=60");
    page.plant_storage(MIRROR, &format!("fromMirror|{}", T0_MS + DAY_MS));
    page.advance_ms(60_000);
    assert_eq!(
        tracking_id(&page, &Session::default()).as_deref(),
        Some("fromMirror")
    );
}

#[test]
fn read_gives_nothing_when_nothing_valid_is_kept() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    assert_eq!(tracking_id(&page, &Session::default()), None);
    page.plant_cookie("ta_tid=a%3Bb; Path=/");
    page.plant_storage(MIRROR, "a;b|99999999999999");
    assert_eq!(tracking_id(&page, &Session::default()), None);
    page.set_cookie_mode(CookieMode::Unavailable);
    page.set_storage_available(false);
    assert_eq!(tracking_id(&page, &Session::default()), None);
}

#[test]
fn read_uses_the_mirror_when_cookies_are_unavailable() {
    let mut page = unavailable("https://shop.example.com/");
    page.plant_storage(MIRROR, &format!("fromMirror|{}", T0_MS + DAY_MS));
    assert_eq!(
        tracking_id(&page, &Session::default()).as_deref(),
        Some("fromMirror")
    );
}

// ---------------------------------------------------------------- consent

#[test]
fn pending_consent_keeps_the_id_in_memory_only() {
    let (page, session, outcome) = capture_on("https://shop.example.com/?ta_tid=abc", &pending());
    assert_eq!(
        outcome,
        Capture {
            tracking_id: Some("abc".into()),
            source: Some(Source::Search),
            storage: Some(Storage::Memory),
            domain: None,
            expires_at_ms: None,
        }
    );
    assert!(page.writes().is_empty(), "{:?}", page.writes());
    assert!(page.jar().is_empty());
    assert_eq!(page.storage_item(MIRROR), None);
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
}

#[test]
fn pending_consent_does_not_use_the_mirror_either() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &pending());
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(page.storage_item(MIRROR), None);
}

#[test]
fn grant_consent_persists_the_held_id_with_its_source() {
    let mut page = FakeBrowser::new("https://shop.example.com/#/landing?ta_tid=abc");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending());
    let outcome = grant_consent(&mut page, &mut session);
    assert_eq!(outcome.tracking_id.as_deref(), Some("abc"));
    assert_eq!(outcome.source, Some(Source::Hash));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain.as_deref(), Some("example.com"));
    let c = page.only("ta_tid");
    assert_eq!(c.value, "abc");
    assert_eq!(c.expires_ms, Some(T0_MS + 90 * DAY_MS));
    // A new page load still finds it.
    assert_eq!(
        tracking_id(&page, &Session::default()).as_deref(),
        Some("abc")
    );
}

#[test]
fn grant_consent_uses_the_options_of_the_capture() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    let options = Options::default()
        .consent(Consent::Pending)
        .expires_in_days(10)
        .same_site(SameSite::Strict)
        .domain(DomainOption::Host);
    capture(&mut page, &mut session, &options);
    grant_consent(&mut page, &mut session);
    let c = page.only("ta_tid");
    assert_eq!(c.expires_ms, Some(T0_MS + 10 * DAY_MS));
    assert_eq!(c.same_site, Some("Strict"));
    assert!(c.host_only);
}

#[test]
fn grant_consent_falls_back_to_the_mirror_when_cookies_are_unavailable() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending());
    let outcome = grant_consent(&mut page, &mut session);
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(page.storage_item(MIRROR).is_some());
}

#[test]
fn grant_consent_without_a_held_id_writes_nothing() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=stored; Path=/; Max-Age=86400");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending());
    let outcome = grant_consent(&mut page, &mut session);
    assert_eq!(outcome.tracking_id.as_deref(), Some("stored"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert!(page.writes().is_empty());
    // Granting twice does not write again.
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending());
    grant_consent(&mut page, &mut session);
    page.clear_writes();
    let again = grant_consent(&mut page, &mut session);
    assert_eq!(again.tracking_id.as_deref(), Some("abc"));
    assert!(page.writes().is_empty());
}

#[test]
fn revoke_consent_deletes_every_copy_and_the_mirror() {
    let mut page = FakeBrowser::new("https://www.shop.example.com/");
    page.plant_cookie("ta_tid=a; Path=/; Max-Age=86400");
    page.plant_cookie("ta_tid=b; Path=/; Domain=example.com; Max-Age=86400");
    page.plant_cookie("ta_tid=c; Path=/; Domain=shop.example.com; Max-Age=86400; Secure");
    page.plant_cookie("ta_tid=d; Path=/; Domain=www.shop.example.com; Max-Age=86400");
    page.plant_storage(MIRROR, &format!("m|{}", T0_MS + DAY_MS));
    let mut session = Session::default();
    revoke_consent(&mut page, &mut session);
    assert!(page.stored("ta_tid").is_empty(), "{:#?}", page.jar());
    assert_eq!(page.storage_item(MIRROR), None);
    assert_eq!(tracking_id(&page, &session), None);
}

#[test]
fn revoke_consent_deletes_the_copy_on_an_explicit_domain() {
    let mut page = FakeBrowser::new("https://www.shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    let options = Options::default().domain(DomainOption::Explicit("shop.example.com".into()));
    capture(&mut page, &mut session, &options);
    assert_eq!(page.only("ta_tid").domain, "shop.example.com");
    revoke_consent(&mut page, &mut session);
    assert!(page.stored("ta_tid").is_empty());
}

#[test]
fn after_revoke_later_captures_stay_in_memory_until_granted() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=first");
    let mut session = Session::default();
    capture(&mut page, &mut session, &Options::default());
    revoke_consent(&mut page, &mut session);
    assert_eq!(tracking_id(&page, &session), None);

    page.navigate("https://shop.example.com/?ta_tid=second");
    page.clear_writes();
    let outcome = capture(&mut page, &mut session, &Options::default());
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert!(page.writes().is_empty());
    assert!(page.stored("ta_tid").is_empty());
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("second"));

    let outcome = grant_consent(&mut page, &mut session);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.visible_values("ta_tid"), ["second"]);

    // Granted again: later captures persist at once.
    page.navigate("https://shop.example.com/?ta_tid=third");
    let outcome = capture(&mut page, &mut session, &Options::default());
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.visible_values("ta_tid"), ["third"]);
}

#[test]
fn revoke_consent_removes_the_mirror_when_cookies_are_unavailable() {
    let mut page = unavailable("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    capture(&mut page, &mut session, &Options::default());
    assert!(page.storage_item(MIRROR).is_some());
    revoke_consent(&mut page, &mut session);
    assert_eq!(page.storage_item(MIRROR), None);
    assert_eq!(tracking_id(&page, &session), None);
}

#[test]
fn first_click_under_pending_consent_keeps_the_stored_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Domain=example.com; Max-Age=86400");
    let options = pending().attribution(Attribution::FirstClick);
    let (mut session, outcome) = load(&mut page, "https://shop.example.com/?ta_tid=new", &options);
    assert_eq!(outcome.tracking_id.as_deref(), Some("old"));
    let granted = grant_consent(&mut page, &mut session);
    assert_eq!(granted.tracking_id.as_deref(), Some("old"));
    assert_eq!(page.visible_values("ta_tid"), ["old"]);
}

#[test]
fn first_click_keeps_the_first_id_held_for_consent_over_a_later_one() {
    // A single-page app's router captures again with another id while consent is pending:
    // the held first id stays, and the grant stores it.
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=first");
    let mut session = Session::default();
    let options = pending().attribution(Attribution::FirstClick);
    capture(&mut page, &mut session, &options);
    page.navigate("https://shop.example.com/next?ta_tid=second");
    let again = capture(&mut page, &mut session, &options);
    assert_eq!(again.tracking_id.as_deref(), Some("first"));
    assert_eq!(again.storage, Some(Storage::Memory));
    let granted = grant_consent(&mut page, &mut session);
    assert_eq!(granted.tracking_id.as_deref(), Some("first"));
    assert_eq!(page.visible_values("ta_tid"), ["first"]);
}

// ---------------------------------------------------------------- clear

#[test]
fn clear_removes_cookie_mirror_and_memory() {
    let mut page = FakeBrowser::new("https://www.shop.example.co.uk/?ta_tid=abc");
    page.plant_cookie("ta_tid=stale; Path=/; Max-Age=86400");
    page.plant_storage(MIRROR, &format!("m|{}", T0_MS + DAY_MS));
    let mut session = Session::default();
    capture(&mut page, &mut session, &Options::default());
    clear(&mut page, &mut session);
    assert!(page.stored("ta_tid").is_empty(), "{:#?}", page.jar());
    assert_eq!(page.storage_item(MIRROR), None);
    assert_eq!(session.captured, None);
    assert_eq!(tracking_id(&page, &session), None);
}

#[test]
fn clear_forgets_an_id_held_for_consent() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending());
    clear(&mut page, &mut session);
    assert_eq!(tracking_id(&page, &session), None);
    let outcome = grant_consent(&mut page, &mut session);
    assert_eq!(outcome.tracking_id, None);
    assert!(page.stored("ta_tid").is_empty());
}

// ---------------------------------------------------------------- debug logs

/// A page set up so that something is not stored, and the phrase its log must contain.
fn scenarios() -> Vec<(&'static str, FakeBrowser, Options, &'static str)> {
    let o = Options::default;
    let mut v = vec![
        (
            "invalid parameter",
            FakeBrowser::new("https://shop.example.com/?ta_tid=a%3Bb"),
            o(),
            "an id that is not valid",
        ),
        (
            "cookies unavailable",
            unavailable("https://shop.example.com/?ta_tid=abc"),
            o(),
            "cookies unavailable",
        ),
        (
            "first-click keeps stored",
            {
                let mut p = FakeBrowser::new("https://shop.example.com/?ta_tid=new");
                p.plant_cookie("ta_tid=old; Path=/");
                p
            },
            o().attribution(Attribution::FirstClick),
            "first-click",
        ),
        (
            "consent pending",
            FakeBrowser::new("https://shop.example.com/?ta_tid=abc"),
            pending(),
            "consent pending",
        ),
        (
            "explicit domain not covering",
            FakeBrowser::new("https://shop.example.com/?ta_tid=abc"),
            o().domain(DomainOption::Explicit("other.com".into())),
            "the host is not under",
        ),
        (
            "samesite none on http",
            FakeBrowser::new("http://shop.example.com/?ta_tid=abc"),
            o().same_site(SameSite::None),
            "SameSite=None",
        ),
        (
            "storage fallback off",
            unavailable("https://shop.example.com/?ta_tid=abc"),
            o().storage_fallback(false),
            "storageFallback off",
        ),
    ];
    let mut ignored = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    ignored.set_cookie_mode(CookieMode::Ignored);
    v.push(("cookies ignored", ignored, o(), "refused the cookie"));
    let mut nothing = unavailable("https://shop.example.com/?ta_tid=abc");
    nothing.set_storage_available(false);
    v.push((
        "no storage at all",
        nothing,
        o(),
        "localStorage unavailable",
    ));
    v
}

#[test]
fn debug_logs_say_why_the_id_was_not_stored() {
    for (name, mut page, options, phrase) in scenarios() {
        let options = options.debug(true);
        capture(&mut page, &mut Session::default(), &options);
        let logs = page.logs();
        assert!(
            logs.iter().any(|l| l.contains(phrase)),
            "{name}: no log containing {phrase:?} in {logs:?}"
        );
        assert!(
            logs.iter().all(|l| l.starts_with("[taapit]")),
            "{name}: {logs:?}"
        );
    }
}

#[test]
fn without_debug_nothing_is_logged() {
    for (name, mut page, options, _) in scenarios() {
        assert!(!options.debug);
        capture(&mut page, &mut Session::default(), &options);
        assert!(page.logs().is_empty(), "{name}: {:?}", page.logs());
    }
}

#[test]
fn debug_logs_name_the_ignored_first_click_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/");
    let options = debug_options().attribution(Attribution::FirstClick);
    load(
        &mut page,
        "https://shop.example.com/?ta_tid=newId",
        &options,
    );
    assert!(page.logged("newId"), "{:?}", page.logs());
}

// ---------------------------------------------------------------- strip and storage

fn pending_strip() -> Options {
    pending().strip_param(true)
}

#[test]
fn strip_waits_for_consent_so_a_reload_before_it_still_finds_the_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/p?ta_tid=abc&k=v");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending_strip());
    assert_eq!(page.address(), "/p?ta_tid=abc&k=v", "held in memory only");
    assert!(page.replaced_urls().is_empty());
    let granted = grant_consent(&mut page, &mut session);
    assert_eq!(granted.storage, Some(Storage::Cookie));
    assert_eq!(page.address(), "/p?k=v", "stored: now the parameter can go");
}

#[test]
fn a_strip_waiting_for_consent_goes_with_a_later_capture_that_does_not_ask_for_it() {
    let mut page = FakeBrowser::new("https://shop.example.com/p?ta_tid=abc&k=v");
    let mut session = Session::default();
    capture(&mut page, &mut session, &pending_strip());
    revoke_consent(&mut page, &mut session);
    page.navigate("https://shop.example.com/other?ta_tid=def&y=2");
    // Revoked: held in memory; the options no longer strip.
    capture(&mut page, &mut session, &Options::default());
    let granted = grant_consent(&mut page, &mut session);
    assert_eq!(granted.tracking_id.as_deref(), Some("def"));
    assert_eq!(page.address(), "/other?ta_tid=def&y=2", "not stripped");
}

#[test]
fn strip_keeps_the_parameter_when_the_id_could_only_be_kept_in_memory() {
    let mut page = unavailable("https://shop.example.com/p?ta_tid=abc");
    page.set_storage_available(false);
    let options = Options::default().strip_param(true);
    let (_, outcome) = load(&mut page, "https://shop.example.com/p?ta_tid=abc", &options);
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(page.address(), "/p?ta_tid=abc");
}

#[test]
fn strip_removes_the_parameter_once_the_mirror_holds_the_id() {
    let mut page = unavailable("https://shop.example.com/p?ta_tid=abc");
    let options = Options::default().strip_param(true);
    let (_, outcome) = load(&mut page, "https://shop.example.com/p?ta_tid=abc", &options);
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert_eq!(page.address(), "/p");
}

#[test]
fn first_click_moves_a_mirrored_id_into_the_cookie_once_cookies_work() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_storage(MIRROR, &format!("first|{}", T0_MS + DAY_MS));
    let options = Options::default().attribution(Attribution::FirstClick);
    let (session, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=second",
        &options,
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(
        page.visible_values("ta_tid"),
        ["first"],
        "the backend reads the cookie"
    );
    assert_eq!(page.storage_item(MIRROR), None, "one copy");
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("first"));
}

#[test]
fn first_click_leaves_a_mirrored_id_in_the_mirror_while_consent_is_pending() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_storage(MIRROR, &format!("first|{}", T0_MS + DAY_MS));
    let options = pending().attribution(Attribution::FirstClick);
    let (_, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=second",
        &options,
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(page.visible_values("ta_tid").is_empty());
}
