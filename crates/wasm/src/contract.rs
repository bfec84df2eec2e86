//! The Rust↔JS contract of the shipped `.wasm`: every code that crosses between the module
//! and its loader (`js/package/loader.js`), defined here once.
//!
//! The loader reads the same codes from `js/package/contract.js`, which is generated from
//! these enums (`javascript()`, natively); `crates/wasm/tests/contract.rs` fails when the committed file differs
//! (`UPDATE_CONTRACT=1 cargo test -p taapit-wasm --test contract` writes it again) or when the loader has no
//! handler for a text or a change named here.
//!
//! The module's imports (module `t`), each a plain function of numbers:
//!
//! | import | what the loader does |
//! | --- | --- |
//! | `t(text, p, l) → n` | reads [`Text`] `text` (its argument: the UTF-8 text at `p`, `l` bytes) into its register; the byte length, or -1 when it is `null` or reading it threw |
//! | `c(p)` | copies the register to `p` |
//! | `w(change, p, l, q, m) → 1 or 0` | makes [`Change`] `change` with the texts at `p` and `q`; 0 when it threw |
//! | `n() → ms` | `Date.now()` |
//! | `d(secs) → n` | puts `new Date(secs * 1000).toUTCString()` in the register |
//! | `r(p, l, q, m, source, storage, expiresAt)` | a capture result: id, domain (length 0: `null`), [`SourceCode`], [`StorageCode`], expiry (negative: `null`) |
//! | `s(p, l)` | a text result (length 0: `null`) |
//! | `g(note, p, l, q, m)` | `debug`'s [`Note`](taapit_core::note::Note) `note` with its two details (texts at `p` and `q`): `console.warn`, with the note's words where the JavaScript carries them (`NOTES`) and its code where it does not |
//!
//! Its one export is `call(code)`, [`Call`] `code`; what the call was given is read as
//! [`Text::Input`], and what it returns is handed back through `r` or `s`. The module keeps
//! nothing between calls in its memory: what it remembers (the page's session) it reads as
//! [`Text::State`] at the start of a call and hands back with [`Change::State`] at the end.
//!
//! Two contracts cross to every JavaScript surface, not only the loader, and are declared
//! beside the codes:
//!
//! - the options a page passes ([`OPTIONS`]: name, TypeScript type, default), which the core
//!   reads ([`taapit_core::options::names`], [`taapit_core::Options`]);
//! - the page's `taapit:change` event, whose name, detail fields and calls
//!   ([`taapit_core::event`]) the published web shell (`src/web/events.rs`) fires with too,
//!   which is why they are declared in the core.
//!
//! `crates/wasm/tests/contract.rs` checks every mention of both in `js/package/` (the
//! loader, `wrapper.js`, `react.js`, `index.d.ts`, `taapit.d.ts`), `js/tag/taapit.js` and the
//! README's options table against these declarations. Those mentions stay literal in the
//! sources: esbuild does not write imported strings in place, and the script tag must not grow.

/// An option of `capture(options)` (and of the script tag, as a `data-` attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionDecl {
    /// Its name in JavaScript, as [`taapit_core::Options::read`] knows it.
    pub name: &'static str,
    /// The field of [`taapit_core::Options`] it sets (the README's options table names it).
    pub field: &'static str,
    /// Its type in `index.d.ts`'s `CaptureOptions` (`| undefined` aside).
    pub ts_type: &'static str,
    /// Its default, as a JavaScript value (`[]`: none), which reads as the core's default.
    pub default: &'static str,
}

/// Every option, in the order `index.d.ts` and the README list them.
pub const OPTIONS: [OptionDecl; 12] = {
    const fn option(
        name: &'static str,
        field: &'static str,
        ts_type: &'static str,
        default: &'static str,
    ) -> OptionDecl {
        OptionDecl {
            name,
            field,
            ts_type,
            default,
        }
    }
    [
        option("params", "params", "string[] | string", r#"["ta_tid"]"#),
        option("cookieName", "cookie_name", "string", r#""ta_tid""#),
        option("expiresInDays", "expires_in_days", "number", "90"),
        option("domain", "domain", "string", r#""auto""#),
        option(
            "attribution",
            "attribution",
            r#""last-click" | "first-click""#,
            r#""last-click""#,
        ),
        option(
            "sameSite",
            "same_site",
            r#""lax" | "strict" | "none""#,
            r#""lax""#,
        ),
        option("secure", "secure", r#""auto" | boolean"#, r#""auto""#),
        option(
            "consent",
            "consent",
            r#""granted" | "pending""#,
            r#""granted""#,
        ),
        option("stripParam", "strip_param", "boolean", "false"),
        option("storageFallback", "storage_fallback", "boolean", "true"),
        option("debug", "debug", "boolean", "false"),
        option("outbound", "outbound", "string[] | string", "[]"),
    ]
};

/// Declares a code enum (`#[repr(u32)]`, each variant's code written beside it) and its
/// `ALL`, the list of every variant in declaration order, from the same tokens: a variant
/// cannot be added without being listed. (`crates/wasm/tests/contract.rs` checks that each
/// code is its position in the list, which is what the generated JavaScript indexes by.)
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $code:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$variant_meta])* $variant = $code,)*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
        }
    };
}

codes! {
    /// What the loader asks the module to do (the `call` export's argument).
    pub enum Call {
        /// `capture(options)`: the input is the option list (`Options::read`).
        Capture = 0,
        /// `getTrackingId()`.
        TrackingId = 1,
        /// `clearTrackingId()`.
        Clear = 2,
        /// `grantConsent()`.
        Grant = 3,
        /// `revokeConsent()`.
        Revoke = 4,
        /// `decorateUrl(href)`: the input is the link's host, `\0`, and the `href`.
        Decorate = 5,
    }
}

codes! {
    /// The page texts the module reads through `t` (its `text` argument).
    pub enum Text {
        /// `location.hostname`.
        Hostname = 0,
        /// `location.pathname`.
        Pathname = 1,
        /// `location.search`.
        Search = 2,
        /// `location.hash`.
        Hash = 3,
        /// `location.protocol`.
        Protocol = 4,
        /// `document.cookie`.
        Cookies = 5,
        /// `localStorage.getItem(argument)`.
        Storage = 6,
        /// What the call was given (the option list, the link to decorate).
        Input = 7,
        /// A random text, unique to this call: names the domain probe cookie, so two pages
        /// probing at once never see each other's probe.
        Nonce = 8,
        /// What the module remembers between calls, as it last handed it over with
        /// [`Change::State`] (the empty text before the first call): see `state.rs`.
        State = 9,
    }
}

codes! {
    /// The page changes the module makes through `w` (its `change` argument).
    pub enum Change {
        /// `document.cookie = a`.
        SetCookie = 0,
        /// `localStorage.setItem(a, b)`.
        StorageSet = 1,
        /// `localStorage.removeItem(a)`.
        StorageRemove = 2,
        /// `history.replaceState(history.state, "", a)`.
        ReplaceUrl = 3,
        /// Keep `a` as what the module remembers between calls, for [`Text::State`] to read.
        State = 4,
    }
}

codes! {
    /// A capture result's `source` (0: `null`).
    pub enum SourceCode {
        /// No id.
        None = 0,
        /// `"search"`.
        Search = 1,
        /// `"hash"`.
        Hash = 2,
        /// `"stored"`.
        Stored = 3,
    }
}

codes! {
    /// A capture result's `storage` (0: `null`).
    pub enum StorageCode {
        /// No id.
        None = 0,
        /// `"cookie"`.
        Cookie = 1,
        /// `"localStorage"`.
        LocalStorage = 2,
        /// `"memory"`.
        Memory = 3,
    }
}

impl Call {
    /// The call of a code, `None` for an unknown one.
    pub fn from_code(code: u32) -> Option<Call> {
        Self::ALL.get(code as usize).copied()
    }

    /// Its name in the loader.
    pub fn js_name(self) -> &'static str {
        match self {
            Call::Capture => "capture",
            Call::TrackingId => "trackingId",
            Call::Clear => "clear",
            Call::Grant => "grant",
            Call::Revoke => "revoke",
            Call::Decorate => "decorate",
        }
    }
}

impl Text {
    /// Its name in the loader (its reader's key).
    pub fn js_name(self) -> &'static str {
        match self {
            Text::Hostname => "hostname",
            Text::Pathname => "pathname",
            Text::Search => "search",
            Text::Hash => "hash",
            Text::Protocol => "protocol",
            Text::Cookies => "cookies",
            Text::Storage => "storage",
            Text::Input => "input",
            Text::Nonce => "nonce",
            Text::State => "state",
        }
    }
}

impl Change {
    /// Its name in the loader (its handler's key).
    pub fn js_name(self) -> &'static str {
        match self {
            Change::SetCookie => "setCookie",
            Change::StorageSet => "storageSet",
            Change::StorageRemove => "storageRemove",
            Change::ReplaceUrl => "replaceUrl",
            Change::State => "state",
        }
    }
}

impl SourceCode {
    /// The code of a capture's source.
    pub fn of(source: Option<taapit_core::capture::Source>) -> Self {
        use taapit_core::capture::Source;
        match source {
            None => SourceCode::None,
            Some(Source::Search) => SourceCode::Search,
            Some(Source::Hash) => SourceCode::Hash,
            Some(Source::Stored) => SourceCode::Stored,
        }
    }

    /// The value JavaScript sees (`None`: `null`).
    pub fn js_value(self) -> Option<&'static str> {
        use taapit_core::capture::Source;
        match self {
            SourceCode::None => None,
            SourceCode::Search => Some(Source::Search.as_str()),
            SourceCode::Hash => Some(Source::Hash.as_str()),
            SourceCode::Stored => Some(Source::Stored.as_str()),
        }
    }
}

impl StorageCode {
    /// The code of a capture's storage.
    pub fn of(storage: Option<taapit_core::capture::Storage>) -> Self {
        use taapit_core::capture::Storage;
        match storage {
            None => StorageCode::None,
            Some(Storage::Cookie) => StorageCode::Cookie,
            Some(Storage::LocalStorage) => StorageCode::LocalStorage,
            Some(Storage::Memory) => StorageCode::Memory,
        }
    }

    /// The value JavaScript sees (`None`: `null`).
    pub fn js_value(self) -> Option<&'static str> {
        use taapit_core::capture::Storage;
        match self {
            StorageCode::None => None,
            StorageCode::Cookie => Some(Storage::Cookie.as_str()),
            StorageCode::LocalStorage => Some(Storage::LocalStorage.as_str()),
            StorageCode::Memory => Some(Storage::Memory.as_str()),
        }
    }
}

/// The JavaScript constant for a code: `prefix`, `_`, and the name in upper snake case
/// (`CALL_TRACKING_ID` for [`Call::TrackingId`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn js_const(prefix: &str, js_name: &str) -> std::string::String {
    let mut out = std::string::String::from(prefix);
    out.push('_');
    for c in js_name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `js/package/contract.js`, as these enums give it: the loader's copy of the codes, as
/// `const`s (esbuild writes their values in place: no object or name in the bundle).
#[cfg(not(target_arch = "wasm32"))]
pub fn javascript() -> std::string::String {
    use std::fmt::Write;
    let mut out = std::string::String::from(
        "// The Rust↔JS contract of the shipped .wasm: generated from \
         crates/wasm/src/contract.rs,\n\
         // do not edit (`UPDATE_CONTRACT=1 cargo test -p taapit-wasm --test contract` writes it; the test \
         fails when it differs).\n\
         // CALL_*: the `call` export's codes; TEXT_*, CHANGE_*: the codes the imports `t` and \
         `w` get;\n\
         // SOURCE, STORAGE: a capture result's values by code; NOTES: the words of each\n\
         // `debug` note by code (import `g`), each `%` a detail.\n",
    );
    let mut put = |prefix: &str, name: &str, code: u32| {
        let _ = writeln!(out, "export const {} = {code};", js_const(prefix, name));
    };
    for &c in Call::ALL {
        put("CALL", c.js_name(), c as u32);
    }
    for &t in Text::ALL {
        put("TEXT", t.js_name(), t as u32);
    }
    for &c in Change::ALL {
        put("CHANGE", c.js_name(), c as u32);
    }
    let quoted = |value: Option<&str>| value.map_or("null".into(), |v| std::format!("'{v}'"));
    let sources: std::vec::Vec<_> = SourceCode::ALL
        .iter()
        .map(|s| quoted(s.js_value()))
        .collect();
    let storages: std::vec::Vec<_> = StorageCode::ALL
        .iter()
        .map(|s| quoted(s.js_value()))
        .collect();
    let _ = writeln!(out, "export const SOURCE = [{}];", sources.join(", "));
    let _ = writeln!(out, "export const STORAGE = [{}];", storages.join(", "));
    let notes: std::vec::Vec<_> = taapit_core::note::Note::ALL
        .iter()
        .map(|note| quoted(Some(note.text())))
        .collect();
    let _ = writeln!(
        out,
        "export const NOTES = [\n  {},\n];",
        notes.join(",\n  ")
    );
    out
}
