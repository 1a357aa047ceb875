//! `ses-events-lambda`: SES bounce and complaint notifications delivered by SNS. A thin wrapper:
//! each event goes to [`kizuna_sender::ses_events::handle_event`]. Settings come from the
//! `KIZUNA_*` environment (the e-mail hash key from Secrets Manager by ARN, once at start-up).

use anyhow::anyhow;
use aws_lambda_events::event::sns::SnsEvent;
use clap::Parser;
use kizuna_sender::secrets::resolve_secrets;
use kizuna_sender::ses_events::handle_event;
use kizuna_sender::settings::{aws_config, Settings};
use kizuna_sender::subscriptions::SubscriptionStore;
use lambda_runtime::{service_fn, LambdaEvent};

/// The settings, from the environment only.
#[derive(Parser, Debug)]
struct Env {
    #[command(flatten)]
    settings: Settings,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let mut settings = Env::parse_from(["ses-events-lambda"]).settings;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).without_time().init();
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let store = SubscriptionStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        &settings.subscriptions_table,
        &settings.deliveries_table,
    );
    let hasher = settings.email_hasher().map_err(|e| anyhow!(e))?;
    let (store, hasher) = (&store, &hasher);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| async move {
        handle_event(store, hasher, event).await.map(|_| ())
    }))
    .await
}
