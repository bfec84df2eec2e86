//! The demo's backend, in Rust (`bash scripts/demo.sh` runs it):
//!
//! - serves the landing pages (`www/`), the built npm package at `/pkg/` and the built SPA
//!   (`www/spa/dist`) at `/spa/`, with the cookie re-issue Layer on every HTML page;
//! - `POST /api/signup` finds the tracking id (cookie, body `trackingId`, URL parameter) and
//!   reports a lead through the durable outbox;
//! - `POST /api/checkout` stores the id with the order; `POST /api/payments/webhook` (the
//!   simulated payment provider's confirmation) reports the sale then, once;
//! - posts to a local mock Taapit collector it starts (checks the key and the bodies, records
//!   the events, listed by `GET /api/leads`), or, with `TAAPIT_API_KEY` set (and optionally
//!   `TAAPIT_BASE_URL`), to the real API.
//!
//! `taapit-demo [--port N] [--trust-forwarded-proto] [--root DIR] [--outbox LOCATION]`; port 0
//! picks a free one; it listens on 127.0.0.1 only. The outbox is a SQLite file (a temporary
//! one by default), or what `--outbox` or `TAAPIT_OUTBOX_URL` names: a file path,
//! `sqlite://PATH` or `postgres://…`. `/leads.html` shows its `Outbox::stats()`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use taapit_server::axum_ext::{TrackedJson, TrackedJsonRejection};
use taapit_server::mock::MockCollector;
use taapit_server::outbox::Outbox;
use taapit_server::{CookieReissue, Customer, Lead, Sale, Taapit, DEFAULT_BASE_URL};

/// A demo deeplink id, as a Taapit deeplink would put in the URL.
const DEMO_ID: &str = "rLnWe1uz9t282v7g";
/// The largest request body the API reads.
const MAX_BODY: usize = 16 * 1024;
/// The SPA's client-side routes (besides `/spa/` itself), answered with its index.html.
const SPA_ROUTES: [&str; 1] = ["/spa/signup"];
/// How many collector records `GET /api/leads` lists, newest first.
const KEEP: usize = 20;

struct Config {
    port: u16,
    trust_forwarded_proto: bool,
    root: PathBuf,
    outbox: Option<String>,
}

fn parse_args() -> Result<Config, String> {
    let mut config = Config {
        port: 8080,
        trust_forwarded_proto: false,
        // The repository this binary was built from.
        root: Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        outbox: std::env::var("TAAPIT_OUTBOX_URL")
            .ok()
            .filter(|url| !url.is_empty()),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                config.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port needs a number")?
            }
            "--root" => config.root = value("--root")?.into(),
            "--outbox" => config.outbox = Some(value("--outbox")?),
            "--trust-forwarded-proto" => config.trust_forwarded_proto = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(config)
}

struct Order {
    user_id: String,
    email: String,
    amount: f64,
    currency: String,
    tracking_id: Option<String>,
    paid: bool,
}

struct Demo {
    outbox: Outbox,
    collector: Option<MockCollector>,
    endpoint: String,
    users: AtomicU64,
    orders: Mutex<HashMap<String, Order>>,
    next_order: AtomicU64,
    www: PathBuf,
    pkg: PathBuf,
    spa: PathBuf,
}

#[tokio::main]
async fn main() {
    let config = match parse_args() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("taapit-demo: {error}");
            std::process::exit(2);
        }
    };
    if let Err(error) = run(config).await {
        eprintln!("taapit-demo: {error}");
        std::process::exit(1);
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    // The real API with a real key; else a local mock collector with a key made up here
    // (the key stays in this process: the pages only ever see `taapit_sk_…`).
    let (taapit, collector) = match std::env::var("TAAPIT_API_KEY") {
        Ok(key) => {
            let base = std::env::var("TAAPIT_BASE_URL").unwrap_or(DEFAULT_BASE_URL.into());
            (Taapit::new(key)?.with_base_url(&base)?, None)
        }
        Err(_) => {
            let key = format!("taapit_sk_demo_{}", std::process::id());
            let collector = MockCollector::start(&key).await?;
            let taapit = Taapit::new(key)?.with_base_url(&collector.url())?;
            (taapit, Some(collector))
        }
    };
    let temporary_outbox =
        std::env::temp_dir().join(format!("taapit-demo-outbox-{}.sqlite3", std::process::id()));
    let endpoint = format!("{}/api/events/", taapit.base_url());
    let outbox = match &config.outbox {
        Some(location) => Outbox::open(location, taapit).await?,
        None => Outbox::open_sqlite(&temporary_outbox, taapit).await?,
    };
    let worker = outbox.start();

    let root = config.root.canonicalize()?;
    let demo = Arc::new(Demo {
        outbox,
        collector,
        endpoint,
        users: AtomicU64::new(0),
        orders: Mutex::default(),
        next_order: AtomicU64::new(0),
        www: root.join("www"),
        pkg: root.join("pkg"),
        spa: root.join("www/spa/dist"),
    });
    let reissue = CookieReissue::new().trust_forwarded_proto(config.trust_forwarded_proto);
    let app = Router::new()
        .route("/api/signup", post(signup).fallback(method_not_allowed))
        .route("/api/leads", get(leads))
        .route("/api/checkout", post(checkout))
        .route("/api/payments/webhook", post(payment_webhook))
        .route("/api/echo-cookies", get(echo_cookies))
        .fallback(static_file)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(reissue.layer())
        .with_state(demo.clone());

    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], config.port))).await?;
    let port = listener.local_addr()?.port();
    let at = |path: &str| format!("http://localhost:{port}{path}");
    println!(
        "
  taapit-capture demo — click a deeplink, then sign up and see the lead your backend reports:

    SPA (Vite + React, npm package)   {}
    landing page (ES module)          {}
    landing page (script tag)         {}
    Leptos app (client-side)          {}
    Yew app (client-side)             {}
    leads received, checkout          {}

  Backend: Rust (crates/demo, taapit-server), posting to {}
  listening on http://127.0.0.1:{port}
",
        at(&format!("/spa/?ta_tid={DEMO_ID}")),
        at(&format!("/?ta_tid={DEMO_ID}")),
        at(&format!("/script.html?ta_tid={DEMO_ID}")),
        at(&format!("/examples/leptos/?ta_tid={DEMO_ID}")),
        at(&format!("/examples/yew/?ta_tid={DEMO_ID}")),
        at("/leads.html"),
        match &demo.collector {
            Some(collector) => format!("a local mock Taapit collector ({})", collector.url()),
            None => demo.endpoint.clone(),
        },
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // The answers under way are recorded before the file is removed or the process exits.
    worker.shutdown().await;
    if config.outbox.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", temporary_outbox.display()));
        }
    }
    Ok(())
}

fn json_answer(status: StatusCode, value: Value) -> Response {
    let mut response = (status, Json(value)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn error_answer(status: StatusCode, error: &str) -> Response {
    json_answer(status, json!({ "ok": false, "error": error }))
}

async fn method_not_allowed() -> Response {
    let mut response = error_answer(StatusCode::METHOD_NOT_ALLOWED, "use POST");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// A JSON body refused: too large (413), or not JSON / not the expected shape (400).
fn body_error(rejection: TrackedJsonRejection) -> Response {
    match rejection {
        TrackedJsonRejection::Json(JsonRejection::BytesRejection(_)) => error_answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large (16 KB at most)",
        ),
        TrackedJsonRejection::Json(_) => {
            error_answer(StatusCode::BAD_REQUEST, "the body is not valid JSON")
        }
        TrackedJsonRejection::Body(message) => error_answer(StatusCode::BAD_REQUEST, &message),
    }
}

/// An optional form field: a string of at most `max` characters, trimmed.
fn text_field(body: &Value, key: &str, max: usize) -> Result<String, ()> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) if text.trim().chars().count() <= max => {
            Ok(text.trim().to_owned())
        }
        Some(_) => Err(()),
    }
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
}

/// What the pages show of a request to Taapit: never the key.
fn shown_request(endpoint: &str, kind: &str, body: &Value) -> Value {
    json!({
        "method": "POST",
        "url": format!("{endpoint}{kind}"),
        "headers": { "Authorization": "Bearer taapit_sk_…", "Content-Type": "application/json" },
        "body": body,
    })
}

async fn signup(
    State(demo): State<Arc<Demo>>,
    request: Result<TrackedJson<Value>, TrackedJsonRejection>,
) -> Response {
    let TrackedJson { body, lookup } = match request {
        Ok(request) => request,
        Err(rejection) => return body_error(rejection),
    };
    if !body.is_object() {
        return error_answer(StatusCode::BAD_REQUEST, "expected a JSON object");
    }
    let Ok(email) = text_field(&body, "email", 254) else {
        return error_answer(StatusCode::BAD_REQUEST, "a valid email is required");
    };
    if !is_email(&email) {
        return error_answer(StatusCode::BAD_REQUEST, "a valid email is required");
    }
    let (Ok(first_name), Ok(last_name)) = (
        text_field(&body, "firstName", 100),
        text_field(&body, "lastName", 100),
    ) else {
        return error_answer(
            StatusCode::BAD_REQUEST,
            "firstName and lastName must be strings of at most 100 characters",
        );
    };

    // The signup itself comes first; tracking is reported only once it succeeded, and a
    // tracking failure never fails the signup.
    let user_id = format!("user_{}", demo.users.fetch_add(1, Ordering::Relaxed) + 1);
    let (lead, note) = match lookup.tracking_id() {
        Some(id) => {
            let mut customer = Customer::new(&user_id).email(&email);
            if !first_name.is_empty() {
                customer = customer.firstname(&first_name);
            }
            if !last_name.is_empty() {
                customer = customer.lastname(&last_name);
            }
            let lead = Lead::new(id, customer).metadata(json!({ "source": "signup-api" }));
            let event = taapit_server::Event::from(lead);
            let shown: Value = event
                .to_body()
                .ok()
                .and_then(|body| serde_json::from_slice(&body).ok())
                .unwrap_or_default();
            match demo.outbox.enqueue(event).await {
                Ok(key) => (
                    shown_request(&demo.endpoint, "lead", &shown),
                    format!(
                        "Queued in the outbox as {key} and posted to {}lead.",
                        demo.endpoint
                    ),
                ),
                Err(error) => (
                    Value::Null,
                    format!("The lead could not be queued: {error}"),
                ),
            }
        }
        None => (
            Value::Null,
            "No valid tracking id in the cookie, the body or the URL: no lead is reported.".into(),
        ),
    };
    json_answer(
        StatusCode::CREATED,
        json!({
            "ok": true,
            "user": { "id": user_id, "email": email },
            "trackingIdSource": lookup.source(),
            "rejected": lookup.rejected,
            "lead": lead,
            "note": note,
        }),
    )
}

async fn leads(State(demo): State<Arc<Demo>>) -> Response {
    let (collector, events) = match &demo.collector {
        Some(collector) => {
            let mut events = collector.events();
            events.reverse();
            events.truncate(KEEP);
            ("mock", serde_json::to_value(events).unwrap_or_default())
        }
        None => ("taapit", json!([])),
    };
    let parked = demo.outbox.parked().await.unwrap_or_default();
    let stats = demo.outbox.stats().await.unwrap_or_default();
    json_answer(
        StatusCode::OK,
        json!({
            "endpoint": demo.endpoint,
            "collector": collector,
            "keep": KEEP,
            "events": events,
            "outbox": {
                "pending": stats.pending,
                "inFlight": stats.in_flight,
                "parked": stats.parked,
                "oldestPendingAgeMs": stats.oldest_pending_age.map(|age| age.as_millis() as u64),
            },
            "parked": parked,
        }),
    )
}

#[derive(Deserialize)]
struct CheckoutForm {
    email: Option<String>,
    amount: f64,
    currency: String,
}

/// Creates an order and stores the tracking id with it (the guide's best practice 3: the
/// payment confirmation comes later, from the payment provider, without the visitor's
/// cookie).
async fn checkout(
    State(demo): State<Arc<Demo>>,
    request: Result<TrackedJson<CheckoutForm>, TrackedJsonRejection>,
) -> Response {
    let TrackedJson { body, lookup } = match request {
        Ok(request) => request,
        Err(rejection) => return body_error(rejection),
    };
    // The order is checked now, so the confirmed sale cannot be refused later.
    let probe = Sale::new(Customer::new("probe"), body.amount, body.currency.clone());
    if let Err(error) = taapit_server::Event::from(probe).validate() {
        return error_answer(StatusCode::BAD_REQUEST, &error.to_string());
    }
    let order_id = format!(
        "order_{}",
        demo.next_order.fetch_add(1, Ordering::Relaxed) + 1
    );
    let user_id = format!("user_{}", demo.users.fetch_add(1, Ordering::Relaxed) + 1);
    let tracking_id = lookup.tracking_id().map(|id| id.as_str().to_owned());
    demo.orders
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(
            order_id.clone(),
            Order {
                user_id: user_id.clone(),
                email: body.email.unwrap_or_default(),
                amount: body.amount,
                currency: body.currency.to_ascii_lowercase(),
                tracking_id: tracking_id.clone(),
                paid: false,
            },
        );
    json_answer(
        StatusCode::CREATED,
        json!({
            "ok": true,
            "orderId": order_id,
            "userId": user_id,
            "trackingId": tracking_id,
            "trackingIdSource": lookup.source(),
        }),
    )
}

#[derive(Deserialize)]
struct PaymentEvent {
    #[serde(rename = "orderId")]
    order_id: String,
    status: String,
}

/// The payment provider's confirmation (simulated): reports the sale once the payment
/// succeeded (best practice 2), with the id stored at checkout. A repeated confirmation
/// reports nothing more (the outbox key is the order id).
async fn payment_webhook(
    State(demo): State<Arc<Demo>>,
    request: Result<Json<PaymentEvent>, JsonRejection>,
) -> Response {
    let Ok(Json(payment)) = request else {
        return error_answer(StatusCode::BAD_REQUEST, "expected { orderId, status }");
    };
    let sale = {
        let mut orders = demo.orders.lock().unwrap_or_else(|p| p.into_inner());
        let Some(order) = orders.get_mut(&payment.order_id) else {
            return error_answer(StatusCode::NOT_FOUND, "no such order");
        };
        if payment.status != "succeeded" {
            return json_answer(StatusCode::OK, json!({ "ok": true, "reported": false }));
        }
        if order.paid {
            return json_answer(
                StatusCode::OK,
                json!({ "ok": true, "reported": false, "note": "already reported" }),
            );
        }
        order.paid = true;
        let mut customer = Customer::new(&order.user_id);
        if !order.email.is_empty() {
            customer = customer.email(&order.email);
        }
        let mut sale = Sale::new(customer, order.amount, order.currency.clone())
            .metadata(json!({ "orderId": payment.order_id }));
        if let Some(id) = &order.tracking_id {
            sale = sale.tracking_id(id);
        }
        sale
    };
    match demo
        .outbox
        .enqueue_with_key(sale, &format!("sale-{}", payment.order_id))
        .await
    {
        Ok(key) => json_answer(
            StatusCode::OK,
            json!({ "ok": true, "reported": true, "key": key }),
        ),
        Err(error) => error_answer(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

async fn echo_cookies(headers: HeaderMap) -> Response {
    let cookie = headers
        .get(header::COOKIE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    json_answer(StatusCode::OK, json!({ "cookie": cookie }))
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text.to_owned(),
    )
        .into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md" | "ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `%XX`-decodes a URL path (no `+` rule in paths); `None` if malformed or not UTF-8.
fn decode_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The static files, as the Node demo server served them: `/pkg/` → pkg/, `/spa/` → the
/// SPA's build (never its sources), `/` → www/; a directory → its index.html (redirected to
/// the slashed path first), the SPA's routes → its index.html.
async fn static_file(State(demo): State<Arc<Demo>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(path) = decode_path(uri.path()) else {
        return plain(StatusCode::BAD_REQUEST, "bad request\n");
    };
    if path.contains('\0') || path.contains('\\') {
        return plain(StatusCode::BAD_REQUEST, "bad request\n");
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    if path == "/pkg" || path == "/spa" {
        return redirect(&format!("{path}/{query}"));
    }
    let (dir, rest) = if let Some(rest) = path.strip_prefix("/pkg/") {
        (&demo.pkg, rest)
    } else if let Some(rest) = path.strip_prefix("/spa/") {
        if SPA_ROUTES.contains(&path.as_str()) {
            (&demo.spa, "index.html")
        } else {
            (&demo.spa, rest)
        }
    } else {
        (&demo.www, path.trim_start_matches('/'))
    };
    // Only plain names: no `..`, no absolute parts.
    let relative = Path::new(rest);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return plain(StatusCode::FORBIDDEN, "forbidden\n");
    }
    // The Node server served www/ but never the SPA's sources under it.
    if dir == &demo.www && (rest == "spa" || rest.starts_with("spa/")) {
        return plain(StatusCode::NOT_FOUND, &format!("not found: {path}\n"));
    }
    let mut file = dir.join(relative);
    if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        if !path.ends_with('/') {
            return redirect(&format!("{path}/{query}"));
        }
        file = file.join("index.html");
    }
    let Ok(bytes) = tokio::fs::read(&file).await else {
        if dir == &demo.spa && !demo.spa.join("index.html").exists() {
            return plain(
                StatusCode::NOT_FOUND,
                "the SPA is not built: run bash scripts/build-demo.sh\n",
            );
        }
        return plain(StatusCode::NOT_FOUND, &format!("not found: {path}\n"));
    };
    let length = bytes.len();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(&file))
        .header(header::CONTENT_LENGTH, length)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(body)
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "error\n"))
}

fn redirect(location: &str) -> Response {
    let mut response = plain(StatusCode::MOVED_PERMANENTLY, "");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/api/leads` carries the outbox's stats as the leads page reads them.
    #[tokio::test]
    async fn the_leads_answer_carries_the_outbox_stats() {
        let key = "taapit_sk_demo_test";
        let collector = MockCollector::start(key).await.unwrap();
        let taapit = Taapit::new(key)
            .unwrap()
            .with_base_url(&collector.url())
            .unwrap();
        let file = std::env::temp_dir().join(format!(
            "taapit-demo-test-outbox-{}.sqlite3",
            std::process::id()
        ));
        let outbox = Outbox::open_sqlite(&file, taapit).await.unwrap();
        // No worker: the event stays pending.
        outbox
            .enqueue(Lead::new("abc", Customer::new("user_1")))
            .await
            .unwrap();
        let demo = Arc::new(Demo {
            outbox,
            collector: Some(collector),
            endpoint: String::new(),
            users: AtomicU64::new(0),
            orders: Mutex::new(HashMap::new()),
            next_order: AtomicU64::new(0),
            www: PathBuf::new(),
            pkg: PathBuf::new(),
            spa: PathBuf::new(),
        });
        let response = leads(State(demo)).await;
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        let answer: Value = serde_json::from_slice(&body).unwrap();
        let outbox = &answer["outbox"];
        assert_eq!(outbox["pending"], 1, "{answer}");
        assert_eq!(outbox["inFlight"], 0, "{answer}");
        assert_eq!(outbox["parked"], 0, "{answer}");
        assert!(
            outbox["oldestPendingAgeMs"].as_u64().unwrap() < 60_000,
            "{answer}"
        );
    }
}
