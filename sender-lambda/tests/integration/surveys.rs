//! Reader surveys through the real path (issue 20), against moto_server (DynamoDB + SESv2): the
//! invitation is a section of the day's mail with the reader's own link, sent once and counted;
//! the link opens the survey page through the API; an answer is stored once, without the
//! subscription; every refusal stores nothing; and the report's figures are what was answered.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::common;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, Utc};
use common::moto::{unique, Moto};
use common::{municipality, schedule, track_entry, write_schedule};
use kizuna_reports::report::Cell;
use kizuna_reports::survey::{AnswerSheet, SurveyResults};
use kizuna_schedule::survey::{Choice, OpenPeriod, Question, QuestionKind, SurveyEntry, SurveyScope};
use kizuna_schedule::{japan_today, AnchorKind, CalendarDate, ReviewStatus, Rule, TrackId};
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table, survey_answers_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients, NewSubscription};
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::load_schedule_dir;
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::domain::model::{Channel, SubscriptionStatus};
use kizuna_sender::domain::survey::survey_token;
use kizuna_sender::http::{Api, ApiConfig, ApiRequest, ApiResponse};
use kizuna_sender::ports::survey_answers::SurveyAnswers;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::surveys::CountingInvitations;
use mail_parser::MessageParser;

const SECRET: &str = "k1:survey-test-secret-survey-test-secret-01";
const MUNI: &str = "hikari";

fn days_from_today(days: i64) -> NaiveDate {
    let today = japan_today();
    if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs())).expect("date")
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs())).expect("date")
    }
}

fn question(id: &str, kind: QuestionKind, labels: &[&str], origin: SurveyScope) -> Question {
    Question {
        id: id.to_owned(),
        kind,
        text: format!("{id}の質問"),
        choices: Choice::numbered(labels),
        required: kind == QuestionKind::Single,
        origin,
    }
}

/// A survey asking today's readers of the baby track, open from yesterday.
fn survey(id: &str, open: OpenPeriod) -> SurveyEntry {
    SurveyEntry {
        id: id.to_owned(),
        scope: SurveyScope::National,
        title: "読者アンケート".to_owned(),
        when: Rule::Date(CalendarDate(japan_today())),
        tracks: Some(vec![TrackId::Baby]),
        open,
        url: format!("https://kizuna.example.jp/{MUNI}/surveys/{id}/"),
        section: format!("mail/sections/survey/{id}.json"),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Draft,
        questions: vec![
            question("reading", QuestionKind::Single, &["必ず読む", "ときどき読む", "読まない"], SurveyScope::National),
            question("helpful", QuestionKind::Multiple, &["成長", "健康", "地域"], SurveyScope::National),
            question("comment", QuestionKind::Text, &[], SurveyScope::Municipal),
        ],
    }
}

struct World {
    _dynamo_moto: Moto,
    ses_moto: Moto,
    dynamo: aws_sdk_dynamodb::Client,
    subscriptions: String,
    deliveries: String,
    answers: DynamoSurveyAnswers,
    links: LinkKeys,
    dir: tempfile::TempDir,
    api: Api<SesMailer>,
}

impl World {
    async fn new() -> World {
        let (dynamo_moto, ses_moto) = (Moto::start().await, Moto::start().await);
        let dynamo = aws_sdk_dynamodb::Client::new(&dynamo_moto.config().await);
        let (subscriptions, deliveries, answers_table) = (unique("subs"), unique("dels"), unique("answers"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries");
        create_table(&dynamo, &survey_answers_table(&answers_table)).await.expect("survey answers");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut document = schedule(
            municipality(MUNI, &[TrackId::Maternity, TrackId::Baby], &[]),
            vec![track_entry("baby/day-010", serde_json::json!({ "day": 10 }))],
        );
        let open = OpenPeriod { from: days_from_today(-1), until: days_from_today(30) };
        let closed = OpenPeriod { from: days_from_today(-40), until: days_from_today(-10) };
        document.surveys = vec![survey("reader", open), survey("old", closed)];
        let document = write_schedule(dir.path(), document);
        ses_moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;
        let links = LinkKeys::parse(SECRET).expect("secret");
        let answers = DynamoSurveyAnswers::new(dynamo.clone(), &answers_table);
        let api = Api {
            store: SubscriptionStore::new(dynamo.clone(), &subscriptions, &deliveries),
            deliveries: kizuna_sender::adapters::dynamo::DynamoDeliveries::new(
                dynamo.clone(),
                &subscriptions,
                &deliveries,
            ),
            mailer: SesMailer::new(ses_client(&ses_moto.config().await), None),
            links: links.clone(),
            hasher: EmailHasher::new(b"survey-test-email-hash-key-0123456789ab"),
            site: Site::Directory(dir.path().to_owned()),
            surveys: answers.clone(),
            line: None,
            config: ApiConfig { allowed_origins: vec!["https://kizuna.example.jp".to_owned()], ..ApiConfig::default() },
        };
        World { _dynamo_moto: dynamo_moto, ses_moto, dynamo, subscriptions, deliveries, answers, links, dir, api }
    }

    async fn subscribe(&self, id: &str, kind: AnchorKind, anchor: NaiveDate) {
        let hasher = EmailHasher::new(b"survey-test-email-hash-key-0123456789ab");
        let subscription = NewSubscription {
            id: id.to_owned(),
            municipality: MUNI.to_owned(),
            email: format!("{id}@example.jp"),
            email_hash: hasher.hash(&format!("{id}@example.jp")),
            anchor_kind: kind,
            anchor_date: anchor,
            status: SubscriptionStatus::Active,
            nickname: None,
            consent_version: "test".to_owned(),
        };
        SubscriptionStore::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
            .put_new(&subscription)
            .await
            .expect("subscribe");
    }

    /// Today's delivery run, counting the invitations it sends.
    async fn run_today(&self) {
        let schedules = load_schedule_dir(self.dir.path(), None).expect("schedules");
        let source = DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions);
        let store = DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries);
        let mailer = SesMailer::new(ses_client(&self.ses_moto.config().await), None);
        let counting = CountingInvitations { inner: &mailer, store: &self.answers };
        let pacer = Pacer::new(10_000.0);
        let delivery =
            Delivery { store: &store, mailer: &counting, pacer: &pacer, options: DeliveryOptions::default() };
        let request = RunRequest { date: japan_today(), dry_run: false, allow_draft: true };
        run_day(&schedules, &source, &delivery, &self.links, &request).await;
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

    async fn stored(&self, survey: &str) -> kizuna_sender::ports::survey_answers::SurveyRecords {
        self.answers.records(MUNI, survey).await.expect("records")
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The mails sent to `id`: (text, html).
async fn mails_to(moto: &Moto, id: &str) -> Vec<(String, String)> {
    let mut mails = Vec::new();
    for captured in moto.sent().await {
        let message = MessageParser::default().parse(captured.raw.as_bytes()).expect("MIME");
        let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
        if to == format!("{id}@example.jp") {
            mails.push((
                message.body_text(0).expect("text").into_owned(),
                message.body_html(0).expect("html").into_owned(),
            ));
        }
    }
    mails
}

/// The reader's link in a mail's text part.
fn link(text: &str) -> String {
    let start = text.find("https://kizuna.example.jp/api/survey-answers?token=").expect("the personal link");
    text[start..].split_whitespace().next().expect("link").to_owned()
}

#[tokio::test]
async fn a_survey_is_sent_once_answered_once_refused_clearly_and_counted_as_answered() {
    let world = World::new().await;
    // Two babies in the baby track (one of them 1 year old), one pregnancy (not asked).
    world.subscribe("baby-a", AnchorKind::Birth, days_from_today(-60)).await;
    world.subscribe("baby-b", AnchorKind::Birth, days_from_today(-400)).await;
    world.subscribe("mother", AnchorKind::Due, days_from_today(100)).await;

    world.run_today().await;
    world.run_today().await;
    let (a, b, mother) = (
        mails_to(&world.ses_moto, "baby-a").await,
        mails_to(&world.ses_moto, "baby-b").await,
        mails_to(&world.ses_moto, "mother").await,
    );
    assert_eq!((a.len(), b.len()), (1, 1), "one invitation each, not repeated by the second run");
    assert!(mother.iter().all(|(text, _)| !text.contains("survey-answers")), "the maternity track is not asked");
    let (link_a, link_b) = (link(&a[0].0), link(&b[0].0));
    assert_ne!(link_a, link_b, "personal links");
    assert!(a[0].1.contains(&link_a.replace('&', "&amp;")), "the HTML part carries the same link");
    assert!(!a[0].0.contains("%%survey_url%%") && !a[0].1.contains("%%survey_url%%"));
    for id in ["baby-a", "baby-b"] {
        assert!(!link_a.contains(id), "no subscription id in the link");
    }
    let invited: BTreeMap<(&str, &str), i64> = world
        .stored("reader")
        .await
        .invitations
        .into_iter()
        .map(|(stage, channel, n)| ((stage.as_str(), channel.as_str()), n))
        .collect();
    assert_eq!(invited, BTreeMap::from([(("age-0", "mail"), 1), (("age-1-2", "mail"), 1)]));

    // The link opens the survey page with the token in its form.
    let token_a = link_a.split("token=").nth(1).expect("token").to_owned();
    let page = world.call("GET", &format!("/api/survey-answers?token={token_a}"), "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("name=\"token\" value=\"{token_a}\"")));

    // Refusals: each has its page and stores nothing.
    let post = |token: &str, rest: &str| format!("token={}&{rest}", encode(token));
    let unknown = world.call("POST", "/api/survey-answers", &post(&token_a, "q-reading=9")).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("選択肢にない回答"), "{}", unknown.body);
    let long = "あ".repeat(401);
    let too_long = world
        .call("POST", "/api/survey-answers", &post(&token_a, &format!("q-reading=1&q-comment={}", encode(&long))))
        .await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.body.contains("400文字以内"), "{}", too_long.body);
    let forged = token_a.replace(".age-0.", ".age-6-plus.");
    let refused = world.call("POST", "/api/survey-answers", &post(&forged, "q-reading=1")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("確認できませんでした"));
    let stranger = LinkKeys::parse("k1:someone-elses-secret-someone-elses-secret").expect("keys");
    let schedules = load_schedule_dir(world.dir.path(), None).expect("schedules");
    let document = &schedules[0].document;
    let reader = document.surveys.iter().find(|s| s.id == "reader").expect("reader");
    let old = document.surveys.iter().find(|s| s.id == "old").expect("old");
    let today = japan_today();
    let foreign =
        survey_token(&stranger, MUNI, reader, "x", AnchorKind::Birth, days_from_today(-60), today, Channel::Mail);
    assert_eq!(world.call("POST", "/api/survey-answers", &post(&foreign, "q-reading=1")).await.status, 403);
    let closed =
        survey_token(&world.links, MUNI, old, "baby-a", AnchorKind::Birth, days_from_today(-60), today, Channel::Mail);
    let late = world.call("POST", "/api/survey-answers", &post(&closed, "q-reading=1")).await;
    assert_eq!(late.status, 410, "{}", late.body);
    assert!(late.body.contains("回答期間は終わりました"));
    assert_eq!(world.call("POST", "/api/survey-answers", "q-reading=1").await.status, 400, "no token");
    assert!(world.stored("reader").await.sheets.is_empty(), "no refusal stored anything");

    // Two answers, then a second answer of the first reader.
    let answered = world
        .call(
            "POST",
            "/api/survey-answers",
            &post(
                &token_a,
                "q-reading=1&q-helpful=1&q-helpful=3&q-comment=%E3%81%82%E3%82%8A%E3%81%8C%E3%81%A8%E3%81%86",
            ),
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    assert_eq!(
        answered.header("location"),
        Some(format!("https://kizuna.example.jp/{MUNI}/surveys/reader/thanks/").as_str())
    );
    let token_b = link_b.split("token=").nth(1).expect("token").to_owned();
    assert_eq!(world.call("POST", "/api/survey-answers", &post(&token_b, "q-reading=2&q-helpful=1")).await.status, 303);
    let again = world.call("POST", "/api/survey-answers", &post(&token_a, "q-reading=3")).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("すでにお答えいただいています"));

    // What is stored names no one; the report's figures are the answers given.
    let records = world.stored("reader").await;
    assert_eq!(records.sheets.len(), 2);
    let raw = world.dynamo.scan().table_name(world.answers.table()).send().await.expect("scan (test only)");
    let dump = format!("{:?}", raw.items());
    for secret in ["baby-a", "baby-b", "example.jp"] {
        assert!(!dump.contains(secret), "the answers table holds {secret}");
    }
    let sheets: Vec<AnswerSheet> = records
        .sheets
        .iter()
        .map(|s| AnswerSheet { stage: s.stage, channel: s.channel, answers: s.answers.clone() })
        .collect();
    let invitations = records.invitations.iter().map(|(s, c, n)| ((*s, *c), *n)).collect();
    let results = SurveyResults { municipality: "ひかり市".to_owned(), survey: reader, sheets, invitations };
    let report = results.report(today);
    let cell = |table: &str, row: &str, column: usize| {
        let table = report.table(table).expect("table");
        table.rows.iter().find(|r| r.label == row).expect("row").cells[column].clone()
    };
    assert_eq!(cell("survey-response", "全体", 0), Cell::Count(2), "invitations");
    assert_eq!(cell("survey-response", "全体", 2), Cell::Share(Some(1.0)), "response rate");
    assert_eq!(cell("q-reading", "必ず読む", 0), Cell::Count(1));
    assert_eq!(cell("q-reading", "ときどき読む", 0), Cell::Count(1));
    assert_eq!(cell("q-helpful", "成長", 0), Cell::Count(2));
    assert_eq!(cell("q-helpful", "地域", 1), Cell::Share(Some(0.5)));
    assert_eq!(cell("q-reading-stage", "必ず読む", 1), Cell::Share(Some(1.0)), "0歳 answered 必ず読む");
    let workbook = results.staff_workbook(today);
    assert_eq!(workbook.table("text-comment").expect("free text").rows.len(), 1);
}
