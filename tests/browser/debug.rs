//! Browser tests: debug.

use super::*;

#[wasm_bindgen_test]
async fn debug_says_why_nothing_was_stored_and_is_quiet_otherwise() {
    let _page = fresh(4).await;
    record_warnings();
    landing("/?ta_tid=bad%3B");
    block_cookies("throw");
    block_local_storage();
    landing("/?ta_tid=quiet");
    let quiet = recorded_warnings();
    assert_eq!(quiet.length(), 0, "{quiet:?}");

    let debug = Options::default().debug(true);
    capture_at("/?ta_tid=bad%3B", &debug);
    capture_at("/?ta_tid=loud", &debug);
    let said: Vec<String> = recorded_warnings()
        .iter()
        .filter_map(|w| w.as_string())
        .collect();
    assert!(said.iter().all(|w| w.starts_with("[taapit]")), "{said:?}");
    for reason in [
        "an id that is not valid",
        "cookies unavailable",
        "localStorage unavailable",
    ] {
        assert!(
            said.iter().any(|w| w.contains(reason)),
            "{reason}: {said:?}"
        );
    }
}
