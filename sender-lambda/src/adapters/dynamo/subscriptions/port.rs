//! The subscription store as the [`Subscriptions`] port.

use super::*;

impl Subscriptions for SubscriptionStore {
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Subscription>, BoxError>> + Send {
        SubscriptionStore::get(self, id)
    }

    fn create_pending(
        &self,
        signup: &PendingSignUp,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<SignUpOutcome, BoxError>> + Send {
        SubscriptionStore::create_pending(self, signup, now)
    }

    fn claim_confirmation_slot(
        &self,
        email_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send {
        SubscriptionStore::claim_confirmation_slot(self, email_hash, now)
    }

    fn activate(
        &self,
        current: &Subscription,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send {
        SubscriptionStore::activate(self, current, now)
    }

    fn register_birth(
        &self,
        current: &Subscription,
        birth: NaiveDate,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send {
        SubscriptionStore::register_birth(self, current, birth, now)
    }

    fn change_due_date(
        &self,
        current: &Subscription,
        due: NaiveDate,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send {
        SubscriptionStore::change_due_date(self, current, due, now)
    }

    fn end(
        &self,
        current: &Subscription,
        status: SubscriptionStatus,
        reason: StopReason,
        transition: Transition,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Change, BoxError>> + Send {
        SubscriptionStore::end(self, current, status, reason, transition, now)
    }

    fn delete_everything(&self, id: &str) -> impl Future<Output = Result<bool, BoxError>> + Send {
        SubscriptionStore::delete_everything(self, id)
    }

    fn ids_by_email_hash(
        &self,
        email_hash: &str,
    ) -> impl Future<Output = Result<Vec<(String, SubscriptionStatus)>, BoxError>> + Send {
        SubscriptionStore::ids_by_email_hash(self, email_hash)
    }

    fn count_transient_bounce(
        &self,
        email_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, BoxError>> + Send {
        SubscriptionStore::count_transient_bounce(self, email_hash, now)
    }

    fn claim_system_mail(
        &self,
        current: &Subscription,
        kind: SystemMail,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send {
        SubscriptionStore::claim_system_mail(self, current, kind, now)
    }

    fn due_for_expiry(
        &self,
        what: ExpiryKind,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<String>, BoxError>> + Send {
        SubscriptionStore::due_for_expiry(self, what, now)
    }
}
