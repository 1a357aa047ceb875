//! The subscriptions twin: the lifecycle's conditional changes over a map, with the rules the
//! DynamoDB store enforces in its transactions — one subscription per address, municipality and
//! anchor; every change guarded on the status and `anchor_version` read before it; a confirmation
//! mail at most every [`CONFIRMATION_INTERVAL_MINUTES`]; each system mail claimed once; pending
//! sign-ups expiring after 48 hours and ended ones after 90 days.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kizuna_schedule::{AnchorKind, SystemMail};

use crate::adapters::dynamo::subscription_items::NewSubscription;
use crate::adapters::dynamo::subscriptions::{PutOutcome, CONFIRMATION_INTERVAL_MINUTES};
use crate::domain::model::{ExpiryKind, LineRecipient, StopReason, Subscription, SubscriptionStatus, Transition};
use crate::ports::subscriptions::{Change, PendingSignUp, SignUpOutcome, Subscriptions};
use crate::BoxError;

/// The uniqueness key: municipality, keyed address hash, anchor kind and date.
type Unique = (String, String, AnchorKind, NaiveDate);

/// Everything the twin keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryState {
    /// Subscriptions by id.
    pub subscriptions: BTreeMap<String, Subscription>,
    /// The uniqueness items: key → subscription id.
    pub unique: BTreeMap<Unique, String>,
    /// The last confirmation mail of each address hash.
    pub confirmation_slots: BTreeMap<String, DateTime<Utc>>,
    /// Transient bounces per address hash.
    pub transient_bounces: BTreeMap<String, u64>,
    /// System mails claimed: (subscription id, kind).
    pub system_mails: BTreeSet<(String, SystemMail)>,
    /// The housekeeping index: id → what expires and when.
    pub expiry: BTreeMap<String, (ExpiryKind, DateTime<Utc>)>,
}

/// Subscriptions in memory.
#[derive(Debug, Default)]
pub struct MemorySubscriptions {
    state: Mutex<MemoryState>,
}

fn unique_of(sub: &Subscription) -> Unique {
    (sub.municipality.clone(), sub.email_hash.clone(), sub.anchor_kind, sub.anchor_date)
}

impl MemorySubscriptions {
    /// No subscriptions.
    pub fn new() -> Self {
        MemorySubscriptions::default()
    }

    /// A copy of everything kept (tests compare it before and after a request).
    pub fn snapshot(&self) -> MemoryState {
        self.lock().clone()
    }

    /// Stores a subscription as it is (a test's starting point); its uniqueness item too.
    pub fn insert(&self, subscription: Subscription) {
        let mut state = self.lock();
        state.unique.insert(unique_of(&subscription), subscription.id.clone());
        state.subscriptions.insert(subscription.id.clone(), subscription);
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` when the stored subscription still has the status and anchor version read
    /// in `current` (the store's guard).
    fn guarded(&self, current: &Subscription, change: impl FnOnce(&mut MemoryState, &mut Subscription)) -> Change {
        let mut state = self.lock();
        let Some(stored) = state.subscriptions.get(&current.id).cloned() else { return Change::Refused };
        if stored.status != current.status || stored.anchor_version != current.anchor_version {
            return Change::Refused;
        }
        let mut updated = stored;
        change(&mut state, &mut updated);
        state.subscriptions.insert(updated.id.clone(), updated.clone());
        Change::Applied(Box::new(updated))
    }

    fn put(&self, subscription: Subscription, now: DateTime<Utc>) -> Option<String> {
        let mut state = self.lock();
        let key = unique_of(&subscription);
        if let Some(existing) = state.unique.get(&key) {
            return Some(existing.clone());
        }
        if subscription.status == SubscriptionStatus::Pending {
            state.expiry.insert(subscription.id.clone(), (ExpiryKind::Pending, now + Duration::hours(48)));
        }
        state.unique.insert(key, subscription.id.clone());
        state.subscriptions.insert(subscription.id.clone(), subscription);
        None
    }
}

impl Subscriptions for MemorySubscriptions {
    async fn get(&self, id: &str) -> Result<Option<Subscription>, BoxError> {
        Ok(self.lock().subscriptions.get(id).cloned())
    }

    async fn create_pending(&self, signup: &PendingSignUp, now: DateTime<Utc>) -> Result<SignUpOutcome, BoxError> {
        let new = NewSubscription::pending(uuid::Uuid::new_v4().to_string(), signup);
        Ok(match self.put(new.as_stored(), now) {
            None => SignUpOutcome::Created(new.id),
            Some(existing) => SignUpOutcome::Existing(self.lock().subscriptions.get(&existing).cloned()),
        })
    }

    async fn claim_confirmation_slot(&self, email_hash: &str, now: DateTime<Utc>) -> Result<bool, BoxError> {
        let mut state = self.lock();
        let interval = Duration::minutes(CONFIRMATION_INTERVAL_MINUTES);
        if state.confirmation_slots.get(email_hash).is_some_and(|last| *last > now - interval) {
            return Ok(false);
        }
        state.confirmation_slots.insert(email_hash.to_owned(), now);
        Ok(true)
    }

    async fn activate(&self, current: &Subscription, _now: DateTime<Utc>) -> Result<Change, BoxError> {
        if !current.can_activate() {
            return Ok(Change::Refused);
        }
        Ok(self.guarded(current, |state, sub| {
            sub.status = SubscriptionStatus::Active;
            state.expiry.remove(&sub.id);
        }))
    }

    async fn register_birth(
        &self,
        current: &Subscription,
        birth: NaiveDate,
        _now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.can_register_birth() {
            return Ok(Change::Refused);
        }
        Ok(self.guarded(current, |state, sub| {
            state.unique.remove(&unique_of(sub));
            (sub.anchor_kind, sub.anchor_date, sub.status) = (AnchorKind::Birth, birth, SubscriptionStatus::Active);
            sub.anchor_version += 1;
            state.unique.insert(unique_of(sub), sub.id.clone());
            state.expiry.remove(&sub.id);
        }))
    }

    async fn change_due_date(
        &self,
        current: &Subscription,
        due: NaiveDate,
        _now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.can_change_due_date() {
            return Ok(Change::Refused);
        }
        Ok(self.guarded(current, |state, sub| {
            state.unique.remove(&unique_of(sub));
            sub.anchor_date = due;
            sub.anchor_version += 1;
            state.unique.insert(unique_of(sub), sub.id.clone());
        }))
    }

    async fn end(
        &self,
        current: &Subscription,
        status: SubscriptionStatus,
        reason: StopReason,
        _transition: Transition,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.status.can_end_as(status) {
            return Ok(Change::Refused);
        }
        Ok(self.guarded(current, |state, sub| {
            // Ended: the address may sign up the same anchor again.
            state.unique.remove(&unique_of(sub));
            (sub.status, sub.stop_reason, sub.uniqueness_pk) = (status, Some(reason), None);
            state.expiry.insert(sub.id.clone(), (ExpiryKind::Ended, now + Duration::days(90)));
        }))
    }

    async fn put_new_line(&self, sub: &NewSubscription, line: &LineRecipient) -> Result<PutOutcome, BoxError> {
        let stored = Subscription { line: Some(line.clone()), ..sub.as_stored() };
        Ok(match self.put(stored, Utc::now()) {
            None => PutOutcome::Created,
            Some(_) => PutOutcome::Duplicate,
        })
    }

    async fn delete_everything(&self, id: &str) -> Result<bool, BoxError> {
        let mut state = self.lock();
        let Some(sub) = state.subscriptions.remove(id) else { return Ok(false) };
        if state.unique.get(&unique_of(&sub)) == Some(&sub.id) {
            state.unique.remove(&unique_of(&sub));
        }
        state.system_mails.retain(|(owner, _)| owner != id);
        state.expiry.remove(id);
        Ok(true)
    }

    async fn ids_by_email_hash(&self, email_hash: &str) -> Result<Vec<(String, SubscriptionStatus)>, BoxError> {
        let state = self.lock();
        let found = state.subscriptions.values().filter(|s| s.email_hash == email_hash);
        Ok(found.map(|s| (s.id.clone(), s.status)).collect())
    }

    async fn count_transient_bounce(&self, email_hash: &str, _now: DateTime<Utc>) -> Result<u64, BoxError> {
        let mut state = self.lock();
        let count = state.transient_bounces.entry(email_hash.to_owned()).or_default();
        *count += 1;
        Ok(*count)
    }

    async fn claim_system_mail(
        &self,
        current: &Subscription,
        kind: SystemMail,
        _now: DateTime<Utc>,
    ) -> Result<bool, BoxError> {
        Ok(self.lock().system_mails.insert((current.id.clone(), kind)))
    }

    async fn due_for_expiry(&self, what: ExpiryKind, now: DateTime<Utc>) -> Result<Vec<String>, BoxError> {
        let state = self.lock();
        let due = state.expiry.iter().filter(|(_, (kind, at))| *kind == what && *at <= now);
        Ok(due.map(|(id, _)| id.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signup(email: &str) -> PendingSignUp {
        PendingSignUp {
            municipality: "hikari".into(),
            email: email.into(),
            email_hash: format!("hash-{email}"),
            anchor_kind: AnchorKind::Due,
            anchor_date: NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
            nickname: None,
            consent_version: "2026-11".into(),
        }
    }

    async fn created(store: &MemorySubscriptions, email: &str, now: DateTime<Utc>) -> Subscription {
        let SignUpOutcome::Created(id) = store.create_pending(&signup(email), now).await.expect("create") else {
            panic!("a new address is created")
        };
        store.get(&id).await.expect("get").expect("stored")
    }

    #[tokio::test]
    async fn one_subscription_per_address_and_anchor_until_it_ends() {
        let (store, now) = (MemorySubscriptions::new(), Utc::now());
        let pending = created(&store, "a@example.jp", now).await;
        let again = store.create_pending(&signup("a@example.jp"), now).await.expect("again");
        assert_eq!(again, SignUpOutcome::Existing(Some(pending.clone())));
        let Change::Applied(active) = store.activate(&pending, now).await.expect("activate") else { panic!("applied") };
        let reason = StopReason::Unsubscribe;
        let ended = store.end(&active, SubscriptionStatus::Unsubscribed, reason, Transition::Confirmed, now);
        assert!(matches!(ended.await.expect("end"), Change::Applied(_)));
        let after = store.create_pending(&signup("a@example.jp"), now).await.expect("after the end");
        assert!(matches!(after, SignUpOutcome::Created(_)), "an ended subscription frees its anchor");
        assert_eq!(store.due_for_expiry(ExpiryKind::Ended, now + Duration::days(91)).await.expect("due"), [active.id]);
    }

    #[tokio::test]
    async fn a_change_read_before_another_is_refused() {
        let (store, now) = (MemorySubscriptions::new(), Utc::now());
        let pending = created(&store, "b@example.jp", now).await;
        let Change::Applied(active) = store.activate(&pending, now).await.expect("activate") else { panic!("applied") };
        assert_eq!(store.activate(&pending, now).await.expect("twice"), Change::Refused, "status changed meanwhile");
        let due = NaiveDate::from_ymd_opt(2027, 3, 9).expect("date");
        assert!(matches!(store.change_due_date(&active, due, now).await.expect("due"), Change::Applied(_)));
        let birth = NaiveDate::from_ymd_opt(2027, 3, 2).expect("date");
        let stale = store.register_birth(&active, birth, now).await.expect("birth");
        assert_eq!(stale, Change::Refused, "the anchor version read is no longer current");
    }

    #[tokio::test]
    async fn a_confirmation_mail_at_most_every_interval_and_a_system_mail_once() {
        let (store, now) = (MemorySubscriptions::new(), Utc::now());
        assert!(store.claim_confirmation_slot("h", now).await.expect("first"));
        assert!(!store.claim_confirmation_slot("h", now + Duration::minutes(9)).await.expect("too soon"));
        let later = now + Duration::minutes(CONFIRMATION_INTERVAL_MINUTES + 1);
        assert!(store.claim_confirmation_slot("h", later).await.expect("later"));
        let pending = created(&store, "c@example.jp", now).await;
        assert!(store.claim_system_mail(&pending, SystemMail::Welcome, now).await.expect("claim"));
        assert!(!store.claim_system_mail(&pending, SystemMail::Welcome, now).await.expect("again"));
        assert!(store.delete_everything(&pending.id).await.expect("delete"));
        assert!(store.snapshot().subscriptions.is_empty() && store.snapshot().unique.is_empty());
    }
}
