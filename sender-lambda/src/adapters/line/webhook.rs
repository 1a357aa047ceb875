//! LINE webhook requests: the `x-line-signature` check and the events Kizuna acts on.
//!
//! The signature is the Base64 HMAC-SHA256 of the **raw body bytes** under the channel secret; it
//! is checked in constant time before anything of the body is parsed. The body is then read event
//! by event: an event of a type Kizuna does not handle, in `standby` mode, from a group or room, or
//! not of the documented shape becomes [`Event::Ignored`] (answered 200 and left alone, as LINE
//! asks), never an error for the whole request.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Whether `signature` (the `x-line-signature` header) signs `body` with `channel_secret`.
pub fn signature_is_valid(channel_secret: &str, body: &[u8], signature: Option<&str>) -> bool {
    let Some(signature) = signature else { return false };
    let Ok(expected) = STANDARD.decode(signature.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()) else { return false };
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&expected).is_ok()
}

/// The body is not a webhook request (not JSON, or no `events` array).
#[derive(Debug, thiserror::Error)]
#[error("not a LINE webhook body: {0}")]
pub struct MalformedBody(String);

/// What every handled event carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMeta {
    /// `webhookEventId` (a ULID): each event is handled once.
    pub event_id: String,
    /// The LINE user id (bound to this channel).
    pub user_id: String,
    /// Whether LINE redelivers an event it could not deliver before.
    pub redelivery: bool,
}

/// One event Kizuna acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Added as a friend (`unblocked`: the user had blocked the account and unblocked it).
    Follow {
        /// Common fields.
        meta: EventMeta,
        /// The single-use reply token.
        reply_token: String,
        /// `follow.isUnblocked`.
        unblocked: bool,
    },
    /// Blocked.
    Unfollow {
        /// Common fields.
        meta: EventMeta,
    },
    /// A text message from the user.
    Text {
        /// Common fields.
        meta: EventMeta,
        /// The single-use reply token.
        reply_token: String,
        /// The text.
        text: String,
    },
    /// Anything else (other types, standby mode, groups, unexpected shapes): acknowledged, ignored.
    Ignored,
}

#[derive(Deserialize)]
struct Body {
    events: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    mode: String,
    webhook_event_id: String,
    delivery_context: DeliveryContext,
    source: Source,
    reply_token: Option<String>,
    follow: Option<FollowDetail>,
    message: Option<Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryContext {
    is_redelivery: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    #[serde(rename = "type")]
    kind: String,
    user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FollowDetail {
    is_unblocked: bool,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

/// Parses a verified body into its events (call only after [`signature_is_valid`]).
pub fn parse_events(body: &[u8]) -> Result<Vec<Event>, MalformedBody> {
    let body: Body = serde_json::from_slice(body).map_err(|error| MalformedBody(error.to_string()))?;
    Ok(body.events.into_iter().map(event).collect())
}

fn event(value: serde_json::Value) -> Event {
    let Ok(raw) = serde_json::from_value::<RawEvent>(value) else { return Event::Ignored };
    let user_id = match (raw.source.kind.as_str(), raw.source.user_id) {
        ("user", Some(id)) if is_user_id(&id) => id,
        _ => return Event::Ignored,
    };
    if raw.mode != "active" {
        return Event::Ignored;
    }
    let meta = EventMeta { event_id: raw.webhook_event_id, user_id, redelivery: raw.delivery_context.is_redelivery };
    match (raw.kind.as_str(), raw.reply_token) {
        ("follow", Some(reply_token)) => {
            Event::Follow { meta, reply_token, unblocked: raw.follow.is_some_and(|f| f.is_unblocked) }
        }
        ("unfollow", _) => Event::Unfollow { meta },
        ("message", Some(reply_token)) => match raw.message {
            Some(Message { kind, text: Some(text) }) if kind == "text" => Event::Text { meta, reply_token, text },
            _ => Event::Ignored,
        },
        _ => Event::Ignored,
    }
}

/// A LINE user id: `U` and 32 lower-case hex digits.
pub fn is_user_id(id: &str) -> bool {
    id.len() == 33 && id.starts_with('U') && id[1..].bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }

    const USER: &str = "U0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_only_the_signature_of_these_exact_bytes() {
        let body = br#"{"destination":"U1","events":[]}"#;
        let good = sign("secret", body);
        assert!(signature_is_valid("secret", body, Some(&good)));
        assert!(!signature_is_valid("other", body, Some(&good)));
        assert!(!signature_is_valid("secret", br#"{"destination":"U1","events":[] }"#, Some(&good)));
        assert!(!signature_is_valid("secret", body, None));
        assert!(!signature_is_valid("secret", body, Some("not base64!")));
        assert!(!signature_is_valid("secret", body, Some("")));
    }

    #[test]
    fn reads_follow_unfollow_and_text_and_ignores_the_rest() {
        let meta = |id: &str| {
            format!(
                r#""mode":"active","webhookEventId":"{id}","deliveryContext":{{"isRedelivery":false}},"source":{{"type":"user","userId":"{USER}"}},"timestamp":1"#
            )
        };
        let body = format!(
            r#"{{"destination":"U1","events":[
            {{"type":"follow","replyToken":"r1","follow":{{"isUnblocked":true}},{}}},
            {{"type":"unfollow",{}}},
            {{"type":"message","replyToken":"r3","message":{{"type":"text","id":"1","text":"配信停止","quoteToken":"q"}},{}}},
            {{"type":"message","replyToken":"r4","message":{{"type":"sticker","id":"1"}},{}}},
            {{"type":"beacon","replyToken":"r5",{}}},
            {{"type":"follow"}},
            {{"type":"follow","replyToken":"r7","follow":{{"isUnblocked":false}},"mode":"standby","webhookEventId":"E7","deliveryContext":{{"isRedelivery":false}},"source":{{"type":"user","userId":"{USER}"}}}}
            ]}}"#,
            meta("E1"),
            meta("E2"),
            meta("E3"),
            meta("E4"),
            meta("E5")
        );
        let events = parse_events(body.as_bytes()).expect("a webhook body");
        let meta = |id: &str| EventMeta { event_id: id.into(), user_id: USER.into(), redelivery: false };
        assert_eq!(
            events,
            vec![
                Event::Follow { meta: meta("E1"), reply_token: "r1".into(), unblocked: true },
                Event::Unfollow { meta: meta("E2") },
                Event::Text { meta: meta("E3"), reply_token: "r3".into(), text: "配信停止".into() },
                Event::Ignored,
                Event::Ignored,
                Event::Ignored,
                Event::Ignored,
            ]
        );
        assert!(parse_events(b"not json").is_err());
        assert!(parse_events(b"{\"destination\":\"U1\"}").is_err());
    }

    #[test]
    fn user_ids_have_the_documented_shape() {
        assert!(is_user_id(USER));
        assert!(!is_user_id("U0123"));
        assert!(!is_user_id("C0123456789abcdef0123456789abcdef"));
        assert!(!is_user_id("U0123456789ABCDEF0123456789abcdef"));
    }
}
