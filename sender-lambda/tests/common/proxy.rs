//! The recording, fault-injecting HTTP proxy of DESIGN.md §7, between the sender and moto_server.
//!
//! It listens on 127.0.0.1, forwards every request to moto (one request per connection,
//! `Connection: close`), timestamps each SESv2 `SendEmail` call (`POST /v2/email/outbound-emails`)
//! and answers a configurable share of them with SES throttling — HTTP 429 with the SESv2
//! `TooManyRequestsException` JSON error — without forwarding them. On request it also cancels the
//! next DynamoDB `TransactWriteItems` calls as DynamoDB does when another transaction is in flight
//! on one of their items (`TransactionCanceledException`, reason `TransactionConflict`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What the proxy saw.
#[derive(Debug, Default)]
pub struct Record {
    /// When each SendEmail call arrived (throttled or not).
    pub send_times: Vec<Instant>,
    /// SendEmail calls answered with throttling.
    pub throttled: usize,
    /// SendEmail calls forwarded to moto.
    pub forwarded: usize,
    /// Connections accepted and not yet answered.
    pub open: usize,
    /// `TransactWriteItems` calls still to be cancelled as conflicts.
    pub conflicts_to_inject: usize,
    /// `TransactWriteItems` calls cancelled as conflicts (not forwarded).
    pub conflicted: usize,
}

/// A running proxy (stopped when the test's runtime ends).
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    record: Arc<Mutex<Record>>,
    forwarded: Arc<Notify>,
}

const SEND_EMAIL: &str = "/v2/email/outbound-emails";
const TRANSACT_WRITE_ITEMS: &str = "x-amz-target: dynamodb_20120810.transactwriteitems";

impl Proxy {
    /// Starts a proxy to `127.0.0.1:<upstream>` throttling `throttle_share` (0..1) of SendEmail calls.
    pub async fn start(upstream: u16, throttle_share: f64, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("address").port();
        let proxy = Proxy { port, record: Arc::default(), forwarded: Arc::default() };
        let rng = Arc::new(Mutex::new(fastrand::Rng::with_seed(seed)));
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (proxy, rng) = (shared.clone(), rng.clone());
                proxy.record.lock().expect("record").open += 1;
                tokio::spawn(async move {
                    let _ = proxy.serve(stream, upstream, throttle_share, &rng).await;
                    proxy.record.lock().expect("record").open -= 1;
                    proxy.forwarded.notify_waiters();
                });
            }
        });
        proxy
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The SendEmail timestamps, throttled and forwarded counts so far.
    pub fn snapshot(&self) -> (Vec<Instant>, usize, usize) {
        let record = self.record.lock().expect("record");
        (record.send_times.clone(), record.throttled, record.forwarded)
    }

    /// Cancels the next `count` `TransactWriteItems` calls as transaction conflicts (0: none more).
    pub fn conflict_next_transactions(&self, count: usize) {
        self.record.lock().expect("record").conflicts_to_inject = count;
    }

    /// How many `TransactWriteItems` calls were cancelled as conflicts so far.
    pub fn conflicted(&self) -> usize {
        self.record.lock().expect("record").conflicted
    }

    /// Waits until at least `count` SendEmail calls were forwarded.
    pub async fn forwarded_at_least(&self, count: usize) {
        loop {
            let notified = self.forwarded.notified();
            if self.record.lock().expect("record").forwarded >= count {
                return;
            }
            notified.await;
        }
    }

    /// Waits until every connection made so far was answered (what an aborted client had already
    /// sent has reached moto, or failed). A request of its own goes through first: the listener
    /// accepts in order, so once it is answered every earlier connection has been accepted.
    pub async fn idle(&self) {
        let mut marker = TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect to the proxy");
        marker.write_all(b"GET /proxy-idle HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.expect("write");
        let mut answer = Vec::new();
        marker.read_to_end(&mut answer).await.expect("the proxy answers");
        drop(marker);
        loop {
            let notified = self.forwarded.notified();
            if self.record.lock().expect("record").open == 0 {
                return;
            }
            notified.await;
        }
    }

    async fn serve(
        &self,
        mut client: TcpStream,
        upstream: u16,
        share: f64,
        rng: &Mutex<fastrand::Rng>,
    ) -> std::io::Result<()> {
        let mut buffer = Vec::new();
        let head_end = loop {
            let mut chunk = [0_u8; 8192];
            let read = client.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            let mut chunk = [0_u8; 8192];
            let read = client.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
        let request_line = head.lines().next().unwrap_or_default().to_owned();
        let is_send = request_line.starts_with("POST ") && request_line.contains(SEND_EMAIL);
        if is_send {
            let throttle = {
                let mut record = self.record.lock().expect("record");
                record.send_times.push(Instant::now());
                let throttle = rng.lock().expect("rng").f64() < share;
                if throttle {
                    record.throttled += 1;
                }
                throttle
            };
            if throttle {
                let body = r#"{"message":"Maximum sending rate exceeded."}"#;
                let response = format!(
                    "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\
                     x-amzn-ErrorType: TooManyRequestsException\r\nx-amzn-RequestId: proxy-throttle\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                client.write_all(response.as_bytes()).await?;
                return client.shutdown().await;
            }
        }
        if head.to_ascii_lowercase().contains(TRANSACT_WRITE_ITEMS) {
            let conflict = {
                let mut record = self.record.lock().expect("record");
                let conflict = record.conflicts_to_inject > 0;
                if conflict {
                    record.conflicts_to_inject -= 1;
                    record.conflicted += 1;
                }
                conflict
            };
            if conflict {
                let response = transaction_conflict(&buffer[head_end..]);
                client.write_all(response.as_bytes()).await?;
                return client.shutdown().await;
            }
        }
        // Forward with `Connection: close`, relay the whole answer, close.
        let mut forwarded_head: String = head
            .trim_end_matches("\r\n")
            .split("\r\n")
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        forwarded_head.push_str("Connection: close\r\n\r\n");
        let mut server = TcpStream::connect(("127.0.0.1", upstream)).await?;
        server.write_all(forwarded_head.as_bytes()).await?;
        server.write_all(&buffer[head_end..]).await?;
        let mut response = Vec::new();
        server.read_to_end(&mut response).await?;
        if is_send {
            self.record.lock().expect("record").forwarded += 1;
            self.forwarded.notify_waiters();
        }
        client.write_all(&response).await?;
        client.shutdown().await
    }
}

/// DynamoDB's answer to a `TransactWriteItems` whose last item has another transaction in flight:
/// one cancellation reason per item, in order.
fn transaction_conflict(body: &[u8]) -> String {
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let items = request["TransactItems"].as_array().map_or(1, Vec::len).max(1);
    let mut reasons = vec![serde_json::json!({ "Code": "None" }); items - 1];
    reasons
        .push(serde_json::json!({ "Code": "TransactionConflict", "Message": "Transaction is ongoing for the item" }));
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
        "CancellationReasons": reasons,
    })
    .to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n\
         x-amzn-RequestId: proxy-conflict\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
