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

use aws_sdk_dynamodb::types::{Delete, DeleteRequest, Put, TransactWriteItem, Update, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kizuna_schedule::{AnchorKind, SystemMail};

use std::future::Future;

use crate::adapters::dynamo::attributes::{cancelled_transaction, get_s, n, rfc3339, s, sdk_error, Item};
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

    /// Reads a subscription (strongly consistent).
    pub async fn get(&self, id: &str) -> Result<Option<Subscription>, BoxError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription_pk(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(output.item().and_then(subscription_from_item))
    }

    /// Stores a pending subscription with its uniqueness item, or finds the existing one.
    pub async fn create_pending(&self, signup: &PendingSignUp, now: DateTime<Utc>) -> Result<SignUpOutcome, BoxError> {
        let id = uuid::Uuid::new_v4().to_string();
        let new = NewSubscription {
            id: id.clone(),
            municipality: signup.municipality.clone(),
            email: signup.email.clone(),
            email_hash: signup.email_hash.clone(),
            anchor_kind: signup.anchor_kind,
            anchor_date: signup.anchor_date,
            status: SubscriptionStatus::Pending,
            nickname: signup.nickname.clone(),
            consent_version: signup.consent_version.clone(),
        };
        let (mut item, unique_item) = subscription_items(&new, &rfc3339(now));
        item.insert(EXPIRY_PK.into(), s(ExpiryKind::Pending.as_str()));
        item.insert(EXPIRY_SK.into(), s(expiry_sk(now + Duration::hours(PENDING_HOURS), &id)));
        let unique = uniqueness_pk(&signup.email_hash, &signup.municipality, signup.anchor_kind, signup.anchor_date);
        let counts = self.counts(Transition::Registered, None, Some(&new.as_stored()), now)?;
        match self.put_items(item, unique_item, counts).await? {
            PutOutcome::Created => Ok(SignUpOutcome::Created(id)),
            PutOutcome::Duplicate => {
                let existing = self
                    .client
                    .get_item()
                    .table_name(&self.subscriptions)
                    .key(PK, s(&unique))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                let id = existing
                    .item()
                    .and_then(|item| get_s(item, "subscription"))
                    .and_then(subscription_id_from_pk)
                    .map(str::to_owned);
                let subscription = match id {
                    Some(id) => self.get(&id).await?,
                    None => None,
                };
                Ok(SignUpOutcome::Existing(subscription))
            }
        }
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
        let transaction =
            self.client.transact_write_items().transact_items(put(unique_item)?).transact_items(put(item)?);
        let result = counts.into_iter().fold(transaction, |t, count| t.transact_items(count)).send().await;
        match result {
            Ok(_) => Ok(PutOutcome::Created),
            Err(error) => {
                let cancelled = cancelled_transaction(error)?;
                match cancelled.cancellation_reasons().first().and_then(|r| r.code()) {
                    Some("ConditionalCheckFailed") => Ok(PutOutcome::Duplicate),
                    other => Err(StoreError::Service(format!("TransactWriteItems cancelled: {other:?}")).into()),
                }
            }
        }
    }

    /// Takes the address's confirmation-mail slot: `true` when no confirmation mail went to it in
    /// the last 10 minutes (and records this one).
    pub async fn claim_confirmation_slot(&self, email_hash: &str, now: DateTime<Utc>) -> Result<bool, BoxError> {
        let cutoff = now.timestamp() - CONFIRMATION_INTERVAL_MINUTES * 60;
        let result = self
            .client
            .put_item()
            .table_name(&self.subscriptions)
            .item(PK, s(format!("MAILRATE#{email_hash}")))
            .item("last_sent", n(now.timestamp()))
            .condition_expression("attribute_not_exists(#pk) OR last_sent <= :cutoff")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":cutoff", n(cutoff))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(error) => Err(sdk_error(error).into()),
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
        let transaction =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().update(update).build());
        let result = counts.into_iter().fold(transaction, |t, count| t.transact_items(count)).send().await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => Ok(cancelled_transaction(error).map(|_| false)?),
        }
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

    /// Confirms a pending sign-up: active, in `by_anchor`, no longer expiring.
    pub async fn activate(&self, current: &Subscription, now: DateTime<Utc>) -> Result<Change, BoxError> {
        if current.status != SubscriptionStatus::Pending {
            return Ok(Change::Refused);
        }
        let update = self
            .guarded(current)
            .update_expression(
                "SET #st = :active, updated_at = :t, confirmed_at = :t, #bp = :bp, #bs = :bs REMOVE #ep, #es",
            )
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":bp", s(by_anchor_pk(&current.municipality, current.anchor_kind)))
            .expression_attribute_values(":bs", s(by_anchor_sk(current.anchor_date, &current.id)))
            .build()?;
        let after = Subscription { status: SubscriptionStatus::Active, ..current.clone() };
        let counts = self.counts(Transition::Confirmed, Some(current), Some(&after), now)?;
        let applied = self.update(update, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Registers the birth of a maternity subscription (active or completed): the anchor becomes the
    /// birth date, `anchor_version` increments, and it is active in `by_anchor` under `birth`.
    pub async fn register_birth(
        &self,
        current: &Subscription,
        birth: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        let allowed = matches!(current.status, SubscriptionStatus::Active | SubscriptionStatus::Completed);
        if current.anchor_kind != AnchorKind::Due || !allowed {
            return Ok(Change::Refused);
        }
        let update = self
            .guarded(current)
            .update_expression(
                "SET #st = :active, anchor_kind = :birth, anchor_date = :d, updated_at = :t, #bp = :bp, #bs = :bs \
                 ADD anchor_version :one REMOVE #ep, #es",
            )
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
            .expression_attribute_values(":birth", s(AnchorKind::Birth.as_str()))
            .expression_attribute_values(":d", s(birth.format("%Y-%m-%d").to_string()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":bp", s(by_anchor_pk(&current.municipality, AnchorKind::Birth)))
            .expression_attribute_values(":bs", s(by_anchor_sk(birth, &current.id)))
            .build()?;
        let after = Subscription {
            status: SubscriptionStatus::Active,
            anchor_kind: AnchorKind::Birth,
            anchor_date: birth,
            ..current.clone()
        };
        let counts = self.counts(Transition::BirthRegistered, Some(current), Some(&after), now)?;
        let applied = self.update(update, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Changes the due date of a pending or active maternity subscription (`anchor_version` + 1).
    /// Delivery records stay, so nothing already received is sent again.
    pub async fn change_due_date(
        &self,
        current: &Subscription,
        due: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        let allowed = matches!(current.status, SubscriptionStatus::Active | SubscriptionStatus::Pending);
        if current.anchor_kind != AnchorKind::Due || !allowed {
            return Ok(Change::Refused);
        }
        let mut update = self
            .guarded(current)
            .expression_attribute_values(":d", s(due.format("%Y-%m-%d").to_string()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1));
        update = if current.status == SubscriptionStatus::Active {
            update
                .update_expression("SET anchor_date = :d, updated_at = :t, #bs = :bs ADD anchor_version :one")
                .expression_attribute_names("#bs", BY_ANCHOR_SK)
                .expression_attribute_values(":bs", s(by_anchor_sk(due, &current.id)))
        } else {
            update.update_expression("SET anchor_date = :d, updated_at = :t ADD anchor_version :one")
        };
        let after = Subscription { anchor_date: due, ..current.clone() };
        let counts = self.counts(Transition::AnchorChanged, Some(current), Some(&after), now)?;
        let applied = self.update(update.build()?, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Ends a subscription (stopped, unsubscribed, completed or bounced): out of `by_anchor` at once,
    /// `anchor_version` + 1, the uniqueness item deleted (the family may sign up again), and — except
    /// for bounced, which stays to suppress the address — due for deletion after 90 days.
    pub async fn end(
        &self,
        current: &Subscription,
        status: SubscriptionStatus,
        reason: StopReason,
        transition: Transition,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        let live = current.status.is_live();
        if !live || matches!(status, SubscriptionStatus::Pending | SubscriptionStatus::Active) {
            return Ok(Change::Refused);
        }
        let mut set = String::from("SET #st = :new, stop_reason = :r, updated_at = :t, ended_at = :t");
        let mut update = self
            .guarded(current)
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_names("#uq", UNIQUENESS_KEY)
            .expression_attribute_values(":new", s(status.as_str()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":r", s(reason.as_str()))
            .expression_attribute_values(":one", n(1));
        let remove = if status == SubscriptionStatus::Bounced {
            " REMOVE #bp, #bs, #uq, #ep, #es"
        } else {
            set.push_str(", #ep = :ep, #es = :es");
            update =
                update.expression_attribute_values(":ep", s(ExpiryKind::Ended.as_str())).expression_attribute_values(
                    ":es",
                    s(expiry_sk(now + Duration::days(ENDED_RETENTION_DAYS), &current.id)),
                );
            " REMOVE #bp, #bs, #uq"
        };
        let expression = format!("{set} ADD anchor_version :one{remove}");
        let update = update.update_expression(expression).build()?;
        let after = Subscription { status, ..current.clone() };
        let counts = self.counts(transition, Some(current), Some(&after), now)?;
        let transaction =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().update(update).build());
        let mut transaction = counts.into_iter().fold(transaction, |t, count| t.transact_items(count));
        if let Some(unique) = &current.uniqueness_pk {
            transaction = transaction.transact_items(
                TransactWriteItem::builder()
                    .delete(Delete::builder().table_name(&self.subscriptions).key(PK, s(unique)).build()?)
                    .build(),
            );
        }
        let applied = match transaction.send().await {
            Ok(_) => true,
            Err(error) => cancelled_transaction(error).map(|_| false)?,
        };
        self.reread(&current.id, applied).await
    }

    /// The subscriptions of an address (by its hash), with their status.
    pub async fn ids_by_email_hash(&self, email_hash: &str) -> Result<Vec<(String, SubscriptionStatus)>, BoxError> {
        let mut found = Vec::new();
        let mut items = self
            .client
            .query()
            .table_name(&self.subscriptions)
            .index_name(BY_EMAIL_HASH)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", EMAIL_HASH)
            .expression_attribute_values(":h", s(email_hash))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = items.next().await {
            let item = item.map_err(sdk_error)?;
            let id = get_s(&item, PK).and_then(subscription_id_from_pk);
            let status = get_s(&item, "status").and_then(SubscriptionStatus::parse);
            if let (Some(id), Some(status)) = (id, status) {
                found.push((id.to_owned(), status));
            }
        }
        Ok(found)
    }

    /// Counts one more transient bounce of an address; returns the new count.
    pub async fn count_transient_bounce(&self, email_hash: &str, now: DateTime<Utc>) -> Result<u64, BoxError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.subscriptions)
            .key(PK, s(format!("BOUNCES#{email_hash}")))
            .update_expression("SET updated_at = :t ADD transient_bounces :one")
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let count = output
            .attributes()
            .and_then(|a| a.get("transient_bounces"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(count)
    }

    /// Reserves a once-only transactional mail (`system/<kind>` in the deliveries table) for a
    /// subscription that is still in the status and version read: `false` when it was already sent
    /// or the subscription changed.
    pub async fn claim_system_mail(
        &self,
        current: &Subscription,
        kind: SystemMail,
        now: DateTime<Utc>,
    ) -> Result<bool, BoxError> {
        let mut record = Item::new();
        record.insert(PK.into(), s(subscription_pk(&current.id)));
        record.insert(SK.into(), s(format!("system/{}", kind.as_str())));
        record.insert("status".into(), s("sent"));
        record.insert("municipality".into(), s(&current.municipality));
        record.insert("anchor_version".into(), n(current.anchor_version));
        record.insert("created_at".into(), s(rfc3339(now)));
        record.insert(EXPIRES_AT.into(), n(now.timestamp() + DELIVERY_TTL_DAYS * 86_400));
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.deliveries)
                            .set_item(Some(record))
                            .condition_expression("attribute_not_exists(#pk)")
                            .expression_attribute_names("#pk", PK)
                            .build()?,
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(
                        aws_sdk_dynamodb::types::ConditionCheck::builder()
                            .table_name(&self.subscriptions)
                            .key(PK, s(subscription_pk(&current.id)))
                            .condition_expression("#st = :was AND anchor_version = :v")
                            .expression_attribute_names("#st", "status")
                            .expression_attribute_values(":was", s(current.status.as_str()))
                            .expression_attribute_values(":v", n(current.anchor_version))
                            .build()?,
                    )
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => Ok(cancelled_transaction(error).map(|_| false)?),
        }
    }
}
