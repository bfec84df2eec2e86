//! What counts as a tracking id.
//!
//! A Taapit id is 1–128 characters from the URL-safe set `A–Z a–z 0–9 - _ . ~`. Anything
//! else is refused, so nothing hostile (`;`, `=`, spaces, control bytes, non-ASCII) can reach
//! a `Set-Cookie` string, `localStorage` or the site's backend.

use crate::prelude::*;

use super::text::all_bytes;

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 128;

/// Whether `byte` may appear in a tracking id.
#[inline]
pub fn is_id_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Whether `id` is a valid tracking id (already URL-decoded).
///
/// ```
/// use taapit_core::id::is_valid_id;
/// assert!(is_valid_id("rLnWe1uz9t282v7g"));
/// assert!(!is_valid_id(""));
/// assert!(!is_valid_id("a;b"));
/// ```
#[inline]
pub fn is_valid_id(id: &str) -> bool {
    is_valid_id_bytes(id.as_bytes())
}

#[inline]
fn is_valid_id_bytes(id: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len()) && all_bytes(id, is_id_byte)
}

/// The id spelled by `bytes` (URL-decoded), if they make a valid one.
///
/// ```
/// use taapit_core::id::id_from_bytes;
/// assert_eq!(id_from_bytes(b"abc").as_deref(), Some("abc"));
/// assert_eq!(id_from_bytes(b"a;b"), None);
/// ```
#[inline]
pub fn id_from_bytes(bytes: &[u8]) -> Option<String> {
    // Valid id bytes are ASCII, so each is its own char: no UTF-8 validation needed.
    is_valid_id_bytes(bytes).then(|| bytes.iter().copied().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn id_accepts_the_url_safe_alphabet_up_to_128_characters() {
        assert!(is_valid_id("rLnWe1uz9t282v7g"));
        assert!(is_valid_id("a"));
        assert!(is_valid_id(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
        ));
        assert_eq!(MAX_ID_LEN, 128);
        assert!(is_valid_id(&"x".repeat(128)));
        assert!(!is_valid_id(&"x".repeat(129)));
        assert!(!is_valid_id(""));
    }

    #[test]
    fn id_refuses_every_hostile_character() {
        for bad in [
            "a;b",
            "a=b",
            "a,b",
            "a b",
            "a\rb",
            "a\nb",
            "a\r\nSet-Cookie: x=y",
            "a\0b",
            "a%3Bb",
            "a%00",
            "a+b",
            "a\"b",
            "a\\b",
            "a/b",
            "a:b",
            "a|b",
            "<script>",
            "café",
            "ü",
            "a\tb",
            "a\u{7f}",
            "tid\u{200b}",
            "🍪",
        ] {
            assert!(!is_valid_id(bad), "{bad:?} must not be a valid id");
        }
    }

    #[test]
    fn id_bytes_are_exactly_alphanumerics_and_four_marks() {
        let allowed: Vec<u8> = (0..=255u8).filter(|&b| is_id_byte(b)).collect();
        let mut expected: Vec<u8> = (b'0'..=b'9')
            .chain(b'A'..=b'Z')
            .chain(b'a'..=b'z')
            .chain([b'-', b'.', b'_', b'~'])
            .collect();
        expected.sort_unstable();
        assert_eq!(allowed, expected);
    }
}
