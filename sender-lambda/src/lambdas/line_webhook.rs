//! The LINE webhook Lambda adapter: `POST /api/line/<municipality>/webhook` (API Gateway HTTP API,
//! payload format 2.0) → [`crate::use_cases::line_webhook`].
//!
//! One Messaging API channel (one webhook URL) per official account, so the municipality is in
//! the path. The raw body is passed on untouched (decoded from base64 when API Gateway encoded it)
//! because the signature covers its exact bytes. Answers: 200 (handled or ignored), 401 (signature),
//! 400 (not a webhook body), 404 (no such municipality or no LINE for it), 405, 500 (LINE retries).
//! A signature failure also writes one CloudWatch metric line (`LineSignatureFailures`) for the alarm.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use lambda_runtime::LambdaEvent;

use crate::adapters::site::published::{line_municipality, Site};
use crate::lambdas::api::request_from_event;
use crate::ports::published_site::PublishedSite;
use crate::use_cases::line_webhook::{LineSubscriptions, LineWebhook};
use crate::use_cases::metrics::NAMESPACE;

/// The municipality id of a webhook path, if the path is one.
pub fn municipality_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/line/")?.strip_suffix("/webhook")?;
    let ok = !rest.is_empty()
        && rest.len() <= 64
        && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then_some(rest)
}

fn answer(status: u16) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response.body = Some(Body::Text("{}".to_owned()));
    response
}

/// Handles one webhook request.
pub async fn handle_event<S: LineSubscriptions + Sync>(
    site: &Site,
    webhook: &LineWebhook<'_, S>,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, lambda_runtime::Error> {
    let Ok(request) = request_from_event(&event.payload) else { return Ok(answer(400)) };
    if request.method != "POST" {
        return Ok(answer(405));
    }
    let Some(municipality) = municipality_of(&request.path) else { return Ok(answer(404)) };
    let Some(schedule) = site.schedule(municipality).await? else { return Ok(answer(404)) };
    let Some(line) = line_municipality(&schedule).await? else { return Ok(answer(404)) };
    let signature =
        request.headers.iter().find(|(name, _)| name == "x-line-signature").map(|(_, value)| value.as_str());
    let outcome = webhook.handle(&line, &request.body, signature).await;
    if outcome.signature_failed {
        println!("{}", signature_failure_metric(municipality, chrono::Utc::now().timestamp_millis()));
    }
    Ok(answer(outcome.status))
}

/// One CloudWatch Embedded Metric Format line counting a signature failure.
pub fn signature_failure_metric(municipality: &str, timestamp_ms: i64) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Run"], ["Run", "Municipality"]],
                "Metrics": [{ "Name": "LineSignatureFailures", "Unit": "Count" }]
            }]
        },
        "Run": "line-webhook",
        "Municipality": municipality,
        "LineSignatureFailures": 1
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_names_the_municipality() {
        assert_eq!(municipality_of("/api/line/hikari/webhook"), Some("hikari"));
        assert_eq!(municipality_of("/api/line/../webhook"), None);
        assert_eq!(municipality_of("/api/line//webhook"), None);
        assert_eq!(municipality_of("/api/line/Hikari/webhook"), None);
        assert_eq!(municipality_of("/api/subscriptions"), None);
    }

    #[test]
    fn the_metric_line_is_emf() {
        let line: serde_json::Value = serde_json::from_str(&signature_failure_metric("hikari", 1)).expect("JSON");
        assert_eq!(line["LineSignatureFailures"], 1);
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "LineSignatureFailures");
    }
}
