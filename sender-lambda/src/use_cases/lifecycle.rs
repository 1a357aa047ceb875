//! Lifecycle jobs of one Japan date (DESIGN.md §6), run by `kizuna-sender lifecycle --date` and
//! callable from the delivery run after the day's mails ([`run_lifecycle`]):
//!
//! 1. **Birth-registration reminder**: a maternity subscription whose maternity track has ended
//!    (the day after 41w6d, i.e. due date + 14 days or later) without a birth registration gets one
//!    `birth-reminder` mail — pushed as `line/system/birth-reminder.json` to a LINE family — (recorded as `system/birth-reminder` in the deliveries table, with the
//!    subscription check, so never twice) and completes; the manage link still lets the family
//!    register the birth (which makes it active again) for 90 days.
//! 2. **Completion**: a birth subscription completes the day after the end of its last enabled track.
//! 3. **Pending expiry**: sign-ups not confirmed within 48 hours are deleted with their uniqueness item.
//! 4. **Deletion**: stopped, unsubscribed and completed subscriptions are deleted 90 days after they
//!    ended, with their uniqueness item and delivery records.
//!
//! Reads are Queries: `by_anchor` for 1–2 (one range per municipality and anchor kind) and the
//! sparse `by_expiry` index for 3–4 — never a Scan. Every change is conditional on what was read.

use chrono::{DateTime, Days, NaiveDate, Utc};
use kizuna_schedule::line::SystemLine;
use kizuna_schedule::{AnchorKind, DateRange, ScheduleDocument, SystemMail, TrackId};
use serde::Serialize;

use crate::adapters::dynamo::subscriptions::SubscriptionStore;
use crate::adapters::dynamo::DynamoRecipients;
use crate::adapters::line::channels::LineChannels;
use crate::adapters::line::push::push_system;
use crate::adapters::ses::system_mail::{compose_system_mail, send_with_retries};
use crate::adapters::site::published::system_mail;
use crate::adapters::site::LoadedSchedule;
use crate::domain::links::LinkKeys;
use crate::domain::model::{ExpiryKind, StopReason, SubscriptionStatus, Transition};
use crate::ports::channel::Mailer;
use crate::ports::recipients::{RecipientQuery, RecipientSource};
use crate::ports::subscriptions::Change;
use crate::ports::subscriptions::Subscriptions;
use crate::BoxError;

/// How far back the anchor ranges reach (a child's tracks end by 高3, about 19 years).
const LOOKBACK_DAYS: u64 = 366 * 25;

/// What one lifecycle run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LifecycleCounts {
    /// Birth-registration reminders sent.
    pub reminders: usize,
    /// Subscriptions completed (maternity without birth registration, or past their last track).
    pub completed: usize,
    /// Pending sign-ups deleted after 48 hours.
    pub expired_pending: usize,
    /// Ended subscriptions deleted after 90 days.
    pub deleted: usize,
    /// Steps that failed (logged; the next run repeats them).
    pub errors: usize,
}

/// The last anchor (birth date) whose last enabled birth track ended before `date`, if any.
pub fn last_completed_birth_anchor(schedule: &ScheduleDocument, date: NaiveDate) -> Option<NaiveDate> {
    let tracks: Vec<TrackId> =
        schedule.municipality.enabled_tracks().into_iter().filter(|t| t.anchor_kind() == AnchorKind::Birth).collect();
    let ended = |anchor: NaiveDate| -> bool {
        tracks.iter().filter_map(|t| t.window(anchor)).map(|w| w.end).max().is_none_or(|end| end < date)
    };
    let mut low = date.checked_sub_days(Days::new(LOOKBACK_DAYS))?;
    let mut high = date;
    if !ended(low) {
        return None;
    }
    if ended(high) {
        return Some(high);
    }
    // The end of the last track never decreases as the anchor grows: binary search the boundary.
    while (high - low).num_days() > 1 {
        let mid = low.checked_add_days(Days::new(u64::try_from((high - low).num_days() / 2).unwrap_or(1)))?;
        if ended(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    Some(low)
}

/// Runs the lifecycle jobs for a Japan date over the given municipalities (without LINE: a LINE
/// family's birth reminder is then left out and logged).
pub async fn run_lifecycle<M: Mailer + Sync>(
    store: &SubscriptionStore,
    schedules: &[LoadedSchedule],
    mailer: &M,
    links: &LinkKeys,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> LifecycleCounts {
    run_lifecycle_with_line(store, schedules, (mailer, None), links, date, now).await
}

/// [`run_lifecycle`] with the LINE channels: a LINE family's birth reminder is pushed.
pub async fn run_lifecycle_with_line<M: Mailer + Sync>(
    store: &SubscriptionStore,
    schedules: &[LoadedSchedule],
    channels: (&M, Option<&LineChannels>),
    links: &LinkKeys,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> LifecycleCounts {
    let mut counts = LifecycleCounts::default();
    let source = DynamoRecipients::new(store.client().clone(), store.subscriptions_table());
    for schedule in schedules {
        let municipality = &schedule.document.municipality.id;
        if let Err(error) = maternity_ended(store, schedule, &source, channels, links, date, now, &mut counts).await {
            tracing::error!(municipality = %municipality, error = %error, "birth reminders failed");
            counts.errors += 1;
        }
        if let Err(error) = children_completed(store, schedule, &source, date, now, &mut counts).await {
            tracing::error!(municipality = %municipality, error = %error, "completion failed");
            counts.errors += 1;
        }
    }
    if let Err(error) = housekeeping(store, now, &mut counts).await {
        tracing::error!(error = %error, "housekeeping failed");
        counts.errors += 1;
    }
    tracing::info!(counts = ?counts, date = %date, "lifecycle finished");
    counts
}

#[allow(clippy::too_many_arguments)]
async fn maternity_ended<M: Mailer + Sync>(
    store: &SubscriptionStore,
    schedule: &LoadedSchedule,
    source: &DynamoRecipients,
    (mailer, line): (&M, Option<&LineChannels>),
    links: &LinkKeys,
    date: NaiveDate,
    now: DateTime<Utc>,
    counts: &mut LifecycleCounts,
) -> Result<(), BoxError> {
    // 41w6d is due + 13: from due + 14 on, the maternity track has ended.
    let Some(last_due) = date.checked_sub_days(Days::new(14)) else { return Ok(()) };
    let Some(first) = last_due.checked_sub_days(Days::new(LOOKBACK_DAYS)) else { return Ok(()) };
    let Some(range) = DateRange::new(first, last_due) else { return Ok(()) };
    let query =
        RecipientQuery { municipality: schedule.document.municipality.id.clone(), kind: AnchorKind::Due, range };
    let recipients = source.recipients(&query).await?;
    if recipients.is_empty() {
        return Ok(());
    }
    // Read when a mail family needs it (a town whose families are all on LINE may publish none).
    let mut frame = None;
    for recipient in recipients {
        let Some(subscription) = store.get(&recipient.subscription_id).await? else { continue };
        if subscription.status != SubscriptionStatus::Active || subscription.anchor_kind != AnchorKind::Due {
            continue;
        }
        if let Some(recipient) = &subscription.line {
            // A LINE family gets the reminder in its chat (claimed first: never twice).
            let Some(channels) = line else {
                tracing::warn!(subscription = %subscription.id, "LINE family: no LINE channels here, birth reminder left out");
                continue;
            };
            if store.claim_system_mail(&subscription, SystemMail::BirthReminder, now).await? {
                let about = (subscription.id.as_str(), subscription.nickname.as_deref());
                let kind = SystemLine::BirthReminder;
                match push_system(channels, schedule, kind, about, recipient, links, now.timestamp()).await {
                    Ok(()) => counts.reminders += 1,
                    Err(error) => {
                        tracing::error!(subscription = %subscription.id, error = %error, "LINE birth reminder not pushed");
                        counts.errors += 1;
                    }
                }
            }
        } else {
            // Read before the claim: a claimed reminder is never sent again.
            if frame.is_none() {
                frame = Some(system_mail(schedule, SystemMail::BirthReminder).await?);
            }
            let Some(frame) = frame.as_ref() else { continue };
            if store.claim_system_mail(&subscription, SystemMail::BirthReminder, now).await? {
                let mail = compose_system_mail(
                    &schedule.document,
                    frame,
                    SystemMail::BirthReminder,
                    &subscription,
                    links,
                    now.timestamp(),
                )?;
                match send_with_retries(mailer, &mail).await {
                    Ok(_) => counts.reminders += 1,
                    Err(error) => {
                        tracing::error!(subscription = %subscription.id, error = %error, "birth reminder not sent");
                        counts.errors += 1;
                    }
                }
            }
        }
        if let Change::Applied(_) = store
            .end(&subscription, SubscriptionStatus::Completed, StopReason::MaternityEnded, Transition::Completed, now)
            .await?
        {
            counts.completed += 1;
        }
    }
    Ok(())
}

async fn children_completed(
    store: &SubscriptionStore,
    schedule: &LoadedSchedule,
    source: &DynamoRecipients,
    date: NaiveDate,
    now: DateTime<Utc>,
    counts: &mut LifecycleCounts,
) -> Result<(), BoxError> {
    let Some(last) = last_completed_birth_anchor(&schedule.document, date) else { return Ok(()) };
    let Some(first) = date.checked_sub_days(Days::new(LOOKBACK_DAYS)) else { return Ok(()) };
    let Some(range) = DateRange::new(first, last) else { return Ok(()) };
    let query =
        RecipientQuery { municipality: schedule.document.municipality.id.clone(), kind: AnchorKind::Birth, range };
    for recipient in source.recipients(&query).await? {
        let Some(subscription) = store.get(&recipient.subscription_id).await? else { continue };
        if subscription.status != SubscriptionStatus::Active || subscription.anchor_kind != AnchorKind::Birth {
            continue;
        }
        if let Change::Applied(_) = store
            .end(&subscription, SubscriptionStatus::Completed, StopReason::LastTrackEnded, Transition::Completed, now)
            .await?
        {
            counts.completed += 1;
        }
    }
    Ok(())
}

async fn housekeeping(
    store: &SubscriptionStore,
    now: DateTime<Utc>,
    counts: &mut LifecycleCounts,
) -> Result<(), BoxError> {
    for id in store.due_for_expiry(ExpiryKind::Pending, now).await? {
        let Some(subscription) = store.get(&id).await? else { continue };
        if subscription.status == SubscriptionStatus::Pending && store.delete_everything(&id).await? {
            tracing::info!(subscription = %id, "pending sign-up expired");
            counts.expired_pending += 1;
        }
    }
    for id in store.due_for_expiry(ExpiryKind::Ended, now).await? {
        let Some(subscription) = store.get(&id).await? else { continue };
        let ended = matches!(
            subscription.status,
            SubscriptionStatus::Stopped | SubscriptionStatus::Unsubscribed | SubscriptionStatus::Completed
        );
        if ended && store.delete_everything(&id).await? {
            tracing::info!(subscription = %id, "ended subscription deleted after 90 days");
            counts.deleted += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_completed_anchor_is_the_day_before_the_last_track_still_runs() {
        let json = serde_json::json!({
            "schema": "kizuna-schedule/2",
            "build": { "id": "b", "production": false },
            "municipality": {
                "id": "m", "code": "1", "name": "m", "service_name": "s", "tracks": ["maternity", "baby"], "addons": [],
                "delivery_time": "07:00",
                "email": { "from": "a@b.jp", "from_name": "n", "reply_to": "a@b.jp" },
                "archive_base_url": "https://x/", "api_base_url": "https://x/api/",
                "contact": { "name": "c", "phone": "0", "hours": "h", "url": "https://x/" }
            },
            "mail": { "shell": "mail/shell.json", "system": {} },
            "entries": []
        });
        let schedule: ScheduleDocument = serde_json::from_value(json).expect("schedule");
        let date: NaiveDate = "2026-11-26".parse().expect("date");
        // The baby track ends on the 3rd birthday: born 2023-11-25 → ended 2026-11-25 < date.
        assert_eq!(last_completed_birth_anchor(&schedule, date), "2023-11-25".parse().ok());
    }
}
