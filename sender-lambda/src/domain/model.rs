//! The sender's vocabulary as plain values: where a subscription is in its life
//! ([`SubscriptionStatus`]), why it ended ([`StopReason`]), what happened to it ([`Transition`], the
//! events the reports count), the channel it is delivered on ([`Channel`]), the delivery records'
//! states and the recipients the daily run reads. Every stored string is written here once; the
//! DynamoDB layout of these values is `crate::adapters::dynamo::keys`.

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

/// Where a subscription is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    /// Signed up, address not confirmed yet.
    Pending,
    /// Receives mail; the only status present in `by_anchor`.
    Active,
    /// Stopped by the family (with a reason).
    Stopped,
    /// Unsubscribed by the one-click link.
    Unsubscribed,
    /// Past its last enabled track.
    Completed,
    /// The address bounced or complained.
    Bounced,
    /// The family blocked the municipality's LINE account (`unfollow`): out of `by_anchor` until
    /// they unblock it; counted apart from unsubscribes.
    Blocked,
}

impl SubscriptionStatus {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Stopped => "stopped",
            SubscriptionStatus::Unsubscribed => "unsubscribed",
            SubscriptionStatus::Completed => "completed",
            SubscriptionStatus::Bounced => "bounced",
            SubscriptionStatus::Blocked => "blocked",
        }
    }

    /// Parses a stored value.
    pub fn parse(value: &str) -> Option<Self> {
        [
            SubscriptionStatus::Pending,
            SubscriptionStatus::Active,
            SubscriptionStatus::Stopped,
            SubscriptionStatus::Unsubscribed,
            SubscriptionStatus::Completed,
            SubscriptionStatus::Bounced,
            SubscriptionStatus::Blocked,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }

    /// Whether the subscription can still end (be stopped, unsubscribed, bounced or completed):
    /// pending, active, blocked and completed ones can; stopped, unsubscribed and bounced ones
    /// already have.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Pending
                | SubscriptionStatus::Active
                | SubscriptionStatus::Blocked
                | SubscriptionStatus::Completed
        )
    }

    /// Whether a subscription may move from this status to `next` by ending (stop, unsubscribe,
    /// bounce, completion, block): it must still be live, and ending never makes it pending or active.
    pub fn can_end_as(self, next: SubscriptionStatus) -> bool {
        self.is_live() && !matches!(next, SubscriptionStatus::Pending | SubscriptionStatus::Active)
    }
}

/// `<anchor date>#<uuid>`: the order of recipients in a page, and where a page ends.
pub fn anchor_cursor(anchor: NaiveDate, id: &str) -> String {
    format!("{}#{id}", anchor.format("%Y-%m-%d"))
}

/// The channel a subscription is delivered on: one enum for the sender and the reports.
pub use kizuna_schedule::Channel;

/// Who a LINE subscription pushes to: a user id means something only with the Messaging API
/// channel it belongs to (ids differ per provider), so both are kept together.
#[derive(Clone, PartialEq, Eq)]
pub struct LineRecipient {
    /// The Messaging API channel id.
    pub channel_id: String,
    /// The LINE user id (personal data: never logged).
    pub user_id: String,
}

impl std::fmt::Debug for LineRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineRecipient").field("channel_id", &self.channel_id).finish_non_exhaustive()
    }
}

/// The family's own reasons for stopping, as the manage form offers them (the form contract).
pub use kizuna_schedule::forms::StopReason as FamilyReason;

/// Why a subscription ended: the stored `stop_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// Stopped by the family on the manage page.
    Family(FamilyReason),
    /// Unsubscribed (link, one click or API).
    Unsubscribe,
    /// A permanent bounce.
    Bounce,
    /// A complaint (marked as spam).
    Complaint,
    /// Too many transient bounces in a row.
    TransientBounces,
    /// The pregnancy track ended without a birth registration.
    MaternityEnded,
    /// The last enabled track ended.
    LastTrackEnded,
}

impl StopReason {
    /// The stored value (a family reason is stored as its form id).
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Family(reason) => reason.id(),
            StopReason::Unsubscribe => "unsubscribe",
            StopReason::Bounce => "bounce",
            StopReason::Complaint => "complaint",
            StopReason::TransientBounces => "transient-bounces",
            StopReason::MaternityEnded => "maternity-ended",
            StopReason::LastTrackEnded => "last-track-ended",
        }
    }

    /// Parses a stored value.
    pub fn parse(value: &str) -> Option<Self> {
        let system = [
            StopReason::Unsubscribe,
            StopReason::Bounce,
            StopReason::Complaint,
            StopReason::TransientBounces,
            StopReason::MaternityEnded,
            StopReason::LastTrackEnded,
        ];
        FamilyReason::ALL.into_iter().map(StopReason::Family).chain(system).find(|reason| reason.as_str() == value)
    }
}

/// How a family unsubscribed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnsubscribeVia {
    /// The link in a mail, confirmed on the unsubscribe page.
    Link,
    /// RFC 8058 one-click (`List-Unsubscribe-Post`).
    OneClick,
    /// A direct API call.
    Api,
}

impl UnsubscribeVia {
    /// Every way.
    pub const ALL: [UnsubscribeVia; 3] = [UnsubscribeVia::Link, UnsubscribeVia::OneClick, UnsubscribeVia::Api];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            UnsubscribeVia::Link => "link",
            UnsubscribeVia::OneClick => "one-click",
            UnsubscribeVia::Api => "api",
        }
    }
}

/// One step in a subscription's life: what the reports count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    /// Signed up (pending confirmation) or imported.
    Registered,
    /// The address was confirmed.
    Confirmed,
    /// The birth was registered (due → birth).
    BirthRegistered,
    /// The due date was changed.
    AnchorChanged,
    /// Stopped, with the reason.
    Stopped(StopReason),
    /// Unsubscribed, and how.
    Unsubscribed(UnsubscribeVia),
    /// The address bounced.
    Bounced,
    /// The family complained.
    Complained,
    /// Past its last track.
    Completed,
    /// Deleted (by the family, or by housekeeping).
    Deleted,
    /// The reader blocked the municipality's LINE account.
    Blocked,
    /// The reader unblocked it again (only a blocked subscription resumes).
    Unblocked,
}

impl Transition {
    /// The stored kind (`registered`, `stopped`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Registered => "registered",
            Transition::Confirmed => "confirmed",
            Transition::BirthRegistered => "birth-registered",
            Transition::AnchorChanged => "anchor-changed",
            Transition::Stopped(_) => "stopped",
            Transition::Unsubscribed(_) => "unsubscribed",
            Transition::Bounced => "bounced",
            Transition::Complained => "complained",
            Transition::Completed => "completed",
            Transition::Deleted => "deleted",
            Transition::Blocked => "blocked",
            Transition::Unblocked => "unblocked",
        }
    }

    /// The stored detail: the stop reason or the unsubscribe way, when the kind has one.
    pub fn detail(self) -> Option<&'static str> {
        match self {
            Transition::Stopped(reason) => Some(reason.as_str()),
            Transition::Unsubscribed(via) => Some(via.as_str()),
            _ => None,
        }
    }

    /// Parses a stored kind and detail (the inverse of [`Transition::as_str`] and [`Transition::detail`]).
    pub fn parse(kind: &str, detail: Option<&str>) -> Option<Self> {
        let simple = [
            Transition::Registered,
            Transition::Confirmed,
            Transition::BirthRegistered,
            Transition::AnchorChanged,
            Transition::Bounced,
            Transition::Complained,
            Transition::Completed,
            Transition::Deleted,
            Transition::Blocked,
            Transition::Unblocked,
        ];
        match (kind, detail) {
            ("stopped", Some(detail)) => StopReason::parse(detail).map(Transition::Stopped),
            ("unsubscribed", Some(detail)) => {
                UnsubscribeVia::ALL.into_iter().find(|via| via.as_str() == detail).map(Transition::Unsubscribed)
            }
            (kind, None) => simple.into_iter().find(|transition| transition.as_str() == kind),
            _ => None,
        }
    }
}

/// A subscription as stored (every attribute the lifecycle needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// The uuid.
    pub id: String,
    /// The municipality id.
    pub municipality: String,
    /// The address (never logged; empty for a LINE subscription).
    pub email: String,
    /// Its keyed hash (for LINE: of the channel and user id, so one LINE user has one subscription
    /// per anchor like one address).
    pub email_hash: String,
    /// The LINE user it pushes to, when its channel is LINE.
    pub line: Option<LineRecipient>,
    /// Due or birth.
    pub anchor_kind: AnchorKind,
    /// The anchor date.
    pub anchor_date: NaiveDate,
    /// Incremented on every anchor change.
    pub anchor_version: u64,
    /// Where it is in its life.
    pub status: SubscriptionStatus,
    /// Why it was stopped.
    pub stop_reason: Option<StopReason>,
    /// How to address the family.
    pub nickname: Option<String>,
    /// The consent text version.
    pub consent_version: String,
    /// The uniqueness item, while it exists.
    pub uniqueness_pk: Option<String>,
    /// Whether the report counters know it: every subscription stored since the counters began,
    /// and an older one once `kizuna-sender backfill-counters` counted it. Transitions of one they
    /// do not know are not counted (the backfill counts its state then, once).
    pub counted: bool,
}

/// The lifecycle's status rules, shared by every subscription store (DynamoDB and its in-memory
/// twin): a store refuses a change these do not allow before it writes anything.
impl Subscription {
    /// Whether a confirmation may activate it: only a pending sign-up.
    pub fn can_activate(&self) -> bool {
        self.status == SubscriptionStatus::Pending
    }

    /// Whether the birth may be registered: a due-date subscription, active or already completed
    /// (a late registration starts the child's tracks).
    pub fn can_register_birth(&self) -> bool {
        self.anchor_kind == AnchorKind::Due
            && matches!(self.status, SubscriptionStatus::Active | SubscriptionStatus::Completed)
    }

    /// Whether the due date may change: a due-date subscription, pending or active.
    pub fn can_change_due_date(&self) -> bool {
        self.anchor_kind == AnchorKind::Due
            && matches!(self.status, SubscriptionStatus::Active | SubscriptionStatus::Pending)
    }

    /// The channel it is delivered on.
    pub fn channel(&self) -> Channel {
        if self.line.is_some() {
            Channel::Line
        } else {
            Channel::Mail
        }
    }

    /// The subscription as a delivery recipient.
    pub fn recipient(&self) -> Recipient {
        Recipient {
            subscription_id: self.id.clone(),
            municipality: self.municipality.clone(),
            anchor_kind: self.anchor_kind,
            anchor_date: self.anchor_date,
            anchor_version: self.anchor_version,
            email: self.email.clone(),
            line: self.line.clone(),
            nickname: self.nickname.clone(),
            status: self.status,
        }
    }
}

/// The state of one delivery record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Reserved before the SES call; left so for over an hour means "in doubt", reported, never resent.
    Sending,
    /// SES accepted the mail; the record carries its message id.
    Sent,
    /// SES refused the mail for good (the error code is recorded); never retried.
    Failed,
}

impl DeliveryStatus {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// A subscription as the daily run sees it: the projection of `by_anchor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The subscription's uuid (without `SUB#`).
    pub subscription_id: String,
    /// The municipality id.
    pub municipality: String,
    /// Due or birth.
    pub anchor_kind: AnchorKind,
    /// The due date or birth date.
    pub anchor_date: NaiveDate,
    /// Incremented on every anchor change; the delivery transaction checks it.
    pub anchor_version: u64,
    /// The address (never logged; empty for a LINE subscription).
    pub email: String,
    /// The LINE user it pushes to, when its channel is LINE.
    pub line: Option<LineRecipient>,
    /// How the family wants to be addressed, if given.
    pub nickname: Option<String>,
    /// Should be active (the index is sparse), checked again anyway.
    pub status: SubscriptionStatus,
}

/// Why a subscription waits in the housekeeping index (`by_expiry`): its partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpiryKind {
    /// A pending sign-up, deleted 48 hours after it was made unless confirmed.
    Pending,
    /// A stopped, unsubscribed or completed subscription, deleted 90 days after it ended.
    Ended,
}

impl ExpiryKind {
    /// The stored partition key.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryKind::Pending => "pending",
            ExpiryKind::Ended => "ended",
        }
    }
}
impl Recipient {
    /// The channel it is delivered on.
    pub fn channel(&self) -> Channel {
        if self.line.is_some() {
            Channel::Line
        } else {
            Channel::Mail
        }
    }

    /// Its sort key in `by_anchor` (`<anchor date>#<uuid>`): where a page of recipients ends.
    pub fn cursor(&self) -> String {
        anchor_cursor(self.anchor_date, &self.subscription_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_value_parses_back() {
        for reason in FamilyReason::ALL.into_iter().map(StopReason::Family).chain([
            StopReason::Unsubscribe,
            StopReason::Bounce,
            StopReason::Complaint,
            StopReason::TransientBounces,
            StopReason::MaternityEnded,
            StopReason::LastTrackEnded,
        ]) {
            assert_eq!(StopReason::parse(reason.as_str()), Some(reason));
            let stopped = Transition::Stopped(reason);
            assert_eq!(Transition::parse(stopped.as_str(), stopped.detail()), Some(stopped));
        }
        for via in UnsubscribeVia::ALL {
            let unsubscribed = Transition::Unsubscribed(via);
            assert_eq!(Transition::parse(unsubscribed.as_str(), unsubscribed.detail()), Some(unsubscribed));
        }
        assert_eq!(Transition::parse("deleted", None), Some(Transition::Deleted));
        assert_eq!(Transition::parse("stopped", None), None, "a stop always has its reason");
        assert_eq!(Channel::parse("mail"), Some(Channel::Mail));
        assert_eq!(StopReason::parse("nonsense"), None);
    }

    #[test]
    fn only_pending_active_and_completed_subscriptions_can_end() {
        use SubscriptionStatus::*;
        let live: Vec<_> = [Pending, Active, Stopped, Unsubscribed, Completed, Bounced]
            .into_iter()
            .filter(|status| status.is_live())
            .collect();
        assert_eq!(live, [Pending, Active, Completed]);
    }
}
