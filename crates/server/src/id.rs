//! The tracking id as a type: a value that passed the capture module's rule.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A valid Taapit tracking id: 1–128 characters of `A–Z a–z 0–9 - _ . ~`.
///
/// The rule is the capture module's own ([`taapit_core::is_valid_id`]): one
/// definition of a valid id for the browser and the server. A `TrackingId` can only be made
/// from a value that passes it, so whatever holds one may put it in a header or a JSON body
/// as it is.
///
/// ```
/// use taapit_server::TrackingId;
/// let id = TrackingId::parse("rLnWe1uz9t282v7g").unwrap();
/// assert_eq!(id.as_str(), "rLnWe1uz9t282v7g");
/// assert!(TrackingId::parse("a;b").is_err());
/// assert!(TrackingId::parse("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TrackingId(String);

/// A value that is not a valid tracking id (the value is not kept: it may be hostile).
///
/// ```
/// use taapit_server::{InvalidTrackingId, TrackingId};
/// assert_eq!(TrackingId::parse("x y"), Err(InvalidTrackingId));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid tracking id (1-128 characters of A-Z a-z 0-9 - _ . ~)")]
pub struct InvalidTrackingId;

impl TrackingId {
    /// The id spelled by `value`, if it is valid (no decoding: pass what the request held).
    ///
    /// ```
    /// use taapit_server::TrackingId;
    /// assert!(TrackingId::parse("good.id~4").is_ok());
    /// assert!(TrackingId::parse(&"A".repeat(129)).is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Self, InvalidTrackingId> {
        if taapit_core::is_valid_id(value) {
            Ok(TrackingId(value.to_owned()))
        } else {
            Err(InvalidTrackingId)
        }
    }

    /// The id as text.
    ///
    /// ```
    /// use taapit_server::TrackingId;
    /// assert_eq!(TrackingId::parse("abc").unwrap().as_str(), "abc");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for TrackingId {
    type Err = InvalidTrackingId;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        TrackingId::parse(value)
    }
}

impl AsRef<str> for TrackingId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackingId({:?})", self.0)
    }
}

impl<'de> Deserialize<'de> for TrackingId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TrackingId::parse(&text).map_err(serde::de::Error::custom)
    }
}
