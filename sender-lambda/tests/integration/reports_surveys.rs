//! Reader survey results in the municipality reports (issues 19 and 20), against moto_server
//! (DynamoDB + SESv2): two towns run the same national survey (one adds questions of its own),
//! the invitations go out with the day's mail and are counted as they are sent, readers answer
//! through the real API, and the report use case — the one behind `kizuna-sender report` and the
//! monthly Lambda — puts each town's results in its HTML, CSV and xlsx (counts, shares, n, the
//! response rate by stage and channel, a chart per question; free text in the xlsx only) and the
//! national roll-up in the operator's report, with the figures this test computes from what it
//! answered.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::common;

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::{Days, NaiveDate, Utc};
use common::moto::{unique, Moto};
use common::{municipality, schedule, track_entry, write_schedule};
use kizuna_reports::figures::Period;
use kizuna_reports::{Format, Month};
use kizuna_schedule::survey::{Choice, OpenPeriod, Question, QuestionKind, StageBucket, SurveyEntry, SurveyScope};
use kizuna_schedule::{japan_today, AnchorKind, CalendarDate, ReviewStatus, Rule, ScheduleDocument, TrackId};
use kizuna_sender::adapters::dynamo::counters::DynamoCounters;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table, survey_answers_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients, NewSubscription};
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::load_schedule_dir;
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::http::{Api, ApiConfig, ApiRequest};
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::reports::{make_reports, MadeReport};
use kizuna_sender::use_cases::surveys::CountingInvitations;
use mail_parser::MessageParser;

const SECRET: &str = "k1:report-survey-secret-report-survey-secret-1";
const HASH_KEY: &[u8] = b"report-survey-email-hash-key-0123456789";
const HIKARI: &str = "hikari";
const KAWASE: &str = "kawase";
const COMMENT: &str = "毎回楽しみにしています";

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
        required: kind == QuestionKind::Single && origin == SurveyScope::National,
        origin,
    }
}

/// The national reader survey, asked today of the baby track; `own` adds the town's questions.
fn survey(town: &str, own: bool) -> SurveyEntry {
    let mut questions = vec![
        question("reading", QuestionKind::Single, &["必ず読む", "ときどき読む", "読まない"], SurveyScope::National),
        question("helpful", QuestionKind::Multiple, &["成長", "健康", "地域"], SurveyScope::National),
    ];
    if own {
        questions.push(question("comment", QuestionKind::Text, &[], SurveyScope::Municipal));
        questions.push(question("hiroba", QuestionKind::Single, &["はい", "いいえ"], SurveyScope::Municipal));
    }
    SurveyEntry {
        id: "reader".to_owned(),
        scope: SurveyScope::National,
        title: "読者アンケート".to_owned(),
        when: Rule::Date(CalendarDate(japan_today())),
        tracks: Some(vec![TrackId::Baby]),
        open: OpenPeriod { from: days_from_today(-1), until: days_from_today(30) },
        url: format!("https://kizuna.example.jp/{town}/surveys/reader/"),
        section: "mail/sections/survey/reader.json".to_owned(),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Draft,
        questions,
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
    documents: Vec<ScheduleDocument>,
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
        let mut documents = Vec::new();
        for (town, own) in [(HIKARI, true), (KAWASE, false)] {
            let mut document = schedule(
                municipality(town, &[TrackId::Maternity, TrackId::Baby], &[]),
                vec![track_entry("baby/day-010", serde_json::json!({ "day": 10 }))],
            );
            document.surveys = vec![survey(town, own)];
            let document = write_schedule(dir.path(), document);
            ses_moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;
            documents.push(document);
        }
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
            hasher: EmailHasher::new(HASH_KEY),
            site: Site::Directory(dir.path().to_owned()),
            surveys: answers.clone(),
            line: None,
            config: ApiConfig { allowed_origins: vec!["https://kizuna.example.jp".to_owned()], ..ApiConfig::default() },
        };
        World {
            _dynamo_moto: dynamo_moto,
            ses_moto,
            dynamo,
            subscriptions,
            deliveries,
            answers,
            links,
            dir,
            documents,
            api,
        }
    }

    /// A reader of the baby track whose child was born `days_old` days ago.
    async fn subscribe(&self, town: &str, id: &str, days_old: i64) {
        let email = format!("{id}@example.jp");
        let subscription = NewSubscription {
            id: id.to_owned(),
            municipality: town.to_owned(),
            email_hash: EmailHasher::new(HASH_KEY).hash(&email),
            email,
            anchor_kind: AnchorKind::Birth,
            anchor_date: days_from_today(-days_old),
            status: SubscriptionStatus::Active,
            nickname: None,
            consent_version: "test".to_owned(),
        };
        self.api.store.put_new(&subscription).await.expect("subscribe");
    }

    /// Today's delivery run of both towns, counting the invitations it sends.
    async fn run_today(&self) {
        let schedules = load_schedule_dir(self.dir.path(), None).expect("schedules");
        let source = DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions);
        let store = DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries);
        let mailer = SesMailer::new(ses_client(&self.ses_moto.config().await), None);
        let counting = CountingInvitations { inner: &mailer, store: &self.answers };
        let pacer = Pacer::new(10_000.0);
        // One mail at a time: moto does not apply concurrent `ADD`s to one item atomically (DynamoDB
        // does), and two readers of one stage share an invitation counter.
        let options = DeliveryOptions { concurrency: 1, ..DeliveryOptions::default() };
        let delivery = Delivery { store: &store, mailer: &counting, pacer: &pacer, options };
        let request = RunRequest { date: japan_today(), dry_run: false, allow_draft: true };
        run_day(&schedules, &source, &delivery, &self.links, &request).await;
    }

    /// The survey token in the invitation mailed to `id`.
    async fn token(&self, id: &str) -> String {
        for captured in self.ses_moto.sent().await {
            let message = MessageParser::default().parse(captured.raw.as_bytes()).expect("MIME");
            let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
            let text = message.body_text(0).expect("text").into_owned();
            if to == format!("{id}@example.jp") {
                if let Some(start) = text.find("/api/survey-answers?token=") {
                    let link = text[start..].split_whitespace().next().expect("link");
                    return link.split("token=").nth(1).expect("token").to_owned();
                }
            }
        }
        panic!("no invitation mailed to {id}");
    }

    /// Answers through the API as the survey page's form posts it.
    async fn answer(&self, id: &str, fields: &[(&str, &str)]) {
        let token = self.token(id).await;
        let mut body = format!("token={}", encode(&token));
        for (name, value) in fields {
            body.push_str(&format!("&q-{name}={}", encode(value)));
        }
        let request = ApiRequest {
            method: "POST".to_owned(),
            path: "/api/survey-answers".to_owned(),
            query: String::new(),
            headers: vec![("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned())],
            body: body.into_bytes(),
        };
        let response = self.api.handle(&request, Utc::now()).await;
        assert_eq!(response.status, 303, "{id}: {}", response.body);
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

/// A table of an HTML report by id: row label → cell texts.
fn html_table(html: &str, id: &str) -> BTreeMap<String, Vec<String>> {
    let start = html.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("table {id} in the HTML"));
    let end = start + html[start..].find("</table>").expect("table end");
    let mut rows = BTreeMap::new();
    // The first chunk is the caption, the second the header row; then one chunk per body row.
    for row in html[start..end].split("<tr>").skip(2) {
        let cells: Vec<String> = row
            .split("<t")
            .skip(1)
            .filter_map(|cell| cell.split_once('>').and_then(|(_, rest)| rest.split('<').next()))
            .map(str::to_owned)
            .collect();
        let (label, cells) = cells.split_first().expect("a row label");
        rows.insert(label.clone(), cells.iter().filter(|c| !c.is_empty()).cloned().collect());
    }
    rows
}

fn file<'a>(made: &'a [MadeReport], town: &str, name: &str) -> &'a [u8] {
    let report = made.iter().find(|m| m.municipality == town).unwrap_or_else(|| panic!("report of {town}"));
    let (_, bytes) = report.files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name}"));
    bytes
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

#[tokio::test]
async fn answers_posted_through_the_api_are_in_every_report_output_with_the_figures_given() {
    let world = World::new().await;
    // ひかり市: two babies under one, two between one and two. かわせ市: one of each.
    for (town, id, days_old) in [
        (HIKARI, "h-a", 60),
        (HIKARI, "h-b", 100),
        (HIKARI, "h-c", 400),
        (HIKARI, "h-d", 700),
        (KAWASE, "k-a", 30),
        (KAWASE, "k-b", 500),
    ] {
        world.subscribe(town, id, days_old).await;
    }
    world.run_today().await;
    world
        .answer("h-a", &[("reading", "1"), ("helpful", "1"), ("helpful", "2"), ("comment", COMMENT), ("hiroba", "1")])
        .await;
    world.answer("h-b", &[("reading", "1")]).await;
    world.answer("h-c", &[("reading", "2"), ("helpful", "2")]).await;
    world.answer("k-a", &[("reading", "3"), ("helpful", "3")]).await;

    let month = Month::of(japan_today());
    let period = Period { from: month, to: month };
    let counters = DynamoCounters::new(world.dynamo.clone(), &world.deliveries);
    let documents: Vec<&ScheduleDocument> = world.documents.iter().collect();
    let made = make_reports(&counters, &world.answers, &documents, period, &Format::ALL, true, japan_today())
        .await
        .expect("reports")
        .made;

    // ひかり市: 4 invited (0歳 2, 1–2歳 2), 3 answered; 1–2歳 1 of 2.
    let stem = format!("{HIKARI}-{month}");
    let html = text(file(&made, HIKARI, &format!("{stem}.html")));
    let response = html_table(&html, "survey-reader-survey-response");
    assert_eq!(response["全体"], row(&["4", "3", "75.0%"]), "{response:?}");
    assert_eq!(response[StageBucket::Age0.label()], row(&["2", "2", "100.0%"]));
    assert_eq!(response[StageBucket::Age1To2.label()], row(&["2", "1", "50.0%"]));
    assert_eq!(response["メール"], row(&["4", "3", "75.0%"]));
    let reading = html_table(&html, "survey-reader-q-reading");
    assert_eq!(reading["必ず読む"], row(&["2", "66.7%"]));
    assert_eq!(reading["ときどき読む"], row(&["1", "33.3%"]));
    assert_eq!(reading["読まない"], row(&["0", "0.0%"]));
    assert_eq!(reading["回答者数（n）"], row(&["3"]));
    let helpful = html_table(&html, "survey-reader-q-helpful");
    assert_eq!(helpful["健康"], row(&["2", "100.0%"]), "2 of the 2 who answered it");
    assert_eq!(helpful["成長"], row(&["1", "50.0%"]));
    let by_stage = html_table(&html, "survey-reader-q-reading-stage");
    assert_eq!(by_stage["必ず読む"][1], "100.0%", "both 0歳 readers: {by_stage:?}");
    assert_eq!(by_stage["ときどき読む"][2], "100.0%", "the one 1–2歳 reader");
    for caption in ["読者アンケート：問1 全体", "読者アンケート：問2 全体", "読者アンケート：問4 全体"]
    {
        assert!(html.contains(&format!("（数値は下の表「{caption}」）")), "a chart per choice question: {caption}");
    }
    assert!(!html.contains(COMMENT), "free text never in the HTML");

    // The CSV files say the same, and never hold the free text.
    let csv = text(file(&made, HIKARI, &format!("{stem}-survey-reader-survey-response.csv")));
    assert!(csv.contains("\r\n全体,4,3,75.0%\r\n"), "{csv}");
    let csv = text(file(&made, HIKARI, &format!("{stem}-survey-reader-q-reading.csv")));
    assert!(csv.contains("\r\n必ず読む,2,66.7%\r\n"), "{csv}");
    for (name, bytes) in &made.iter().find(|m| m.municipality == HIKARI).expect("hikari").files {
        if name.ends_with(".csv") {
            assert!(!text(bytes).contains(COMMENT), "free text in {name}");
        }
    }

    // The workbook: the same numbers read back, and the free text for staff.
    let bytes = file(&made, HIKARI, &format!("{stem}.xlsx")).to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let mut found = BTreeMap::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for r in range.rows() {
            let label = match r.first() {
                Some(Data::String(label)) => label.clone(),
                _ => continue,
            };
            if let Some(Data::String(t)) = r.get(1) {
                if t == COMMENT {
                    found.insert("comment".to_owned(), name.clone());
                }
            }
            if name.starts_with("読者アンケート：回答状況") && label == "全体" {
                found.insert("invited".to_owned(), format!("{:?}", r.get(1)));
                found.insert("rate".to_owned(), format!("{:?}", r.get(3)));
            }
        }
    }
    assert_eq!(found.get("invited").map(String::as_str), Some("Some(Float(4.0))"), "{found:?}");
    assert_eq!(found.get("rate").map(String::as_str), Some("Some(Float(0.75))"), "{found:?}");
    assert!(found.contains_key("comment"), "the free text is in the staff workbook: {found:?}");

    // The national roll-up: both towns asked the same national questions.
    let all = text(file(&made, "all", &format!("all-{month}.html")));
    let response = html_table(&all, "survey-national-reader-survey-response");
    assert_eq!(response["全体"], row(&["6", "4", "66.7%"]), "{response:?}");
    let reading = html_table(&all, "survey-national-reader-q-reading");
    assert_eq!(reading["必ず読む"], row(&["2", "50.0%"]));
    assert_eq!(reading["読まない"], row(&["1", "25.0%"]));
    assert_eq!(reading["回答者数（n）"], row(&["4"]));
    assert!(!all.contains("survey-national-reader-q-hiroba"), "a town's own question is not rolled up");
    assert!(!all.contains(COMMENT));

    // A period the survey was not open in has no survey section.
    let before = Month::of(days_from_today(-400));
    let earlier = make_reports(
        &counters,
        &world.answers,
        &documents,
        Period { from: before, to: before },
        &[Format::Html],
        false,
        japan_today(),
    )
    .await
    .expect("reports");
    let html = text(file(&earlier.made, HIKARI, &format!("{HIKARI}-{before}.html")));
    assert!(!html.contains("survey-reader-"), "no survey results outside its open period");
}
