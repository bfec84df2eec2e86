//! The checks behind each fuzz target: every rule of taapit-capture that reads untrusted text,
//! fed arbitrary bytes, must neither panic nor break its invariant. A broken invariant panics
//! with what broke, which libFuzzer reports as a crash and saves as a reproducer.
//!
//! Where a rule has a plain definition, the check compares it with a straightforward std
//! implementation of that definition (a second reading of the rule, not a copy of the code):
//! the core's own loops are written for size in the `.wasm`, the references here for clarity.
//!
//! One input is split into text fields at each `0xFF` byte (never part of UTF-8), each field
//! read as UTF-8 with invalid sequences replaced, so one byte string drives several texts.

use std::borrow::Cow;

use taapit_core::capture::{self, Page, Session};
use taapit_core::cookie::{
    is_valid_name, push_http_date, tracking_id_in, values_of, SameSite, SetCookie,
};
use taapit_core::domain::{candidates, covers};
use taapit_core::id::{id_from_bytes, is_valid_id, MAX_ID_LEN};
use taapit_core::mirror;
use taapit_core::options::{
    clamp_days, parse_days, Attribution, Consent, DomainOption, Options, Secure, DEFAULT_NAME,
};
use taapit_core::outbound::{
    decorate, decorate_link, matches, parse_pattern, parse_patterns, url_host,
};
use taapit_core::query::{decode_component, find_id, strip_params, UrlPart};

/// The fake browser of the native tests: a cookie jar with a browser's rules, for `capture`.
#[allow(dead_code)]
#[path = "../../crates/core/tests/support/fake_browser.rs"]
mod fake_browser;

use fake_browser::{CookieMode, FakeBrowser, T0_MS};

/// Splits `data` into `n` text fields at `0xFF` bytes (missing fields are empty; the last
/// field takes the rest, separators included).
fn fields(data: &[u8], n: usize) -> Vec<Cow<'_, str>> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.iter().position(|&b| b == 0xFF) {
            Some(i) => {
                out.push(String::from_utf8_lossy(&rest[..i]));
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    out.push(String::from_utf8_lossy(rest));
    out.resize(n, Cow::Borrowed(""));
    out
}

/// The id rule, read from its definition: 1–128 of `A–Z a–z 0–9 - _ . ~`.
fn reference_valid_id(bytes: &[u8]) -> bool {
    (1..=128).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(b))
}

/// URL component decoding as `URLSearchParams` would, minus its lenience: `+` is a space,
/// `%XX` a byte, and a `%` not followed by two hex digits makes the component unreadable.
fn reference_decode(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// The pairs of a query as `find_id` and `strip_params` see them: one leading `?` dropped,
/// split at `&`, empty pairs skipped, each as (raw name, raw value).
fn reference_pairs(query: &str) -> Vec<(&str, &str)> {
    let body = query.strip_prefix('?').unwrap_or(query);
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect()
}

fn is_name(raw: &str, names: &[String]) -> bool {
    reference_decode(raw).is_some_and(|n| names.iter().any(|name| name.as_bytes() == n))
}

/// Target `url_query`: finding the id in `search` and `hash`, decoding, stripping.
///
/// - `find_id` agrees with a reference reading of the rule (first valid value by name order,
///   search before hash; every other occurrence of a tracking name counted as rejected), so
///   it never returns a value that was not in the URL, nor an invalid id;
/// - `decode_component` agrees with the reference decoder (and UTF-8);
/// - after `strip_params`, no tracking parameter is left, stripping again changes nothing,
///   and every other pair is kept, in order; `None` only when there was nothing to strip.
pub fn url_query(data: &[u8]) {
    let f = fields(data, 5);
    let (search, hash) = (&*f[0], &*f[1]);
    let names: Vec<String> = f[2..]
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| n.to_string())
        .collect();
    let names = if names.is_empty() {
        vec![DEFAULT_NAME.to_string()]
    } else {
        names
    };

    for raw in [search, hash, &*f[2]] {
        let expected = reference_decode(raw).and_then(|b| String::from_utf8(b).ok());
        assert_eq!(decode_component(raw), expected, "decode_component({raw:?})");
    }

    // find_id, against the reference reading.
    let hash_query = hash.split_once('?').map(|(_, q)| q);
    let parts = [(UrlPart::Search, Some(search)), (UrlPart::Hash, hash_query)];
    let (mut want, mut rejected) = (None, 0);
    for name in &names {
        for (part, query) in parts {
            for (raw_name, raw_value) in reference_pairs(query.unwrap_or("")) {
                if reference_decode(raw_name).as_deref() != Some(name.as_bytes()) {
                    continue;
                }
                match reference_decode(raw_value).filter(|v| reference_valid_id(v)) {
                    Some(v) if want.is_none() => {
                        want = Some((String::from_utf8(v).expect("ASCII"), part))
                    }
                    Some(_) => {}
                    None => rejected += 1,
                }
            }
        }
    }
    let found = find_id(search, hash, &names);
    assert_eq!(found.id, want, "find_id({search:?}, {hash:?}, {names:?})");
    assert_eq!(found.rejected, rejected, "rejected count");
    if let Some((id, _)) = &found.id {
        assert!(is_valid_id(id), "find_id gave an invalid id {id:?}");
    }

    // strip_params, on the address a browser could show: no `#` in the search.
    let search: String = search.chars().filter(|&c| c != '#').collect();
    let search = if search.is_empty() || search.starts_with('?') {
        search
    } else {
        format!("?{search}")
    };
    let hash = if hash.is_empty() || hash.starts_with('#') {
        hash.to_string()
    } else {
        format!("#{hash}")
    };
    let tracking_in = |query: &str| {
        reference_pairs(query)
            .iter()
            .filter(|(n, _)| is_name(n, &names))
            .count()
    };
    let (route, hash_query) = hash.split_once('?').unwrap_or((&hash, ""));
    let had = tracking_in(&search) + tracking_in(hash_query);
    let Some(url) = strip_params("/p", &search, &hash, &names) else {
        assert_eq!(had, 0, "strip_params left {search:?} {hash:?} as it was");
        return;
    };
    let rest = url.strip_prefix("/p").expect("the path is kept");
    let (new_search, new_hash) = rest.split_at(rest.find('#').unwrap_or(rest.len()));
    let left = find_id(new_search, new_hash, &names);
    assert_eq!((left.id, left.rejected), (None, 0), "stripped: {url:?}");
    assert_eq!(strip_params("/p", new_search, new_hash, &names), None);
    let others = |query: &str| -> Vec<String> {
        reference_pairs(query)
            .into_iter()
            .filter(|(n, _)| !is_name(n, &names))
            .map(|(n, v)| format!("{n}={v}"))
            .collect()
    };
    assert_eq!(
        others(new_search),
        others(&search),
        "other search pairs kept"
    );
    let new_hash_query = new_hash.split_once('?').map_or("", |(_, q)| q);
    assert_eq!(
        others(new_hash_query),
        others(hash_query),
        "other hash pairs kept"
    );
    if !new_hash.is_empty() || route != "#" {
        assert!(
            new_hash.starts_with(route),
            "the hash route is kept: {url:?}"
        );
    }
}

/// Target `id`: `is_valid_id` and `id_from_bytes` agree with the definition.
pub fn id(data: &[u8]) {
    let want = reference_valid_id(data);
    let made = id_from_bytes(data);
    assert_eq!(made.is_some(), want, "id_from_bytes({data:?})");
    if let Some(id) = made {
        assert_eq!(id.as_bytes(), data);
        assert!(id.len() <= MAX_ID_LEN);
    }
    let text = String::from_utf8_lossy(data);
    assert_eq!(is_valid_id(&text), reference_valid_id(text.as_bytes()));
}

/// The `document.cookie` reading, from its definition: pairs at `;`, name and value at the
/// first `=`, both trimmed of ASCII white space, a value in double quotes unquoted.
fn reference_values<'a>(jar: &'a str, name: &str) -> Vec<&'a str> {
    jar.split(';')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(n, _)| n.trim_ascii() == name)
        .map(|(_, v)| {
            let v = v.trim_ascii();
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v)
        })
        .collect()
}

/// Target `cookie_jar`: the `document.cookie` parser and the cookie string writer.
///
/// - `values_of` yields exactly the reference's values, each a slice of the jar itself (a
///   parsed jar never yields a value that was not there), and `tracking_id_in` (which also
///   reads a request's `Cookie` header) the first of them that is a valid id;
/// - a cookie built for a valid name and id reads back as that id, and its `Expires` date is
///   the right calendar date.
pub fn cookie_jar(data: &[u8]) {
    let f = fields(data, 3);
    let (jar, name) = (&*f[0], &*f[1]);
    let got: Vec<&str> = values_of(jar, name).collect();
    assert_eq!(
        got,
        reference_values(jar, name),
        "values_of({jar:?}, {name:?})"
    );
    let first_valid = got
        .iter()
        .copied()
        .find(|v| reference_valid_id(v.as_bytes()));
    assert_eq!(
        tracking_id_in(jar, name),
        first_valid,
        "tracking_id_in({jar:?}, {name:?})"
    );
    let range = jar.as_bytes().as_ptr_range();
    for value in &got {
        let inside = value.as_bytes().as_ptr_range();
        assert!(
            range.start <= inside.start && inside.end <= range.end,
            "{value:?} is not a slice of the jar"
        );
    }

    // Writing: a valid name and id, and a time up to the year 9999.
    let id = &*f[2];
    let secs = data
        .iter()
        .fold(0u64, |n, &b| n.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 253_402_300_800;
    let mut date = String::new();
    push_http_date(&mut date, secs);
    assert_eq!(
        fake_browser::http_date_secs(&date),
        Some(secs),
        "push_http_date({secs}) wrote {date:?}"
    );
    if is_valid_name(name) && is_valid_id(id) {
        let line = SetCookie::new(name, id)
            .domain(Some("example.com"))
            .max_age(86_400, secs)
            .build();
        let pair = line.split(';').next().unwrap_or("");
        assert_eq!(values_of(pair, name).collect::<Vec<_>>(), [id]);
        let parsed = fake_browser::parse_set_cookie(&line).expect("a cookie line");
        assert_eq!((parsed.name.as_str(), parsed.value.as_str()), (name, id));
        assert_eq!(parsed.max_age, Some(86_400));
    }
}

/// The option list that reads back as `options` (every option written out).
fn option_list(options: &Options) -> String {
    let domain = match &options.domain {
        DomainOption::Auto => "auto".to_string(),
        DomainOption::Host => "host".to_string(),
        DomainOption::Explicit(d) => d.clone(),
    };
    let secure = match options.secure {
        Secure::Auto => "auto",
        Secure::Always => "true",
        Secure::Never => "false",
    };
    let entries = [
        ("debug", options.debug.to_string()),
        ("params", options.params.join(",")),
        ("cookieName", options.cookie_name.clone()),
        ("expiresInDays", options.expires_in_days.to_string()),
        ("domain", domain),
        (
            "attribution",
            match options.attribution {
                Attribution::LastClick => "last-click",
                Attribution::FirstClick => "first-click",
            }
            .to_string(),
        ),
        ("sameSite", options.same_site.as_str().to_string()),
        ("secure", secure.to_string()),
        (
            "consent",
            match options.consent {
                Consent::Granted => "granted",
                Consent::Pending => "pending",
            }
            .to_string(),
        ),
        ("stripParam", options.strip_param.to_string()),
        ("storageFallback", options.storage_fallback.to_string()),
        ("outbound", options.outbound.join(",")),
    ];
    entries
        .iter()
        .filter(|(name, value)| *name != "outbound" || !value.is_empty())
        .map(|(name, value)| format!("{name}\u{1}{value}"))
        .collect::<Vec<_>>()
        .join("\0")
}

/// `Number(text)` for the plain decimals `parse_days` takes, rounded half up, negatives as 0,
/// saturating at `u32::MAX`; `None` for any other text.
fn reference_days(text: &str) -> Option<u32> {
    let t = text.trim_ascii();
    let (negative, t) = match t.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() + fraction.len() == 0 {
        return None;
    }
    if negative {
        return Some(0);
    }
    let mut n: u128 = 0;
    for b in whole.bytes() {
        n = (n * 10 + u128::from(b - b'0')).min(u128::from(u32::MAX) + 1);
    }
    if fraction.bytes().next().is_some_and(|b| b >= b'5') {
        n += 1;
    }
    Some(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Target `options`: the option list (the npm entry's options object and the script tag's
/// `data-` attributes both reach the module as one).
///
/// - nothing is reported unless `debug` is on;
/// - every option holds a usable value: a valid cookie name, non-empty trimmed parameter
///   names, a lifetime within 1–400 days once clamped, a normalised explicit domain, outbound
///   patterns that read back as themselves;
/// - the options written back out as a list read back as the same options;
/// - `parse_days` agrees with its definition.
pub fn options(data: &[u8]) {
    let list = String::from_utf8_lossy(data);
    let mut said = 0;
    let options = Options::read(&list, |_| said += 1);
    assert!(said == 0 || options.debug, "reported without debug");

    assert!(is_valid_name(options.valid_cookie_name()));
    assert!(!options.params.is_empty());
    for name in &options.params {
        assert!(!name.is_empty() && !name.contains(',') && name.trim_ascii() == name);
    }
    let days = options.max_age_secs() / 86_400;
    assert!((1..=400).contains(&days), "lifetime {days} days");
    assert_eq!(
        u32::try_from(days).ok(),
        Some(clamp_days(options.expires_in_days))
    );
    if let DomainOption::Explicit(domain) = &options.domain {
        assert!(!domain.is_empty() && !domain.starts_with('.'));
        assert_eq!(*domain, domain.to_ascii_lowercase());
        assert_eq!(DomainOption::parse(domain), Some(options.domain.clone()));
    }
    for pattern in &options.outbound {
        assert_eq!(parse_pattern(pattern).as_deref(), Some(pattern.as_str()));
    }

    let again = Options::read(&option_list(&options), |_| {});
    assert_eq!(again, options, "written out and read back");

    for text in list.split(['\0', '\u{1}']) {
        assert_eq!(
            parse_days(text),
            reference_days(text),
            "parse_days({text:?})"
        );
        if let Some(s) = SameSite::parse(text) {
            assert!(text.eq_ignore_ascii_case(s.as_str()));
        }
    }
}

/// Target `outbound`: pattern lists, host matching, link decoration.
///
/// - parsed patterns are lower case and read back as themselves;
/// - `matches` agrees with the rule (the host itself, or for `*.base` also any subdomain);
/// - `url_host` gives a bare lower-case host;
/// - a decorated link goes to the same host, one that a pattern matches and that is not the
///   page's, carries `param=id` (a valid id) once, keeps the link's other pairs in order, and
///   is left alone when decorated again.
pub fn outbound(data: &[u8]) {
    let f = fields(data, 6);
    let (href, current, list, param, id, link_host) =
        (&*f[0], &*f[1], &*f[2], &*f[3], &*f[4], &*f[5]);
    let patterns = parse_patterns(list).unwrap_or_default();
    for pattern in &patterns {
        assert_eq!(parse_pattern(pattern).as_deref(), Some(pattern.as_str()));
        assert_eq!(*pattern, pattern.to_ascii_lowercase());
    }
    if let Some(single) = parse_pattern(list) {
        assert!(!single.is_empty());
    }

    let host = url_host(href);
    if let Some(host) = &host {
        assert!(!host.is_empty() && !host.ends_with('.'));
        assert_eq!(*host, host.to_ascii_lowercase());
        assert!(
            !host.contains(['/', '?', '#', '@']),
            "url_host({href:?}) = {host:?}"
        );
    }
    for subject in [host.as_deref(), Some(link_host)].into_iter().flatten() {
        for pattern in patterns.iter().map(String::as_str).chain([list]) {
            let want = match pattern.strip_prefix("*.") {
                Some(base) => {
                    subject == base
                        || (subject.len() > base.len() + 1
                            && subject.ends_with(base)
                            && subject.as_bytes()[subject.len() - base.len() - 1] == b'.')
                }
                None => subject == pattern,
            };
            assert_eq!(
                matches(subject, pattern),
                want,
                "matches({subject:?}, {pattern:?})"
            );
        }
    }

    let check = |out: &str, link_host: &str, current: &str| {
        assert!(is_valid_id(id) && !param.is_empty());
        let bare = |h: &str| h.trim_end_matches('.').to_string();
        assert_ne!(
            bare(link_host),
            bare(current),
            "decorated a link to the page's own host"
        );
        assert!(patterns.iter().any(|p| matches(&bare(link_host), p)));
        let (before_hash, _) = out.split_once('#').unwrap_or((out, ""));
        let (_, query) = before_hash.split_once('?').expect("a query");
        let names = vec![param.to_string()];
        let found = find_id(&format!("?{query}"), "", &names);
        assert_eq!(found.id, Some((id.to_string(), UrlPart::Search)), "{out:?}");
        assert_eq!(found.rejected, 0, "{out:?}");
        let (href_before_hash, href_hash) = href.split_at(href.find('#').unwrap_or(href.len()));
        assert!(out.ends_with(href_hash), "the hash is kept: {out:?}");
        let href_query = href_before_hash.split_once('?').map_or("", |(_, q)| q);
        let kept: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        let was: Vec<&str> = href_query.split('&').filter(|p| !p.is_empty()).collect();
        assert_eq!(
            kept[..kept.len() - 1],
            was[..],
            "the link's pairs are kept: {out:?}"
        );
    };
    if let Some(out) = decorate(href, current, &patterns, param, id) {
        assert_eq!(url_host(&out), host, "same host: {out:?}");
        check(
            &out,
            host.as_deref().expect("a host"),
            &current.to_ascii_lowercase(),
        );
        assert_eq!(decorate(&out, current, &patterns, param, id), None);
    }
    if let Some(out) = decorate_link(href, link_host, current, &patterns, param, id) {
        check(&out, link_host, current);
        assert_eq!(
            decorate_link(&out, link_host, current, &patterns, param, id),
            None
        );
    }
}

/// Target `mirror`: the `localStorage` entry `<id>|<expires-at-ms>`.
///
/// - `decode` gives only a valid id that has not expired, and exactly what the text spells;
/// - `encode` then `decode` gives back a valid id and its expiry.
pub fn mirror(data: &[u8]) {
    let f = fields(data, 2);
    let text = &*f[0];
    let now = f[1]
        .bytes()
        .take(8)
        .fold(0u64, |n, b| n << 8 | u64::from(b));
    if let Some((id, expires)) = mirror::decode(text, now) {
        assert!(is_valid_id(id), "decoded an invalid id {id:?}");
        assert!(expires > now);
        let (want_id, digits) = text.rsplit_once('|').expect("a separator");
        assert_eq!(id, want_id);
        assert_eq!(
            digits
                .strip_prefix('+')
                .unwrap_or(digits)
                .parse::<u64>()
                .ok(),
            Some(expires)
        );
        assert_eq!(
            mirror::decode(&mirror::encode(id, expires), now),
            Some((id, expires))
        );
    }
    if is_valid_id(text) && now < u64::MAX {
        let entry = mirror::encode(text, now + 1);
        assert_eq!(mirror::decode(&entry, now), Some((text, now + 1)));
        assert_eq!(mirror::decode(&entry, now + 1), None, "expired");
    }
    let key = mirror::key(text);
    assert_eq!(key.strip_prefix("taapit:"), Some(text));
}

/// A host name of a few labels from the fuzzer's bytes: the shapes the rules tell apart
/// (names, public suffixes, `localhost`, IPs, a trailing dot, IPv6 brackets).
fn host_from(bytes: &str) -> String {
    const PIECES: [&str; 16] = [
        "www",
        "shop",
        "example",
        "co",
        "uk",
        "com",
        "github",
        "io",
        "localhost",
        "127",
        "0",
        "1",
        "",
        "app",
        "[::1]",
        "xn--bcher-kva",
    ];
    let labels: Vec<&str> = bytes
        .bytes()
        .take(6)
        .map(|b| PIECES[usize::from(b % 16)])
        .collect();
    if labels.is_empty() {
        "example.com".to_string()
    } else {
        labels.join(".")
    }
}

/// Target `capture`: the whole capture over a fake browser whose jar follows a browser's
/// rules, from a hostile URL, hostile cookies and mirror entry already there, and a hostile
/// option list, then the other calls of the API.
///
/// - every cookie the module writes is its own cookie or a domain probe (`<name>_p<nonce>`),
///   every value it writes is a valid id (or the empty value of a removal, or a probe's `1`),
///   and no probe it wrote is left in the jar;
/// - every mirror entry it writes decodes to a valid id;
/// - every id it reports, and every id `tracking_id` gives, is valid;
/// - the `Domain` it reports covers the host.
pub fn capture(data: &[u8]) {
    let f = fields(data, 8);
    let flags = f[7].bytes().next().unwrap_or(0);
    let https = flags & 1 == 0;
    let url = if https { "https://x/" } else { "http://x/" };
    let mut page = FakeBrowser::new(url);
    {
        let location = page.location_mut();
        location.host = host_from(&f[0]);
        location.search = f[1].to_string();
        location.hash = f[2].to_string();
    }
    let mut said = Vec::new();
    let options = Options::read(&f[3], |parts| said.push(parts.concat()));
    let name = options.valid_cookie_name().to_string();
    // Cookies an earlier page or the server set: the browser's rules decide what stays.
    for line in f[4].split('\n') {
        page.set_cookie(line);
    }
    let key = mirror::key(&name);
    page.plant_storage(&key, &f[5]);
    page.plant_storage(&mirror::key(DEFAULT_NAME), &f[6]);
    page.set_cookie_mode(match flags >> 1 & 3 {
        0 | 1 => CookieMode::Enabled,
        2 => CookieMode::Ignored,
        _ => CookieMode::DomainRefused,
    });
    page.set_storage_available(flags & 8 == 0);
    page.clear_writes();
    let planted_probes: Vec<String> = page.jar().into_iter().map(|c| c.name.clone()).collect();

    assert!(
        said.is_empty() || options.debug,
        "reported without debug: {said:?}"
    );
    let host = page.location_mut().host.clone();
    let mut session = Session::default();
    let mut reported = Vec::new();
    let outcome = capture::capture(&mut page, &mut session, &options);
    reported.push(outcome.clone());
    if flags & 16 != 0 {
        reported.push(capture::grant_consent(&mut page, &mut session));
    }
    if flags & 32 != 0 {
        capture::revoke_consent(&mut page, &mut session);
        reported.push(capture::capture(&mut page, &mut session, &options));
        reported.push(capture::grant_consent(&mut page, &mut session));
    }
    if flags & 64 != 0 {
        capture::clear(&mut page, &mut session);
    }
    let id_now = capture::tracking_id(&page, &session);

    for outcome in &reported {
        if let Some(id) = &outcome.tracking_id {
            assert!(is_valid_id(id), "reported an invalid id {id:?}");
        }
        if let Some(domain) = &outcome.domain {
            assert!(covers(domain, &host), "reported Domain={domain} for {host}");
            assert!(candidates(&host).any(|c| c == domain) || options.domain != DomainOption::Auto);
        }
    }
    if let Some(id) = &id_now {
        assert!(is_valid_id(id), "tracking_id gave an invalid id {id:?}");
    }
    // The domain probes: `<name>_p<nonce>=1`, each removed again once read.
    let probe = format!("{name}_p");
    for write in page.writes() {
        let pair = write.split(';').next().unwrap_or("");
        let (n, value) = pair.split_once('=').expect("name=value");
        let removal = write.contains("; Max-Age=0;");
        if n == name {
            assert!(removal || is_valid_id(value), "wrote {write:?}");
            assert!(
                !removal || value.is_empty(),
                "a removal with a value: {write:?}"
            );
        } else {
            let nonce = n.strip_prefix(&probe);
            assert!(
                nonce.is_some_and(
                    |nonce| !nonce.is_empty() && nonce.bytes().all(|b| b.is_ascii_digit())
                ),
                "wrote a cookie that is not the module's: {write:?}"
            );
            assert!(
                value == "1" || (removal && value.is_empty()),
                "probe {write:?}"
            );
        }
    }
    let probes_left: Vec<&str> = page
        .jar()
        .into_iter()
        .map(|c| c.name.as_str())
        .filter(|n| n.starts_with(&probe) && !planted_probes.iter().any(|p| p == n))
        .collect();
    assert!(
        probes_left.is_empty(),
        "probes left behind: {probes_left:?}"
    );
    if let Some(entry) = page.storage_item(&key) {
        if entry != &*f[5] && !(key == mirror::key(DEFAULT_NAME) && entry == &*f[6]) {
            let (id, _) = mirror::decode(entry, T0_MS).expect("a mirror entry the module wrote");
            assert!(is_valid_id(id));
        }
    }
}
