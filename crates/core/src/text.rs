//! String building and splitting without `core::fmt` or panics.
//!
//! `[&str].concat()` and `.join()` go through `alloc::str::join_generic_copy`, whose
//! overflow checks and slice splits carry panic paths; each one keeps the panic formatting
//! machinery in the `.wasm`. These loops do the same with `push_str` only.

use crate::prelude::*;

/// The parts one after the other (`["a", "b"]` → `"ab"`).
#[inline]
pub fn concat(parts: &[&str]) -> String {
    join(parts.iter().copied(), "")
}

/// The parts with `separator` between them (`["a", "b"]`, `"&"` → `"a&b"`).
#[inline]
pub fn join<'a>(parts: impl IntoIterator<Item = &'a str>, separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}

// Splitting and trimming at one ASCII byte. `str::split(char)`, `split_once(char)`,
// `trim_matches(char)` and friends go through core's generic char searchers (UTF-8 decoding,
// `memchr`); these byte loops do the same for an ASCII byte, which is always a char boundary,
// at a fraction of the `.wasm` bytes. (Elsewhere, one-char patterns are written as `&str`,
// `ends_with(".")`: a `char` pattern is UTF-8-encoded at run time.)

/// `text.split(byte as char)` for an ASCII `byte`: the pieces between each `byte`, empty ones
/// included (one empty piece for an empty `text`).
#[inline]
pub fn split_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    core::iter::from_fn(move || {
        let current = rest?;
        match split_once_byte(current, byte) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => rest.take(),
        }
    })
}

/// Reads a comma-separated list: each non-blank item (trimmed) through `item`. `None` when
/// `item` refuses one or no item is left. One loop for the `params` and `outbound` lists (a
/// loop, not `collect::<Option<Vec<_>>>()`: the adapters cost more in the `.wasm`).
#[inline]
pub fn parse_list(text: &str, item: fn(&str) -> Option<String>) -> Option<Vec<String>> {
    let mut items = Vec::new();
    for text in split_byte(text, b',').map(str::trim_ascii) {
        if !text.is_empty() {
            items.push(item(text)?);
        }
    }
    (!items.is_empty()).then_some(items)
}

/// `text.split_once(byte as char)` for an ASCII `byte`.
#[inline]
pub fn split_once_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    split_at_byte(text, find_byte(text, byte)?)
}

/// Where `byte` first is in `text`. One loop for every caller: each `.bytes().position(…)`
/// with its own closure is a loop of its own in the `.wasm`.
#[inline(never)]
pub fn find_byte(text: &str, byte: u8) -> Option<usize> {
    for (i, b) in text.bytes().enumerate() {
        if b == byte {
            return Some(i);
        }
    }
    None
}

/// Whether every byte of `text` passes `test` (a function, not a closure type: one loop in
/// the `.wasm` for every byte-class check, where each `.bytes().all(…)` would be its own).
#[inline(never)]
pub fn all_bytes(text: &[u8], test: fn(u8) -> bool) -> bool {
    for &b in text {
        if !test(b) {
            return false;
        }
    }
    true
}

/// `text.rsplit_once(byte as char)` for an ASCII `byte`.
#[inline]
pub fn rsplit_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    // A plain loop: `rposition` brings a reverse `try_fold` of its own into the `.wasm`.
    let mut at = text.len();
    while at > 0 {
        at -= 1;
        if text.as_bytes().get(at) == Some(&byte) {
            return split_at_byte(text, at);
        }
    }
    None
}

/// `text` without the ASCII byte at `at`, as the part before and the part after it.
#[inline]
fn split_at_byte(text: &str, at: usize) -> Option<(&str, &str)> {
    let (before, from) = text.split_at_checked(at)?;
    Some((before, from.get(1..)?))
}

/// `text.trim_start_matches(piece)`. (`strip_prefix` with a `&str` knows the rest starts
/// at a char boundary: no boundary check, as `get(1..)` has, in the `.wasm`.)
#[inline]
pub fn trim_start_str<'a>(mut text: &'a str, piece: &str) -> &'a str {
    if piece.is_empty() {
        return text; // nothing to trim, and `strip_prefix("")` never fails
    }
    while let Some(rest) = text.strip_prefix(piece) {
        text = rest;
    }
    text
}

/// `text.trim_end_matches(piece)` (as [`trim_start_str`]).
#[inline]
pub fn trim_end_str<'a>(mut text: &'a str, piece: &str) -> &'a str {
    if piece.is_empty() {
        return text;
    }
    while let Some(rest) = text.strip_suffix(piece) {
        text = rest;
    }
    text
}

/// A decimal `u64` as `str::parse` reads it (an optional `+`, then digits; `None` for
/// anything else or an overflow), minus std's generic integer parser.
#[inline]
pub fn parse_u64(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        // A bound, not `checked_mul`: that multiplies in 128 bits to see the overflow.
        if !b.is_ascii_digit() || n > u64::MAX / 10 {
            return None;
        }
        n = (n * 10).checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        assert_eq!(concat(&["a", "b", "c"]), "abc");
        assert_eq!(join(["a", "b"], "&"), "a&b");
        assert_eq!(
            split_byte("a,,b,", b',').collect::<Vec<_>>(),
            ["a", "", "b", ""]
        );
        assert_eq!(split_byte("", b',').collect::<Vec<_>>(), [""]);
        assert_eq!(split_once_byte("a=b=c", b'='), Some(("a", "b=c")));
        assert_eq!(split_once_byte("abc", b'='), None);
        assert_eq!(find_byte("a.b.c", b'.'), Some(1));
        assert_eq!(find_byte("abc", b'.'), None);
        assert!(all_bytes(b"2024", |b| b.is_ascii_digit()));
        assert!(!all_bytes(b"20x4", |b| b.is_ascii_digit()));
        assert_eq!(rsplit_byte("a|b|c", b'|'), Some(("a|b", "c")));
        assert_eq!(rsplit_byte("abc", b'|'), None);
        assert_eq!(trim_start_str("..a.b.", "."), "a.b.");
        assert_eq!(trim_end_str("&a&&", "&"), "&a");
        assert_eq!(trim_start_str("..a", ""), "..a");
        assert_eq!(parse_u64("+42"), Some(42));
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("18446744073709551616"), None);
    }
}
