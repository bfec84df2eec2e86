//! A complete axum backend with taapit-server: the README's examples, compiled by `cargo test
//! -p taapit-server --all-features`. Run it with `cargo run -p taapit-server --features
//! axum,outbox --example axum_app` (TAAPIT_API_KEY=taapit_sk_… in the environment).
//!
//! - `POST /api/signup`: finds the id (cookie, body `trackingId`, URL) and reports the lead;
//! - `POST /api/checkout`: stores the id with the order;
//! - `POST /api/payments/webhook`: reports the sale once the payment succeeded, through the
//!   durable outbox;
//! - every HTML page re-issues the `ta_tid` cookie (tower Layer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use taapit_server::axum_ext::TrackedJson;
use taapit_server::outbox::Outbox;
use taapit_server::{CookieReissue, Customer, Lead, Sale, Taapit};

#[derive(Clone)]
struct App {
    taapit: Taapit,
    outbox: Outbox,
    orders: Arc<Mutex<HashMap<String, Order>>>,
}

#[derive(Clone)]
struct Order {
    user_id: String,
    total: f64,
    tracking_id: Option<String>,
}

#[derive(Deserialize)]
struct Signup {
    email: String,
    #[serde(rename = "firstName")]
    first_name: Option<String>,
}

async fn signup(
    State(app): State<App>,
    TrackedJson { body, lookup }: TrackedJson<Signup>,
) -> Json<Value> {
    let user_id = format!("user_{}", body.email.len()); // your database here
    // Tracking comes after the signup succeeded, and never fails it.
    if let Some(id) = lookup.tracking_id() {
        let mut customer = Customer::new(&user_id).email(&body.email);
        if let Some(first) = &body.first_name {
            customer = customer.firstname(first);
        }
        let lead = Lead::new(id, customer).metadata(json!({ "source": "signup-api" }));
        if let Err(error) = app.taapit.track().lead(lead).await {
            eprintln!("Taapit tracking failed: {error}");
        }
    }
    Json(json!({ "user": user_id }))
}

#[derive(Deserialize)]
struct Checkout {
    total: f64,
}

async fn checkout(
    State(app): State<App>,
    TrackedJson { body, lookup }: TrackedJson<Checkout>,
) -> Json<Value> {
    let order_id = "order_1".to_owned(); // your database here
    let order = Order {
        user_id: "user_1".into(),
        total: body.total,
        // The webhook carries no cookie: keep the id with the order.
        tracking_id: lookup.into_tracking_id().map(|id| id.to_string()),
    };
    app.orders.lock().unwrap().insert(order_id.clone(), order);
    Json(json!({ "orderId": order_id }))
}

#[derive(Deserialize)]
struct Payment {
    #[serde(rename = "orderId")]
    order_id: String,
    status: String,
}

async fn payment_webhook(State(app): State<App>, Json(payment): Json<Payment>) -> Json<Value> {
    let order = app.orders.lock().unwrap().get(&payment.order_id).cloned();
    let (Some(order), "succeeded") = (order, payment.status.as_str()) else {
        return Json(json!({ "reported": false }));
    };
    let mut sale = Sale::new(Customer::new(&order.user_id), order.total, "eur")
        .metadata(json!({ "orderId": payment.order_id }));
    if let Some(id) = &order.tracking_id {
        sale = sale.tracking_id(id);
    }
    // The order id as the idempotency key: a webhook delivered twice reports one sale.
    let key = format!("sale-{}", payment.order_id);
    let queued = app.outbox.enqueue_with_key(sale, &key).await.is_ok();
    Json(json!({ "reported": queued }))
}

async fn home() -> Html<&'static str> {
    Html(r#"<!doctype html><script src="/taapit.js" async></script><h1>Shop</h1>"#)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY")?)?;
    let outbox = Outbox::open("taapit-outbox.sqlite3", taapit.clone()).await?;
    let worker = outbox.start();
    let state = App {
        taapit,
        outbox,
        orders: Arc::default(),
    };
    let app = Router::new()
        .route("/", get(home))
        .route("/api/signup", post(signup))
        .route("/api/checkout", post(checkout))
        .route("/api/payments/webhook", post(payment_webhook))
        // Behind a proxy that sets X-Forwarded-Proto; drop the call otherwise.
        .layer(CookieReissue::new().trust_forwarded_proto(true).layer())
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    worker.shutdown().await;
    Ok(())
}
