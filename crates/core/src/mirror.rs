//! The `localStorage` mirror: where the id goes when cookies cannot hold it.
//!
//! Stored as `<id>|<expires-at-ms>` under `taapit:<cookie name>`, so it expires like the
//! cookie would have, and a tampered entry is read as nothing.

use crate::prelude::*;

use super::cookie::push_u64;
use super::id::is_valid_id;
use super::text::{parse_u64, rsplit_byte};

/// The `localStorage` key for a cookie name.
#[inline]
pub fn key(cookie_name: &str) -> String {
    let mut key = String::from("taapit:");
    key.push_str(cookie_name);
    key
}

/// The stored text for `id`, expiring at `expires_at_ms` (Unix time, milliseconds).
#[inline]
pub fn encode(id: &str, expires_at_ms: u64) -> String {
    let mut s = String::with_capacity(id.len() + 15);
    s.push_str(id);
    s.push('|');
    push_u64(&mut s, expires_at_ms);
    s
}

/// The id in a stored text, if it is valid and not expired at `now_ms`.
///
/// ```
/// use taapit_core::mirror::{decode, encode};
/// assert_eq!(decode(&encode("abc", 2_000), 1_000), Some(("abc", 2_000)));
/// assert_eq!(decode(&encode("abc", 2_000), 2_000), None);
/// assert_eq!(decode("a;b|9999999", 0), None);
/// ```
#[inline]
pub fn decode(text: &str, now_ms: u64) -> Option<(&str, u64)> {
    let (id, expires) = rsplit_byte(text, b'|')?;
    let expires = parse_u64(expires)?;
    (is_valid_id(id) && expires > now_ms).then_some((id, expires))
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn mirror_encodes_id_and_expiry_under_a_prefixed_key() {
        assert_eq!(key("ta_tid"), "taapit:ta_tid");
        assert_eq!(key("my_tid"), "taapit:my_tid");
        assert_eq!(encode("abc", 1_700_000_000_000), "abc|1700000000000");
    }

    #[test]
    fn mirror_decodes_until_it_expires() {
        let text = encode("abc", 5_000);
        assert_eq!(decode(&text, 0), Some(("abc", 5_000)));
        assert_eq!(decode(&text, 4_999), Some(("abc", 5_000)));
        assert_eq!(decode(&text, 5_000), None);
        assert_eq!(decode(&text, 9_999), None);
    }

    #[test]
    fn mirror_reads_tampered_entries_as_nothing() {
        for text in [
            "a;b|99999999999999",
            "abc",
            "abc|",
            "abc|x",
            "abc|-1",
            "abc|1e9",
            "abc|99999999999999999999999",
            "|99999999999999",
            "a|b|99999999999999",
            "abc |99999999999999",
            "",
        ] {
            assert_eq!(decode(text, 1_000), None, "{text:?}");
        }
    }
}
