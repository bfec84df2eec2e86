//! What `debug` says, as codes with words beside them.
//!
//! The rules report why an id was not stored (and which option was refused) as a [`Note`]
//! with up to two details (an id, a name, a domain, an option's value). The words of each
//! note are [`Note::text`], a template whose `%` marks stand for the details in order; a page
//! that prints them ([`Page::note`](crate::capture::Page::note)'s default, the Rust web shell)
//! fills them in with [`Note::fill`]. The shipped `.wasm` hands the code and the details to its
//! loader instead, so the words are no bytes of the `.wasm`: the script tag's debug build
//! and the npm entry print them from a table generated from [`Note::text`]
//! (`crates/wasm/src/contract.rs`), the plain script tag prints the code (README, "What `debug`
//! says").

use crate::prelude::*;

use super::text::split_byte;

/// Declares [`Note`] and its `ALL` from one list: a note cannot be added without being listed,
/// and its code is its position in it.
macro_rules! notes {
    ($($(#[$meta:meta])* $note:ident = $text:literal,)*) => {
        /// Something `debug` reports; see the module documentation.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Note {
            $($(#[$meta])* $note,)*
        }

        impl Note {
            /// Every note, in code order.
            pub const ALL: &'static [Note] = &[$(Note::$note),*];

            /// Its words: a template, each `%` a detail in order.
            #[inline]
            pub fn text(self) -> &'static str {
                match self {
                    $(Note::$note => $text,)*
                }
            }
        }
    };
}

notes! {
    /// A tracking parameter's value is not a valid id.
    InvalidId = "ignored an id that is not valid",
    /// `history.replaceState` threw (`stripParam`).
    StripFailed = "could not remove the tracking parameter",
    /// First-click kept the stored id; the detail is the URL's.
    FirstClickIgnored = "first-click: ignored %",
    /// Consent is pending: the id (the detail) is kept in memory.
    ConsentPending = "consent pending: in memory only: %",
    /// `SameSite=None` on an `http:` page.
    SameSiteNoneNeedsHttps = "SameSite=None needs https",
    /// A cookie of the same name (the detail) on another path shadows it.
    ShadowedByOtherPath = "a cookie on another path shadows %",
    /// The cookie (named by the detail) was written but does not show.
    CookieRefused = "refused the cookie %",
    /// `document.cookie` cannot be used.
    CookiesUnavailable = "cookies unavailable",
    /// No cookie and no `localStorage`: memory only.
    StorageUnavailable = "localStorage unavailable: in memory only",
    /// No cookie, and `storageFallback` is off: memory only.
    FallbackOff = "storageFallback off: in memory only",
    /// The browser refused the `domain` option's domain (the detail).
    DomainRefused = "using auto: refused Domain=%",
    /// The host is not under the `domain` option's domain (the detail).
    HostNotUnder = "using auto: the host is not under %",
    /// An option (the first detail) was refused with its value (the second).
    OptionRefused = "option %: refused \"%\"; using the default",
    /// An option (the detail) was given a value that is not text.
    OptionNotText = "option %: refused (not text); using the default",
    /// An option name (the detail) that no option has.
    OptionUnknown = "option %: no such option (ignored)",
    /// `expiresInDays` was outside 1–400 days.
    DaysClamped = "option expiresInDays: clamped to 1-400 days",
}

impl Note {
    /// The note's words with `details` in place of its `%` marks, in order (a missing detail
    /// is empty).
    ///
    /// ```
    /// use taapit_core::note::Note;
    /// assert_eq!(Note::CookieRefused.fill(&["ta_tid"]), "refused the cookie ta_tid");
    /// assert_eq!(
    ///     Note::OptionRefused.fill(&["sameSite", "sideways"]),
    ///     "option sameSite: refused \"sideways\"; using the default"
    /// );
    /// ```
    #[inline]
    pub fn fill(self, details: &[&str]) -> String {
        let mut out = String::new();
        let mut details = details.iter();
        for (i, part) in split_byte(self.text(), b'%').enumerate() {
            if i > 0 {
                out.push_str(details.next().copied().unwrap_or_default());
            }
            out.push_str(part);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_positions_and_templates_have_at_most_two_details() {
        for (code, note) in Note::ALL.iter().enumerate() {
            assert_eq!(*note as usize, code);
            assert!(note.text().matches('%').count() <= 2, "{note:?}");
            assert!(
                !note.text().contains('\''),
                "{note:?}: quoted in JavaScript"
            );
        }
    }

    #[test]
    fn fill_puts_the_details_in_order() {
        assert_eq!(
            Note::InvalidId.fill(&["unused"]),
            "ignored an id that is not valid"
        );
        assert_eq!(
            Note::OptionUnknown.fill(&[]),
            "option : no such option (ignored)"
        );
    }
}
