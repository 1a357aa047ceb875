//! `api-lambda`: the subscription API behind an HTTP API (payload format 2.0) under `/api/*`.
//! A thin wrapper: the event goes to [`kizuna_sender::lambdas::api::handle_event`]. Settings come
//! from the `KIZUNA_*` environment (secrets from Secrets Manager by ARN, once at start-up).

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use kizuna_sender::http::Api;
use kizuna_sender::lambdas::api::handle_event;
use kizuna_sender::settings::lambda_start;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("api-lambda").await?;
    let api = Api::from_settings(&settings, &config)?;
    let api = &api;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| handle_event(api, event))).await
}
