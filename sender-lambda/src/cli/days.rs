//! `kizuna-sender run|preview-mail|lifecycle`: one Japan date's mails and LINE pushes, the mail one family would
//! get, and the daily lifecycle jobs — the same use cases the delivery Lambda runs.

use kizuna_sender::ports::run_markers::RunMarkers;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;
use kizuna_sender::adapters::dynamo::run_markers::DynamoRuns;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::{DynamoDeliveries, DynamoRecipients};
use kizuna_sender::adapters::line::push::LinePush;
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::ports::channel::Routed;
use kizuna_sender::settings::{aws_config, resolve_secrets, Settings};
use kizuna_sender::use_cases::daily_run::{preview_mail, run_day_with, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, Pacer};
use kizuna_sender::use_cases::metrics::RunMetrics;
use kizuna_sender::use_cases::surveys::CountingInvitations;

use super::schedules;

/// Writes the mail a family would get on a date as an `.eml` file.
pub async fn preview(
    mut settings: Settings,
    municipality: &str,
    date: NaiveDate,
    due: Option<NaiveDate>,
    birth: Option<NaiveDate>,
    output: Option<PathBuf>,
) -> Result<ExitCode> {
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let links = settings.link_keys().map_err(|e| anyhow!(e))?;
    let found = schedules(&settings, &config, Some(municipality)).await?;
    let schedule = found.first().with_context(|| format!("no municipality `{municipality}`"))?;
    let (kind, anchor) = match (due, birth) {
        (Some(due), _) => (AnchorKind::Due, due),
        (None, Some(birth)) => (AnchorKind::Birth, birth),
        (None, None) => bail!("--due or --birth is required"),
    };
    let mail =
        preview_mail(schedule, date, kind, anchor, &links, settings.allow_draft).await.map_err(|e| anyhow!(e))?;
    let Some(mail) = mail else {
        eprintln!("nothing is due on {date} for that family in {municipality}");
        return Ok(ExitCode::from(2));
    };
    let path = output.unwrap_or_else(|| PathBuf::from(format!("{municipality}-{date}.eml")));
    std::fs::write(&path, &mail.raw).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}: {}", path.display(), mail.subject);
    Ok(ExitCode::SUCCESS)
}

/// Sends one Japan date's mails.
pub async fn run(
    mut settings: Settings,
    date: Option<NaiveDate>,
    municipality: Option<&str>,
    dry_run: bool,
    json: bool,
) -> Result<ExitCode> {
    let date = date.unwrap_or_else(kizuna_schedule::japan_today);
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let links = settings.link_keys().map_err(|e| anyhow!(e))?;
    let schedules = schedules(&settings, &config, municipality).await?;
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let mailer = SesMailer::new(ses_client(&config), settings.configuration_set.clone());
    let account_rate = match settings.max_send_rate {
        Some(rate) if rate > 0.0 => rate,
        Some(_) => bail!("KIZUNA_MAX_SEND_RATE must be positive"),
        None if dry_run => 1.0,
        None => mailer.max_send_rate().await.map_err(|e| anyhow!(e))?,
    };
    let pacer = Pacer::new(settings.worker_rate(account_rate));
    let source = DynamoRecipients::new(dynamo.clone(), &settings.subscriptions_table);
    let dynamo_client = dynamo.clone();
    let surveys = DynamoSurveyAnswers::new(dynamo.clone(), &settings.survey_answers_table);
    let store = DynamoDeliveries::new(dynamo, &settings.subscriptions_table, &settings.deliveries_table);
    // One plan, two channels: mail families by SES, LINE families by their town's official account.
    let channels = settings.line_channels(&config).map_err(|e| anyhow!(e))?;
    let line = LinePush { channels: &channels };
    let routed = Routed { mail: &mailer, line: Some(&line) };
    // Survey invitations are counted as they are sent (the response rate's denominator).
    let counting = CountingInvitations { inner: &routed, store: &surveys };
    let delivery = Delivery { store: &store, mailer: &counting, pacer: &pacer, options: settings.delivery_options() };
    let request = RunRequest { date, dry_run, allow_draft: settings.allow_draft };
    let runs = DynamoRuns::new(dynamo_client, &settings.deliveries_table);
    let summary = run_day_with(&schedules, &source, &delivery, &links, &request, |muni, date| {
        let runs = &runs;
        async move {
            if let Err(error) = runs.complete(&muni, date).await {
                tracing::warn!(municipality = %muni, error = %error, "cannot record the run as complete");
            }
        }
    })
    .await;
    tracing::info!(summary = %serde_json::to_string(&summary)?, "run finished");
    eprintln!("{}", RunMetrics::from_summary(&summary).emf_now("cli"));
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.render());
    }
    Ok(if summary.has_failures() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Runs the daily lifecycle jobs.
pub async fn lifecycle(mut settings: Settings, date: Option<NaiveDate>, json: bool) -> Result<ExitCode> {
    let date = date.unwrap_or_else(kizuna_schedule::japan_today);
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let links = settings.link_keys().map_err(|e| anyhow!(e))?;
    let schedules = schedules(&settings, &config, None).await?;
    let store = kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        &settings.subscriptions_table,
        &settings.deliveries_table,
    );
    let mailer = SesMailer::new(ses_client(&config), settings.configuration_set.clone());
    let line = settings.line_channels(&config).map_err(|e| anyhow!(e))?;
    let counts = kizuna_sender::use_cases::lifecycle::run_lifecycle_with_line(
        &store,
        &schedules,
        (&mailer, Some(&line)),
        &links,
        date,
        chrono::Utc::now(),
    )
    .await;
    if json {
        println!("{}", serde_json::to_string_pretty(&counts)?);
    } else {
        println!(
            "lifecycle {date}\n  reminders        {}\n  completed        {}\n  expired pending  {}\n  deleted          {}\n  errors           {}",
            counts.reminders, counts.completed, counts.expired_pending, counts.deleted, counts.errors
        );
    }
    Ok(if counts.errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
