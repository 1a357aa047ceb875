//! Builds fixture content trees into temporary directories and asserts the output file by file.
//!
//! The valid fixture lives in `tests/fixtures/valid`; each invalid case copies it and changes one
//! file, then asserts the message and the line of the problem it must report.

use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use kizuna_generator::build;
use kizuna_generator::catalogue::Lang;
use kizuna_generator::diagnostics::Diagnostics;
use kizuna_generator::output::DirectorySink;
use kizuna_schedule::{MailFrame, MailSection, ScheduleDocument};

use crate::support::{build_with, copy_tree, fixture, options_with_search as options, theme};

/// Builds `content` into `out` with the search indexes, returning the summary line's numbers.
fn build_into(content: &Path, out: &Path) -> kizuna_generator::output::WriteSummary {
    build_with(&options(content), out)
}

fn read(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

macro_rules! file_contains {
    ($out:expr, $path:expr, $($needle:expr),+ $(,)?) => {{
        let text = read($out, $path);
        $(assert!(text.contains($needle), "{} does not contain {:?}", $path, $needle);)+
    }};
}

#[test]
fn valid_fixture_builds_every_output() {
    let out = tempfile::tempdir().expect("tempdir");
    let summary = build_into(&fixture(), out.path());
    assert!(summary.written > 20, "{summary:?}");
    let out = out.path();
    file_contains!(out, "index.html", r#"<html lang="ja">"#, "testcity/", "てすと市 きずなメール");
    file_contains!(
        out,
        "testcity/index.html",
        "てすと市 きずなメール",
        "架空の自治体",
        "maternity/",
        "防災の日のおしらせ",
        "kizuna@test.example.jp"
    );
    file_contains!(out, "testcity/maternity/index.html", "妊娠12週", "妊娠12週3日", "赤ちゃんの指紋ができはじめるころ");
    // The message page: placeholders filled, local section attached, prev/next, breadcrumbs, draft banner.
    file_contains!(
        out,
        "testcity/maternity/12w3d/index.html",
        "てすと市のページ",
        "てすと市こども家庭センター（000-000-0000）",
        "母子健康手帳の交付",
        r#"href="../12w4d/""#,
        "aria-label=\"現在の場所\"",
        "まだ医療の専門家による監修を受けていません",
        "<strong>大切なこと</strong>",
    );
    // The override replaced the base message; reviewed content has no draft banner.
    file_contains!(out, "testcity/maternity/12w4d/index.html", "てすと市の差し替え原稿");
    assert!(!read(out, "testcity/maternity/12w4d/index.html").contains("監修を受けていません"));
    // Identical rule → a section of baby/day-014; own rule → its own page.
    file_contains!(out, "testcity/baby/day-014/index.html", "出生届の窓口");
    file_contains!(out, "testcity/local/kenshin-1y6m/index.html", "1歳6か月児健診", "1歳6か月");
    // Expired local information is neither shown nor scheduled.
    assert!(!out.join("testcity/local/expired/index.html").exists());
    assert!(!read(out, "testcity/maternity/20w0d/index.html").contains("終わったお知らせ"));
    file_contains!(out, "testcity/topics/index.html", "赤ちゃんの成長");
    file_contains!(
        out,
        "testcity/review/index.html",
        "原稿確認",
        "てすと市の差し替え原稿",
        "review-local",
        "母子健康手帳の交付"
    );
    file_contains!(
        out,
        "testcity/feed.xml",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"",
        "https://kizuna.example.jp/testcity/local/bousai/"
    );
    file_contains!(out, "testcity/sitemap.xml", "https://kizuna.example.jp/testcity/maternity/12w3d/");
    assert!(!read(out, "testcity/sitemap.xml").contains("/review/"));
    assert!(out.join("assets/style.css").exists());
}

#[test]
fn schedule_hashes_match_their_section_files() {
    let out = tempfile::tempdir().expect("tempdir");
    build_into(&fixture(), out.path());
    let muni = out.path().join("testcity");
    let document: ScheduleDocument = serde_json::from_str(&read(&muni, "schedule.json")).expect("schedule parses");
    assert_eq!(document.schema, "kizuna-schedule/2");
    assert!(!document.build.production);
    let ids: Vec<&str> = document.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "maternity/12w3d",
            "maternity/12w4d",
            "maternity/20w0d",
            "baby/day-001",
            "baby/day-014",
            "local/kenshin-1y6m",
            "local/bousai"
        ]
    );
    let mut checked = 0;
    for entry in &document.entries {
        let bytes = fs::read(muni.join(&entry.section)).expect("section file");
        assert_eq!(kizuna_schedule::content_hash(&bytes), entry.hash, "{}", entry.id);
        for local in &entry.local {
            let bytes = fs::read(muni.join(&local.section)).expect("local section file");
            assert_eq!(kizuna_schedule::content_hash(&bytes), local.hash, "{}", local.id);
            checked += 1;
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
    let announcement = document.entries.iter().find(|e| e.id == "local/bousai").expect("announcement");
    assert_eq!(
        announcement.tracks.as_deref(),
        Some(&[kizuna_schedule::TrackId::Maternity, kizuna_schedule::TrackId::Baby][..])
    );
    let section: MailSection =
        serde_json::from_str(&read(&muni, "mail/sections/maternity/12w3d.json")).expect("section");
    assert_eq!(section.title, "赤ちゃんの指紋ができはじめるころ");
    assert!(section.text.contains("・ひとつめ") && section.text.contains("◆パートナー・家族の方へ"));
    let shell: MailFrame = serde_json::from_str(&read(&muni, "mail/shell.json")).expect("shell");
    for marker in kizuna_schedule::MAIL_MARKERS {
        assert!(shell.html.contains(marker) && shell.text.contains(marker), "shell lacks {marker}");
    }
    for kind in kizuna_schedule::SystemMail::ALL {
        let frame: MailFrame =
            serde_json::from_str(&read(&muni, &format!("mail/system/{}.json", kind.as_str()))).expect("system mail");
        assert!(frame.subject.contains("てすと市 きずなメール"), "{}", kind.as_str());
    }
}

#[test]
fn rebuild_writes_only_changes_and_removes_what_is_gone() {
    let content = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), content.path());
    let out = tempfile::tempdir().expect("tempdir");
    let first = build_into(content.path(), out.path());
    let again = build_into(content.path(), out.path());
    assert_eq!((again.written, again.removed, again.unchanged), (0, 0, first.produced), "no-op rebuild: {again:?}");

    // The national search bundle of unchanged pages is reused, not indexed again: a marked file stays.
    let entry = out.path().join("testcity/pagefind-national/pagefind-entry.json");
    let original = fs::read(&entry).expect("pagefind entry");
    fs::write(&entry, b"{\"marked\":true}").expect("mark");
    build_into(content.path(), out.path());
    assert_eq!(fs::read(&entry).expect("entry"), b"{\"marked\":true}", "an unchanged bundle is reused");

    fs::remove_file(content.path().join("tracks/baby/day-001.yaml")).expect("remove");
    let after = build_into(content.path(), out.path());
    let reindexed = fs::read(&entry).expect("entry");
    assert!(reindexed != b"{\"marked\":true}" && reindexed != original, "changed pages are indexed again");
    assert!(after.removed >= 2, "{after:?}");
    assert!(!out.path().join("testcity/baby/day-001/index.html").exists());
    assert!(!out.path().join("testcity/mail/sections/baby/day-001.json").exists());
    assert!(out.path().join("testcity/maternity/12w3d/index.html").exists());
    // A municipality removed from content disappears from the archive, manifests included.
    fs::remove_dir_all(content.path().join("municipalities/testcity")).expect("remove municipality");
    build_into(content.path(), out.path());
    assert!(!out.path().join("testcity").exists(), "the removed municipality's files are gone");
    assert!(out.path().join("index.html").exists());
    let leftovers: Vec<_> = walkdir::WalkDir::new(out.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().ends_with(".kizuna-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Copies the valid fixture, writes `file` with `text`, and returns every problem reported.
fn problems_with(file: &str, text: &str) -> Diagnostics {
    let content = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), content.path());
    let path = content.path().join(file);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, text).expect("write");
    let problems = match build::prepare(&options(content.path())) {
        Ok(_) => panic!("{file} should be refused"),
        Err(problems) => problems,
    };
    // Re-root the paths so assertions do not depend on the temp dir name.
    let _ = content.keep();
    problems
}

/// Asserts the English text (as `--lang en` shows it); tests/integration/check_ja.rs asserts the Japanese.
fn assert_reported(problems: &Diagnostics, file_suffix: &str, line: Option<usize>, needle: &str) {
    let found = problems.sorted().into_iter().any(|d| {
        d.file.to_string_lossy().ends_with(file_suffix) && d.line == line && d.render(Lang::En).contains(needle)
    });
    assert!(found, "expected {file_suffix}:{line:?} «{needle}» in:\n{}", problems.render(Lang::En));
}

const MESSAGE: &str =
    "when: { pregnancy: 12w3d }\ntitle: t\ntopics: [赤ちゃんの成長]\nbody: |\n  本文\nreview: { status: draft }\n";

#[test]
fn every_error_kind_names_file_line_and_what_to_do() {
    let cases: Vec<(&str, String, Option<usize>, &str)> = vec![
        ("tracks/maternity/12w5d.yaml", "when: { pregnancy: 12w5d }\ntitle: t\n  body: x\n".into(), Some(3), "mapping values are not allowed in this context"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d").replace("title: t\n", ""), Some(1), "missing field `title`"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d") + "colour: red\n", Some(7), "unknown field `colour`"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "42w0d"), Some(1), "pregnancy rules run from 4w0d to 41w6d"),
        ("tracks/maternity/dup.yaml", MESSAGE.to_owned(), Some(1), "two messages of track maternity fall on the same day"),
        ("tracks/baby/day-5000.yaml", MESSAGE.replace("{ pregnancy: 12w3d }", "{ day: 5000 }"), Some(1), "falls outside the baby track's window"),
        ("tracks/baby/wrong.yaml", MESSAGE.to_owned(), Some(1), "counts from the 出産予定日 but track baby counts from the 誕生日"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d").replace("本文", "{{city}}の本文"), Some(4), "unknown placeholder `{{city}}`"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d").replace("本文", "本文<script>alert(1)</script>"), Some(4), "<script>"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d").replace("本文", "<b>太字</b>"), Some(4), "raw HTML"),
        ("tracks/maternity/12w5d.yaml", MESSAGE.replace("12w3d", "12w5d").replace("赤ちゃんの成長", "ひみつ"), Some(3), "unknown topic `ひみつ`"),
        ("tracks/toddler/x.yaml", MESSAGE.to_owned(), None, "unknown track `toddler`"),
        ("tracks/maternity/12w3d.yml", MESSAGE.to_owned(), None, "duplicate id"),
        (
            "municipalities/testcity/local/bad-attach.yaml",
            "category: 防災\ntitle: t\nbody: b\nattach_to: maternity/39w0d\nreview: { status: draft }\n".into(),
            Some(4),
            "attach_to `maternity/39w0d` names no message",
        ),
        (
            "municipalities/testcity/local/no-tracks.yaml",
            "category: 防災\ntitle: t\nbody: b\nwhen: { date: 2027-02-01 }\nreview: { status: draft }\n".into(),
            Some(4),
            "an announcement (`date:` rule) needs `tracks`",
        ),
        (
            "municipalities/testcity/local/bad-category.yaml",
            "category: ごみ\ntitle: t\nbody: b\nattach_to: maternity/12w3d\nreview: { status: draft }\n".into(),
            Some(1),
            "unknown category `ごみ`",
        ),
        (
            "municipalities/testcity/local/reversed.yaml",
            "category: 防災\ntitle: t\nbody: b\nvalid: { from: 2027-04-01, until: 2026-04-01 }\nattach_to: maternity/12w3d\nreview: { status: draft }\n".into(),
            Some(4),
            "valid.from 2027-04-01 is after valid.until 2026-04-01",
        ),
        (
            "municipalities/testcity/local/bad-date.yaml",
            "category: 防災\ntitle: t\nbody: b\nvalid: { from: 2027-02-30 }\nattach_to: maternity/12w3d\nreview: { status: draft }\n".into(),
            Some(4),
            "`2027-02-30` is not a calendar date",
        ),
        (
            "municipalities/testcity/overrides/maternity/30w0d.yaml",
            MESSAGE.replace("12w3d", "30w0d"),
            None,
            "overrides maternity/30w0d, which is not a base message",
        ),
    ];
    for (file, text, line, needle) in cases {
        let problems = problems_with(file, &text);
        assert_reported(&problems, file, line, needle);
        assert!(problems.has_errors());
    }
}

#[test]
fn municipality_errors_are_reported_together() {
    let text = fs::read_to_string(fixture().join("municipalities/testcity/municipality.yaml"))
        .expect("read")
        .replace("\"999901\"", "\"12345\"")
        .replace("tracks: [maternity, baby]", "tracks: [maternity, baby, preschool]")
        .replace("#0b6e69", "#ffcc00")
        .replace("\"07:00\"", "\"7 am\"");
    let problems = problems_with("municipalities/testcity/municipality.yaml", &text);
    let file = "municipalities/testcity/municipality.yaml";
    assert_reported(&problems, file, Some(1), "code `12345` is not a 6-digit local-government code");
    assert_reported(&problems, file, Some(7), "enables track preschool, which has no content");
    assert_reported(&problems, file, Some(11), "gives white text a contrast of only");
    assert_reported(&problems, file, Some(9), "delivery_time `7 am` is not a time HH:MM");
    assert_eq!(problems.error_count(), 4, "{problems}");
}

#[test]
fn delivery_time_off_the_half_hour_is_refused() {
    // Regression: the old check (`minute 0 or 30 or second 0`) accepted any HH:MM.
    let text = fs::read_to_string(fixture().join("municipalities/testcity/municipality.yaml"))
        .expect("read")
        .replace("\"07:00\"", "\"07:15\"");
    let problems = problems_with("municipalities/testcity/municipality.yaml", &text);
    assert_reported(
        &problems,
        "municipalities/testcity/municipality.yaml",
        Some(9),
        "delivery_time `07:15` is not on the hour or half hour",
    );
    assert_eq!(problems.error_count(), 1, "{problems}");
}

#[test]
fn production_refuses_drafts_and_writes_nothing() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut options = options(&fixture());
    options.production = true;
    let problems = build::prepare(&options).expect_err("drafts refused");
    assert_reported(
        &problems,
        "tracks/maternity/12w3d.yaml",
        Some(11),
        "draft content cannot be published with --production",
    );
    assert!(fs::read_dir(out.path()).expect("read").next().is_none());
}

#[test]
fn rendered_output_snapshots() {
    let out = tempfile::tempdir().expect("tempdir");
    build_into(&fixture(), out.path());
    let muni = out.path().join("testcity");
    insta::assert_snapshot!("message_page", read(&muni, "maternity/12w3d/index.html"));
    insta::assert_snapshot!("review_page", read(&muni, "review/index.html"));
    insta::assert_snapshot!("mail_section", read(&muni, "mail/sections/maternity/12w3d.json"));
    insta::assert_snapshot!("mail_shell", read(&muni, "mail/shell.json"));
}

#[test]
fn check_warns_about_near_duplicate_bodies_and_expiring_local_information() {
    let content = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), content.path());
    let body = "妊娠中のからだの変化について、今日はゆっくり考えてみましょう。むくみや腰の痛みが出たら、無理をせずに休んでください。";
    for (stem, when) in [("30w0d", "30w0d"), ("31w0d", "31w0d")] {
        fs::write(
            content.path().join(format!("tracks/maternity/{stem}.yaml")),
            format!("when: {{ pregnancy: {when} }}\ntitle: {stem}\ntopics: [からだの変化]\nbody: |\n  {body}\nreview: {{ status: draft }}\n"),
        )
        .expect("write");
    }
    let prepared = build::prepare(&options(content.path())).expect("valid");
    let mut diagnostics = Diagnostics::default();
    kizuna_generator::check::near_duplicates(&prepared.content, 0.6, &mut diagnostics);
    kizuna_generator::check::expiring_local(
        &prepared.content,
        NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
        60,
        &mut diagnostics,
    );
    assert!(!diagnostics.has_errors());
    assert_reported(&diagnostics, "tracks/maternity/31w0d.yaml", Some(4), "the body is 100% the same as");
    assert_reported(&diagnostics, "local/bousai.yaml", Some(5), "expires on 2027-03-31, in 30 days");
    assert_eq!(diagnostics.warning_count(), 4, "{diagnostics}"); // three expiring items, one duplicate pair
}

#[test]
fn serve_answers_pages_and_refuses_paths_outside_the_archive() {
    use std::io::{Read, Write};
    let out = tempfile::tempdir().expect("tempdir");
    build_into(&fixture(), out.path());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = std::sync::mpsc::channel();
    let root = out.path().to_path_buf();
    let server = std::thread::spawn(move || kizuna_generator::serve::serve(&root, listener, Some(stopped)));
    let get = |path: &str| {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        response
    };
    let page = get("/testcity/maternity/12w3d/");
    assert!(
        page.starts_with("HTTP/1.1 200 OK")
            && page.contains("text/html; charset=utf-8")
            && page.contains("赤ちゃんの指紋"),
        "{page}"
    );
    assert!(get("/testcity/nothing-here/").starts_with("HTTP/1.1 404"));
    assert!(get("/../../etc/passwd").starts_with("HTTP/1.1 400"));
    stop.send(()).expect("stop");
    server.join().expect("join").expect("serve");
}

#[test]
fn a_render_failure_leaves_the_previous_archive_untouched() {
    let out = tempfile::tempdir().expect("tempdir");
    build_into(&fixture(), out.path());
    let before = read(out.path(), "testcity/maternity/12w3d/index.html");

    // A theme whose local-information page fails at render time (an undefined variable).
    let theme_copy = tempfile::tempdir().expect("tempdir");
    copy_tree(&theme(), theme_copy.path());
    fs::write(theme_copy.path().join("templates/local.html"), "{{ no_such_variable.field }}").expect("write");
    let mut options = options(&fixture());
    options.theme_dir = theme_copy.path().to_path_buf();
    let prepared = build::prepare(&options).expect("content is valid");
    let mut sink = DirectorySink::new(out.path(), true);
    let error = build::build(&prepared, &options, Some(out.path()), &mut sink).expect_err("render fails");
    sink.abort();
    assert!(error.to_string().contains("local.html"), "{error}");
    assert_eq!(read(out.path(), "testcity/maternity/12w3d/index.html"), before);
    let leftovers: Vec<_> = walkdir::WalkDir::new(out.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.path().to_string_lossy();
            name.ends_with(".kizuna-tmp") || name.ends_with(".next") || name.ends_with(".kizuna-staged")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn without_search_the_finder_index_is_still_written() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut options = options(&fixture());
    options.search = false;
    let prepared = build::prepare(&options).expect("valid");
    let mut sink = DirectorySink::new(out.path(), true);
    build::build(&prepared, &options, Some(out.path()), &mut sink).expect("build");
    sink.commit().expect("commit");
    assert!(out.path().join("testcity/finder.json").exists());
    assert!(!out.path().join("testcity/pagefind").exists());
    assert!(!out.path().join("testcity/pagefind-national").exists());
    let with_search = tempfile::tempdir().expect("tempdir");
    build_into(&fixture(), with_search.path());
    assert!(with_search.path().join("testcity/pagefind-national/pagefind.js").exists());
    assert!(with_search.path().join("testcity/search.json").exists());
}

#[test]
fn a_rebuild_from_the_same_inputs_keeps_what_is_as_written_and_repairs_the_rest() {
    let content = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), content.path());
    let out = tempfile::tempdir().expect("tempdir");
    let build_once = |options: &build::BuildOptions| {
        let prepared = build::prepare(options).unwrap_or_else(|d| panic!("content is invalid:\n{d}"));
        let mut sink = DirectorySink::new(out.path(), true);
        let report = build::build(&prepared, options, Some(out.path()), &mut sink).expect("build");
        (report, sink.commit().expect("commit"))
    };
    let with_search = options(content.path());
    let (first, written) = build_once(&with_search);
    assert_eq!(first.kept, 0);

    let (again, summary) = build_once(&with_search);
    assert_eq!(again.kept, 1, "the municipality is kept as built");
    assert_eq!((again.files, again.pages), (first.files, first.pages), "kept files are counted as produced");
    assert_eq!((summary.written, summary.unchanged, summary.removed), (0, written.produced, 0), "{summary:?}");

    // A page changed or removed since makes the municipality render again, which repairs it.
    let page = out.path().join("testcity/baby/day-001/index.html");
    let original = fs::read(&page).expect("page");
    fs::write(&page, [original.as_slice(), b"<!-- edited -->"].concat()).expect("edit");
    let (repaired, summary) = build_once(&with_search);
    assert_eq!((repaired.kept, summary.written), (0, 1));
    assert_eq!(fs::read(&page).expect("page"), original, "the edited page is written again");
    fs::remove_file(&page).expect("remove");
    assert_eq!(build_once(&with_search).0.kept, 0);
    assert_eq!(fs::read(&page).expect("page"), original, "the removed page is written again");
    assert_eq!(build_once(&with_search).0.kept, 1);

    // Other inputs, other output: another search layout, or changed content.
    let (without_search, _) = build_once(&build::BuildOptions { search: false, ..with_search.clone() });
    assert_eq!(without_search.kept, 0);
    assert!(!out.path().join("testcity/pagefind").exists());
    assert_eq!(build_once(&with_search).0.kept, 0, "the search files come back");
    assert!(out.path().join("testcity/pagefind").exists());
    let message = content.path().join("tracks/baby/day-001.yaml");
    let text = fs::read_to_string(&message).expect("message");
    fs::write(&message, text.replacen("title: ", "title: 改訂 ", 1)).expect("edit message");
    let (changed, _) = build_once(&with_search);
    assert_eq!(changed.kept, 0);
    assert!(read(out.path(), "testcity/baby/day-001/index.html").contains("改訂"));
}
