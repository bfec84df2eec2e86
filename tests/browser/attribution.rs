//! Browser tests: attribution.

use super::*;

#[wasm_bindgen_test]
async fn last_click_replaces_the_stored_id() {
    let _page = fresh(2).await;
    landing("/?ta_tid=firstClick");
    let outcome = landing("/?ta_tid=secondClick");
    assert_eq!(outcome.tracking_id.as_deref(), Some("secondClick"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["secondClick"]);
    assert_eq!(tracking_id().as_deref(), Some("secondClick"));
}

#[wasm_bindgen_test]
async fn first_click_keeps_the_stored_id() {
    let _page = fresh(4).await;
    let first_click = Options::default().attribution(Attribution::FirstClick);
    let outcome = capture_at("/?ta_tid=firstClick", &first_click);
    assert_eq!(outcome.storage, Some(Storage::Cookie), "nothing stored yet");
    let outcome = capture_at("/?ta_tid=secondClick", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("firstClick"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["firstClick"]);
    assert_eq!(tracking_id().as_deref(), Some("firstClick"));

    // An invalid stored value is no first click.
    set_raw_cookie("ta_tid=not%20valid; Path=/");
    let outcome = capture_at("/?ta_tid=thirdClick", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("thirdClick"));
    assert_eq!(cookie_values("ta_tid"), ["thirdClick"]);
}

#[wasm_bindgen_test]
async fn first_click_keeps_a_mirrored_id_when_cookies_are_blocked() {
    let _page = fresh(2).await;
    block_cookies("throw");
    let first_click = Options::default().attribution(Attribution::FirstClick);
    let outcome = capture_at("/?ta_tid=mirroredFirst", &first_click);
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    let outcome = capture_at("/?ta_tid=mirroredSecond", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("mirroredFirst"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("mirroredFirst|"));
}
