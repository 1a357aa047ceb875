//! `kizuna serve` tells the truth (issue 23): after a bad edit every page answers the build error
//! with file:line and the message, and the page comes back by itself once the content is fixed.
//! The real binary serves a copy of the valid fixture on a free port.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PAGE: &str = "/testcity/maternity/12w3d/";

/// Stops the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// Polls the page until `done` holds (the watcher polls every 0.7 s; a build takes a few seconds).
fn wait_for(port: u16, what: &str, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(180) {
        if let Some(response) = get(port, PAGE) {
            if done(&response) {
                return response;
            }
            last = response;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what} did not happen within 180 s; last answer:\n{last}");
}

#[test]
fn a_bad_edit_shows_its_error_in_the_browser_until_it_is_fixed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    let content = work.path().join("content");
    copy_tree(&root.join("tests/fixtures/valid"), &content);
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let child = Command::new(env!("CARGO_BIN_EXE_kizuna"))
        .args(["serve", "--today", "2026-11-26", "--port", &port.to_string()])
        .env("KIZUNA_CACHE_DIR", work.path().join("cache"))
        .arg("--content")
        .arg(&content)
        .arg("--theme")
        .arg(root.join("../site-theme"))
        .arg("--out")
        .arg(work.path().join("public"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kizuna serve");
    let _server = Server(child);
    wait_for(port, "the first build", |r| r.starts_with("HTTP/1.1 200") && r.contains("赤ちゃんの指紋"));

    let message = content.join("tracks/maternity/12w3d.yaml");
    let good = std::fs::read_to_string(&message).expect("message");
    std::fs::write(&message, good.replace("title: 赤ちゃんの指紋", "title: [赤ちゃんの指紋")).expect("edit");
    let error = wait_for(port, "the error page", |r| r.starts_with("HTTP/1.1 500"));
    assert!(error.contains("ビルドに失敗しました"), "{error}");
    assert!(error.contains("http-equiv=\"refresh\""), "the error page reloads itself: {error}");
    let at = error.find("12w3d.yaml:").unwrap_or_else(|| panic!("the report names the file: {error}"));
    assert!(error[at + "12w3d.yaml:".len()..].starts_with(|c: char| c.is_ascii_digit()), "and the line: {error}");

    std::fs::write(&message, good).expect("fix");
    wait_for(port, "the page after the fix", |r| r.starts_with("HTTP/1.1 200") && r.contains("赤ちゃんの指紋"));
}
