//! The subscriptions port: the lifecycle's reads and conditional changes of one subscription
//! (sign-up, confirmation, birth, due-date change, end, deletion) and the per-address bookkeeping
//! (confirmation-mail rate, transient bounces, system mails sent once). Every change is
//! conditional on what was read, so two concurrent changes never both win.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use kizuna_schedule::{AnchorKind, SystemMail};

use crate::adapters::dynamo::subscription_items::NewSubscription;
use crate::adapters::dynamo::subscriptions::PutOutcome;
use crate::domain::model::{ExpiryKind, LineRecipient, StopReason, Subscription, SubscriptionStatus, Transition};
use crate::BoxError;

/// A sign-up to store as pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignUp {
    /// The municipality id.
    pub municipality: String,
    /// The address.
    pub email: String,
    /// Its keyed hash.
    pub email_hash: String,
    /// Due or birth.
    pub anchor_kind: AnchorKind,
    /// The anchor date.
    pub anchor_date: NaiveDate,
    /// How to address the family.
    pub nickname: Option<String>,
    /// The consent text version.
    pub consent_version: String,
}

/// The result of storing a sign-up.
// One value per sign-up request, moved once: boxing the subscription would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignUpOutcome {
    /// A new pending subscription with this id.
    Created(String),
    /// The same address already signed up the same anchor here: the existing subscription.
    Existing(Option<Subscription>),
}

/// Whether a conditional change was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Applied; the subscription as it is now.
    Applied(Box<Subscription>),
    /// Not applicable in the subscription's current state (or changed concurrently).
    Refused,
}

/// Where subscriptions live ([`crate::adapters::dynamo::subscriptions::SubscriptionStore`] in production).
pub trait Subscriptions {
    /// Reads a subscription (strongly consistent).
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Subscription>, BoxError>> + Send;
    /// Stores a sign-up as pending, unless the same address already signed up the same anchor.
    fn create_pending(
        &self,
        signup: &PendingSignUp,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<SignUpOutcome, BoxError>> + Send;
    /// Claims the address's confirmation-mail slot (at most one mail per interval).
    fn claim_confirmation_slot(
        &self,
        email_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// Confirms a pending subscription.
    fn activate(
        &self,
        current: &Subscription,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send;
    /// Registers the birth of a due subscription.
    fn register_birth(
        &self,
        current: &Subscription,
        birth: NaiveDate,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send;
    /// Changes the due date.
    fn change_due_date(
        &self,
        current: &Subscription,
        due: NaiveDate,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send;
    /// Ends a live subscription with a final status and the reason stored with it; `transition`
    /// is what the reports count (an unsubscription says how it came).
    fn end(
        &self,
        current: &Subscription,
        status: SubscriptionStatus,
        reason: StopReason,
        transition: Transition,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send;
    /// Stores an active LINE subscription (registered in the chat), refusing a second one for the
    /// same LINE user, municipality and anchor.
    fn put_new_line(
        &self,
        sub: &NewSubscription,
        line: &LineRecipient,
    ) -> impl Future<Output = Result<PutOutcome, BoxError>> + Send;
    /// Deletes a subscription and everything kept about it; `false` when it did not exist.
    fn delete_everything(&self, id: &str) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// The subscriptions of an address, by its keyed hash.
    fn ids_by_email_hash(
        &self,
        email_hash: &str,
    ) -> impl Future<Output = Result<Vec<(String, SubscriptionStatus)>, BoxError>> + Send;
    /// Counts one more transient bounce of an address; returns the count.
    fn count_transient_bounce(
        &self,
        email_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, BoxError>> + Send;
    /// Claims a system mail for a subscription, so it is sent at most once.
    fn claim_system_mail(
        &self,
        current: &Subscription,
        kind: SystemMail,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// The ids of subscriptions waiting in the housekeeping index whose time has come.
    fn due_for_expiry(
        &self,
        what: ExpiryKind,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<String>, BoxError>> + Send;
}
