//! The shipped `.wasm`'s one export, `call(code)`, which the loader (`js/package/loader.js`)
//! turns into the JavaScript API. Each call takes its input, if any, through
//! [`host::read`]`(Text::Input)` and hands its result back through [`host::capture_result`]
//! or [`host::text_result`]: plain Rust underneath, a thin skin here. The codes are in
//! `crates/wasm/src/contract.rs`.
//!
//! A call reads the page's session from the loader (`Text::State`), runs the rules, hands the
//! session back (`Change::State`, `state.rs`), and gives back all the memory it took
//! (`allocator.rs`): nothing stays in the module's memory between calls.

use super::allocator;
use super::host::{self, HostPage};
use crate::contract::{Call, Change, Text};
use crate::state;
use taapit_core::capture;
use taapit_core::options::Options;
use taapit_core::text::split_once_byte;

/// Runs [`Call`] `code`; an unknown code does nothing.
#[no_mangle]
pub extern "C" fn call(code: u32) {
    let Some(call) = Call::from_code(code) else {
        return;
    };
    let mark = allocator::mark();
    run(call);
    allocator::release(mark);
}

/// Runs `call` with the page and the session the loader keeps, and hands the session back.
fn run(call: Call) {
    let kept = host::read(Text::State, "").unwrap_or_default();
    let (mut session, mut list) = state::decode(&kept);
    let input = host::read(Text::Input, "").unwrap_or_default();
    let page = &mut HostPage;
    match call {
        Call::Capture => {
            let options = Options::read_noting(&input, host::note);
            list = &input;
            host::capture_result(&capture::capture_owned(page, &mut session, options));
        }
        Call::TrackingId => host::text_result(capture::tracking_id(page, &session).as_deref()),
        Call::Clear => capture::clear(page, &mut session),
        Call::Grant => host::capture_result(&capture::grant_consent(page, &mut session)),
        Call::Revoke => capture::revoke_consent(page, &mut session),
        Call::Decorate => {
            let decorated = split_once_byte(&input, 0).and_then(|(link_host, href)| {
                capture::decorate_link(page, &session, href, link_host)
            });
            host::text_result(decorated.as_deref());
        }
    }
    host::write(Change::State, &state::encode(&session, list), "");
}
