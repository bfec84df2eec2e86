//! Browser tests: one copy.

use super::*;

#[wasm_bindgen_test]
async fn an_existing_cookie_is_replaced_and_one_copy_remains() {
    let _page = fresh(2).await;
    set_raw_cookie("ta_tid=staleValue; Path=/; Max-Age=3600; SameSite=Strict");
    set_raw_cookie("other=kept; Path=/");
    let outcome = landing("/?ta_tid=freshValue");
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["freshValue"]);
    assert_eq!(cookie_values("other"), ["kept"], "other cookies untouched");

    // A hostile stale value is replaced too.
    set_raw_cookie("ta_tid=x%3By; Path=/");
    landing("/?ta_tid=freshAgain");
    assert_eq!(cookie_values("ta_tid"), ["freshAgain"]);
}

#[wasm_bindgen_test]
async fn a_successful_cookie_write_removes_a_stale_mirror() {
    let _page = fresh(2).await;
    block_cookies("throw");
    assert_eq!(
        landing("/?ta_tid=wasMirrored").storage,
        Some(Storage::LocalStorage)
    );
    restore_page();
    let outcome = landing("/?ta_tid=nowCookie");
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(
        mirror(),
        None,
        "one copy: the mirror goes once the cookie sticks"
    );
    assert_eq!(jar(), "ta_tid=nowCookie");
}
