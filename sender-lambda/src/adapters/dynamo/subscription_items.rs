//! The subscription items as written: the item builder (subscription + uniqueness item) used by
//! sign-up and import, and the conditional put of both.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

use crate::adapters::dynamo::attributes::{cancelled_transaction, get_s, n, now_rfc3339, s, sdk_error, Item};
use crate::adapters::dynamo::keys::{
    by_anchor_pk, by_anchor_sk, subscription_pk, uniqueness_pk, BY_ANCHOR_PK, BY_ANCHOR_SK, EMAIL_HASH, PK,
    UNIQUENESS_KEY,
};
use crate::domain::model::SubscriptionStatus;
use crate::BoxError;

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
