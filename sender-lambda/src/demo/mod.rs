//! The one-machine demo (`scripts/demo.sh`), kept apart from the product: one origin that serves
//! the built archive, the real API router under `/api/*` (through [`crate::http::local`]), and the
//! demo's own pages under `/_mail/` — the mailbox of everything the emulator captured
//! ([`mailbox`]) and the demo's clock, which runs the real delivery for a chosen Japan date.
//!
//! Nothing here is used by the Lambdas; `kizuna-sender api serve --demo <DIR>` turns it on.

pub mod mailbox;

use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use tokio::sync::Mutex;

use crate::http::input::{Encoding, Fields};
use crate::http::local::{Handler, LocalResponse};
use crate::http::ApiRequest;

/// The demo origin: the archive, the API and the mailbox.
#[derive(Debug)]
pub struct Demo<A> {
    /// The API (anything that answers `/api/*`).
    pub api: A,
    /// The built archive.
    pub archive: PathBuf,
    /// The emulator's endpoint, e.g. `http://127.0.0.1:5000` (its captured mail is the mailbox).
    pub emulator: String,
    /// The operator CLI that runs a day (this program), with the settings of the environment.
    pub runner: PathBuf,
    /// One run at a time: the emulator is not safe under concurrent transactions.
    pub running: Mutex<()>,
}

impl<A: Handler + Sync> Handler for Demo<A> {
    async fn answer(&self, request: ApiRequest) -> LocalResponse {
        let path = request.path.as_str();
        if path == "/api" || path.starts_with("/api/") {
            return self.api.answer(request).await;
        }
        match (request.method.as_str(), path) {
            ("GET", "/_mail") => redirect("/_mail/"),
            ("GET", "/_mail/") => match mailbox::fetch(&self.emulator).await {
                Ok(mails) => html(200, mailbox::page(&mails)),
                Err(error) => html(
                    502,
                    mailbox::message_page("メールボックス", &format!("エミュレーターに接続できません: {error}")),
                ),
            },
            ("POST", "/_mail/run-day") => self.run_day(&request).await,
            ("GET" | "HEAD", _) => static_file(&self.archive, path),
            _ => text(405, "この方法では利用できません。"),
        }
    }
}

impl<A> Demo<A> {
    /// Runs `kizuna-sender run --date <date>`: the real delivery of one Japan date. Answers the
    /// summary as text (for `scripts/demo.sh run-day`) or as a page (for the mailbox's button).
    async fn run_day(&self, request: &ApiRequest) -> LocalResponse {
        let fields = Fields::parse(Encoding::UrlEncoded, &request.body, None).ok();
        let date = fields
            .as_ref()
            .and_then(|f| f.text("date", "日付").ok().flatten())
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let Some(date) = date else {
            return text(400, "date: 日付を YYYY-MM-DD で指定してください。");
        };
        let _one_at_a_time = self.running.lock().await;
        let output = tokio::process::Command::new(&self.runner)
            .args(["run", "--date", &date.to_string()])
            .kill_on_drop(true)
            .output()
            .await;
        let (status, summary) = match output {
            Ok(output) => {
                let mut summary = String::from_utf8_lossy(&output.stdout).into_owned();
                if !output.status.success() {
                    summary.push_str(&String::from_utf8_lossy(&output.stderr));
                }
                (if output.status.success() { 200 } else { 500 }, summary)
            }
            Err(error) => (500, format!("{} を起動できません: {error}", self.runner.display())),
        };
        let wants_page = request.header("accept").is_some_and(|a| a.contains("text/html"));
        if wants_page {
            html(status, mailbox::run_page(date, &summary))
        } else {
            text(status, &summary)
        }
    }
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> LocalResponse {
    LocalResponse {
        status,
        headers: vec![("content-type".into(), content_type.into()), ("cache-control".into(), "no-store".into())],
        body,
    }
}

fn html(status: u16, body: String) -> LocalResponse {
    response(status, "text/html; charset=utf-8", body.into_bytes())
}

fn text(status: u16, body: &str) -> LocalResponse {
    response(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
}

fn redirect(location: &str) -> LocalResponse {
    let mut answer = text(301, "");
    answer.headers.push(("location".into(), location.into()));
    answer
}

/// The content type of an archive file, by extension (what the archive's host sets).
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// A file of the archive; directories answer with their `index.html` (a path without its
/// trailing slash is redirected, as static hosts do). Paths that leave the archive are refused.
fn static_file(root: &Path, path: &str) -> LocalResponse {
    let Some(decoded) = percent_decode(path) else { return text(400, "不正なパスです。") };
    let mut file = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => return text(400, "不正なパスです。"),
        }
    }
    if file.is_dir() {
        if !path.ends_with('/') {
            return redirect(&format!("{path}/"));
        }
        file.push("index.html");
    }
    match std::fs::read(&file) {
        Ok(bytes) => response(200, content_type(&file), bytes),
        Err(_) => match std::fs::read(root.join("404.html")) {
            Ok(bytes) => response(404, "text/html; charset=utf-8", bytes),
            Err(_) => text(404, "見つかりません。"),
        },
    }
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_stay_inside_the_archive() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("komorebi")).expect("mkdir");
        std::fs::write(root.path().join("komorebi/index.html"), "<p>町</p>").expect("write");
        let page = static_file(root.path(), "/komorebi/");
        assert_eq!((page.status, page.body.as_slice()), (200, "<p>町</p>".as_bytes()));
        assert_eq!(static_file(root.path(), "/komorebi").status, 301);
        assert_eq!(static_file(root.path(), "/%2e%2e/etc/passwd").status, 400);
        assert_eq!(static_file(root.path(), "/../etc/passwd").status, 400);
        assert_eq!(static_file(root.path(), "/missing.css").status, 404);
    }
}
