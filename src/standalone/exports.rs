//! The shipped `.wasm`'s exports (feature `standalone`), which the loader
//! (`pkg-template/loader.js`) turns into the JavaScript API. Each takes its input,
//! if any, through [`host::read`]`(Text::Input)` and hands its result back through
//! [`host::capture_result`] or [`host::text_result`]: plain Rust underneath, a thin skin here.

use super::host::{self, with_page, Text};
use crate::core::capture;
use crate::core::options::Options;
use crate::core::text::{concat, split_once_byte};
use crate::prelude::*;

/// `capture(options)`: the input is the option list ([`Options::read`]).
#[no_mangle]
pub extern "C" fn capture() {
    let list = host::read(Text::Input, "").unwrap_or_default();
    let options = Options::read(&list, |parts| {
        let mut message = String::from("[taapit] option ");
        message.push_str(&concat(parts));
        host::warn(&message);
    });
    let outcome = with_page(|page, session| capture::capture_owned(page, session, options));
    host::capture_result(&outcome);
}

/// `getTrackingId()`.
#[no_mangle]
pub extern "C" fn id() {
    host::text_result(with_page(|page, session| capture::tracking_id(page, session)).as_deref());
}

/// `clearTrackingId()`.
#[no_mangle]
pub extern "C" fn clear() {
    with_page(capture::clear)
}

/// `grantConsent()`.
#[no_mangle]
pub extern "C" fn grant() {
    host::capture_result(&with_page(capture::grant_consent));
}

/// `revokeConsent()`.
#[no_mangle]
pub extern "C" fn revoke() {
    with_page(capture::revoke_consent)
}

/// `decorateUrl(href)`: the input is the link's host (the browser's URL parser's), `\0`, and
/// the `href`; the result, the decorated URL or `null`.
#[no_mangle]
pub extern "C" fn decorate() {
    let input = host::read(Text::Input, "").unwrap_or_default();
    let decorated = split_once_byte(&input, 0).and_then(|(link_host, href)| {
        with_page(|page, session| capture::decorate_link(page, session, href, link_host))
    });
    host::text_result(decorated.as_deref());
}
