//! The one-off backfill of the report counters (docs/reports.md, "Backfill"): a municipality's
//! subscriptions stored before the counters began are counted once, as they stand — registered,
//! and active or ended — each in one transaction with the `counted` mark on its own item.
//!
//! - **Once per subscription.** The mark is set only where it is absent (`attribute_not_exists`),
//!   in the same transaction as the counts, so a second run, or a run after a crash, skips what is
//!   counted already. A municipality done is recorded (`COUNT#<municipality>` / `BACKFILL`).
//! - **Transitions meanwhile.** A transition of an unmarked subscription is not counted (the
//!   store's `counts`), and every transition is guarded on the mark as read
//!   (`counted_condition`): a transition computed before the backfill counted the subscription
//!   fails and is retried on the new state (then counted as a change); a backfill computed before a
//!   transition fails its guard on status and version, and is recomputed from the item read again.
//!
//! A paginated Scan of the subscriptions table finds the unmarked items: a one-off, never part of
//! a report.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::{SubscriptionStore, Transacted};
use crate::adapters::dynamo::attributes::{n, rfc3339, s, sdk_error};
use crate::adapters::dynamo::counters::counter_action;
use crate::adapters::dynamo::keys::{subscription_pk, PK, SK};
use crate::adapters::dynamo::subscription_items::{subscription_from_item, COUNTED};
use crate::domain::model::Subscription;
use crate::ports::subscriptions::Subscriptions;
use crate::BoxError;

/// Attempts per subscription before the backfill gives up on it (it changes under our hands).
const ATTEMPTS: usize = 5;

/// What a backfill of one municipality did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backfilled {
    /// Subscriptions counted now.
    pub counted: u64,
    /// Unmarked items that could not be read as subscriptions (left alone, reported).
    pub unreadable: u64,
    /// Whether the municipality had been backfilled before (nothing was read).
    pub already: bool,
}

impl SubscriptionStore {
    /// Counts once every subscription of `municipality` the counters do not know yet.
    pub async fn backfill_counters(&self, municipality: &str, now: DateTime<Utc>) -> Result<Backfilled, BoxError> {
        let marker = self.backfill_marker(municipality).await?;
        if marker.is_some() {
            return Ok(Backfilled { already: true, ..Backfilled::default() });
        }
        let mut done = Backfilled::default();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.subscriptions)
                .consistent_read(true)
                .filter_expression("begins_with(#pk, :sub) AND municipality = :m AND attribute_not_exists(#counted)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#counted", COUNTED)
                .expression_attribute_values(":sub", s("SUB#"))
                .expression_attribute_values(":m", s(municipality))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                match subscription_from_item(item) {
                    Some(subscription) => done.counted += u64::from(self.backfill_one(subscription, now).await?),
                    None => done.unreadable += 1,
                }
            }
            start = page.last_evaluated_key().filter(|key| !key.is_empty()).cloned();
            if start.is_none() {
                break;
            }
        }
        self.client
            .put_item()
            .table_name(&self.deliveries)
            .item(PK, s(kizuna_reports::counters::counter_pk(municipality)))
            .item(SK, s(BACKFILL_SK))
            .item("backfilled_at", s(rfc3339(now)))
            .item("subscriptions", n(done.counted))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(done)
    }

    /// When the municipality was backfilled, if it was.
    pub async fn backfill_marker(&self, municipality: &str) -> Result<Option<String>, BoxError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.deliveries)
            .key(PK, s(kizuna_reports::counters::counter_pk(municipality)))
            .key(SK, s(BACKFILL_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(item.item().and_then(|i| i.get("backfilled_at")).and_then(|v| v.as_s().ok()).cloned())
    }

    /// Counts one subscription with its mark; `false` when it was counted meanwhile (by a
    /// concurrent run) or deleted.
    async fn backfill_one(&self, mut current: Subscription, now: DateTime<Utc>) -> Result<bool, BoxError> {
        let date = kizuna_schedule::japan_date(now);
        for _ in 0..ATTEMPTS {
            let mark = Update::builder()
                .table_name(&self.subscriptions)
                .key(PK, s(subscription_pk(&current.id)))
                .condition_expression("#st = :was AND anchor_version = :v AND attribute_not_exists(#counted)")
                .update_expression("SET #counted = :now")
                .expression_attribute_names("#st", "status")
                .expression_attribute_names("#counted", COUNTED)
                .expression_attribute_values(":was", s(current.status.as_str()))
                .expression_attribute_values(":v", n(current.anchor_version))
                .expression_attribute_values(":now", s(rfc3339(now)))
                .build()?;
            let counts = crate::domain::counters::backfill(&current, date)
                .iter()
                .map(|update| counter_action(&self.deliveries, update))
                .collect::<Result<Vec<_>, _>>()?;
            let mut items = vec![TransactWriteItem::builder().update(mark).build()];
            items.extend(counts);
            if let Transacted::Committed = self.transact(items).await? {
                return Ok(true);
            }
            // It changed, was counted or deleted since it was read: read it again.
            match self.get(&current.id).await? {
                Some(again) if !again.counted => current = again,
                _ => return Ok(false),
            }
        }
        Err(format!("subscription changed {ATTEMPTS} times during the backfill; run it again").into())
    }
}

/// The sort key of a municipality's backfill record, beside its counters.
pub const BACKFILL_SK: &str = "BACKFILL";
