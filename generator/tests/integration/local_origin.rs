//! `build --base-url`: an archive published under another origin (the demo's 127.0.0.1, a staging
//! host) keeps the API on that same origin, so its forms never post to the production API.

use std::fs;

use kizuna_generator::build::BuildOptions;

use crate::support::{build_with, fixture, options};

#[test]
fn the_base_url_moves_the_archive_and_the_api_to_one_origin() {
    let out = tempfile::tempdir().expect("tempdir");
    let options = BuildOptions { base_url: Some("http://127.0.0.1:8123/".to_owned()), ..options(&fixture()) };
    build_with(&options, out.path());

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
