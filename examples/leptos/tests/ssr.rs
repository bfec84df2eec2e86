//! The `leptos` feature on the server (`leptos-ssr`), rendered to strings natively: the id comes
//! from the request's `ta_tid` cookie when it is valid, and is `None` when it is invalid or
//! absent; `<Analytics />` renders nothing and touches no browser API (a browser call would
//! not even link natively). Also the mapping of `<Analytics />`'s props to `Options`.
//! Here, not in the root crate, so they share the server build's compiled Leptos.
#![cfg(feature = "ssr")]

use http::header::COOKIE;
use leptos::prelude::*;
use leptos_router::location::RequestUrl;
use taapit_capture::leptos::{use_tracking_id, use_tracking_id_with, Analytics, AnalyticsProps};
use taapit_capture::{Attribution, Consent, DomainOption, Options, SameSite, Secure};
use taapit_leptos_example::app::App;

/// The request parts leptos_axum provides, with these `Cookie` headers.
fn request(cookie_headers: &[&str]) -> http::request::Parts {
    let mut builder = http::Request::builder().uri("/");
    for header in cookie_headers {
        builder = builder.header(COOKIE, *header);
    }
    builder.body(()).expect("a request").into_parts().0
}

/// Renders `view()` on the server, with `parts` and their URL (the router's) in context when
/// given, as leptos_axum does.
fn render<V: IntoView + 'static>(
    parts: Option<http::request::Parts>,
    view: impl FnOnce() -> V,
) -> String {
    let owner = Owner::new();
    owner.with(|| {
        if let Some(parts) = parts {
            provide_context(RequestUrl::new(&parts.uri.to_string()));
            provide_context(parts);
        }
        view().to_html()
    })
}

#[component]
fn ShowId() -> impl IntoView {
    let id = use_tracking_id();
    view! { <p>{move || id.get().unwrap_or_else(|| "none".into())}</p> }
}

fn shown_id(cookie_headers: &[&str]) -> String {
    render(Some(request(cookie_headers)), || view! { <ShowId /> })
}

#[test]
fn a_valid_cookie_is_the_server_value() {
    assert_eq!(
        shown_id(&["ta_tid=rLnWe1uz9t282v7g"]),
        "<p>rLnWe1uz9t282v7g</p>"
    );
    assert_eq!(
        shown_id(&["theme=dark; ta_tid=abc-_.~XYZ; lang=fr"]),
        "<p>abc-_.~XYZ</p>"
    );
}

#[test]
fn an_invalid_cookie_is_none() {
    for jar in [
        "ta_tid=%3Cscript%3E",
        "ta_tid=a%3Bb",
        "ta_tid=",
        "ta_tid=caf\u{e9}",
        &format!("ta_tid={}", "A".repeat(129)),
        "other=abc",
    ] {
        assert_eq!(shown_id(&[jar]), "<p>none</p>", "{jar:?}");
    }
}

#[test]
fn the_first_valid_value_wins_across_cookies_and_headers() {
    assert_eq!(shown_id(&["ta_tid=%3Cx%3E; ta_tid=good"]), "<p>good</p>");
    // HTTP/2 may send one Cookie header per cookie.
    assert_eq!(shown_id(&["a=1", "ta_tid=second"]), "<p>second</p>");
}

#[test]
fn no_request_or_no_cookie_is_none() {
    assert_eq!(shown_id(&[]), "<p>none</p>");
    assert_eq!(render(None, || view! { <ShowId /> }), "<p>none</p>");
}

#[test]
fn the_cookie_name_option_reads_that_cookie() {
    #[component]
    fn Named(name: &'static str) -> impl IntoView {
        let options = Options::default().cookie_name(name.into());
        let id = use_tracking_id_with(&options);
        view! { <p>{move || id.get().unwrap_or_else(|| "none".into())}</p> }
    }
    let jar = "ta_tid=default; my_tid=custom";
    assert_eq!(
        render(Some(request(&[jar])), || view! { <Named name="my_tid" /> }),
        "<p>custom</p>"
    );
    // An invalid cookie name reads ta_tid, as capture does.
    assert_eq!(
        render(
            Some(request(&[jar])),
            || view! { <Named name="bad name" /> }
        ),
        "<p>default</p>"
    );
}

#[test]
fn analytics_renders_nothing_on_the_server() {
    let html = render(Some(request(&["ta_tid=abc"])), || {
        let options = Options::default()
            .attribution(Attribution::FirstClick)
            .expires_in_days(60);
        view! { <Analytics options /> }
    });
    // `<!>` is Leptos's placeholder for an empty view: no element, no text.
    assert_eq!(html, "<!>");
}

#[test]
fn the_example_app_renders_the_cookie_id() {
    let html = render(
        Some(request(&["ta_tid=fromcookie42"])),
        || view! { <App /> },
    );
    assert!(
        html.contains(r#"<output id="tracking-id">fromcookie42</output>"#),
        "{html}"
    );
    let html = render(
        Some(request(&["ta_tid=%3Cscript%3E"])),
        || view! { <App /> },
    );
    assert!(
        html.contains(r#"<output id="tracking-id">none</output>"#),
        "{html}"
    );
    assert!(
        !html.contains("script%3E") && !html.contains("<script>"),
        "{html}"
    );
}

#[test]
fn props_default_to_options_default() {
    assert_eq!(
        AnalyticsProps::builder().build().options,
        Options::default()
    );
}

#[test]
fn the_options_prop_is_the_captures_options() {
    let options = Options::default()
        .params(vec!["tid".into(), "ta_tid".into()])
        .cookie_name("my_tid".into())
        .expires_in_days(30)
        .domain(DomainOption::Explicit("example.com".into()))
        .attribution(Attribution::FirstClick)
        .same_site(SameSite::Strict)
        .secure(Secure::Always)
        .consent(Consent::Pending)
        .strip_param(true)
        .storage_fallback(false)
        .debug(true)
        .outbound(vec!["*.example.org".into()]);
    let props = AnalyticsProps::builder().options(options.clone()).build();
    assert_eq!(props.options, options);
}

/// `capture_on` on the server: the component renders nothing and never reads the address
/// (no capture runs there), and the router's `Memo<String>` (what
/// `leptos_router::hooks::use_location().search` is) converts into the prop.
#[test]
fn capture_on_is_not_read_on_the_server() {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let html = {
        let read = read.clone();
        render(Some(request(&["ta_tid=old"])), move || {
            let search = Memo::new(move |_| {
                read.store(true, std::sync::atomic::Ordering::SeqCst);
                "?ta_tid=new".to_owned()
            });
            view! { <Analytics capture_on=search /><ShowId /> }
        })
    };
    // `<!>`: the empty view of `<Analytics />`.
    assert_eq!(html, "<!><p>old</p>");
    assert!(!read.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn capture_on_defaults_to_none() {
    assert!(AnalyticsProps::builder().build().capture_on.is_none());
    // Signals live in an owner's arena.
    Owner::new().with(|| {
        let props = AnalyticsProps::builder()
            .capture_on(Signal::stored("?ta_tid=new".to_owned()))
            .build();
        assert_eq!(
            props.capture_on.map(|search| search.get_untracked()),
            Some("?ta_tid=new".to_owned())
        );
    });
}
