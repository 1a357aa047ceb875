//! The DynamoDB adapters: table creation from [`crate::tables`], the `by_anchor` recipient source,
//! the delivery store, and the subscription writes the CLI needs (import, stop, anchor change).
//!
//! Reads of recipients are Queries on the sparse `by_anchor` index, one per merged anchor range,
//! paged; nothing here ever Scans.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, ConditionCheck, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, Put, ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use chrono::{NaiveDate, Utc};
use kizuna_schedule::AnchorKind;

use crate::attributes::{cancelled_transaction, get_s, n, now_rfc3339, s, sdk_error, Item};
use crate::deliver::{DeliveryStore, Reservation, ReserveOutcome, ReserveRequest};
use crate::model::{
    by_anchor_pk, by_anchor_sk, subscription_id_from_pk, subscription_pk, uniqueness_pk, DeliveryStatus, Recipient,
    SubscriptionStatus, BY_ANCHOR, BY_ANCHOR_PK, BY_ANCHOR_SK, DELIVERY_TTL_DAYS, EMAIL_HASH, EXPIRES_AT, PK, SK,
    UNIQUENESS_KEY,
};
use crate::plan::{RecipientPage, RecipientQuery, RecipientSource};
use crate::tables::TableSpec;
use crate::BoxError;

/// Creates a table from its spec (and its TTL); `Ok(false)` when it already exists.
pub async fn create_table(client: &Client, spec: &TableSpec) -> Result<bool, BoxError> {
    let mut request =
        client.create_table().table_name(&spec.table_name).billing_mode(BillingMode::from(spec.billing_mode.as_str()));
    for attribute in &spec.attribute_definitions {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attribute.attribute_name)
                .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                .build()?,
        );
    }
    let key_schema = |elements: &[crate::tables::KeyElement]| -> Result<Vec<KeySchemaElement>, BoxError> {
        elements
            .iter()
            .map(|k| {
                Ok(KeySchemaElement::builder()
                    .attribute_name(&k.attribute_name)
                    .key_type(KeyType::from(k.key_type.as_str()))
                    .build()?)
            })
            .collect()
    };
    request = request.set_key_schema(Some(key_schema(&spec.key_schema)?));
    for index in &spec.global_secondary_indexes {
        let projection = Projection::builder()
            .projection_type(ProjectionType::from(index.projection.projection_type.as_str()))
            .set_non_key_attributes(
                (!index.projection.non_key_attributes.is_empty()).then(|| index.projection.non_key_attributes.clone()),
            )
            .build();
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection)
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(error) if error.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(false),
        Err(error) => return Err(sdk_error(error)),
    }
    // Wait until the table is usable (immediate on the emulator, seconds on AWS).
    for _ in 0..120 {
        let described = client.describe_table().table_name(&spec.table_name).send().await.map_err(sdk_error)?;
        let active = described.table().and_then(|t| t.table_status()).is_some_and(|status| status.as_str() == "ACTIVE");
        if active {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if let Some(ttl) = &spec.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(&spec.table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(&ttl.attribute_name).enabled(ttl.enabled).build()?,
            )
            .send()
            .await
            .map_err(sdk_error)?;
    }
    Ok(true)
}

/// Reads recipients by Query on `by_anchor`, counting queries (pages) and items.
#[derive(Clone, Debug)]
pub struct DynamoRecipients {
    client: Client,
    table: String,
    pages: Arc<AtomicUsize>,
}

impl DynamoRecipients {
    /// A source over the subscriptions table.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoRecipients { client, table: table.into(), pages: Arc::default() }
    }

    /// Query calls made so far (one per page).
    pub fn query_calls(&self) -> usize {
        self.pages.load(Ordering::Relaxed)
    }

    /// The Query on `by_anchor` for one (municipality, anchor kind) partition and date range: the
    /// only way recipients are read (never a Scan).
    fn by_anchor_query(&self, query: &RecipientQuery) -> QueryFluentBuilder {
        let (low, high) = sort_key_bounds(query);
        self.client
            .query()
            .table_name(&self.table)
            .index_name(BY_ANCHOR)
            .key_condition_expression("#p = :p AND #s BETWEEN :low AND :high")
            .expression_attribute_names("#p", BY_ANCHOR_PK)
            .expression_attribute_names("#s", BY_ANCHOR_SK)
            .expression_attribute_values(":p", s(by_anchor_pk(&query.municipality, query.kind)))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
    }
}

/// The recipients of a page of `by_anchor` items (a malformed item is skipped with a warning).
fn recipients_of(items: &[Item]) -> Vec<Recipient> {
    items
        .iter()
        .filter_map(|item| {
            let recipient = recipient_from(item);
            if recipient.is_none() {
                tracing::warn!("skipping a malformed by_anchor item");
            }
            recipient
        })
        .collect()
}

/// The bounds of `by_anchor_sk` for a date range: `<start>#` … `<end>#~` (`~` sorts after uuids).
fn sort_key_bounds(query: &RecipientQuery) -> (String, String) {
    let clamp = |date: NaiveDate| date.clamp(NaiveDate::MIN.max(ymd(1000, 1, 1)), ymd(9999, 12, 31));
    (
        format!("{}#", clamp(query.range.start).format("%Y-%m-%d")),
        format!("{}#~", clamp(query.range.end).format("%Y-%m-%d")),
    )
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn recipient_from(item: &Item) -> Option<Recipient> {
    let id = subscription_id_from_pk(get_s(item, PK)?)?;
    let (municipality, kind) = get_s(item, BY_ANCHOR_PK)?.rsplit_once('#')?;
    let (date, _) = get_s(item, BY_ANCHOR_SK)?.split_once('#')?;
    Some(Recipient {
        subscription_id: id.to_owned(),
        municipality: municipality.to_owned(),
        anchor_kind: kind.parse().ok()?,
        anchor_date: date.parse().ok()?,
        anchor_version: item.get("anchor_version")?.as_n().ok()?.parse().ok()?,
        email: get_s(item, "email")?.to_owned(),
        nickname: get_s(item, "nickname").map(str::to_owned),
        status: SubscriptionStatus::parse(get_s(item, "status")?)?,
    })
}

impl RecipientSource for DynamoRecipients {
    fn page(
        &self,
        query: &RecipientQuery,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<RecipientPage, BoxError>> + Send {
        let partition = by_anchor_pk(&query.municipality, query.kind);
        let request = self.by_anchor_query(query);
        let start: Option<Item> = after.and_then(|cursor| {
            let (_, id) = cursor.split_once('#')?;
            Some(Item::from([
                (PK.to_owned(), s(subscription_pk(id))),
                (BY_ANCHOR_PK.to_owned(), s(&partition)),
                (BY_ANCHOR_SK.to_owned(), s(cursor)),
            ]))
        });
        let limit = i32::try_from(limit.clamp(1, 10_000)).unwrap_or(1_000);
        async move {
            let page = request.limit(limit).set_exclusive_start_key(start).send().await.map_err(sdk_error)?;
            self.pages.fetch_add(1, Ordering::Relaxed);
            let recipients = recipients_of(page.items());
            let next = page.last_evaluated_key().and_then(|key| get_s(key, BY_ANCHOR_SK)).map(str::to_owned);
            Ok(RecipientPage { recipients, next, calls: 1 })
        }
    }

    fn recipients(&self, query: &RecipientQuery) -> impl Future<Output = Result<Vec<Recipient>, BoxError>> + Send {
        let request = self.by_anchor_query(query);
        async move {
            let mut found = Vec::new();
            let mut start: Option<Item> = None;
            loop {
                let page = request.clone().set_exclusive_start_key(start.take()).send().await.map_err(sdk_error)?;
                self.pages.fetch_add(1, Ordering::Relaxed);
                found.extend(recipients_of(page.items()));
                match page.last_evaluated_key() {
                    Some(key) if !key.is_empty() => start = Some(key.clone()),
                    _ => break,
                }
            }
            Ok(found)
        }
    }
}

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

/// A subscription to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    /// The uuid.
    pub id: String,
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
    /// The status (the `by_anchor` keys are written only when active).
    pub status: SubscriptionStatus,
    /// How to address the family.
    pub nickname: Option<String>,
    /// The consent text version (`import` for imported rows).
    pub consent_version: String,
}

/// Whether a subscription was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored with its uniqueness item.
    Created,
    /// The same address already subscribed the same anchor in the same municipality.
    Duplicate,
}

/// The two items a new subscription is stored as: the subscription itself and its uniqueness item
/// (one address, one anchor, one municipality), both stamped `now`. This is the one builder of
/// new subscription items (sign-up and import alike): the subscription names its uniqueness item
/// in `uniqueness_pk`, which is how ending or deleting it finds that item to remove.
pub fn subscription_items(sub: &NewSubscription, now: &str) -> (Item, Item) {
    let pk = subscription_pk(&sub.id);
    let mut item = Item::new();
    item.insert(PK.into(), s(&pk));
    item.insert("municipality".into(), s(&sub.municipality));
    item.insert("email".into(), s(&sub.email));
    item.insert(EMAIL_HASH.into(), s(&sub.email_hash));
    item.insert("anchor_kind".into(), s(sub.anchor_kind.as_str()));
    item.insert("anchor_date".into(), s(sub.anchor_date.format("%Y-%m-%d").to_string()));
    item.insert("anchor_version".into(), n(1));
    item.insert("status".into(), s(sub.status.as_str()));
    item.insert("consent_version".into(), s(&sub.consent_version));
    item.insert("created_at".into(), s(now));
    item.insert("updated_at".into(), s(now));
    if let Some(nickname) = &sub.nickname {
        item.insert("nickname".into(), s(nickname));
    }
    if sub.status == SubscriptionStatus::Active {
        item.insert(BY_ANCHOR_PK.into(), s(by_anchor_pk(&sub.municipality, sub.anchor_kind)));
        item.insert(BY_ANCHOR_SK.into(), s(by_anchor_sk(sub.anchor_date, &sub.id)));
    }
    let unique = uniqueness_pk(&sub.email_hash, &sub.municipality, sub.anchor_kind, sub.anchor_date);
    item.insert(UNIQUENESS_KEY.into(), s(&unique));
    let mut unique_item = Item::new();
    unique_item.insert(PK.into(), s(unique));
    unique_item.insert("subscription".into(), s(&pk));
    unique_item.insert("created_at".into(), s(now));
    (item, unique_item)
}

/// Stores a subscription and its uniqueness item in one transaction (refusing duplicates).
pub async fn put_subscription(client: &Client, table: &str, sub: &NewSubscription) -> Result<PutOutcome, BoxError> {
    let (item, unique_item) = subscription_items(sub, &now_rfc3339());
    put_new_items(client, table, item, unique_item).await
}

/// Puts a new subscription item and its uniqueness item in one transaction, each only if its key
/// is new; [`PutOutcome::Duplicate`] when the uniqueness item exists already.
pub async fn put_new_items(
    client: &Client,
    table: &str,
    item: Item,
    unique_item: Item,
) -> Result<PutOutcome, BoxError> {
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
    let result =
        client.transact_write_items().transact_items(put(unique_item)?).transact_items(put(item)?).send().await;
    match result {
        Ok(_) => Ok(PutOutcome::Created),
        Err(error) => {
            let cancelled = cancelled_transaction(error)?;
            match cancelled.cancellation_reasons().first().and_then(|r| r.code()) {
                Some("ConditionalCheckFailed") => Ok(PutOutcome::Duplicate),
                other => Err(format!("TransactWriteItems cancelled: {other:?}").into()),
            }
        }
    }
}

/// Sets a subscription's status; leaving `active` removes it from `by_anchor`.
pub async fn set_status(client: &Client, table: &str, id: &str, status: SubscriptionStatus) -> Result<(), BoxError> {
    let mut update = client
        .update_item()
        .table_name(table)
        .key(PK, s(subscription_pk(id)))
        .condition_expression("attribute_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":st", s(status.as_str()))
        .expression_attribute_values(":t", s(now_rfc3339()));
    update = if status == SubscriptionStatus::Active {
        let item = &subscription_item(client, table, id).await?;
        let municipality = get_s(item, "municipality").ok_or("subscription without municipality")?;
        let kind: AnchorKind = get_s(item, "anchor_kind").ok_or("subscription without anchor kind")?.parse()?;
        let date: NaiveDate = get_s(item, "anchor_date").ok_or("subscription without anchor date")?.parse()?;
        update
            .update_expression("SET #st = :st, updated_at = :t, #bp = :bp, #bs = :bs")
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_values(":bp", s(by_anchor_pk(municipality, kind)))
            .expression_attribute_values(":bs", s(by_anchor_sk(date, id)))
    } else {
        update
            .update_expression("SET #st = :st, updated_at = :t REMOVE #bp, #bs")
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
    };
    update.send().await.map_err(sdk_error)?;
    Ok(())
}

/// A subscription's item, read consistently (a change must start from what is stored now).
async fn subscription_item(client: &Client, table: &str, id: &str) -> Result<Item, BoxError> {
    let output = client
        .get_item()
        .table_name(table)
        .key(PK, s(subscription_pk(id)))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(output.item.ok_or("no such subscription")?)
}

/// Changes the anchor date of a subscription (a new due date), incrementing `anchor_version` and
/// moving it in `by_anchor` if active. Delivery records are kept, so no entry is ever repeated.
pub async fn change_anchor_date(client: &Client, table: &str, id: &str, date: NaiveDate) -> Result<(), BoxError> {
    let item = &subscription_item(client, table, id).await?;
    let active = get_s(item, "status") == Some(SubscriptionStatus::Active.as_str());
    let mut update = client
        .update_item()
        .table_name(table)
        .key(PK, s(subscription_pk(id)))
        .condition_expression("attribute_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_values(":d", s(date.format("%Y-%m-%d").to_string()))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":t", s(now_rfc3339()));
    update = if active {
        update
            .update_expression("SET anchor_date = :d, updated_at = :t, #bs = :bs ADD anchor_version :one")
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_values(":bs", s(by_anchor_sk(date, id)))
    } else {
        update.update_expression("SET anchor_date = :d, updated_at = :t ADD anchor_version :one")
    };
    update.send().await.map_err(sdk_error)?;
    Ok(())
}
