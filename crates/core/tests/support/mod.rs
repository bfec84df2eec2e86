//! Shared helpers for the native test suites (`mod support;` in each test file).
//!
//! Each test crate uses a different part of the fake, so unused items are expected.
#![allow(dead_code)]

pub mod fake_browser;

use fake_browser::FakeBrowser;
use taapit_core::capture::{capture, Capture, Session};
use taapit_core::options::Options;

/// Opens `url` in a fresh browser and runs one capture with `options`.
pub fn capture_on(url: &str, options: &Options) -> (FakeBrowser, Session, Capture) {
    let mut page = FakeBrowser::new(url);
    let mut session = Session::default();
    let outcome = capture(&mut page, &mut session, options);
    (page, session, outcome)
}

/// Runs one capture on an existing browser, as a new page load (a fresh session).
pub fn load(page: &mut FakeBrowser, url: &str, options: &Options) -> (Session, Capture) {
    page.navigate(url);
    let mut session = Session::default();
    let outcome = capture(page, &mut session, options);
    (session, outcome)
}

/// Options with `debug` on.
pub fn debug_options() -> Options {
    Options::default().debug(true)
}
