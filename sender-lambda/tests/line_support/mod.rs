//! The LINE Messaging API stand-in for the tests: starts `scripts/line-standin/standin.py`
//! (installed by `scripts/line-standin.sh`, which puts the official `line-bot-sdk` into `.venv`) on
//! a free 127.0.0.1 port, registers channels, injects faults and reads back what it accepted.
//!
//! A missing stand-in fails the test with instructions; it is never skipped silently.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{json, Value};

pub mod world;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running stand-in, stopped when dropped.
#[derive(Debug)]
pub struct Standin {
    _child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// A LINE user id (`U` + 32 hex digits) derived from a number, for readable tests.
pub fn user_id(n: u32) -> String {
    format!("U{n:032x}")
}

impl Standin {
    /// Starts a fresh stand-in and waits until it listens.
    pub async fn start() -> Standin {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".venv/bin/python");
        assert!(
            python.is_file(),
            "{} is missing: the LINE tests need the stand-in. Run `scripts/line-standin.sh` from the repository root \
             (it installs line-bot-sdk==3.27.0 into .venv), then run the tests again.",
            python.display()
        );
        let mut child = Command::new(&python)
            .args(["standin.py", "--port", "0"])
            .current_dir(root.join("scripts/line-standin"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the LINE stand-in: {e} (run scripts/line-standin.sh)"));
        let stdout = child.stdout.take().expect("stand-in stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the LINE stand-in did not start within 60 s")
            .expect("read the stand-in's first line")
            .unwrap_or_else(|| {
                panic!("the LINE stand-in exited at start: is line-bot-sdk installed? Run scripts/line-standin.sh")
            });
        let port = first.strip_prefix("LISTENING ").and_then(|p| p.parse().ok()).expect("LISTENING <port>");
        Standin { _child: child, port }
    }

    /// `http://127.0.0.1:<port>` — the value of `KIZUNA_LINE_API_BASE`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One HTTP/1.0 exchange with the stand-in's control API; the parsed JSON answer.
    pub async fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect to the stand-in");
        let body = body.to_string();
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write to the stand-in");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("read the stand-in");
        let response = String::from_utf8(response).expect("UTF-8 answer");
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.contains(" 200 "), "stand-in {method} {path}: {head}\n{body}");
        serde_json::from_str(body).expect("JSON answer")
    }

    /// Registers a channel (its secret issues stateless tokens and signs webhooks).
    pub async fn add_channel(&self, channel_id: &str, secret: &str, rate_per_second: u32) {
        let spec = json!({"channel_id": channel_id, "channel_secret": secret, "rate_per_second": rate_per_second});
        self.call("POST", "/_standin/channels", &spec).await;
    }

    /// Sets faults of a channel (see standin.py `set_faults`).
    pub async fn faults(&self, channel_id: &str, mut spec: Value) {
        spec["channel_id"] = json!(channel_id);
        self.call("POST", "/_standin/faults", &spec).await;
    }

    /// Every push the stand-in accepted on a channel, in order.
    pub async fn pushes(&self, channel_id: &str) -> Vec<Value> {
        let answer = self.call("GET", &format!("/_standin/pushes?channel_id={channel_id}"), &json!({})).await;
        answer.as_array().cloned().unwrap_or_default()
    }

    /// Every push request on a channel (accepted or not): time and status.
    pub async fn requests(&self, channel_id: &str) -> Vec<Value> {
        let answer = self.call("GET", &format!("/_standin/requests?channel_id={channel_id}"), &json!({})).await;
        answer.as_array().cloned().unwrap_or_default()
    }

    /// Every reply the stand-in accepted on a channel.
    pub async fn replies(&self, channel_id: &str) -> Vec<Value> {
        let answer = self.call("GET", &format!("/_standin/replies?channel_id={channel_id}"), &json!({})).await;
        answer.as_array().cloned().unwrap_or_default()
    }

    /// A webhook body built with the SDK's models and signed with the channel secret:
    /// `{"body", "signature", "reply_tokens", "event_ids"}`.
    pub async fn webhook(&self, channel_id: &str, events: Value) -> Value {
        self.call("POST", "/_standin/webhook", &json!({"channel_id": channel_id, "events": events})).await
    }
}
