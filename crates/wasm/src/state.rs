//! What the shipped `.wasm` remembers between calls, as a text its loader keeps.
//!
//! The module gives its memory back at the end of every call (`allocator.rs`), so the page's
//! [`Session`] cannot stay in it: at the end of a call it is written as text and handed to
//! the loader ([`Change::State`](super::contract::Change::State)), and the next call reads it
//! back ([`Text::State`](super::contract::Text::State)). The options are kept as the option
//! list they were read from, read again (silently) on each call.
//!
//! The text: one flag character (`'0'` plus the bits below), the id captured on this page,
//! `\u{2}`, the id held while consent is pending, `\u{2}`, the option list. An empty id is
//! none (a valid id has at least one character, and none has a `\u{2}`). The empty text is
//! the session of a page that has not called the module yet.

use crate::prelude::*;
use taapit_core::capture::{Session, Source};
use taapit_core::options::{Consent, Options};
use taapit_core::text::{concat, split_once_byte};

/// Consent is pending (the options' `consent`, as capture, grant and revoke left it).
const PENDING: u8 = 1;
/// Consent was revoked on this page.
const REVOKED: u8 = 2;
/// `stripParam` waits for consent.
const STRIP_PENDING: u8 = 4;
/// The held id came from the hash (else from the search).
const HELD_IN_HASH: u8 = 8;
/// The flag character of each combination of the bits: `'0'` plus the bits.
const FLAGS: &str = "0123456789:;<=>?";
/// Separates the parts of the text.
const SEPARATOR: &str = "\u{2}";

/// `session` as text, with `list`, the option list its options were read from.
///
/// ```
/// use taapit_core::capture::Session;
/// use taapit_core::options::Options;
/// use taapit_wasm::state::{decode, encode};
/// let list = "expiresInDays\u{1}60";
/// let session = Session {
///     options: Options::read(list, |_| {}),
///     captured: Some("abc".to_owned()),
///     ..Session::default()
/// };
/// let text = encode(&session, list);
/// let (back, back_list) = decode(&text);
/// assert_eq!(back.options, session.options);
/// assert_eq!(back.captured, session.captured);
/// assert_eq!(back_list, list);
/// ```
pub fn encode(session: &Session, list: &str) -> String {
    let flag = |on: bool, bit: u8| if on { bit } else { 0 };
    let (held, source) = match &session.held {
        Some((id, source)) => (id.as_str(), *source),
        None => ("", Source::Search),
    };
    let bits = usize::from(
        flag(session.options.consent == Consent::Pending, PENDING)
            | flag(session.revoked, REVOKED)
            | flag(session.strip_pending, STRIP_PENDING)
            | flag(source == Source::Hash, HELD_IN_HASH),
    );
    let flags = FLAGS.get(bits..=bits).unwrap_or_default();
    let captured = session.captured.as_deref().unwrap_or_default();
    concat(&[flags, captured, SEPARATOR, held, SEPARATOR, list])
}

/// The session in `text` (as [`encode`] wrote it), and the option list its options were
/// read from. Any other text (the empty one of a first call) gives the default session.
pub fn decode(text: &str) -> (Session, &str) {
    let flags = text
        .bytes()
        .next()
        .map_or(0, |flag| flag.wrapping_sub(b'0'));
    let rest = text.get(1..).unwrap_or_default();
    let (captured, rest) = split_once_byte(rest, SEPARATOR.as_bytes()[0]).unwrap_or(("", rest));
    let (held, list) = split_once_byte(rest, SEPARATOR.as_bytes()[0]).unwrap_or(("", rest));
    let id = |id: &str| (!id.is_empty()).then(|| id.to_owned());
    let mut options = Options::read_noting(list, |_, _| {});
    options.consent = if flags & PENDING != 0 {
        Consent::Pending
    } else {
        Consent::Granted
    };
    let source = if flags & HELD_IN_HASH != 0 {
        Source::Hash
    } else {
        Source::Search
    };
    let session = Session {
        options,
        captured: id(captured),
        held: id(held).map(|held| (held, source)),
        revoked: flags & REVOKED != 0,
        strip_pending: flags & STRIP_PENDING != 0,
    };
    (session, list)
}
