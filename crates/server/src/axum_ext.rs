//! axum integration (feature `axum`): extractors for the tracking id.
//!
//! - [`RequestTrackingId`]: the cookie and URL candidates of any request, combined with a
//!   body value by [`RequestTrackingId::with_body`];
//! - [`TrackedJson`]: a JSON body and the id found by the whole order (cookie, the body's
//!   `trackingId`, URL parameter) in one extractor.

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Lookup, Source, lookup_in};

/// The id candidates of a request's cookie and URL, for handlers that read the body
/// themselves. Never rejects the request.
///
/// ```
/// use axum::{routing::post, Json, Router};
/// use taapit_server::axum_ext::RequestTrackingId;
///
/// #[derive(serde::Deserialize)]
/// struct Signup { email: String, #[serde(rename = "trackingId")] tracking_id: Option<String> }
///
/// async fn signup(ids: RequestTrackingId, Json(form): Json<Signup>) -> String {
///     let found = ids.with_body(form.tracking_id.as_deref());
///     format!("{:?}", found.tracking_id())
/// }
/// let app: Router = Router::new().route("/api/signup", post(signup));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestTrackingId {
    cookie: Lookup,
    url: Lookup,
}

impl RequestTrackingId {
    /// Reads the candidates of a request's URI and headers.
    ///
    /// ```
    /// use taapit_server::axum_ext::RequestTrackingId;
    /// let ids = RequestTrackingId::from_request(&"/?ta_tid=abc".parse().unwrap(), &Default::default());
    /// assert_eq!(ids.lookup().tracking_id().unwrap().as_str(), "abc");
    /// ```
    pub fn from_request(uri: &Uri, headers: &HeaderMap) -> Self {
        RequestTrackingId {
            cookie: lookup_in(&Uri::from_static("/"), headers, None),
            url: lookup_in(uri, &HeaderMap::new(), None),
        }
    }

    /// The id by the guide's order with the body's `trackingId` between the cookie and the
    /// URL parameter.
    ///
    /// ```
    /// use taapit_server::{axum_ext::RequestTrackingId, Source};
    /// let ids = RequestTrackingId::from_request(&"/?ta_tid=fromUrl".parse().unwrap(), &Default::default());
    /// assert_eq!(ids.with_body(Some("fromBody")).source(), Some(Source::Body));
    /// assert_eq!(ids.with_body(None).source(), Some(Source::Url));
    /// ```
    pub fn with_body(&self, body_tracking_id: Option<&str>) -> Lookup {
        if self.cookie.found.is_some() {
            return self.cookie.clone();
        }
        let body = lookup_in(&Uri::from_static("/"), &HeaderMap::new(), body_tracking_id);
        let mut combined = Lookup {
            found: None,
            rejected: self.cookie.rejected.clone(),
        };
        for part in [body, self.url.clone()] {
            for rejected in part.rejected {
                combined.reject(rejected.source, &rejected.value);
            }
            if part.found.is_some() {
                combined.found = part.found;
                break;
            }
        }
        combined
    }

    /// The id without a body: the cookie, then the URL parameter.
    ///
    /// ```
    /// use taapit_server::axum_ext::RequestTrackingId;
    /// let ids = RequestTrackingId::from_request(&"/".parse().unwrap(), &Default::default());
    /// assert!(ids.lookup().tracking_id().is_none());
    /// ```
    pub fn lookup(&self) -> Lookup {
        self.with_body(None)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestTrackingId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestTrackingId::from_request(&parts.uri, &parts.headers))
    }
}

/// A JSON body of type `T`, and the tracking id of the request by the guide's order: the
/// `ta_tid` cookie, then the body's `trackingId`, then the `ta_tid` URL parameter. A
/// `trackingId` that is not a string counts as an invalid candidate (named by its JSON type).
///
/// ```
/// use axum::{routing::post, Router};
/// use taapit_server::axum_ext::TrackedJson;
///
/// #[derive(serde::Deserialize)]
/// struct Signup { email: String }
///
/// async fn signup(TrackedJson { body, lookup }: TrackedJson<Signup>) -> String {
///     match lookup.tracking_id() {
///         Some(id) => format!("{} came from {id}", body.email),
///         None => format!("{} came by itself", body.email),
///     }
/// }
/// let app: Router = Router::new().route("/api/signup", post(signup));
/// ```
#[derive(Clone, Debug)]
pub struct TrackedJson<T> {
    /// The body.
    pub body: T,
    /// What the look-up found.
    pub lookup: Lookup,
}

/// Why [`TrackedJson`] refused a request: not JSON (axum's own rejection), or JSON that is
/// not a `T` (400 with serde's message).
///
/// ```
/// use axum::response::IntoResponse;
/// use taapit_server::axum_ext::TrackedJsonRejection;
/// let rejection = TrackedJsonRejection::Body("missing field `email`".into());
/// assert_eq!(rejection.into_response().status(), 400);
/// ```
#[derive(Debug)]
pub enum TrackedJsonRejection {
    /// The request is not a JSON body (wrong type, syntax error, too large).
    Json(JsonRejection),
    /// The JSON does not fit `T`.
    Body(String),
}

impl IntoResponse for TrackedJsonRejection {
    fn into_response(self) -> Response {
        match self {
            TrackedJsonRejection::Json(rejection) => rejection.into_response(),
            TrackedJsonRejection::Body(message) => {
                (StatusCode::BAD_REQUEST, message).into_response()
            }
        }
    }
}

impl<T, S> FromRequest<S> for TrackedJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = TrackedJsonRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ids = RequestTrackingId::from_request(request.uri(), request.headers());
        let Json(value) = Json::<Value>::from_request(request, state)
            .await
            .map_err(TrackedJsonRejection::Json)?;
        let lookup = match value.get("trackingId") {
            None | Some(Value::Null) => ids.with_body(None),
            Some(Value::String(text)) => ids.with_body(Some(text)),
            Some(other) => {
                let mut lookup = ids.with_body(None);
                if lookup.source() != Some(Source::Cookie) {
                    // Rejected in its place: after the cookie's, before the URL's.
                    let at = lookup
                        .rejected
                        .iter()
                        .position(|r| r.source == Source::Url)
                        .unwrap_or(lookup.rejected.len());
                    lookup.rejected.insert(
                        at,
                        crate::Rejected {
                            source: Source::Body,
                            value: json_type(other).to_owned(),
                        },
                    );
                    lookup.rejected.truncate(8);
                }
                lookup
            }
        };
        let body = serde_json::from_value(value)
            .map_err(|error| TrackedJsonRejection::Body(error.to_string()))?;
        Ok(TrackedJson { body, lookup })
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
