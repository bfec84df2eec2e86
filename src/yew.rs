//! Yew 0.23 integration (feature `yew`): [`Analytics`] captures the id in an effect,
//! [`use_tracking_id`] holds the id in effect and re-renders when it changes.
//!
//! ```toml
//! [dependencies]
//! taapit-capture = { version = "0.1", features = ["yew"] }
//! ```
//!
//! ```no_run
//! use taapit_capture::yew::{use_tracking_id, Analytics};
//! use yew::prelude::*;
//!
//! #[function_component]
//! fn App() -> Html {
//!     let tracking_id = use_tracking_id();
//!     html! {
//!         <>
//!             <Analytics />
//!             <p>{ "Tracking id: " }{ tracking_id.unwrap_or_default() }</p>
//!         </>
//!     }
//! }
//! ```
//!
//! Server rendering is safe: the browser is only touched in effects, which Yew runs in the
//! browser only, and in the first render on wasm32. A server-rendering app gives the request's
//! id to [`use_tracking_id`] with a [`RequestTrackingId`] context (and the same value to the
//! hydrating client, so both render the same).

use ::yew::prelude::*;

pub use crate::{clear, grant_consent, revoke_consent};

use crate::prelude::*;
use crate::Options;
use taapit_core::options::DEFAULT_NAME;

/// The props of [`Analytics`]: the [`Options`] of the capture (default
/// [`Options::default`]).
///
/// ```
/// use taapit_capture::yew::AnalyticsProps;
/// use taapit_capture::Options;
/// let options = Options::default().expires_in_days(60);
/// let props = yew::props!(AnalyticsProps { options: options.clone() });
/// assert_eq!(props.options, options);
/// ```
#[derive(Properties, Clone, Debug, PartialEq)]
pub struct AnalyticsProps {
    /// The capture's options (default [`Options::default`]).
    #[prop_or_default]
    pub options: Options,
    /// Captures again, with the same options, each time this value changes: the router's
    /// query string (default `None`: one capture after the first render).
    #[prop_or_default]
    pub capture_on: Option<String>,
}

/// Captures the tracking id from the page URL once, in an effect after the first render, and
/// renders nothing. Put it once at the root of the app.
///
/// ```no_run
/// use taapit_capture::yew::Analytics;
/// use taapit_capture::{Attribution, Consent, Options};
/// use yew::prelude::*;
///
/// #[function_component]
/// fn App() -> Html {
///     html! {
///         <>
///             <Analytics options={Options::default().attribution(Attribution::FirstClick).expires_in_days(60)} />
///             // or, until the visitor accepts the consent banner:
///             // <Analytics options={Options::default().consent(Consent::Pending)} />
///         </>
///     }
/// }
/// ```
///
/// A client-side route change (yew-router's `<Link>`, `navigator.push`) keeps `Analytics`
/// mounted, so an address with a new `ta_tid` is not captured by itself. Give `capture_on` the
/// router's query string and it captures again each time that changes:
///
/// ```ignore
/// use taapit_capture::yew::Analytics;
/// use yew::prelude::*;
/// use yew_router::hooks::use_location;
///
/// // Inside the app's <BrowserRouter>.
/// #[function_component]
/// fn Routed() -> Html {
///     let query = use_location().map(|location| location.query_str().to_owned());
///     html! { <Analytics capture_on={query} /> }
/// }
/// ```
#[function_component]
pub fn Analytics(props: &AnalyticsProps) -> Html {
    let options = props.options.clone();
    // Once after the first render, then after each render where `capture_on` changed (Yew
    // runs no effect on the server).
    use_effect_with(props.capture_on.clone(), move |_| capture(&options));
    Html::default()
}

/// The tracking id of the request being rendered on the server, for [`use_tracking_id`]:
/// provide it as context around the app (and the same value on the hydrating client).
///
/// ```
/// use taapit_capture::yew::RequestTrackingId;
/// use yew::prelude::*;
///
/// #[derive(Properties, PartialEq)]
/// struct RootProps {
///     cookie_header: String,
/// }
///
/// #[function_component]
/// fn Root(props: &RootProps) -> Html {
///     let id = RequestTrackingId::from_cookie_header(&props.cookie_header);
///     html! {
///         <ContextProvider<RequestTrackingId> context={id}>
///             <App />
///         </ContextProvider<RequestTrackingId>>
///     }
/// }
///
/// #[function_component]
/// fn App() -> Html {
///     // use_tracking_id() here is the request's id on the server.
///     html! {}
/// }
///
/// let id = RequestTrackingId::from_cookie_header("theme=dark; ta_tid=abc");
/// assert_eq!(id.0.as_deref(), Some("abc"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestTrackingId(pub Option<String>);

impl RequestTrackingId {
    /// The valid `ta_tid` of a request's `Cookie` header; an absent or invalid one is `None`.
    ///
    /// ```
    /// use taapit_capture::yew::RequestTrackingId;
    /// assert_eq!(RequestTrackingId::from_cookie_header("ta_tid=a%3Bb").0, None);
    /// ```
    pub fn from_cookie_header(header: &str) -> Self {
        Self::from_cookie_header_named(header, DEFAULT_NAME)
    }

    /// [`from_cookie_header`](Self::from_cookie_header) for a cookie named `cookie_name`
    /// (the `cookie_name` of `<Analytics />`).
    ///
    /// ```
    /// use taapit_capture::yew::RequestTrackingId;
    /// let id = RequestTrackingId::from_cookie_header_named("my_tid=xyz", "my_tid");
    /// assert_eq!(id.0.as_deref(), Some("xyz"));
    /// ```
    pub fn from_cookie_header_named(header: &str, cookie_name: &str) -> Self {
        RequestTrackingId(
            taapit_core::cookie::tracking_id_in(header, cookie_name).map(str::to_owned),
        )
    }
}

/// The tracking id in effect: `None` until one is captured, then the id; the component
/// re-renders after every capture, clear and consent change on the page (by this crate's Rust
/// calls, the script tag or the npm entry: they all fire `taapit:change`). Never an invalid
/// value. On the server, the [`RequestTrackingId`] context, else `None`.
///
/// ```no_run
/// use taapit_capture::yew::use_tracking_id;
/// use yew::prelude::*;
///
/// #[function_component]
/// fn Signup() -> Html {
///     let tracking_id = use_tracking_id();
///     let forget = Callback::from(|_| taapit_capture::yew::clear());
///     html! {
///         <>
///             <p>{ tracking_id.unwrap_or_else(|| "No tracking id".into()) }</p>
///             <button onclick={forget}>{ "Forget me" }</button>
///         </>
///     }
/// }
/// ```
#[hook]
pub fn use_tracking_id() -> Option<String> {
    use_tracking_id_with(&Options::default())
}

/// [`use_tracking_id`] for the cookie of `<Analytics options={…} />`: give it the same
/// [`Options`] (only the cookie name matters here; an invalid one reads `ta_tid`, as in
/// capture). In the browser that cookie is read from the first render, before any capture
/// ran. On the server the value is the [`RequestTrackingId`] context, which the app builds
/// with [`RequestTrackingId::from_cookie_header_named`] and the same name. The Leptos hook of
/// the same name takes the same argument.
///
/// ```no_run
/// use taapit_capture::yew::{use_tracking_id_with, Analytics};
/// use taapit_capture::Options;
/// use yew::prelude::*;
///
/// #[function_component]
/// fn App() -> Html {
///     let options = Options::default().cookie_name("shop_tid".into());
///     let tracking_id = use_tracking_id_with(&options);
///     html! {
///         <>
///             <Analytics options={options.clone()} />
///             <p>{ tracking_id.unwrap_or_default() }</p>
///         </>
///     }
/// }
/// ```
#[hook]
pub fn use_tracking_id_with(options: &Options) -> Option<String> {
    let name = options.valid_cookie_name().to_owned();
    let from_request = use_context::<RequestTrackingId>();
    let tracking_id = {
        let name = name.clone();
        use_state_eq(move || match from_request {
            Some(RequestTrackingId(id)) => id,
            None => page_tracking_id(&name),
        })
    };
    {
        let tracking_id = tracking_id.clone();
        use_effect_with(name, move |name| follow_changes(tracking_id, name.clone()));
    }
    (*tracking_id).clone()
}

#[cfg(target_arch = "wasm32")]
fn capture(options: &Options) {
    crate::capture(options);
}

#[cfg(target_arch = "wasm32")]
fn page_tracking_id(cookie_name: &str) -> Option<String> {
    crate::tracking_id_named(cookie_name)
}

/// Sets `tracking_id` from the page now (a server-rendered value may be stale), then after each
/// `taapit:change`; the returned guard removes the listener when the component goes.
#[cfg(target_arch = "wasm32")]
fn follow_changes(
    tracking_id: UseStateHandle<Option<String>>,
    cookie_name: String,
) -> impl FnOnce() {
    tracking_id.set(crate::tracking_id_named(&cookie_name));
    let listener = web_sys::window().map(|window| {
        gloo_events::EventListener::new(&window, crate::web::events::EVENT, move |event| {
            let read_again = || crate::tracking_id_named(&cookie_name);
            tracking_id.set(crate::web::events::tracking_id_after(event, read_again));
        })
    });
    move || drop(listener)
}

#[cfg(not(target_arch = "wasm32"))]
fn capture(_options: &Options) {}

#[cfg(not(target_arch = "wasm32"))]
fn page_tracking_id(_cookie_name: &str) -> Option<String> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
fn follow_changes(
    _tracking_id: UseStateHandle<Option<String>>,
    _cookie_name: String,
) -> impl FnOnce() {
    || ()
}
