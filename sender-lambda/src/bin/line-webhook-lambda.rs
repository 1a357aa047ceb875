//! `line-webhook-lambda`: the LINE webhooks of the municipalities' official accounts, behind the
//! HTTP API route `POST /api/line/{municipality}/webhook`. A thin wrapper: each event goes to
//! [`kizuna_sender::lambdas::line_webhook::handle_event`]. Settings come from the `KIZUNA_*`
//! environment (link keys from Secrets Manager by ARN, channel secrets by name, read when needed).

use anyhow::anyhow;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use kizuna_sender::adapters::dynamo::line_state::DynamoLineState;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::adapters::site::ScheduleSource;
use kizuna_sender::lambdas::line_webhook::handle_event;
use kizuna_sender::settings::lambda_start;
use kizuna_sender::use_cases::line_webhook::LineWebhook;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("line-webhook-lambda").await?;
    let source = ScheduleSource::parse(settings.schedule.as_deref().unwrap_or_default()).map_err(|e| anyhow!(e))?;
    let site = Site::from_source(source, &config);
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let store = SubscriptionStore::new(dynamo.clone(), &settings.subscriptions_table, &settings.deliveries_table);
    let state = DynamoLineState::new(dynamo, &settings.subscriptions_table, &settings.deliveries_table);
    let channels = settings.line_channels(&config).map_err(|e| anyhow!(e))?;
    let links = settings.link_keys().map_err(|e| anyhow!(e))?;
    let webhook = LineWebhook { channels: &channels, state: &state, subscriptions: &store, links: &links };
    let (site, webhook) = (&site, &webhook);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
        handle_event(site, webhook, event)
    }))
    .await
}
