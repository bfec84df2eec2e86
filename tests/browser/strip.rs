//! Browser tests: strip.

use super::*;

#[wasm_bindgen_test]
async fn strip_param_removes_only_the_tracking_parameter() {
    let cases = [
        (
            "/shop/item?a=1&ta_tid=strip1&b=2#section",
            "/shop/item?a=1&b=2#section",
        ),
        ("/p?ta_tid=strip2#top", "/p#top"),
        ("/?x=1#/landing?ta_tid=strip3&utm=y", "/?x=1#/landing?utm=y"),
        ("/#/landing?ta_tid=strip4", "/#/landing"),
        (
            "/?ta_tid=strip5&keep=%20space+plus&%74a_tid=again&z=9",
            "/?keep=%20space+plus&z=9",
        ),
        // Invalid ids leave the address too, and are not stored.
        ("/?ta_tid=bad%3B&k=v", "/?k=v"),
    ];
    let _page = fresh(2 * cases.len() as u32).await;
    let strip = Options::default().strip_param(true);
    for (before, after) in cases {
        capture_at(before, &strip);
        assert_eq!(url(), after, "{before}");
    }
    assert_eq!(cookie_values("ta_tid"), ["strip5"]);
}

#[wasm_bindgen_test]
async fn strip_param_keeps_the_router_state_and_is_off_by_default() {
    let _page = fresh(2).await;
    let history = history();
    let state = Object::new();
    Reflect::set(&state, &"route".into(), &"landing".into()).unwrap();
    history
        .replace_state_with_url(&state, "", Some("/r?ta_tid=stateful&q=1"))
        .unwrap();
    capture(&Options::default());
    assert_eq!(
        url(),
        "/r?ta_tid=stateful&q=1",
        "stripParam is off by default"
    );
    let length = history.length().unwrap();
    capture(&Options::default().strip_param(true));
    assert_eq!(url(), "/r?q=1");
    let kept = Reflect::get(&history.state().unwrap(), &"route".into()).unwrap();
    assert_eq!(kept.as_string().as_deref(), Some("landing"));
    assert_eq!(history.length().unwrap(), length, "no history entry added");
}
