//! `build --base-url`: an archive published under another origin (the demo's 127.0.0.1, a staging
//! host) keeps the API on that same origin, so its forms never post to the production API.

use std::fs;
use std::path::PathBuf;

use chrono::NaiveDate;
use kizuna_generator::build::{self, BuildOptions};
use kizuna_generator::output::DirectorySink;

#[test]
fn the_base_url_moves_the_archive_and_the_api_to_one_origin() {
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let out = tempfile::tempdir().expect("tempdir");
    let options = BuildOptions {
        content_dir: content,
        theme_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme"),
        municipalities: Vec::new(),
        base_url: Some("http://127.0.0.1:8123/".to_owned()),
        production: false,
        build_date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        progress: false,
        search: false,
    };
    let prepared = build::prepare(&options).unwrap_or_else(|d| panic!("fixture is invalid:\n{d}"));
    let mut sink = DirectorySink::new(out.path(), true);
    build::build(&prepared, &options, Some(out.path()), &mut sink).expect("build");
    sink.commit().expect("commit");

    let mut seen = 0;
    for entry in fs::read_dir(out.path()).expect("out").filter_map(Result::ok) {
        let Ok(text) = fs::read_to_string(entry.path().join("schedule.json")) else { continue };
        seen += 1;
        let id = entry.file_name().to_string_lossy().into_owned();
        let schedule: serde_json::Value = serde_json::from_str(&text).expect("schedule.json");
        let muni = &schedule["municipality"];
        assert_eq!(muni["archive_base_url"], format!("http://127.0.0.1:8123/{id}/"));
        assert_eq!(muni["api_base_url"], "http://127.0.0.1:8123/api/");
        let signup = fs::read_to_string(entry.path().join("subscribe/signup/index.html")).expect("signup page");
        assert!(signup.contains("action=\"http://127.0.0.1:8123/api/subscriptions\""), "{id}: {signup}");
        assert!(!signup.contains("https://kizuna.example.jp/api/"), "{id} still posts to production");
    }
    assert!(seen > 0, "no municipality was built");
}
