//! The LINE channel as the generator writes it (issue 17): payload files in the push API's shape,
//! listed and hashed in `schedule.json`, within LINE's limits for every day a family can get;
//! the add-friend button and QR code and the LINE registration page; content that cannot be
//! pushed refused with its file and line, before anything is written.

use std::fs;
use std::path::Path;

use crate::support::{assert_reported, build_into, fixture_copy, options, write};
use kizuna_generator::build;
use kizuna_schedule::forms::{self, LINE_SIGN_UP};
use kizuna_schedule::line::{compose_push, LineMessage, LinePayload, SystemLine};
use kizuna_schedule::{content_hash, ScheduleDocument};

const LINE_BLOCK: &str =
    "line: { basic_id: \"@sample.testcity\", add_friend_url: \"https://line.me/R/ti/p/@sample.testcity\" }\n";

pub(crate) fn with_line(content: &Path) {
    let path = content.join("municipalities/testcity/municipality.yaml");
    let mut text = fs::read_to_string(&path).expect("municipality.yaml");
    text.push_str(LINE_BLOCK);
    fs::write(&path, text).expect("write");
}

fn payload(muni: &Path, relative: &str, hash: &str) -> LinePayload {
    let bytes = fs::read(muni.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
    assert_eq!(content_hash(&bytes), hash, "{relative} is hashed in schedule.json");
    let payload: LinePayload = serde_json::from_slice(&bytes).expect("a LINE payload");
    payload.check().unwrap_or_else(|e| panic!("{relative}: {e}"));
    payload
}

fn texts(payload: &LinePayload) -> String {
    payload
        .messages
        .iter()
        .filter_map(|m| match m {
            LineMessage::Text { text } => Some(text.as_str()),
            LineMessage::Template { .. } => None,
        })
        .collect()
}

#[test]
fn a_town_with_line_gets_payloads_listed_and_hashed_in_its_schedule() {
    let content = fixture_copy();
    with_line(content.path());
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());
    let muni = out.path().join("testcity");
    let document: ScheduleDocument =
        serde_json::from_str(&fs::read_to_string(muni.join("schedule.json")).expect("schedule")).expect("parses");
    assert_eq!(document.schema, "kizuna-schedule/2");
    let settings = document.municipality.line.as_ref().expect("municipality.line");
    assert_eq!(settings.basic_id, "@sample.testcity");

    let parts = document.line.as_ref().expect("line parts");
    assert_eq!(parts.system.keys().copied().collect::<Vec<_>>(), SystemLine::ALL.to_vec());
    for (kind, file) in &parts.system {
        let system = payload(&muni, &file.path, &file.hash);
        let json = serde_json::to_string(&system).expect("json");
        assert!(!json.contains("{{"), "{kind:?}: placeholders are filled");
        let used: Vec<&str> = json.split("%%").skip(1).step_by(2).collect();
        for marker in used {
            assert!(kind.markers().iter().any(|m| m.token() == format!("%%{marker}%%")), "{kind:?}: %%{marker}%%");
        }
    }
    let greeting = fs::read_to_string(muni.join("line/system/greeting.json")).expect("greeting");
    assert!(greeting.contains("%%register_url%%") && greeting.contains("てすと市こども家庭センター"));

    for entry in &document.entries {
        let file = entry.line.as_ref().unwrap_or_else(|| panic!("{} has no LINE section", entry.id));
        let own = payload(&muni, &file.path, &file.hash);
        let text = texts(&own);
        assert!(text.contains(&entry.subject), "{}: title", entry.id);
        assert!(text.contains(&format!("ウェブで読む：{}", entry.url)), "{}: archive link", entry.id);
        // The day's push: the entry with every local section it carries.
        let locals: Vec<LinePayload> = entry
            .local
            .iter()
            .map(|l| {
                let file = l.line.as_ref().expect("local section's LINE file");
                payload(&muni, &file.path, &file.hash)
            })
            .collect();
        let mut parts = vec![&own];
        parts.extend(&locals);
        compose_push(&parts).unwrap_or_else(|e| panic!("{}: {e}", entry.id));
    }
    let day14 = fs::read_to_string(muni.join("line/sections/baby/day-014.json")).expect("section");
    assert!(day14.contains("【生後14日目】\\n出生届の期限"), "{day14}");
}

#[test]
fn pages_of_a_town_with_line_offer_the_add_friend_button_qr_code_and_registration() {
    let content = fixture_copy();
    with_line(content.path());
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path());
    let muni = out.path().join("testcity");
    let read = |path: &str| fs::read_to_string(muni.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    for page in ["index.html", "subscribe/signup/index.html"] {
        let html = read(page);
        assert!(html.contains("href=\"https://line.me/R/ti/p/@sample.testcity\""), "{page}: button");
        assert!(
            html.contains("<svg class=\"qr\" role=\"img\" aria-label=\"てすと市のLINE公式アカウント"),
            "{page}: QR"
        );
        assert!(html.contains("LINEで受け取る"), "{page}: call to action");
    }
    assert!(read("baby/day-014/index.html").contains("LINEで受け取る"));

    let line = read("subscribe/line/index.html");
    let action = format!("action=\"https://kizuna.example.jp/api/{}\"", LINE_SIGN_UP.route);
    assert!(line.contains(&action), "posts to the API's LINE registration");
    let form = line.split("<form").nth(1).and_then(|f| f.split("</form>").next()).expect("a form");
    let names: Vec<&str> = form.split(" name=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    for name in &names {
        assert!(LINE_SIGN_UP.names().contains(name), "{name} is not a field of the LINE form");
    }
    for field in [forms::TOKEN, forms::KIND, forms::DATE, forms::NICKNAME, forms::CONSENT] {
        assert!(names.contains(&field.name), "the page has {}", field.name);
    }
    assert!(line.contains("value=\"%%token%%\" data-from-query=\"token\""));
    assert!(out.path().join("assets/line-register.js").is_file());
    // Where the API sends a family once registered.
    let done = read(&format!("subscribe/{}/index.html", kizuna_schedule::line::REGISTERED_PAGE_SLUG));
    assert!(done.contains("LINEでの登録が完了しました"), "{done}");
}

#[test]
fn a_town_without_line_has_no_line_files_button_or_page() {
    let out = tempfile::tempdir().expect("out");
    build_into(&crate::support::fixture(), out.path());
    let muni = out.path().join("testcity");
    assert!(!muni.join("line").exists());
    assert!(!muni.join("subscribe/line").exists());
    assert!(!muni.join("subscribe").join(kizuna_schedule::line::REGISTERED_PAGE_SLUG).exists());
    let landing = fs::read_to_string(muni.join("index.html")).expect("landing");
    assert!(!landing.contains("class=\"qr\"") && !landing.contains("LINEで受け取る"));
    let schedule = fs::read_to_string(muni.join("schedule.json")).expect("schedule");
    assert!(!schedule.contains("\"line\""), "no LINE keys in the schedule of a town without LINE");
}

#[test]
fn a_section_that_cannot_be_pushed_is_refused_with_its_file_and_line() {
    let content = fixture_copy();
    with_line(content.path());
    // One paragraph longer than a LINE text message can hold (it cannot be split between paragraphs).
    let body = "あ".repeat(5_100);
    write(
        content.path(),
        "tracks/baby/day-014.yaml",
        &format!("when: {{ day: 14 }}\ntitle: 出生届の期限\ntopics: [お金と手続き]\nbody: |\n  {body}\nreview: {{ status: draft }}\n"),
    );
    let problems = build::prepare(&options(content.path())).expect_err("refused");
    assert_reported(&problems, "tracks/baby/day-014.yaml", Some(4), "cannot be sent on LINE");
}

#[test]
fn a_manuscript_cannot_pull_a_familys_links_into_its_line_text() {
    let content = fixture_copy();
    with_line(content.path());
    write(
        content.path(),
        "tracks/baby/day-014.yaml",
        "when: { day: 14 }\ntitle: 出生届の期限\ntopics: [お金と手続き]\nbody: |\n  こちら：%%manage_url%%\nreview: { status: draft }\n",
    );
    let problems = build::prepare(&options(content.path())).expect_err("refused");
    assert_reported(&problems, "tracks/baby/day-014.yaml", Some(4), "%%manage_url%%");
}

#[test]
fn line_settings_that_are_not_line_s_own_are_refused_at_their_line() {
    let content = fixture_copy();
    let path = content.path().join("municipalities/testcity/municipality.yaml");
    let mut text = fs::read_to_string(&path).expect("municipality.yaml");
    let lines = text.lines().count();
    text.push_str("line: { basic_id: \"@sample\", add_friend_url: \"https://evil.example/add\" }\n");
    fs::write(&path, text).expect("write");
    let problems = build::prepare(&options(content.path())).expect_err("refused");
    assert_reported(&problems, "testcity/municipality.yaml", Some(lines + 1), "is not a LINE add-friend URL");
}
