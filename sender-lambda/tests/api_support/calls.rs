//! The calls every API test world makes, written once over [`ApiCalls::handle`]: an HTTP API (2.0)
//! event through the real Lambda handler, JSON and form posts, the confirmation link, one-click
//! unsubscribe. The moto world ([`super::World`]) and the in-memory one ([`super::MemoryWorld`])
//! differ only in what answers the event and where mails and stored items are read back.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chrono::{NaiveDate, Utc};
use kizuna_sender::domain::links::LinkKeys;
use kizuna_sender::http::ApiResponse;

use super::{encode, Mail, MUNI, ORIGIN};

/// A world an API test calls into.
// Test-only trait of one binary: no caller needs the futures' `Send` bound spelled out.
#[allow(async_fn_in_trait)]
pub trait ApiCalls {
    /// The link keys the API signs with.
    fn links(&self) -> &LinkKeys;

    /// Answers one event through the real Lambda handler.
    async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse;

    /// Every mail sent, parsed.
    async fn mails(&self) -> Vec<Mail>;

    /// Everything stored, as sorted text (compared before and after refused requests).
    async fn dump(&self) -> String;

    /// The mails to one address.
    async fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails().await.into_iter().filter(|m| m.to == to).collect()
    }

    /// Calls the Lambda handler with an HTTP API (2.0) event.
    async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> ApiResponse {
        self.call_raw(method, path_and_query, headers, body, false).await
    }

    async fn call_raw(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        base64: bool,
    ) -> ApiResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let headers: serde_json::Map<String, serde_json::Value> =
            headers.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned()))).collect();
        let mut event = serde_json::json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api",
                "domainName": "kizuna.example.jp",
                "domainPrefix": "kizuna",
                "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test" },
                "requestId": "req",
                "routeKey": "$default",
                "stage": "$default",
                "time": "26/Nov/2026:05:00:00 +0000",
                "timeEpoch": 1_795_000_000_000_i64
            },
            "isBase64Encoded": base64
        });
        if let Some(body) = body {
            event["body"] = serde_json::Value::String(body.to_owned());
        }
        let request: ApiGatewayV2httpRequest = serde_json::from_value(event).expect("event deserializes");
        let response = self.handle(request).await;
        let headers = response
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = match response.body {
            Some(aws_lambda_events::encodings::Body::Text(text)) => text,
            Some(aws_lambda_events::encodings::Body::Binary(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => String::new(),
        };
        ApiResponse { status: u16::try_from(response.status_code).expect("status"), headers, body }
    }

    async fn json(&self, path: &str, body: serde_json::Value) -> ApiResponse {
        self.call("POST", path, &[("content-type", "application/json")], Some(&body.to_string())).await
    }

    /// Unsubscribes `id` as a mail client's RFC 8058 one-click does (a POST of the link).
    async fn one_click(&self, id: &str) -> ApiResponse {
        let token = self.links().token(kizuna_sender::domain::links::Purpose::Unsubscribe, id, Utc::now().timestamp());
        let content = [("content-type", "application/x-www-form-urlencoded")];
        self.call("POST", &format!("/api/unsubscribe?token={token}"), &content, Some("List-Unsubscribe=One-Click"))
            .await
    }

    /// Confirms a sign-up as a person does: opens the mailed link (a page with a button, which
    /// changes nothing by itself) and presses the button (a form post of the token).
    async fn confirm(&self, token: &str) -> ApiResponse {
        let page = self.call("GET", &format!("/api/confirm?token={}", encode(token)), &[], None).await;
        assert_eq!(page.status, 200, "the confirmation link's page: {}", page.body);
        self.form("/api/confirm", &[("token", token)]).await
    }

    async fn form(&self, path: &str, pairs: &[(&str, &str)]) -> ApiResponse {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        self.call(
            "POST",
            path,
            &[("content-type", "application/x-www-form-urlencoded"), ("origin", ORIGIN)],
            Some(&body.join("&")),
        )
        .await
    }

    fn signup_json(&self, email: &str, kind: &str, date: NaiveDate) -> serde_json::Value {
        serde_json::json!({
            "email": email,
            "municipality": MUNI,
            "kind": kind,
            "date": date.to_string(),
            "nickname": "はな",
            "consent": true,
            "consent_version": "2026-11",
        })
    }
}
