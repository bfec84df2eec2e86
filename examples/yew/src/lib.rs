//! The Yew example app (client-side): `<Analytics />` at the root, the id from
//! `use_tracking_id()`, a button that clears it and a signup form that sends it to the backend.

use taapit_capture::yew::{clear, use_tracking_id, Analytics};
use yew::prelude::*;

/// The root: `<Analytics />` captures `?ta_tid=` after the first render.
#[function_component]
pub fn App() -> Html {
    // "true" once the app runs in the browser (effects run after rendering); the end-to-end
    // tests wait for it before they click.
    let mounted = use_state_eq(|| false);
    {
        let mounted = mounted.clone();
        use_effect_with((), move |_| mounted.set(true));
    }
    html! {
        <>
            <Analytics />
            <main data-mounted={mounted.to_string()}>
                <h1>{ "Yew + taapit-capture" }</h1>
                <TrackingId />
                <Signup />
            </main>
        </>
    }
}

/// The id in effect, live: it changes after a capture, a clear or a consent change.
#[function_component]
fn TrackingId() -> Html {
    let tracking_id = use_tracking_id();
    html! {
        <>
            <p>
                { "Tracking id: " }
                <output id="tracking-id">{ tracking_id.unwrap_or_else(|| "none".into()) }</output>
            </p>
            <button id="clear" onclick={Callback::from(|_| clear())}>{ "Clear the tracking id" }</button>
        </>
    }
}

/// A signup form that sends the id with the email to `POST /api/signup`, where the backend
/// would report the lead to Taapit (it reads the `ta_tid` cookie first, then `trackingId`).
#[function_component]
fn Signup() -> Html {
    let tracking_id = use_tracking_id();
    let email = use_node_ref();
    let result = use_state(String::new);
    let onsubmit = {
        let email = email.clone();
        let result = result.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            send(&email, tracking_id.clone(), result.clone());
        })
    };
    html! {
        <>
            <form id="signup" {onsubmit}>
                <label>{ "Email " }<input id="email" type="email" required=true ref={email} /></label>
                <button type="submit">{ "Sign up" }</button>
            </form>
            <output id="signup-result">{ (*result).clone() }</output>
        </>
    }
}

/// Posts the signup and shows what the backend answered.
#[cfg(target_arch = "wasm32")]
fn send(email: &NodeRef, tracking_id: Option<String>, result: UseStateHandle<String>) {
    let email = email
        .cast::<web_sys::HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        result.set(taapit_example_signup::post(&email, tracking_id.as_deref()).await);
    });
}

/// Event handlers only run in the browser; a server build has no form to send.
#[cfg(not(target_arch = "wasm32"))]
fn send(_email: &NodeRef, _tracking_id: Option<String>, _result: UseStateHandle<String>) {}

/// Renders [`App`] into `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn main() {
    yew::Renderer::<App>::new().render();
}
