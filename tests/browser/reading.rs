//! Browser tests: reading.

use super::*;

#[wasm_bindgen_test]
async fn tracking_id_reads_cookie_then_mirror_then_this_page() {
    let _page = fresh(1).await;
    // Held in memory only (consent pending): the id captured on this page.
    let outcome = capture_at(
        "/?ta_tid=inMemory",
        &Options::default().consent(Consent::Pending),
    );
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(tracking_id().as_deref(), Some("inMemory"));

    let future = now_ms() + 3_600_000;
    set_mirror(&format!("inMirror|{future}"));
    assert_eq!(
        tracking_id().as_deref(),
        Some("inMirror"),
        "mirror before memory"
    );

    set_raw_cookie("ta_tid=inCookie; Path=/");
    assert_eq!(tracking_id().as_deref(), Some("inCookie"), "cookie first");

    // An invalid cookie is never returned; the next source is.
    for bad in [
        "bad%3Bcookie".to_string(),
        "\"a b\"".to_string(),
        "x".repeat(129),
        String::new(),
    ] {
        set_raw_cookie(&format!("ta_tid={bad}; Path=/"));
        assert_eq!(tracking_id().as_deref(), Some("inMirror"), "cookie {bad:?}");
    }
    set_raw_cookie("ta_tid=; Path=/; Max-Age=0");

    // An expired or tampered mirror is never returned.
    for bad in [
        format!("inMirror|{}", now_ms() - 1000),
        format!("a;b|{future}"),
        "inMirror|soon".to_string(),
        "inMirror".to_string(),
    ] {
        set_mirror(&bad);
        assert_eq!(tracking_id().as_deref(), Some("inMemory"), "mirror {bad:?}");
    }

    clear();
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn a_quoted_cookie_value_is_read_without_its_quotes() {
    let _page = fresh(0).await;
    set_raw_cookie("ta_tid=\"quoted1\"; Path=/");
    assert_eq!(tracking_id().as_deref(), Some("quoted1"));
}
