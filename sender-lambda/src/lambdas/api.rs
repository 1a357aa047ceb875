//! The API Gateway HTTP API (payload format 2.0) adapter: event → [`ApiRequest`], [`ApiResponse`]
//! → response. The `api-lambda` binary and the tests call [`handle_event`].

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lambda_runtime::LambdaEvent;

use crate::http::{Api, ApiRequest, ApiResponse};
use crate::ports::channel::Mailer;
use crate::ports::deliveries::DeliveryStore;
use crate::ports::published_site::PublishedSite;
use crate::ports::subscriptions::Subscriptions;

/// The router's request from an HTTP API event (a body that is not valid base64 becomes empty
/// and is refused by the router as malformed input).
pub fn request_from_event(event: &ApiGatewayV2httpRequest) -> Result<ApiRequest, ApiResponse> {
    let method = event.request_context.http.method.as_str().to_owned();
    let path = event.raw_path.clone().or_else(|| event.request_context.http.path.clone()).unwrap_or_default();
    let headers = event
        .headers
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_ascii_lowercase(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    let body = match (&event.body, event.is_base64_encoded) {
        (None, _) => Vec::new(),
        (Some(text), false) => text.as_bytes().to_vec(),
        (Some(text), true) => {
            STANDARD.decode(text).map_err(|_| ApiResponse::error(400, "body", "本文の形式が正しくありません。"))?
        }
    };
    Ok(ApiRequest { method, path, query: event.raw_query_string.clone().unwrap_or_default(), headers, body })
}

/// The HTTP API response of a router response.
pub fn response_to_event(response: ApiResponse) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) {
            headers.append(name, value);
        }
    }
    let mut event = ApiGatewayV2httpResponse::default();
    event.status_code = i64::from(response.status);
    event.headers = headers;
    event.body = Some(Body::Text(response.body));
    event.is_base64_encoded = false;
    event
}

/// Handles one HTTP API event.
pub async fn handle_event<M, S, P, D>(
    api: &Api<M, S, P, D>,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, lambda_runtime::Error>
where
    M: Mailer + Sync,
    S: Subscriptions + Sync,
    P: PublishedSite + Sync,
    D: DeliveryStore + Sync,
{
    let response = match request_from_event(&event.payload) {
        Ok(request) => api.handle(&request, chrono::Utc::now()).await,
        Err(response) => response,
    };
    Ok(response_to_event(response))
}
