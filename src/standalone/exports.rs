//! The shipped `.wasm`'s one export, `call(code)`, which the loader (`pkg-template/loader.js`)
//! turns into the JavaScript API. Each call takes its input, if any, through
//! [`host::read`]`(Text::Input)` and hands its result back through [`host::capture_result`]
//! or [`host::text_result`]: plain Rust underneath, a thin skin here. The codes are in
//! `src/standalone/contract.rs`.

use super::host::{self, with_page};
use crate::core::capture;
use crate::core::options::Options;
use crate::core::text::{concat, split_once_byte};
use crate::internal::contract::{Call, Text};
use crate::prelude::*;

/// Runs [`Call`] `code`; an unknown code does nothing.
#[no_mangle]
pub extern "C" fn call(code: u32) {
    match Call::from_code(code) {
        Some(Call::Capture) => {
            let list = host::read(Text::Input, "").unwrap_or_default();
            let options = Options::read(&list, |parts| {
                let mut message = String::from("[taapit] option ");
                message.push_str(&concat(parts));
                host::warn(&message);
            });
            let outcome = with_page(|page, session| capture::capture_owned(page, session, options));
            host::capture_result(&outcome);
        }
        Some(Call::TrackingId) => host::text_result(
            with_page(|page, session| capture::tracking_id(page, session)).as_deref(),
        ),
        Some(Call::Clear) => with_page(capture::clear),
        Some(Call::Grant) => host::capture_result(&with_page(capture::grant_consent)),
        Some(Call::Revoke) => with_page(capture::revoke_consent),
        Some(Call::Decorate) => {
            let input = host::read(Text::Input, "").unwrap_or_default();
            let decorated = split_once_byte(&input, 0).and_then(|(link_host, href)| {
                with_page(|page, session| capture::decorate_link(page, session, href, link_host))
            });
            host::text_result(decorated.as_deref());
        }
        None => {}
    }
}
