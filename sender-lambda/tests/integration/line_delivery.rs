//! LINE registration through the real parts: a `follow` built and signed by the stand-in (the
//! official SDK's webhook models) → the greeting's registration link → `POST /api/line/register`
//! on the real router → an active LINE subscription in moto's DynamoDB, linked to the friend, and
//! the welcome pushed to the stand-in (validated by the SDK's `PushMessageRequest`). Forged,
//! expired and reused tokens answer a Japanese page and store nothing. In the daily run a LINE
//! family is planned with the mail families of its town (one plan) and never mailed.

use crate::common;
use crate::line_support;

use kizuna_sender::ports::published_site::PublishedSite;
use kizuna_sender::ports::subscriptions::Subscriptions;
use std::collections::BTreeMap;
use std::time::Duration;

use common::moto::{unique, Moto};
use kizuna_schedule::line::{LineFile, LineMessage, LineParts, LinePayload, LineSettings, SystemLine};
use kizuna_schedule::AnchorKind;
use kizuna_schedule::{content_hash, TrackId};
use kizuna_sender::adapters::dynamo::line_state::{DynamoLineState, RegistrationTicket};
use kizuna_sender::adapters::dynamo::subscription_items::NewSubscription;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients, PutOutcome};
use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::adapters::ses::SesMailer;
use kizuna_sender::adapters::site::load_schedule_dir;
use kizuna_sender::adapters::site::published::{line_municipality, Site};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys, Purpose};
use kizuna_sender::domain::model::{Channel, SubscriptionStatus};
use kizuna_sender::http::{Api, ApiConfig, ApiLine, ApiRequest, ApiResponse};
use kizuna_sender::use_cases::daily_run::{preview_mail, run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::line_webhook::LineWebhook;
use line_support::{user_id, Standin};
use serde_json::json;

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const CHANNEL: &str = "4001";
const LINK_SECRET: &str = "k1:line-delivery-test-secret-0123456789ab";
const REGISTER_PREFIX: &str = "ひかり市です。登録はこちら: https://kizuna.example.jp/hikari/subscribe/line/?token=";
/// The served registration page as far as the API fills it (the token and the field errors).
const LINE_PAGE: &str = "<!DOCTYPE html><html lang=\"ja\"><body><!--kizuna:base--><!--kizuna:errors-->\
    <form><input type=\"hidden\" name=\"token\" value=\"%%token%%\"><!--kizuna:error:date-->\
    <input id=\"field-date\" name=\"date\"></form></body></html>";

fn text(t: &str) -> LinePayload {
    LinePayload { messages: vec![LineMessage::Text { text: t.to_owned() }] }
}

/// Writes the municipality `hikari` (maternity track, a `line:` block, the greeting and welcome
/// payloads with their hashes, the registration page) under `root`.
fn write_site(root: &std::path::Path) {
    let dir = root.join("hikari");
    let payloads = [
        (SystemLine::Greeting, text("ひかり市です。登録はこちら: %%register_url%%")),
        (SystemLine::Welcome, text("%%nickname%%ようこそ。登録内容: %%manage_url%%")),
    ];
    let mut system = BTreeMap::new();
    for (kind, payload) in payloads {
        let path = format!("line/system/{}.json", kind.as_str());
        let bytes = serde_json::to_vec(&payload).expect("payload");
        std::fs::create_dir_all(dir.join("line/system")).expect("dir");
        std::fs::write(dir.join(&path), &bytes).expect("write payload");
        system.insert(kind, LineFile { path, hash: content_hash(&bytes) });
    }
    std::fs::create_dir_all(dir.join("subscribe/line")).expect("dir");
    std::fs::write(dir.join("subscribe/line/index.html"), LINE_PAGE).expect("page");
    let mut municipality = common::municipality("hikari", &[TrackId::Maternity], &[]);
    municipality.line =
        Some(LineSettings { basic_id: "@kizuna0".into(), add_friend_url: "https://lin.ee/AbCdEf1".into() });
    let entry = common::track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" }));
    let mut document = common::schedule(municipality, vec![entry]);
    document.line = Some(LineParts { system });
    common::write_schedule(root, document);
}

struct World {
    standin: Standin,
    moto: Moto,
    _dir: tempfile::TempDir,
    api: Api<SesMailer>,
    store: SubscriptionStore,
    dynamo: aws_sdk_dynamodb::Client,
    subs_table: String,
    deliveries_table: String,
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
    let dir = tempfile::tempdir().expect("tempdir");
    write_site(dir.path());
    let line_api = LineApi::new(&standin.base(), Duration::from_secs(5)).expect("client");
    let api = Api {
        store: SubscriptionStore::new(dynamo.clone(), &subs, &deliveries),
        mailer: SesMailer::new(kizuna_sender::adapters::ses::ses_client(&config), None),
        links: LinkKeys::parse(LINK_SECRET).expect("link keys"),
        hasher: EmailHasher::new(b"line-delivery-email-hash-key-0123456789"),
        site: Site::Directory(dir.path().to_path_buf()),
        // Not used here: LINE registration stores no survey answers.
        surveys: kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers::new(
            dynamo.clone(),
            "survey-answers-unused",
        ),
        config: ApiConfig::default(),
        line: Some(ApiLine {
            channels: LineChannels::new(line_api, secrets, DEFAULT_SECRET_PREFIX, 1000.0),
            state: DynamoLineState::new(dynamo.clone(), &subs, &deliveries),
        }),
    };
    World {
        store: SubscriptionStore::new(dynamo.clone(), &subs, &deliveries),
        api,
        dynamo,
        subs_table: subs,
        deliveries_table: deliveries,
        standin,
        moto,
        _dir: dir,
    }
}

impl World {
    fn line(&self) -> &ApiLine {
        self.api.line.as_ref().expect("line")
    }

    /// A `follow` through the webhook; returns the registration token of the greeting.
    async fn follow(&self, user: &str) -> String {
        let schedule = self.api.site.schedule("hikari").await.expect("read").expect("hikari");
        let hikari = line_municipality(&schedule).await.expect("payloads").expect("LINE");
        let built = self.standin.webhook(CHANNEL, json!([{"type": "follow", "user_id": user}])).await;
        let body = built["body"].as_str().expect("body").as_bytes();
        let line = self.line();
        let webhook = LineWebhook {
            channels: &line.channels,
            state: &line.state,
            subscriptions: &self.store,
            links: &self.api.links,
        };
        let outcome = webhook.handle(&hikari, body, built["signature"].as_str()).await;
        assert_eq!((outcome.status, outcome.handled), (200, 1));
        let replies = self.standin.replies(CHANNEL).await;
        let greeting = replies.last().expect("a greeting")["messages"][0]["text"].as_str().expect("text").to_owned();
        greeting.strip_prefix(REGISTER_PREFIX).expect("a registration link in the greeting").to_owned()
    }

    async fn register(&self, fields: &[(&str, &str)]) -> ApiResponse {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect();
        let request = ApiRequest {
            method: "POST".into(),
            path: "/api/line/register".into(),
            query: String::new(),
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
            body: body.join("&").into_bytes(),
        };
        self.api.handle(&request, chrono::Utc::now()).await
    }

    /// Every subscription item (`SUB#…`) in the table.
    async fn subscription_count(&self) -> usize {
        let items =
            self.dynamo.scan().table_name(&self.subs_table).send().await.expect("scan").items.unwrap_or_default();
        items.iter().filter(|item| item["pk"].as_s().is_ok_and(|pk| pk.starts_with("SUB#"))).count()
    }
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn due_in(days: u64) -> String {
    let today = kizuna_schedule::japan_date(chrono::Utc::now());
    today.checked_add_days(chrono::Days::new(days)).expect("date").to_string()
}

fn form<'a>(token: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("kind", "due"),
        ("date", date),
        ("nickname", "はな"),
        ("consent", "on"),
        ("consent_version", kizuna_schedule::forms::CONSENT_VERSION),
    ]
}

#[tokio::test]
async fn follow_then_register_stores_an_active_line_subscription_and_pushes_the_welcome_once() {
    let w = world().await;
    let user = user_id(7);
    let token = w.follow(&user).await;
    let date = due_in(100);

    // A form with an error answers the page again with the token; the link keeps working.
    let mut missing_date = form(&token, "");
    missing_date.retain(|(name, _)| *name != "date");
    let again = w.register(&missing_date).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains(&format!("value=\"{token}\"")), "the token is filled in: {}", again.body);
    assert!(again.body.contains("error-summary"), "{}", again.body);
    assert_eq!(w.subscription_count().await, 0);

    let response = w.register(&form(&token, &date)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.contains("登録が完了しました"), "{}", response.body);

    let friend = w.line().state.friend(CHANNEL, &user).await.expect("read").expect("friend");
    let id = friend.subscription_id.expect("the subscription is linked to the friend");
    let subscription = w.store.get(&id).await.expect("get").expect("stored");
    assert_eq!(subscription.status, SubscriptionStatus::Active, "active at once, no confirmation");
    assert_eq!(subscription.channel(), Channel::Line);
    let line = subscription.line.as_ref().expect("a LINE recipient");
    assert_eq!((line.channel_id.as_str(), line.user_id.as_str()), (CHANNEL, user.as_str()));
    assert_eq!(subscription.anchor_date.to_string(), date);
    assert!(subscription.email.is_empty(), "no address for a LINE family");

    let pushes = w.standin.pushes(CHANNEL).await;
    assert_eq!(pushes.len(), 1, "one welcome");
    assert_eq!(pushes[0]["to"], user.as_str());
    let welcome = pushes[0]["messages"][0]["text"].as_str().expect("text");
    assert!(
        welcome.starts_with("はなさんようこそ。登録内容: https://kizuna.example.jp/api/manage?token="),
        "{welcome}"
    );
    let manage = welcome.rsplit("token=").next().expect("token");
    let claims = w.api.links.verify(manage, chrono::Utc::now().timestamp()).expect("a manage token");
    assert_eq!((claims.purpose, claims.subscription_id.as_str()), (Purpose::Manage, id.as_str()));

    // The link works once: used again, a Japanese page and nothing more stored or pushed.
    let reused = w.register(&form(&token, &due_in(120))).await;
    assert_eq!(reused.status, 410, "{}", reused.body);
    assert!(reused.body.contains("この登録用リンクは使えません"), "{}", reused.body);
    assert_eq!(w.subscription_count().await, 1);
    assert_eq!(w.standin.pushes(CHANNEL).await.len(), 1);
}

#[tokio::test]
async fn forged_and_expired_registration_tokens_answer_a_japanese_page_and_store_nothing() {
    let w = world().await;
    let user = user_id(8);
    let token = w.follow(&user).await;
    let now = chrono::Utc::now();
    let claims = w.api.links.verify(&token, now.timestamp()).expect("token");

    // Signed with another key: forged.
    let other = LinkKeys::parse("k1:another-secret-another-secret-0123456").expect("keys");
    let forged = other.token(Purpose::LineRegister, &claims.subscription_id, now.timestamp());
    // A manage token for the same id: the wrong purpose.
    let wrong_purpose = w.api.links.token(Purpose::Manage, &claims.subscription_id, now.timestamp());
    // Issued more than a day ago: the signed expiry has passed.
    let stale = w.api.links.token(Purpose::LineRegister, &claims.subscription_id, now.timestamp() - 2 * 86_400);
    // A ticket whose own expiry passed (the TTL has not deleted it yet).
    let expired = RegistrationTicket {
        id: uuid::Uuid::new_v4().to_string(),
        municipality: "hikari".into(),
        channel_id: CHANNEL.into(),
        user_id: user.clone(),
        expires_at: now - chrono::Duration::minutes(1),
    };
    w.line().state.put_ticket(&expired).await.expect("ticket");
    let expired_ticket = w.api.links.token(Purpose::LineRegister, &expired.id, now.timestamp());
    let date = due_in(90);
    for (name, bad, status) in [
        ("forged", forged.as_str(), 403),
        ("wrong purpose", wrong_purpose.as_str(), 403),
        ("stale", stale.as_str(), 410),
        ("expired ticket", expired_ticket.as_str(), 410),
        ("garbage", "not-a-token", 400),
        ("missing", "", 400),
    ] {
        let mut fields = form(bad, &date);
        if bad.is_empty() {
            fields.retain(|(field, _)| *field != "token");
        }
        let response = w.register(&fields).await;
        assert_eq!(response.status, status, "{name}: {}", response.body);
        assert!(response.body.contains("<html lang=\"ja\""), "{name}: a page");
        assert!(response.body.contains("この登録用リンクは使えません"), "{name}: {}", response.body);
    }
    assert_eq!(w.subscription_count().await, 0, "nothing stored");
    assert!(w.standin.pushes(CHANNEL).await.is_empty(), "nothing pushed");
    // The genuine link still works after all that.
    assert_eq!(w.register(&form(&token, &date)).await.status, 200);
}

#[tokio::test]
async fn a_line_family_is_planned_with_the_mail_families_but_never_mailed() {
    let w = world().await;
    let user = user_id(9);
    let token = w.follow(&user).await;
    let due = due_in(200);
    assert_eq!(w.register(&form(&token, &due)).await.status, 200);
    // A mail family of the same town with the same due date, stored as sign-up and import store them.
    let mail_family = NewSubscription {
        id: uuid::Uuid::new_v4().to_string(),
        municipality: "hikari".into(),
        email: "mail-family@example.jp".into(),
        email_hash: w.api.hasher.hash("mail-family@example.jp"),
        anchor_kind: AnchorKind::Due,
        anchor_date: due.parse().expect("date"),
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "test".into(),
    };
    assert_eq!(w.store.put_new(&mail_family).await.expect("put"), PutOutcome::Created);
    w.moto.verify_identities(&["kizuna@hikari.example.jp".to_owned()]).await;

    // The day the town's one entry is due for both families (as `kizuna preview` finds it).
    let schedules = load_schedule_dir(w._dir.path(), None).expect("schedules");
    let today = kizuna_schedule::japan_date(chrono::Utc::now());
    let mut day = None;
    for ahead in 0..300 {
        let date = today.checked_add_days(chrono::Days::new(ahead)).expect("date");
        let anchor = mail_family.anchor_date;
        let preview = preview_mail(&schedules[0], date, AnchorKind::Due, anchor, &w.api.links, false).await;
        if preview.expect("preview").is_some() {
            day = Some(date);
            break;
        }
    }
    let date = day.expect("the entry falls within the pregnancy");

    let source = DynamoRecipients::new(w.dynamo.clone(), &w.subs_table);
    let store = DynamoDeliveries::new(w.dynamo.clone(), &w.subs_table, &w.deliveries_table);
    let pacer = Pacer::new(1000.0);
    let delivery =
        Delivery { store: &store, mailer: &w.api.mailer, pacer: &pacer, options: DeliveryOptions::default() };
    let request = RunRequest { date, dry_run: false, allow_draft: false };
    let summary = run_day(&schedules, &source, &delivery, &w.api.links, &request).await;
    assert_eq!((summary.planned, summary.line_planned, summary.delivery.sent), (2, 1, 1), "{summary:?}");
    assert_eq!(summary.delivery.failed, 0, "{summary:?}");
    let sent = w.moto.sent().await;
    assert_eq!(sent.len(), 1, "only the mail family gets mail");
    assert!(summary.render().contains("LINE          1 planned"), "{}", summary.render());
    let metrics = kizuna_sender::use_cases::metrics::RunMetrics::from_summary(&summary).emf("cli", 0);
    let metrics: serde_json::Value = serde_json::from_str(&metrics).expect("EMF JSON");
    assert_eq!(metrics["LinePlanned"], 1, "the metric counts LINE families apart");
    // Nothing reserved for the LINE family: its delivery is LINE's, not the mail run's.
    let records = w.dynamo.scan().table_name(&w.deliveries_table).send().await.expect("scan").items.unwrap_or_default();
    let line_id =
        w.line().state.friend(CHANNEL, &user).await.expect("read").and_then(|f| f.subscription_id).expect("linked");
    assert!(
        records.iter().all(|item| !format!("{item:?}").contains(&line_id)),
        "no delivery record of the LINE family"
    );
    // A re-run sends nothing more.
    let again = run_day(&schedules, &source, &delivery, &w.api.links, &request).await;
    assert_eq!((again.delivery.sent, again.delivery.already_sent), (0, 1), "{again:?}");
    assert_eq!(w.moto.sent().await.len(), 1);
}
