//! Finding the tracking id in a URL, and taking it out again.
//!
//! Query strings are read the way `URLSearchParams` reads them (`&`-separated pairs,
//! `+` is a space, `%XX` escapes); only names and values are decoded, never the whole query.

use crate::prelude::*;

use super::id::id_from_bytes;
use super::text::{split_byte, split_once_byte};

/// Where in the URL an id was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlPart {
    /// `location.search`: `?ta_tid=…`.
    Search,
    /// The query part of `location.hash`, for hash-routed apps: `#/landing?ta_tid=…`.
    Hash,
}

/// What a look-up found for the tracking parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The first valid id, and where it was.
    pub id: Option<(String, UrlPart)>,
    /// How many tracking parameters were present but held an invalid value.
    pub rejected: usize,
}

/// Decodes one query-string component (`+` → space, `%XX` → byte).
///
/// Returns `None` for a malformed escape or a result that is not UTF-8: such a value can
/// never be a valid id, and a name that does not decode matches no parameter.
#[inline]
pub fn decode_component(raw: &str) -> Option<String> {
    String::from_utf8(decode_bytes(raw)?).ok()
}

/// [`decode_component`] short of the UTF-8 check, which name look-ups do not need: a name
/// matches when its bytes equal a parameter name's, and a valid id is ASCII, so both hold
/// only for bytes that are UTF-8. (It keeps `from_utf8` out of the `.wasm`.)
#[inline]
pub(crate) fn decode_bytes(raw: &str) -> Option<Vec<u8>> {
    // Written over a copy of the input: the output is never longer, so no push (and no
    // capacity check per byte) is needed.
    let bytes = raw.as_bytes();
    let mut out = bytes.to_vec();
    let mut len = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let byte = match b {
            b'+' => b' ',
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b))?;
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b))?;
                i += 2;
                hi << 4 | lo
            }
            b => b,
        };
        if let Some(slot) = out.get_mut(len) {
            *slot = byte;
        }
        len += 1;
        i += 1;
    }
    out.truncate(len);
    Some(out)
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The query part of a `location.hash` value (`#/landing?a=b` → `a=b`), if it has one.
#[inline]
pub fn hash_query(hash: &str) -> Option<&str> {
    split_once_byte(hash, b'?').map(|(_, query)| query)
}

/// The pairs' text of a query: without one leading `?` (`location.search` has it, and a
/// hash may carry a doubled one, `#??ta_tid=x`). What `find_id` reads and what
/// `strip_params` removes from, so that an id found is an id stripped.
#[inline]
fn query_body(query: &str) -> &str {
    query.strip_prefix("?").unwrap_or(query)
}

#[inline]
fn is_tracking_name(raw_name: &str, names: &[String]) -> bool {
    decode_bytes(raw_name).is_some_and(|name| names.iter().any(|n| n.as_bytes() == name))
}

/// Looks up the tracking id in `search`, then in the query part of `hash`.
///
/// Parameter names are tried in the order of `names`; for each, every occurrence in
/// the search, then in the hash. The first value that is a valid id wins.
///
/// ```
/// use taapit_core::query::{find_id, UrlPart};
/// let names = vec!["ta_tid".to_string()];
/// let found = find_id("?ta_tid=bad%3B&ta_tid=abc123", "", &names);
/// assert_eq!(found.id, Some(("abc123".to_string(), UrlPart::Search)));
/// assert_eq!(found.rejected, 1);
/// ```
#[inline]
pub fn find_id(search: &str, hash: &str, names: &[String]) -> Found {
    let parts = [
        (UrlPart::Search, Some(search)),
        (UrlPart::Hash, hash_query(hash)),
    ];
    let mut found = Found::default();
    for name in names {
        for (part, query) in parts {
            // Raw (still encoded) pairs; a plain loop, not iterator adapters: less code.
            for pair in split_byte(query_body(query.unwrap_or("")), b'&') {
                let (raw_name, raw_value) = split_once_byte(pair, b'=').unwrap_or((pair, ""));
                if pair.is_empty() || decode_bytes(raw_name).as_deref() != Some(name.as_bytes()) {
                    continue;
                }
                match decode_bytes(raw_value).and_then(|value| id_from_bytes(&value)) {
                    Some(value) => {
                        if found.id.is_none() {
                            found.id = Some((value, part));
                        }
                    }
                    None => found.rejected += 1,
                }
            }
        }
    }
    found
}

/// The pairs of `query` (its [`query_body`]) that are not tracking parameters, as they were
/// written, in their order, joined with `&` (empty pairs dropped). `None` when there was
/// nothing to remove.
#[inline]
fn kept_pairs(query: &str, names: &[String]) -> Option<String> {
    // Joined as they come: no list of them to build and join.
    let mut kept = String::with_capacity(query.len());
    let mut removed = false;
    for pair in split_byte(query, b'&') {
        if pair.is_empty() {
            continue;
        }
        let raw_name = split_once_byte(pair, b'=').map_or(pair, |(n, _)| n);
        if is_tracking_name(raw_name, names) {
            removed = true;
            continue;
        }
        if !kept.is_empty() {
            kept.push('&');
        }
        kept.push_str(pair);
    }
    removed.then_some(kept)
}

/// Appends `?` and `pairs`, or nothing when there are none.
#[inline]
fn push_query(url: &mut String, pairs: &str) {
    if !pairs.is_empty() {
        url.push('?');
        url.push_str(pairs);
    }
}

/// The address to put in the bar after removing the tracking parameters from `search` and
/// from the query part of `hash`, or `None` if neither holds one. The path is kept, and so
/// are every other parameter and the rest of the hash.
///
/// ```
/// use taapit_core::query::strip_params;
/// let names = vec!["ta_tid".to_string()];
/// assert_eq!(
///     strip_params("/p", "?a=1&ta_tid=x&b=2", "#top", &names).as_deref(),
///     Some("/p?a=1&b=2#top"),
/// );
/// assert_eq!(strip_params("/p", "?a=1", "", &names), None);
/// // A path that starts with `//` stays a path.
/// assert_eq!(
///     strip_params("//landing", "?ta_tid=x&a=1", "", &names).as_deref(),
///     Some("/.//landing?a=1"),
/// );
/// ```
#[inline]
pub fn strip_params(path: &str, search: &str, hash: &str, names: &[String]) -> Option<String> {
    let new_search = kept_pairs(query_body(search), names);
    let (route, hash_query) = split_once_byte(hash, b'?').unwrap_or((hash, ""));
    let new_hash_query = kept_pairs(query_body(hash_query), names);
    if new_search.is_none() && new_hash_query.is_none() {
        return None;
    }
    // A path that starts with `//` would be read as a host (`//landing` is `https://landing/`)
    // and the address change refused: `/.` before it is a segment the URL parser drops, so
    // the same path stays.
    let mut url = String::from(if path.starts_with("//") { "/." } else { "" });
    url.push_str(path);
    match new_search {
        Some(pairs) => push_query(&mut url, &pairs),
        None => url.push_str(search),
    }
    match new_hash_query {
        Some(pairs) => {
            // `#?ta_tid=x` leaves no hash at all, not a bare `#`.
            if route != "#" || !pairs.is_empty() {
                url.push_str(route);
            }
            // A first kept pair that starts with `?` came after a doubled `?` (`#/r???a=1`,
            // the pair `?a=1`): the reader drops one `?` there, so one more goes back.
            if pairs.starts_with("?") {
                url.push('?');
            }
            push_query(&mut url, &pairs);
        }
        None => url.push_str(hash),
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::format;
    use std::prelude::rust_2021::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn ta_tid() -> Vec<String> {
        names(&["ta_tid"])
    }

    #[test]
    fn decode_component_decodes_plus_and_escapes() {
        assert_eq!(decode_component("abc").as_deref(), Some("abc"));
        assert_eq!(decode_component("a+b").as_deref(), Some("a b"));
        assert_eq!(decode_component("%41%62%7e").as_deref(), Some("Ab~"));
        assert_eq!(decode_component("%C3%A9").as_deref(), Some("é"));
        assert_eq!(decode_component("%00").as_deref(), Some("\0"));
        assert_eq!(decode_component("%3B").as_deref(), Some(";"));
    }

    #[test]
    fn decode_component_refuses_malformed_escapes_and_non_utf8() {
        for bad in ["%", "%4", "a%", "%G1", "%1G", "%%", "%FF", "%C3", "%C3%28"] {
            assert_eq!(decode_component(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn find_id_ignores_every_hostile_value() {
        let too_long = format!("?ta_tid={}", "a".repeat(129));
        let hostile = [
            "?ta_tid=a;b",
            "?ta_tid=a%3Bb",
            "?ta_tid=%3B",
            "?ta_tid=a=b",
            "?ta_tid=a%3Db",
            "?ta_tid=a,b",
            "?ta_tid=a%2Cb",
            "?ta_tid=a b",
            "?ta_tid=a+b",
            "?ta_tid=a%20b",
            "?ta_tid=a%0D%0ASet-Cookie:%20x=y",
            "?ta_tid=a%0Ab",
            "?ta_tid=%00",
            "?ta_tid=abc%00",
            "?ta_tid=caf%C3%A9",
            "?ta_tid=café",
            "?ta_tid=%FF",
            "?ta_tid=%",
            "?ta_tid=%2",
            "?ta_tid=%zz",
            "?ta_tid=",
            "?ta_tid",
            "?ta_tid=%3Cscript%3E",
            too_long.as_str(),
        ];
        for search in hostile {
            let found = find_id(search, "", &ta_tid());
            assert_eq!(found.id, None, "{search:?}");
            assert_eq!(found.rejected, 1, "{search:?}");
        }
    }

    #[test]
    fn find_id_takes_the_first_valid_of_repeated_parameters() {
        let found = find_id(
            "?ta_tid=&ta_tid=bad%3B&ta_tid=ok1&ta_tid=ok2",
            "",
            &ta_tid(),
        );
        assert_eq!(found.id, Some(("ok1".to_string(), UrlPart::Search)));
        assert_eq!(found.rejected, 2);
        let found = find_id("?ta_tid=one&ta_tid=two", "", &ta_tid());
        assert_eq!(found.id, Some(("one".to_string(), UrlPart::Search)));
    }

    #[test]
    fn find_id_decodes_names_and_values() {
        let found = find_id("?ta%5Ftid=abc%2Ddef%7E", "", &ta_tid());
        assert_eq!(found.id, Some(("abc-def~".to_string(), UrlPart::Search)));
        let found = find_id("ta_tid=noquestionmark", "", &ta_tid());
        assert_eq!(found.id.unwrap().0, "noquestionmark");
    }

    #[test]
    fn find_id_matches_whole_case_sensitive_names_only() {
        let found = find_id("?xta_tid=a&ta_tidx=b&TA_TID=c&ta_tid_=d", "", &ta_tid());
        assert_eq!(found, Default::default());
    }

    #[test]
    fn find_id_reads_the_hash_query_after_the_search() {
        let found = find_id("?ta_tid=s", "#/landing?ta_tid=h", &ta_tid());
        assert_eq!(found.id, Some(("s".to_string(), UrlPart::Search)));
        let found = find_id("?other=1", "#/landing?x=1&ta_tid=h", &ta_tid());
        assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
        let found = find_id("?ta_tid=bad%3B", "#/landing?ta_tid=h", &ta_tid());
        assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
        assert_eq!(found.rejected, 1);
    }

    #[test]
    fn find_id_reads_only_the_query_part_of_the_hash() {
        assert_eq!(find_id("", "#ta_tid=abc", &ta_tid()).id, None);
        assert_eq!(find_id("", "#/ta_tid=abc", &ta_tid()).id, None);
        assert_eq!(hash_query("#/landing?a=1"), Some("a=1"));
        assert_eq!(hash_query("#/landing"), None);
        assert_eq!(hash_query(""), None);
    }

    #[test]
    fn find_id_tries_parameter_names_in_option_order() {
        let search = "?ta_tid=second&ref=first";
        let found = find_id(search, "", &names(&["ref", "ta_tid"]));
        assert_eq!(found.id.unwrap().0, "first");
        let found = find_id(search, "", &names(&["ta_tid", "ref"]));
        assert_eq!(found.id.unwrap().0, "second");
        // An earlier name wins even when only the hash carries it (documented order: names,
        // then search before hash for each name).
        let found = find_id("?ta_tid=s", "#/r?ref=h", &names(&["ref", "ta_tid"]));
        assert_eq!(found.id, Some(("h".to_string(), UrlPart::Hash)));
        // An invalid value for the first name falls through to the next name.
        let found = find_id("?ref=a;b&ta_tid=ok", "", &names(&["ref", "ta_tid"]));
        assert_eq!(found.id.unwrap().0, "ok");
    }

    #[test]
    fn strip_params_keeps_other_parameters_path_and_hash() {
        let n = ta_tid();
        let cases = [
            ("/p", "?a=1&ta_tid=x&b=2", "#top", Some("/p?a=1&b=2#top")),
            ("/p", "?ta_tid=x", "", Some("/p")),
            ("/p", "?ta_tid=x", "#top", Some("/p#top")),
            ("/p", "?ta_tid=x&a=1", "", Some("/p?a=1")),
            ("/p", "?a=1&ta_tid=x", "", Some("/p?a=1")),
            ("/p", "?ta_tid=x&a=1&ta_tid=y", "", Some("/p?a=1")),
            ("/p", "?ta%5Ftid=x&a=1", "", Some("/p?a=1")),
            ("/p", "?ta_tid&a=1", "", Some("/p?a=1")),
            ("/p", "?ta_tid=bad%3B&a=1", "", Some("/p?a=1")),
            (
                "/p",
                "?q=a%20b&ta_tid=x&r=c+d",
                "",
                Some("/p?q=a%20b&r=c+d"),
            ),
            ("/p", "?ta_tidx=1&ta_tid=2", "", Some("/p?ta_tidx=1")),
            // Empty pairs go with the tracking parameter; untouched when there is none.
            ("/p", "?&a=1&&ta_tid=x&b=2&", "", Some("/p?a=1&b=2")),
            ("/p", "?&a=1&&b=2&", "", None),
            ("/p", "", "#?ta_tid=x", Some("/p")),
            ("/p", "", "#?a=1&ta_tid=x", Some("/p#?a=1")),
            // A doubled `?` in the hash: the id is found there, so it is stripped there.
            ("/p", "", "#??ta_tid=x", Some("/p")),
            ("/p", "", "#/r??ta_tid=x&a=1", Some("/p#/r?a=1")),
            // A pair that itself starts with `?` after the doubled one keeps its name.
            ("/p", "", "#/r???a=1&ta_tid=x", Some("/p#/r???a=1")),
            (
                "/app",
                "",
                "#/landing?ref=1&ta_tid=x&z=2",
                Some("/app#/landing?ref=1&z=2"),
            ),
            ("/app", "", "#/landing?ta_tid=x", Some("/app#/landing")),
            ("/app", "?a=1", "#/l?ta_tid=y", Some("/app?a=1#/l")),
            (
                "/p",
                "?ta_tid=x&a=1",
                "#/l?ta_tid=y&b=2",
                Some("/p?a=1#/l?b=2"),
            ),
            ("/p", "?a=1", "#top", None),
            ("/p", "", "#ta_tid=x", None),
            ("/p", "", "", None),
        ];
        for (path, search, hash, expected) in cases {
            assert_eq!(
                strip_params(path, search, hash, &n).as_deref(),
                expected,
                "{path}{search}{hash}"
            );
        }
    }

    #[test]
    fn strip_params_removes_every_configured_name() {
        let n = names(&["ta_tid", "ref"]);
        assert_eq!(
            strip_params("/", "?ref=1&a=2&ta_tid=3", "", &n).as_deref(),
            Some("/?a=2")
        );
    }
}
