//! Browser tests: the JavaScript exports.

use super::*;

/// The URL of the shipped loader, which `scripts/test-browsers.sh` passes at build time.
/// Without it the JavaScript API tests fail (rather than pass without testing anything).
fn loader_url() -> &'static str {
    match option_env!("TAAPIT_LOADER") {
        Some(url) => url,
        None => panic!(
            "TAAPIT_LOADER is unset: the JavaScript API tests need the built pkg/; run them with \
             `bash scripts/test-browsers.sh` (or `bash scripts/build.sh`, then \
             `TAAPIT_LOADER=/pkg/loader.js cargo test --target wasm32-unknown-unknown`)"
        ),
    }
}

/// The JavaScript API over a new instance of the shipped `.wasm`.
async fn glue() -> JsValue {
    let promise = load_module(loader_url()).expect("load_module");
    JsFuture::from(promise)
        .await
        .expect("the shipped module loads")
}

/// The loader compiles the `.wasm` synchronously from its bytes, as an ArrayBuffer or as a
/// typed array over part of a buffer: each gives a working API. Anything else (a promise of
/// the bytes) is refused with an exception, which its callers (wrapper.js) catch.
#[wasm_bindgen_test]
async fn the_loader_takes_bytes_as_a_buffer_or_a_view() {
    let url = loader_url();
    let _page = fresh(3).await;
    // Each is a new instance; the id each captures replaces the one before (last-click).
    for how in ["bytes", "view"] {
        set_url(&format!("/?ta_tid=via-{how}"));
        let promise = load_module_as(url, how).expect("load_module");
        let glue = JsFuture::from(promise).await.expect(how);
        let result = call(&glue, "capture", &[]).expect("capture does not throw");
        let expected = format!("via-{how}");
        assert_eq!(
            check_result(&result, how).as_deref(),
            Some(expected.as_str())
        );
        assert_eq!(jar(), format!("ta_tid={expected}"), "{how}");
    }
    let promise = load_module_as(url, "promise").expect("load_module");
    assert!(
        JsFuture::from(promise).await.is_err(),
        "a promise is not bytes: the loader throws"
    );
}

/// Calls export `name`; `Err` if it threw.
fn call(glue: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = Reflect::get(glue, &name.into())?.dyn_into()?;
    function.apply(&JsValue::NULL, &args.iter().collect::<Array>())
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, name: &str) -> Option<String> {
    field(object, name).as_string()
}

/// Checks a `CaptureResult` has its five fields with the right types; returns its id.
fn check_result(result: &JsValue, context: &str) -> Option<String> {
    assert!(result.is_object(), "{context}: {result:?}");
    let id = field(result, "trackingId");
    assert!(
        id.is_null() || id.is_string(),
        "{context}: trackingId {id:?}"
    );
    for (name, allowed) in [
        ("source", &["search", "hash", "stored"][..]),
        ("storage", &["cookie", "localStorage", "memory"][..]),
    ] {
        let value = field(result, name);
        assert!(
            value.is_null() || allowed.contains(&value.as_string().unwrap_or_default().as_str()),
            "{context}: {name} {value:?}"
        );
    }
    let domain = field(result, "domain");
    assert!(
        domain.is_null() || domain.is_string(),
        "{context}: domain {domain:?}"
    );
    let expires = field(result, "expiresAt");
    assert!(
        expires.is_null() || expires.as_f64().is_some(),
        "{context}: expiresAt {expires:?}"
    );
    let id = id.as_string();
    if let Some(id) = &id {
        assert!(is_valid_id(id), "{context}: invalid id {id:?} returned");
    }
    id
}

fn js_options(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

#[wasm_bindgen_test]
async fn js_exports_capture_read_clear_and_consent() {
    let _page = fresh(4).await;
    let glue = glue().await;
    set_url("/landing?ta_tid=fromJs&keep=1#h");
    let before = now_ms();
    let options = js_options(&[("expiresInDays", 30.into()), ("stripParam", true.into())]);
    let result = call(&glue, "capture", &[options]).expect("capture does not throw");
    assert_eq!(check_result(&result, "capture").as_deref(), Some("fromJs"));
    assert_eq!(text(&result, "source").as_deref(), Some("search"));
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    assert!(field(&result, "domain").is_null());
    let expires = field(&result, "expiresAt").as_f64().unwrap() as u64;
    assert!((before + 30 * DAY_MS..=now_ms() + 30 * DAY_MS).contains(&expires));
    assert_eq!(url(), "/landing?keep=1#h");
    assert_eq!(jar(), "ta_tid=fromJs");

    let id = call(&glue, "getTrackingId", &[]).unwrap();
    assert_eq!(id.as_string().as_deref(), Some("fromJs"));
    assert!(call(&glue, "clearTrackingId", &[]).unwrap().is_undefined());
    assert_eq!(jar(), "");
    // No id is `null`, as ARCHITECTURE.md's *Capture rules* say, from the raw export too.
    let none = call(&glue, "getTrackingId", &[]).unwrap();
    assert!(none.is_null(), "{none:?}");

    // Options as the script tag's data- attributes give them: all text.
    set_url("/?ta_tid=pendingJs");
    let options = js_options(&[
        ("consent", "pending".into()),
        ("expiresInDays", "60".into()),
        ("stripParam", "false".into()),
        ("params", "ref, ta_tid".into()),
    ]);
    let result = call(&glue, "capture", &[options]).unwrap();
    assert_eq!(text(&result, "storage").as_deref(), Some("memory"));
    assert_eq!(jar(), "");
    let result = call(&glue, "grantConsent", &[]).unwrap();
    assert_eq!(
        check_result(&result, "grantConsent").as_deref(),
        Some("pendingJs")
    );
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    let expires = field(&result, "expiresAt").as_f64().unwrap() as u64;
    assert!(expires > now_ms() + 59 * DAY_MS && expires <= now_ms() + 60 * DAY_MS);
    assert_eq!(jar(), "ta_tid=pendingJs");
    assert!(call(&glue, "revokeConsent", &[]).unwrap().is_undefined());
    assert_eq!(jar(), "");
    let none = call(&glue, "getTrackingId", &[]).unwrap();
    assert!(none.is_null(), "{none:?}");

    // No options at all: the defaults.
    set_url("/?ta_tid=defaultsJs");
    let _ = call(&glue, "grantConsent", &[]).unwrap();
    let result = call(&glue, "capture", &[]).unwrap();
    assert_eq!(
        check_result(&result, "capture()").as_deref(),
        Some("defaultsJs")
    );
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    let result = call(&glue, "capture", &[JsValue::UNDEFINED]).unwrap();
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    call(&glue, "clearTrackingId", &[]).unwrap();
}

#[wasm_bindgen_test]
async fn js_exports_never_throw_on_weird_options() {
    let _page = fresh(4).await;
    let glue = glue().await;
    let mut threw = Vec::new();
    for url in ["/?ta_tid=weirdOk", "/?ta_tid=bad%3B", "/"] {
        set_url(url);
        for case in weird_options().iter() {
            let case: Array = case.unchecked_into();
            let label = case.get(0).as_string().unwrap_or_default();
            match call(&glue, "capture", &[case.get(1)]) {
                Ok(result) => {
                    let id = check_result(&result, &label);
                    if url != "/?ta_tid=weirdOk" {
                        assert_eq!(id, None, "{url} {label}");
                    }
                }
                Err(error) => threw.push(format!("{url} capture({label}): {error:?}")),
            }
            for name in ["getTrackingId", "grantConsent", "clearTrackingId"] {
                if let Err(error) = call(&glue, name, &[]) {
                    threw.push(format!("{url} {label}, then {name}: {error:?}"));
                }
            }
            assert!(!jar().contains("bad"), "{label}");
            expire_all_cookies();
            local_storage().clear().unwrap();
        }
    }
    let threw: Vec<String> = threw
        .iter()
        .map(|e| e.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert!(
        threw.is_empty(),
        "exceptions escaped:\n{}",
        threw.join("\n")
    );
}

#[wasm_bindgen_test]
async fn js_exports_never_throw_when_the_page_is_hostile() {
    let _page = fresh(2).await;
    let glue = glue().await;
    let calls = [
        ("capture", vec![js_options(&[("debug", true.into())])]),
        ("getTrackingId", vec![]),
        ("grantConsent", vec![]),
        ("revokeConsent", vec![]),
        ("grantConsent", vec![]),
        ("clearTrackingId", vec![]),
    ];
    let mut threw = Vec::new();
    set_url("/?ta_tid=hostilePage");
    for hostile in [
        "cookies throw",
        "cookies ignored",
        "all storage blocked",
        "storage full",
        "console.warn throws",
    ] {
        restore_page();
        match hostile {
            "cookies throw" => block_cookies("throw"),
            "cookies ignored" => block_cookies("ignore"),
            "all storage blocked" => {
                block_cookies("throw");
                block_local_storage();
            }
            "storage full" => {
                block_cookies("ignore");
                fill_local_storage();
            }
            _ => {
                block_cookies("throw");
                break_console();
            }
        }
        for (name, args) in &calls {
            match call(&glue, name, args) {
                Ok(result) if *name == "capture" => {
                    let id = check_result(&result, hostile);
                    assert_eq!(id.as_deref(), Some("hostilePage"), "{hostile}");
                }
                Ok(_) => {}
                Err(error) => threw.push(format!(
                    "{hostile}: {name}: {}",
                    format!("{error:?}").lines().next().unwrap_or_default()
                )),
            }
        }
    }
    restore_page();
    // The module still works once the page behaves.
    let result = call(&glue, "capture", &[]).expect("capture after a hostile page");
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    assert_eq!(jar(), "ta_tid=hostilePage");
    call(&glue, "clearTrackingId", &[]).unwrap();
    assert!(
        threw.is_empty(),
        "exceptions escaped:\n{}",
        threw.join("\n")
    );
}

/// An analytics listener on `history.replaceState` asks the JS API for the id while
/// `stripParam` rewrites the address.
#[wasm_bindgen_test]
async fn js_exports_survive_a_replace_state_listener_that_reads_the_id() {
    let _page = fresh(2).await;
    let glue = glue().await;
    let seen: Rc<RefCell<Vec<Result<JsValue, JsValue>>>> = Rc::default();
    let record = seen.clone();
    let reader = glue.clone();
    let listener = Closure::<dyn FnMut()>::new(move || {
        record
            .borrow_mut()
            .push(call(&reader, "getTrackingId", &[]));
    });
    set_url("/?ta_tid=listened&x=1");
    on_replace_state(listener.as_ref().unchecked_ref());
    let options = js_options(&[("stripParam", true.into())]);
    let result = call(&glue, "capture", &[options]);
    restore_page();
    let result = result.expect("capture does not throw");
    assert_eq!(
        check_result(&result, "capture").as_deref(),
        Some("listened")
    );
    assert_eq!(url(), "/?x=1");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    let first = seen[0]
        .as_ref()
        .map_err(|e| format!("{e:?}").lines().next().map(str::to_owned));
    assert!(
        first.is_ok(),
        "getTrackingId threw inside the listener: {first:?}"
    );
    // The module still works afterwards.
    let id = call(&glue, "getTrackingId", &[]).expect("getTrackingId after the listener");
    assert_eq!(id.as_string().as_deref(), Some("listened"));
    call(&glue, "clearTrackingId", &[]).unwrap();
}

/// The Rust API fires the page's `taapit:change` after each capture, clear, grant and revoke,
/// with the id then in effect, as the npm entry and the script tag do.
#[wasm_bindgen_test]
async fn the_rust_api_fires_taapit_change() {
    let _page = fresh(2).await;
    record_changes();
    set_url("/?ta_tid=evented");
    capture(&Options::default().consent(Consent::Pending));
    grant_consent();
    clear();
    capture(&Options::default());
    revoke_consent();
    let seen: Vec<String> = recorded_changes()
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    assert_eq!(
        seen,
        [
            "capture:evented:memory",
            "grant:evented:cookie",
            "clear:null:-",
            "capture:evented:cookie",
            "revoke:null:-",
        ]
    );
}
