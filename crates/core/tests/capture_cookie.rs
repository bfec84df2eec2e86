#![cfg(not(target_arch = "wasm32"))]
//! ARCHITECTURE.md, *Capture rules*, rows `cookie`, `domain auto`, `domain explicit` and `one copy`, run through
//! `core::capture` on a fake browser that enforces the jar rules (public suffixes, Secure,
//! SameSite=None, host-only vs domain cookies).

mod support;

use support::fake_browser::{http_date_secs, CookieMode, FakeBrowser, DAY_MS, T0_MS};
use support::{capture_on, debug_options, load};
use taapit_core::capture::{capture, tracking_id, Session, Storage};
use taapit_core::options::{DomainOption, Options, Secure};
use taapit_core::{SameSite, Source};

fn explicit(domain: &str) -> Options {
    Options::default().domain(DomainOption::Explicit(domain.to_string()))
}

// ---------------------------------------------------------------- cookie attributes

#[test]
fn default_cookie_has_path_90_days_lax_and_secure_on_https() {
    let (page, _, outcome) = capture_on(
        "https://shop.example.com/deep/page?ta_tid=abc",
        &Options::default(),
    );
    let writes = page.value_writes_of("ta_tid");
    assert_eq!(writes.len(), 1);
    let w = &writes[0];
    assert_eq!(w.value, "abc");
    assert_eq!(w.path.as_deref(), Some("/"));
    assert_eq!(w.max_age, Some(90 * 86_400));
    assert_eq!(w.expires.as_deref(), Some("Mon, 12 Feb 2024 22:13:20 GMT"));
    assert_eq!(w.same_site, Some("Lax"));
    assert!(w.secure);

    let c = page.only("ta_tid");
    assert_eq!(c.path, "/", "the cookie is for the whole site, not /deep");
    assert_eq!(c.expires_ms, Some(T0_MS + 90 * DAY_MS));
    assert_eq!(c.same_site, Some("Lax"));
    assert!(c.secure);
    assert_eq!(outcome.expires_at_ms, Some(T0_MS + 90 * DAY_MS));
}

#[test]
fn max_age_is_days_times_86400_clamped_with_a_matching_expires() {
    for (days, effective) in [
        (0u32, 1u64),
        (1, 1),
        (30, 30),
        (90, 90),
        (400, 400),
        (401, 400),
        (u32::MAX, 400),
    ] {
        let mut page = FakeBrowser::new("https://example.com/?ta_tid=abc");
        // A clock that is not on a whole second.
        page.set_now_ms(T0_MS + 123_456);
        let options = Options::default().expires_in_days(days);
        let outcome = capture(&mut page, &mut Session::default(), &options);
        let w = &page.value_writes_of("ta_tid")[0];
        let max_age = effective * 86_400;
        assert_eq!(w.max_age, Some(max_age as i64), "days={days}");
        let expires = http_date_secs(w.expires.as_deref().unwrap())
            .unwrap_or_else(|| panic!("bad Expires {:?}", w.expires));
        assert_eq!(expires, (T0_MS + 123_456) / 1000 + max_age, "days={days}");
        assert_eq!(
            page.only("ta_tid").expires_ms,
            Some(T0_MS + 123_456 + max_age * 1000)
        );
        assert_eq!(
            outcome.expires_at_ms,
            Some(T0_MS + 123_456 + max_age * 1000)
        );
    }
}

#[test]
fn the_cookie_expires_after_its_lifetime() {
    let options = Options::default().expires_in_days(7);
    let (mut page, _, _) = capture_on("https://example.com/?ta_tid=abc", &options);
    page.advance_ms(7 * DAY_MS - 1);
    assert_eq!(page.visible_values("ta_tid"), ["abc"]);
    page.advance_ms(1);
    assert!(page.visible_values("ta_tid").is_empty());
    assert_eq!(tracking_id(&page, &Session::default()), None);
}

#[test]
fn same_site_follows_the_option() {
    for (same_site, written) in [
        (SameSite::Lax, "Lax"),
        (SameSite::Strict, "Strict"),
        (SameSite::None, "None"),
    ] {
        let options = Options::default().same_site(same_site);
        let (page, _, outcome) = capture_on("https://example.com/?ta_tid=abc", &options);
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{written}");
        assert_eq!(page.only("ta_tid").same_site, Some(written));
    }
}

#[test]
fn secure_follows_the_option_and_the_scheme() {
    for (url, secure, expected) in [
        ("https://example.com/?ta_tid=abc", Secure::Auto, true),
        ("http://example.com/?ta_tid=abc", Secure::Auto, false),
        ("https://example.com/?ta_tid=abc", Secure::Always, true),
        ("https://example.com/?ta_tid=abc", Secure::Never, false),
        ("http://example.com/?ta_tid=abc", Secure::Never, false),
    ] {
        let options = Options::default().secure(secure);
        let (page, _, outcome) = capture_on(url, &options);
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{url} {secure:?}");
        assert_eq!(page.only("ta_tid").secure, expected, "{url} {secure:?}");
        assert_eq!(page.value_writes_of("ta_tid")[0].secure, expected);
    }
}

#[test]
fn same_site_none_forces_secure() {
    let options = Options::default()
        .same_site(SameSite::None)
        .secure(Secure::Never);
    let (page, _, outcome) = capture_on("https://example.com/?ta_tid=abc", &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    let c = page.only("ta_tid");
    assert!(c.secure);
    assert_eq!(c.same_site, Some("None"));
}

#[test]
fn a_secure_cookie_the_http_page_cannot_keep_falls_back_to_the_mirror() {
    // Browsers refuse Secure cookies from http: pages; the outcome must say where the id
    // really went.
    for options in [
        debug_options().secure(Secure::Always),
        debug_options().same_site(SameSite::None),
    ] {
        let (page, session, outcome) = capture_on("http://example.com/?ta_tid=abc", &options);
        assert!(page.stored("ta_tid").is_empty());
        assert_eq!(outcome.storage, Some(Storage::LocalStorage));
        assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
        assert!(page.logged("refused the cookie"));
    }
    let options = debug_options().same_site(SameSite::None);
    let (page, _, _) = capture_on("http://example.com/?ta_tid=abc", &options);
    assert!(page.logged("SameSite=None needs https"));
}

#[test]
fn cookie_name_option_names_the_cookie() {
    let options = Options::default().cookie_name("my_tid".into());
    let (page, session, _) = capture_on("https://example.com/?ta_tid=abc", &options);
    assert_eq!(page.visible_values("my_tid"), ["abc"]);
    assert!(page.stored("ta_tid").is_empty());
    let session = Session { options, ..session };
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
}

#[test]
fn an_invalid_cookie_name_option_falls_back_to_ta_tid() {
    let options = Options::default().cookie_name("bad name;".into());
    let (page, _, _) = capture_on("https://example.com/?ta_tid=abc", &options);
    assert_eq!(page.visible_values("ta_tid"), ["abc"]);
    assert!(page.writes().iter().all(|w| !w.contains("bad name")));
}

// ---------------------------------------------------------------- domain auto

#[test]
fn auto_domain_is_host_only_where_no_domain_can_be_set() {
    for url in [
        "http://localhost:3000/?ta_tid=abc",
        "http://app.localhost/?ta_tid=abc",
        "http://127.0.0.1:8080/?ta_tid=abc",
        "http://[::1]:8080/?ta_tid=abc",
        "http://intranet/?ta_tid=abc",
        "https://example.com./?ta_tid=abc",
    ] {
        let (page, _, outcome) = capture_on(url, &Options::default());
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{url}");
        assert_eq!(outcome.domain, None, "{url}");
        assert!(page.only("ta_tid").host_only, "{url}");
        assert!(
            page.writes().iter().all(|w| !w.contains("Domain=")),
            "{url} tried a Domain: {:?}",
            page.writes()
        );
    }
}

#[test]
fn auto_domain_is_the_shortest_parent_the_browser_accepts() {
    for (url, domain) in [
        (
            "https://www.shop.example.co.uk/?ta_tid=abc",
            "example.co.uk",
        ),
        ("https://alice.github.io/?ta_tid=abc", "alice.github.io"),
        ("https://app.example.com/?ta_tid=abc", "example.com"),
        ("https://example.com/?ta_tid=abc", "example.com"),
        ("https://a.b.c.example.org/?ta_tid=abc", "example.org"),
    ] {
        let (page, _, outcome) = capture_on(url, &Options::default());
        assert_eq!(outcome.domain.as_deref(), Some(domain), "{url}");
        let c = page.only("ta_tid");
        assert!(!c.host_only, "{url}");
        assert_eq!(c.domain, domain, "{url}");
    }
}

#[test]
fn a_secure_prefixed_cookie_name_gets_the_parent_domain_too() {
    // A `__Secure-` cookie needs `Secure`, and so does a probe named after it: probes written
    // as the cookie will be, or every domain looks refused and the cookie stays host-only.
    let options = Options::default().cookie_name("__Secure-tid".into());
    let (page, _, outcome) = capture_on("https://www.example.com/?ta_tid=abc", &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain.as_deref(), Some("example.com"));
    let c = page.only("__Secure-tid");
    assert!(c.secure && !c.host_only);
    let names: Vec<&str> = page.jar().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["__Secure-tid"], "the probes are gone");
}

#[test]
fn auto_domain_probes_leave_nothing_behind() {
    let (page, _, _) = capture_on(
        "https://www.shop.example.co.uk/?ta_tid=abc",
        &Options::default(),
    );
    let names: Vec<&str> = page.jar().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["ta_tid"]);
}

#[test]
fn the_cookie_follows_the_visitor_across_subdomains() {
    let (mut page, _, _) = capture_on(
        "https://www.shop.example.co.uk/?ta_tid=abc",
        &Options::default(),
    );
    for url in [
        "https://checkout.example.co.uk/",
        "https://example.co.uk/",
        "https://a.b.example.co.uk/x",
    ] {
        page.navigate(url);
        assert_eq!(
            tracking_id(&page, &Session::default()).as_deref(),
            Some("abc"),
            "{url}"
        );
    }
    page.navigate("https://other.co.uk/");
    assert_eq!(tracking_id(&page, &Session::default()), None);

    let (mut io, _, _) = capture_on("https://alice.github.io/?ta_tid=abc", &Options::default());
    io.navigate("https://bob.github.io/");
    assert_eq!(
        tracking_id(&io, &Session::default()),
        None,
        "a github.io site must not leak its id to another"
    );
}

#[test]
fn auto_domain_is_host_only_when_no_candidate_sticks() {
    let mut page = FakeBrowser::new("https://app.example.com/?ta_tid=abc");
    page.set_cookie_mode(CookieMode::DomainRefused);
    let outcome = capture(&mut page, &mut Session::default(), &Options::default());
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain, None);
    let c = page.only("ta_tid");
    assert!(c.host_only);
    assert_eq!(c.domain, "app.example.com");
}

#[test]
fn a_second_tab_landing_at_the_same_moment_is_not_taken_for_a_refused_cookie() {
    // www.shop.example.com writes A1 on .example.com; before it reads the jar back,
    // app.example.com (another tab of the same profile) writes B1 there. The write was not
    // refused: it is reported as the cookie it was, the later landing's id is the one in
    // effect, and no mirror of A1 is left to outlive it.
    let mut page = FakeBrowser::new("https://www.shop.example.com/?ta_tid=A1");
    page.another_tab_writes_after(
        "ta_tid",
        "ta_tid=B1; Domain=example.com; Path=/; Max-Age=7776000; SameSite=Lax; Secure",
    );
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, &debug_options());
    assert_eq!(outcome.tracking_id.as_deref(), Some("A1"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain.as_deref(), Some("example.com"));
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("B1"));
    assert_eq!(page.visible_values("ta_tid"), ["B1"]);
    assert_eq!(page.only("ta_tid").domain, "example.com");
    assert_eq!(page.storage_item("taapit:ta_tid"), None, "no mirror of A1");
    assert!(!page.logged("refused"), "{:?}", page.logs());
}

#[test]
fn a_refused_write_beside_an_older_cookie_still_falls_back_to_the_mirror() {
    // The id already in the jar before the write is not a newer landing: a write that does
    // not show is refused, and the new id goes to the mirror.
    let mut page = FakeBrowser::new("https://app.example.com/");
    page.plant_cookie("ta_tid=old1; Domain=example.com; Path=/; Max-Age=600");
    page.navigate("https://app.example.com/?ta_tid=new1");
    page.set_cookie_mode(CookieMode::WritesDropped);
    let outcome = capture(&mut page, &mut Session::default(), &debug_options());
    assert_eq!(outcome.tracking_id.as_deref(), Some("new1"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(
        page.logged("refused the cookie ta_tid"),
        "{:?}",
        page.logs()
    );
}

#[test]
fn a_refused_write_is_not_taken_for_kept_once_the_calls_own_removals_changed_the_jar() {
    // A stale copy of the new id (host-only) and an older id on the site: the first read-back
    // sees the new id in the stale copy, the stale copy is expired, and what is left is the
    // older id, which was there before: the write was refused and the id goes to the mirror.
    let mut page = FakeBrowser::new("http://app.example.com/");
    page.plant_cookie("ta_tid=new1; Path=/");
    page.plant_cookie("ta_tid=old1; Domain=example.com; Path=/");
    page.navigate("http://app.example.com/?ta_tid=new1");
    // A tracking-cookie filter refuses the write; the probes and removals go through.
    page.set_cookie_mode(CookieMode::TrackingCookieRefused);
    let outcome = capture(&mut page, &mut Session::default(), &debug_options());
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(
        page.storage_item("taapit:ta_tid")
            .is_some_and(|m| m.starts_with("new1|")),
        "{:?}",
        page.storage_item("taapit:ta_tid")
    );
    assert!(
        page.logged("refused the cookie ta_tid"),
        "{:?}",
        page.logs()
    );
}

#[test]
fn a_refused_write_is_not_taken_for_kept_when_another_tab_changed_some_other_cookie() {
    // Another tab writes a cookie of another name between this write and its read-back: the
    // jar changed, but holds no value of `ta_tid` it did not hold before.
    let mut page = FakeBrowser::new("http://app.example.com/");
    page.plant_cookie("ta_tid=old1; Domain=example.com; Path=/");
    page.navigate("http://app.example.com/?ta_tid=new1");
    page.set_cookie_mode(CookieMode::TrackingCookieRefused);
    page.another_tab_writes_after(
        "ta_tid",
        "other_probe=1; Domain=example.com; Path=/; Max-Age=10",
    );
    let outcome = capture(&mut page, &mut Session::default(), &debug_options());
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(
        page.logged("refused the cookie ta_tid"),
        "{:?}",
        page.logs()
    );
    assert_eq!(
        page.visible_values("other_probe"),
        ["1"],
        "the other tab's write landed"
    );
}

// ---------------------------------------------------------------- domain explicit

#[test]
fn an_explicit_domain_covering_the_host_is_used() {
    for (url, domain) in [
        ("https://shop.example.com/?ta_tid=abc", "example.com"),
        ("https://example.com/?ta_tid=abc", "example.com"),
        ("https://shop.example.com/?ta_tid=abc", "shop.example.com"),
        (
            "https://www.shop.example.com/?ta_tid=abc",
            "shop.example.com",
        ),
    ] {
        let (page, _, outcome) = capture_on(url, &explicit(domain));
        assert_eq!(outcome.domain.as_deref(), Some(domain), "{url} {domain}");
        let c = page.only("ta_tid");
        assert!(!c.host_only);
        assert_eq!(c.domain, domain, "{url} {domain}");
    }
}

#[test]
fn an_explicit_domain_option_parsed_from_text_is_used() {
    let options = Options::default().domain(DomainOption::parse(".Shop.Example.com").unwrap());
    let (page, _, _) = capture_on("https://www.shop.example.com/?ta_tid=abc", &options);
    assert_eq!(page.only("ta_tid").domain, "shop.example.com");
}

#[test]
fn an_explicit_domain_that_does_not_cover_the_host_is_ignored_with_a_log() {
    for (url, domain, auto) in [
        (
            "https://shop.example.com/?ta_tid=abc",
            "other.com",
            Some("example.com"),
        ),
        (
            "https://badexample.com/?ta_tid=abc",
            "example.com",
            Some("badexample.com"),
        ),
        (
            "https://example.com/?ta_tid=abc",
            "shop.example.com",
            Some("example.com"),
        ),
        ("http://localhost/?ta_tid=abc", "example.com", None),
    ] {
        let options = explicit(domain).debug(true);
        let (page, _, outcome) = capture_on(url, &options);
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{url}");
        assert_eq!(outcome.domain.as_deref(), auto, "{url} {domain}");
        assert!(
            page.writes()
                .iter()
                .all(|w| !w.contains(&format!("Domain={domain}"))),
            "{url}: tried {domain}"
        );
        assert!(
            page.logged("the host is not under"),
            "{url} {domain}: {:?}",
            page.logs()
        );

        let (quiet, _, _) = capture_on(url, &explicit(domain));
        assert!(quiet.logs().is_empty());
    }
}

#[test]
fn an_explicit_domain_on_a_host_that_cannot_carry_one_is_host_only() {
    let (page, _, outcome) = capture_on("http://app.localhost/?ta_tid=abc", &explicit("localhost"));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert!(page.only("ta_tid").host_only);
}

#[test]
fn an_explicit_domain_the_browser_refuses_falls_back_to_auto() {
    let options = (explicit("co.uk")).debug(true);
    let (page, session, outcome) = capture_on("https://shop.example.co.uk/?ta_tid=abc", &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(page.visible_values("ta_tid"), ["abc"]);
    assert_eq!(page.only("ta_tid").domain, "example.co.uk");
    assert_eq!(outcome.domain.as_deref(), Some("example.co.uk"));
    assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
    assert!(page.logged("refused Domain=co.uk"));
}

#[test]
fn domain_host_forces_host_only_without_probing() {
    let options = Options::default().domain(DomainOption::Host);
    let (page, _, outcome) = capture_on("https://app.example.com/?ta_tid=abc", &options);
    assert_eq!(outcome.domain, None);
    let c = page.only("ta_tid");
    assert!(c.host_only);
    assert_eq!(c.domain, "app.example.com");
    assert!(page.writes().iter().all(|w| !w.contains("Domain=")));
}

// ---------------------------------------------------------------- one copy

fn assert_one_copy(page: &FakeBrowser, value: &str) {
    assert_eq!(page.visible_values("ta_tid"), [value]);
    assert_eq!(page.stored("ta_tid").len(), 1, "{:#?}", page.jar());
}

#[test]
fn a_stale_host_only_copy_is_expired_after_a_domain_write() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Max-Age=86400");
    let (_, outcome) = load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &Options::default(),
    );
    assert_eq!(outcome.domain.as_deref(), Some("example.com"));
    assert_one_copy(&page, "new");
    assert!(!page.only("ta_tid").host_only);
}

#[test]
fn a_stale_copy_on_another_domain_level_is_expired() {
    for stale in [
        "ta_tid=old; Path=/; Domain=shop.example.com; Max-Age=86400",
        "ta_tid=old; Path=/; Domain=www.shop.example.com; Max-Age=86400",
        "ta_tid=old; Path=/; Domain=example.com; Max-Age=86400; Secure; SameSite=None",
    ] {
        let mut page = FakeBrowser::new("https://www.shop.example.com/");
        page.plant_cookie(stale);
        let options = Options::default().domain(DomainOption::Explicit("shop.example.com".into()));
        load(
            &mut page,
            "https://www.shop.example.com/?ta_tid=new",
            &options,
        );
        assert_one_copy(&page, "new");
        assert_eq!(page.only("ta_tid").domain, "shop.example.com", "{stale}");
    }
}

#[test]
fn a_stale_copy_with_the_same_value_is_expired_too() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=abc; Path=/; Max-Age=86400");
    load(
        &mut page,
        "https://shop.example.com/?ta_tid=abc",
        &Options::default(),
    );
    assert_one_copy(&page, "abc");
    assert_eq!(page.only("ta_tid").domain, "example.com");
}

#[test]
fn a_host_only_write_expires_a_stale_domain_copy() {
    let mut page = FakeBrowser::new("https://app.example.com/");
    page.plant_cookie("ta_tid=old; Path=/; Domain=example.com; Max-Age=86400");
    let options = Options::default().domain(DomainOption::Host);
    load(&mut page, "https://app.example.com/?ta_tid=new", &options);
    assert_one_copy(&page, "new");
    assert!(page.only("ta_tid").host_only);
}

#[test]
fn stale_copies_on_localhost_are_expired_too() {
    let mut page = FakeBrowser::new("http://localhost:3000/");
    page.plant_cookie("ta_tid=old; Path=/; Max-Age=86400");
    load(
        &mut page,
        "http://localhost:3000/?ta_tid=new",
        &Options::default(),
    );
    assert_one_copy(&page, "new");
}

#[test]
fn a_copy_on_another_path_that_cannot_be_removed_is_logged() {
    let mut page = FakeBrowser::new("https://shop.example.com/landing/x");
    page.plant_cookie("ta_tid=old; Path=/landing; Max-Age=86400");
    let (_, outcome) = load(
        &mut page,
        "https://shop.example.com/landing/x?ta_tid=new",
        &debug_options(),
    );
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert!(page.visible_values("ta_tid").contains(&"new".to_string()));
    assert!(page.logged("other path"), "{:?}", page.logs());
}

#[test]
fn a_stale_copy_with_an_invalid_value_is_expired_too() {
    let mut page = FakeBrowser::new("https://shop.example.com/");
    page.plant_cookie("ta_tid=a%3Bb; Path=/; Max-Age=86400");
    load(
        &mut page,
        "https://shop.example.com/?ta_tid=new",
        &Options::default(),
    );
    assert_one_copy(&page, "new");
}

#[test]
fn a_write_the_browser_refuses_never_loses_the_id() {
    // On an http: page the browser drops a Secure cookie. Copies of the same id already on
    // other levels must not be mistaken for the new write and then expired as stale.
    for options in [
        Options::default().secure(Secure::Always),
        Options::default().same_site(SameSite::None),
    ] {
        let mut page = FakeBrowser::new("http://shop.example.com/");
        page.plant_cookie("ta_tid=abc; Path=/; Max-Age=86400");
        page.plant_cookie("ta_tid=abc; Path=/; Domain=shop.example.com; Max-Age=86400");
        let (session, outcome) = load(&mut page, "http://shop.example.com/?ta_tid=abc", &options);
        assert_eq!(outcome.tracking_id.as_deref(), Some("abc"));
        assert_eq!(tracking_id(&page, &session).as_deref(), Some("abc"));
        assert_eq!(
            tracking_id(&page, &Session::default()).as_deref(),
            Some("abc"),
            "the next page load must still find the id ({:?} reported, jar {:#?}, mirror {:?})",
            outcome.storage,
            page.jar(),
            page.storage_item("taapit:ta_tid"),
        );
    }
}
