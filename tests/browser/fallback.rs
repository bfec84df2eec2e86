//! Browser tests: fallback.

use super::*;

#[wasm_bindgen_test]
async fn throwing_cookies_fall_back_to_the_local_storage_mirror() {
    let _page = fresh(2).await;
    block_cookies("throw");
    let before = now_ms();
    let outcome = landing("/?ta_tid=mirror1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("mirror1"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert_eq!(outcome.storage.map(Storage::as_str), Some("localStorage"));
    assert_eq!(outcome.domain, None);
    assert_expires_in(&outcome, 90, before);
    let expires = outcome.expires_at_ms.unwrap();
    assert_eq!(mirror(), Some(format!("mirror1|{expires}")));
    assert_eq!(tracking_id().as_deref(), Some("mirror1"));
    let later = landing("/");
    assert_eq!(
        later.tracking_id.as_deref(),
        Some("mirror1"),
        "a later capture reports it"
    );
    assert_eq!(later.source, Some(Source::Stored));
    assert_eq!(later.storage, Some(Storage::LocalStorage));
    restore_page();
    assert_eq!(jar(), "", "the real jar got nothing");
}

#[wasm_bindgen_test]
async fn silently_ignored_cookies_fall_back_to_the_mirror() {
    let _page = fresh(1).await;
    // Cookies disabled: document.cookie reads "" and drops writes without throwing.
    block_cookies("ignore");
    let outcome = landing("/?ta_tid=mirror2");
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("mirror2|"));
    assert_eq!(tracking_id().as_deref(), Some("mirror2"));
}

#[wasm_bindgen_test]
async fn no_cookies_and_no_local_storage_keep_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("throw");
    block_local_storage();
    let outcome = landing("/?ta_tid=memory1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("memory1"));
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(outcome.storage.map(Storage::as_str), Some("memory"));
    assert_eq!(outcome.expires_at_ms, None);
    assert_eq!(tracking_id().as_deref(), Some("memory1"));
    // Clearing and consent work without any storage, too.
    revoke_consent();
    assert_eq!(tracking_id(), None);
    assert_eq!(grant_consent().tracking_id, None);
    restore_page();
    assert_eq!(jar(), "");
    assert_eq!(local_storage().length().unwrap(), 0);
}

#[wasm_bindgen_test]
async fn a_full_local_storage_keeps_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("ignore");
    fill_local_storage();
    let outcome = landing("/?ta_tid=memory2");
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(tracking_id().as_deref(), Some("memory2"));
    restore_page();
    assert_eq!(local_storage().length().unwrap(), 0);
}

#[wasm_bindgen_test]
async fn storage_fallback_off_keeps_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("throw");
    let outcome = capture_at(
        "/?ta_tid=memory3",
        &Options::default().storage_fallback(false),
    );
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id().as_deref(), Some("memory3"));
}

/// `Secure` on an http: page: whether the browser keeps it differs (127.0.0.1 is a
/// "potentially trustworthy" origin); the outcome must say where the id really went.
#[wasm_bindgen_test]
async fn secure_cookies_on_http_are_reported_where_they_really_went() {
    let _page = fresh(1).await;
    for (label, options) in [
        ("Secure", Options::default().secure(Secure::Always)),
        (
            "SameSite=None",
            Options::default()
                .same_site(SameSite::None)
                .secure(Secure::Never),
        ),
    ] {
        let outcome = capture_at("/?ta_tid=secureId", &options);
        match outcome.storage {
            Some(Storage::Cookie) => {
                assert_eq!(cookie_values("ta_tid"), ["secureId"], "{label}");
                assert_eq!(mirror(), None, "{label}");
            }
            Some(Storage::LocalStorage) => {
                assert_eq!(jar(), "", "{label}");
                assert!(mirror().unwrap().starts_with("secureId|"), "{label}");
            }
            other => panic!("{label}: kept in {other:?}"),
        }
        assert_eq!(tracking_id().as_deref(), Some("secureId"), "{label}");
        console_log!(
            "{label} cookie written from http://127.0.0.1: kept in {:?}",
            outcome.storage
        );
        clear();
        expire_all_cookies();
    }
}
