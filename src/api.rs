//! The Rust API: the same calls as the npm entry's, over the page in the browser (wasm32,
//! `crate::web`). Each compiles on every target so that a component rendered on a server
//! (Leptos, Yew) can call it; off wasm32, where no page exists, each does nothing and returns
//! its empty value.

#[cfg(not(target_arch = "wasm32"))]
use taapit_core::{Capture, Options};

#[cfg(target_arch = "wasm32")]
use crate::prelude::*;
#[cfg(target_arch = "wasm32")]
use crate::web::{events::changed, with_page};
#[cfg(target_arch = "wasm32")]
use taapit_core::capture as rules;
#[cfg(target_arch = "wasm32")]
use taapit_core::event;
#[cfg(target_arch = "wasm32")]
use taapit_core::outbound::parse_pattern;
#[cfg(target_arch = "wasm32")]
use taapit_core::{Capture, DomainOption, Options, Session};

/// Reads the tracking id from the page URL and stores it by the capture rules.
///
/// ```
/// use taapit_capture::{capture, Options};
/// let outcome = capture(&Options::default().expires_in_days(60));
/// if let Some(id) = outcome.tracking_id {
///     // stored in outcome.storage, for outcome.domain
/// }
/// ```
pub fn capture(options: &Options) -> Capture {
    #[cfg(target_arch = "wasm32")]
    {
        let options = as_read(options);
        let outcome = with_page(|page, session| rules::capture_owned(page, session, options));
        changed(event::CAPTURE, Some(&outcome));
        outcome
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = options;
        Capture::default()
    }
}

/// `options` as the JavaScript surfaces' option list gives them (`Options::read`): an
/// explicit `domain` without a leading dot, in lower case (one that is no domain name: `Auto`).
/// A Rust app builds `Options` by hand, and `.Shop.Example.com` must mean what it means from
/// JavaScript (the rules compare it as it is). The `outbound` patterns are read the same way
/// where they are used, in [`decorate_url`] (`outbound_as_read`).
#[cfg(target_arch = "wasm32")]
fn as_read(options: &Options) -> Options {
    let mut options = options.clone();
    if let DomainOption::Explicit(domain) = &options.domain {
        options.domain = DomainOption::parse(domain).unwrap_or_default();
    }
    options
}

/// The last capture's `outbound` patterns as the option list reads them: trimmed, in lower
/// case, without a trailing dot, a malformed one dropped (reading a read list changes
/// nothing). Read here rather than at capture, so that an app that never calls
/// [`decorate_url`] carries none of this code (bench/SIZE_STEPS.md, "The Rust apps' share").
#[cfg(target_arch = "wasm32")]
fn outbound_as_read(options: &mut Options) {
    options.outbound = options
        .outbound
        .iter()
        .filter_map(|pattern| parse_pattern(pattern))
        .collect();
}

/// The tracking id to send to the backend: the cookie, else the `localStorage` mirror, else
/// the id captured on this page. Never an invalid value.
///
/// ```
/// let id: Option<String> = taapit_capture::tracking_id();
/// ```
pub fn tracking_id() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return with_page(|page, session| rules::tracking_id(page, session));
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// [`tracking_id`] of the cookie named `cookie_name`, whatever the options of the page's last
/// capture (the defaults before the first): for code that names its cookie and reads it
/// before any capture ran (the Leptos and Yew `use_tracking_id_with`). `None` off wasm32.
///
/// ```
/// let id: Option<String> = taapit_capture::tracking_id_named("my_tid");
/// ```
pub fn tracking_id_named(cookie_name: &str) -> Option<String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = cookie_name;
        None
    }
    #[cfg(target_arch = "wasm32")]
    with_page(|page, session| {
        let options = session.options.clone().cookie_name(cookie_name.to_owned());
        // Both names as capture takes them (`Options::valid_cookie_name`: an invalid one is `ta_tid`).
        if options.valid_cookie_name() == session.options.valid_cookie_name() {
            return rules::tracking_id(page, session);
        }
        // Not the last capture's cookie: this cookie's id (or its mirror's) alone; the id
        // captured on this page went to the other one.
        let named = Session {
            options,
            ..Session::default()
        };
        rules::tracking_id(page, &named)
    })
}

/// Removes the id everywhere it was kept: the cookie on every domain level, the mirror, memory.
///
/// ```
/// taapit_capture::clear();
/// assert_eq!(taapit_capture::tracking_id(), None);
/// ```
pub fn clear() {
    #[cfg(target_arch = "wasm32")]
    {
        with_page(rules::clear);
        changed(event::CLEAR, None);
    }
}

/// Records consent and stores the id held in memory while consent was pending.
///
/// ```
/// use taapit_capture::{capture, grant_consent, Consent, Options};
/// capture(&Options::default().consent(Consent::Pending));
/// // ... the visitor accepts in the consent banner:
/// let outcome = grant_consent();
/// ```
pub fn grant_consent() -> Capture {
    #[cfg(target_arch = "wasm32")]
    {
        let outcome = with_page(rules::grant_consent);
        changed(event::GRANT, Some(&outcome));
        outcome
    }
    #[cfg(not(target_arch = "wasm32"))]
    Capture::default()
}

/// Withdraws consent: deletes the cookie (every domain level) and the mirror, and keeps later
/// captures on this page in memory until [`grant_consent`].
///
/// ```
/// taapit_capture::revoke_consent();
/// ```
pub fn revoke_consent() {
    #[cfg(target_arch = "wasm32")]
    {
        with_page(rules::revoke_consent);
        changed(event::REVOKE, None);
    }
}

/// `href` with `ta_tid=<id>` (the first of `params`) added when it is an absolute `http(s)`
/// link to one of the hosts in the last capture's [`Options::outbound`], else `None`: for a
/// `window.open` or a redirect made from Rust. (Links the visitor clicks are decorated by
/// the same rule when the npm entry or the script tag is on the page.) The link's host comes
/// from the browser's URL parser, the host the browser will go to.
///
/// ```
/// use taapit_capture::{capture, decorate_url, Options};
/// capture(&Options::default().outbound(vec!["shop.example.net".into()]));
/// let href = decorate_url("https://shop.example.net/cart");
/// // Some("https://shop.example.net/cart?ta_tid=…") once an id is stored
/// ```
pub fn decorate_url(href: &str) -> Option<String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = href;
        None
    }
    #[cfg(target_arch = "wasm32")]
    {
        decorate_in_page(href)
    }
}

#[cfg(target_arch = "wasm32")]
fn decorate_in_page(href: &str) -> Option<String> {
    let url = web_sys::Url::new(href).ok()?;
    if !matches!(url.protocol().as_str(), "http:" | "https:") {
        return None;
    }
    let link_host = url.hostname();
    with_page(|page, session| {
        outbound_as_read(&mut session.options);
        rules::decorate_link(page, session, href, &link_host)
    })
}
