//! The events Taapit takes, field for field as its API reference has them.
//!
//! One shape for both constructors: the fields Taapit requires are the arguments, in the
//! API's field order (`trackingId`, `customer`, `amount`, `currency`); the optional ones are
//! builder methods. A lead requires its tracking id, so [`Lead::new`] takes it; a sale's is
//! optional (the customer may have been reported by a lead), so it is [`Sale::tracking_id`].
//! `new` checks nothing and cannot fail; `try_new` checks, at construction, every field it
//! is given, with the rule [`Event::validate`] applies before anything is sent or queued
//! (which it still does, for the fields set later).

use serde::Serialize;
use serde_json::Value;

use crate::TrackingId;

/// The customer of a lead or a sale. `externalId` is your own user id; the rest is optional.
///
/// ```
/// use taapit_server::Customer;
/// let customer = Customer::new("user_123")
///     .email("john@example.com")
///     .firstname("John")
///     .lastname("Doe")
///     .phone_number("+33612345678")
///     .avatar_url("https://example.com/avatar.jpg");
/// assert_eq!(
///     serde_json::to_value(&customer).unwrap(),
///     serde_json::json!({
///         "externalId": "user_123", "email": "john@example.com", "firstname": "John",
///         "lastname": "Doe", "phoneNumber": "+33612345678",
///         "avatarUrl": "https://example.com/avatar.jpg"
///     }),
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(rename = "firstname", skip_serializing_if = "Option::is_none")]
    firstname: Option<String>,
    #[serde(rename = "lastname", skip_serializing_if = "Option::is_none")]
    lastname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
}

impl Customer {
    /// A customer known by your user id (`externalId`, required by Taapit).
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("user_1");
    /// assert_eq!(customer.external_id(), "user_1");
    /// ```
    pub fn new(external_id: impl Into<String>) -> Self {
        Customer {
            external_id: external_id.into(),
            ..Customer::default()
        }
    }

    /// Your user id.
    ///
    /// ```
    /// assert_eq!(taapit_server::Customer::new("u").external_id(), "u");
    /// ```
    pub fn external_id(&self) -> &str {
        &self.external_id
    }

    /// `email`.
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("u").email("a@example.com");
    /// ```
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// `firstname`.
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("u").firstname("Ada");
    /// ```
    pub fn firstname(mut self, firstname: impl Into<String>) -> Self {
        self.firstname = Some(firstname.into());
        self
    }

    /// `lastname`.
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("u").lastname("Lovelace");
    /// ```
    pub fn lastname(mut self, lastname: impl Into<String>) -> Self {
        self.lastname = Some(lastname.into());
        self
    }

    /// `phoneNumber`.
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("u").phone_number("+33612345678");
    /// ```
    pub fn phone_number(mut self, phone_number: impl Into<String>) -> Self {
        self.phone_number = Some(phone_number.into());
        self
    }

    /// `avatarUrl`.
    ///
    /// ```
    /// let customer = taapit_server::Customer::new("u").avatar_url("https://example.com/a.jpg");
    /// ```
    pub fn avatar_url(mut self, avatar_url: impl Into<String>) -> Self {
        self.avatar_url = Some(avatar_url.into());
        self
    }
}

/// A lead: a visitor who came through a Taapit link signed up. The tracking id is required.
///
/// ```
/// use taapit_server::{Customer, Event, Lead};
/// let lead = Lead::new("rLnWe1uz9t282v7g", Customer::new("user_123").email("a@example.com"))
///     .metadata(serde_json::json!({ "source": "signup-api" }));
/// let body = Event::from(lead).to_body().unwrap();
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     serde_json::json!({
///         "trackingId": "rLnWe1uz9t282v7g",
///         "customer": { "externalId": "user_123", "email": "a@example.com" },
///         "metadata": { "source": "signup-api" }
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    tracking_id: String,
    customer: Customer,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
}

impl Lead {
    /// A lead for `tracking_id` (a [`TrackingId`] or text, checked before sending;
    /// [`try_new`](Self::try_new) checks it now).
    ///
    /// ```
    /// use taapit_server::{Customer, Lead, TrackingId};
    /// let id = TrackingId::parse("abc").unwrap();
    /// let lead = Lead::new(&id, Customer::new("user_1"));
    /// ```
    pub fn new(tracking_id: impl AsRef<str>, customer: Customer) -> Self {
        Lead {
            tracking_id: tracking_id.as_ref().to_owned(),
            customer,
            metadata: None,
        }
    }

    /// [`new`](Self::new), checked now: the tracking id and `customer.externalId`.
    ///
    /// ```
    /// use taapit_server::{Customer, InvalidEvent, Lead};
    /// assert!(Lead::try_new("rLnWe1uz9t282v7g", Customer::new("user_1")).is_ok());
    /// assert_eq!(Lead::try_new("not an id", Customer::new("user_1")), Err(InvalidEvent::TrackingId));
    /// assert_eq!(Lead::try_new("abc", Customer::new(" ")), Err(InvalidEvent::ExternalId));
    /// ```
    pub fn try_new(tracking_id: impl AsRef<str>, customer: Customer) -> Result<Self, InvalidEvent> {
        let lead = Lead::new(tracking_id, customer);
        check_tracking_id(Some(&lead.tracking_id), true)?;
        check_customer(&lead.customer)?;
        Ok(lead)
    }

    /// `metadata`: any JSON object (anything else is refused before sending).
    ///
    /// ```
    /// use taapit_server::{Customer, Lead};
    /// let lead = Lead::new("abc", Customer::new("u")).metadata(serde_json::json!({ "plan": "pro" }));
    /// ```
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// A sale, reported once the payment is confirmed. `amount` is in currency units (149.99,
/// not cents), `currency` an ISO 4217 code (`"eur"`; upper case is lowered). The tracking id
/// is optional when the customer was already reported by a lead.
///
/// ```
/// use taapit_server::{Customer, Event, Sale};
/// let sale = Sale::new(Customer::new("user_123"), 149.99, "EUR")
///     .tracking_id("rLnWe1uz9t282v7g")
///     .metadata(serde_json::json!({ "orderId": "order_1" }));
/// let body = Event::from(sale).to_body().unwrap();
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     serde_json::json!({
///         "trackingId": "rLnWe1uz9t282v7g",
///         "customer": { "externalId": "user_123" },
///         "amount": 149.99,
///         "currency": "eur",
///         "metadata": { "orderId": "order_1" }
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sale {
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_id: Option<String>,
    customer: Customer,
    amount: f64,
    currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
}

impl Sale {
    /// A sale of `amount` (currency units) in `currency` (ISO 4217) to `customer` (checked
    /// before sending; [`try_new`](Self::try_new) checks them now).
    ///
    /// ```
    /// let sale = taapit_server::Sale::new(taapit_server::Customer::new("u"), 29.99, "eur");
    /// ```
    pub fn new(customer: Customer, amount: f64, currency: impl Into<String>) -> Self {
        Sale {
            tracking_id: None,
            customer,
            amount,
            currency: currency.into(),
            metadata: None,
        }
    }

    /// [`new`](Self::new), checked now: `customer.externalId`, the amount and the currency.
    ///
    /// ```
    /// use taapit_server::{Customer, InvalidEvent, Sale};
    /// assert!(Sale::try_new(Customer::new("u"), 29.99, "EUR").is_ok());
    /// assert_eq!(Sale::try_new(Customer::new("u"), 2999.0, "euro"), Err(InvalidEvent::Currency));
    /// assert_eq!(Sale::try_new(Customer::new("u"), -1.0, "eur"), Err(InvalidEvent::Amount));
    /// ```
    pub fn try_new(
        customer: Customer,
        amount: f64,
        currency: impl Into<String>,
    ) -> Result<Self, InvalidEvent> {
        let sale = Sale::new(customer, amount, currency);
        check_customer(&sale.customer)?;
        check_amount(sale.amount)?;
        check_currency(&sale.currency)?;
        Ok(sale)
    }

    /// `trackingId` (required by Taapit for a customer without a lead).
    ///
    /// ```
    /// let sale = taapit_server::Sale::new(taapit_server::Customer::new("u"), 1.0, "eur").tracking_id("abc");
    /// ```
    pub fn tracking_id(mut self, tracking_id: impl AsRef<str>) -> Self {
        self.tracking_id = Some(tracking_id.as_ref().to_owned());
        self
    }

    /// `metadata`: any JSON object.
    ///
    /// ```
    /// let sale = taapit_server::Sale::new(taapit_server::Customer::new("u"), 1.0, "eur")
    ///     .metadata(serde_json::json!({ "orderId": "o_1" }));
    /// ```
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Which endpoint an event goes to.
///
/// ```
/// assert_eq!(taapit_server::EventKind::Sale.path(), "/api/events/sale");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// `POST /api/events/lead`.
    Lead,
    /// `POST /api/events/sale`.
    Sale,
}

impl EventKind {
    /// The endpoint's path under the base URL.
    ///
    /// ```
    /// assert_eq!(taapit_server::EventKind::Lead.path(), "/api/events/lead");
    /// ```
    pub fn path(self) -> &'static str {
        match self {
            EventKind::Lead => "/api/events/lead",
            EventKind::Sale => "/api/events/sale",
        }
    }

    /// `"lead"` or `"sale"`.
    ///
    /// ```
    /// assert_eq!(taapit_server::EventKind::Lead.as_str(), "lead");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Lead => "lead",
            EventKind::Sale => "sale",
        }
    }

    /// The kind named by [`as_str`](Self::as_str).
    ///
    /// ```
    /// use taapit_server::EventKind;
    /// assert_eq!(EventKind::parse("sale"), Some(EventKind::Sale));
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lead" => Some(EventKind::Lead),
            "sale" => Some(EventKind::Sale),
            _ => None,
        }
    }
}

/// A lead or a sale.
///
/// ```
/// use taapit_server::{Customer, Event, EventKind, Lead};
/// let event = Event::from(Lead::new("abc", Customer::new("u")));
/// assert_eq!(event.kind(), EventKind::Lead);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A lead.
    Lead(Lead),
    /// A sale.
    Sale(Sale),
}

impl From<Lead> for Event {
    fn from(lead: Lead) -> Self {
        Event::Lead(lead)
    }
}

impl From<Sale> for Event {
    fn from(sale: Sale) -> Self {
        Event::Sale(sale)
    }
}

/// Why an event was refused before anything was sent.
///
/// ```
/// use taapit_server::{Customer, Event, InvalidEvent, Sale};
/// let sale = Sale::new(Customer::new("u"), -1.0, "eur");
/// assert_eq!(Event::from(sale).validate(), Err(InvalidEvent::Amount));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEvent {
    /// A lead needs a valid tracking id; a sale's, when given, must be valid too.
    #[error("the tracking id is missing or not valid (1-128 characters of A-Z a-z 0-9 - _ . ~)")]
    TrackingId,
    /// `customer.externalId` is empty.
    #[error("customer.externalId is required")]
    ExternalId,
    /// The amount is negative, NaN or infinite.
    #[error("the amount must be a finite number >= 0, in currency units (not cents)")]
    Amount,
    /// The currency is not three ASCII letters (ISO 4217: "eur", "usd", …).
    #[error("the currency must be an ISO 4217 code of three letters, such as \"eur\"")]
    Currency,
    /// `metadata` is not a JSON object.
    #[error("metadata must be a JSON object")]
    Metadata,
}

impl Event {
    /// Lead or sale.
    ///
    /// ```
    /// use taapit_server::{Customer, Event, EventKind, Sale};
    /// assert_eq!(Event::from(Sale::new(Customer::new("u"), 1.0, "eur")).kind(), EventKind::Sale);
    /// ```
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Lead(_) => EventKind::Lead,
            Event::Sale(_) => EventKind::Sale,
        }
    }

    /// Checks the event as Taapit would, before anything is sent or queued.
    ///
    /// ```
    /// use taapit_server::{Customer, Event, InvalidEvent, Lead, Sale};
    /// assert_eq!(Event::from(Lead::new("a b", Customer::new("u"))).validate(), Err(InvalidEvent::TrackingId));
    /// assert_eq!(Event::from(Lead::new("ok", Customer::new(""))).validate(), Err(InvalidEvent::ExternalId));
    /// assert_eq!(Event::from(Sale::new(Customer::new("u"), f64::NAN, "eur")).validate(), Err(InvalidEvent::Amount));
    /// assert_eq!(Event::from(Sale::new(Customer::new("u"), 1.0, "euro")).validate(), Err(InvalidEvent::Currency));
    /// let bad_metadata = Lead::new("ok", Customer::new("u")).metadata(serde_json::json!([1]));
    /// assert_eq!(Event::from(bad_metadata).validate(), Err(InvalidEvent::Metadata));
    /// ```
    pub fn validate(&self) -> Result<(), InvalidEvent> {
        let (customer, metadata) = match self {
            Event::Lead(lead) => {
                check_tracking_id(Some(&lead.tracking_id), true)?;
                (&lead.customer, &lead.metadata)
            }
            Event::Sale(sale) => {
                check_amount(sale.amount)?;
                check_currency(&sale.currency)?;
                check_tracking_id(sale.tracking_id.as_deref(), false)?;
                (&sale.customer, &sale.metadata)
            }
        };
        check_customer(customer)?;
        if metadata.as_ref().is_some_and(|m| !m.is_object()) {
            return Err(InvalidEvent::Metadata);
        }
        Ok(())
    }

    /// The JSON body to `POST`, once [`validate`](Self::validate) passes (the currency in
    /// lower case).
    ///
    /// ```
    /// use taapit_server::{Customer, Event, Lead};
    /// let body = Event::from(Lead::new("abc", Customer::new("u"))).to_body().unwrap();
    /// assert_eq!(body, br#"{"trackingId":"abc","customer":{"externalId":"u"}}"#);
    /// ```
    pub fn to_body(&self) -> Result<Vec<u8>, InvalidEvent> {
        self.validate()?;
        let body = match self {
            Event::Lead(lead) => serde_json::to_vec(lead),
            Event::Sale(sale) => {
                let mut sale = sale.clone();
                sale.currency.make_ascii_lowercase();
                serde_json::to_vec(&sale)
            }
        };
        // Serialising plain strings, finite numbers and a JSON value cannot fail.
        Ok(body.unwrap_or_default())
    }
}

// The rules, one place each: `Event::validate` and the `try_new` constructors use them.

fn check_tracking_id(tracking_id: Option<&str>, required: bool) -> Result<(), InvalidEvent> {
    match tracking_id {
        Some(id) if TrackingId::parse(id).is_err() => Err(InvalidEvent::TrackingId),
        None if required => Err(InvalidEvent::TrackingId),
        _ => Ok(()),
    }
}

fn check_customer(customer: &Customer) -> Result<(), InvalidEvent> {
    if customer.external_id.trim().is_empty() {
        return Err(InvalidEvent::ExternalId);
    }
    Ok(())
}

fn check_amount(amount: f64) -> Result<(), InvalidEvent> {
    if !(amount.is_finite() && amount >= 0.0) {
        return Err(InvalidEvent::Amount);
    }
    Ok(())
}

fn check_currency(currency: &str) -> Result<(), InvalidEvent> {
    if !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(InvalidEvent::Currency);
    }
    Ok(())
}
