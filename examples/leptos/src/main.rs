//! The server-rendered variant: renders the app on axum with the visitor's `ta_tid` cookie,
//! serves the hydrating wasm (built by scripts/build-examples.sh) and answers the signup form.
//!
//! ```sh
//! bash scripts/build-examples.sh
//! cargo run -p taapit-leptos-example --features ssr   # http://127.0.0.1:3000/
//! ```
//!
//! `ADDR` sets the address (`127.0.0.1:0` picks a free port); `DIST` the folder that holds
//! `pkg/` (default: the build's www/examples/leptos). The first line on stdout is
//! `listening on http://ADDR/`.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use serde_json::{json, Value};
use taapit_capture::leptos::tracking_id_from_headers;
use taapit_leptos_example::app::App;

/// The page: the app inside the document, with the scripts that hydrate it.
fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <title>"Leptos + taapit-capture (server-rendered)"</title>
                <HydrationScripts options />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// `POST /api/signup` `{ email, trackingId? }`: the id a backend would report with the lead,
/// read from the `ta_tid` cookie, which a same-origin `fetch` sends (the Taapit guide's first
/// source; the body's `trackingId` is for backends on another origin).
async fn signup(headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let Some(email) = body
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "ok": false, "error": "a valid email is required" })),
        );
    };
    let answer = match tracking_id_from_headers(&headers) {
        Some(id) => json!({
            "ok": true,
            "trackingIdSource": "cookie",
            "lead": { "body": { "trackingId": id, "customer": { "email": email } } },
        }),
        None => json!({ "ok": true, "trackingIdSource": null, "lead": null }),
    };
    (StatusCode::CREATED, Json(answer))
}

#[tokio::main]
async fn main() {
    // Leptos spawns its rendering tasks on this executor (leptos_axum's router helpers set it
    // up; this server routes by hand).
    any_spawner::Executor::init_tokio().expect("the executor is set up once");
    let addr: SocketAddr = std::env::var("ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .expect("ADDR is an address like 127.0.0.1:3000");
    let dist = std::env::var("DIST").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/examples/leptos").to_owned()
    });
    let options = LeptosOptions::builder()
        .output_name("taapit_leptos_example")
        .site_root(dist)
        .site_pkg_dir("pkg")
        .build();
    let pkg = leptos_axum::site_pkg_dir_service(&options);
    let page = {
        let options = options.clone();
        leptos_axum::render_app_to_stream(move || shell(options.clone()))
    };
    let app = Router::new()
        .route("/", get(page))
        .route("/api/signup", post(signup))
        .route_service(&leptos_axum::site_pkg_dir_service_route_path(&options), pkg);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind ADDR");
    println!(
        "listening on http://{}/",
        listener.local_addr().expect("bound address")
    );
    axum::serve(listener, app).await.expect("serve");
}
