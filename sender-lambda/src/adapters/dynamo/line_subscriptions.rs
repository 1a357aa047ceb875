//! The LINE webhook's subscriptions port on DynamoDB: `unfollow` blocks an active subscription (out
//! of `by_anchor` at once, so no run reads it), a `follow` with `isUnblocked` resumes only a blocked
//! one (back into `by_anchor` under its current anchor). Both are guarded updates on the status and
//! `anchor_version` read just before, like every other transition of the store. The registration
//! endpoint stores an active LINE subscription here ([`SubscriptionStore::put_new_line`]).

use chrono::Utc;

use crate::adapters::dynamo::attributes::{rfc3339, s};
use crate::adapters::dynamo::keys::{by_anchor_pk, by_anchor_sk, BY_ANCHOR_PK, BY_ANCHOR_SK};
use crate::adapters::dynamo::subscription_items::{line_subscription_items, NewSubscription};
use crate::adapters::dynamo::subscriptions::{PutOutcome, SubscriptionStore};
use crate::domain::model::{LineRecipient, Subscription, SubscriptionStatus, Transition};
use crate::ports::subscriptions::Subscriptions;
use crate::use_cases::line_webhook::LineSubscriptions;
use crate::BoxError;

impl SubscriptionStore {
    /// Stores a new LINE subscription and its uniqueness item in one transaction, refusing a second
    /// one for the same LINE user, municipality and anchor (also the port's
    /// [`Subscriptions::put_new_line`]).
    pub async fn put_new_line(&self, sub: &NewSubscription, line: &LineRecipient) -> Result<PutOutcome, BoxError> {
        let now = Utc::now();
        let (item, unique_item) = line_subscription_items(sub, line, &rfc3339(now));
        // Registered in the chat and active at once: counted as registered and confirmed, on LINE.
        let stored = Subscription { line: Some(line.clone()), ..sub.as_stored() };
        let counts = self.counts(Transition::Confirmed, None, Some(&stored), now)?;
        self.put_items(item, unique_item, counts).await
    }
}

impl LineSubscriptions for SubscriptionStore {
    async fn block(&self, subscription_id: &str) -> Result<(), BoxError> {
        let Some(current) = self.get(subscription_id).await? else { return Ok(()) };
        if current.status != SubscriptionStatus::Active {
            return Ok(());
        }
        let update = self
            .guarded(&current)
            .update_expression("SET #st = :blocked, updated_at = :t REMOVE #bp, #bs")
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_values(":blocked", s(SubscriptionStatus::Blocked.as_str()))
            .expression_attribute_values(":t", s(rfc3339(Utc::now())))
            .build()?;
        let now = Utc::now();
        let blocked = Subscription { status: SubscriptionStatus::Blocked, ..current.clone() };
        let counts = self.counts(Transition::Blocked, Some(&current), Some(&blocked), now)?;
        // A refused update means it changed meanwhile (stopped, re-dated): nothing to block then.
        self.update(update, counts).await?;
        Ok(())
    }

    async fn resume_if_blocked(&self, subscription_id: &str) -> Result<bool, BoxError> {
        let Some(current) = self.get(subscription_id).await? else { return Ok(false) };
        if current.status != SubscriptionStatus::Blocked {
            return Ok(false);
        }
        let update = self
            .guarded(&current)
            .update_expression("SET #st = :active, updated_at = :t, #bp = :bp, #bs = :bs")
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
            .expression_attribute_values(":t", s(rfc3339(Utc::now())))
            .expression_attribute_values(":bp", s(by_anchor_pk(&current.municipality, current.anchor_kind)))
            .expression_attribute_values(":bs", s(by_anchor_sk(current.anchor_date, &current.id)))
            .build()?;
        let active = Subscription { status: SubscriptionStatus::Active, ..current.clone() };
        let counts = self.counts(Transition::Unblocked, Some(&current), Some(&active), Utc::now())?;
        self.update(update, counts).await
    }

    async fn is_receiving(&self, subscription_id: &str) -> Result<bool, BoxError> {
        let status = self.get(subscription_id).await?.map(|current| current.status);
        Ok(matches!(status, Some(SubscriptionStatus::Active | SubscriptionStatus::Blocked)))
    }
}
