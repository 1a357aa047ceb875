//! `ses-events-lambda`: SES bounce and complaint notifications delivered by SNS. A thin wrapper:
//! each event goes to [`kizuna_sender::lambdas::ses_events::handle_event`]. Settings come from the
//! `KIZUNA_*` environment (the e-mail hash key from Secrets Manager by ARN, once at start-up).

use anyhow::anyhow;
use aws_lambda_events::event::sns::SnsEvent;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::lambdas::ses_events::handle_event;
use kizuna_sender::settings::lambda_start;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("ses-events-lambda").await?;
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
