//! Browser tests: the page calling back into the module.

use super::*;

/// Routers and analytics tools wrap `history.replaceState`; their listener may ask for the
/// id while `stripParam` rewrites the address.
#[wasm_bindgen_test]
async fn a_replace_state_listener_may_read_the_id() {
    let _page = fresh(4).await;
    landing("/?ta_tid=storedBefore");
    set_url("/?ta_tid=storedAfter&x=1");
    let seen: Rc<RefCell<Vec<Option<String>>>> = Rc::default();
    let record = seen.clone();
    let listener = Closure::<dyn FnMut()>::new(move || record.borrow_mut().push(tracking_id()));
    on_replace_state(listener.as_ref().unchecked_ref());
    let outcome = capture(&Options::default().strip_param(true));
    restore_page();
    assert_eq!(outcome.tracking_id.as_deref(), Some("storedAfter"));
    assert_eq!(url(), "/?x=1");
    // The listener ran while the address changed, which is only once the new id is kept
    // (the parameter stays in the address until then, so a reload could still find it).
    assert_eq!(*seen.borrow(), [Some("storedAfter".to_string())]);
    assert_eq!(cookie_values("ta_tid"), ["storedAfter"]);
    assert_eq!(tracking_id().as_deref(), Some("storedAfter"));
}

#[wasm_bindgen_test]
async fn strip_keeps_a_path_that_starts_with_two_slashes() {
    let _page = fresh(3).await;
    // (`//landing` itself cannot be set: it would be another host.)
    set_url("/.//landing?ta_tid=slashes&x=1");
    assert_eq!(url(), "//landing?ta_tid=slashes&x=1");
    let outcome = capture(&Options::default().strip_param(true));
    assert_eq!(outcome.tracking_id.as_deref(), Some("slashes"));
    assert_eq!(url(), "//landing?x=1", "the path kept, the parameter gone");
}
