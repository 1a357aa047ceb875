//! Reader surveys town by town, on a site the real generator builds (issue 20):
//!
//! - **LINE**: on the survey's day the daily run (mail and LINE from one plan) pushes a LINE
//!   family its day — the generator's LINE payloads combined by the contract's `compose_push` —
//!   with the invitation carrying the family's own link (channel `line`); the stand-in (the
//!   official SDK's `PushMessageRequest`) accepts it, and the link it recorded opens the survey
//!   through the API (moto's DynamoDB): answered once, a second answer refused, counted as LINE.
//! - **Opting out**: a town with `surveys: { opt_out: [reader] }` has no invitation in its
//!   families' mail on the survey's day (SES in moto), and the API refuses an answer for that
//!   survey with the Japanese closed page, storing nothing.
//!
//! Needs `.venv/bin/moto_server` (`scripts/moto.sh`) and the LINE stand-in (`scripts/line-standin.sh`).

use crate::common;
use crate::line_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use common::moto::{unique, Moto};
use kizuna_generator::build::{self, BuildOptions};
use kizuna_generator::output::DirectorySink;
use kizuna_schedule::{japan_today, AnchorKind, ScheduleDocument};
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table, survey_answers_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients, NewSubscription};
use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::adapters::line::push::LinePush;
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::domain::model::{Channel, LineRecipient, SubscriptionStatus};
use kizuna_sender::domain::survey::survey_token;
use kizuna_sender::http::{Api, ApiConfig, ApiRequest, ApiResponse};
use kizuna_sender::ports::channel::Routed;
use kizuna_sender::ports::survey_answers::SurveyAnswers;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::surveys::CountingInvitations;
use line_support::{user_id, Standin};
use mail_parser::MessageParser;

const LINK_SECRET: &str = "k1:survey-towns-test-secret-0123456789abcd";
const LINE_SECRET: &str = "0123456789abcdef0123456789abcdef";
const LINE_CHANNEL: &str = "5001";
const HASH_KEY: &[u8] = b"survey-towns-email-hash-key-0123456789ab";

fn today_plus(days: i64) -> NaiveDate {
    let today = japan_today();
    if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs())).expect("date")
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs())).expect("date")
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The generator's valid fixture with a national survey asked today of the maternity and baby
/// tracks; `testcity` gets a LINE account, `opttown` (a copy of it without LINE) opts out.
fn content(dir: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    copy_tree(&root.join("generator/tests/fixtures/valid"), dir);
    let survey = format!(
        "title: 読者アンケート\nintroduction: |\n  いつも読んでいただき、ありがとうございます。\n\
         when: {{ date: {today} }}\ntracks: [maternity, baby]\nopen: {{ from: {from}, until: {until} }}\n\
         questions:\n  - id: reading\n    kind: single\n    text: 届いたら読んでいますか\n\
         \x20   choices: [必ず読む, ときどき読む, 読まない]\n    required: true\nreview: {{ status: draft }}\n",
        today = japan_today(),
        from = today_plus(-1),
        until = today_plus(30)
    );
    std::fs::create_dir_all(dir.join("surveys")).expect("mkdir");
    std::fs::write(dir.join("surveys/reader.yaml"), survey).expect("survey");
    let town_path = dir.join("municipalities/testcity/municipality.yaml");
    let town = std::fs::read_to_string(&town_path).expect("testcity");
    let opted = town.replace("999901", "999902").replace("testcity", "opttown").replace("てすと市", "おぷと町");
    std::fs::create_dir_all(dir.join("municipalities/opttown")).expect("mkdir");
    std::fs::write(
        dir.join("municipalities/opttown/municipality.yaml"),
        format!("{opted}surveys: {{ opt_out: [reader] }}\n"),
    )
    .expect("opttown");
    let line =
        "line: { basic_id: \"@sample.testcity\", add_friend_url: \"https://line.me/R/ti/p/@sample.testcity\" }\n";
    std::fs::write(&town_path, format!("{town}{line}")).expect("testcity with LINE");
}

/// Builds the content with the real generator into `out`.
fn build_site(content_dir: &Path, out: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let options = BuildOptions {
        content_dir: content_dir.to_path_buf(),
        theme_dir: root.join("site-theme"),
        municipalities: Vec::new(),
        base_url: None,
        production: false,
        build_date: japan_today(),
        progress: false,
        search: false,
    };
    let prepared = build::prepare(&options).unwrap_or_else(|problems| panic!("content is invalid:\n{problems}"));
    let mut sink = DirectorySink::new(out, true);
    build::build(&prepared, &options, Some(out), &mut sink).expect("build");
    sink.commit().expect("commit");
}

struct World {
    moto: Moto,
    dynamo: aws_sdk_dynamodb::Client,
    subscriptions: String,
    deliveries: String,
    answers: DynamoSurveyAnswers,
    links: LinkKeys,
    _content: tempfile::TempDir,
    out: tempfile::TempDir,
    schedules: Vec<LoadedSchedule>,
    api: Api<SesMailer>,
}

impl World {
    async fn new() -> World {
        let moto = Moto::start().await;
        let config = moto.config().await;
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let (subscriptions, deliveries, answers_table) = (unique("subs"), unique("dels"), unique("answers"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries");
        create_table(&dynamo, &survey_answers_table(&answers_table)).await.expect("survey answers");
        let (content_dir, out) = (tempfile::tempdir().expect("content"), tempfile::tempdir().expect("out"));
        content(content_dir.path());
        build_site(content_dir.path(), out.path());
        let schedules = load_schedule_dir(out.path(), None).expect("the sender loads the built site");
        let senders: Vec<String> = schedules.iter().map(|s| s.document.municipality.email.from.clone()).collect();
        moto.verify_identities(&senders).await;
        let links = LinkKeys::parse(LINK_SECRET).expect("secret");
        let answers = DynamoSurveyAnswers::new(dynamo.clone(), &answers_table);
        let api = Api {
            store: SubscriptionStore::new(dynamo.clone(), &subscriptions, &deliveries),
            deliveries: kizuna_sender::adapters::dynamo::DynamoDeliveries::new(
                dynamo.clone(),
                &subscriptions,
                &deliveries,
            ),
            mailer: SesMailer::new(ses_client(&config), None),
            links: links.clone(),
            hasher: EmailHasher::new(HASH_KEY),
            site: Site::Directory(out.path().to_owned()),
            surveys: answers.clone(),
            line: None,
            config: ApiConfig { allowed_origins: vec!["https://kizuna.example.jp".to_owned()], ..ApiConfig::default() },
        };
        World { moto, dynamo, subscriptions, deliveries, answers, links, _content: content_dir, out, schedules, api }
    }

    fn schedule(&self, town: &str) -> &ScheduleDocument {
        &self.schedules.iter().find(|s| s.document.municipality.id == town).expect("town").document
    }

    async fn call(&self, method: &str, path_and_query: &str, body: &str) -> ApiResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let request = ApiRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: vec![("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned())],
            body: body.as_bytes().to_vec(),
        };
        self.api.handle(&request, Utc::now()).await
    }
}

/// The token of a link, percent-encoded for a form body (tokens are base64url and dots).
fn token_of(link: &str) -> &str {
    link.split_once("token=").map(|(_, token)| token).expect("a token in the link")
}

/// A subscription of `town`, born 13 days ago (in the baby track on the survey's day).
fn baby(id: &str, town: &str) -> NewSubscription {
    NewSubscription {
        id: id.to_owned(),
        municipality: town.to_owned(),
        email: format!("{id}@example.jp"),
        email_hash: EmailHasher::new(HASH_KEY).hash(&format!("{id}@example.jp")),
        anchor_kind: AnchorKind::Birth,
        anchor_date: today_plus(-13),
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "test".to_owned(),
    }
}

#[tokio::test]
async fn a_line_family_gets_its_own_survey_link_in_the_days_push_and_answers_once() {
    let (world, standin) = (World::new().await, Standin::start().await);
    standin.add_channel(LINE_CHANNEL, LINE_SECRET, 1000).await;
    let config = world.moto.config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let secret = serde_json::json!({ "channel_id": LINE_CHANNEL, "channel_secret": LINE_SECRET }).to_string();
    let name = format!("{DEFAULT_SECRET_PREFIX}testcity");
    secrets.create_secret().name(name).secret_string(secret).send().await.expect("the channel's secret");
    let store = SubscriptionStore::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries);
    let line = LineRecipient { channel_id: LINE_CHANNEL.to_owned(), user_id: user_id(7) };
    store.put_new_line(&baby("line-family", "testcity"), &line).await.expect("a LINE family");

    // The day's run, both channels from one plan, counting invitations as the CLI and Lambda do.
    let api = LineApi::new(&standin.base(), Duration::from_secs(5)).expect("client");
    let channels = LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, 1000.0);
    let (push, mailer) = (LinePush { channels: &channels }, SesMailer::new(ses_client(&config), None));
    let routed = Routed { mail: &mailer, line: Some(&push) };
    let counting = CountingInvitations { inner: &routed, store: &world.answers };
    let source = DynamoRecipients::new(world.dynamo.clone(), &world.subscriptions);
    let deliveries = DynamoDeliveries::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries);
    let pacer = Pacer::new(1000.0);
    let delivery =
        Delivery { store: &deliveries, mailer: &counting, pacer: &pacer, options: DeliveryOptions::default() };
    let request = RunRequest { date: japan_today(), dry_run: false, allow_draft: true };
    let summary = run_day(&world.schedules, &source, &delivery, &world.links, &request).await;
    assert_eq!((summary.delivery.line.sent, summary.delivery.failed), (1, 0), "{summary:?}");
    run_day(&world.schedules, &source, &delivery, &world.links, &request).await;

    // One push (the re-run adds none), accepted by the stand-in (the SDK's models), its button
    // the family's own link on LINE.
    let pushes = standin.pushes(LINE_CHANNEL).await;
    let [pushed] = pushes.as_slice() else { panic!("one push: {pushes:?}") };
    assert_eq!(pushed["to"], user_id(7).as_str());
    let texts = pushed.to_string();
    assert!(texts.contains("アンケートへのご協力のお願い"), "the invitation is in the day's push: {texts}");
    assert!(!texts.contains("%%"), "no marker left: {texts}");
    let uris: Vec<String> = pushed["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .flat_map(|m| m["template"]["actions"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a["uri"].as_str().map(str::to_owned))
        .collect();
    let [link] = uris.as_slice() else { panic!("one button: {uris:?}") };
    assert!(link.starts_with("https://kizuna.example.jp/api/survey-answers?token=v."), "{link}");
    assert!(link.contains(".line."), "a LINE invitation: {link}");
    assert!(!link.contains("line-family"), "no subscription id in the link");

    // The link opens the survey page; the answer is taken once, stored as a LINE answer.
    let token = token_of(link);
    let page = world.call("GET", &format!("/api/survey-answers?token={token}"), "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{token}\"")));
    let answered = world.call("POST", "/api/survey-answers", &format!("token={token}&q-reading=1")).await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let again = world.call("POST", "/api/survey-answers", &format!("token={token}&q-reading=2")).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("すでにお答えいただいています"), "{}", again.body);
    let records = world.answers.records("testcity", "reader").await.expect("records");
    let [sheet] = records.sheets.as_slice() else { panic!("one answer: {:?}", records.sheets) };
    assert_eq!(sheet.channel, Channel::Line);
    let invited: Vec<(&str, Channel, i64)> = records.invitations.iter().map(|(s, c, n)| (s.as_str(), *c, *n)).collect();
    assert_eq!(invited, [("age-0", Channel::Line, 1)], "one LINE invitation counted");
}

#[tokio::test]
async fn a_town_that_opts_out_never_invites_and_the_api_refuses_answers_for_it() {
    let world = World::new().await;
    assert!(world.schedule("opttown").surveys.is_empty(), "the opted-out survey is not in opttown's schedule");
    assert!(!world.out.path().join("opttown/surveys").exists(), "nor its pages");
    // A baby in each town, on the survey's day.
    let store = SubscriptionStore::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries);
    for (id, town) in [("opt-baby", "opttown"), ("test-baby", "testcity")] {
        store.put_new(&baby(id, town)).await.expect("subscribe");
    }
    let source = DynamoRecipients::new(world.dynamo.clone(), &world.subscriptions);
    let deliveries = DynamoDeliveries::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries);
    let mailer = SesMailer::new(ses_client(&world.moto.config().await), None);
    let pacer = Pacer::new(10_000.0);
    let delivery = Delivery { store: &deliveries, mailer: &mailer, pacer: &pacer, options: DeliveryOptions::default() };
    let request = RunRequest { date: japan_today(), dry_run: false, allow_draft: true };
    run_day(&world.schedules, &source, &delivery, &world.links, &request).await;
    let mut texts: Vec<(String, String)> = Vec::new();
    for captured in world.moto.sent().await {
        let message = MessageParser::default().parse(captured.raw.as_bytes()).expect("MIME");
        let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
        texts.push((to, message.body_text(0).expect("text").into_owned()));
    }
    let to = |id: &str| -> Vec<String> {
        texts.iter().filter(|(to, _)| *to == format!("{id}@example.jp")).map(|(_, text)| text.clone()).collect()
    };
    let (opt, test) = (to("opt-baby"), to("test-baby"));
    assert_eq!((opt.len(), test.len()), (1, 1), "each family gets its day's mail");
    assert!(test[0].contains("survey-answers?token="), "testcity's family is invited");
    assert!(!opt[0].contains("survey-answers"), "opttown's family is not");

    // A link for opttown's family (signed by us, as if sent before the town opted out) is refused
    // with the Japanese closed page, and nothing is stored.
    let reader = world.schedule("testcity").surveys.iter().find(|s| s.id == "reader").expect("reader");
    let today = japan_today();
    let token = survey_token(
        &world.links,
        "opttown",
        reader,
        "opt-baby",
        AnchorKind::Birth,
        today_plus(-13),
        today,
        Channel::Mail,
    );
    for (method, path, body) in [
        ("GET", format!("/api/survey-answers?token={token}"), String::new()),
        ("POST", "/api/survey-answers".to_owned(), format!("token={token}&q-reading=1")),
    ] {
        let refused = world.call(method, &path, &body).await;
        assert_eq!(refused.status, 410, "{method}: {}", refused.body);
        assert!(refused.body.contains("回答期間は終わりました"), "{method}: {}", refused.body);
        assert!(refused.body.contains("lang=\"ja\""), "{method}: a Japanese page");
    }
    let stored = world.answers.records("opttown", "reader").await.expect("records");
    assert!(stored.sheets.is_empty() && stored.invitations.is_empty(), "nothing stored for opttown");
}
