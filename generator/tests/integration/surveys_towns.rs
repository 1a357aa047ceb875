//! Reader surveys town by town: a town with LINE gets each invitation as a LINE payload beside the
//! mail one (listed and hashed in `schedule.json`, within LINE's limits, its link filled per reader
//! by the contract's `compose_push`), and a town can opt out of national surveys
//! (`surveys: { opt_out: … }` in `municipality.yaml`), which leaves out their pages and invitations.

use std::fs;

use crate::line::with_line;
use crate::support::{assert_reported, build_into, options, write};
use crate::surveys::{content_with_surveys, schedule};
use kizuna_generator::build;
use kizuna_schedule::content_hash;
use kizuna_schedule::line::{compose_push, LineAction, LineMessage, LinePayload, LineTemplate, PushSection};
use kizuna_schedule::survey::SURVEY_URL_MARKER;

#[test]
fn a_town_with_line_gets_each_invitation_as_a_line_payload_with_the_readers_link_marker() {
    let content = content_with_surveys();
    with_line(content.path());
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());

    let document = schedule(out.path(), "testcity");
    let [survey] = document.surveys.as_slice() else { panic!("one survey: {:?}", document.surveys) };
    let file = survey.line.as_ref().expect("the invitation's LINE payload is listed");
    assert_eq!(file.path, "line/sections/survey/reader.json");
    let bytes = fs::read(out.path().join("testcity").join(&file.path)).expect("payload");
    assert_eq!(content_hash(&bytes), file.hash, "hashed like every payload");
    let payload: LinePayload = serde_json::from_slice(&bytes).expect("a LINE payload");
    payload.check().expect("within LINE's limits, the link counted at its longest");
    let LineMessage::Text { text } = &payload.messages[0] else { panic!("a text first: {payload:?}") };
    assert!(text.contains("読者アンケート") && text.contains("2027年1月20日〜2027年2月28日"), "{text}");
    assert!(text.contains("いつも読んでいただき"), "the introduction: {text}");

    // The sender's day: the invitation (an entry of its own, `survey/reader`) after a message.
    let entry = survey.invitation_entry(&document.municipality.enabled_tracks());
    assert_eq!(entry.line.as_ref(), Some(file), "the invitation entry points at the LINE payload");
    let message_file = document.entries[0].line.as_ref().expect("a message's payload");
    let message: LinePayload =
        serde_json::from_slice(&fs::read(out.path().join("testcity").join(&message_file.path)).expect("message"))
            .expect("payload");
    let link = "https://kizuna.example.jp/api/survey-answers?token=v.k1.testcity.reader.age-0.line.abc.1800000000.sig";
    let push = compose_push(&[PushSection::from(&message), PushSection::invitation(&payload, link)]).expect("one push");
    let json = serde_json::to_string(&push).expect("json");
    assert!(!json.contains(SURVEY_URL_MARKER), "the marker is filled");
    let button = push.messages.iter().find_map(|m| match m {
        LineMessage::Template { template: LineTemplate::Buttons(b), .. } => Some(&b.actions[0]),
        LineMessage::Text { .. } => None,
    });
    assert_eq!(button, Some(&LineAction::Uri { label: "アンケートに答える".to_owned(), uri: link.to_owned() }));

    // A town without LINE has the mail invitation only.
    let other = schedule(out.path(), "othertown");
    assert_eq!(other.surveys[0].line, None);
    assert!(!out.path().join("othertown/line").exists());
}

/// Appends `surveys:` to a town's `municipality.yaml`; the line it lands on.
fn opt_out(content: &std::path::Path, town: &str, value: &str) -> usize {
    let path = content.join(format!("municipalities/{town}/municipality.yaml"));
    let mut text = fs::read_to_string(&path).expect("municipality.yaml");
    let line = text.lines().count() + 1;
    text.push_str(&format!("surveys: {{ opt_out: {value} }}\n"));
    fs::write(&path, text).expect("write");
    line
}

#[test]
fn a_town_that_opts_out_gets_no_pages_and_no_invitation_for_that_survey() {
    let content = content_with_surveys();
    let national = fs::read_to_string(content.path().join("surveys/reader.yaml")).expect("national");
    write(content.path(), "surveys/followup.yaml", &national.replace("読者アンケート", "追加アンケート"));
    opt_out(content.path(), "othertown", "[reader]");
    let town = fs::read_to_string(content.path().join("municipalities/othertown/municipality.yaml")).expect("town");
    let none = town.replace("999902", "999903").replace("othertown", "nonetown").replace("ほか町", "なし村");
    write(
        content.path(),
        "municipalities/nonetown/municipality.yaml",
        &none.replace("opt_out: [reader]", "opt_out: all"),
    );
    write(
        content.path(),
        "municipalities/nonetown/surveys/own.yaml",
        &national.replace("読者アンケート", "なし村のアンケート"),
    );
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());

    let ids = |town: &str| -> Vec<String> { schedule(out.path(), town).surveys.into_iter().map(|s| s.id).collect() };
    assert_eq!(ids("testcity"), ["followup", "reader"], "a town without `surveys:` runs every national survey");
    assert_eq!(ids("othertown"), ["followup"], "reader is left out");
    assert_eq!(ids("nonetown"), ["own"], "no national survey; its own survey is run");
    for (town, survey) in [("othertown", "reader"), ("nonetown", "reader"), ("nonetown", "followup")] {
        let muni = out.path().join(town);
        assert!(!muni.join(format!("surveys/{survey}")).exists(), "{town}: no pages of {survey}");
        assert!(!muni.join(format!("mail/sections/survey/{survey}.json")).exists(), "{town}: no invitation");
    }
    assert!(out.path().join("othertown/surveys/followup/index.html").is_file());
    assert!(out.path().join("testcity/surveys/reader/refused/index.html").is_file());
}

#[test]
fn an_opt_out_naming_no_national_survey_or_one_with_extra_questions_is_reported() {
    let content = content_with_surveys();
    let line = opt_out(content.path(), "othertown", "[raeder]");
    opt_out(content.path(), "testcity", "all");
    let problems = build::prepare(&options(content.path())).expect_err("invalid opt-outs");
    let other = "municipalities/othertown/municipality.yaml";
    assert_reported(&problems, other, Some(line), "there is no national survey `raeder` (there are: reader)");
    assert_reported(&problems, other, Some(line), "did you mean `reader`?");
    // testcity writes extra questions for the survey it opts out of.
    let extra = "municipalities/testcity/surveys/reader.yaml";
    assert_reported(&problems, extra, Some(1), "the national survey `reader` is opted out");
}
