//! No personal data in the logs: a whole lifecycle through the real Lambda handler against
//! moto_server, with every log line collected, carries subscription ids but no address, anchor
//! date, nickname, address hash or token. Alone in its binary: tracing caches callsite interest
//! process-wide, so a thread-local subscriber is reliable only without concurrent tests.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

mod api_support;
mod common;

use api_support::{due, link, today_plus, token_of, ApiCalls, World};
use kizuna_sender::domain::links::Purpose;
use serde_json::json;

async fn signed_up_and_confirmed(world: &World, email: &str) -> String {
    let response = world.json("/api/subscriptions", world.signup_json(email, "due", due())).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let confirm = world.mails_to(email).await.into_iter().find(|m| m.subject.contains("confirm")).expect("mail");
    let url = link(&confirm.text, "https://kizuna.example.jp/api/confirm?token=").expect("confirmation link");
    let path = url.strip_prefix("https://kizuna.example.jp").expect("API origin").to_owned();
    assert_eq!(world.call("GET", &path, &[], None).await.status, 200, "the confirmation link's page");
    assert_eq!(world.form("/api/confirm", &[("token", &token_of(&url))]).await.status, 200);
    world.links.verify(&token_of(&url), chrono::Utc::now().timestamp()).expect("token").subscription_id
}

/// Collects log lines in memory.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_logs_carry_no_address_date_or_token() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let world = World::new().await;
    let email = "secret-person@example.jp";
    let id = signed_up_and_confirmed(&world, email).await;
    let manage = world.links.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    world.json("/api/due-date", json!({ "token": manage, "due_date": today_plus(101).to_string() })).await;
    world.json("/api/birth", json!({ "token": manage, "birth_date": today_plus(-2).to_string() })).await;
    world.json("/api/subscriptions", world.signup_json("a..b@docomo.ne.jp", "due", due())).await;
    world.form("/api/stop", &[("token", &manage), ("reason", "infant-death")]).await;
    let logs = String::from_utf8(buffer.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(logs.contains("\"route\""), "the API logged its requests: {logs}");
    assert!(logs.contains(&id), "subscription ids are logged");
    for secret in [
        email.to_owned(),
        "a..b@docomo.ne.jp".to_owned(),
        due().to_string(),
        today_plus(101).to_string(),
        today_plus(-2).to_string(),
        manage.clone(),
        world.hasher.hash(email),
        "はな".to_owned(),
    ] {
        assert!(!logs.contains(&secret), "the logs contain {secret}");
    }
}
