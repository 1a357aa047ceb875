//! A real emulator for the tests: starts `moto_server` (installed by `scripts/moto.sh` into the
//! repository's `.venv`) on a free 127.0.0.1 port, and reads back the mail it captured.
//!
//! A missing emulator fails the test with instructions; it is never skipped silently.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_dynamodb::config::Credentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running `moto_server`, stopped when dropped.
#[derive(Debug)]
pub struct Moto {
    _child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// One mail moto captured.
#[derive(Clone, Debug)]
pub struct Captured {
    /// The raw RFC 5322 text.
    pub raw: String,
    /// The envelope sender.
    pub source: String,
}

fn moto_server() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join(".venv/bin/moto_server");
    assert!(
        bin.is_file(),
        "{} is missing: these tests need the AWS emulator. Run `scripts/moto.sh` from the repository root \
         (it creates .venv and installs moto[server]==5.2.5), then run the tests again.",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

impl Moto {
    /// Starts a fresh emulator and waits until it answers.
    pub async fn start() -> Moto {
        let bin = moto_server();
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e} (run scripts/moto.sh)", bin.display()));
        let moto = Moto { _child: child, port };
        for _ in 0..300 {
            if moto.try_get("/moto-api/data.json").await.is_some() {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not answer on port {port} within 30 s");
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An SDK configuration pointing at the emulator with dummy credentials in ap-northeast-1.
    pub async fn config(&self) -> aws_config::SdkConfig {
        config_at(&self.endpoint()).await
    }

    async fn try_get(&self, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port);
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let response = String::from_utf8(response).ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        head.starts_with("HTTP/1.0 200")
            .then(|| body.to_owned())
            .or_else(|| head.lines().next().is_some_and(|l| l.contains(" 200")).then(|| body.to_owned()))
    }

    /// Every mail moto has captured, in sending order (`GET /moto-api/data.json`, `ses.RawMessage`).
    pub async fn sent(&self) -> Vec<Captured> {
        let body = self.try_get("/moto-api/data.json").await.expect("moto data.json");
        let data: serde_json::Value = serde_json::from_str(&body).expect("data.json is JSON");
        let messages = data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .map(|m| Captured {
                raw: m["raw_data"].as_str().expect("raw_data").to_owned(),
                source: m["source"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Verifies sender identities in SES (moto verifies them at once).
    pub async fn verify_identities(&self, addresses: &[String]) {
        let ses = aws_sdk_sesv2::Client::new(&self.config().await);
        for address in addresses {
            ses.create_email_identity().email_identity(address).send().await.expect("create SES identity");
        }
    }
}

/// An SDK configuration for an endpoint (moto, or the proxy in front of it) with dummy
/// credentials in ap-northeast-1.
pub async fn config_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("ap-northeast-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .load()
        .await
}

/// The `kizuna-sender` binary with a clean environment pointed at the emulator at `endpoint`
/// (region and dummy credentials, `PATH` kept): the tests add the tables, keys and arguments of
/// the command they run.
pub fn sender_command(endpoint: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kizuna-sender"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    command
}

/// A unique suffix for table names.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
