//! Reader surveys through the real path (issue 20), against moto_server (DynamoDB + SESv2): the
//! invitation is a section of the day's mail with the reader's own link, sent once and counted;
//! the link opens the survey page through the API; an answer is stored once, without the
//! subscription; every refusal stores nothing; and the report's figures are what was answered.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;
use crate::common;

use std::collections::BTreeMap;

use api_support::surveys::{national_questions, question, survey, SurveyWorld};
use api_support::{encode, today_plus, token_of, ORIGIN};
use common::{municipality, schedule, track_entry, write_schedule};
use kizuna_reports::report::Cell;
use kizuna_reports::survey::{AnswerSheet, SurveyResults};
use kizuna_schedule::survey::{OpenPeriod, QuestionKind, SurveyEntry, SurveyScope};
use kizuna_schedule::{japan_today, AnchorKind, TrackId};
use kizuna_sender::domain::links::LinkKeys;
use kizuna_sender::domain::model::Channel;
use kizuna_sender::domain::survey::survey_token;
use kizuna_sender::ports::survey_answers::{SurveyAnswers, SurveyRecords};

const MUNI: &str = "hikari";

/// A survey asking today's readers of the baby track, open for `open`.
fn reader_survey(id: &str, open: OpenPeriod) -> SurveyEntry {
    let mut questions = national_questions();
    questions.push(question("comment", QuestionKind::Text, &[], SurveyScope::Municipal, false));
    survey(id, MUNI, open, questions)
}

/// The survey world with one municipality asking `reader` (open) and `old` (closed).
async fn world() -> SurveyWorld {
    let world = SurveyWorld::new().await;
    let mut document = schedule(
        municipality(MUNI, &[TrackId::Maternity, TrackId::Baby], &[]),
        vec![track_entry("baby/day-010", serde_json::json!({ "day": 10 }))],
    );
    let open = OpenPeriod { from: today_plus(-1), until: today_plus(30) };
    let closed = OpenPeriod { from: today_plus(-40), until: today_plus(-10) };
    document.surveys = vec![reader_survey("reader", open), reader_survey("old", closed)];
    write_schedule(world.site.path(), document);
    world.verify_senders().await;
    world
}

async fn stored(world: &SurveyWorld, survey: &str) -> SurveyRecords {
    world.answers.records(MUNI, survey).await.expect("records")
}

/// The reader's link in a mail's text part.
fn link(text: &str) -> String {
    api_support::link(text, &format!("{ORIGIN}/api/survey-answers?token=")).expect("the personal link")
}

#[tokio::test]
async fn a_survey_is_sent_once_answered_once_refused_clearly_and_counted_as_answered() {
    let world = world().await;
    // Two babies in the baby track (one of them 1 year old), one pregnancy (not asked).
    world.subscribe("baby-a", MUNI, AnchorKind::Birth, today_plus(-60)).await;
    world.subscribe("baby-b", MUNI, AnchorKind::Birth, today_plus(-400)).await;
    world.subscribe("mother", MUNI, AnchorKind::Due, today_plus(100)).await;

    let mailer = world.mailer().await;
    world.run_today(&mailer).await;
    world.run_today(&mailer).await;
    let (a, b, mother) =
        (world.mails_to("baby-a").await, world.mails_to("baby-b").await, world.mails_to("mother").await);
    assert_eq!((a.len(), b.len()), (1, 1), "one invitation each, not repeated by the second run");
    assert!(mother.iter().all(|mail| !mail.text.contains("survey-answers")), "the maternity track is not asked");
    let (link_a, link_b) = (link(&a[0].text), link(&b[0].text));
    assert_ne!(link_a, link_b, "personal links");
    assert!(a[0].html.contains(&link_a.replace('&', "&amp;")), "the HTML part carries the same link");
    assert!(!a[0].text.contains("%%survey_url%%") && !a[0].html.contains("%%survey_url%%"));
    for id in ["baby-a", "baby-b"] {
        assert!(!link_a.contains(id), "no subscription id in the link");
    }
    let invited: BTreeMap<(&str, &str), i64> = stored(&world, "reader")
        .await
        .invitations
        .into_iter()
        .map(|(stage, channel, n)| ((stage.as_str(), channel.as_str()), n))
        .collect();
    assert_eq!(invited, BTreeMap::from([(("age-0", "mail"), 1), (("age-1-2", "mail"), 1)]));

    // The link opens the survey page with the token in its form.
    let token_a = token_of(&link_a);
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
    let schedules = world.schedules();
    let document = &schedules[0].document;
    let reader = document.surveys.iter().find(|s| s.id == "reader").expect("reader");
    let old = document.surveys.iter().find(|s| s.id == "old").expect("old");
    let today = japan_today();
    let foreign = survey_token(&stranger, MUNI, reader, "x", AnchorKind::Birth, today_plus(-60), today, Channel::Mail);
    assert_eq!(world.call("POST", "/api/survey-answers", &post(&foreign, "q-reading=1")).await.status, 403);
    let closed =
        survey_token(&world.links, MUNI, old, "baby-a", AnchorKind::Birth, today_plus(-60), today, Channel::Mail);
    let late = world.call("POST", "/api/survey-answers", &post(&closed, "q-reading=1")).await;
    assert_eq!(late.status, 410, "{}", late.body);
    assert!(late.body.contains("回答期間は終わりました"));
    assert_eq!(world.call("POST", "/api/survey-answers", "q-reading=1").await.status, 400, "no token");
    assert!(stored(&world, "reader").await.sheets.is_empty(), "no refusal stored anything");

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
    let token_b = token_of(&link_b);
    assert_eq!(world.call("POST", "/api/survey-answers", &post(&token_b, "q-reading=2&q-helpful=1")).await.status, 303);
    let again = world.call("POST", "/api/survey-answers", &post(&token_a, "q-reading=3")).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("すでにお答えいただいています"));

    // What is stored names no one; the report's figures are the answers given.
    let records = stored(&world, "reader").await;
    assert_eq!(records.sheets.len(), 2);
    let raw = world.tables.dynamo.scan().table_name(world.answers.table()).send().await.expect("scan (test only)");
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
