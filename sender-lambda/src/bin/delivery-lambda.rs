//! `delivery-lambda`: the hourly planner and the SQS worker of Kizuna's daily delivery, one
//! function for both triggers (see [`kizuna_sender::delivery_handler`]). Settings come from the
//! `KIZUNA_*` environment (secrets from Secrets Manager by ARN, once at start-up).

use clap::Parser;
use kizuna_sender::delivery_handler::{handle, DeliveryApp};
use kizuna_sender::secrets::resolve_secrets;
use kizuna_sender::settings::{aws_config, Settings};
use lambda_runtime::{service_fn, LambdaEvent};

/// The settings, from the environment only.
#[derive(Parser, Debug)]
struct Env {
    #[command(flatten)]
    settings: Settings,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let mut settings = Env::parse_from(["delivery-lambda"]).settings;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).without_time().init();
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let app = DeliveryApp::new(settings, &config).await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| handle(app, event))).await
}
