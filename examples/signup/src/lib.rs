//! The signup request of the Leptos and Yew example apps (one crate, so the two apps send the
//! same request): `POST /api/signup` with `fetch` (same-origin, so the `ta_tid` cookie goes
//! along), through gloo-net, to the demo backend (crates/demo) or the end-to-end tests' server.

use gloo_net::http::Request;
use serde_json::{json, Value};

/// Sends `{ email, trackingId }` and describes the answer: the id the backend found, or why
/// it failed.
pub async fn post(email: &str, tracking_id: Option<&str>) -> String {
    match try_post(email, tracking_id).await {
        Ok(answer) => describe(&answer),
        Err(error) => format!("signup failed: {error}"),
    }
}

async fn try_post(email: &str, tracking_id: Option<&str>) -> Result<Value, String> {
    let body = json!({ "email": email, "trackingId": tracking_id });
    let response = Request::post("/api/signup")
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        let text = response.text().await.unwrap_or_default();
        return Err(format!("HTTP {}: {text}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// "Signed up with tracking id X" or "Signed up without a tracking id": the id of the lead the
/// backend would report (`lead.body.trackingId` in the demo backend's answer).
fn describe(answer: &Value) -> String {
    match answer
        .pointer("/lead/body/trackingId")
        .and_then(Value::as_str)
    {
        Some(id) => format!("Signed up with tracking id {id}"),
        None => "Signed up without a tracking id".to_owned(),
    }
}
