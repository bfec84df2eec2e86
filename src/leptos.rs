//! Leptos 0.8 integration (feature `leptos`): [`Analytics`] captures the id once the app is
//! mounted, [`use_tracking_id`] holds the id in effect as a signal.
//!
//! ```toml
//! [dependencies]
//! taapit-capture = { version = "0.1", features = ["leptos"] }
//!
//! [features]
//! # Server-rendering apps only, as with leptos-use: the server then reads the request's
//! # cookie and never touches a browser API.
//! ssr = ["leptos/ssr", "taapit-capture/leptos-ssr"]
//! ```
//!
//! ```no_run
//! use leptos::prelude::*;
//! use taapit_capture::leptos::{use_tracking_id, Analytics};
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     let tracking_id = use_tracking_id();
//!     view! {
//!         <Analytics />
//!         <p>"Tracking id: " {move || tracking_id.get().unwrap_or_default()}</p>
//!     }
//! }
//! ```
//!
//! Where the code runs:
//! - in the browser (`csr` and `hydrate` builds), `Analytics` captures in an effect, after the
//!   app is mounted, and each [`use_tracking_id`] listens to the page's `taapit:change` event,
//!   which every surface fires after a capture, clear or consent change: this crate's Rust
//!   calls ([`clear`], …), the script tag and the npm entry;
//! - on the server (feature `leptos-ssr`), nothing runs in `Analytics`, and
//!   [`use_tracking_id`] reads the `ta_tid` cookie of the request that `leptos_axum` provides
//!   as context (`http::request::Parts`). The value goes to the client with the HTML, so
//!   hydration starts from the same id the server rendered.

use ::leptos::prelude::*;
use ::leptos::server::codee::{Decoder, Encoder};

pub use crate::{clear, grant_consent, revoke_consent};

use crate::prelude::*;
use crate::Options;
#[cfg(feature = "leptos-ssr")]
use taapit_core::options::DEFAULT_NAME;

/// Captures the tracking id from the page URL once, after the app is mounted in the browser,
/// and renders nothing. Put it once at the root of the app. Its one prop, `options`, is the
/// [`Options`] of the capture (default [`Options::default`]), as leptos-use components take
/// theirs.
///
/// ```no_run
/// use leptos::prelude::*;
/// use taapit_capture::leptos::Analytics;
/// use taapit_capture::{Attribution, Consent, Options};
///
/// #[component]
/// fn App() -> impl IntoView {
///     let options = Options::default().attribution(Attribution::FirstClick).expires_in_days(60);
///     view! {
///         <Analytics options />
///         // or, until the visitor accepts the consent banner:
///         // <Analytics options=Options::default().consent(Consent::Pending) />
///     }
/// }
/// ```
///
/// A client-side route change (leptos_router's `<A>`, `use_navigate`) keeps `Analytics`
/// mounted, so an address with a new `ta_tid` is not captured by itself. Give `capture_on` the
/// router's search string and it captures again each time that changes:
///
/// ```ignore
/// use leptos::prelude::*;
/// use leptos_router::hooks::use_location;
/// use taapit_capture::leptos::Analytics;
///
/// // Inside the app's <Router>.
/// #[component]
/// fn Routed() -> impl IntoView {
///     view! { <Analytics capture_on=use_location().search /> }
/// }
/// ```
///
/// On the server (feature `leptos-ssr`) and outside wasm32 it does nothing and reads neither
/// prop's value.
#[component]
pub fn Analytics(
    /// The capture's options (default [`Options::default`]).
    #[prop(optional)]
    options: Options,
    /// Captures again, with the same options, each time this value changes: the router's
    /// search string (default: none, one capture after mounting).
    #[prop(optional, into)]
    capture_on: Option<Signal<String>>,
) -> impl IntoView {
    capture_after_mount(options, capture_on);
}

/// The tracking id in effect, as a signal: `None` until one is captured, then the id, updated
/// after every capture, clear and consent change made on the page (by this crate's Rust calls,
/// the script tag or the npm entry: they all fire `taapit:change`). Never an invalid value.
///
/// On the server (feature `leptos-ssr`) it is the request's valid `ta_tid` cookie, or `None`.
///
/// ```no_run
/// use leptos::prelude::*;
/// use taapit_capture::leptos::use_tracking_id;
///
/// #[component]
/// fn Signup() -> impl IntoView {
///     let tracking_id = use_tracking_id();
///     view! {
///         <Show when=move || tracking_id.get().is_some() fallback=|| "No tracking id">
///             "Tracking id: " {move || tracking_id.get()}
///         </Show>
///         <button on:click=|_| taapit_capture::leptos::clear()>"Forget me"</button>
///     }
/// }
/// ```
pub fn use_tracking_id() -> Signal<Option<String>> {
    use_tracking_id_with(&Options::default())
}

/// [`use_tracking_id`] for the cookie of `<Analytics options />`: give it the same
/// [`Options`] (only the cookie name matters here; an invalid one reads `ta_tid`, as in
/// capture). The Yew hook of the same name takes the same argument.
///
/// ```no_run
/// use leptos::prelude::*;
/// use taapit_capture::leptos::{use_tracking_id_with, Analytics};
/// use taapit_capture::Options;
///
/// #[component]
/// fn App() -> impl IntoView {
///     let options = Options::default().cookie_name("my_tid".into());
///     let tracking_id = use_tracking_id_with(&options);
///     view! { <Analytics options /> <p>{move || tracking_id.get()}</p> }
/// }
/// ```
pub fn use_tracking_id_with(options: &Options) -> Signal<Option<String>> {
    let cookie_name = options.valid_cookie_name().to_owned();
    // Server: read from the request and written into the HTML; hydration: read back from the
    // HTML (not from the page, which a script may have changed since), so both render the
    // same; client-side rendering: read from the page.
    let initial = SharedValue::<_, IdText>::new_with_encoding(|| initial_tracking_id(&cookie_name))
        .into_inner();
    let tracking_id = RwSignal::new(initial);
    follow_changes(tracking_id, cookie_name);
    tracking_id.into()
}

/// How the server hands `use_tracking_id`'s first value to hydration: the id as it is, or the
/// empty text for none (a valid id is never empty, and holds no character that needs quoting).
/// Plain text, not Leptos's default JSON codec: that one brings serde_json's decoder into the
/// app's `.wasm` (bench/SIZE_STEPS.md, "The Rust apps' share"). A text that is no valid id is
/// refused, and the hook then reads the page instead.
struct IdText;

impl Encoder<Option<String>> for IdText {
    type Error = ();
    type Encoded = String;

    fn encode(id: &Option<String>) -> Result<String, ()> {
        Ok(id.clone().unwrap_or_default())
    }
}

impl Decoder<Option<String>> for IdText {
    type Error = ();
    type Encoded = str;

    fn decode(text: &str) -> Result<Option<String>, ()> {
        match text {
            "" => Ok(None),
            id if crate::is_valid_id(id) => Ok(Some(id.to_owned())),
            _ => Err(()),
        }
    }
}

/// Whether this build runs in the browser: wasm32, and not a server build (`leptos-ssr`, which
/// a server on a wasm32 edge runtime may turn on).
macro_rules! browser_only {
    ($($item:item)*) => {
        $(#[cfg(all(target_arch = "wasm32", not(feature = "leptos-ssr")))] $item)*
    };
}
macro_rules! not_browser {
    ($($item:item)*) => {
        $(#[cfg(not(all(target_arch = "wasm32", not(feature = "leptos-ssr"))))] $item)*
    };
}

browser_only! {
    fn capture_after_mount(options: Options, capture_on: Option<Signal<String>>) {
        // An effect runs once the view is mounted (or hydrated), in the browser only. It
        // tracks `capture_on` alone, so it runs again when that changes (a route change), and
        // never without it.
        Effect::new(move |_| {
            if let Some(address) = capture_on {
                address.track();
            }
            crate::capture(&options);
        });
    }

    fn initial_tracking_id(cookie_name: &str) -> Option<String> {
        crate::tracking_id_named(cookie_name)
    }

    fn follow_changes(tracking_id: RwSignal<Option<String>>, cookie_name: String) {
        let name = cookie_name.clone();
        let handle = window_event_listener_untyped(crate::web::events::EVENT, move |event| {
            let read_again = || crate::tracking_id_named(&name);
            tracking_id.set(crate::web::events::tracking_id_after(&event, read_again));
        });
        on_cleanup(move || handle.remove());
        // After hydration, the page's own value (which the mirror or a capture made before the
        // app loaded may have set) replaces the server's.
        Effect::new(move |_| tracking_id.set(crate::tracking_id_named(&cookie_name)));
    }
}

not_browser! {
    fn capture_after_mount(_options: Options, _capture_on: Option<Signal<String>>) {}

    fn follow_changes(_tracking_id: RwSignal<Option<String>>, _cookie_name: String) {}
}

#[cfg(feature = "leptos-ssr")]
fn initial_tracking_id(cookie_name: &str) -> Option<String> {
    let request = use_context::<http::request::Parts>()?;
    request_tracking_id(&request.headers, cookie_name)
}

#[cfg(all(not(feature = "leptos-ssr"), not(target_arch = "wasm32")))]
fn initial_tracking_id(_cookie_name: &str) -> Option<String> {
    None
}

/// The valid `ta_tid` cookie of a request's headers, as [`use_tracking_id`] reads it on the
/// server: for handlers beside the app (a signup endpoint, a server function). The first valid
/// value of every `Cookie` header (HTTP/2 may send several); `None` if there is none.
///
/// ```
/// use http::header::COOKIE;
/// let mut headers = http::HeaderMap::new();
/// headers.insert(COOKIE, "theme=dark; ta_tid=abc".parse().unwrap());
/// assert_eq!(taapit_capture::leptos::tracking_id_from_headers(&headers).as_deref(), Some("abc"));
/// headers.insert(COOKIE, "ta_tid=%3Cscript%3E".parse().unwrap());
/// assert_eq!(taapit_capture::leptos::tracking_id_from_headers(&headers), None);
/// // Another cookie's value in raw UTF-8 does not hide the id.
/// let jar = http::HeaderValue::from_bytes("city=Zürich; ta_tid=abc".as_bytes()).unwrap();
/// headers.insert(COOKIE, jar);
/// assert_eq!(taapit_capture::leptos::tracking_id_from_headers(&headers).as_deref(), Some("abc"));
/// ```
#[cfg(feature = "leptos-ssr")]
pub fn tracking_id_from_headers(headers: &http::HeaderMap) -> Option<String> {
    request_tracking_id(headers, DEFAULT_NAME)
}

/// The valid tracking id of a request's `Cookie` headers, if any (the core's one reader of
/// the header).
#[cfg(feature = "leptos-ssr")]
fn request_tracking_id(headers: &http::HeaderMap, cookie_name: &str) -> Option<String> {
    let values = headers.get_all(http::header::COOKIE).into_iter();
    taapit_core::cookie::tracking_id_in_headers(
        values.map(http::HeaderValue::as_bytes),
        cookie_name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hydration_hand_off_is_the_id_as_text() {
        let id = Some("rLnWe1uz9t282v7g".to_owned());
        assert_eq!(IdText::encode(&id).as_deref(), Ok("rLnWe1uz9t282v7g"));
        assert_eq!(IdText::encode(&None).as_deref(), Ok(""));
        for value in [id, None] {
            let text = IdText::encode(&value).unwrap();
            assert_eq!(IdText::decode(&text), Ok(value));
        }
    }

    #[test]
    fn a_hand_off_that_is_no_valid_id_is_refused() {
        // Refused, the hook reads the page instead of showing what capture would not store.
        for text in ["<script>", "a b", "\"abc\"", "a;b"] {
            assert_eq!(IdText::decode(text), Err(()), "{text}");
        }
    }
}
