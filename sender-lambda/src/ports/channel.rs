//! The delivery channel port: what the delivery use case needs from a channel — render a day's
//! sections for one recipient, send once, classify the error, report the provider's message id.
//!
//! Mail is the first channel: every [`Mailer`] (SES in production, a capture in tests) is a
//! [`Channel`] whose message is a [`ComposedMail`] (the blanket implementation is in
//! `crate::adapters::ses`). A second channel (LINE) is a new adapter implementing [`Channel`], not
//! a fork of the delivery path: reservation, pacing, retries and recording stay in
//! `crate::use_cases::delivery`.

use std::future::Future;
use std::sync::Arc;

use kizuna_schedule::ScheduleDocument;

use crate::domain::links::LinkKeys;
use crate::domain::model;
use crate::domain::plan::PlannedMail;
use crate::ports::published_site::Sections;
use crate::use_cases::delivery::Pacer;

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

    /// Whether this adapter delivers to the families of `channel` (one adapter, its own channel;
    /// [`Routed`] both). The delivery never hands a family to an adapter that does not serve it.
    fn serves(&self, channel: model::Channel) -> bool {
        channel == self.channel()
    }

    /// Whether a send of `channel` left in doubt may be sent again with the same key (LINE's
    /// `X-Line-Retry-Key`: the provider refuses a second acceptance). Mail: never.
    fn retries_in_doubt(&self, channel: model::Channel) -> bool {
        let _ = channel;
        false
    }

    /// Renders one planned mail (its recipient and sections, in order) for this channel.
    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<Self::Message, Self::RenderError>;

    /// The pacer of the provider account this message goes through, when it has its own (LINE:
    /// one per municipality's channel); `None`: the run's pacer (SES's account rate).
    fn pacer(&self, message: &Self::Message) -> Option<Arc<Pacer>> {
        let _ = message;
        None
    }

    /// Sends one message once (no retries: the delivery use case paces and retries) and returns the
    /// provider's message id; a failure carries its [`SendErrorKind`]. `retry_key` is the key
    /// stored with the reservation (set when [`Channel::retries_in_doubt`]): every attempt of the
    /// delivery, in this run or a later one, carries the same key.
    fn send(
        &self,
        message: &Self::Message,
        retry_key: Option<&str>,
    ) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Two adapters as one channel: mail families by `mail`, LINE families by `line` (when the
/// deployment has LINE). The day's plan stays one; each family is delivered by its own channel.
#[derive(Debug)]
pub struct Routed<'a, M, L> {
    /// The mail channel.
    pub mail: &'a M,
    /// The LINE channel, if any.
    pub line: Option<&'a L>,
}

/// A message of [`Routed`]: one of its two adapters'.
#[derive(Debug)]
pub enum RoutedMessage<A, B> {
    /// For the mail adapter.
    Mail(A),
    /// For the LINE adapter.
    Line(B),
}

/// Why [`Routed`] could not render.
#[derive(Debug, thiserror::Error)]
pub enum RoutedError<A: std::error::Error, B: std::error::Error> {
    /// The mail adapter's error.
    #[error(transparent)]
    Mail(A),
    /// The LINE adapter's error.
    #[error(transparent)]
    Line(B),
    /// A LINE family, but this deployment has no LINE channel.
    #[error("no LINE channel is configured")]
    NoLine,
}

impl<M, L> Channel for Routed<'_, M, L>
where
    M: Channel + Sync,
    L: Channel + Sync,
{
    type Message = RoutedMessage<M::Message, L::Message>;
    type RenderError = RoutedError<M::RenderError, L::RenderError>;

    fn channel(&self) -> model::Channel {
        model::Channel::Mail
    }

    fn serves(&self, channel: model::Channel) -> bool {
        match channel {
            model::Channel::Mail => self.mail.serves(channel),
            model::Channel::Line => self.line.is_some_and(|line| line.serves(channel)),
        }
    }

    fn retries_in_doubt(&self, channel: model::Channel) -> bool {
        match channel {
            model::Channel::Mail => self.mail.retries_in_doubt(channel),
            model::Channel::Line => self.line.is_some_and(|line| line.retries_in_doubt(channel)),
        }
    }

    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<Self::Message, Self::RenderError> {
        match mail.recipient.channel() {
            model::Channel::Mail => self.mail.render(day, mail).map(RoutedMessage::Mail).map_err(RoutedError::Mail),
            model::Channel::Line => {
                let line = self.line.ok_or(RoutedError::NoLine)?;
                line.render(day, mail).map(RoutedMessage::Line).map_err(RoutedError::Line)
            }
        }
    }

    fn pacer(&self, message: &Self::Message) -> Option<Arc<Pacer>> {
        match (message, self.line) {
            (RoutedMessage::Mail(message), _) => self.mail.pacer(message),
            (RoutedMessage::Line(message), Some(line)) => line.pacer(message),
            (RoutedMessage::Line(_), None) => None,
        }
    }

    async fn send(&self, message: &Self::Message, retry_key: Option<&str>) -> Result<String, SendError> {
        match (message, self.line) {
            (RoutedMessage::Mail(message), _) => self.mail.send(message, retry_key).await,
            (RoutedMessage::Line(message), Some(line)) => line.send(message, retry_key).await,
            (RoutedMessage::Line(_), None) => {
                Err(SendError { kind: SendErrorKind::Fatal, code: "NoLineChannel".to_owned() })
            }
        }
    }
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
