//! Re-issuing the `ta_tid` cookie from the server.
//!
//! Safari (and other browsers with tracking prevention) cap cookies written by script at 7
//! days or less; a `Set-Cookie` header on a top-level page response from the site's own host
//! is not capped. So on each HTML document response, when the request carries a valid id
//! (the cookie, or `?ta_tid=` on that document), the server writes the cookie again with the
//! attributes the capture module uses: `Path=/`, `Domain` = the registrable domain, `Max-Age`
//! and `Expires`, `SameSite=Lax`, `Secure` over https. The string itself comes from the
//! capture module's core, so the browser-side write and this one are the same cookie.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HOST, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, Uri};
use taapit_core::capture::{cookie_levels, must_expire_other_levels, visible_after_write};
use taapit_core::cookie::SetCookie;
use taapit_core::domain::{HostKind, host_kind};
use taapit_core::options::{DEFAULT_EXPIRES_IN_DAYS, clamp_days};
pub use taapit_core::{SameSite, Secure};

use crate::lookup::{cookie_values, url_values};
use crate::{COOKIE_NAME, TrackingId};

pub use taapit_core::Attribution;

const DAY_SECS: u64 = 86_400;

/// The `Domain` the cookie gets for a request host: its registrable domain by the Public
/// Suffix List (the `psl` crate), which is the shortest parent domain a browser accepts, the
/// one the capture module finds by probing. `None` (a host-only cookie) for `localhost`,
/// `*.localhost`, IP addresses, single-label hosts, hosts with a leading or trailing dot or an
/// empty label (as the Public Suffix List's own test vectors expect: `.example.com` has no
/// registrable domain), a host that is a public suffix itself, and anything that is not a
/// plain host name.
///
/// ```
/// use taapit_server::cookie_domain;
/// assert_eq!(cookie_domain("www.shop.example.co.uk").as_deref(), Some("example.co.uk"));
/// assert_eq!(cookie_domain("alice.github.io").as_deref(), Some("alice.github.io"));
/// assert_eq!(cookie_domain("app.example.com").as_deref(), Some("example.com"));
/// assert_eq!(cookie_domain("localhost"), None);
/// assert_eq!(cookie_domain("127.0.0.1"), None);
/// assert_eq!(cookie_domain("[::1]"), None);
/// assert_eq!(cookie_domain("intranet"), None);
/// assert_eq!(cookie_domain(".example.com"), None);
/// ```
pub fn cookie_domain(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    if host_kind(&host) != HostKind::Named || !is_plain_host_name(&host) {
        return None;
    }
    // psl skips an empty first label; a host name has none (RFC 1034 §3.5).
    if host.split('.').any(str::is_empty) {
        return None;
    }
    psl::domain_str(&host).map(str::to_owned)
}

/// Letters, digits, `-` and `.`: what may go into a `Domain` attribute unescaped (a `Host`
/// header is the client's to write, and must not inject attributes).
fn is_plain_host_name(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The host of a request, lower case and without the port: the URI's authority (HTTP/2),
/// else the `Host` header. `None` when neither holds a usable host.
fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let authority = match uri.authority() {
        Some(authority) => authority.as_str().to_owned(),
        None => headers.get(HOST)?.to_str().ok()?.to_owned(),
    };
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        let end = authority.find(']')?;
        &authority[..=end]
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let host = host.to_ascii_lowercase();
    let ok = match host_kind(&host) {
        HostKind::Ipv6 => host[1..host.len().saturating_sub(1)]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'),
        _ => is_plain_host_name(&host),
    };
    ok.then_some(host)
}

/// The cookie re-issue settings, and the plain function that computes the `Set-Cookie`
/// headers for a document request ([`set_cookies`](Self::set_cookies)); [`layer`](Self::layer)
/// makes the tower `Layer`.
///
/// Defaults as the capture module's: 90 days, last-click, `SameSite=Lax`, `Secure` when the
/// request came over https, not `HttpOnly` (the frontend's `getTrackingId()` reads it),
/// `X-Forwarded-Proto` not trusted.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use taapit_server::CookieReissue;
///
/// let reissue = CookieReissue::new();
/// let uri: http::Uri = "/pricing".parse().unwrap();
/// let mut headers = http::HeaderMap::new();
/// headers.insert("host", "www.example.com".parse().unwrap());
/// headers.insert("cookie", "ta_tid=rLnWe1uz9t282v7g".parse().unwrap());
/// let now = UNIX_EPOCH + Duration::from_secs(0);
/// let cookies = reissue.set_cookies(&uri, &headers, now);
/// assert_eq!(
///     cookies[0],
///     "ta_tid=rLnWe1uz9t282v7g; Path=/; Domain=example.com; Max-Age=7776000; \
///      Expires=Wed, 01 Apr 1970 00:00:00 GMT; SameSite=Lax",
/// );
/// ```
#[derive(Clone, Debug)]
pub struct CookieReissue {
    expires_in_days: u32,
    attribution: Attribution,
    same_site: SameSite,
    secure: Secure,
    http_only: bool,
    host_only: bool,
    trust_forwarded_proto: bool,
}

impl Default for CookieReissue {
    fn default() -> Self {
        CookieReissue {
            expires_in_days: DEFAULT_EXPIRES_IN_DAYS,
            attribution: Attribution::LastClick,
            same_site: SameSite::Lax,
            secure: Secure::Auto,
            http_only: false,
            host_only: false,
            trust_forwarded_proto: false,
        }
    }
}

impl CookieReissue {
    /// The defaults (see the type's documentation).
    ///
    /// ```
    /// let reissue = taapit_server::CookieReissue::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The cookie's lifetime in days, clamped to 1–400 as the capture module clamps it.
    ///
    /// ```
    /// let reissue = taapit_server::CookieReissue::new().expires_in_days(30);
    /// ```
    pub fn expires_in_days(mut self, days: u32) -> Self {
        self.expires_in_days = clamp_days(days);
        self
    }

    /// First-click keeps a valid stored id when the document's URL brings another one;
    /// last-click (the default) lets the URL's id replace it.
    ///
    /// ```
    /// use taapit_server::{Attribution, CookieReissue};
    /// let reissue = CookieReissue::new().attribution(Attribution::FirstClick);
    /// ```
    pub fn attribution(mut self, attribution: Attribution) -> Self {
        self.attribution = attribution;
        self
    }

    /// `SameSite` (default `Lax`; `None` forces `Secure`, as browsers require).
    ///
    /// ```
    /// use taapit_server::SameSite;
    /// let reissue = taapit_server::CookieReissue::new().same_site(SameSite::Strict);
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// When the cookie gets `Secure`: `Auto` (default) when the request came over https.
    ///
    /// ```
    /// use taapit_server::Secure;
    /// let reissue = taapit_server::CookieReissue::new().secure(Secure::Always);
    /// ```
    pub fn secure(mut self, secure: Secure) -> Self {
        self.secure = secure;
        self
    }

    /// `HttpOnly` (default off: with it, the frontend can neither read the id nor replace it: a
    /// later landing's id captured in the page goes to its `localStorage` mirror, and the
    /// backend keeps reading this cookie until the server re-issues the newer id from the URL).
    ///
    /// ```
    /// let reissue = taapit_server::CookieReissue::new().http_only(true);
    /// ```
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// A host-only cookie everywhere (for sites whose capture module uses `domain: "host"`).
    ///
    /// ```
    /// let reissue = taapit_server::CookieReissue::new().host_only(true);
    /// ```
    pub fn host_only(mut self, host_only: bool) -> Self {
        self.host_only = host_only;
        self
    }

    /// Believe `X-Forwarded-Proto: https` (only behind a proxy that sets it; a client could
    /// send it too). Without it, https is known from an absolute `https:` request URI only.
    ///
    /// ```
    /// let reissue = taapit_server::CookieReissue::new().trust_forwarded_proto(true);
    /// ```
    pub fn trust_forwarded_proto(mut self, trust: bool) -> Self {
        self.trust_forwarded_proto = trust;
        self
    }

    /// The tower `Layer` that adds [`set_cookies`](Self::set_cookies) to the HTML document
    /// responses of a service.
    ///
    /// ```
    /// use taapit_server::CookieReissue;
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/", axum::routing::get(|| async { axum::response::Html("<h1>Hi</h1>") }))
    ///     .layer(CookieReissue::new().layer());
    /// ```
    pub fn layer(self) -> ReissueLayer {
        ReissueLayer {
            config: Arc::new(self),
        }
    }

    /// Whether a request is for a top-level document: `GET`/`HEAD`, with `Sec-Fetch-Dest:
    /// document` or, from browsers that do not send it, an `Accept` naming `text/html`.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("sec-fetch-dest", "document".parse().unwrap());
    /// assert!(taapit_server::CookieReissue::is_document_request(&http::Method::GET, &headers));
    /// headers.insert("sec-fetch-dest", "iframe".parse().unwrap());
    /// assert!(!taapit_server::CookieReissue::is_document_request(&http::Method::GET, &headers));
    /// ```
    pub fn is_document_request(method: &Method, headers: &HeaderMap) -> bool {
        if method != Method::GET && method != Method::HEAD {
            return false;
        }
        match headers.get("sec-fetch-dest") {
            Some(dest) => dest.as_bytes().eq_ignore_ascii_case(b"document"),
            None => headers
                .get_all(ACCEPT)
                .iter()
                .any(|accept| contains_ignore_case(accept.as_bytes(), b"text/html")),
        }
    }

    /// Whether a response is an HTML page (`Content-Type: text/html`).
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
    /// assert!(taapit_server::CookieReissue::is_html_response(&headers));
    /// ```
    pub fn is_html_response(headers: &HeaderMap) -> bool {
        headers.get(CONTENT_TYPE).is_some_and(|value| {
            let value = value.as_bytes();
            let essence = value.split(|&b| b == b';').next().unwrap_or_default();
            essence.trim_ascii().eq_ignore_ascii_case(b"text/html")
        })
    }

    fn is_https(&self, uri: &Uri, headers: &HeaderMap) -> bool {
        if uri.scheme_str() == Some("https") {
            return true;
        }
        self.trust_forwarded_proto
            && headers
                .get("x-forwarded-proto")
                .and_then(|value| value.to_str().ok())
                // A proxy chain lists one protocol per hop; the first is the client's.
                .and_then(|value| value.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }

    /// The `Set-Cookie` headers for a document response to this request: empty when it
    /// carries no valid id. The first re-issues the id (by the attribution rule) on the
    /// registrable domain; when the request shows other `ta_tid` copies (two or more, or one
    /// holding another value: the core's one-copy rule, `visible_after_write` in
    /// `taapit_core::capture`), removals follow for every other level of the host (host-only
    /// and each parent that is not a public suffix), so exactly one copy stays visible, as the
    /// capture module does after its own write. (A lone copy of the same id on another level,
    /// left by another domain setting, is cleaned on the next request, which shows two.)
    ///
    /// For frameworks without tower: call it for HTML document responses
    /// ([`is_document_request`](Self::is_document_request)) and append each value as a
    /// `Set-Cookie` header.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use taapit_server::CookieReissue;
    /// let uri: http::Uri = "/?ta_tid=fromUrl".parse().unwrap();
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("host", "localhost:8080".parse().unwrap());
    /// headers.insert("cookie", "ta_tid=old".parse().unwrap());
    /// let cookies = CookieReissue::new().set_cookies(&uri, &headers, SystemTime::now());
    /// // Last-click: the id of the URL replaces the stored one, host-only on localhost.
    /// assert!(cookies[0].to_str().unwrap().starts_with("ta_tid=fromUrl; Path=/; Max-Age="));
    /// ```
    pub fn set_cookies(&self, uri: &Uri, headers: &HeaderMap, now: SystemTime) -> Vec<HeaderValue> {
        let Some(host) = request_host(uri, headers) else {
            return Vec::new();
        };
        let mut copies: Vec<String> = Vec::new();
        let mut first_stored: Option<TrackingId> = None;
        cookie_values(headers, COOKIE_NAME, |value| {
            copies.push(value.to_owned());
            if first_stored.is_none() {
                first_stored = TrackingId::parse(value).ok();
            }
            // Stops once two copies are read and a valid one was found: enough to know there
            // are copies to clean (two already make more than one visible after the write,
            // whatever the id) and which id to keep (a header of many invalid copies before a
            // valid one is read to that one).
            copies.len() > 1 && first_stored.is_some()
        });
        let mut from_url = None;
        url_values(uri, COOKIE_NAME, |value| {
            from_url = TrackingId::parse(value).ok();
            from_url.is_some()
        });
        let chosen = self.attribution.choose(from_url, first_stored);
        let Some(id) = chosen else {
            return Vec::new();
        };

        let domain = if self.host_only {
            None
        } else {
            cookie_domain(&host)
        };
        let secure = self
            .secure
            .applies(self.is_https(uri, headers), self.same_site);
        let now_secs = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let write = SetCookie::new(COOKIE_NAME, id.as_str())
            .domain(domain.as_deref())
            .max_age(u64::from(self.expires_in_days) * DAY_SECS, now_secs)
            .same_site(self.same_site)
            .secure(secure)
            .http_only(self.http_only)
            .build();
        let mut out = Vec::with_capacity(1);
        // The id and the host are checked above: the string is always a valid header value.
        out.extend(HeaderValue::from_str(&write).ok());

        // The capture module's one-copy rule, on the copies the request shows.
        let visible = visible_after_write(copies.iter().map(String::as_str), id.as_str());
        if must_expire_other_levels(visible) {
            let levels = cookie_levels(&host, None)
                .filter(|level| *level != domain.as_deref())
                // The browser refuses a cookie on a public suffix: no removal needed there.
                .filter(|level| level.is_none_or(|l| psl::suffix_str(l) != Some(l)));
            for level in levels {
                let removal = SetCookie::removal(COOKIE_NAME, level)
                    .secure(secure)
                    .build();
                out.extend(HeaderValue::from_str(&removal).ok());
            }
        }
        out
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// The tower `Layer` of [`CookieReissue`]: on a top-level HTML document response (a
/// document request, a `text/html` 2xx response), adds the `Set-Cookie` headers of
/// [`CookieReissue::set_cookies`] unless the handler already set `ta_tid` itself or marked the
/// response for shared caches (`Cache-Control: public` or `s-maxage`), and marks a response
/// that gained them `Cache-Control: private` when it had no `Cache-Control` (a shared cache
/// must not hand one visitor's cookie to another).
///
/// ```
/// use taapit_server::CookieReissue;
/// let layer = CookieReissue::new().expires_in_days(60).layer();
/// let app: axum::Router = axum::Router::new().layer(layer);
/// ```
#[derive(Clone, Debug)]
pub struct ReissueLayer {
    config: Arc<CookieReissue>,
}

impl<S> tower_layer::Layer<S> for ReissueLayer {
    type Service = ReissueService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReissueService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`ReissueLayer`] wraps around another.
///
/// ```
/// use tower_layer::Layer;
/// let service = taapit_server::CookieReissue::new()
///     .layer()
///     .layer(tower::service_fn(|_: http::Request<()>| async {
///         Ok::<_, std::convert::Infallible>(http::Response::new(()))
///     }));
/// ```
#[derive(Clone, Debug)]
pub struct ReissueService<S> {
    inner: S,
    config: Arc<CookieReissue>,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for ReissueService<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ReissueFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let cookies = if CookieReissue::is_document_request(request.method(), request.headers()) {
            self.config
                .set_cookies(request.uri(), request.headers(), SystemTime::now())
        } else {
            Vec::new()
        };
        ReissueFuture {
            inner: self.inner.call(request),
            cookies,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ReissueService`]: the inner response, with the cookie added
    /// when it is an HTML document.
    ///
    /// ```
    /// use tower::{Layer, Service};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut service = taapit_server::CookieReissue::new().layer().layer(tower::service_fn(
    ///     |_: http::Request<()>| async { Ok::<_, std::convert::Infallible>(http::Response::new(())) },
    /// ));
    /// let future: taapit_server::ReissueFuture<_> = service.call(http::Request::new(()));
    /// assert!(future.await.unwrap().headers().get("set-cookie").is_none());
    /// # }
    /// ```
    pub struct ReissueFuture<F> {
        #[pin]
        inner: F,
        cookies: Vec<HeaderValue>,
    }
}

impl<F, B, E> Future for ReissueFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.poll(cx) {
            Poll::Ready(Ok(response)) => response,
            other => return other,
        };
        let cookies = std::mem::take(this.cookies);
        let headers = response.headers();
        let already_set = headers
            .get_all(SET_COOKIE)
            .iter()
            .any(|value| sets_cookie(value.as_bytes(), COOKIE_NAME.as_bytes()));
        if !cookies.is_empty()
            && response.status().is_success()
            && CookieReissue::is_html_response(headers)
            && !already_set
            && !shared_cacheable(headers)
        {
            let headers = response.headers_mut();
            if !headers.contains_key(CACHE_CONTROL) {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
            }
            for cookie in cookies {
                headers.append(SET_COOKIE, cookie);
            }
        }
        Poll::Ready(Ok(response))
    }
}

/// Whether the response says a shared cache (a CDN, a proxy) may keep it: `Cache-Control`
/// with `public` or `s-maxage`, without `private` or `no-store`. Such a response gets no
/// cookie: a cache that kept it would hand one visitor's id to the next (the page's own
/// capture module keeps the cookie anyway).
fn shared_cacheable(headers: &HeaderMap) -> bool {
    let control = headers.get_all(CACHE_CONTROL);
    let has = |token: &[u8]| {
        control
            .iter()
            .any(|value| contains_ignore_case(value.as_bytes(), token))
    };
    (has(b"public") || has(b"s-maxage")) && !has(b"private") && !has(b"no-store")
}

/// Whether a `Set-Cookie` value sets the cookie `name`.
fn sets_cookie(value: &[u8], name: &[u8]) -> bool {
    value
        .split(|&b| b == b'=')
        .next()
        .is_some_and(|n| n.trim_ascii() == name)
}
