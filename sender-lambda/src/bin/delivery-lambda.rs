//! `delivery-lambda`: the hourly planner and the SQS worker of Kizuna's daily delivery, one
//! function for both triggers (see [`kizuna_sender::lambdas::delivery`]). Settings come from the
//! `KIZUNA_*` environment (secrets from Secrets Manager by ARN, once at start-up).

use kizuna_sender::lambdas::delivery::{handle, DeliveryApp};
use kizuna_sender::settings::lambda_start;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("delivery-lambda").await?;
    let app = DeliveryApp::new(settings, &config).await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| handle(app, event))).await
}
