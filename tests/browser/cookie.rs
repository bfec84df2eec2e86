//! Browser tests: the cookie.

use super::*;

#[wasm_bindgen_test]
async fn capture_writes_a_host_only_cookie_the_page_reads_back() {
    let _page = fresh(1).await;
    let before = now_ms();
    let outcome = landing("/?ta_tid=rLnWe1uz9t282v7g");
    assert_eq!(outcome.tracking_id.as_deref(), Some("rLnWe1uz9t282v7g"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain, None, "127.0.0.1 gets a host-only cookie");
    assert_expires_in(&outcome, 90, before);
    // Exactly the one cookie: no probe or other cookie left behind.
    assert_eq!(jar(), "ta_tid=rLnWe1uz9t282v7g");
    assert_eq!(mirror(), None, "no mirror when the cookie is kept");
    assert_eq!(tracking_id().as_deref(), Some("rLnWe1uz9t282v7g"));
}

#[wasm_bindgen_test]
async fn capture_reads_the_query_of_a_hash_route() {
    let _page = fresh(1).await;
    let outcome = landing("/#/landing?utm_source=x&ta_tid=fromHash_1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("fromHash_1"));
    assert_eq!(outcome.source, Some(Source::Hash));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["fromHash_1"]);
}

#[wasm_bindgen_test]
async fn the_search_wins_over_the_hash_and_params_are_tried_in_order() {
    let _page = fresh(4).await;
    let outcome = landing("/?ta_tid=inSearch#/l?ta_tid=inHash");
    assert_eq!(outcome.tracking_id.as_deref(), Some("inSearch"));
    assert_eq!(cookie_values("ta_tid"), ["inSearch"]);

    let options = Options::default().params(vec!["ref".into(), "ta_tid".into()]);
    let outcome = capture_at("/?ta_tid=second&ref=first", &options);
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(cookie_values("ta_tid"), ["first"]);
    // An invalid value under the first name does not hide a valid one under the next.
    let outcome = capture_at("/?ref=bad%3Bvalue&ta_tid=valid3", &options);
    assert_eq!(outcome.tracking_id.as_deref(), Some("valid3"));
    assert_eq!(cookie_values("ta_tid"), ["valid3"]);
}

#[wasm_bindgen_test]
async fn an_encoded_parameter_name_counts_and_names_are_case_sensitive() {
    let _page = fresh(2).await;
    // `%74a_tid` is `ta_tid` once decoded, as URLSearchParams reads it.
    assert_eq!(
        landing("/?%74a_tid=encodedName").tracking_id.as_deref(),
        Some("encodedName")
    );
    clear();
    assert_eq!(landing("/?TA_TID=upper").tracking_id, None);
    assert_eq!(jar(), "");
}

#[wasm_bindgen_test]
async fn a_custom_cookie_name_is_written_and_read() {
    let _page = fresh(2).await;
    let options = Options::default().cookie_name("shop_tid".into());
    let outcome = capture_at("/?ta_tid=custom1", &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(jar(), "shop_tid=custom1");
    assert_eq!(tracking_id().as_deref(), Some("custom1"));
    clear();
    assert_eq!(jar(), "");

    // A name that cannot be a cookie name falls back to `ta_tid`.
    let options = Options::default().cookie_name("bad name;".into());
    capture_at("/?ta_tid=custom2", &options);
    assert_eq!(jar(), "ta_tid=custom2");
}

#[wasm_bindgen_test]
async fn a_cookie_read_by_name_is_that_cookie_whatever_the_last_capture() {
    let _page = fresh(1).await;
    set_raw_cookie("ta_tid=legacyDefault");
    set_raw_cookie("my_tid=customName");
    // No capture under `my_tid` yet (the session has the defaults), as when a hook that names
    // its cookie renders first.
    assert_eq!(
        taapit_capture::tracking_id_named("my_tid").as_deref(),
        Some("customName")
    );
    assert_eq!(tracking_id().as_deref(), Some("legacyDefault"));
    assert_eq!(
        taapit_capture::tracking_id_named("other_tid"),
        None,
        "no such cookie: nothing, not the default cookie's id"
    );

    // Once a capture used that name, the same read, with the id captured on this page behind
    // the cookie.
    let options = Options::default().cookie_name("my_tid".into());
    capture_at("/?ta_tid=fromUrl", &options);
    assert_eq!(
        taapit_capture::tracking_id_named("my_tid").as_deref(),
        Some("fromUrl")
    );
}

#[wasm_bindgen_test]
async fn decorate_url_adds_the_id_for_outbound_hosts_written_as_javascript_would_accept_them() {
    let _page = fresh(1).await;
    // As a Rust app may write them: case, spaces, a trailing dot; and one that is no host.
    let options = Options::default().outbound(vec![
        " Shop.Example.NET. ".into(),
        "*.Example.org".into(),
        "https://bad/".into(),
    ]);
    capture_at("/?ta_tid=outbound1", &options);
    assert_eq!(
        taapit_capture::decorate_url("https://shop.example.net/cart?x=1#h").as_deref(),
        Some("https://shop.example.net/cart?x=1&ta_tid=outbound1#h")
    );
    assert_eq!(
        taapit_capture::decorate_url("https://www.example.org/").as_deref(),
        Some("https://www.example.org/?ta_tid=outbound1")
    );
    assert_eq!(taapit_capture::decorate_url("https://elsewhere.net/"), None);
    assert_eq!(
        taapit_capture::decorate_url("mailto:a@shop.example.net"),
        None
    );
}

#[wasm_bindgen_test]
async fn expiry_days_are_clamped_to_1_and_400() {
    let _page = fresh(1).await;
    for (days, expected) in [(0, 1), (1, 1), (30, 30), (400, 400), (100_000, 400)] {
        let before = now_ms();
        let outcome = capture_at("/?ta_tid=days", &Options::default().expires_in_days(days));
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{days} days");
        assert_expires_in(&outcome, expected, before);
        assert_eq!(cookie_values("ta_tid"), ["days"]);
    }
}

#[wasm_bindgen_test]
async fn domain_options_on_an_ip_host_stay_host_only() {
    let _page = fresh(1).await;
    for domain in [
        DomainOption::Auto,
        DomainOption::Host,
        DomainOption::Explicit("127.0.0.1".into()),
        DomainOption::Explicit("0.1".into()),
        DomainOption::Explicit("example.com".into()),
    ] {
        let outcome = capture_at(
            "/?ta_tid=ipHost",
            &Options::default().domain(domain.clone()),
        );
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{domain:?}");
        assert_eq!(outcome.domain, None, "{domain:?}");
        assert_eq!(jar(), "ta_tid=ipHost", "{domain:?}");
    }
}

/// The cookie the capture handed to the browser, and what the browser kept of it, in every
/// engine: the one `document.cookie` write that stores the id (recorded on its way to the
/// browser, which still gets it) has `Path=/`, the 30 days as `Max-Age` and a matching
/// `Expires`, `SameSite=Lax`, no `Domain` (an IP host) and no `Secure` (http); the browser's
/// own `document.cookie` then holds the id once. Where the cookie store API shows the stored
/// attributes (Chromium; Firefox and WebKit give name and value only), they are checked too.
#[wasm_bindgen_test]
async fn cookie_attributes_as_the_browser_stored_them() {
    let _page = fresh(1).await;
    record_cookie_writes();
    let before = now_ms();
    let outcome = capture_at("/?ta_tid=attrs", &Options::default().expires_in_days(30));
    let after = now_ms();
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    // Browsers keep whole seconds.
    let thirty_days_later = before + 30 * DAY_MS - 1000..=after + 30 * DAY_MS + 1000;

    let writes: Vec<String> = recorded_cookie_writes()
        .iter()
        .filter_map(|write| write.as_string())
        .filter(|write| write.starts_with("ta_tid=attrs;"))
        .collect();
    assert_eq!(writes.len(), 1, "one write stores the id: {writes:?}");
    let attributes: Vec<&str> = writes[0].split("; ").skip(1).collect();
    let max_age = format!("Max-Age={}", 30 * 86_400);
    for expected in ["Path=/", max_age.as_str(), "SameSite=Lax"] {
        assert!(attributes.contains(&expected), "{expected} in {writes:?}");
    }
    assert!(
        !attributes
            .iter()
            .any(|a| a.starts_with("Domain=") || a.eq_ignore_ascii_case("Secure")),
        "host-only and not Secure on http: {writes:?}"
    );
    let expires = attributes
        .iter()
        .find_map(|a| a.strip_prefix("Expires="))
        .expect("an Expires beside Max-Age");
    let expires_ms = js_sys::Date::parse(expires);
    assert!(
        thirty_days_later.contains(&(expires_ms as u64)),
        "Expires={expires}, captured between {before} and {after}"
    );
    let page_cookies = cookies_of_page();
    let kept: Vec<&str> = page_cookies
        .split("; ")
        .filter(|pair| pair.starts_with("ta_tid="))
        .collect();
    assert_eq!(kept, ["ta_tid=attrs"], "the browser's own document.cookie");

    let store = cookie_store();
    if store.is_null() {
        console_log!("cookieStore: not in this engine; the written cookie was checked");
        return;
    }
    let get: Function = Reflect::get(&store, &"get".into())
        .expect("cookieStore.get")
        .unchecked_into();
    let promise: Promise = get
        .call1(&store, &"ta_tid".into())
        .expect("cookieStore.get()")
        .unchecked_into();
    let cookie = JsFuture::from(promise).await.expect("cookieStore.get");
    assert!(cookie.is_object(), "cookieStore sees the cookie");
    let field = |name: &str| Reflect::get(&cookie, &name.into()).unwrap_or(JsValue::UNDEFINED);
    assert_eq!(field("value").as_string().as_deref(), Some("attrs"));
    if field("expires").is_undefined() {
        console_log!("cookieStore: name and value only in this engine");
        return;
    }
    let expires = field("expires")
        .as_f64()
        .expect("a persistent cookie (Max-Age/Expires kept)") as u64;
    assert!(
        thirty_days_later.contains(&expires),
        "expires {expires}, captured between {before} and {after}"
    );
    for (name, expected) in [("path", "/"), ("sameSite", "lax")] {
        let value = field(name);
        if !value.is_undefined() {
            assert_eq!(value.as_string().as_deref(), Some(expected), "{name}");
        }
    }
    let domain = field("domain");
    assert!(
        domain.is_null() || domain.is_undefined(),
        "host-only, got {domain:?}"
    );
    let secure = field("secure");
    assert!(
        secure.is_undefined() || secure == JsValue::FALSE,
        "no Secure on http:"
    );
}
