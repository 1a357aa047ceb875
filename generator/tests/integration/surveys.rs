//! Reader surveys through the generator: survey files in a copy of the valid fixture are validated
//! (every problem, file:line, from the catalogue — Japanese by default; asserted here in English), built into the answer, thank-you and refusal pages, the
//! invitation section and `schedule.json`'s `surveys` — and the form the page posts is exactly
//! what the contract's `read_answers` accepts.

use std::fs;
use std::path::Path;

use crate::support::{assert_reported, build_into, fixture_copy, options, write};
use kizuna_generator::build;
use kizuna_schedule::survey::{Answer, QuestionKind, SurveyScope, SURVEY_URL_MARKER};
use kizuna_schedule::{forms, MailSection, ScheduleDocument};

const NATIONAL: &str = "title: 読者アンケート
introduction: |
  いつも読んでいただき、ありがとうございます。
when: { date: 2027-01-20 }
tracks: [maternity, baby]
open: { from: 2027-01-20, until: 2027-02-28 }
questions:
  - id: reading
    kind: single
    text: 届いたら読んでいますか
    choices: [必ず読む, ときどき読む, 読まない]
    required: true
  - id: overall
    kind: scale
    text: 内容はいかがですか
    choices: [よくなかった, あまりよくなかった, どちらともいえない, よかった, とてもよかった]
  - id: helpful
    kind: multiple
    text: 役に立った内容
    choices: [成長, 健康, 地域]
  - id: comment
    kind: text
    text: ご意見
review: { status: draft }
";

const EXTRA: &str = "questions:
  - id: hiroba
    kind: single
    text: ひろばを使いましたか
    choices: [はい, いいえ]
review: { status: draft }
";

/// The fixture with the national survey, the extra questions for testcity, and a second town
/// (othertown) that runs the national survey only.
pub(crate) fn content_with_surveys() -> tempfile::TempDir {
    let content = fixture_copy();
    write(content.path(), "surveys/reader.yaml", NATIONAL);
    write(content.path(), "municipalities/testcity/surveys/reader.yaml", EXTRA);
    let town = fs::read_to_string(content.path().join("municipalities/testcity/municipality.yaml")).expect("town");
    let other = town.replace("999901", "999902").replace("testcity", "othertown").replace("てすと市", "ほか町");
    write(content.path(), "municipalities/othertown/municipality.yaml", &other);
    content
}

pub(crate) fn schedule(out: &Path, town: &str) -> ScheduleDocument {
    let text = fs::read_to_string(out.join(town).join("schedule.json")).expect("schedule.json");
    serde_json::from_str(&text).expect("schedule parses")
}

#[test]
fn a_survey_is_listed_with_its_invitation_and_the_towns_extra_questions_only_in_that_town() {
    let content = content_with_surveys();
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());

    let test = schedule(out.path(), "testcity");
    let [survey] = test.surveys.as_slice() else { panic!("one survey: {:?}", test.surveys) };
    assert_eq!(survey.id, "reader");
    assert_eq!(survey.scope, SurveyScope::National);
    assert_eq!(survey.url, "https://kizuna.example.jp/testcity/surveys/reader/");
    let ids: Vec<(&str, SurveyScope)> = survey.questions.iter().map(|q| (q.id.as_str(), q.origin)).collect();
    assert_eq!(
        ids,
        [
            ("reading", SurveyScope::National),
            ("overall", SurveyScope::National),
            ("helpful", SurveyScope::National),
            ("comment", SurveyScope::National),
            ("hiroba", SurveyScope::Municipal),
        ]
    );
    let overall = survey.question("overall").expect("overall");
    assert_eq!(overall.kind, QuestionKind::Scale);
    assert_eq!(overall.choices.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3", "4", "5"]);

    // The invitation section is hashed like every section and carries the reader's link marker.
    let bytes = fs::read(out.path().join("testcity").join(&survey.section)).expect("section");
    assert_eq!(kizuna_schedule::content_hash(&bytes), survey.hash);
    let section: MailSection = serde_json::from_slice(&bytes).expect("section parses");
    assert!(section.html.contains(&format!("href=\"{SURVEY_URL_MARKER}\"")), "{}", section.html);
    assert!(section.text.contains(SURVEY_URL_MARKER));
    assert!(section.text.contains("2027年1月20日〜2027年2月28日"), "{}", section.text);

    let other = schedule(out.path(), "othertown");
    assert_eq!(other.surveys[0].questions.len(), 4, "the extra questions are testcity's own");
    assert!(other.surveys[0].questions.iter().all(|q| q.origin == SurveyScope::National));
}

#[test]
fn the_answer_page_posts_exactly_what_the_contract_reads() {
    let content = content_with_surveys();
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());
    let dir = out.path().join("testcity/surveys/reader");
    let page = fs::read_to_string(dir.join("index.html")).expect("survey page");
    assert!(!page.contains("<script"), "works without JavaScript");
    assert!(page.contains("<!--kizuna:base-->") && page.contains("<!--kizuna:errors-->"));
    assert!(page.contains(&format!(
        "<form method=\"post\" action=\"https://kizuna.example.jp/api/{}\"",
        forms::SURVEY_ANSWER.route
    )));
    assert!(page.contains(&format!("name=\"{}\" value=\"%%token%%\"", forms::TOKEN.name)));
    assert!(page.contains("<legend>問1　届いたら読んでいますか（必須）</legend>"));
    assert!(page.contains("<label for=\"field-q-comment\">"), "free text has a label");
    assert!(page.contains("maxlength=\"400\""));

    // Every (name, value) the page offers is accepted by the contract, and the page offers every
    // question: a form filled from the page reads back as one answer per question.
    let offered = offered_fields(&page);
    let survey = schedule(out.path(), "testcity").surveys.remove(0);
    let mut posted: Vec<(&str, &str)> = Vec::new();
    for question in &survey.questions {
        let field = question.field_name();
        let values: Vec<&str> = offered.iter().filter(|(n, _)| *n == field).map(|(_, v)| v.as_str()).collect();
        match question.kind {
            QuestionKind::Text => {
                assert!(page.contains(&format!("<textarea id=\"field-{field}\" name=\"{field}\"")), "{field}");
                posted.push((question.id.as_str(), "よかったです"));
            }
            _ => {
                let ids: Vec<&str> = question.choices.iter().map(|c| c.id.as_str()).collect();
                assert_eq!(values, ids, "{field} offers every choice");
                posted.push((question.id.as_str(), ids[ids.len() - 1]));
            }
        }
    }
    let fields: Vec<(String, &str)> = posted.iter().map(|(id, value)| (format!("q-{id}"), *value)).collect();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let answers = survey.read_answers(&pairs).expect("the page's form is accepted");
    assert_eq!(answers.0.len(), survey.questions.len());
    assert_eq!(answers.0["overall"], Answer::Choices(vec!["5".to_owned()]));

    let thanks = fs::read_to_string(dir.join("thanks/index.html")).expect("thanks page");
    assert!(thanks.contains("ありがとうございました"));
    let refused = fs::read_to_string(dir.join("refused/index.html")).expect("refused page");
    assert!(refused.contains("<!--kizuna:errors-->") && refused.contains("回答は保存されていません"));
    let sitemap = fs::read_to_string(out.path().join("testcity/sitemap.xml")).expect("sitemap");
    assert!(!sitemap.contains("surveys/"), "personal forms stay out of the sitemap");
}

/// The (name, value) of every radio button and check box in `page`.
fn offered_fields(page: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..].split('"').next()?.to_owned())
    };
    page.split("<input ")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .filter(|tag| tag.contains("type=\"radio\"") || tag.contains("type=\"checkbox\""))
        .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
        .collect()
}

#[test]
fn every_problem_of_survey_files_is_reported_with_its_line_in_japanese() {
    let content = content_with_surveys();
    write(
        content.path(),
        "surveys/broken.yaml",
        "title: 壊れたアンケート
introduction: まえがき
when: { date: 2027-05-01 }
open: { from: 2027-03-01, until: 2027-02-01 }
questions:
  - id: overall
    kind: scale
    text: 満足度
    choices: [低い, 中, 高い]
  - id: overall
    kind: text
    text: ご意見
    choices: [a]
  - id: Bad_Id
    kind: single
    text: 一つだけ
    choices: [はい]
review: { status: draft }
",
    );
    write(
        content.path(),
        "municipalities/testcity/surveys/reader.yaml",
        "title: 上書きできない題名
questions:
  - id: reading
    kind: single
    text: 同じ id
    choices: [はい, いいえ]
review: { status: draft }
",
    );
    write(content.path(), "municipalities/testcity/surveys/own.yaml", "questions: []\n");
    let problems = build::prepare(&options(content.path())).expect_err("invalid surveys");
    let broken = "surveys/broken.yaml";
    assert_reported(&problems, broken, Some(3), "a survey on a date needs the `tracks`");
    assert_reported(&problems, broken, Some(4), "the open period ends (2027-02-01) before it starts (2027-03-01)");
    assert_reported(&problems, broken, Some(6), "question 1 (overall): a scale has exactly 5 choices (there are 3)");
    assert_reported(&problems, broken, Some(10), "question 2 (overall): the id is used twice");
    assert_reported(&problems, broken, Some(10), "question 2 (overall): a free-text question has no choices");
    assert_reported(&problems, broken, Some(14), "question 3 (Bad_Id): use lowercase ASCII letters");
    assert_reported(&problems, broken, Some(14), "question 3 (Bad_Id): 2 to 20 choices (there are 1)");
    let extra = "municipalities/testcity/surveys/reader.yaml";
    assert_reported(&problems, extra, Some(1), "cannot set `title`");
    assert_reported(&problems, extra, Some(3), "question 1 (reading): a national question has this id");
    let own = "municipalities/testcity/surveys/own.yaml";
    assert_reported(&problems, own, Some(1), "the survey has no `title`");
    assert_reported(&problems, own, Some(1), "the survey has no `when`");
    assert_reported(&problems, own, Some(1), "the survey has no questions");
    assert_reported(&problems, own, Some(1), "the survey has no `review`");
}

#[test]
fn a_production_build_refuses_a_draft_survey() {
    let content = content_with_surveys();
    let mut production = options(content.path());
    production.production = true;
    let problems = build::prepare(&production).expect_err("drafts are refused");
    let refused = "a draft survey cannot be published with --production";
    assert_reported(&problems, "/surveys/reader.yaml", Some(24), refused);
    assert_reported(&problems, "testcity/surveys/reader.yaml", Some(6), refused);
}
