//! The delivery channel port: what the delivery use case needs from a channel — render a day's
//! sections for one recipient, send once, classify the error, report the provider's message id.
//!
//! Mail is the first channel: every [`Mailer`] (SES in production, a capture in tests) is a
//! [`Channel`] whose message is a [`ComposedMail`] (the blanket implementation is in
//! `crate::adapters::ses`). A second channel (LINE) is a new adapter implementing [`Channel`], not
//! a fork of the delivery path: reservation, pacing, retries and recording stay in
//! `crate::use_cases::delivery`.

use std::future::Future;

use kizuna_schedule::ScheduleDocument;

use crate::domain::links::LinkKeys;
use crate::domain::model;
use crate::domain::plan::PlannedMail;
use crate::ports::published_site::Sections;

/// A day's content for one municipality, as every channel renders it: the schedule, the day's
/// hash-checked sections (and the mail shell) and the link keys.
#[derive(Clone, Copy, Debug)]
pub struct DayContent<'a> {
    /// The municipality's schedule.
    pub schedule: &'a ScheduleDocument,
    /// The shell and the day's sections.
    pub sections: &'a Sections,
    /// The link keys.
    pub links: &'a LinkKeys,
    /// Unix seconds the links are issued at.
    pub now: i64,
}

/// One delivery channel.
pub trait Channel {
    /// What one send carries (a raw MIME mail, a batch of LINE messages …).
    type Message: Send + Sync;
    /// Why rendering failed (a section missing from the day's content, …).
    type RenderError: std::error::Error + Send + Sync + 'static;

    /// The channel this adapter delivers on.
    fn channel(&self) -> model::Channel;

    /// Renders one planned mail (its recipient and sections, in order) for this channel.
    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<Self::Message, Self::RenderError>;

    /// Sends one message once (no retries: the delivery use case paces and retries) and returns the
    /// provider's message id; a failure carries its [`SendErrorKind`].
    fn send(&self, message: &Self::Message) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// How a send failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendErrorKind {
    /// Rate exceeded: retried with backoff.
    Throttled,
    /// A server-side error with a response: retried with backoff.
    Transient,
    /// Refused for this recipient or message: recorded as failed, not retried.
    Permanent,
    /// Refused for the whole account or sender (suspended, paused, unknown configuration set): the
    /// mail is released and the rest of the municipality's run stops.
    Fatal,
    /// No answer (timeout, connection lost after sending): the mail may have gone; left in doubt.
    InDoubt,
}

/// A failed send: its kind and the service's error code (never the address).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {code}")]
pub struct SendError {
    /// How it failed.
    pub kind: SendErrorKind,
    /// The error code, e.g. `MessageRejected`.
    pub code: String,
}

/// Sends raw mail ([`crate::adapters::ses::SesMailer`] in production); returns the provider's message id.
pub trait Mailer {
    /// Sends one mail once (no retries: [`crate::use_cases::delivery::Delivery`] paces and retries).
    fn send(&self, mail: &ComposedMail) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// A mail ready for SES.
#[derive(Clone, Debug)]
pub struct ComposedMail {
    /// The envelope sender (the municipality's verified `from`).
    pub from: String,
    /// The recipient's address (never logged).
    pub to: String,
    /// The decoded subject.
    pub subject: String,
    /// The raw RFC 5322 message.
    pub raw: Vec<u8>,
}
