//! The delivery records in DynamoDB: reservation (with the subscription check), sent, failed,
//! released.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::Utc;

use crate::adapters::dynamo::attributes::{cancelled_transaction, get_s, n, now_rfc3339, s, sdk_error, Item};
use crate::adapters::dynamo::keys::{subscription_pk, DELIVERY_TTL_DAYS, EXPIRES_AT, PK, SK};
use crate::domain::model::{DeliveryStatus, SubscriptionStatus};
use crate::ports::deliveries::{DeliveryStore, Reservation, ReserveOutcome, ReserveRequest, RETRY_KEY_VALID_FOR};
use crate::ports::store_error::StoreError;
use crate::BoxError;

/// The delivery records in DynamoDB, with the subscription check of each reservation.
#[derive(Clone, Debug)]
pub struct DynamoDeliveries {
    client: Client,
    subscriptions: String,
    deliveries: String,
    stale_after: chrono::Duration,
}

/// The attribute holding a delivery's retry key (LINE's `X-Line-Retry-Key`).
const RETRY_KEY: &str = "retry_key";

/// How long a record may stay `sending` before a reservation reports it.
pub const STALE_SENDING_AFTER: chrono::Duration = chrono::Duration::hours(1);

impl DynamoDeliveries {
    /// A store over the two tables.
    pub fn new(client: Client, subscriptions: impl Into<String>, deliveries: impl Into<String>) -> Self {
        DynamoDeliveries {
            client,
            subscriptions: subscriptions.into(),
            deliveries: deliveries.into(),
            stale_after: STALE_SENDING_AFTER,
        }
    }

    /// Reports records `sending` for longer than `after` instead of [`STALE_SENDING_AFTER`] (tests).
    pub fn with_stale_after(mut self, after: chrono::Duration) -> Self {
        self.stale_after = after;
        self
    }

    fn record(&self, request: &ReserveRequest<'_>, entry: &str) -> Item {
        let now = Utc::now();
        let mut item = Item::new();
        item.insert(PK.into(), s(subscription_pk(&request.recipient.subscription_id)));
        item.insert(SK.into(), s(entry));
        item.insert("status".into(), s(DeliveryStatus::Sending.as_str()));
        item.insert("municipality".into(), s(request.municipality));
        item.insert("delivery_date".into(), s(request.date.format("%Y-%m-%d").to_string()));
        item.insert("build".into(), s(request.build));
        item.insert("anchor_version".into(), n(request.recipient.anchor_version));
        item.insert("created_at".into(), s(now_rfc3339()));
        item.insert("updated_at".into(), s(now_rfc3339()));
        item.insert(EXPIRES_AT.into(), n(now.timestamp() + DELIVERY_TTL_DAYS * 86_400));
        item.insert("channel".into(), s(request.recipient.channel().as_str()));
        if let Some(key) = request.retry_key {
            item.insert(RETRY_KEY.into(), s(key));
        }
        item
    }

    /// Whether the subscription is still active with this anchor version (a strongly consistent
    /// read: the check a resumed delivery makes instead of the reservation's transaction).
    async fn still_active(&self, subscription: &str, version: u64) -> Result<bool, BoxError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?
            .item;
        Ok(item.is_some_and(|item| {
            get_s(&item, "status") == Some(SubscriptionStatus::Active.as_str())
                && item.get("anchor_version").and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u64>().ok())
                    == Some(version)
        }))
    }

    async fn update_status(
        &self,
        subscription_id: &str,
        entries: &[String],
        status: DeliveryStatus,
        field: (&str, &str),
    ) -> Result<(), BoxError> {
        for entry in entries {
            self.client
                .update_item()
                .table_name(&self.deliveries)
                .key(PK, s(subscription_pk(subscription_id)))
                .key(SK, s(entry))
                .update_expression("SET #st = :st, #f = :f, updated_at = :t")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#st", "status")
                .expression_attribute_names("#f", field.0)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":st", s(status.as_str()))
                .expression_attribute_values(":f", s(field.1))
                .expression_attribute_values(":t", s(now_rfc3339()))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }
}

impl DeliveryStore for DynamoDeliveries {
    fn reserve(&self, request: &ReserveRequest<'_>) -> impl Future<Output = Result<Reservation, BoxError>> + Send {
        // Long on purpose: the one transaction and its retries (conflicts, taken entries, stale records) stay together.
        let mut entries = request.entries.clone();
        let records: HashMap<String, Item> = entries.iter().map(|e| (e.clone(), self.record(request, e))).collect();
        let subscription = subscription_pk(&request.recipient.subscription_id);
        let version = request.recipient.anchor_version;
        let stale_before = Utc::now() - self.stale_after;
        let resumable_after = Utc::now() - RETRY_KEY_VALID_FOR;
        let keyed = request.retry_key.is_some();
        let request_key = request.retry_key.map(str::to_owned);
        async move {
            let mut conflicts = 0;
            let mut failures = 0;
            // The same token makes a retry of the same transaction idempotent (a retry after a lost
            // answer succeeds instead of finding its own records); a new content needs a new token.
            let mut token = uuid::Uuid::new_v4().to_string();
            let mut stale_sending = Vec::new();
            loop {
                if entries.is_empty() {
                    return Ok(Reservation { outcome: ReserveOutcome::AlreadySent, stale_sending, retry_key: None });
                }
                let mut transaction = self.client.transact_write_items().client_request_token(&token);
                for entry in &entries {
                    let item = records.get(entry).cloned().unwrap_or_default();
                    transaction = transaction.transact_items(
                        TransactWriteItem::builder()
                            .put(
                                Put::builder()
                                    .table_name(&self.deliveries)
                                    .set_item(Some(item))
                                    .condition_expression("attribute_not_exists(#pk)")
                                    .expression_attribute_names("#pk", PK)
                                    .return_values_on_condition_check_failure(
                                        ReturnValuesOnConditionCheckFailure::AllOld,
                                    )
                                    .build()?,
                            )
                            .build(),
                    );
                }
                transaction = transaction.transact_items(
                    TransactWriteItem::builder()
                        .condition_check(
                            ConditionCheck::builder()
                                .table_name(&self.subscriptions)
                                .key(PK, s(&subscription))
                                .condition_expression("#st = :active AND anchor_version = :v")
                                .expression_attribute_names("#st", "status")
                                .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
                                .expression_attribute_values(":v", n(version))
                                .build()?,
                        )
                        .build(),
                );
                let error = match transaction.send().await {
                    Ok(_) => {
                        let retry_key = request_key.clone();
                        return Ok(Reservation {
                            outcome: ReserveOutcome::Reserved(entries),
                            stale_sending,
                            retry_key,
                        });
                    }
                    Err(error) => error,
                };
                let cancelled = match cancelled_transaction(error) {
                    Ok(cancelled) => cancelled,
                    Err(cause) => {
                        failures += 1;
                        if failures > 3 {
                            return Err(cause.into());
                        }
                        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..=200) << failures)).await;
                        continue;
                    }
                };
                let reasons: Vec<Option<&str>> = cancelled.cancellation_reasons().iter().map(|r| r.code()).collect();
                if reasons.len() != entries.len() + 1 {
                    return Err(StoreError::Service(format!(
                        "TransactWriteItems cancelled without usable reasons: {reasons:?}"
                    ))
                    .into());
                }
                if reasons[entries.len()] == Some("ConditionalCheckFailed") {
                    return Ok(Reservation { outcome: ReserveOutcome::Refused, stale_sending, retry_key: None });
                }
                let mut resumed: Vec<String> = Vec::new();
                let mut resumed_key: Option<String> = None;
                for (entry, reason) in entries.iter().zip(cancelled.cancellation_reasons()) {
                    let Some(old) = reason.item() else { continue };
                    let sending = get_s(old, "status") == Some(DeliveryStatus::Sending.as_str());
                    let time = |name| get_s(old, name).and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                    // A keyed delivery left in doubt is sent again with its own key while the
                    // provider still remembers the key; one push, so one key for all its entries.
                    let key = get_s(old, RETRY_KEY).filter(|_| keyed && sending);
                    let fresh = time("created_at").is_some_and(|t| t > resumable_after);
                    if let Some(key) = key.filter(|k| fresh && resumed_key.as_deref().is_none_or(|r| r == *k)) {
                        resumed_key = Some(key.to_owned());
                        resumed.push(entry.clone());
                        continue;
                    }
                    let since = time("updated_at");
                    if sending && since.is_some_and(|t| t <= stale_before) && !stale_sending.contains(entry) {
                        stale_sending.push(entry.clone());
                    }
                }
                if !resumed.is_empty() {
                    // Entries not reserved yet wait for the next run: one key, one push.
                    let outcome = if self.still_active(&subscription, version).await? {
                        ReserveOutcome::Reserved(resumed)
                    } else {
                        ReserveOutcome::Refused
                    };
                    return Ok(Reservation { outcome, stale_sending, retry_key: resumed_key });
                }
                let taken: Vec<bool> =
                    reasons[..entries.len()].iter().map(|r| *r == Some("ConditionalCheckFailed")).collect();
                if taken.iter().any(|t| *t) {
                    let mut flags = taken.into_iter();
                    entries.retain(|_| !flags.next().unwrap_or(false));
                    token = uuid::Uuid::new_v4().to_string();
                    continue;
                }
                // A transaction conflict (an overlapping run on the same items): back off and retry.
                conflicts += 1;
                if conflicts > 5 {
                    return Err(
                        StoreError::Conflict(format!("TransactWriteItems kept conflicting: {reasons:?}")).into()
                    );
                }
                tokio::time::sleep(Duration::from_millis(fastrand::u64(20..=200) << conflicts)).await;
            }
        }
    }

    fn mark_sent(
        &self,
        subscription_id: &str,
        entries: &[String],
        message_id: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send {
        self.update_status(subscription_id, entries, DeliveryStatus::Sent, ("message_id", message_id))
    }

    fn mark_failed(
        &self,
        subscription_id: &str,
        entries: &[String],
        code: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send {
        self.update_status(subscription_id, entries, DeliveryStatus::Failed, ("error_code", code))
    }

    fn count(
        &self,
        update: &kizuna_reports::counters::CounterUpdate,
    ) -> impl Future<Output = Result<(), BoxError>> + Send {
        crate::adapters::dynamo::counters::add_counts(&self.client, &self.deliveries, std::slice::from_ref(update))
    }

    fn release(&self, subscription_id: &str, entries: &[String]) -> impl Future<Output = Result<(), BoxError>> + Send {
        let pk = subscription_pk(subscription_id);
        let entries = entries.to_vec();
        async move {
            for entry in entries {
                let result = self
                    .client
                    .delete_item()
                    .table_name(&self.deliveries)
                    .key(PK, s(&pk))
                    .key(SK, s(entry))
                    .condition_expression("#st = :sending")
                    .expression_attribute_names("#st", "status")
                    .expression_attribute_values(":sending", s(DeliveryStatus::Sending.as_str()))
                    .send()
                    .await;
                match result {
                    Ok(_) => {}
                    Err(error)
                        if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(error) => return Err(sdk_error(error).into()),
                }
            }
            Ok(())
        }
    }
}
