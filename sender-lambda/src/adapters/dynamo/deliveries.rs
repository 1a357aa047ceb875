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
use crate::ports::deliveries::{DeliveryStore, Reservation, ReserveOutcome, ReserveRequest};
use crate::BoxError;

/// The delivery records in DynamoDB, with the subscription check of each reservation.
#[derive(Clone, Debug)]
pub struct DynamoDeliveries {
    client: Client,
    subscriptions: String,
    deliveries: String,
    stale_after: chrono::Duration,
}

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
        item
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
        let mut entries = request.entries.clone();
        let records: HashMap<String, Item> = entries.iter().map(|e| (e.clone(), self.record(request, e))).collect();
        let subscription = subscription_pk(&request.recipient.subscription_id);
        let version = request.recipient.anchor_version;
        let stale_before = Utc::now() - self.stale_after;
        async move {
            let mut conflicts = 0;
            let mut failures = 0;
            // The same token makes a retry of the same transaction idempotent (a retry after a lost
            // answer succeeds instead of finding its own records); a new content needs a new token.
            let mut token = uuid::Uuid::new_v4().to_string();
            let mut stale_sending = Vec::new();
            loop {
                if entries.is_empty() {
                    return Ok(Reservation { outcome: ReserveOutcome::AlreadySent, stale_sending });
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
                    Ok(_) => return Ok(Reservation { outcome: ReserveOutcome::Reserved(entries), stale_sending }),
                    Err(error) => error,
                };
                let cancelled = match cancelled_transaction(error) {
                    Ok(cancelled) => cancelled,
                    Err(cause) => {
                        failures += 1;
                        if failures > 3 {
                            return Err(format!("TransactWriteItems failed: {cause}").into());
                        }
                        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..=200) << failures)).await;
                        continue;
                    }
                };
                let reasons: Vec<Option<&str>> = cancelled.cancellation_reasons().iter().map(|r| r.code()).collect();
                if reasons.len() != entries.len() + 1 {
                    return Err(format!("TransactWriteItems cancelled without usable reasons: {reasons:?}").into());
                }
                if reasons[entries.len()] == Some("ConditionalCheckFailed") {
                    return Ok(Reservation { outcome: ReserveOutcome::Refused, stale_sending });
                }
                for (entry, reason) in entries.iter().zip(cancelled.cancellation_reasons()) {
                    let Some(old) = reason.item() else { continue };
                    let sending = get_s(old, "status") == Some(DeliveryStatus::Sending.as_str());
                    let since = get_s(old, "updated_at").and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                    if sending && since.is_some_and(|t| t <= stale_before) && !stale_sending.contains(entry) {
                        stale_sending.push(entry.clone());
                    }
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
                    return Err(format!("TransactWriteItems kept conflicting: {reasons:?}").into());
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
                    Err(error) => return Err(sdk_error(error)),
                }
            }
            Ok(())
        }
    }
}
