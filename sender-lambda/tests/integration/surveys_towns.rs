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

use crate::api_support;
use crate::common;
use crate::line_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use api_support::surveys::SurveyWorld;
use api_support::{today_plus, token_of};
use common::subscription;
use kizuna_generator::build::{self, BuildOptions};
use kizuna_generator::output::DirectorySink;
use kizuna_schedule::{japan_today, AnchorKind, ScheduleDocument};
use kizuna_sender::adapters::dynamo::NewSubscription;
use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::adapters::line::push::LinePush;
use kizuna_sender::adapters::site::LoadedSchedule;
use kizuna_sender::domain::model::{Channel, LineRecipient};
use kizuna_sender::domain::survey::survey_token;
use kizuna_sender::ports::channel::Routed;
use kizuna_sender::ports::survey_answers::SurveyAnswers;
use line_support::{user_id, Standin};

const LINE_SECRET: &str = "0123456789abcdef0123456789abcdef";
const LINE_CHANNEL: &str = "5001";

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

/// The survey world over the built site, and its schedules.
async fn world() -> (SurveyWorld, Vec<LoadedSchedule>) {
    let world = SurveyWorld::new().await;
    let content_dir = tempfile::tempdir().expect("content");
    content(content_dir.path());
    build_site(content_dir.path(), world.site.path());
    world.verify_senders().await;
    let schedules = world.schedules();
    (world, schedules)
}

fn schedule<'a>(schedules: &'a [LoadedSchedule], town: &str) -> &'a ScheduleDocument {
    &schedules.iter().find(|s| s.document.municipality.id == town).expect("town").document
}

/// A family of `town`, born 13 days ago (in the baby track on the survey's day).
fn baby(world: &SurveyWorld, id: &str, town: &str) -> NewSubscription {
    subscription(id, town, AnchorKind::Birth, today_plus(-13), &world.api.hasher)
}

#[tokio::test]
async fn a_line_family_gets_its_own_survey_link_in_the_days_push_and_answers_once() {
    let ((world, _), standin) = (world().await, Standin::start().await);
    standin.add_channel(LINE_CHANNEL, LINE_SECRET, 1000).await;
    let config = world.moto.config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let secret = serde_json::json!({ "channel_id": LINE_CHANNEL, "channel_secret": LINE_SECRET }).to_string();
    let name = format!("{DEFAULT_SECRET_PREFIX}testcity");
    secrets.create_secret().name(name).secret_string(secret).send().await.expect("the channel's secret");
    let line = LineRecipient { channel_id: LINE_CHANNEL.to_owned(), user_id: user_id(7) };
    world.api.store.put_new_line(&baby(&world, "line-family", "testcity"), &line).await.expect("a LINE family");

    // The day's run, both channels from one plan, counting invitations as the CLI and Lambda do.
    let api = LineApi::new(&standin.base(), Duration::from_secs(5)).expect("client");
    let channels = LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, 1000.0);
    let (push, mailer) = (LinePush { channels: &channels }, world.mailer().await);
    let routed = Routed { mail: &mailer, line: Some(&push) };
    let summary = world.run_today(&routed).await;
    assert_eq!((summary.delivery.line.sent, summary.delivery.failed), (1, 0), "{summary:?}");
    world.run_today(&routed).await;

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
    let (world, schedules) = world().await;
    assert!(schedule(&schedules, "opttown").surveys.is_empty(), "the opted-out survey is not in opttown's schedule");
    assert!(!world.site.path().join("opttown/surveys").exists(), "nor its pages");
    // A baby in each town, on the survey's day.
    for (id, town) in [("opt-baby", "opttown"), ("test-baby", "testcity")] {
        world.api.store.put_new(&baby(&world, id, town)).await.expect("subscribe");
    }
    world.run_today(&world.mailer().await).await;
    let (opt, test) = (world.mails_to("opt-baby").await, world.mails_to("test-baby").await);
    assert_eq!((opt.len(), test.len()), (1, 1), "each family gets its day's mail");
    assert!(test[0].text.contains("survey-answers?token="), "testcity's family is invited");
    assert!(!opt[0].text.contains("survey-answers"), "opttown's family is not");

    // A link for opttown's family (signed by us, as if sent before the town opted out) is refused
    // with the Japanese closed page, and nothing is stored.
    let reader = schedule(&schedules, "testcity").surveys.iter().find(|s| s.id == "reader").expect("reader");
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
