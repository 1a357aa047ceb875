//! The LINE webhook use case through the real parts: events built and signed with the official
//! SDK's webhook models by the stand-in, replies sent to the stand-in's reply endpoint (validated
//! by the SDK's `ReplyMessageRequest`), handled events, friends and tickets in moto's DynamoDB.
//! Subscriptions are real items in moto's DynamoDB (blocked and resumed by the store). The
//! stand-in, moto and the tables are the shared LINE world of `line_support::world`.

use crate::line_support;

use kizuna_sender::ports::subscriptions::Subscriptions;
use std::collections::BTreeMap;
use std::time::Duration;

use kizuna_schedule::line::{LineMessage, LinePayload, SystemLine};
use kizuna_schedule::AnchorKind;
use kizuna_sender::adapters::dynamo::line_state::DynamoLineState;
use kizuna_sender::adapters::dynamo::subscription_items::NewSubscription;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::line::channels::LineChannels;
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::domain::model::{FamilyReason, StopReason, SubscriptionStatus, Transition};
use kizuna_sender::use_cases::line_webhook::{LineMunicipality, LineWebhook};
use line_support::user_id;
use line_support::world::{LineWorld, CHANNEL, SECRET};
use serde_json::{json, Value};

const API: &str = "https://kizuna.example.jp/api/";

/// Stores an active subscription (as the registration endpoint does) and links it to the friend.
async fn registered(w: &World, user: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let sub = NewSubscription {
        id: id.clone(),
        municipality: "hikari".into(),
        email: String::new(),
        email_hash: format!("line-{id}"),
        anchor_kind: AnchorKind::Due,
        anchor_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 1).expect("date"),
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "test".into(),
    };
    w.store.put_new(&sub).await.expect("put subscription");
    w.state.link_subscription(CHANNEL, user, &id).await.expect("link");
    id
}

async fn status(w: &World, id: &str) -> (SubscriptionStatus, bool) {
    let item = w
        .dynamo
        .get_item()
        .table_name(&w.subs_table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("SUB#{id}")))
        .send()
        .await
        .expect("get")
        .item
        .expect("item");
    let status = SubscriptionStatus::parse(item["status"].as_s().expect("status")).expect("known status");
    (status, item.contains_key("by_anchor_pk"))
}

fn text(t: &str) -> LinePayload {
    LinePayload { messages: vec![LineMessage::Text { text: t.to_owned() }] }
}

fn municipality() -> LineMunicipality {
    let system = BTreeMap::from([
        (SystemLine::Greeting, text("ひかり市です。登録はこちら: %%register_url%%")),
        (SystemLine::Resumed, text("おかえりなさい。%%manage_url%%")),
        (SystemLine::Manage, text("登録内容: %%manage_url%%")),
        (SystemLine::Stop, text("配信停止: %%unsubscribe_url%%")),
        (SystemLine::Help, text("このアカウントは個別のご返信ができません。%%archive_url%%")),
    ]);
    LineMunicipality {
        id: "hikari".into(),
        archive_base_url: "https://kizuna.example.jp/hikari/".into(),
        api_base_url: API.into(),
        system,
    }
}

/// The shared LINE world and the webhook's parts over it.
struct World {
    base: LineWorld,
    channels: LineChannels,
    state: DynamoLineState,
    store: SubscriptionStore,
}

impl std::ops::Deref for World {
    type Target = LineWorld;
    fn deref(&self) -> &LineWorld {
        &self.base
    }
}

async fn world() -> World {
    let base = LineWorld::start(2000).await;
    World { channels: base.channels(Duration::from_secs(5), 1000.0), state: base.state(), store: base.store(), base }
}

impl World {
    fn webhook(&self) -> LineWebhook<'_, SubscriptionStore> {
        LineWebhook { channels: &self.channels, state: &self.state, subscriptions: &self.store, links: &self.links }
    }

    async fn send(&self, events: Value) -> (kizuna_sender::use_cases::line_webhook::WebhookOutcome, Value) {
        let built = self.standin.webhook(CHANNEL, events).await;
        let body = built["body"].as_str().expect("body").as_bytes();
        let outcome = self.webhook().handle(&municipality(), body, built["signature"].as_str()).await;
        (outcome, built)
    }

    async fn reply_texts(&self) -> Vec<String> {
        let replies = self.standin.replies(CHANNEL).await;
        replies.iter().map(|r| r["messages"][0]["text"].as_str().expect("text").to_owned()).collect()
    }
}

#[tokio::test]
async fn follow_replies_a_greeting_with_a_ticket_once_and_unfollow_blocks() {
    let w = world().await;
    let user = user_id(42);
    let (outcome, built) = w.send(json!([{"type": "follow", "user_id": user}])).await;
    assert_eq!((outcome.status, outcome.handled), (200, 1));
    let texts = w.reply_texts().await;
    assert_eq!(texts.len(), 1);
    let token = texts[0]
        .strip_prefix("ひかり市です。登録はこちら: https://kizuna.example.jp/hikari/subscribe/line/?token=")
        .expect("a registration link in the greeting");
    let now = chrono::Utc::now();
    let claims = w.links.verify(token, now.timestamp()).expect("a valid signed token");
    assert_eq!(claims.purpose, Purpose::LineRegister);
    let ticket_id = claims.subscription_id.as_str();
    // The ticket binds user, channel and municipality, and is taken once.
    let ticket = w.state.take_ticket(ticket_id, now).await.expect("read").expect("the ticket exists");
    assert_eq!(
        (ticket.user_id.as_str(), ticket.channel_id.as_str(), ticket.municipality.as_str()),
        (user.as_str(), CHANNEL, "hikari")
    );
    assert!(w.state.take_ticket(ticket_id, now).await.expect("read").is_none(), "usable once");

    // LINE redelivers the same event: acknowledged, nothing replied again.
    let body = built["body"].as_str().expect("body").as_bytes();
    let again = w.webhook().handle(&municipality(), body, built["signature"].as_str()).await;
    assert_eq!((again.status, again.handled, again.duplicates), (200, 0, 1));
    assert_eq!(w.reply_texts().await.len(), 1);

    // Registered (the registration endpoint links the subscription), then blocked, then unblocked.
    let id = registered(&w, &user).await;
    let (outcome, _) = w.send(json!([{"type": "unfollow", "user_id": user}])).await;
    assert_eq!(outcome.handled, 1);
    assert_eq!(status(&w, &id).await, (SubscriptionStatus::Blocked, false), "blocked and out of by_anchor");
    assert!(!w.state.friend(CHANNEL, &user).await.expect("read").expect("friend").following);
    let (outcome, _) = w.send(json!([{"type": "follow", "user_id": user, "is_unblocked": true}])).await;
    assert_eq!(outcome.handled, 1);
    assert_eq!(status(&w, &id).await, (SubscriptionStatus::Active, true), "resumed into by_anchor");
    let resumed = w.reply_texts().await.last().expect("reply").clone();
    assert!(resumed.starts_with(&format!("おかえりなさい。{API}manage?token=")), "{resumed}");
}

#[tokio::test]
async fn unblocking_resumes_only_a_blocked_subscription() {
    let w = world().await;
    let user = user_id(43);
    let id = registered(&w, &user).await;
    // Stopped for another reason (after a loss), then blocked and unblocked: not resumed, a plain
    // greeting instead.
    let current = w.store.get(&id).await.expect("get").expect("subscription");
    let ended = w
        .store
        .end(
            &current,
            SubscriptionStatus::Stopped,
            StopReason::Family(FamilyReason::Miscarriage),
            Transition::Stopped(StopReason::Family(FamilyReason::Miscarriage)),
            chrono::Utc::now(),
        )
        .await
        .expect("stop");
    assert!(matches!(ended, kizuna_sender::ports::subscriptions::Change::Applied(_)));
    w.send(json!([{"type": "unfollow", "user_id": user}])).await;
    w.send(json!([{"type": "follow", "user_id": user, "is_unblocked": true}])).await;
    assert_eq!(status(&w, &id).await.0, SubscriptionStatus::Stopped, "never resumed");
    assert!(w.reply_texts().await.last().expect("reply").contains("subscribe/line/?token="));
}

#[tokio::test]
async fn fixed_words_reply_links_and_other_text_replies_help() {
    let w = world().await;
    let user = user_id(44);
    registered(&w, &user).await;
    let (outcome, _) = w
        .send(json!([
            {"type": "message", "user_id": user, "text": "配信停止"},
            {"type": "message", "user_id": user, "text": " 登録内容の確認・変更 "},
            {"type": "message", "user_id": user, "text": "こんにちは"},
            {"type": "message", "user_id": user_id(45), "text": "配信停止"}
        ]))
        .await;
    assert_eq!((outcome.status, outcome.handled), (200, 4));
    let texts = w.reply_texts().await;
    assert!(texts[0].starts_with(&format!("配信停止: {API}unsubscribe?token=")), "{}", texts[0]);
    assert!(texts[1].starts_with(&format!("登録内容: {API}manage?token=")), "{}", texts[1]);
    let help = "このアカウントは個別のご返信ができません。https://kizuna.example.jp/hikari/";
    // Someone not registered gets help, never another family's links.
    assert_eq!(texts[2..], [help, help]);
}

#[tokio::test]
async fn the_manage_words_before_registering_bring_a_new_registration_link() {
    // The registration page promises it: a family whose link expired (or who never registered)
    // sends 登録内容の確認・変更 and gets the greeting with a fresh link, not help.
    let w = world().await;
    let user = user_id(47);
    let (outcome, _) = w.send(json!([{"type": "message", "user_id": user, "text": "登録内容の確認・変更"}])).await;
    assert_eq!((outcome.status, outcome.handled), (200, 1));
    let reply = w.reply_texts().await.pop().expect("a reply");
    let token = reply
        .strip_prefix("ひかり市です。登録はこちら: https://kizuna.example.jp/hikari/subscribe/line/?token=")
        .unwrap_or_else(|| panic!("a registration link, got {reply}"));
    let now = chrono::Utc::now();
    let claims = w.links.verify(token, now.timestamp()).expect("a valid signed token");
    assert_eq!(claims.purpose, Purpose::LineRegister);
    let ticket = w.state.take_ticket(&claims.subscription_id, now).await.expect("read").expect("a ticket");
    assert_eq!((ticket.user_id.as_str(), ticket.channel_id.as_str()), (user.as_str(), CHANNEL));
    // Other words still answer help.
    w.send(json!([{"type": "message", "user_id": user, "text": "配信停止"}])).await;
    assert!(w.reply_texts().await.pop().expect("reply").starts_with("このアカウントは個別のご返信ができません。"));
}

#[tokio::test]
async fn bad_signatures_and_bodies_change_nothing() {
    let w = world().await;
    let user = user_id(46);
    let built = w.standin.webhook(CHANNEL, json!([{"type": "unfollow", "user_id": user}])).await;
    let body = built["body"].as_str().expect("body").as_bytes();
    let signature = built["signature"].as_str().expect("signature");
    let hikari = municipality();
    // Missing, forged (another secret), stale (a signature of another body), and tampered bodies.
    let other = w.standin.webhook(CHANNEL, json!([{"type": "follow", "user_id": user}])).await;
    let mut tampered = body.to_vec();
    tampered.extend_from_slice(b"\n");
    let cases: Vec<(&[u8], Option<&str>)> = vec![
        (body, None),
        (body, Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")),
        (body, other["signature"].as_str()),
        (&tampered, Some(signature)),
        (body, Some("not base64 at all")),
    ];
    for (body, signature) in cases {
        let outcome = w.webhook().handle(&hikari, body, signature).await;
        assert_eq!((outcome.status, outcome.signature_failed, outcome.handled), (401, true, 0));
    }
    assert!(w.state.friend(CHANNEL, &user).await.expect("read").is_none(), "no state changed");

    // Malformed JSON with a valid signature: 400; unknown events: acknowledged and ignored.
    let malformed = b"{\"destination\": \"U1\", \"events\": [";
    let signed = sign(malformed);
    assert_eq!(w.webhook().handle(&hikari, malformed, Some(&signed)).await.status, 400);
    let (outcome, _) = w
        .send(json!([{"raw": {"type": "somethingNew", "mode": "active", "webhookEventId": "X"}}, {"raw": {"type": "follow"}}]))
        .await;
    assert_eq!((outcome.status, outcome.handled, outcome.ignored), (200, 0, 2));
    // An empty events array (LINE's "verify" button) is fine.
    let (outcome, _) = w.send(json!([])).await;
    assert_eq!(outcome.status, 200);
    assert!(w.standin.replies(CHANNEL).await.is_empty());
}

fn sign(body: &[u8]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
