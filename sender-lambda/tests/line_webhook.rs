//! The LINE webhook use case through the real parts: events built and signed with the official
//! SDK's webhook models by the stand-in, replies sent to the stand-in's reply endpoint (validated
//! by the SDK's `ReplyMessageRequest`), handled events, friends and tickets in moto's DynamoDB.
//! Subscriptions are the port's recording twin (their DynamoDB side is tested with the lifecycle).

mod common;
mod line_support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use common::moto::{unique, Moto};
use kizuna_schedule::line::{LineMessage, LinePayload, SystemLine};
use kizuna_sender::adapters::dynamo::line_state::DynamoLineState;
use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::dynamo::create_table;
use kizuna_sender::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::use_cases::line_webhook::{LineMunicipality, LineSubscriptions, LineWebhook, TicketSigner};
use kizuna_sender::BoxError;
use line_support::{user_id, Standin};
use serde_json::{json, Value};

const SECRET: &str = "fedcba9876543210fedcba9876543210";
const CHANNEL: &str = "3001";

/// The subscriptions port's twin: records blocks and resumes of known subscriptions.
#[derive(Default)]
struct Subscriptions {
    blocked: Mutex<Vec<String>>,
    stopped: Mutex<Vec<String>>,
    resumed: Mutex<Vec<String>>,
}

impl LineSubscriptions for Subscriptions {
    async fn block(&self, id: &str) -> Result<(), BoxError> {
        self.blocked.lock().expect("lock").push(id.to_owned());
        Ok(())
    }
    async fn resume_if_blocked(&self, id: &str) -> Result<bool, BoxError> {
        let mut blocked = self.blocked.lock().expect("lock");
        let was = blocked.iter().any(|b| b == id) && !self.stopped.lock().expect("lock").iter().any(|s| s == id);
        if was {
            blocked.retain(|b| b != id);
            self.resumed.lock().expect("lock").push(id.to_owned());
        }
        Ok(was)
    }
    async fn links(&self, id: &str) -> Result<Option<(String, String)>, BoxError> {
        Ok(Some((format!("https://kizuna.example.jp/manage/{id}"), format!("https://kizuna.example.jp/unsub/{id}"))))
    }
}

struct Signer;

impl TicketSigner for Signer {
    fn sign(&self, ticket_id: &str, _now: i64) -> String {
        format!("signed.{ticket_id}")
    }
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
    LineMunicipality { id: "hikari".into(), archive_base_url: "https://kizuna.example.jp/hikari/".into(), system }
}

struct World {
    standin: Standin,
    _moto: Moto,
    channels: LineChannels,
    state: DynamoLineState,
    subscriptions: Subscriptions,
}

async fn world() -> World {
    let (standin, moto) = (Standin::start().await, Moto::start().await);
    standin.add_channel(CHANNEL, SECRET, 2000).await;
    let config = moto.config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let value = json!({"channel_id": CHANNEL, "channel_secret": SECRET}).to_string();
    secrets.create_secret().name("kizuna/line/hikari").secret_string(value).send().await.expect("secret");
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let (subs, deliveries) = (unique("subs"), unique("deliveries"));
    create_table(&dynamo, &subscriptions_table(&subs)).await.expect("subscriptions table");
    create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries table");
    let api = LineApi::new(&standin.base(), Duration::from_secs(5)).expect("client");
    World {
        channels: LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, 1000.0),
        state: DynamoLineState::new(dynamo, subs, deliveries),
        subscriptions: Subscriptions::default(),
        standin,
        _moto: moto,
    }
}

impl World {
    fn webhook(&self) -> LineWebhook<'_, Subscriptions, Signer> {
        LineWebhook {
            channels: &self.channels,
            state: &self.state,
            subscriptions: &self.subscriptions,
            signer: &Signer,
        }
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
    let ticket_id = texts[0].split("?token=signed.").nth(1).expect("a registration link in the greeting");
    assert!(texts[0].starts_with("ひかり市です。登録はこちら: https://kizuna.example.jp/hikari/subscribe/line/?token="));
    // The ticket binds user, channel and municipality, and is taken once.
    let now = chrono::Utc::now();
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
    w.state.link_subscription(CHANNEL, &user, "sub-1").await.expect("link");
    let (outcome, _) = w.send(json!([{"type": "unfollow", "user_id": user}])).await;
    assert_eq!(outcome.handled, 1);
    assert_eq!(*w.subscriptions.blocked.lock().expect("lock"), vec!["sub-1".to_owned()]);
    assert!(!w.state.friend(CHANNEL, &user).await.expect("read").expect("friend").following);
    let (outcome, _) = w.send(json!([{"type": "follow", "user_id": user, "is_unblocked": true}])).await;
    assert_eq!(outcome.handled, 1);
    assert_eq!(*w.subscriptions.resumed.lock().expect("lock"), vec!["sub-1".to_owned()]);
    assert_eq!(w.reply_texts().await.last().expect("reply"), "おかえりなさい。https://kizuna.example.jp/manage/sub-1");
}

#[tokio::test]
async fn unblocking_resumes_only_a_blocked_subscription() {
    let w = world().await;
    let user = user_id(43);
    w.state.link_subscription(CHANNEL, &user, "sub-2").await.expect("link");
    // Stopped for another reason (e.g. after a loss), then blocked and unblocked: not resumed, a
    // plain greeting instead.
    w.subscriptions.stopped.lock().expect("lock").push("sub-2".into());
    w.send(json!([{"type": "unfollow", "user_id": user}])).await;
    w.send(json!([{"type": "follow", "user_id": user, "is_unblocked": true}])).await;
    assert!(w.subscriptions.resumed.lock().expect("lock").is_empty());
    assert!(w.reply_texts().await.last().expect("reply").contains("subscribe/line/?token="));
}

#[tokio::test]
async fn fixed_words_reply_links_and_other_text_replies_help() {
    let w = world().await;
    let user = user_id(44);
    w.state.link_subscription(CHANNEL, &user, "sub-3").await.expect("link");
    let (outcome, _) = w
        .send(json!([
            {"type": "message", "user_id": user, "text": "配信停止"},
            {"type": "message", "user_id": user, "text": " 登録内容の確認・変更 "},
            {"type": "message", "user_id": user, "text": "こんにちは"},
            {"type": "message", "user_id": user_id(45), "text": "配信停止"}
        ]))
        .await;
    assert_eq!((outcome.status, outcome.handled), (200, 4));
    assert_eq!(
        w.reply_texts().await,
        vec![
            "配信停止: https://kizuna.example.jp/unsub/sub-3",
            "登録内容: https://kizuna.example.jp/manage/sub-3",
            "このアカウントは個別のご返信ができません。https://kizuna.example.jp/hikari/",
            // Someone not registered gets help, never another family's links.
            "このアカウントは個別のご返信ができません。https://kizuna.example.jp/hikari/",
        ]
    );
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
    assert!(w.subscriptions.blocked.lock().expect("lock").is_empty());
}

fn sign(body: &[u8]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
