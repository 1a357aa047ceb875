//! Hostile and careless input (DESIGN.md §9): placeholder values escaped in every output, settings
//! URLs `https:` only, size limits, no writing through links in the output, the content symlink
//! rule, and a killed build leaving nothing that is taken for output.
//!
//! Each case copies the valid fixture, changes one thing and builds through the real pipeline.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use kizuna_generator::build;
use kizuna_generator::diagnostics::Diagnostics;
use kizuna_generator::output::DirectorySink;

use crate::support::{assert_reported, fixture, fixture_copy, options};

const XSS: &str = "<img src=x onerror=alert(1)>センター";
const MUNICIPALITY: &str = "municipalities/testcity/municipality.yaml";

/// A copy of the valid fixture with `file` replaced by what `edit` makes of it.
fn fixture_with(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let content = fixture_copy();
    let path = content.path().join(file);
    let text = fs::read_to_string(&path).unwrap_or_default();
    fs::write(&path, edit(text)).expect("write");
    content
}

fn problems(content: &Path) -> Diagnostics {
    match build::prepare(&options(content)) {
        Ok(_) => panic!("the content should be refused"),
        Err(problems) => problems,
    }
}

fn build_into(content: &Path, out: &Path) -> Result<(), String> {
    let options = options(content);
    let prepared = build::prepare(&options).map_err(|d| d.to_string())?;
    let mut sink = DirectorySink::new(out, true);
    match build::build(&prepared, &options, Some(out), &mut sink) {
        Ok(_) => sink.commit().map(drop).map_err(|e| e.to_string()),
        Err(error) => {
            sink.abort();
            Err(error.to_string())
        }
    }
}

/// Every file under `dir` (relative path → bytes), skipping the generator's `.kizuna-*` bookkeeping.
fn published(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).expect("inside").to_string_lossy().into_owned())
        .filter(|path| !path.split('/').any(|part| part.starts_with(".kizuna-")))
        .map(|path| (path.clone(), fs::read(dir.join(&path)).expect("read")))
        .collect()
}

/// Every string under a key `html` in a JSON value.
fn html_strings<'v>(value: &'v serde_json::Value, found: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("html", serde_json::Value::String(html)) => found.push(html),
                    _ => html_strings(value, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| html_strings(item, found)),
        _ => {}
    }
}

#[test]
fn placeholder_values_are_escaped_in_every_page_and_mail_section() {
    let content = fixture_with(MUNICIPALITY, |text| text.replace("てすと市こども家庭センター", XSS));
    let out = tempfile::tempdir().expect("out");
    build_into(content.path(), out.path()).expect("a strange name is text, not an error");
    let escaped = "&lt;img src=x onerror=alert(1)&gt;センター";
    let (mut pages, mut sections, mut pages_with_value) = (0, 0, 0);
    for (path, bytes) in published(out.path()) {
        let text = String::from_utf8_lossy(&bytes);
        if path.ends_with(".html") {
            pages += 1;
            assert!(!text.contains("<img src=x"), "{path} has the raw value");
            pages_with_value += usize::from(text.contains(escaped));
        } else if path.ends_with(".json") {
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            let mut htmls = Vec::new();
            html_strings(&json, &mut htmls);
            for html in htmls {
                assert!(!html.contains("<img src=x"), "{path} has the raw value in HTML");
            }
            sections += usize::from(path.contains("/mail/sections/"));
        }
    }
    assert!(pages > 10 && sections > 5, "{pages} pages, {sections} sections");
    // The footer of every page names the contact; the value shows as text there.
    assert!(pages_with_value > 10, "the value appears escaped in {pages_with_value} pages");
    // The placeholder in a Markdown body ({{contact_name}} in maternity/12w3d's to_partner).
    let section: kizuna_schedule::MailSection = serde_json::from_slice(
        &fs::read(out.path().join("testcity/mail/sections/maternity/12w3d.json")).expect("section"),
    )
    .expect("section JSON");
    assert!(section.html.contains(escaped), "{}", section.html);
    assert!(section.text.contains(XSS), "the text part shows the name as written: {}", section.text);
    let page = String::from_utf8(fs::read(out.path().join("testcity/maternity/12w3d/index.html")).expect("page"))
        .expect("UTF-8");
    assert!(page.contains(&format!("{escaped}（000-000-0000）")), "the body's placeholder is escaped");
}

#[test]
fn settings_urls_must_be_https() {
    let content = fixture_with(MUNICIPALITY, |text| text.replace("https://test.example.jp/", "javascript:alert(1)"));
    let found = problems(content.path());
    assert_reported(&found, MUNICIPALITY, Some(13), "`contact.url`: `javascript:alert(1)` is not an https: URL");

    let content = fixture_with(MUNICIPALITY, |text| {
        text.replace("https://kizuna.example.jp/api/", "http://kizuna.example.jp/api/")
            .replace("name: てすと市\n", "name: \"てすと\\n市\"\n")
    });
    let found = problems(content.path());
    assert_reported(&found, MUNICIPALITY, Some(12), "`api.base_url`");
    assert_reported(&found, MUNICIPALITY, Some(2), "`name` contains a line break");
}

#[test]
fn over_long_fields_and_files_are_refused_with_their_line() {
    let body = "あ".repeat(8_001);
    let message = format!(
        "when: {{ pregnancy: 12w3d }}\ntitle: t\ntopics: [赤ちゃんの成長]\nbody: |\n  {body}\nreview: {{ status: draft }}\n"
    );
    let content = fixture_with("tracks/maternity/12w3d.yaml", |_| message);
    assert_reported(
        &problems(content.path()),
        "tracks/maternity/12w3d.yaml",
        Some(4),
        "`body` is longer than 8000 characters",
    );

    let huge = format!("title: t\nbody: |\n  {}\n", "x".repeat(200 * 1024));
    let content = fixture_with("tracks/maternity/12w3d.yaml", |_| huge);
    assert_reported(&problems(content.path()), "tracks/maternity/12w3d.yaml", Some(1), "at most 128 KiB");
}

#[test]
fn a_symlink_in_the_output_directory_is_not_written_through() {
    let out = tempfile::tempdir().expect("out");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    symlink(elsewhere.path(), out.path().join("testcity")).expect("symlink");
    let error = build_into(&fixture(), out.path()).expect_err("the link is refused");
    assert!(error.contains("testcity is a symbolic link"), "{error}");
    assert_eq!(fs::read_dir(elsewhere.path()).expect("list").count(), 0, "nothing written outside --out");
    assert!(!out.path().join("index.html").exists(), "nothing is published from a refused build");

    // A file planted as a link (to a file outside) is not overwritten through either.
    fs::remove_file(out.path().join("testcity")).expect("unlink");
    build_into(&fixture(), out.path()).expect("build");
    let victim = elsewhere.path().join("victim.html");
    fs::write(&victim, "outside").expect("victim");
    let page = out.path().join("testcity/maternity/12w3d/index.html");
    fs::remove_file(&page).expect("remove page");
    symlink(&victim, &page).expect("symlink");
    let error = build_into(&fixture(), out.path()).expect_err("the link is refused");
    assert!(error.contains("index.html is a symbolic link"), "{error}");
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "outside");
}

#[test]
fn symlinks_in_content_are_refused_with_their_path() {
    // A message file that is a link (inside the content dir): an error, not a silent skip.
    let content = fixture_with("site.yaml", |text| text);
    let message = content.path().join("tracks/baby/day-001.yaml");
    let real = content.path().join("day-001.real");
    fs::rename(&message, &real).expect("move");
    symlink(&real, &message).expect("symlink");
    assert_reported(&problems(content.path()), "tracks/baby/day-001.yaml", None, "symbolic link");

    // A municipality folder that links outside the content dir is not read.
    let content = fixture_with("site.yaml", |text| text);
    let outside = tempfile::tempdir().expect("outside");
    let folder = content.path().join("municipalities/testcity");
    fs::rename(&folder, outside.path().join("testcity")).expect("move");
    symlink(outside.path().join("testcity"), &folder).expect("symlink");
    assert_reported(&problems(content.path()), "municipalities/testcity", None, "symbolic link");
}

#[test]
fn a_killed_build_leaves_nothing_that_is_taken_for_output() {
    let out = tempfile::tempdir().expect("out");
    build_into(&fixture(), out.path()).expect("first build");
    let before = published(out.path());

    // A second build with changed content, killed after staging: its sink is never committed.
    let content = fixture_with("tracks/maternity/12w3d.yaml", |text| text.replace("大切なこと", "とても大切なこと"));
    let options = options(content.path());
    let prepared = build::prepare(&options).expect("valid");
    let mut sink = DirectorySink::new(out.path(), true);
    build::build(&prepared, &options, Some(out.path()), &mut sink).expect("render");
    drop(sink);
    assert_eq!(published(out.path()), before, "what the publisher uploads is the previous build, unchanged");
    assert!(out.path().join(".kizuna-staging").exists(), "the staged files wait in .kizuna-staging");

    // The next build removes the leftovers before staging its own files.
    build_into(content.path(), out.path()).expect("next build");
    assert!(!out.path().join(".kizuna-staging").exists());
    let after = published(out.path());
    let page = String::from_utf8_lossy(&after["testcity/maternity/12w3d/index.html"]).into_owned();
    assert!(page.contains("とても大切なこと"));
    let leftovers: Vec<&String> =
        after.keys().filter(|p| p.contains("kizuna-tmp") || p.contains("kizuna-staging")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
