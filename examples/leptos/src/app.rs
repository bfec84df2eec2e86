//! The app, the same on the server and in the browser.

use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use taapit_capture::leptos::{clear, use_tracking_id, Analytics};

/// The root: the router, and `<Analytics />`, which captures `?ta_tid=` once the app is mounted
/// and again after each route change to an address with a new one (`capture_on`).
#[component]
pub fn App() -> impl IntoView {
    // "true" once the app runs in the browser (effects run after mounting or hydrating); the
    // end-to-end tests wait for it before they click.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <Router>
            <Capture />
            <main data-mounted=move || mounted.get().to_string()>
                <h1>"Leptos + taapit-capture"</h1>
                <TrackingId />
                <Landing />
                <Signup />
            </main>
        </Router>
    }
}

/// `<Analytics />` given the router's search string, so that a client-side navigation to an
/// address with a new `ta_tid` is captured. Loaded with `?capture_on=off`, the app leaves the
/// prop out (one capture, after mounting), which the end-to-end tests compare against.
#[component]
fn Capture() -> impl IntoView {
    let once = use_query_map().with_untracked(|query| query.get_str("capture_on") == Some("off"));
    if once {
        view! { <Analytics /> }.into_any()
    } else {
        view! { <Analytics capture_on=use_location().search /> }.into_any()
    }
}

/// A client-side navigation (the router's `navigate`, as an `<A>` link does) to
/// `?ta_tid=<the id typed>` on this page.
#[component]
fn Landing() -> impl IntoView {
    let navigate = use_navigate();
    let search = use_location().search;
    let next_id = RwSignal::new(String::new());
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let query = format!("?ta_tid={}", next_id.get_untracked());
        navigate(&query, Default::default());
    };
    view! {
        <p>"The router's query: " <output id="router-query">{move || search.get()}</output></p>
        <form id="landing" on:submit=on_submit>
            <label>"Land again with tracking id " <input id="landing-id" bind:value=next_id /></label>
            <button type="submit">"Navigate"</button>
        </form>
    }
}

/// The id in effect, live: it changes after a capture, a clear or a consent change.
#[component]
fn TrackingId() -> impl IntoView {
    let tracking_id = use_tracking_id();
    view! {
        <p>
            "Tracking id: "
            <output id="tracking-id">{move || tracking_id.get().unwrap_or_else(|| "none".into())}</output>
        </p>
        <button id="clear" on:click=|_| clear()>"Clear the tracking id"</button>
    }
}

/// A signup form that sends the id with the email to `POST /api/signup`, where the backend
/// would report the lead to Taapit (it reads the `ta_tid` cookie first, then `trackingId`).
#[component]
fn Signup() -> impl IntoView {
    let tracking_id = use_tracking_id();
    let email = RwSignal::new(String::new());
    let result = RwSignal::new(String::new());
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        send(email.get_untracked(), tracking_id.get_untracked(), result);
    };
    view! {
        <form id="signup" on:submit=on_submit>
            <label>"Email " <input id="email" type="email" required bind:value=email /></label>
            <button type="submit">"Sign up"</button>
        </form>
        <output id="signup-result">{move || result.get()}</output>
    }
}

/// Posts the signup and shows what the backend answered.
#[cfg(target_arch = "wasm32")]
fn send(email: String, tracking_id: Option<String>, result: RwSignal<String>) {
    leptos::task::spawn_local(async move {
        result.set(taapit_example_signup::post(&email, tracking_id.as_deref()).await);
    });
}

/// Event handlers only run in the browser; the server build has no form to send.
#[cfg(not(target_arch = "wasm32"))]
fn send(_email: String, _tracking_id: Option<String>, _result: RwSignal<String>) {}
