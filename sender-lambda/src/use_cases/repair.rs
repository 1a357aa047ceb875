//! `subscribers repair-uniqueness`: repairs subscriptions tables written before every new
//! subscription named its uniqueness item.
//!
//! Until the fix, `subscribers import` stored subscriptions without `uniqueness_pk`, so ending or
//! deleting one left its `UNIQ#…` item behind: the family could never sign up the same child
//! again, and the keyed hash of the address outlived "delete my data". One Scan finds every
//! `UNIQ#` item and every subscription without `uniqueness_pk`; then, one conditional write each:
//! - a live subscription (pending, active, completed) gets `uniqueness_pk` of the item naming it;
//! - a `UNIQ#` item whose subscription has ended or no longer exists is deleted, as ending or
//!   deleting it would have done.
//!
//! Every write is conditioned on what the Scan saw, so a subscription changed meanwhile is left
//! for the next run (counted as `changed`); running the repair again is always safe.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};
use aws_sdk_dynamodb::Client;

use crate::adapters::dynamo::attributes::{cancelled_transaction, get_s, s, sdk_error};
use crate::adapters::dynamo::keys::{subscription_id_from_pk, PK, UNIQUENESS_KEY};
use crate::domain::model::SubscriptionStatus;
use crate::BoxError;

/// What a repair did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RepairCounts {
    /// Items read.
    pub scanned: usize,
    /// Live subscriptions that got their `uniqueness_pk`.
    pub linked: usize,
    /// `UNIQ#` items of ended or deleted subscriptions removed.
    pub removed: usize,
    /// Writes refused because the subscription changed after the Scan (run again).
    pub changed: usize,
}

/// A repair that stopped: how far it got, and why.
#[derive(Debug, thiserror::Error)]
#[error(
    "the repair stopped after {} of {planned} changes ({} linked, {} removed); running it again is safe: \
     what is repaired is not touched again",
    counts.linked + counts.removed + counts.changed,
    counts.linked,
    counts.removed
)]
pub struct RepairStopped {
    /// What was done before the failure.
    pub counts: RepairCounts,
    /// Changes the Scan called for.
    pub planned: usize,
    /// What failed.
    #[source]
    pub cause: BoxError,
}

/// One change the Scan calls for.
enum Fix {
    /// `SET uniqueness_pk` on a live subscription (its pk, its status as read, the UNIQ# key).
    Link { subscription: String, status: String, unique: String },
    /// Delete a `UNIQ#` item whose subscription ended (`Some(status)`) or is gone (`None`).
    Remove { unique: String, subscription: String, status: Option<String> },
}

/// Repairs `table` (the subscriptions table).
pub async fn repair_uniqueness(client: &Client, table: &str) -> Result<RepairCounts, RepairStopped> {
    let mut counts = RepairCounts::default();
    let stopped = |counts: RepairCounts, planned: usize, cause: BoxError| RepairStopped { counts, planned, cause };
    let (unique_items, subscriptions) =
        scan(client, table, &mut counts).await.map_err(|cause| stopped(counts, 0, cause))?;
    let fixes = plan(unique_items, &subscriptions);
    let planned = fixes.len();
    for fix in fixes {
        match apply(client, table, &fix).await {
            Ok(true) if matches!(fix, Fix::Link { .. }) => counts.linked += 1,
            Ok(true) => counts.removed += 1,
            Ok(false) => counts.changed += 1,
            Err(cause) => return Err(stopped(counts, planned, cause)),
        }
    }
    Ok(counts)
}

/// Subscription pk → (status, whether it has `uniqueness_pk`).
type Subscriptions = HashMap<String, (String, bool)>;

/// Every `UNIQ#` item (its key → the subscription it names) and every subscription.
async fn scan(
    client: &Client,
    table: &str,
    counts: &mut RepairCounts,
) -> Result<(Vec<(String, String)>, Subscriptions), BoxError> {
    let mut unique_items = Vec::new();
    let mut subscriptions = HashMap::new();
    let mut items = client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .projection_expression("#pk, #sub, #st, #uq")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#sub", "subscription")
        .expression_attribute_names("#st", "status")
        .expression_attribute_names("#uq", UNIQUENESS_KEY)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = items.next().await {
        let item = item.map_err(sdk_error)?;
        counts.scanned += 1;
        let Some(pk) = get_s(&item, PK) else { continue };
        if pk.starts_with("UNIQ#") {
            if let Some(subscription) = get_s(&item, "subscription") {
                unique_items.push((pk.to_owned(), subscription.to_owned()));
            }
        } else if subscription_id_from_pk(pk).is_some() {
            let status = get_s(&item, "status").unwrap_or_default().to_owned();
            subscriptions.insert(pk.to_owned(), (status, item.contains_key(UNIQUENESS_KEY)));
        }
    }
    Ok((unique_items, subscriptions))
}

fn plan(unique_items: Vec<(String, String)>, subscriptions: &Subscriptions) -> Vec<Fix> {
    let live = |status: &str| {
        matches!(
            SubscriptionStatus::parse(status),
            Some(SubscriptionStatus::Pending | SubscriptionStatus::Active | SubscriptionStatus::Completed)
        )
    };
    unique_items
        .into_iter()
        .filter_map(|(unique, subscription)| match subscriptions.get(&subscription) {
            Some((_, true)) => None,
            Some((status, false)) if live(status) => Some(Fix::Link { subscription, status: status.clone(), unique }),
            Some((status, false)) => Some(Fix::Remove { unique, subscription, status: Some(status.clone()) }),
            None => Some(Fix::Remove { unique, subscription, status: None }),
        })
        .collect()
}

/// Applies one fix; `false` when its condition no longer holds.
async fn apply(client: &Client, table: &str, fix: &Fix) -> Result<bool, BoxError> {
    let transaction = match fix {
        Fix::Link { subscription, status, unique } => {
            let update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(table)
                .key(PK, s(subscription))
                .update_expression("SET #uq = :uq")
                .condition_expression("#st = :st AND attribute_not_exists(#uq)")
                .expression_attribute_names("#uq", UNIQUENESS_KEY)
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":uq", s(unique))
                .expression_attribute_values(":st", s(status))
                .build()?;
            client.transact_write_items().transact_items(TransactWriteItem::builder().update(update).build())
        }
        Fix::Remove { unique, subscription, status } => {
            let check = ConditionCheck::builder().table_name(table).key(PK, s(subscription));
            let check = match status {
                Some(status) => check
                    .condition_expression("#st = :st")
                    .expression_attribute_names("#st", "status")
                    .expression_attribute_values(":st", s(status)),
                None => check.condition_expression("attribute_not_exists(#pk)").expression_attribute_names("#pk", PK),
            };
            let delete = Delete::builder()
                .table_name(table)
                .key(PK, s(unique))
                .condition_expression("#sub = :sub")
                .expression_attribute_names("#sub", "subscription")
                .expression_attribute_values(":sub", s(subscription))
                .build()?;
            client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().condition_check(check.build()?).build())
                .transact_items(TransactWriteItem::builder().delete(delete).build())
        }
    };
    match transaction.send().await {
        Ok(_) => Ok(true),
        Err(error) => cancelled_transaction(error).map(|_| false),
    }
}
