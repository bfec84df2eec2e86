//! The page's [`Session`], kept between calls into the module, and [`with_page`], which
//! hands it to the rules with a page, for the web-sys shell (the shipped `.wasm` keeps its
//! session in its loader instead: `crates/wasm/src/state.rs`).

use core::cell::Cell;

use taapit_core::Session;

/// The page's session. A `Cell`, not a `RefCell`: taking the value out cannot fail, so no
/// borrow panic is in the `.wasm`. `None` until the first call, so the initialiser is
/// `const` and needs no lazy-init code.
///
/// wasm32 without threads runs one call at a time, so a plain static holds it (as the
/// allocator's state); with `atomics`, each thread has its own (`thread_local!`, std).
#[cfg(not(target_feature = "atomics"))]
struct SessionCell(Cell<Option<Session>>);

// SAFETY: without `atomics` the module runs on one thread: the cell is never shared.
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for SessionCell {}

#[cfg(not(target_feature = "atomics"))]
static SESSION: SessionCell = SessionCell(Cell::new(None));

#[cfg(not(target_feature = "atomics"))]
fn take_session() -> Option<Session> {
    SESSION.0.take()
}

#[cfg(not(target_feature = "atomics"))]
fn keep_session(session: Session) {
    SESSION.0.set(Some(session));
}

#[cfg(target_feature = "atomics")]
std::thread_local! {
    static SESSION: Cell<Option<Session>> = const { Cell::new(None) };
}

#[cfg(target_feature = "atomics")]
fn take_session() -> Option<Session> {
    // `try_with`, not `with`: it fails only while the thread is torn down, which a page never
    // sees, and `with` would bring its panic message into the `.wasm`.
    SESSION.try_with(Cell::take).ok().flatten()
}

#[cfg(target_feature = "atomics")]
fn keep_session(session: Session) {
    let _ = SESSION.try_with(|cell| cell.set(Some(session)));
}

/// Runs `f` with `page` and the page's session.
///
/// The session is taken out for the call, not borrowed: page code that `f` runs (a router's
/// `history.replaceState` wrapper, say) may call back into the module, which then sees a
/// fresh session instead of panicking on a borrowed one.
pub fn with_page<P, R>(mut page: P, f: impl FnOnce(&mut P, &mut Session) -> R) -> R {
    let mut session = take_session().unwrap_or_default();
    let out = f(&mut page, &mut session);
    keep_session(session);
    out
}
