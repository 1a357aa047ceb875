//! The subscription items: the one builder of new subscription items (subscription + uniqueness
//! item) used by sign-up, import and tests alike, and the reader of stored items. Only
//! [`crate::adapters::dynamo::subscriptions::SubscriptionStore`] writes them.

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

use crate::adapters::dynamo::attributes::{get_s, n, s, Item};
use crate::adapters::dynamo::keys::{
    by_anchor_pk, by_anchor_sk, subscription_id_from_pk, subscription_pk, uniqueness_pk, BY_ANCHOR_PK, BY_ANCHOR_SK,
    CHANNEL, EMAIL_HASH, LINE_CHANNEL_ID, LINE_USER_ID, PK, UNIQUENESS_KEY,
};
use crate::domain::model::{Channel, LineRecipient, StopReason, Subscription, SubscriptionStatus};
use crate::ports::subscriptions::PendingSignUp;

/// A subscription to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    /// The uuid.
    pub id: String,
    /// The municipality id.
    pub municipality: String,
    /// The address.
    pub email: String,
    /// Its keyed hash.
    pub email_hash: String,
    /// Due or birth.
    pub anchor_kind: AnchorKind,
    /// The anchor date.
    pub anchor_date: NaiveDate,
    /// The status (the `by_anchor` keys are written only when active).
    pub status: SubscriptionStatus,
    /// How to address the family.
    pub nickname: Option<String>,
    /// The consent text version (`import` for imported rows).
    pub consent_version: String,
}

impl NewSubscription {
    /// A sign-up as the pending subscription `id` it is stored as (DynamoDB and the in-memory twin).
    pub fn pending(id: String, signup: &PendingSignUp) -> Self {
        NewSubscription {
            id,
            municipality: signup.municipality.clone(),
            email: signup.email.clone(),
            email_hash: signup.email_hash.clone(),
            anchor_kind: signup.anchor_kind,
            anchor_date: signup.anchor_date,
            status: SubscriptionStatus::Pending,
            nickname: signup.nickname.clone(),
            consent_version: signup.consent_version.clone(),
        }
    }

    /// The subscription as it reads once stored (before any change): what the report counters of
    /// its first transition describe.
    pub fn as_stored(&self) -> Subscription {
        Subscription {
            id: self.id.clone(),
            municipality: self.municipality.clone(),
            email: self.email.clone(),
            email_hash: self.email_hash.clone(),
            line: None,
            anchor_kind: self.anchor_kind,
            anchor_date: self.anchor_date,
            anchor_version: 0,
            status: self.status,
            stop_reason: None,
            nickname: self.nickname.clone(),
            consent_version: self.consent_version.clone(),
            uniqueness_pk: None,
            counted: true,
        }
    }
}

/// Present on a subscription item the report counters know (its value: since when).
pub const COUNTED: &str = "counted";

/// The two items a new subscription is stored as: the subscription itself and its uniqueness item
/// (one address, one anchor, one municipality), both stamped `now`. This is the one builder of
/// new subscription items (sign-up and import alike): the subscription names its uniqueness item
/// in `uniqueness_pk`, which is how ending or deleting it finds that item to remove.
pub fn subscription_items(sub: &NewSubscription, now: &str) -> (Item, Item) {
    let pk = subscription_pk(&sub.id);
    let mut item = Item::new();
    item.insert(PK.into(), s(&pk));
    item.insert("municipality".into(), s(&sub.municipality));
    item.insert("email".into(), s(&sub.email));
    item.insert(EMAIL_HASH.into(), s(&sub.email_hash));
    item.insert("anchor_kind".into(), s(sub.anchor_kind.as_str()));
    item.insert("anchor_date".into(), s(sub.anchor_date.format("%Y-%m-%d").to_string()));
    item.insert("anchor_version".into(), n(1));
    item.insert("status".into(), s(sub.status.as_str()));
    item.insert("consent_version".into(), s(&sub.consent_version));
    item.insert("created_at".into(), s(now));
    item.insert("updated_at".into(), s(now));
    // Stored with its counts (put_items): the counters know it from the start.
    item.insert(COUNTED.into(), s(now));
    if let Some(nickname) = &sub.nickname {
        item.insert("nickname".into(), s(nickname));
    }
    if sub.status == SubscriptionStatus::Active {
        item.insert(BY_ANCHOR_PK.into(), s(by_anchor_pk(&sub.municipality, sub.anchor_kind)));
        item.insert(BY_ANCHOR_SK.into(), s(by_anchor_sk(sub.anchor_date, &sub.id)));
    }
    let unique = uniqueness_pk(&sub.email_hash, &sub.municipality, sub.anchor_kind, sub.anchor_date);
    item.insert(UNIQUENESS_KEY.into(), s(&unique));
    let mut unique_item = Item::new();
    unique_item.insert(PK.into(), s(unique));
    unique_item.insert("subscription".into(), s(&pk));
    unique_item.insert("created_at".into(), s(now));
    (item, unique_item)
}

/// The two items of a new LINE subscription: those of [`subscription_items`] with the LINE user
/// and its channel instead of an address (`channel` = `line`; the keyed hash of the pair stands in
/// for the address's in the uniqueness item, see [`line_identity`]).
pub fn line_subscription_items(sub: &NewSubscription, line: &LineRecipient, now: &str) -> (Item, Item) {
    let (mut item, unique_item) = subscription_items(sub, now);
    item.remove("email");
    item.insert(CHANNEL.into(), s(Channel::Line.as_str()));
    item.insert(LINE_CHANNEL_ID.into(), s(&line.channel_id));
    item.insert(LINE_USER_ID.into(), s(&line.user_id));
    (item, unique_item)
}

/// What the keyed e-mail hash is computed over for a LINE user of a channel (never a valid address,
/// so it cannot collide with one).
pub fn line_identity(line: &LineRecipient) -> String {
    format!("line:{}:{}", line.channel_id, line.user_id)
}

/// The LINE user of a stored item (subscription or `by_anchor` projection): `Some(None)` for mail,
/// `None` when the channel is unknown or a LINE item lacks its user.
pub fn line_recipient_of(item: &Item) -> Option<Option<LineRecipient>> {
    match get_s(item, CHANNEL).map(Channel::parse) {
        None | Some(Some(Channel::Mail)) => Some(None),
        Some(Some(Channel::Line)) => Some(Some(LineRecipient {
            channel_id: get_s(item, LINE_CHANNEL_ID)?.to_owned(),
            user_id: get_s(item, LINE_USER_ID)?.to_owned(),
        })),
        Some(None) => None,
    }
}

/// A stored subscription item read back (`None` when an attribute is missing or malformed).
pub fn subscription_from_item(item: &Item) -> Option<Subscription> {
    let line = line_recipient_of(item)?;
    Some(Subscription {
        id: subscription_id_from_pk(get_s(item, PK)?)?.to_owned(),
        municipality: get_s(item, "municipality")?.to_owned(),
        email: match &line {
            Some(_) => String::new(),
            None => get_s(item, "email")?.to_owned(),
        },
        email_hash: get_s(item, EMAIL_HASH)?.to_owned(),
        line,
        anchor_kind: get_s(item, "anchor_kind")?.parse().ok()?,
        anchor_date: get_s(item, "anchor_date")?.parse().ok()?,
        anchor_version: item.get("anchor_version")?.as_n().ok()?.parse().ok()?,
        status: SubscriptionStatus::parse(get_s(item, "status")?)?,
        stop_reason: match get_s(item, "stop_reason") {
            Some(reason) => Some(StopReason::parse(reason)?),
            None => None,
        },
        nickname: get_s(item, "nickname").map(str::to_owned),
        consent_version: get_s(item, "consent_version").unwrap_or_default().to_owned(),
        uniqueness_pk: get_s(item, UNIQUENESS_KEY).map(str::to_owned),
        counted: item.contains_key(COUNTED),
    })
}
