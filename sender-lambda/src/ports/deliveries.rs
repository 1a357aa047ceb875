//! The deliveries port: at most one delivery record per subscription and entry, ever — reserved
//! before the send, then marked sent or failed, or released for a later run.

use std::future::Future;

use crate::domain::model::Recipient;
use crate::BoxError;

/// What to reserve for one mail.
#[derive(Clone, Debug)]
pub struct ReserveRequest<'a> {
    /// The municipality id.
    pub municipality: &'a str,
    /// The Japan delivery date.
    pub date: chrono::NaiveDate,
    /// The schedule's build id.
    pub build: &'a str,
    /// The recipient as planned (its `anchor_version` is checked).
    pub recipient: &'a Recipient,
    /// The entry ids of the mail.
    pub entries: Vec<String>,
    /// The idempotency key of a channel that retries in doubt (LINE's `X-Line-Retry-Key`), stored
    /// in the records; `None` for mail. When set, entries a previous run left `sending` with a key
    /// less than [`RETRY_KEY_VALID_FOR`] ago are reserved again *with their stored key*: the
    /// provider accepts a key once, so the retry cannot deliver twice.
    pub retry_key: Option<&'a str>,
}

/// How long a stored retry key may be used again (LINE keeps a retry key for 24 hours; an hour's
/// margin). Older `sending` records are stale: reported, never resent.
pub const RETRY_KEY_VALID_FOR: chrono::Duration = chrono::Duration::hours(23);

/// The result of a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// These entries (a non-empty subset of the request, in order) are now `sending`.
    Reserved(Vec<String>),
    /// Every entry was already recorded: nothing to send.
    AlreadySent,
    /// The subscription is no longer active or its anchor changed: nothing to send.
    Refused,
}

/// A reservation's outcome and the records it found left `sending` for over an hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// What was reserved.
    pub outcome: ReserveOutcome,
    /// Entries of the mail whose record has been `sending` for over an hour (an earlier run stopped
    /// between reservation and recording): reported, never resent.
    pub stale_sending: Vec<String>,
    /// The key every attempt must carry: the request's, or — when the reserved entries are a
    /// delivery left in doubt by an earlier run — the key stored with them.
    pub retry_key: Option<String>,
}

impl From<ReserveOutcome> for Reservation {
    fn from(outcome: ReserveOutcome) -> Self {
        Reservation { outcome, stale_sending: Vec::new(), retry_key: None }
    }
}

/// Where delivery records live ([`crate::adapters::dynamo::DynamoDeliveries`] in production).
pub trait DeliveryStore {
    /// Reserves the entries of a mail (see [`crate::use_cases::delivery`]).
    fn reserve(&self, request: &ReserveRequest<'_>) -> impl Future<Output = Result<Reservation, BoxError>> + Send;
    /// Marks reserved records `sent` with the SES message id.
    fn mark_sent(
        &self,
        subscription_id: &str,
        entries: &[String],
        message_id: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Marks reserved records `failed` with an error code; they are never retried.
    fn mark_failed(
        &self,
        subscription_id: &str,
        entries: &[String],
        code: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Deletes reserved records still `sending`, so a later run sends the mail.
    fn release(&self, subscription_id: &str, entries: &[String]) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Adds one delivery's outcome to the report counters (per municipality, day, channel, track).
    fn count(
        &self,
        update: &kizuna_reports::counters::CounterUpdate,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;
}
