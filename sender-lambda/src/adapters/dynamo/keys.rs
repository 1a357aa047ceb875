//! The DynamoDB keys, index names and attribute names of both tables (DESIGN.md §6).
//!
//! **Subscriptions table** — one item per subscription (one pregnancy or one child):
//!
//! | attribute | value |
//! | --- | --- |
//! | `pk` | `SUB#<uuid>` |
//! | `municipality`, `email`, `email_hash` | the municipality id, the address, its keyed HMAC ([`crate::domain::links::EmailHasher`]) |
//! | `anchor_kind`, `anchor_date`, `anchor_version` | `due` / `birth`, `YYYY-MM-DD`, incremented on every anchor change |
//! | `status`, `stop_reason`, `consent_version`, `nickname` | see [`crate::domain::model::SubscriptionStatus`] |
//! | `created_at`, `updated_at` | RFC 3339 UTC |
//! | `by_anchor_pk`, `by_anchor_sk` | `<muni>#<kind>`, `<anchor date>#<uuid>` — **present only while active** |
//!
//! The same table holds the uniqueness items (`pk = UNIQ#<email hash>#<muni>#<kind>#<date>`), put
//! with a condition so one family cannot subscribe the same pregnancy or child twice.
//!
//! **Deliveries table** — `pk = SUB#<uuid>`, `sk = <entry id>`: at most one record per subscription
//! per entry, ever, with `status` ([`crate::domain::model::DeliveryStatus`]), the SES message id once sent, and
//! `expires_at` (TTL, about 400 days after the delivery).

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

/// Partition key attribute of both tables.
pub const PK: &str = "pk";
/// Sort key attribute of the deliveries table.
pub const SK: &str = "sk";
/// The sparse index of active subscriptions by municipality, anchor kind and anchor date.
pub const BY_ANCHOR: &str = "by_anchor";
/// Partition key of [`BY_ANCHOR`]: `<muni>#<kind>`.
pub const BY_ANCHOR_PK: &str = "by_anchor_pk";
/// Sort key of [`BY_ANCHOR`]: `<anchor date>#<uuid>`.
pub const BY_ANCHOR_SK: &str = "by_anchor_sk";
/// The index of subscriptions by e-mail hash (sign-up checks, "delete my data").
pub const BY_EMAIL_HASH: &str = "by_email_hash";
/// Attribute of the keyed e-mail hash.
pub const EMAIL_HASH: &str = "email_hash";
/// TTL attribute of the deliveries table (epoch seconds).
pub const EXPIRES_AT: &str = "expires_at";
/// How long a delivery record is kept.
pub const DELIVERY_TTL_DAYS: i64 = 400;

/// Attributes projected into [`BY_ANCHOR`] besides the keys.
pub const BY_ANCHOR_PROJECTION: [&str; 7] =
    ["email", "nickname", "status", "anchor_version", CHANNEL, LINE_CHANNEL_ID, LINE_USER_ID];
/// The channel attribute of a subscription (absent on mail subscriptions stored before LINE: mail).
pub const CHANNEL: &str = "channel";
/// The Messaging API channel id of a LINE subscription.
pub const LINE_CHANNEL_ID: &str = "line_channel_id";
/// The LINE user id of a LINE subscription (never logged).
pub const LINE_USER_ID: &str = "line_user_id";
/// Attributes projected into [`BY_EMAIL_HASH`] besides the keys.
pub const BY_EMAIL_HASH_PROJECTION: [&str; 4] = ["municipality", "anchor_kind", "anchor_date", "status"];

/// `SUB#<uuid>`
pub fn subscription_pk(id: &str) -> String {
    format!("SUB#{id}")
}

/// The subscription id from `SUB#<uuid>`.
pub fn subscription_id_from_pk(pk: &str) -> Option<&str> {
    pk.strip_prefix("SUB#")
}

/// `<muni>#<kind>`
pub fn by_anchor_pk(municipality: &str, kind: AnchorKind) -> String {
    format!("{municipality}#{}", kind.as_str())
}

/// `<anchor date>#<uuid>`
pub fn by_anchor_sk(anchor: NaiveDate, id: &str) -> String {
    crate::domain::model::anchor_cursor(anchor, id)
}

/// `UNIQ#<email hash>#<muni>#<kind>#<date>`
pub fn uniqueness_pk(email_hash: &str, municipality: &str, kind: AnchorKind, anchor: NaiveDate) -> String {
    format!("UNIQ#{email_hash}#{municipality}#{}#{}", kind.as_str(), anchor.format("%Y-%m-%d"))
}

/// The sparse index of subscriptions awaiting housekeeping ([`crate::use_cases::lifecycle`]): pending sign-ups
/// to expire and ended (stopped, unsubscribed, completed) subscriptions to delete.
pub const BY_EXPIRY: &str = "by_expiry";
/// Partition key of [`BY_EXPIRY`]: a [`crate::domain::model::ExpiryKind`].
pub const EXPIRY_PK: &str = "expiry_pk";
/// Sort key of [`BY_EXPIRY`]: `<RFC 3339 UTC instant when due>#<uuid>`.
pub const EXPIRY_SK: &str = "expiry_sk";

/// Attribute naming the subscription's uniqueness item (deleted with it).
pub const UNIQUENESS_KEY: &str = "uniqueness_pk";

/// `<instant>#<uuid>` for [`EXPIRY_SK`].
pub fn expiry_sk(at: chrono::DateTime<chrono::Utc>, id: &str) -> String {
    format!("{}#{id}", at.format("%Y-%m-%dT%H:%M:%SZ"))
}
