//! `reports-lambda`: last month's report of every municipality, once a month (see
//! [`kizuna_sender::lambdas::reports`]). Settings come from the `KIZUNA_*` environment; it reads
//! no secret.

use kizuna_sender::adapters::dynamo::counters::DynamoCounters;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::site::{s3_client, ScheduleSource};
use kizuna_sender::lambdas::reports::{handle, parse_destination, ReportsApp};
use kizuna_sender::settings::lambda_start;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (settings, config) = lambda_start("reports-lambda").await?;
    let schedule = settings.schedule.as_deref().ok_or("KIZUNA_SCHEDULE is required")?;
    let destination = settings.reports.as_deref().ok_or("KIZUNA_REPORTS is required")?;
    let app = ReportsApp {
        counters: DynamoCounters::new(aws_sdk_dynamodb::Client::new(&config), &settings.deliveries_table),
        surveys: DynamoSurveyAnswers::new(aws_sdk_dynamodb::Client::new(&config), &settings.survey_answers_table),
        schedules: ScheduleSource::parse(schedule)?,
        s3: s3_client(&config),
        destination: parse_destination(destination)?,
    };
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        handle(app, &event.payload).await
    }))
    .await
}
