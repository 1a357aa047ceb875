//! The monthly reports Lambda's handler (`src/bin/reports-lambda.rs` only starts the runtime): on
//! the 1st of each month (EventBridge Scheduler, Asia/Tokyo, `{"time": …}`) it makes last month's
//! report of every published municipality (with its surveys' results), and the operator's roll-up, and writes them to the
//! private reports bucket: `KIZUNA_REPORTS` (`s3://bucket/prefix/`) + `<municipality>/<YYYY-MM>/<file>`.
//! Never the public archive bucket: the role may write only there.

use chrono::Utc;
use kizuna_reports::figures::Period;
use kizuna_reports::{Format, Month};
use serde_json::{json, Value};

use crate::adapters::dynamo::counters::DynamoCounters;
use crate::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use crate::adapters::site::{load_schedules, ScheduleSource};
use crate::use_cases::reports::make_reports;
use crate::BoxError;

/// What the handler needs, made once per container.
#[derive(Debug)]
pub struct ReportsApp {
    /// The counters.
    pub counters: DynamoCounters,
    /// The survey answers (results of the surveys open during the month).
    pub surveys: DynamoSurveyAnswers,
    /// The published schedules (which municipalities, their names, tracks, yearly births).
    pub schedules: ScheduleSource,
    /// S3, for the schedules and the reports.
    pub s3: aws_sdk_s3::Client,
    /// Where reports go: (bucket, prefix ending in `/` or empty).
    pub destination: (String, String),
}

/// Parses `s3://bucket/prefix/` (the reports destination).
pub fn parse_destination(text: &str) -> Result<(String, String), BoxError> {
    let rest =
        text.strip_prefix("s3://").ok_or_else(|| format!("KIZUNA_REPORTS: {text} is not s3://bucket/prefix/"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("KIZUNA_REPORTS: {text} has no bucket").into());
    }
    let prefix = if prefix.is_empty() || prefix.ends_with('/') { prefix.to_owned() } else { format!("{prefix}/") };
    Ok((bucket.to_owned(), prefix))
}

/// Makes and stores last month's reports; the summary names municipalities and counts only.
pub async fn handle(app: &ReportsApp, payload: &Value) -> Result<Value, BoxError> {
    let now = payload["time"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let today = kizuna_schedule::japan_date(now);
    let month = Month::of(today).previous();
    let schedules = load_schedules(&app.schedules, Some(&app.s3), None).await?;
    let documents: Vec<_> = schedules.iter().map(|s| &s.document).collect();
    let period = Period { from: month, to: month };
    let reports = make_reports(&app.counters, &app.surveys, &documents, period, &Format::ALL, true, today).await?;
    let (bucket, prefix) = &app.destination;
    let mut written = 0;
    for made in &reports.made {
        for (name, bytes) in &made.files {
            let key = format!("{prefix}{}/{month}/{name}", made.municipality);
            app.s3
                .put_object()
                .bucket(bucket)
                .key(&key)
                .body(bytes.clone().into())
                .content_type(content_type(name))
                .send()
                .await
                .map_err(|e| format!("s3://{bucket}/{key}: {}", aws_sdk_s3::error::DisplayErrorContext(e)))?;
            written += 1;
        }
    }
    let summary = json!({
        "month": month.to_string(),
        "municipalities": documents.iter().map(|d| d.municipality.id.clone()).collect::<Vec<_>>(),
        "files": written,
        "counter_items_read": reports.items_read,
    });
    tracing::info!(summary = %summary, "monthly reports written");
    Ok(summary)
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    }
}
