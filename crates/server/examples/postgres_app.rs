//! An axum backend on PostgreSQL: the README's signup and Stripe-webhook examples, where the
//! event is written in the application's own transaction, compiled by `cargo test -p
//! taapit-server --all-features`. Run it with `cargo run -p taapit-server --features
//! axum,postgres --example postgres_app` (TAAPIT_API_KEY=taapit_sk_… and
//! DATABASE_URL=postgres://… in the environment).
//!
//! - `POST /api/signup`: creates the user and queues the lead in one transaction;
//! - `POST /api/stripe/webhook`: marks the order paid and queues the sale in one transaction,
//!   once. Mount it behind your check of Stripe's `Stripe-Signature` header (Stripe's
//!   libraries do it); this example reads the event as it arrives.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use taapit_server::axum_ext::TrackedJson;
use taapit_server::outbox::Outbox;
use taapit_server::outbox::postgres::{deadpool_postgres, tokio_postgres};
use taapit_server::{Customer, Lead, Sale, Taapit};

#[derive(Clone)]
struct App {
    db: deadpool_postgres::Pool,
    outbox: Outbox,
}

/// Any failure: a 500 (the transaction is rolled back when it is dropped uncommitted).
struct AppError(String);

impl<E: std::fmt::Display> From<E> for AppError {
    fn from(error: E) -> Self {
        AppError(error.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        eprintln!("request failed: {}", self.0);
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

#[derive(Deserialize)]
struct Signup {
    email: String,
}

async fn signup(
    State(app): State<App>,
    TrackedJson { body, lookup }: TrackedJson<Signup>,
) -> Result<Json<Value>, AppError> {
    let mut db = app.db.get().await?;
    let tx = db.transaction().await?;
    let user_id: String = tx
        .query_one(
            "INSERT INTO users (email) VALUES ($1) RETURNING id::text",
            &[&body.email],
        )
        .await?
        .get(0);
    if let Some(id) = lookup.tracking_id() {
        let lead = Lead::new(id, Customer::new(&user_id).email(&body.email));
        app.outbox.enqueue_in(&tx, lead).await?; // in the signup's transaction
    }
    tx.commit().await?; // the user and the lead, or neither
    Ok(Json(json!({ "user": user_id })))
}

/// The part of Stripe's event this handler reads.
#[derive(Deserialize)]
struct StripeEvent {
    #[serde(rename = "type")]
    kind: String,
    data: StripeData,
}

#[derive(Deserialize)]
struct StripeData {
    object: StripeSession,
}

#[derive(Deserialize)]
struct StripeSession {
    id: String,
}

async fn stripe_webhook(
    State(app): State<App>,
    Json(event): Json<StripeEvent>,
) -> Result<StatusCode, AppError> {
    if event.kind != "checkout.session.completed" {
        return Ok(StatusCode::OK);
    }
    let mut db = app.db.get().await?;
    let tx = db.transaction().await?;
    let order = tx
        .query_opt(
            "UPDATE orders SET paid_at = now() WHERE stripe_session = $1 AND paid_at IS NULL
             RETURNING id::text, user_id, email, total::float8, tracking_id",
            &[&event.data.object.id],
        )
        .await?;
    // None: unknown, or already paid (Stripe delivered the event again).
    if let Some(order) = order {
        let (order_id, user_id, email): (String, String, String) =
            (order.get(0), order.get(1), order.get(2));
        let mut sale = Sale::new(
            Customer::new(&user_id).email(&email),
            order.get::<_, f64>(3),
            "eur",
        );
        if let Some(id) = order.get::<_, Option<String>>(4) {
            sale = sale.tracking_id(id);
        }
        // The order id as the key: one sale per order, whatever happens to the webhook.
        app.outbox
            .enqueue_in_with_key(&tx, sale, &format!("sale-{order_id}"))
            .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::OK)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let taapit = Taapit::new(std::env::var("TAAPIT_API_KEY")?)?;
    let outbox = Outbox::open(&url, taapit).await?; // creates taapit_outbox if missing
    let config: tokio_postgres::Config = url.parse()?;
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let db = deadpool_postgres::Pool::builder(manager)
        .max_size(16)
        .build()?;
    db.get()
        .await?
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);
             CREATE TABLE IF NOT EXISTS orders (
                 id bigserial PRIMARY KEY, user_id text NOT NULL, email text NOT NULL,
                 total numeric NOT NULL, tracking_id text, stripe_session text UNIQUE,
                 paid_at timestamptz)",
        )
        .await?;
    let worker = outbox.start();
    let app = Router::new()
        .route("/api/signup", post(signup))
        .route("/api/stripe/webhook", post(stripe_webhook))
        .with_state(App { db, outbox });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    worker.shutdown().await; // every answer received is recorded before the process exits
    Ok(())
}
