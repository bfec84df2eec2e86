//! `POST /api/signup` with `fetch` (same-origin, so the `ta_tid` cookie goes along).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Sends `{ email, trackingId }` and describes the answer: the id the backend found, or why
/// it failed.
pub async fn post(email: &str, tracking_id: Option<&str>) -> String {
    match try_post(email, tracking_id).await {
        Ok(answer) => describe(&answer),
        Err(error) => format!("signup failed: {error}"),
    }
}

async fn try_post(email: &str, tracking_id: Option<&str>) -> Result<serde_json::Value, String> {
    let body = serde_json::json!({ "email": email, "trackingId": tracking_id }).to_string();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let request =
        Request::new_with_str_and_init("/api/signup", &init).map_err(|e| format!("{e:?}"))?;
    request
        .headers()
        .set("Content-Type", "application/json")
        .map_err(|e| format!("{e:?}"))?;
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("{e:?}"))?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        return Err(format!("HTTP {}: {text}", response.status()));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// "Signed up with tracking id X" or "Signed up without a tracking id": the id of the lead the
/// backend would report (`lead.body.trackingId` in the demo backend's answer).
fn describe(answer: &serde_json::Value) -> String {
    match answer
        .pointer("/lead/body/trackingId")
        .and_then(|id| id.as_str())
    {
        Some(id) => format!("Signed up with tracking id {id}"),
        None => "Signed up without a tracking id".to_owned(),
    }
}
