//! The Leptos example app: `<Analytics />` at the root, inside leptos_router's `<Router>` so that
//! a client-side navigation to a new `?ta_tid=` is captured too (`capture_on`), the id from
//! `use_tracking_id()`, a button that clears it and a signup form that sends it to the backend.
//!
//! The wasm32 build (`--features hydrate`) exports `main_csr` (client-side rendering, for
//! index.html) and `hydrate` (for the pages the server in src/main.rs renders).

pub mod app;

/// Renders the app client-side into `<body>` (the static build, index.html).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn main_csr() {
    leptos::mount::mount_to_body(app::App);
}

/// Hydrates the HTML the server rendered (`cargo run -p taapit-leptos-example --features ssr`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(app::App);
}
