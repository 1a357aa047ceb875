//! `kizuna-sender api serve`: the local HTTP adapter over the real router, as a process listening
//! on 127.0.0.1, against moto (DynamoDB + SESv2). Requests go through a real socket; what they
//! change is read back from the tables and from moto's captured mail.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;
use crate::common::moto::sender_command;

use kizuna_sender::ports::subscriptions::Subscriptions;
use std::process::Stdio;

use api_support::{due, link, token_of, ApiCalls, World, HASH_KEY, ORIGIN, SECRET};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_kizuna-sender");

/// The adapter as a child process on a free port (`--listen 127.0.0.1:0`), and that port.
async fn start(world: &World) -> (Child, u16) {
    let mut child = Command::from(sender_command(&world.moto.endpoint()))
        .args(["api", "serve", "--listen", "127.0.0.1:0"])
        .env("KIZUNA_SUBSCRIPTIONS_TABLE", &world.subscriptions)
        .env("KIZUNA_DELIVERIES_TABLE", &world.deliveries)
        .env("KIZUNA_LINK_SECRET", SECRET)
        .env("KIZUNA_EMAIL_HASH_KEY", std::str::from_utf8(HASH_KEY).expect("an ASCII key"))
        .env("KIZUNA_SCHEDULE", world.dir.path())
        .env("KIZUNA_API_ALLOWED_ORIGINS", ORIGIN)
        .env("KIZUNA_MAX_SEND_RATE", "50")
        .env("KIZUNA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start kizuna-sender api serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).await.expect("read the listening line");
    let port = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/api/"))
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    (child, port)
}

/// One HTTP/1.1 exchange over a fresh connection: status, lower-cased headers, body.
async fn http(port: u16, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect to the adapter");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.expect("write head");
    // An over-long body may be refused before it is all read: a reset then is the server's right.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("a complete response");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_through_the_socket_reach_the_real_router_and_tables() {
    let world = World::new().await;
    let (_child, port) = start(&world).await;
    let email = "local@example.jp";

    let signup = world.signup_json(email, "due", due()).to_string();
    let json = [("Content-Type", "application/json"), ("Origin", ORIGIN)];
    let (status, head, body) = http(port, "POST", "/api/subscriptions", &json, signup.as_bytes()).await;
    assert_eq!(status, 202, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains(&format!("access-control-allow-origin: {}", ORIGIN.to_ascii_lowercase())), "{head}");
    let mails = world.mails_to(email).await;
    assert_eq!(mails.len(), 1, "one confirmation mail through SES");
    assert_eq!(world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids").len(), 1);

    // The query string reaches the router unchanged: the mailed link opens its confirmation page.
    let url = link(&mails[0].text, "https://kizuna.example.jp/api/confirm?token=").expect("confirmation link");
    let token = token_of(&url);
    let (status, head, body) = http(port, "GET", &format!("/api/confirm?token={token}"), &[], b"").await;
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(body.contains(&format!("value=\"{token}\"")), "the page carries the token: {body}");

    // Refusals come from the router, and change nothing.
    let before = world.dump().await;
    let big = vec![b'a'; 64 * 1024];
    let (status, _, body) = http(port, "POST", "/api/subscriptions", &json, &big).await;
    assert_eq!(status, 413, "{body}");
    let (status, _, body) =
        http(port, "POST", "/api/subscriptions", &[("Content-Type", "text/plain")], signup.as_bytes()).await;
    assert_eq!(status, 415, "{body}");
    let (status, head, _) = http(port, "DELETE", "/api/subscriptions", &[], b"").await;
    assert_eq!(status, 405);
    assert!(head.contains("allow: post"), "{head}");
    let (status, _, _) = http(port, "GET", "/api/nothing-here", &[], b"").await;
    assert_eq!(status, 404);
    assert_eq!(world.dump().await, before, "refused requests changed the tables");
    assert_eq!(world.mails_to(email).await.len(), 1, "refused requests sent mail");
}

#[test]
fn the_adapter_refuses_to_listen_beyond_this_machine() {
    let output = std::process::Command::new(BIN)
        .args(["api", "serve", "--listen", "0.0.0.0:0"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KIZUNA_LINK_SECRET", SECRET)
        .env("KIZUNA_SCHEDULE", "/nonexistent")
        .env("AWS_REGION", "ap-northeast-1")
        .output()
        .expect("run kizuna-sender");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
}
