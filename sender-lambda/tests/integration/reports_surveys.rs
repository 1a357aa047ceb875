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

use crate::api_support;
use crate::common;

use std::collections::BTreeMap;
use std::io::Cursor;

use api_support::surveys::{national_questions, question, survey, SurveyWorld};
use api_support::today_plus;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{municipality, schedule, track_entry, write_schedule};
use kizuna_reports::figures::Period;
use kizuna_reports::{Format, Month};
use kizuna_schedule::survey::{OpenPeriod, QuestionKind, StageBucket, SurveyEntry, SurveyScope};
use kizuna_schedule::{japan_today, AnchorKind, ScheduleDocument, TrackId};
use kizuna_sender::adapters::dynamo::counters::DynamoCounters;
use kizuna_sender::use_cases::reports::{make_reports, MadeReport};

const HIKARI: &str = "hikari";
const KAWASE: &str = "kawase";
const COMMENT: &str = "毎回楽しみにしています";

/// The national reader survey, asked today of the baby track; `own` adds the town's questions.
fn reader_survey(town: &str, own: bool) -> SurveyEntry {
    let mut questions = national_questions();
    if own {
        questions.push(question("comment", QuestionKind::Text, &[], SurveyScope::Municipal, false));
        questions.push(question("hiroba", QuestionKind::Single, &["はい", "いいえ"], SurveyScope::Municipal, false));
    }
    survey("reader", town, OpenPeriod { from: today_plus(-1), until: today_plus(30) }, questions)
}

/// The survey world with both towns, and their schedules as written.
async fn world() -> (SurveyWorld, Vec<ScheduleDocument>) {
    let world = SurveyWorld::new().await;
    let mut documents = Vec::new();
    for (town, own) in [(HIKARI, true), (KAWASE, false)] {
        let mut document = schedule(
            municipality(town, &[TrackId::Maternity, TrackId::Baby], &[]),
            vec![track_entry("baby/day-010", serde_json::json!({ "day": 10 }))],
        );
        document.surveys = vec![reader_survey(town, own)];
        documents.push(write_schedule(world.site.path(), document));
    }
    world.verify_senders().await;
    (world, documents)
}

/// Answers as `id`, with the token of the invitation mailed to them.
async fn answer(world: &SurveyWorld, id: &str, fields: &[(&str, &str)]) {
    let token = world.invitation_token(id).await;
    let response = world.answer(&token, fields).await;
    assert_eq!(response.status, 303, "{id}: {}", response.body);
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
    let (world, documents) = world().await;
    // ひかり市: two babies under one, two between one and two. かわせ市: one of each.
    for (town, id, days_old) in [
        (HIKARI, "h-a", 60),
        (HIKARI, "h-b", 100),
        (HIKARI, "h-c", 400),
        (HIKARI, "h-d", 700),
        (KAWASE, "k-a", 30),
        (KAWASE, "k-b", 500),
    ] {
        world.subscribe(id, town, AnchorKind::Birth, today_plus(-days_old)).await;
    }
    world.run_today(&world.mailer().await).await;
    let h_a = [("reading", "1"), ("helpful", "1"), ("helpful", "2"), ("comment", COMMENT), ("hiroba", "1")];
    answer(&world, "h-a", &h_a).await;
    answer(&world, "h-b", &[("reading", "1")]).await;
    answer(&world, "h-c", &[("reading", "2"), ("helpful", "2")]).await;
    answer(&world, "k-a", &[("reading", "3"), ("helpful", "3")]).await;

    let month = Month::of(japan_today());
    let period = Period { from: month, to: month };
    let counters = DynamoCounters::new(world.tables.dynamo.clone(), &world.tables.deliveries);
    let documents: Vec<&ScheduleDocument> = documents.iter().collect();
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
    let before = Month::of(today_plus(-400));
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
