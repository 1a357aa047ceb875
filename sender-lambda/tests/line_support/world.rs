//! The shared world of the LINE tests: a fresh LINE stand-in with the channel of `hikari`, moto
//! with that channel's secret in Secrets Manager and fresh subscription and delivery tables
//! ([`LineWorld`]); and, for the registration and delivery tests, `hikari` published with LINE
//! (schedule, mail sections, LINE payloads, greeting, welcome and stop confirmations, the
//! registration page), the API over it and a family's steps — follow, register, the morning run
//! ([`Town`]).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use kizuna_schedule::line::{LineFile, LineMessage, LineParts, LinePayload, LineSettings, SystemLine};
use kizuna_schedule::{content_hash, ScheduleEntry, TrackId};
use kizuna_sender::adapters::dynamo::line_state::DynamoLineState;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients};
use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::adapters::line::push::LinePush;
use kizuna_sender::adapters::ses::SesMailer;
use kizuna_sender::adapters::site::published::{line_municipality, Site};
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::http::{Api, ApiConfig, ApiLine, ApiRequest, ApiResponse};
use kizuna_sender::ports::channel::Routed;
use kizuna_sender::ports::published_site::PublishedSite;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest, RunSummary};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::line_webhook::LineWebhook;
use serde_json::{json, Value};

use super::Standin;
use crate::common;
use crate::common::moto::{unique, Moto};

/// The channel id of `hikari`'s official account.
pub const CHANNEL: &str = "4001";
/// Its channel secret.
pub const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// The link keys of the tests.
pub const LINK_SECRET: &str = "k1:line-tests-link-secret-0123456789abcdef";
/// The start of the greeting's text, up to the registration token.
pub const REGISTER_PREFIX: &str = "ひかり市です。登録はこちら: https://kizuna.example.jp/hikari/subscribe/line/?token=";
/// The served registration page as far as the API fills it (the token and the field errors).
const LINE_PAGE: &str = "<!DOCTYPE html><html lang=\"ja\"><body><!--kizuna:base--><!--kizuna:errors-->\
    <form><input type=\"hidden\" name=\"token\" value=\"%%token%%\"><!--kizuna:error:date-->\
    <input id=\"field-date\" name=\"date\"></form></body></html>";

/// The stand-in, moto and the tables.
pub struct LineWorld {
    /// The LINE stand-in.
    pub standin: Standin,
    /// moto (DynamoDB, SES, Secrets Manager).
    pub moto: Moto,
    /// The SDK configuration for moto.
    pub config: aws_config::SdkConfig,
    /// DynamoDB.
    pub dynamo: aws_sdk_dynamodb::Client,
    /// The subscriptions table.
    pub subs_table: String,
    /// The deliveries table.
    pub deliveries_table: String,
    /// The link keys.
    pub links: LinkKeys,
}

impl LineWorld {
    /// A fresh world whose channel takes `rate_per_second` pushes (the stand-in answers 429 above).
    pub async fn start(rate_per_second: u32) -> LineWorld {
        let (standin, moto) = (Standin::start().await, Moto::start().await);
        standin.add_channel(CHANNEL, SECRET, rate_per_second).await;
        let config = moto.config().await;
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        let value = json!({"channel_id": CHANNEL, "channel_secret": SECRET}).to_string();
        secrets.create_secret().name("kizuna/line/hikari").secret_string(value).send().await.expect("secret");
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let (subs, deliveries) = (unique("subs"), unique("deliveries"));
        create_table(&dynamo, &subscriptions_table(&subs)).await.expect("subscriptions table");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries table");
        let links = LinkKeys::parse(LINK_SECRET).expect("link keys");
        LineWorld { standin, moto, config, dynamo, subs_table: subs, deliveries_table: deliveries, links }
    }

    /// The LINE channels over the stand-in: calls time out after `timeout`, `rate` pushes a second.
    pub fn channels(&self, timeout: Duration, rate: f64) -> LineChannels {
        let api = LineApi::new(&self.standin.base(), timeout).expect("client");
        let secrets = aws_sdk_secretsmanager::Client::new(&self.config);
        LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, rate)
    }

    /// Friends and registration tickets.
    pub fn state(&self) -> DynamoLineState {
        DynamoLineState::new(self.dynamo.clone(), &self.subs_table, &self.deliveries_table)
    }

    /// The subscriptions.
    pub fn store(&self) -> SubscriptionStore {
        SubscriptionStore::new(self.dynamo.clone(), &self.subs_table, &self.deliveries_table)
    }

    /// The delivery records of a subscription.
    pub async fn records(
        &self,
        subscription: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let items = self.dynamo.scan().table_name(&self.deliveries_table).send().await.expect("scan").items;
        let pk = format!("SUB#{subscription}");
        items.unwrap_or_default().into_iter().filter(|item| item["pk"].as_s().is_ok_and(|p| *p == pk)).collect()
    }
}

/// A LINE payload of one text.
pub fn text(t: &str) -> LinePayload {
    LinePayload { messages: vec![LineMessage::Text { text: t.to_owned() }] }
}

/// The text of an entry's LINE section in `hikari` (what the family's push carries).
pub fn section_text(id: &str) -> String {
    format!("【{id}】\n今日のメッセージです。\nhttps://kizuna.example.jp/hikari/{id}/")
}

/// `hikari`'s entries: three pregnancy messages a few days apart.
pub const ENTRIES: [(&str, &str); 3] =
    [("maternity/12w3d", "12w3d"), ("maternity/12w5d", "12w5d"), ("maternity/13w0d", "13w0d")];

/// Writes `hikari` (maternity track, a `line:` block, every entry with its LINE payload, the
/// transactional LINE payloads with their hashes, the registration page) under `root`.
fn write_site(root: &std::path::Path) {
    let dir = root.join("hikari");
    let payloads = [
        (SystemLine::Greeting, text("ひかり市です。登録はこちら: %%register_url%%")),
        (SystemLine::Welcome, text("%%nickname%%ようこそ。登録内容: %%manage_url%%")),
        (SystemLine::Stopped, text("配信を停止しました。")),
        (SystemLine::StoppedLoss, text("%%nickname%%、配信を止めました。これ以上お送りしません。")),
        (SystemLine::Manage, text("登録内容: %%manage_url%%")),
        (SystemLine::Resumed, text("おかえりなさい。%%manage_url%%")),
        (SystemLine::BirthReminder, text("%%nickname%%、出産のご登録をお願いします。%%manage_url%%")),
    ];
    let mut system = BTreeMap::new();
    let write = |path: &str, payload: &LinePayload| {
        let bytes = serde_json::to_vec(payload).expect("payload");
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
        std::fs::write(file, &bytes).expect("write payload");
        LineFile { path: path.to_owned(), hash: content_hash(&bytes) }
    };
    for (kind, payload) in payloads {
        system.insert(kind, write(&format!("line/system/{}.json", kind.as_str()), &payload));
    }
    let entries: Vec<ScheduleEntry> = ENTRIES
        .iter()
        .map(|(id, when)| {
            let mut entry = common::track_entry(id, json!({ "pregnancy": when }));
            entry.line = Some(write(&format!("line/sections/{id}.json"), &text(&section_text(id))));
            entry
        })
        .collect();
    std::fs::create_dir_all(dir.join("subscribe/line")).expect("dir");
    std::fs::write(dir.join("subscribe/line/index.html"), LINE_PAGE).expect("page");
    let mut municipality = common::municipality("hikari", &[TrackId::Maternity], &[]);
    municipality.line =
        Some(LineSettings { basic_id: "@kizuna0".into(), add_friend_url: "https://lin.ee/AbCdEf1".into() });
    let mut document = common::schedule(municipality, entries);
    document.line = Some(LineParts { system });
    common::write_schedule(root, document);
}

/// `hikari` published with LINE, the API over it, and the family's steps.
pub struct Town {
    /// Stand-in, moto, tables.
    pub world: LineWorld,
    /// The subscription API (with LINE registration).
    pub api: Api<SesMailer>,
    /// The published archive.
    pub dir: tempfile::TempDir,
}

impl Town {
    /// A fresh town; its channel takes `rate_per_second` pushes.
    pub async fn start(rate_per_second: u32) -> Town {
        let world = LineWorld::start(rate_per_second).await;
        let dir = tempfile::tempdir().expect("tempdir");
        write_site(dir.path());
        let api = Api {
            store: world.store(),
            deliveries: kizuna_sender::adapters::dynamo::DynamoDeliveries::new(
                world.dynamo.clone(),
                &world.subs_table,
                &world.deliveries_table,
            ),
            mailer: SesMailer::new(kizuna_sender::adapters::ses::ses_client(&world.config), None),
            links: world.links.clone(),
            hasher: EmailHasher::new(b"line-tests-email-hash-key-0123456789abc"),
            site: Site::Directory(dir.path().to_path_buf()),
            // Not used here: LINE registration stores no survey answers.
            surveys: kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers::new(
                world.dynamo.clone(),
                "survey-answers-unused",
            ),
            config: ApiConfig::default(),
            line: Some(ApiLine { channels: world.channels(Duration::from_secs(5), 1000.0), state: world.state() }),
        };
        world.moto.verify_identities(&["kizuna@hikari.example.jp".to_owned()]).await;
        Town { world, api, dir }
    }

    /// The API's LINE parts.
    pub fn line(&self) -> &ApiLine {
        self.api.line.as_ref().expect("line")
    }

    /// `hikari`'s published schedule.
    pub fn schedules(&self) -> Vec<LoadedSchedule> {
        load_schedule_dir(self.dir.path(), None).expect("schedules")
    }

    /// A webhook call with events built and signed by the stand-in; the handled count.
    pub async fn webhook(&self, events: Value) -> usize {
        let schedule = self.api.site.schedule("hikari").await.expect("read").expect("hikari");
        let hikari = line_municipality(&schedule).await.expect("payloads").expect("LINE");
        let built = self.world.standin.webhook(CHANNEL, events).await;
        let body = built["body"].as_str().expect("body").as_bytes();
        let line = self.line();
        let webhook = LineWebhook {
            channels: &line.channels,
            state: &line.state,
            subscriptions: &self.api.store,
            links: &self.api.links,
        };
        let outcome = webhook.handle(&hikari, body, built["signature"].as_str()).await;
        assert_eq!(outcome.status, 200);
        outcome.handled
    }

    /// A `follow` through the webhook; returns the registration token of the greeting.
    pub async fn follow(&self, user: &str) -> String {
        assert_eq!(self.webhook(json!([{"type": "follow", "user_id": user}])).await, 1);
        let replies = self.world.standin.replies(CHANNEL).await;
        let greeting = replies.last().expect("a greeting")["messages"][0]["text"].as_str().expect("text").to_owned();
        greeting.strip_prefix(REGISTER_PREFIX).expect("a registration link in the greeting").to_owned()
    }

    /// Posts the LINE registration form.
    pub async fn register(&self, fields: &[(&str, &str)]) -> ApiResponse {
        self.post("/api/line/register", fields).await
    }

    /// Posts a form to the API.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> ApiResponse {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect();
        let request = ApiRequest {
            method: "POST".into(),
            path: path.into(),
            query: String::new(),
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
            body: body.join("&").into_bytes(),
        };
        self.api.handle(&request, chrono::Utc::now()).await
    }

    /// follow → greeting → registration with a due date; the subscription id.
    pub async fn register_family(&self, user: &str, due: NaiveDate) -> String {
        let token = self.follow(user).await;
        let due = due.to_string();
        let response = self.register(&form(&token, &due)).await;
        assert_eq!(response.status, 303, "{}", response.body);
        let friend = self.line().state.friend(CHANNEL, user).await.expect("read").expect("friend");
        friend.subscription_id.expect("the subscription is linked to the friend")
    }

    /// The morning run of `date` in its own process's parts (as `kizuna-sender run` builds them):
    /// LINE calls time out after `timeout`; the channel's pacer allows `rate` pushes a second.
    pub async fn run(&self, date: NaiveDate, timeout: Duration, rate: f64) -> RunSummary {
        let world = &self.world;
        let source = DynamoRecipients::new(world.dynamo.clone(), &world.subs_table);
        let store = DynamoDeliveries::new(world.dynamo.clone(), &world.subs_table, &world.deliveries_table);
        let channels = world.channels(timeout, rate);
        let push = LinePush { channels: &channels };
        let routed = Routed { mail: &self.api.mailer, line: Some(&push) };
        let pacer = Pacer::new(1000.0);
        // Short backoffs: the tests wait on LINE's answers, not on the production ceilings.
        let options = DeliveryOptions {
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
            ..DeliveryOptions::default()
        };
        let delivery = Delivery { store: &store, mailer: &routed, pacer: &pacer, options };
        let request = RunRequest { date, dry_run: false, allow_draft: false };
        run_day(&self.schedules(), &source, &delivery, &self.api.links, &request).await
    }

    /// Every push the stand-in accepted for one user, in order.
    pub async fn pushes_to(&self, user: &str) -> Vec<Value> {
        let pushes = self.world.standin.pushes(CHANNEL).await;
        pushes.into_iter().filter(|push| push["to"] == user).collect()
    }

    /// The texts of the pushes one user got, in order.
    pub async fn texts_to(&self, user: &str) -> Vec<String> {
        let pushes = self.pushes_to(user).await;
        pushes.iter().map(|p| p["messages"][0]["text"].as_str().expect("text").to_owned()).collect()
    }
}

/// The day a family with this due date gets entry `id` (its pregnancy day).
pub fn day_of(id: &str, due: NaiveDate) -> NaiveDate {
    let (_, when) = ENTRIES.iter().find(|(entry, _)| *entry == id).expect("an entry of hikari");
    let rule = common::rule(json!({ "pregnancy": when }));
    rule.delivery_date(due).expect("the entry's day")
}

/// Percent-encodes a form value.
pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Japan's today plus `days`.
pub fn due_in(days: u64) -> NaiveDate {
    let today = kizuna_schedule::japan_date(chrono::Utc::now());
    today.checked_add_days(chrono::Days::new(days)).expect("date")
}

/// The registration form's fields for a due date, nickname はな.
pub fn form<'a>(token: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("kind", "due"),
        ("date", date),
        ("nickname", "はな"),
        ("consent", "on"),
        ("consent_version", kizuna_schedule::forms::CONSENT_VERSION),
    ]
}
