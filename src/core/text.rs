//! String building without `core::fmt` or panics.
//!
//! `[&str].concat()` and `.join()` go through `alloc::str::join_generic_copy`, whose
//! overflow checks and slice splits carry panic paths; each one keeps the panic formatting
//! machinery in the `.wasm`. These loops do the same with `push_str` only.

/// The parts one after the other (`["a", "b"]` → `"ab"`).
///
/// ```
/// assert_eq!(taapit_capture::core::text::concat(&["a", "b", "c"]), "abc");
/// ```
pub fn concat(parts: &[&str]) -> String {
    join(parts.iter().copied(), "")
}

/// The parts with `separator` between them (`["a", "b"]`, `"&"` → `"a&b"`).
///
/// ```
/// assert_eq!(taapit_capture::core::text::join(["a", "b"], "&"), "a&b");
/// ```
pub fn join<'a>(parts: impl IntoIterator<Item = &'a str>, separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}
