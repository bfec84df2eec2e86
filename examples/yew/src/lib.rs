//! The Yew example app (client-side): `<Analytics />` at the root, inside yew-router's
//! `<BrowserRouter>` so that a client-side navigation to a new `?ta_tid=` is captured too
//! (`capture_on`), the id from `use_tracking_id()`, a button that clears it and a signup form
//! that sends it to the backend.

use taapit_capture::yew::{clear, use_tracking_id, Analytics};
use yew::prelude::*;
use yew_router::prelude::*;

/// The app's one route: the page it is served at (index.html's `<base href>` is the router's
/// base), whatever its query.
#[derive(Clone, PartialEq, Routable)]
enum Route {
    #[at("/")]
    Landing,
}

/// What the browser renders: [`App`] inside the router.
#[function_component]
pub fn Routed() -> Html {
    html! {
        <BrowserRouter>
            <App />
        </BrowserRouter>
    }
}

/// The root: `<Analytics />` captures `?ta_tid=` after the first render, and again after each
/// route change to an address with a new one (`capture_on`) under a router; without one (the
/// server renderer's tests), once.
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
            <Capture />
            <main data-mounted={mounted.to_string()}>
                <h1>{ "Yew + taapit-capture" }</h1>
                <TrackingId />
                <Landing />
                <Signup />
            </main>
        </>
    }
}

/// `<Analytics />` given the router's query string, so that a client-side navigation to an
/// address with a new `ta_tid` is captured. Loaded with `?capture_on=off`, the app leaves the
/// prop out (one capture, after the first render), which the end-to-end tests compare against.
#[function_component]
fn Capture() -> Html {
    let location = use_location();
    let once = use_state(|| {
        location.as_ref().is_some_and(|location| {
            let query = location.query_str().trim_start_matches('?');
            query.split('&').any(|pair| pair == "capture_on=off")
        })
    });
    let query = location.map(|location| location.query_str().to_owned());
    if *once {
        html! { <Analytics /> }
    } else {
        html! { <Analytics capture_on={query} /> }
    }
}

/// A client-side navigation (the router's `navigator.push`, as a `<Link>` does) to
/// `?ta_tid=<the id typed>` on this page.
#[function_component]
fn Landing() -> Html {
    let navigator = use_navigator();
    let query = use_location().map(|location| location.query_str().to_owned());
    let next_id = use_node_ref();
    let onsubmit = {
        let next_id = next_id.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let (Some(navigator), Some(id)) = (&navigator, input_value(&next_id)) {
                let _ = navigator.push_with_query(&Route::Landing, [("ta_tid", id)]);
            }
        })
    };
    html! {
        <>
            <p>{ "The router's query: " }<output id="router-query">{ query.unwrap_or_default() }</output></p>
            <form id="landing" {onsubmit}>
                <label>{ "Land again with tracking id " }<input id="landing-id" ref={next_id} /></label>
                <button type="submit">{ "Navigate" }</button>
            </form>
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

/// The text of an `<input>`, when the node is one.
fn input_value(input: &NodeRef) -> Option<String> {
    input
        .cast::<web_sys::HtmlInputElement>()
        .map(|input| input.value())
}

/// Posts the signup and shows what the backend answered.
#[cfg(target_arch = "wasm32")]
fn send(email: &NodeRef, tracking_id: Option<String>, result: UseStateHandle<String>) {
    let email = input_value(email).unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        result.set(taapit_example_signup::post(&email, tracking_id.as_deref()).await);
    });
}

/// Event handlers only run in the browser; a server build has no form to send.
#[cfg(not(target_arch = "wasm32"))]
fn send(_email: &NodeRef, _tracking_id: Option<String>, _result: UseStateHandle<String>) {}

/// Renders [`Routed`] into `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn main() {
    yew::Renderer::<Routed>::new().render();
}
