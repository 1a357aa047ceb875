//! The DynamoDB operations of the subscription lifecycle (DESIGN.md §6), used by the API
//! ([`crate::http`]), the SES events handler ([`crate::use_cases::ses_feedback`]) and the lifecycle jobs
//! ([`crate::use_cases::lifecycle`]).
//!
//! Every change is a conditional write on what was read (`status` and `anchor_version`), so two
//! concurrent requests never both win, and the delivery transaction's `ConditionCheck` (status active,
//! same `anchor_version`) refuses any mail planned before the change.
//!
//! Besides the subscription items ([`crate::domain::model`]), the table holds per-address items keyed by the
//! e-mail hash: `MAILRATE#<hash>` (last confirmation mail, at most one per 10 minutes) and
//! `BOUNCES#<hash>` (transient bounce count). They are removed with the address's last subscription.
//! Housekeeping uses the sparse `by_expiry` index ([`crate::adapters::dynamo::keys::BY_EXPIRY`]): pending sign-ups
//! carry `pending` with their expiry, ended subscriptions `ended` with their deletion date.

mod backfill;
mod housekeeping;
mod port;

pub use backfill::{Backfilled, BACKFILL_SK};

use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::{Delete, DeleteRequest, Put, TransactWriteItem, Update, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kizuna_schedule::{AnchorKind, SystemMail};

use crate::adapters::dynamo::attributes::{cancelled_transaction, get_s, n, put_if, rfc3339, s, sdk_error, Item};
use crate::adapters::dynamo::counters::counter_action;
use crate::adapters::dynamo::keys::{
    by_anchor_pk, by_anchor_sk, expiry_sk, subscription_id_from_pk, subscription_pk, uniqueness_pk, BY_ANCHOR_PK,
    BY_ANCHOR_SK, BY_EMAIL_HASH, BY_EXPIRY, DELIVERY_TTL_DAYS, EMAIL_HASH, EXPIRES_AT, EXPIRY_PK, EXPIRY_SK, PK, SK,
    UNIQUENESS_KEY,
};
use crate::adapters::dynamo::subscription_items::{subscription_from_item, subscription_items, NewSubscription};
use crate::domain::model::{ExpiryKind, StopReason, Subscription, SubscriptionStatus, Transition};
use crate::ports::store_error::StoreError;
use crate::ports::subscriptions::Subscriptions;
use crate::ports::subscriptions::{Change, PendingSignUp, SignUpOutcome};
use crate::BoxError;

/// Pending sign-ups expire after this many hours.
pub const PENDING_HOURS: i64 = 48;
/// Ended subscriptions are deleted after this many days.
pub const ENDED_RETENTION_DAYS: i64 = 90;
/// At most one confirmation mail per address per this many minutes.
pub const CONFIRMATION_INTERVAL_MINUTES: i64 = 10;
/// Transient bounces after which an address is suppressed.
pub const TRANSIENT_BOUNCE_LIMIT: u64 = 3;

/// Whether a subscription was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored with its uniqueness item.
    Created,
    /// The same address already subscribed the same anchor in the same municipality.
    Duplicate,
}

/// How the transaction of a transition ended ([`SubscriptionStore::transact`]).
#[derive(Debug)]
pub(crate) enum Transacted {
    /// Written, with its counters.
    Committed,
    /// Refused as a whole, for the reasons it carries (a failed condition, usually).
    Cancelled(TransactionCanceledException),
}

/// The subscriptions and deliveries tables, for the lifecycle.
#[derive(Clone, Debug)]
pub struct SubscriptionStore {
    client: Client,
    subscriptions: String,
    deliveries: String,
}

/// The guard that the counters know the subscription as it was read: a backfill in between (which
/// counts it) refuses a transition computed as uncounted, and the other way round.
pub(crate) fn counted_condition(current: &Subscription) -> &'static str {
    if current.counted {
        "attribute_exists(counted)"
    } else {
        "attribute_not_exists(counted)"
    }
}

impl SubscriptionStore {
    /// A store over the two tables.
    pub fn new(client: Client, subscriptions: impl Into<String>, deliveries: impl Into<String>) -> Self {
        SubscriptionStore { client, subscriptions: subscriptions.into(), deliveries: deliveries.into() }
    }

    /// The DynamoDB client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The subscriptions table name.
    pub fn subscriptions_table(&self) -> &str {
        &self.subscriptions
    }

    /// The deliveries table name.
    pub fn deliveries_table(&self) -> &str {
        &self.deliveries
    }

    /// Stores a new subscription and its uniqueness item in one transaction, refusing duplicates
    /// (import and tests; sign-up is [`SubscriptionStore::create_pending`]).
    /// An active one counts as registered and confirmed in the reports, pending as registered.
    pub async fn put_new(&self, sub: &NewSubscription) -> Result<PutOutcome, BoxError> {
        let now = Utc::now();
        let (item, unique_item) = subscription_items(sub, &rfc3339(now));
        let transition = match sub.status {
            SubscriptionStatus::Pending => Transition::Registered,
            _ => Transition::Confirmed,
        };
        let counts = self.counts(transition, None, Some(&sub.as_stored()), now)?;
        self.put_items(item, unique_item, counts).await
    }

    /// Puts a new subscription item and its uniqueness item in one transaction, each only if its key
    /// is new; [`PutOutcome::Duplicate`] when the uniqueness item exists already.
    pub(crate) async fn put_items(
        &self,
        item: Item,
        unique_item: Item,
        counts: Vec<TransactWriteItem>,
    ) -> Result<PutOutcome, BoxError> {
        let table = &self.subscriptions;
        let put = |item: Item| -> Result<TransactWriteItem, BoxError> {
            Ok(TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(#pk)")
                        .expression_attribute_names("#pk", PK)
                        .build()?,
                )
                .build())
        };
        let mut items = vec![put(unique_item)?, put(item)?];
        items.extend(counts);
        match self.transact(items).await? {
            Transacted::Committed => Ok(PutOutcome::Created),
            Transacted::Cancelled(cancelled) => match cancelled.cancellation_reasons().first().and_then(|r| r.code()) {
                Some("ConditionalCheckFailed") => Ok(PutOutcome::Duplicate),
                other => Err(StoreError::Service(format!("TransactWriteItems cancelled: {other:?}")).into()),
            },
        }
    }

    /// The report counters of a transition as actions of its own transaction (docs/reports.md):
    /// the transition and its counts are written together or not at all.
    pub(crate) fn counts(
        &self,
        transition: Transition,
        before: Option<&Subscription>,
        after: Option<&Subscription>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TransactWriteItem>, BoxError> {
        if before.is_some_and(|b| !b.counted) {
            // Older than the counters and not backfilled yet: the backfill counts its state then.
            return Ok(Vec::new());
        }
        let date = kizuna_schedule::japan_date(now);
        crate::domain::counters::updates(transition, before, after, date)
            .iter()
            .map(|update| counter_action(&self.deliveries, update))
            .collect()
    }

    /// Applies a guarded update and the report counters of its transition in one transaction;
    /// `false` when the guard refused it.
    pub(crate) async fn update(&self, update: Update, counts: Vec<TransactWriteItem>) -> Result<bool, BoxError> {
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        items.extend(counts);
        Ok(matches!(self.transact(items).await?, Transacted::Committed))
    }

    /// Sends the transaction of one transition. Every transition of a municipality in a month adds
    /// to the same counter item, so two at once make DynamoDB cancel one of them for a
    /// `TransactionConflict` (another transaction in flight on that item) rather than for a failed
    /// condition: that one is sent again after a short random wait, a few times, before it is
    /// reported as a [`StoreError::Conflict`]. A cancellation for any other reason is the caller's
    /// to judge.
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Transacted, StoreError> {
        const ATTEMPTS: u32 = 6;
        for attempt in 1..=ATTEMPTS {
            let result = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let cancelled = match result {
                Ok(_) => return Ok(Transacted::Committed),
                Err(error) => cancelled_transaction(error)?,
            };
            let codes: Vec<Option<&str>> = cancelled.cancellation_reasons().iter().map(|r| r.code()).collect();
            let only_conflicts = codes.contains(&Some("TransactionConflict"))
                && codes.iter().all(|code| matches!(code, None | Some("None" | "TransactionConflict")));
            if !only_conflicts {
                return Ok(Transacted::Cancelled(cancelled));
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(10..=100) << attempt)).await;
            }
        }
        Err(StoreError::Conflict(format!("TransactWriteItems conflicted {ATTEMPTS} times with other transactions")))
    }

    pub(crate) fn guarded(&self, current: &Subscription) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription_pk(&current.id)))
            .condition_expression(format!("#st = :was AND anchor_version = :v AND {}", counted_condition(current)))
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":was", s(current.status.as_str()))
            .expression_attribute_values(":v", n(current.anchor_version))
    }

    async fn reread(&self, id: &str, applied: bool) -> Result<Change, BoxError> {
        if !applied {
            return Ok(Change::Refused);
        }
        Ok(self.get(id).await?.map_or(Change::Refused, |s| Change::Applied(Box::new(s))))
    }
}
