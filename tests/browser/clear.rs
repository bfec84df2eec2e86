//! Browser tests: clear.

use super::*;

#[wasm_bindgen_test]
async fn clear_removes_cookie_mirror_and_memory() {
    let _page = fresh(2).await;
    landing("/?ta_tid=clearMe");
    set_mirror(&format!("clearMe|{}", now_ms() + 3_600_000));
    clear();
    assert_eq!(jar(), "");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None, "the id in the URL is not read again");

    capture_at(
        "/?ta_tid=clearMemory",
        &Options::default().consent(Consent::Pending),
    );
    clear();
    assert_eq!(tracking_id(), None, "memory cleared");
    assert_eq!(
        grant_consent().tracking_id,
        None,
        "nothing held after clear"
    );
    assert_eq!(jar(), "");
}
