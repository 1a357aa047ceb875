//! `api-lambda`: the subscription API behind an HTTP API (payload format 2.0) under `/api/*`.
//! A thin wrapper: the event goes to [`kizuna_sender::api::lambda::handle_event`]. Settings come
//! from the `KIZUNA_*` environment (secrets from Secrets Manager by ARN, once at start-up).

use anyhow::{anyhow, Context};
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use kizuna_sender::api::lambda::handle_event;
use kizuna_sender::api::site::Site;
use kizuna_sender::api::{Api, ApiConfig};
use kizuna_sender::schedules::ScheduleSource;
use kizuna_sender::ses::{ses_client, SesMailer};
use kizuna_sender::settings::lambda_start;
use kizuna_sender::subscriptions::SubscriptionStore;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("api-lambda").await?;
    let schedule = settings.schedule.clone().context("KIZUNA_SCHEDULE is required")?;
    let source = ScheduleSource::parse(&schedule).map_err(|e| anyhow!(e))?;
    let api = Api {
        store: SubscriptionStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            &settings.subscriptions_table,
            &settings.deliveries_table,
        ),
        mailer: SesMailer::new(ses_client(&config), settings.configuration_set.clone()),
        links: settings.link_keys().map_err(|e| anyhow!(e))?,
        hasher: settings.email_hasher().map_err(|e| anyhow!(e))?,
        site: Site::from_source(source, &config),
        config: ApiConfig {
            allowed_origins: settings.api_allowed_origins.clone(),
            archive_origin: settings.archive_origin.clone(),
            allow_draft: settings.allow_draft,
            send_rate: settings.max_send_rate.unwrap_or(1.0),
            origin_verify: settings.origin_verify.clone(),
        },
    };
    let api = &api;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| handle_event(api, event))).await
}
