//! The page's change event, as every surface names it: the script tag and the npm entry
//! (`js/package/wrapper.js`), the Rust web shell (`taapit-capture`'s `web::events`), and the
//! hooks that listen to it (React's `useTrackingId`, the Leptos and Yew hooks). Declared here
//! once: the Rust shell uses these constants, and `crates/wasm/tests/contract.rs` checks every
//! JavaScript and TypeScript mention of the event against them.

/// Declares each name as a constant and [`DETAIL_FIELDS`] / [`CALLS`] as the list of them,
/// together, so a new name cannot be left out of its list.
macro_rules! names {
    ($list:ident: $($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        $($(#[$doc])* pub const $name: &str = $value;)*
        /// Every name above, in declaration order.
        pub const $list: &[&str] = &[$($value),*];
    };
}

/// The event's name, fired on `window`.
pub const CHANGE_EVENT: &str = "taapit:change";

/// The fields of the event's `detail`.
pub mod detail {
    names! {
        DETAIL_FIELDS:
        /// The id in effect after the call: a valid id, or `null`.
        TRACKING_ID = "trackingId",
        /// The call that fired the event: one of [`CALLS`](super::CALLS).
        CALL = "call",
        /// After a capture or a grant: the result's `source`.
        SOURCE = "source",
        /// After a capture or a grant: the result's `storage`.
        STORAGE = "storage",
        /// After a capture or a grant: the result's `domain`.
        DOMAIN = "domain",
        /// After a capture or a grant: the result's `expiresAt`.
        EXPIRES_AT = "expiresAt",
    }
}

pub use detail::DETAIL_FIELDS;

names! {
    CALLS:
    /// `capture(options)`.
    CAPTURE = "capture",
    /// `clearTrackingId()`.
    CLEAR = "clear",
    /// `grantConsent()`.
    GRANT = "grant",
    /// `revokeConsent()`.
    REVOKE = "revoke",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_list_holds_its_names_once() {
        assert_eq!(
            DETAIL_FIELDS,
            [
                detail::TRACKING_ID,
                detail::CALL,
                detail::SOURCE,
                detail::STORAGE,
                detail::DOMAIN,
                detail::EXPIRES_AT
            ]
        );
        assert_eq!(CALLS, [CAPTURE, CLEAR, GRANT, REVOKE]);
    }
}
