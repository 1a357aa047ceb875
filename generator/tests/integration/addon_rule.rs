//! An enabled add-on owns its school year (DESIGN.md §3): the school track's `school:` messages of
//! the 小1 year are neither in the archive (page, table of contents) nor in schedule.json, preview
//! or coverage where `first-grade` is enabled; its birthday messages stay. Without the add-on they
//! are all there.

use std::fs;
use std::path::Path;

use crate::support::{assert_reported, build_into, fixture_copy, prepare, write};
use kizuna_generator::check;
use kizuna_schedule::{AnchorKind, ScheduleDocument, TrackId};

const SCHOOL_MESSAGE: &str =
    "when: WHEN\ntitle: TITLE\ntopics: [お金と手続き]\nbody: |\n  BODY\nreview: { status: draft }\n";

fn message(when: &str, title: &str, body: &str) -> String {
    SCHOOL_MESSAGE.replace("WHEN", when).replace("TITLE", title).replace("BODY", body)
}

/// The valid fixture with a school track, a first-grade add-on track, and `addons` enabled.
fn school_content(addons: &str) -> tempfile::TempDir {
    let content = fixture_copy();
    let root = content.path();
    write(root, "tracks/school/track.yaml", "name: テスト・学童期\ndescription: テスト用の説明です。\n");
    write(root, "tracks/first-grade/track.yaml", "name: テスト・小1\ndescription: テスト用の説明です。\n");
    let sho1 = "{ school: { year: 小1, date: 04-06 } }";
    write(root, "tracks/school/sho1-0406.yaml", &message(sho1, "学校の入学式", "学校の入学式の日です。"));
    write(root, "tracks/school/birthday-07.yaml", &message("{ birthday: 7 }", "7歳の誕生日", "7歳の誕生日です。"));
    write(root, "tracks/first-grade/sho1-0406.yaml", &message(sho1, "ご入学おめでとう", "小1の春のお話です。"));
    let file = root.join("municipalities/testcity/municipality.yaml");
    let text = fs::read_to_string(&file)
        .expect("read")
        .replace("tracks: [maternity, baby]", "tracks: [maternity, baby, school]")
        .replace("addons: []", &format!("addons: {addons}"));
    fs::write(&file, text).expect("write");
    content
}

fn schedule(out: &Path) -> ScheduleDocument {
    serde_json::from_slice(&fs::read(out.join("testcity/schedule.json")).expect("schedule")).expect("parse")
}

fn ids(document: &ScheduleDocument) -> Vec<&str> {
    document
        .entries
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| !id.starts_with("maternity/") && !id.starts_with("baby/") && !id.starts_with("local/"))
        .collect()
}

/// What `kizuna preview` shows a child born 2019-05-10 (小1 from April 2026) on 2026-04-06 and on
/// the 7th birthday.
fn preview_ids(document: &ScheduleDocument) -> Vec<String> {
    let born = "2019-05-10".parse().expect("date");
    let titles = |_: &str| String::new();
    let days = [("2026-04-06", "2026-04-06"), ("2026-05-10", "2026-05-10")];
    days.iter()
        .flat_map(|(from, to)| {
            let (from, to) = (from.parse().expect("date"), to.parse().expect("date"));
            kizuna_generator::preview::preview(document, &titles, AnchorKind::Birth, born, from, to)
        })
        .map(|item| format!("{} {}", item.date, item.id))
        .collect()
}

#[test]
fn with_first_grade_the_school_tracks_sho1_message_is_left_out_everywhere() {
    let content = school_content("[first-grade]");
    let out = tempfile::tempdir().expect("tempdir");
    build_into(content.path(), out.path());
    let document = schedule(out.path());
    assert_eq!(ids(&document), vec!["school/birthday-07", "first-grade/sho1-0406"]);
    assert_eq!(preview_ids(&document), vec!["2026-04-06 first-grade/sho1-0406", "2026-05-10 school/birthday-07"]);
    let muni = out.path().join("testcity");
    assert!(!muni.join("school/sho1-0406/index.html").exists(), "no page for the owned message");
    assert!(!muni.join("mail/sections/school/sho1-0406.json").exists(), "no mail section either");
    let toc = fs::read_to_string(muni.join("school/index.html")).expect("school table of contents");
    assert!(!toc.contains("sho1-0406/") && !toc.contains("学校の入学式"), "the TOC does not list it");
    assert!(toc.contains("birthday-07/"), "the birthday message stays in the TOC");
    assert!(muni.join("first-grade/sho1-0406/index.html").exists());
}

#[test]
fn without_the_addon_the_school_tracks_sho1_message_is_sent_and_shown() {
    let content = school_content("[]");
    fs::remove_dir_all(content.path().join("tracks/first-grade")).expect("no add-on content");
    let out = tempfile::tempdir().expect("tempdir");
    build_into(content.path(), out.path());
    let document = schedule(out.path());
    assert_eq!(ids(&document), vec!["school/birthday-07", "school/sho1-0406"]);
    assert_eq!(preview_ids(&document), vec!["2026-04-06 school/sho1-0406", "2026-05-10 school/birthday-07"]);
    let muni = out.path().join("testcity");
    assert!(muni.join("school/sho1-0406/index.html").exists());
    let toc = fs::read_to_string(muni.join("school/index.html")).expect("school table of contents");
    assert!(toc.contains("sho1-0406/"), "the TOC lists it");
}

#[test]
fn coverage_measures_the_school_track_as_sent_with_the_addon() {
    let content = school_content("[first-grade]");
    let prepared = prepare(content.path());
    let coverage = check::coverage(&prepared.content);
    let labels: Vec<(String, usize)> = coverage.iter().map(|c| (c.label(), c.messages)).collect();
    assert!(labels.contains(&("school".to_owned(), 2)), "{labels:?}");
    // The school track without its 小1 message, plus the add-on's message.
    assert!(labels.contains(&("school+first-grade".to_owned(), 2)), "{labels:?}");
    let with_addon = coverage.iter().find(|c| c.addons == [TrackId::FirstGrade]).expect("school as sent");
    assert!(with_addon.gaps.iter().all(|g| g.after != "school/sho1-0406" && g.before != "school/sho1-0406"));
    assert!(with_addon.gaps.iter().any(|g| g.before == "first-grade/sho1-0406"), "{:?}", with_addon.gaps);

    let without = school_content("[]");
    let prepared = prepare(without.path());
    let labels: Vec<String> = check::coverage(&prepared.content).iter().map(|c| c.label()).collect();
    assert!(!labels.iter().any(|l| l.contains('+')), "{labels:?}");
}

#[test]
fn local_information_cannot_attach_to_a_message_the_addon_owns() {
    let content = school_content("[first-grade]");
    let file = "municipalities/testcity/local/nyugaku.yaml";
    write(
        content.path(),
        file,
        "category: 防災\ntitle: t\nbody: b\nattach_to: school/sho1-0406\nreview: { status: draft }\n",
    );
    let problems = kizuna_generator::build::prepare(&crate::support::options(content.path())).expect_err("refused");
    assert_reported(
        &problems,
        file,
        Some(4),
        "attach_to `school/sho1-0406` is not sent here: the enabled add-on first-grade owns its school year",
    );
}
