//! The delivery Lambda's handler (`src/bin/delivery-lambda.rs` only starts the runtime): one
//! function, two triggers.
//!
//! - **Hourly EventBridge Scheduler event** (any JSON object; `{"time": "<aws.scheduler.scheduled-time>"}`
//!   is used as "now" when present) → [`crate::use_cases::daily_run::plan_due_runs`]: fan-out of the due groups to
//!   `KIZUNA_QUEUE_URL`. Answers the planner summary.
//! - **SQS event** (`Records` from `aws:sqs`) → the worker: each message is one group
//!   ([`crate::ports::group_queue::GroupMessage`]), delivered by [`crate::use_cases::daily_run::work_group`] at this worker's
//!   share of the send rate (total ÷ `KIZUNA_WORKERS`, the event source's `MaximumConcurrency`).
//!   No mail starts within [`DeliveryApp::deadline_margin`] of the invocation's deadline; the rest
//!   of a group started is sent back to the queue as a continuation, and messages not started are
//!   reported as batch item failures (the event source needs `ReportBatchItemFailures`), so they
//!   return to the queue. Answers an `SqsBatchResponse`.
//!
//! Both print one CloudWatch EMF line ([`crate::use_cases::metrics`]) per invocation on stdout.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail, Result};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::adapters::dynamo::run_markers::DynamoRuns;
use crate::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use crate::adapters::dynamo::{DynamoDeliveries, DynamoRecipients, STALE_SENDING_AFTER};
use crate::adapters::line::channels::LineChannels;
use crate::adapters::line::push::LinePush;
use crate::adapters::ses::{ses_client, SesMailer};
use crate::adapters::site::{load_schedules, s3_client, LoadedSchedule, ScheduleSource};
use crate::adapters::sqs::SqsQueue;
use crate::domain::links::LinkKeys;
use crate::ports::channel::Routed;
use crate::ports::clock::{self, Clock, Deadline, TokioClock};
use crate::ports::group_queue::GroupMessage;
use crate::ports::group_queue::GroupQueue;
use crate::ports::run_markers::RunMarkers;
use crate::settings::Settings;
use crate::use_cases::daily_run::{
    plan_due_runs, work_group, GroupOptions, GroupResult, PlannerSummary, DEFAULT_PAGE_SIZE,
};
use crate::use_cases::delivery::{Delivery, Pacer};
use crate::use_cases::metrics::RunMetrics;
use crate::use_cases::surveys::CountingInvitations;

/// Everything the handler needs, built once per container.
#[derive(Debug)]
pub struct DeliveryApp {
    /// The settings (secrets resolved).
    pub settings: Settings,
    /// Where the schedules are.
    pub source: ScheduleSource,
    s3: Option<aws_sdk_s3::Client>,
    dynamo: aws_sdk_dynamodb::Client,
    queue: SqsQueue,
    mailer: SesMailer,
    line: LineChannels,
    links: LinkKeys,
    pacer: Pacer,
    /// This worker's send rate (mails per second).
    pub worker_rate: f64,
    /// No mail starts this close to the deadline.
    pub deadline_margin: Duration,
    /// The clock the deadline is read on (tokio's; a test moves its own).
    pub clock: Arc<dyn Clock>,
    /// Recipients per Query page.
    pub page_size: usize,
    /// Records `sending` for longer are reported.
    pub stale_sending_after: chrono::Duration,
}

impl DeliveryApp {
    /// Builds the app from resolved settings (see [`crate::adapters::secrets_manager::resolve_secrets`]); the account
    /// rate comes from `KIZUNA_MAX_SEND_RATE` or SES `GetAccount`.
    pub async fn new(settings: Settings, config: &aws_config::SdkConfig) -> Result<Self> {
        let source = ScheduleSource::parse(settings.schedule.as_deref().unwrap_or_default())
            .map_err(|e| anyhow!("KIZUNA_SCHEDULE: {e}"))?;
        let queue_url = settings.queue_url.clone().ok_or_else(|| anyhow!("KIZUNA_QUEUE_URL is required"))?;
        let links = settings.link_keys().map_err(|e| anyhow!(e))?;
        let mailer = SesMailer::new(ses_client(config), settings.configuration_set.clone());
        let account_rate = match settings.max_send_rate {
            Some(rate) if rate > 0.0 => rate,
            Some(_) => bail!("KIZUNA_MAX_SEND_RATE must be positive"),
            None => mailer.max_send_rate().await.map_err(|e| anyhow!(e))?,
        };
        let worker_rate = settings.worker_rate(account_rate);
        Ok(DeliveryApp {
            s3: source.is_s3().then(|| s3_client(config)),
            source,
            dynamo: aws_sdk_dynamodb::Client::new(config),
            queue: SqsQueue::new(aws_sdk_sqs::Client::new(config), queue_url),
            mailer,
            line: settings.line_channels(config).map_err(|e| anyhow!(e))?,
            links,
            pacer: Pacer::new(worker_rate),
            worker_rate,
            deadline_margin: Duration::from_secs(30),
            clock: Arc::new(TokioClock),
            page_size: DEFAULT_PAGE_SIZE,
            stale_sending_after: STALE_SENDING_AFTER,
            settings,
        })
    }

    async fn schedules(&self, only: Option<&str>) -> Result<Vec<LoadedSchedule>> {
        load_schedules(&self.source, self.s3.as_ref(), only).await.map_err(|e| anyhow!("{e}"))
    }

    fn runs(&self) -> DynamoRuns {
        DynamoRuns::new(self.dynamo.clone(), &self.settings.deliveries_table)
    }
}

/// The handler: dispatches on the event's shape.
pub async fn handle(app: &DeliveryApp, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let (payload, context) = event.into_parts();
    let is_sqs =
        payload["Records"].as_array().is_some_and(|records| records.iter().all(|r| r["eventSource"] == "aws:sqs"));
    if is_sqs {
        let event: SqsEvent = serde_json::from_value(payload)?;
        // A zero deadline (a test's or a local invoke's default context) means none.
        let deadline = (context.deadline > 0).then(|| context.deadline());
        let response = work_messages(app, event, deadline).await;
        Ok(serde_json::to_value(response)?)
    } else {
        let now = payload["time"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
        let summary = plan(app, now).await?;
        Ok(serde_json::to_value(summary)?)
    }
}

/// The hourly planner, followed by the lifecycle jobs of today's Japan date (reminders,
/// completion, expiry and deletion are idempotent, so running them every hour is safe and lets a
/// missed hour be repaired by the next).
pub async fn plan(app: &DeliveryApp, now: chrono::DateTime<chrono::Utc>) -> Result<PlannerSummary> {
    let schedules = app.schedules(None).await?;
    let summary =
        plan_due_runs(&schedules, now, app.settings.catch_up_days, app.settings.allow_draft, &app.runs(), &app.queue)
            .await;
    tracing::info!(summary = %serde_json::to_string(&summary)?, "planner finished");
    println!("{}", RunMetrics::from_planner(&summary).emf_now("planner"));
    let store = crate::adapters::dynamo::subscriptions::SubscriptionStore::new(
        app.dynamo.clone(),
        &app.settings.subscriptions_table,
        &app.settings.deliveries_table,
    );
    let today = kizuna_schedule::japan_date(now);
    let lifecycle = crate::use_cases::lifecycle::run_lifecycle_with_line(
        &store,
        &schedules,
        (&app.mailer, Some(&app.line)),
        &app.links,
        today,
        now,
    )
    .await;
    tracing::info!(lifecycle = %serde_json::to_string(&lifecycle)?, "lifecycle jobs finished");
    Ok(summary)
}

/// The worker: delivers the messages' groups until the deadline (less the margin).
pub async fn work_messages(app: &DeliveryApp, event: SqsEvent, deadline: Option<SystemTime>) -> SqsBatchResponse {
    let stop_at = deadline.map(|deadline| {
        let left = deadline.duration_since(SystemTime::now()).unwrap_or_default();
        Deadline::on(app.clock.clone(), app.clock.now() + left.saturating_sub(app.deadline_margin))
    });
    let past = || clock::passed(stop_at.as_ref());
    let source = DynamoRecipients::new(app.dynamo.clone(), &app.settings.subscriptions_table);
    let store =
        DynamoDeliveries::new(app.dynamo.clone(), &app.settings.subscriptions_table, &app.settings.deliveries_table)
            .with_stale_after(app.stale_sending_after);
    let surveys = DynamoSurveyAnswers::new(app.dynamo.clone(), &app.settings.survey_answers_table);
    // One plan, two channels: mail families by SES, LINE families by their town's official account.
    let line = LinePush { channels: &app.line };
    let routed = Routed { mail: &app.mailer, line: Some(&line) };
    // Survey invitations are counted as they are sent (the response rate's denominator).
    let counting = CountingInvitations { inner: &routed, store: &surveys };
    let delivery =
        Delivery { store: &store, mailer: &counting, pacer: &app.pacer, options: app.settings.delivery_options() };
    let runs = app.runs();
    let options = GroupOptions {
        allow_draft: app.settings.allow_draft,
        dry_run: false,
        page_size: app.page_size,
        stop_at: stop_at.clone(),
        stopped: Vec::new(),
    };
    let mut schedules: BTreeMap<String, LoadedSchedule> = BTreeMap::new();
    let mut response = SqsBatchResponse::default();
    let mut metrics = RunMetrics::default();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        if past() {
            response.add_failure(message_id);
            continue;
        }
        let Some(group) = record.body.as_deref().and_then(|body| serde_json::from_str::<GroupMessage>(body).ok())
        else {
            // Not a group: retrying cannot help; dropped with an error log.
            tracing::error!(message = %message_id, "not a group message: dropped");
            continue;
        };
        let Some(schedule) = cached_schedule(app, &mut schedules, &group.municipality).await else {
            tracing::error!(municipality = %group.municipality, "no schedule for the group: returned to the queue");
            response.add_failure(message_id);
            continue;
        };
        let result = match work_group(schedule, &group, &source, &delivery, &app.links, options.clone()).await {
            Ok(result) => result,
            Err(error) => {
                tracing::error!(municipality = %group.municipality, group = %group.group_id(), error = %error, "group failed: returned to the queue");
                response.add_failure(message_id);
                continue;
            }
        };
        metrics.add_group(&result);
        if !settle_group(app, &runs, &group, &result).await {
            response.add_failure(message_id);
        }
    }
    tracing::info!(
        planned = metrics.planned,
        sent = metrics.sent,
        already_sent = metrics.already_sent,
        refused = metrics.refused,
        failed = metrics.failed,
        stale_sending = metrics.stale_sending,
        returned = response.batch_item_failures.len(),
        "worker finished"
    );
    println!("{}", metrics.emf_now("worker"));
    response
}

/// The schedule of a group's municipality, read once per invocation; `None` when it cannot be read.
async fn cached_schedule<'a>(
    app: &DeliveryApp,
    cache: &'a mut BTreeMap<String, LoadedSchedule>,
    municipality: &str,
) -> Option<&'a LoadedSchedule> {
    if !cache.contains_key(municipality) {
        let mut found = app.schedules(Some(municipality)).await.ok().filter(|found| !found.is_empty())?;
        cache.insert(municipality.to_owned(), found.remove(0));
    }
    cache.get(municipality)
}

/// What a worked group leaves to do: queue the rest of a group cut by the deadline, record a
/// finished group, refresh the run. `false` when the SQS message must go back to the queue.
async fn settle_group(app: &DeliveryApp, runs: &DynamoRuns, group: &GroupMessage, result: &GroupResult) -> bool {
    let (muni, date) = (group.municipality.as_str(), group.date);
    if result.stopped {
        // Nothing of the group was started: the message itself goes back.
        return false;
    } else if let Some(after) = result.resume_after.clone() {
        let continuation = GroupMessage { after: Some(after), ..group.clone() };
        if let Err(error) = app.queue.send(std::slice::from_ref(&continuation)).await {
            tracing::error!(municipality = muni, error = %error, "cannot queue the continuation: message returned");
            return false;
        }
        if let Err(error) = runs.heartbeat(muni, date).await {
            tracing::warn!(municipality = muni, error = %error, "cannot refresh the run");
        }
        tracing::info!(municipality = muni, group = %group.group_id(), "deadline: rest of the group queued");
    } else if result.finished() {
        match runs.group_done(muni, date, &group.group_id()).await {
            Ok(true) => tracing::info!(municipality = muni, %date, "run complete"),
            Ok(false) => {}
            Err(error) => tracing::warn!(municipality = muni, error = %error, "cannot record the finished group"),
        }
    } else if let Err(error) = runs.heartbeat(muni, date).await {
        tracing::warn!(municipality = muni, error = %error, "cannot refresh the run");
    }
    true
}
