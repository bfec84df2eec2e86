//! The `yew` feature under Yew's server renderer, natively: no panic and no browser access
//! (a browser call would not even link natively); `use_tracking_id` gives the
//! `RequestTrackingId` context (the request's valid `ta_tid` cookie) or `None`. Also the
//! mapping of `<Analytics />`'s props to `Options`.

use taapit_capture::yew::{
    use_tracking_id, use_tracking_id_with, Analytics, AnalyticsProps, RequestTrackingId,
};
use taapit_capture::{Attribution, Consent, DomainOption, Options, SameSite, Secure};
use taapit_yew_example::App;
use yew::prelude::*;
use yew::LocalServerRenderer;

#[derive(Properties, PartialEq, Clone)]
struct RootProps {
    /// The request's Cookie header; `None`: no `RequestTrackingId` context at all.
    cookie_header: Option<String>,
}

#[function_component]
fn ShowId() -> Html {
    let id = use_tracking_id();
    html! { <p>{ id.unwrap_or_else(|| "none".into()) }</p> }
}

#[function_component]
fn Root(props: &RootProps) -> Html {
    let page = html! { <><Analytics options={Options::default().attribution(Attribution::FirstClick)} /><ShowId /><App /></> };
    match &props.cookie_header {
        Some(header) => html! {
            <ContextProvider<RequestTrackingId> context={RequestTrackingId::from_cookie_header(header)}>
                { page }
            </ContextProvider<RequestTrackingId>>
        },
        None => page,
    }
}

async fn render(cookie_header: Option<&str>) -> String {
    let props = RootProps {
        cookie_header: cookie_header.map(str::to_owned),
    };
    LocalServerRenderer::<Root>::with_props(props)
        .hydratable(false)
        .render()
        .await
}

#[tokio::test(flavor = "current_thread")]
async fn a_valid_cookie_is_the_server_value() {
    let html = render(Some("theme=dark; ta_tid=rLnWe1uz9t282v7g")).await;
    assert!(html.starts_with("<p>rLnWe1uz9t282v7g</p>"), "{html}");
    assert!(
        html.contains(r#"<output id="tracking-id">rLnWe1uz9t282v7g</output>"#),
        "{html}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_invalid_cookie_is_none() {
    for header in [
        "ta_tid=%3Cscript%3E",
        "ta_tid=a%3Bb",
        "ta_tid=",
        "other=abc",
        &format!("ta_tid={}", "A".repeat(129)),
    ] {
        let html = render(Some(header)).await;
        assert!(html.starts_with("<p>none</p>"), "{header:?}: {html}");
        assert!(
            html.contains(r#"<output id="tracking-id">none</output>"#),
            "{header:?}: {html}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_context_is_none() {
    let html = render(None).await;
    assert!(html.starts_with("<p>none</p>"), "{html}");
}

#[test]
fn request_tracking_id_reads_the_first_valid_value() {
    assert_eq!(
        RequestTrackingId::from_cookie_header("ta_tid=%3Cx%3E; ta_tid=good")
            .0
            .as_deref(),
        Some("good")
    );
    assert_eq!(
        RequestTrackingId::from_cookie_header_named("ta_tid=a; my_tid=b", "my_tid")
            .0
            .as_deref(),
        Some("b")
    );
    assert_eq!(
        RequestTrackingId::from_cookie_header(""),
        RequestTrackingId(None)
    );
}

#[test]
fn props_default_to_options_default() {
    assert_eq!(yew::props!(AnalyticsProps {}).options, Options::default());
}

#[test]
fn the_options_prop_is_the_captures_options() {
    let options = Options::default()
        .params(vec!["tid".into()])
        .cookie_name("my_tid".into())
        .expires_in_days(30)
        .domain(DomainOption::Host)
        .attribution(Attribution::FirstClick)
        .same_site(SameSite::None)
        .secure(Secure::Never)
        .consent(Consent::Pending)
        .strip_param(true)
        .storage_fallback(false)
        .debug(true)
        .outbound(vec!["shop.example.net".into()]);
    let props = yew::props!(AnalyticsProps {
        options: options.clone()
    });
    assert_eq!(props.options, options);
}

#[function_component]
fn ShopId() -> Html {
    let options = Options::default().cookie_name("shop_tid".into());
    let id = use_tracking_id_with(&options);
    html! { <p>{ id.unwrap_or_else(|| "none".into()) }</p> }
}

#[derive(Properties, PartialEq, Clone)]
struct NamedProps {
    cookie_header: String,
}

#[function_component]
fn NamedRoot(props: &NamedProps) -> Html {
    let id = RequestTrackingId::from_cookie_header_named(&props.cookie_header, "shop_tid");
    html! {
        <ContextProvider<RequestTrackingId> context={id}>
            <Analytics options={Options::default().cookie_name("shop_tid".into())} />
            <ShopId />
        </ContextProvider<RequestTrackingId>>
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_named_cookie_is_the_server_value_of_the_named_hook() {
    let render = |header: &str| {
        let props = NamedProps {
            cookie_header: header.to_owned(),
        };
        LocalServerRenderer::<NamedRoot>::with_props(props)
            .hydratable(false)
            .render()
    };
    let html = render("ta_tid=other; shop_tid=named1").await;
    assert_eq!(html, "<p>named1</p>");
    let html = render("ta_tid=other").await;
    assert_eq!(
        html, "<p>none</p>",
        "the default cookie is not the named one"
    );
}

#[test]
fn capture_on_defaults_to_none() {
    assert_eq!(yew::props!(AnalyticsProps {}).capture_on, None);
    let props = yew::props!(AnalyticsProps {
        capture_on: Some("?ta_tid=new".to_owned())
    });
    assert_eq!(props.capture_on.as_deref(), Some("?ta_tid=new"));
}

#[derive(Properties, PartialEq, Clone)]
struct RoutedProps {
    query: Option<String>,
}

#[function_component]
fn Routed(props: &RoutedProps) -> Html {
    html! {
        <ContextProvider<RequestTrackingId> context={RequestTrackingId::from_cookie_header("ta_tid=old")}>
            <Analytics capture_on={props.query.clone()} />
            <ShowId />
        </ContextProvider<RequestTrackingId>>
    }
}

/// `capture_on` on the server: the component renders nothing and the id stays the request's
/// (no capture runs there, whatever the address says).
#[tokio::test(flavor = "current_thread")]
async fn capture_on_does_nothing_on_the_server() {
    let props = RoutedProps {
        query: Some("?ta_tid=new".to_owned()),
    };
    let html = LocalServerRenderer::<Routed>::with_props(props)
        .hydratable(false)
        .render()
        .await;
    assert_eq!(html, "<p>old</p>");
}
