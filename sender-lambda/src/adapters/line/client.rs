//! The HTTP client of the LINE Messaging API: stateless channel access tokens, push and reply.
//!
//! One client serves every municipality (each has its own channel); the base URL comes from
//! `KIZUNA_LINE_API_BASE` (default `https://api.line.me`) so tests point it at the stand-in on
//! 127.0.0.1. Each call has a timeout: a push that times out may still have been accepted, which is
//! why every push carries an `X-Line-Retry-Key` and a retry with the same key answers 409 with
//! `x-line-accepted-request-id` instead of sending twice.
//!
//! Errors are classified as LINE documents them ([`LineError::kind`]): 429 with `You have reached
//! your monthly limit` is the monthly quota (stop the municipality's LINE run for the day), any
//! other 429 is the per-channel rate (pace and retry), 5xx is transient (retry), other 4xx are
//! permanent for that request. Tokens, user ids and message bodies never appear in an error.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// Where the Messaging API lives unless `KIZUNA_LINE_API_BASE` says otherwise.
pub const DEFAULT_API_BASE: &str = "https://api.line.me";
/// How long one call may take before it counts as in doubt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The body LINE answers with a 429 when the monthly message quota is used up.
const QUOTA_MESSAGE: &str = "You have reached your monthly limit";
/// Answers larger than this are not read (LINE's are a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How a LINE call failed, which decides what the delivery does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineErrorKind {
    /// 429 for the per-channel request rate: pace and retry.
    RateLimited,
    /// 429 for the monthly message quota: stop this municipality's LINE run for the day.
    QuotaExhausted,
    /// 5xx: retry (with the same retry key).
    Transient,
    /// 401/403: the channel's credentials are wrong or revoked; the whole channel stops.
    Unauthorized,
    /// Any other 4xx: this request will never succeed.
    Permanent,
    /// No answer in time or the connection broke: the push may have been accepted.
    InDoubt,
}

/// A failed LINE call: its kind, the HTTP status if one came, and LINE's `message` (which never
/// contains the token, the user id or our message text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("LINE API {kind:?} (HTTP {status:?}): {message}")]
pub struct LineError {
    /// How it failed.
    pub kind: LineErrorKind,
    /// The HTTP status, when LINE answered.
    pub status: Option<u16>,
    /// LINE's error message, or a description of the transport failure.
    pub message: String,
}

impl LineError {
    fn transport(message: impl Into<String>) -> Self {
        LineError { kind: LineErrorKind::InDoubt, status: None, message: message.into() }
    }

    /// A short code for records, reports and metrics (`line-429-quota`, `line-400` …).
    pub fn code(&self) -> String {
        match (self.kind, self.status) {
            (LineErrorKind::QuotaExhausted, _) => "line-429-quota".to_owned(),
            (LineErrorKind::RateLimited, _) => "line-429-rate".to_owned(),
            (LineErrorKind::InDoubt, _) => "line-timeout".to_owned(),
            (_, Some(status)) => format!("line-{status}"),
            (_, None) => "line-error".to_owned(),
        }
    }
}

/// Classifies an error answer as LINE documents its status codes.
pub fn classify(status: u16, message: &str) -> LineErrorKind {
    match status {
        429 if message.contains(QUOTA_MESSAGE) => LineErrorKind::QuotaExhausted,
        429 => LineErrorKind::RateLimited,
        401 | 403 => LineErrorKind::Unauthorized,
        500..=599 => LineErrorKind::Transient,
        _ => LineErrorKind::Permanent,
    }
}

/// A channel access token and when it stops being valid.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token (a credential: never log it).
    pub token: String,
    /// When to stop using it (a minute before LINE's expiry).
    pub refresh_at: tokio::time::Instant,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("token", &"<redacted>").finish_non_exhaustive()
    }
}

/// What LINE said to an accepted push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushAccepted {
    /// Accepted now; LINE's request id.
    Sent(String),
    /// 409: a request with this retry key was accepted before (its request id): delivered once.
    AlreadyAccepted(String),
}

impl PushAccepted {
    /// The request id LINE accepted the push under.
    pub fn request_id(&self) -> &str {
        match self {
            PushAccepted::Sent(id) | PushAccepted::AlreadyAccepted(id) => id,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    expires_in: u64,
}

type Https = HttpsConnector<HttpConnector>;

/// The Messaging API client (cheap to clone; connections are pooled).
#[derive(Clone, Debug)]
pub struct LineApi {
    base: String,
    timeout: Duration,
    http: Client<Https, Full<Bytes>>,
}

impl LineApi {
    /// A client for `base` (e.g. `https://api.line.me` or the stand-in's `http://127.0.0.1:PORT`).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, LineError> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|error| LineError::transport(format!("TLS set-up: {error}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        Ok(LineApi { base: base.trim_end_matches('/').to_owned(), timeout, http })
    }

    /// A client for `KIZUNA_LINE_API_BASE` (default [`DEFAULT_API_BASE`]) with the timeout
    /// `KIZUNA_LINE_TIMEOUT_MS` (default [`DEFAULT_TIMEOUT`]; tests shorten it to provoke doubt).
    pub fn from_env() -> Result<Self, LineError> {
        let base = std::env::var("KIZUNA_LINE_API_BASE").unwrap_or_else(|_| DEFAULT_API_BASE.to_owned());
        let timeout = match std::env::var("KIZUNA_LINE_TIMEOUT_MS") {
            Ok(value) => {
                value.trim().parse::<u64>().ok().filter(|ms| *ms > 0).map(Duration::from_millis).ok_or_else(|| {
                    LineError::transport(format!("KIZUNA_LINE_TIMEOUT_MS `{value}` is not a positive number"))
                })?
            }
            Err(_) => DEFAULT_TIMEOUT,
        };
        LineApi::new(&base, timeout)
    }

    /// Issues a stateless channel access token (valid 15 minutes) from the channel id and secret,
    /// so a long-lived token a vendor already uses for the same channel is never revoked.
    pub async fn issue_stateless_token(
        &self,
        channel_id: &str,
        channel_secret: &str,
    ) -> Result<AccessToken, LineError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", channel_id)
            .append_pair("client_secret", channel_secret)
            .finish();
        let request = self.request("/oauth2/v3/token", "application/x-www-form-urlencoded", None, &[], form)?;
        let (status, _headers, body) = self.call(request).await?;
        if status != StatusCode::OK {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(LineError {
                kind: classify(status.as_u16(), &message),
                status: Some(status.as_u16()),
                message,
            });
        }
        let token: TokenBody = serde_json::from_slice(&body)
            .map_err(|error| LineError::transport(format!("unreadable token answer: {error}")))?;
        let lifetime = Duration::from_secs(token.expires_in.saturating_sub(60).max(1));
        Ok(AccessToken { token: token.access_token, refresh_at: tokio::time::Instant::now() + lifetime })
    }

    /// Pushes `messages` (a JSON array of message objects, 1–5) to one user with a retry key.
    pub async fn push(
        &self,
        token: &str,
        to: &str,
        messages: &serde_json::Value,
        retry_key: &str,
    ) -> Result<PushAccepted, LineError> {
        let body = serde_json::json!({ "to": to, "messages": messages }).to_string();
        let request = self.request(
            "/v2/bot/message/push",
            "application/json",
            Some(token),
            &[("X-Line-Retry-Key", retry_key)],
            body,
        )?;
        let (status, headers, answer) = self.call(request).await?;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        match status {
            StatusCode::OK => Ok(PushAccepted::Sent(header("x-line-request-id"))),
            StatusCode::CONFLICT if headers.contains_key("x-line-accepted-request-id") => {
                Ok(PushAccepted::AlreadyAccepted(header("x-line-accepted-request-id")))
            }
            _ => Err(error_from(status, &answer)),
        }
    }

    /// Answers a webhook event with its reply token (free of charge; the token is single-use).
    pub async fn reply(&self, token: &str, reply_token: &str, messages: &serde_json::Value) -> Result<(), LineError> {
        let body = serde_json::json!({ "replyToken": reply_token, "messages": messages }).to_string();
        let request = self.request("/v2/bot/message/reply", "application/json", Some(token), &[], body)?;
        let (status, _headers, answer) = self.call(request).await?;
        if status == StatusCode::OK {
            Ok(())
        } else {
            Err(error_from(status, &answer))
        }
    }

    fn request(
        &self,
        path: &str,
        content_type: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: String,
    ) -> Result<Request<Full<Bytes>>, LineError> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("{}{path}", self.base))
            .header("content-type", content_type);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        builder.body(Full::new(Bytes::from(body))).map_err(|error| LineError {
            kind: LineErrorKind::Permanent,
            status: None,
            message: error.to_string(),
        })
    }

    async fn call(&self, request: Request<Full<Bytes>>) -> Result<(StatusCode, hyper::HeaderMap, Bytes), LineError> {
        let exchange = async {
            let response = self.http.request(request).await.map_err(|error| LineError::transport(error.to_string()))?;
            let (parts, body) = response.into_parts();
            let limited = http_body_util::Limited::new(body, MAX_ANSWER_BYTES);
            let bytes = limited.collect().await.map_err(|error| LineError::transport(error.to_string()))?.to_bytes();
            Ok((parts.status, parts.headers, bytes))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(LineError::transport(format!("no answer within {:?}", self.timeout))),
        }
    }
}

fn error_from(status: StatusCode, body: &[u8]) -> LineError {
    let message = serde_json::from_slice::<ErrorBody>(body).map(|b| b.message).unwrap_or_default();
    LineError { kind: classify(status.as_u16(), &message), status: Some(status.as_u16()), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_as_line_documents() {
        assert_eq!(classify(429, "You have reached your monthly limit."), LineErrorKind::QuotaExhausted);
        assert_eq!(classify(429, "Too Many Requests"), LineErrorKind::RateLimited);
        assert_eq!(classify(500, ""), LineErrorKind::Transient);
        assert_eq!(classify(503, ""), LineErrorKind::Transient);
        assert_eq!(classify(400, "The request body has 1 error(s)"), LineErrorKind::Permanent);
        assert_eq!(classify(401, ""), LineErrorKind::Unauthorized);
    }

    #[test]
    fn codes_name_the_cause_without_details() {
        let quota = LineError { kind: LineErrorKind::QuotaExhausted, status: Some(429), message: String::new() };
        assert_eq!(quota.code(), "line-429-quota");
        let bad = LineError { kind: LineErrorKind::Permanent, status: Some(400), message: "x".into() };
        assert_eq!(bad.code(), "line-400");
        assert_eq!(LineError::transport("t").code(), "line-timeout");
    }

    #[test]
    fn tokens_are_redacted_in_debug_output() {
        let token = AccessToken { token: "secret-token".into(), refresh_at: tokio::time::Instant::now() };
        assert!(!format!("{token:?}").contains("secret-token"));
    }
}
