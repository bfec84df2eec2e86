#![cfg(not(target_arch = "wasm32"))]
//! ARCHITECTURE.md, *Capture rules*, rows `source`, `valid id`, `attribution` and `strip`, run through
//! `core::capture` on a fake browser.

mod support;

use support::fake_browser::{CookieMode, FakeBrowser, DAY_MS, T0_MS};
use support::{capture_on, debug_options, load};
use taapit_core::capture::{capture, tracking_id, Capture, Session, Source, Storage};
use taapit_core::options::{Attribution, Options};

fn with_params(params: &[&str]) -> Options {
    Options::default().params(params.iter().map(|p| p.to_string()).collect())
}

fn first_click() -> Options {
    Options::default().attribution(Attribution::FirstClick)
}

fn strip() -> Options {
    Options::default().strip_param(true)
}

// ---------------------------------------------------------------- source

#[test]
fn id_in_the_search_is_stored_in_the_cookie() {
    let (page, session, outcome) = capture_on(
        "https://shop.example.com/?ta_tid=rLnWe1uz9t282v7g",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("rLnWe1uz9t282v7g"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.visible_values("ta_tid"), ["rLnWe1uz9t282v7g"]);
    assert_eq!(
        tracking_id(&page, &session).as_deref(),
        Some("rLnWe1uz9t282v7g")
    );
}

#[test]
fn id_in_the_hash_query_is_used_for_hash_routed_apps() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/#/landing?utm=x&ta_tid=fromHash",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("fromHash"));
    assert_eq!(outcome.source, Some(Source::Hash));
    assert_eq!(page.visible_values("ta_tid"), ["fromHash"]);
}

#[test]
fn search_is_read_before_the_hash() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/?ta_tid=fromSearch#/landing?ta_tid=fromHash",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("fromSearch"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(page.visible_values("ta_tid"), ["fromSearch"]);
}

#[test]
fn an_invalid_search_value_falls_through_to_a_valid_hash_value() {
    let (_, _, outcome) = capture_on(
        "https://shop.example.com/?ta_tid=bad%3Bid#/landing?ta_tid=good",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("good"));
    assert_eq!(outcome.source, Some(Source::Hash));
}

#[test]
fn a_hash_without_a_query_part_is_not_read() {
    let (page, _, outcome) =
        capture_on("https://shop.example.com/#ta_tid=abc", &Options::default());
    assert_eq!(outcome, Capture::default());
    assert!(page.writes().is_empty());
}

#[test]
fn parameter_names_are_tried_in_option_order() {
    let url = "https://shop.example.com/?ta_tid=second&click=first";
    let (page, _, outcome) = capture_on(url, &with_params(&["click", "ta_tid"]));
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(
        page.visible_values("ta_tid"),
        ["first"],
        "the cookie name stays ta_tid"
    );
    let (_, _, outcome) = capture_on(url, &with_params(&["ta_tid", "click"]));
    assert_eq!(outcome.tracking_id.as_deref(), Some("second"));
}

#[test]
fn only_the_configured_parameter_names_are_read() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/?ta_tid=abc",
        &with_params(&["click"]),
    );
    assert_eq!(outcome.tracking_id, None);
    assert!(page.stored("ta_tid").is_empty());
}

#[test]
fn the_first_valid_of_repeated_parameters_wins() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/?ta_tid=&ta_tid=a%3Bb&ta_tid=first&ta_tid=second",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(page.visible_values("ta_tid"), ["first"]);
    assert_eq!(page.value_writes_of("ta_tid").len(), 1);
}

#[test]
fn values_are_url_decoded_before_validation() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/?ta%5Ftid=abc%2Ddef%7E",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("abc-def~"));
    assert_eq!(page.visible_values("ta_tid"), ["abc-def~"]);
}

#[test]
fn a_url_without_the_parameter_writes_nothing() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/?utm_source=mail#top",
        &Options::default(),
    );
    assert_eq!(outcome, Capture::default());
    assert!(page.writes().is_empty());
    assert!(page.jar().is_empty());
}

#[test]
fn a_later_page_without_the_parameter_reports_the_stored_id() {
    let (mut page, _, _) = capture_on(
        "https://www.shop.example.co.uk/?ta_tid=abc",
        &Options::default(),
    );
    page.clear_writes();
    let (session, outcome) = load(
        &mut page,
        "https://checkout.example.co.uk/pay",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("abc"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert!(
        page.writes().is_empty(),
        "reading the stored id writes nothing"
    );
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
}

#[test]
fn capturing_twice_on_one_page_keeps_one_cookie() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=abc");
    let mut session = Session::default();
    let first = capture(&mut page, &mut session, &Options::default());
    let second = capture(&mut page, &mut session, &Options::default());
    assert_eq!(first, second);
    assert_eq!(page.visible_values("ta_tid"), ["abc"]);
    assert_eq!(page.stored("ta_tid").len(), 1);
}

// ---------------------------------------------------------------- valid id

#[test]
fn an_id_of_128_characters_is_stored_verbatim() {
    let id = "Az09-_.~".repeat(16);
    assert_eq!(id.len(), 128);
    let (page, _, outcome) = capture_on(
        &format!("https://shop.example.com/?ta_tid={id}"),
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some(id.as_str()));
    assert_eq!(page.visible_values("ta_tid"), [id]);
}

#[test]
fn hostile_ids_are_never_written() {
    let too_long = "a".repeat(129);
    for value in [
        "a;b",
        "a%3Bb",
        "a%3B%20Domain%3Devil.com",
        "a=b",
        "a,b",
        "a%2Cb",
        "a+b",
        "a%20b",
        "a%0D%0ASet-Cookie:%20x=y",
        "%00",
        "abc%00",
        "caf%C3%A9",
        "%C3%A9",
        "%FF",
        "%zz",
        "",
        "%3Cscript%3E",
        too_long.as_str(),
    ] {
        let url = format!("https://shop.example.com/?ta_tid={value}");
        let (page, session, outcome) = capture_on(&url, &Options::default());
        assert_eq!(outcome, Capture::default(), "{value:?}");
        assert!(
            page.writes().is_empty(),
            "{value:?} wrote {:?}",
            page.writes()
        );
        assert!(page.storage_item("taapit:ta_tid").is_none(), "{value:?}");
        assert_eq!(tracking_id(&page, &session), None, "{value:?}");
    }
}

#[test]
fn an_invalid_id_never_overwrites_a_stored_cookie() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=good; Path=/; Domain=example.com; Max-Age=86400");
    for value in ["bad%3B", "", "a%20b", "%FF"] {
        let (session, outcome) = load(
            &mut page,
            &format!("https://shop.example.com/?ta_tid={value}"),
            &Options::default(),
        );
        assert_eq!(outcome.tracking_id.as_deref(), Some("good"), "{value:?}");
        assert_eq!(outcome.source, Some(Source::Stored));
        assert_eq!(tracking_id(&page, &session).as_deref(), Some("good"));
    }
    assert!(page.writes().is_empty());
    assert_eq!(page.only("ta_tid").value, "good");
}

#[test]
fn an_invalid_id_never_overwrites_a_stored_mirror() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=bad%3B");
    page.set_cookie_mode(CookieMode::Unavailable);
    let mirror = format!("good|{}", T0_MS + DAY_MS);
    page.plant_storage("taapit:ta_tid", &mirror);
    let outcome = capture(&mut page, &mut Session::default(), &Options::default());
    assert_eq!(outcome.tracking_id.as_deref(), Some("good"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert_eq!(page.storage_item("taapit:ta_tid"), Some(mirror.as_str()));
}

#[test]
fn an_invalid_stored_cookie_is_never_reported() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=a%3Bb; Path=/");
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &Options::default());
    assert_eq!(outcome.tracking_id, None);
    assert_eq!(tracking_id(&page, &session), None);
}

// ---------------------------------------------------------------- attribution

#[test]
fn last_click_replaces_the_stored_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Domain=example.com; Max-Age=86400");
    let (session, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &Options::default(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(page.visible_values("ta_tid"), ["new"]);
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("new"));
}

#[test]
fn first_click_keeps_the_stored_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Domain=example.com; Max-Age=86400");
    let (session, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &first_click(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("old"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert!(page.value_writes_of("ta_tid").is_empty());
    assert_eq!(page.visible_values("ta_tid"), ["old"]);
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("old"));
}

#[test]
fn first_click_stores_the_url_id_when_nothing_is_stored() {
    let (page, _, outcome) = capture_on("https://shop.example.com/?ta_tid=new", &first_click());
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.visible_values("ta_tid"), ["new"]);
}

#[test]
fn first_click_replaces_a_stored_value_that_is_not_a_valid_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=a%3Bb; Path=/; Domain=example.com");
    let (_, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &first_click(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert_eq!(page.visible_values("ta_tid"), ["new"]);
}

#[test]
fn first_click_keeps_an_unexpired_mirror_and_replaces_an_expired_one() {
    let mut page = FakeBrowser::new("https://shop.example.com/?ta_tid=new");
    page.set_cookie_mode(CookieMode::Unavailable);
    page.plant_storage("taapit:ta_tid", &format!("old|{}", T0_MS + 1));
    let outcome = capture(&mut page, &mut Session::default(), &first_click());
    assert_eq!(outcome.tracking_id.as_deref(), Some("old"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));

    page.advance_ms(1);
    let outcome = capture(&mut page, &mut Session::default(), &first_click());
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(page
        .storage_item("taapit:ta_tid")
        .is_some_and(|m| m.starts_with("new|")));
}

#[test]
fn first_click_with_an_expired_cookie_stores_the_new_id() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Domain=example.com; Max-Age=60");
    page.advance_ms(60_000);
    let (_, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &first_click(),
    );
    assert_eq!(outcome.tracking_id.as_deref(), Some("new"));
    assert_eq!(page.visible_values("ta_tid"), ["new"]);
}

// ---------------------------------------------------------------- strip

fn stripped(url: &str, options: &Options) -> (FakeBrowser, Capture) {
    let (page, _, outcome) = capture_on(url, options);
    (page, outcome)
}

#[test]
fn strip_removes_the_parameter_from_the_search_and_keeps_the_rest() {
    let (page, outcome) = stripped(
        "https://shop.example.com/landing/page?utm=a%20b&ta_tid=abc&ref=2#section",
        &strip(),
    );
    assert_eq!(
        page.replaced_urls(),
        ["/landing/page?utm=a%20b&ref=2#section"]
    );
    assert_eq!(page.address(), "/landing/page?utm=a%20b&ref=2#section");
    assert_eq!(
        outcome.tracking_id.as_deref(),
        Some("abc"),
        "stripping does not lose the id"
    );
    assert_eq!(page.visible_values("ta_tid"), ["abc"]);
}

#[test]
fn strip_keeps_a_path_that_starts_with_two_slashes() {
    // `//landing` alone would be read as a host (`https://landing/`) and the change refused:
    // `/.` before it is a segment the URL parser drops.
    let (page, _) = stripped("https://shop.example.com//landing?ta_tid=abc&x=1", &strip());
    assert_eq!(page.replaced_urls(), ["/.//landing?x=1"]);
}

#[test]
fn strip_drops_an_emptied_search() {
    let (page, _) = stripped("https://shop.example.com/p?ta_tid=abc", &strip());
    assert_eq!(page.replaced_urls(), ["/p"]);
}

#[test]
fn strip_removes_the_parameter_from_the_hash_query() {
    let (page, outcome) = stripped(
        "https://shop.example.com/app?x=1#/landing?ref=1&ta_tid=abc&z=2",
        &strip(),
    );
    assert_eq!(outcome.source, Some(Source::Hash));
    assert_eq!(page.address(), "/app?x=1#/landing?ref=1&z=2");
    let (page, _) = stripped("https://shop.example.com/app#/landing?ta_tid=abc", &strip());
    assert_eq!(page.address(), "/app#/landing");
}

#[test]
fn strip_leaves_no_bare_hash_when_the_hash_held_only_the_parameter() {
    let (page, _) = stripped("https://shop.example.com/app?x=1#?ta_tid=abc", &strip());
    assert_eq!(page.address(), "/app?x=1");
}

#[test]
fn strip_removes_every_occurrence_in_search_and_hash() {
    let (page, _) = stripped(
        "https://shop.example.com/p?ta_tid=a&k=v&ta_tid=b#/r?ta_tid=c",
        &strip(),
    );
    assert_eq!(page.address(), "/p?k=v#/r");
}

#[test]
fn strip_removes_an_invalid_tracking_parameter_too() {
    let (page, outcome) = stripped("https://shop.example.com/p?ta_tid=a%3Bb&k=v", &strip());
    assert_eq!(outcome.tracking_id, None);
    assert_eq!(page.address(), "/p?k=v");
}

#[test]
fn strip_removes_every_configured_parameter_name() {
    let options = Options::default()
        .params(vec!["ta_tid".into(), "click".into()])
        .strip_param(true);
    let (page, _) = stripped("https://shop.example.com/p?click=a&k=v&ta_tid=b", &options);
    assert_eq!(page.address(), "/p?k=v");
}

#[test]
fn nothing_is_replaced_without_the_option_or_without_a_parameter() {
    let (page, _) = stripped("https://shop.example.com/p?ta_tid=abc", &Options::default());
    assert!(page.replaced_urls().is_empty());
    assert_eq!(page.address(), "/p?ta_tid=abc");
    let (page, _) = stripped("https://shop.example.com/p?k=v#/r?x=1", &strip());
    assert!(page.replaced_urls().is_empty());
}

#[test]
fn a_failed_replace_is_logged_and_the_id_still_stored() {
    let mut page = FakeBrowser::new("https://shop.example.com/p?ta_tid=abc");
    page.set_replace_fails(true);
    let options = debug_options().strip_param(true);
    let outcome = capture(&mut page, &mut Session::default(), &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert!(page.logged("could not remove the tracking parameter"));
}
