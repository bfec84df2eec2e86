//! Browser tests: consent.

use super::*;

#[wasm_bindgen_test]
async fn consent_pending_then_granted_then_revoked() {
    let _page = fresh(2).await;
    let pending = Options::default().consent(Consent::Pending);
    let outcome = capture_at("/?ta_tid=consent1", &pending);
    assert_eq!(outcome.tracking_id.as_deref(), Some("consent1"));
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(outcome.expires_at_ms, None);
    assert_eq!(
        jar(),
        "",
        "nothing in document.cookie while consent is pending"
    );
    assert_eq!(mirror(), None);
    assert_eq!(
        tracking_id().as_deref(),
        Some("consent1"),
        "readable from memory"
    );

    let before = now_ms();
    let granted = grant_consent();
    assert_eq!(granted.tracking_id.as_deref(), Some("consent1"));
    assert_eq!(granted.source, Some(Source::Search));
    assert_eq!(granted.storage, Some(Storage::Cookie));
    assert_expires_in(&granted, 90, before);
    assert_eq!(jar(), "ta_tid=consent1");
    // Granting again changes nothing.
    assert_eq!(grant_consent().tracking_id.as_deref(), Some("consent1"));
    assert_eq!(jar(), "ta_tid=consent1");

    revoke_consent();
    assert_eq!(jar(), "", "cookie gone");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None);

    // After a revocation even a capture with default options keeps the id in memory...
    let outcome = landing("/?ta_tid=consent2");
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(jar(), "");
    assert_eq!(tracking_id().as_deref(), Some("consent2"));
    // ...until consent is granted again.
    assert_eq!(grant_consent().storage, Some(Storage::Cookie));
    assert_eq!(jar(), "ta_tid=consent2");
}

#[wasm_bindgen_test]
async fn revoking_consent_deletes_cookie_and_mirror() {
    let _page = fresh(1).await;
    landing("/?ta_tid=revokeMe");
    set_mirror(&format!("revokeMe|{}", now_ms() + 3_600_000));
    revoke_consent();
    assert_eq!(jar(), "");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn granting_consent_with_cookies_blocked_uses_the_mirror() {
    let _page = fresh(1).await;
    capture_at(
        "/?ta_tid=grantMirror",
        &Options::default().consent(Consent::Pending),
    );
    assert_eq!(local_storage().length().unwrap(), 0);
    block_cookies("ignore");
    let granted = grant_consent();
    assert_eq!(granted.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("grantMirror|"));
    assert_eq!(jar(), "");
}
