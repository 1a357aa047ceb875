//! The recipient source over the sparse `by_anchor` index: one paged Query per merged anchor
//! range, counting queries (pages) and items; never a Scan.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::Client;
use chrono::NaiveDate;

use crate::adapters::dynamo::attributes::{get_s, s, sdk_error, Item};
use crate::adapters::dynamo::keys::{
    by_anchor_pk, subscription_id_from_pk, subscription_pk, BY_ANCHOR, BY_ANCHOR_PK, BY_ANCHOR_SK, PK,
};
use crate::adapters::dynamo::subscription_items::line_recipient_of;
use crate::domain::model::{Recipient, SubscriptionStatus};
use crate::ports::recipients::{RecipientPage, RecipientQuery, RecipientSource};
use crate::BoxError;

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
    let line = line_recipient_of(item)?;
    Some(Recipient {
        subscription_id: id.to_owned(),
        municipality: municipality.to_owned(),
        anchor_kind: kind.parse().ok()?,
        anchor_date: date.parse().ok()?,
        anchor_version: item.get("anchor_version")?.as_n().ok()?.parse().ok()?,
        email: match &line {
            Some(_) => String::new(),
            None => get_s(item, "email")?.to_owned(),
        },
        line,
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
            // One Query call per page the paginator reads, counted as the pages of [`Self::page`] are.
            let mut pages = request.into_paginator().send();
            let mut found = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(sdk_error)?;
                self.pages.fetch_add(1, Ordering::Relaxed);
                found.extend(recipients_of(page.items()));
            }
            Ok(found)
        }
    }
}
