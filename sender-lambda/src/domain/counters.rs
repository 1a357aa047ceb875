//! What a subscription's transition counts for the municipality reports (issue 19): the sender's
//! [`Transition`] and the subscription before and after it, as the counter model's
//! [`Change`](kizuna_reports::counters::Change). The counter items and attributes themselves are
//! defined once, in `kizuna_reports::counters`; the store writes them in the transition's own
//! transaction (`adapters/dynamo/counters.rs`).

use chrono::NaiveDate;
use kizuna_reports::counters::{self, CounterUpdate, Event, Standing};
use kizuna_schedule::{tracks_on, TrackId};

use crate::domain::model::{StopReason, Subscription, SubscriptionStatus, Transition, UnsubscribeVia};

/// The counter event of a transition.
pub fn event(transition: Transition) -> Event {
    match transition {
        Transition::Registered => Event::SignedUp,
        Transition::Confirmed => Event::Activated,
        Transition::BirthRegistered => Event::BirthRegistered,
        Transition::AnchorChanged => Event::AnchorChanged,
        Transition::Stopped(reason) => stop_event(reason),
        Transition::Unsubscribed(via) => Event::Unsubscribed(match via {
            UnsubscribeVia::Link => counters::UnsubscribeVia::Link,
            UnsubscribeVia::OneClick => counters::UnsubscribeVia::OneClick,
            UnsubscribeVia::Api => counters::UnsubscribeVia::Api,
        }),
        Transition::Bounced => Event::Bounced,
        Transition::Complained => Event::Complained,
        Transition::Completed => Event::Completed,
        Transition::Deleted => Event::Deleted,
        Transition::Blocked => Event::Blocked,
        Transition::Unblocked => Event::Unblocked,
    }
}

/// A stop by its stored reason: the family's reasons are 停止 with that reason; the system's are
/// a bounce, a complaint or a completion.
fn stop_event(reason: StopReason) -> Event {
    match reason {
        StopReason::Family(reason) => Event::Stopped(reason),
        StopReason::Unsubscribe => Event::Unsubscribed(counters::UnsubscribeVia::Link),
        StopReason::Bounce | StopReason::TransientBounces => Event::Bounced,
        StopReason::Complaint => Event::Complained,
        StopReason::MaternityEnded | StopReason::LastTrackEnded => Event::Completed,
    }
}

/// The child's (or pregnancy's) stage on `date`: the first main track whose window holds it, whether
/// or not the municipality enabled that track (the store does not read the schedule).
fn stage(subscription: &Subscription, date: NaiveDate) -> Option<TrackId> {
    let main: Vec<TrackId> = TrackId::ALL.into_iter().filter(|t| !t.is_addon()).collect();
    tracks_on(subscription.anchor_kind, subscription.anchor_date, date, &main).first().copied()
}

/// The counter update of one delivery to `recipient` on `date` (its stage that day is the track).
pub fn delivery(
    recipient: &crate::domain::model::Recipient,
    date: NaiveDate,
    outcome: counters::DeliveryOutcome,
) -> CounterUpdate {
    let main: Vec<TrackId> = TrackId::ALL.into_iter().filter(|t| !t.is_addon()).collect();
    let track = tracks_on(recipient.anchor_kind, recipient.anchor_date, date, &main).first().copied();
    let on = if recipient.line.is_some() { counters::Channel::Line } else { counters::Channel::Mail };
    counters::delivery_update(&recipient.municipality, date, on, track, outcome, 1)
}

fn standing(subscription: &Subscription, date: NaiveDate) -> Standing {
    Standing {
        channel: subscription.channel(),
        kind: subscription.anchor_kind,
        anchor: subscription.anchor_date,
        track: stage(subscription, date),
        active: subscription.status == SubscriptionStatus::Active,
    }
}

/// The counter updates of one transition on the Japan date `date`.
pub fn updates(
    transition: Transition,
    before: Option<&Subscription>,
    after: Option<&Subscription>,
    date: NaiveDate,
) -> Vec<CounterUpdate> {
    let Some(municipality) = after.or(before).map(|s| s.municipality.as_str()) else {
        return Vec::new();
    };
    counters::updates_for(&counters::Change {
        municipality,
        date,
        event: event(transition),
        before: before.map(|s| standing(s, date)),
        after: after.map(|s| standing(s, date)),
    })
}

/// The counts of a subscription older than the counters, as the one-off backfill adds them on the
/// Japan date `date`: registered (unless still pending), and active now, or ended as its status
/// says — the same updates as a confirmation followed by its ending, merged per counter item.
pub fn backfill(subscription: &Subscription, date: NaiveDate) -> Vec<CounterUpdate> {
    let ending = match (subscription.status, subscription.stop_reason) {
        (SubscriptionStatus::Pending, _) => return Vec::new(),
        (SubscriptionStatus::Active, _) => None,
        (SubscriptionStatus::Blocked, _) => Some(Event::Blocked),
        (SubscriptionStatus::Completed, _) => Some(Event::Completed),
        (SubscriptionStatus::Unsubscribed, _) => Some(Event::Unsubscribed(counters::UnsubscribeVia::Link)),
        (SubscriptionStatus::Bounced, Some(StopReason::Complaint)) => Some(Event::Complained),
        (SubscriptionStatus::Bounced, _) => Some(Event::Bounced),
        (SubscriptionStatus::Stopped, Some(reason)) => Some(stop_event(reason)),
        (SubscriptionStatus::Stopped, None) => Some(Event::Stopped(kizuna_schedule::forms::StopReason::Other)),
    };
    let receiving = Standing { active: true, ..standing(subscription, date) };
    let waiting = Standing { active: false, ..receiving };
    let change = |event, before, after| counters::Change {
        municipality: &subscription.municipality,
        date,
        event,
        before: Some(before),
        after: Some(after),
    };
    let mut updates = counters::updates_for(&change(Event::Activated, waiting, receiving));
    if let Some(event) = ending {
        updates.extend(counters::updates_for(&change(event, receiving, waiting)));
    }
    counters::merge(updates)
}
