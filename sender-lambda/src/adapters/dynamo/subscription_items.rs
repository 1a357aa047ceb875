//! The subscription items: the one builder of new subscription items (subscription + uniqueness
//! item) used by sign-up, import and tests alike, and the reader of stored items. Only
//! [`crate::adapters::dynamo::subscriptions::SubscriptionStore`] writes them.

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

use crate::adapters::dynamo::attributes::{get_s, n, s, Item};
use crate::adapters::dynamo::keys::{
    by_anchor_pk, by_anchor_sk, subscription_id_from_pk, subscription_pk, uniqueness_pk, BY_ANCHOR_PK, BY_ANCHOR_SK,
    EMAIL_HASH, PK, UNIQUENESS_KEY,
};
use crate::domain::model::{StopReason, Subscription, SubscriptionStatus};

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

/// A stored subscription item read back (`None` when an attribute is missing or malformed).
pub fn subscription_from_item(item: &Item) -> Option<Subscription> {
    Some(Subscription {
        id: subscription_id_from_pk(get_s(item, PK)?)?.to_owned(),
        municipality: get_s(item, "municipality")?.to_owned(),
        email: get_s(item, "email")?.to_owned(),
        email_hash: get_s(item, EMAIL_HASH)?.to_owned(),
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
    })
}
