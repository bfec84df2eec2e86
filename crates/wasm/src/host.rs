//! The shipped `.wasm`'s shell: [`Page`] over the few functions its
//! JavaScript loader, `js/package/loader.js`, passes in as imports (their contract:
//! `crates/wasm/src/contract.rs`). No
//! wasm-bindgen: strings cross as UTF-8 bytes in linear memory, and the loader catches
//! whatever the page throws and reports it as a plain failure (`-1`, `0`).

use crate::contract::{Change, SourceCode, StorageCode, Text};
use crate::prelude::*;
use taapit_core::capture::{Location, Page};
use taapit_core::note::Note;

mod imports {
    #[link(wasm_import_module = "t")]
    extern "C" {
        /// Puts text `what` in the loader's register; its UTF-8 length, or -1 when it is
        /// absent (`null`) or reading it threw.
        #[link_name = "t"]
        pub fn read(what: u32, arg: *const u8, arg_len: usize) -> isize;
        /// Copies the register to `to` (as many bytes as `read` said).
        #[link_name = "c"]
        pub fn copy(to: *mut u8);
        /// Makes change `what` with texts `a` and `b`; 1 if it did not throw, else 0.
        #[link_name = "w"]
        pub fn write(what: u32, a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> u32;
        /// `Date.now()`.
        #[link_name = "n"]
        pub fn now() -> f64;
        /// Puts `new Date(secs * 1000).toUTCString()` in the register; its length.
        #[link_name = "d"]
        pub fn http_date(secs: f64) -> usize;
        /// Hands the loader a capture result: texts of length 0 are `null`, `source` and
        /// `storage` are 1-based codes (0 for `null`), `expires_at` is negative for `null`.
        #[link_name = "r"]
        #[allow(clippy::too_many_arguments)]
        pub fn capture_result(
            id: *const u8,
            id_len: usize,
            domain: *const u8,
            domain_len: usize,
            source: u32,
            storage: u32,
            expires_at: f64,
        );
        /// Hands the loader a text result (length 0 is `null`).
        #[link_name = "s"]
        pub fn text_result(text: *const u8, len: usize);
        /// Reports `debug`'s note `code` with its two details.
        #[link_name = "g"]
        pub fn note(code: u32, a: *const u8, a_len: usize, b: *const u8, b_len: usize);
    }
}

/// Text `what` of the page (`arg`: the `localStorage` key), `None` when absent or unreadable.
pub fn read(what: Text, arg: &str) -> Option<String> {
    // SAFETY: the loader only reads `arg`, within its length.
    let len = unsafe { imports::read(what as u32, arg.as_ptr(), arg.len()) };
    Some(take(usize::try_from(len).ok()?))
}

/// The `len` bytes in the loader's register, as a string.
fn take(len: usize) -> String {
    let mut bytes = Vec::with_capacity(len);
    // SAFETY: the loader writes exactly `len` bytes, the register's whole content (TextEncoder
    // output, so UTF-8), into the buffer, which has room for them.
    unsafe {
        imports::copy(bytes.as_mut_ptr());
        bytes.set_len(len);
        String::from_utf8_unchecked(bytes)
    }
}

/// Makes change `what` with texts `a` and `b`; `false` when it threw.
pub fn write(what: Change, a: &str, b: &str) -> bool {
    // SAFETY: the loader only reads both texts, within their lengths.
    unsafe { imports::write(what as u32, a.as_ptr(), a.len(), b.as_ptr(), b.len()) == 1 }
}

/// Hands the loader the result of `capture()` or `grantConsent()`.
pub fn capture_result(outcome: &taapit_core::capture::Capture) {
    let id = outcome.tracking_id.as_deref().unwrap_or_default();
    let domain = outcome.domain.as_deref().unwrap_or_default();
    // SAFETY: the loader only reads both texts, within their lengths.
    unsafe {
        imports::capture_result(
            id.as_ptr(),
            id.len(),
            domain.as_ptr(),
            domain.len(),
            SourceCode::of(outcome.source) as u32,
            StorageCode::of(outcome.storage) as u32,
            outcome.expires_at_ms.map_or(-1.0, |ms| ms as f64),
        )
    }
}

/// Hands the loader a text result (`None` is `null`).
pub fn text_result(text: Option<&str>) {
    let text = text.unwrap_or_default();
    // SAFETY: the loader only reads the text, within its length.
    unsafe { imports::text_result(text.as_ptr(), text.len()) }
}

/// The page, seen through the loader's imports.
pub struct HostPage;

impl Page for HostPage {
    fn location(&self) -> Location {
        let field = |what| read(what, "").unwrap_or_default();
        Location {
            host: field(Text::Hostname),
            path: field(Text::Pathname),
            search: field(Text::Search),
            hash: field(Text::Hash),
            https: field(Text::Protocol) == "https:",
        }
    }

    fn cookies(&self) -> Option<String> {
        read(Text::Cookies, "")
    }

    fn set_cookie(&mut self, cookie: &str) -> bool {
        write(Change::SetCookie, cookie, "")
    }

    fn storage_get(&self, key: &str) -> Option<String> {
        read(Text::Storage, key)
    }

    fn storage_set(&mut self, key: &str, value: &str) -> bool {
        write(Change::StorageSet, key, value)
    }

    fn storage_remove(&mut self, key: &str) {
        write(Change::StorageRemove, key, "");
    }

    fn replace_url(&mut self, url: &str) -> bool {
        write(Change::ReplaceUrl, url, "")
    }

    fn now_ms(&self) -> u64 {
        // SAFETY: a plain call; `Date.now()` cannot fail.
        unsafe { imports::now() as u64 }
    }

    /// Never called: the core reports only through [`Page::note`], which this page hands to
    /// the loader as a code.
    fn log(&self, _: &str) {}

    fn note(&self, note: Note, details: &[&str]) {
        self::note(note, details);
    }

    fn hostname(&self) -> String {
        read(Text::Hostname, "").unwrap_or_default()
    }

    fn nonce(&self) -> String {
        read(Text::Nonce, "").unwrap_or_default()
    }

    fn push_http_date(&self, out: &mut String, secs: u64) {
        // SAFETY: a plain call; the date is put in the register.
        let len = unsafe { imports::http_date(secs as f64) };
        out.push_str(&take(len));
    }
}

/// Hands `debug`'s `note` and its details (at most two) to the loader, which says it on the
/// console if the page lets it.
pub fn note(note: Note, details: &[&str]) {
    let detail = |i| details.get(i).copied().unwrap_or_default();
    let (a, b): (&str, &str) = (detail(0), detail(1));
    // SAFETY: the loader only reads both texts, within their lengths.
    unsafe { imports::note(note as u32, a.as_ptr(), a.len(), b.as_ptr(), b.len()) }
}
