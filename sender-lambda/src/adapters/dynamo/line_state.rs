//! What the LINE webhook remembers, in the existing tables (no new table, no new index):
//!
//! | table | `pk` | `sk` | what |
//! | --- | --- | --- | --- |
//! | deliveries | `LINEEVENT#<channel id>` | `<webhookEventId>` | an event handled once; `expires_at` (TTL) after 7 days, longer than LINE redelivers |
//! | deliveries | `LINEREG#<ticket uuid>` | `ticket` | a registration ticket: municipality, channel id, user id; 24 h, taken once |
//! | subscriptions | `LINE#<channel id>#<user id>` | — | the friend: `following`, and the subscription registered from this chat |
//!
//! A LINE user id means something only with the channel it belongs to (ids differ per provider),
//! so every key holds both. The deliveries table already has the TTL; the subscriptions table keeps
//! the friend as long as the subscription lives ("delete my data" deletes it with it).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use crate::adapters::dynamo::attributes::{get_s, n, now_rfc3339, put_if, s, sdk_error, Item};
use crate::adapters::dynamo::keys::{EXPIRES_AT, PK, SK};
use crate::BoxError;

/// How long a handled event id is remembered (LINE redelivers for a shorter time).
pub const EVENT_MEMORY_DAYS: i64 = 7;
/// How long a registration link works.
pub const TICKET_HOURS: i64 = 24;

/// A registration started in the chat: who followed which municipality's account.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationTicket {
    /// The ticket id (a UUID; the signed token carries it, never the user id).
    pub id: String,
    /// The municipality id.
    pub municipality: String,
    /// The Messaging API channel id.
    pub channel_id: String,
    /// The LINE user id (personal data: never logged).
    pub user_id: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for RegistrationTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationTicket")
            .field("id", &self.id)
            .field("municipality", &self.municipality)
            .finish_non_exhaustive()
    }
}

/// A friend of a municipality's account, as the webhook last saw them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Friend {
    /// Whether they follow the account (false after `unfollow`).
    pub following: bool,
    /// The subscription registered from this chat, if any.
    pub subscription_id: Option<String>,
}

/// The DynamoDB side of the LINE webhook.
#[derive(Clone, Debug)]
pub struct DynamoLineState {
    client: Client,
    subscriptions: String,
    deliveries: String,
}

fn friend_pk(channel_id: &str, user_id: &str) -> String {
    format!("LINE#{channel_id}#{user_id}")
}

impl DynamoLineState {
    /// The state in these two tables.
    pub fn new(client: Client, subscriptions: impl Into<String>, deliveries: impl Into<String>) -> Self {
        DynamoLineState { client, subscriptions: subscriptions.into(), deliveries: deliveries.into() }
    }

    /// Remembers an event id; `false` when it was handled before (a redelivery or a retry).
    pub async fn first_time(&self, channel_id: &str, event_id: &str) -> Result<bool, BoxError> {
        let expires = Utc::now() + chrono::Duration::days(EVENT_MEMORY_DAYS);
        let result = self
            .client
            .put_item()
            .table_name(&self.deliveries)
            .item(PK, s(format!("LINEEVENT#{channel_id}")))
            .item(SK, s(event_id))
            .item(EXPIRES_AT, n(expires.timestamp()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(put_if(result)?)
    }

    /// Forgets an event whose handling failed, so LINE's redelivery is handled.
    pub async fn forget(&self, channel_id: &str, event_id: &str) -> Result<(), BoxError> {
        self.client
            .delete_item()
            .table_name(&self.deliveries)
            .key(PK, s(format!("LINEEVENT#{channel_id}")))
            .key(SK, s(event_id))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Stores a new registration ticket.
    pub async fn put_ticket(&self, ticket: &RegistrationTicket) -> Result<(), BoxError> {
        self.client
            .put_item()
            .table_name(&self.deliveries)
            .item(PK, s(format!("LINEREG#{}", ticket.id)))
            .item(SK, s("ticket"))
            .item("municipality", s(&ticket.municipality))
            .item("channel_id", s(&ticket.channel_id))
            .item("user_id", s(&ticket.user_id))
            .item(EXPIRES_AT, n(ticket.expires_at.timestamp()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Reads a ticket without taking it (`None` when missing or expired): the registration page
    /// needs its municipality to answer a form with errors, and the link must still work then.
    pub async fn ticket(&self, id: &str, now: DateTime<Utc>) -> Result<Option<RegistrationTicket>, BoxError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.deliveries)
            .key(PK, s(format!("LINEREG#{id}")))
            .key(SK, s("ticket"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        let Some(item) = output.item else { return Ok(None) };
        let ticket = ticket_from_item(id, &item)?;
        Ok((ticket.expires_at.timestamp() > now.timestamp()).then_some(ticket))
    }

    /// Takes a ticket: deletes it and returns it if it existed and had not expired (so a link works
    /// once; the TTL deletes forgotten ones later, the expiry check covers the TTL's lag).
    pub async fn take_ticket(&self, id: &str, now: DateTime<Utc>) -> Result<Option<RegistrationTicket>, BoxError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.deliveries)
            .key(PK, s(format!("LINEREG#{id}")))
            .key(SK, s("ticket"))
            .condition_expression("attribute_exists(pk) AND #expires > :now")
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":now", n(now.timestamp()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                return Ok(None)
            }
            Err(error) => return Err(sdk_error(error).into()),
        };
        let Some(item) = output.attributes else { return Ok(None) };
        ticket_from_item(id, &item).map(Some)
    }

    /// The friend as last seen, if ever.
    pub async fn friend(&self, channel_id: &str, user_id: &str) -> Result<Option<Friend>, BoxError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.subscriptions)
            .key(PK, s(friend_pk(channel_id, user_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(output.item.map(|item| Friend {
            following: item.get("following").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
            subscription_id: get_s(&item, "subscription_id").map(str::to_owned),
        }))
    }

    /// Records a follow (`true`) or an unfollow (`false`), keeping the linked subscription.
    pub async fn set_following(&self, channel_id: &str, user_id: &str, following: bool) -> Result<(), BoxError> {
        self.client
            .update_item()
            .table_name(&self.subscriptions)
            .key(PK, s(friend_pk(channel_id, user_id)))
            .update_expression("SET following = :f, updated_at = :now")
            .expression_attribute_values(":f", AttributeValue::Bool(following))
            .expression_attribute_values(":now", s(now_rfc3339()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Links the subscription registered from this chat to the friend.
    pub async fn link_subscription(
        &self,
        channel_id: &str,
        user_id: &str,
        subscription_id: &str,
    ) -> Result<(), BoxError> {
        self.client
            .update_item()
            .table_name(&self.subscriptions)
            .key(PK, s(friend_pk(channel_id, user_id)))
            .update_expression("SET following = :t, subscription_id = :id, updated_at = :now")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":id", s(subscription_id))
            .expression_attribute_values(":now", s(now_rfc3339()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

fn ticket_from_item(id: &str, item: &Item) -> Result<RegistrationTicket, BoxError> {
    let field = |name: &str| get_s(item, name).map(str::to_owned).ok_or_else(|| format!("ticket without {name}"));
    let expires = item
        .get(EXPIRES_AT)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .ok_or("ticket without expires_at")?;
    Ok(RegistrationTicket {
        id: id.to_owned(),
        municipality: field("municipality")?,
        channel_id: field("channel_id")?,
        user_id: field("user_id")?,
        expires_at: expires,
    })
}
