//! SES bounce and complaint notifications, delivered by SNS (`ses-events-lambda`).
//!
//! Both SES formats are read: identity notifications (`notificationType`) and configuration-set
//! event publishing (`eventType`). For each recipient, found by the keyed e-mail hash through the
//! `by_email_hash` index:
//! - a **permanent bounce** sets every live subscription of the address to `bounced`;
//! - a **complaint** sets them to `unsubscribed`;
//! - a **transient bounce** is counted (`BOUNCES#<hash>`); from the third on, the address is
//!   suppressed like a permanent bounce.
//!
//! Ending a subscription takes it out of `by_anchor` at once (the sparse index attributes are
//! removed) and increments `anchor_version`, so a run already planned sends it nothing. Other
//! notifications (deliveries, opens, …) are ignored. Logs carry counts and subscription ids only.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::adapters::dynamo::subscriptions::{SubscriptionStore, TRANSIENT_BOUNCE_LIMIT};
use crate::domain::links::EmailHasher;
use crate::domain::model::{StopReason, SubscriptionStatus, Transition};
use crate::ports::subscriptions::Change;
use crate::ports::subscriptions::Subscriptions;
use crate::BoxError;

/// What the notifications did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SesEventCounts {
    /// Subscriptions set to bounced.
    pub bounced: usize,
    /// Subscriptions unsubscribed by a complaint.
    pub unsubscribed: usize,
    /// Transient bounces counted.
    pub transient: usize,
    /// Notifications that were not bounces or complaints, or could not be read.
    pub ignored: usize,
}

impl std::ops::AddAssign for SesEventCounts {
    fn add_assign(&mut self, other: Self) {
        self.bounced += other.bounced;
        self.unsubscribed += other.unsubscribed;
        self.transient += other.transient;
        self.ignored += other.ignored;
    }
}

/// What a notification asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SesEvent {
    /// A permanent bounce of these addresses.
    PermanentBounce(Vec<String>),
    /// A transient bounce of these addresses.
    TransientBounce(Vec<String>),
    /// A complaint by these addresses.
    Complaint(Vec<String>),
    /// Anything else.
    Other,
}

fn addresses(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items.iter().filter_map(|r| r["emailAddress"].as_str()).map(|a| bare_address(a).to_owned()).collect()
        })
        .unwrap_or_default()
}

/// `Name <a@b>` → `a@b`.
fn bare_address(address: &str) -> &str {
    match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        _ => address.trim(),
    }
}

/// Reads an SES notification (the SNS message body).
pub fn parse_notification(message: &str) -> Option<SesEvent> {
    let value: Value = serde_json::from_str(message).ok()?;
    let kind = value["notificationType"].as_str().or_else(|| value["eventType"].as_str())?;
    Some(match kind {
        "Bounce" => {
            let recipients = addresses(&value["bounce"]["bouncedRecipients"]);
            match value["bounce"]["bounceType"].as_str() {
                Some("Permanent") => SesEvent::PermanentBounce(recipients),
                Some("Transient") => SesEvent::TransientBounce(recipients),
                // "Undetermined": not enough to suppress an address.
                _ => SesEvent::Other,
            }
        }
        "Complaint" => SesEvent::Complaint(addresses(&value["complaint"]["complainedRecipients"])),
        _ => SesEvent::Other,
    })
}

/// Ends every live subscription of an address; returns how many changed.
async fn end_all(
    store: &SubscriptionStore,
    email_hash: &str,
    status: SubscriptionStatus,
    reason: StopReason,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<usize, BoxError> {
    let mut changed = 0;
    for (id, current) in store.ids_by_email_hash(email_hash).await? {
        if !matches!(current, SubscriptionStatus::Pending | SubscriptionStatus::Active | SubscriptionStatus::Completed)
        {
            continue;
        }
        // Retry a few times: a concurrent change (a stop, a birth registration) moves the version.
        for _ in 0..3 {
            let Some(subscription) = store.get(&id).await? else { break };
            match store.end(&subscription, status, reason, transition, now).await? {
                Change::Applied(_) => {
                    tracing::info!(subscription = %id, status = status.as_str(), reason = reason.as_str(), "ended by an SES notification");
                    changed += 1;
                    break;
                }
                Change::Refused
                    if matches!(
                        subscription.status,
                        SubscriptionStatus::Pending | SubscriptionStatus::Active | SubscriptionStatus::Completed
                    ) =>
                {
                    continue
                }
                Change::Refused => break,
            }
        }
    }
    Ok(changed)
}

/// Applies one SES notification.
pub async fn apply_notification(
    store: &SubscriptionStore,
    hasher: &EmailHasher,
    message: &str,
    now: DateTime<Utc>,
) -> Result<SesEventCounts, BoxError> {
    let mut counts = SesEventCounts::default();
    match parse_notification(message) {
        Some(SesEvent::PermanentBounce(recipients)) => {
            for address in recipients {
                counts.bounced += end_all(
                    store,
                    &hasher.hash(&address),
                    SubscriptionStatus::Bounced,
                    StopReason::Bounce,
                    Transition::Bounced,
                    now,
                )
                .await?;
            }
        }
        Some(SesEvent::Complaint(recipients)) => {
            for address in recipients {
                counts.unsubscribed += end_all(
                    store,
                    &hasher.hash(&address),
                    SubscriptionStatus::Unsubscribed,
                    StopReason::Complaint,
                    Transition::Complained,
                    now,
                )
                .await?;
            }
        }
        Some(SesEvent::TransientBounce(recipients)) => {
            for address in recipients {
                let hash = hasher.hash(&address);
                counts.transient += 1;
                if store.count_transient_bounce(&hash, now).await? >= TRANSIENT_BOUNCE_LIMIT {
                    counts.bounced += end_all(
                        store,
                        &hash,
                        SubscriptionStatus::Bounced,
                        StopReason::TransientBounces,
                        Transition::Bounced,
                        now,
                    )
                    .await?;
                }
            }
        }
        Some(SesEvent::Other) | None => counts.ignored += 1,
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_notification_formats_are_read() {
        let bounce = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"Hana <hana@example.jp>"}]},"mail":{}}"#;
        assert_eq!(parse_notification(bounce), Some(SesEvent::PermanentBounce(vec!["hana@example.jp".into()])));
        let event =
            r#"{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@b.jp"}]},"mail":{}}"#;
        assert_eq!(parse_notification(event), Some(SesEvent::Complaint(vec!["a@b.jp".into()])));
        let undetermined =
            r#"{"notificationType":"Bounce","bounce":{"bounceType":"Undetermined","bouncedRecipients":[]}}"#;
        assert_eq!(parse_notification(undetermined), Some(SesEvent::Other));
        assert_eq!(parse_notification(r#"{"notificationType":"Delivery"}"#), Some(SesEvent::Other));
        assert_eq!(parse_notification("not json"), None);
    }
}
