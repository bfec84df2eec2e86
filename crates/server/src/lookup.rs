//! Finding the tracking id in a request, in the order the Taapit guide recommends: the
//! `ta_tid` cookie, then the `trackingId` the frontend put in the JSON body, then the `ta_tid`
//! URL parameter. Only valid ids count: an invalid cookie does not hide a valid body id.
//!
//! Framework-neutral: [`lookup`] reads an [`http::request::Parts`] (what every Rust HTTP
//! framework built on the `http` crate hands out) plus the body's `trackingId`, if any.

use http::header::COOKIE;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Uri};
use serde::Serialize;
use taapit_core::cookie::header_values;
use taapit_core::options::DEFAULT_NAME;
use taapit_core::query::decode_component;

use crate::TrackingId;

/// The name of the cookie and of the URL parameter: `ta_tid`.
///
/// ```
/// assert_eq!(taapit_server::COOKIE_NAME, "ta_tid");
/// ```
pub const COOKIE_NAME: &str = DEFAULT_NAME;

/// How many rejected candidates a [`Lookup`] keeps (a hostile request may carry thousands).
const MAX_REJECTED: usize = 8;
/// How many characters of a rejected value a [`Lookup`] keeps.
const MAX_REJECTED_LEN: usize = 200;

/// Where in the request an id was found.
///
/// ```
/// use taapit_server::Source;
/// assert_eq!(Source::Cookie.as_str(), "cookie");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The `ta_tid` cookie (the capture module's storage).
    Cookie,
    /// The `trackingId` of the JSON body (the frontend's `getTrackingId()`).
    Body,
    /// The `ta_tid` URL parameter of the request.
    Url,
}

impl Source {
    /// `"cookie"`, `"body"` or `"url"`.
    ///
    /// ```
    /// assert_eq!(taapit_server::Source::Url.as_str(), "url");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cookie => "cookie",
            Source::Body => "body",
            Source::Url => "url",
        }
    }
}

/// A candidate that was present but not a valid id (its value cut to 200 characters).
///
/// ```
/// use taapit_server::{lookup_in, Source};
/// let uri: http::Uri = "/api/signup?ta_tid=a%3Bb".parse().unwrap();
/// let found = lookup_in(&uri, &http::HeaderMap::new(), None);
/// assert_eq!(found.rejected[0].source, Source::Url);
/// assert_eq!(found.rejected[0].value, "a;b");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Where it was.
    pub source: Source,
    /// What it was (URL parameters decoded; a value that does not decode is shown raw).
    pub value: String,
}

/// What a look-up found: the first valid id by the guide's order, and what was refused
/// before it.
///
/// ```
/// use taapit_server::{lookup, Source};
/// let (parts, ()) = http::Request::builder()
///     .uri("/api/signup?ta_tid=fromUrl")
///     .header("cookie", "theme=dark; ta_tid=fromCookie")
///     .body(())
///     .unwrap()
///     .into_parts();
/// let found = lookup(&parts, Some("fromBody"));
/// assert_eq!(found.tracking_id().map(|id| id.as_str()), Some("fromCookie"));
/// assert_eq!(found.source(), Some(Source::Cookie));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The id and where it was, if any candidate was valid.
    pub found: Option<(TrackingId, Source)>,
    /// The invalid candidates met before the id (at most 8), in the order they were tried.
    pub rejected: Vec<Rejected>,
}

impl Lookup {
    /// The id found, if any.
    ///
    /// ```
    /// let found = taapit_server::lookup_in(&"/?ta_tid=abc".parse().unwrap(), &Default::default(), None);
    /// assert_eq!(found.tracking_id().unwrap().as_str(), "abc");
    /// ```
    pub fn tracking_id(&self) -> Option<&TrackingId> {
        self.found.as_ref().map(|(id, _)| id)
    }

    /// Where the id was found, if any.
    ///
    /// ```
    /// let found = taapit_server::lookup_in(&"/".parse().unwrap(), &Default::default(), Some("abc"));
    /// assert_eq!(found.source(), Some(taapit_server::Source::Body));
    /// ```
    pub fn source(&self) -> Option<Source> {
        self.found.as_ref().map(|(_, source)| *source)
    }

    /// Takes the id found, if any.
    ///
    /// ```
    /// let found = taapit_server::lookup_in(&"/".parse().unwrap(), &Default::default(), None);
    /// assert_eq!(found.into_tracking_id(), None);
    /// ```
    pub fn into_tracking_id(self) -> Option<TrackingId> {
        self.found.map(|(id, _)| id)
    }

    fn try_candidate(&mut self, source: Source, value: &str) -> bool {
        if value.is_empty() {
            return false;
        }
        match TrackingId::parse(value) {
            Ok(id) => {
                self.found = Some((id, source));
                true
            }
            Err(_) => {
                self.reject(source, value);
                false
            }
        }
    }

    pub(crate) fn reject(&mut self, source: Source, value: &str) {
        if self.rejected.len() < MAX_REJECTED {
            let value = value.chars().take(MAX_REJECTED_LEN).collect();
            self.rejected.push(Rejected { source, value });
        }
    }
}

/// Finds the tracking id of a request: the `ta_tid` cookie, then `body_tracking_id` (the JSON
/// body's `trackingId`, when the handler has one), then the `ta_tid` URL parameter.
///
/// Only valid ids count, and an invalid candidate makes the next one be tried. A request may
/// carry several `ta_tid` cookies (copies set on other domain levels or paths): the first
/// valid one in the `Cookie` header wins, the copy the page's own `getTrackingId()` reads
/// (the browser's order: the oldest first in Chromium and Firefox, the most specific domain
/// first in WebKit; the capture module expires the other copies at its next capture).
/// Cookie values are taken as they are (the capture module writes ids that need no
/// encoding; a `%`-encoded value is not an id), a value in double quotes is unquoted, and a
/// header that is not UTF-8 is read with its bad bytes replaced, so it never fails the
/// request.
///
/// ```
/// use taapit_server::{lookup, Source};
/// // An invalid cookie does not hide a valid body id.
/// let (parts, ()) = http::Request::builder()
///     .uri("/api/signup?ta_tid=fromUrl")
///     .header("cookie", "ta_tid=%3Cscript%3E")
///     .body(())
///     .unwrap()
///     .into_parts();
/// let found = lookup(&parts, Some("fromBody"));
/// assert_eq!(found.source(), Some(Source::Body));
/// assert_eq!(found.rejected.len(), 1);
/// ```
pub fn lookup(parts: &Parts, body_tracking_id: Option<&str>) -> Lookup {
    lookup_in(&parts.uri, &parts.headers, body_tracking_id)
}

/// [`lookup`] over the URI and headers of a request, for code that does not hold `Parts`.
///
/// ```
/// use taapit_server::lookup_in;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("cookie", "ta_tid=bad%20; ta_tid=good".parse().unwrap());
/// let found = lookup_in(&"/".parse().unwrap(), &headers, None);
/// assert_eq!(found.tracking_id().unwrap().as_str(), "good");
/// ```
pub fn lookup_in(uri: &Uri, headers: &HeaderMap, body_tracking_id: Option<&str>) -> Lookup {
    let mut found = Lookup::default();
    if cookie_values(headers, COOKIE_NAME, |value| {
        found.try_candidate(Source::Cookie, value)
    }) {
        return found;
    }
    if let Some(value) = body_tracking_id {
        if found.try_candidate(Source::Body, value) {
            return found;
        }
    }
    url_values(uri, COOKIE_NAME, |value| {
        found.try_candidate(Source::Url, value)
    });
    found
}

/// Calls `each` with the value of every cookie called `name` in the request's `Cookie`
/// headers, in order, until it returns true; returns whether it did (the core's reader,
/// `taapit_core::cookie::header_values`).
pub(crate) fn cookie_values(
    headers: &HeaderMap,
    name: &str,
    each: impl FnMut(&str) -> bool,
) -> bool {
    let values = headers
        .get_all(COOKIE)
        .into_iter()
        .map(HeaderValue::as_bytes);
    header_values(values, name, each)
}

/// Calls `each` with the decoded value of every `name` parameter of the URI's query, in
/// order, until it returns true (the query is read as `URLSearchParams` reads it, with the
/// capture module's decoder). A value that does not decode is passed raw, so it is refused
/// as an id but still reported.
pub(crate) fn url_values(uri: &Uri, name: &str, mut each: impl FnMut(&str) -> bool) -> bool {
    let Some(query) = uri.query() else {
        return false;
    };
    for pair in query.split('&') {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        if decode_component(raw_name).as_deref() != Some(name) {
            continue;
        }
        let decoded = decode_component(raw_value);
        if each(decoded.as_deref().unwrap_or(raw_value)) {
            return true;
        }
    }
    false
}
