//! `kizuna-sender report`: a municipality's report (or every municipality's, and the operator's
//! roll-up with `--all`, national survey roll-ups included) for a span of months, read from the
//! counters and the survey answers, and written to a directory as HTML, xlsx or CSV.

use std::path::Path;

use anyhow::{bail, Context, Result};
use kizuna_reports::figures::Period;
use kizuna_reports::{Format, Month};
use kizuna_sender::adapters::dynamo::counters::DynamoCounters;
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::settings::Settings;
use kizuna_sender::use_cases::reports::make_reports;

/// `--format`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// One HTML page with charts, for staff (prints on A4).
    Html,
    /// One workbook.
    Xlsx,
    /// One CSV file per table (UTF-8 with BOM).
    Csv,
}

impl From<ReportFormat> for Format {
    fn from(format: ReportFormat) -> Format {
        match format {
            ReportFormat::Html => Format::Html,
            ReportFormat::Xlsx => Format::Xlsx,
            ReportFormat::Csv => Format::Csv,
        }
    }
}

/// What `report` was asked for.
pub(crate) struct ReportArgs<'a> {
    pub municipality: Option<&'a str>,
    pub all: bool,
    pub from: Month,
    pub to: Month,
    pub formats: &'a [ReportFormat],
    pub output: &'a Path,
}

/// The published municipalities, or the one asked for (an unknown id named with those known).
async fn municipalities(
    settings: &Settings,
    config: &aws_config::SdkConfig,
    only: Option<&str>,
) -> Result<Vec<kizuna_sender::adapters::site::LoadedSchedule>> {
    let mut schedules = super::schedules(settings, config, None).await?;
    if let Some(id) = only {
        let known: Vec<&str> = schedules.iter().map(|s| s.document.municipality.id.as_str()).collect();
        if !known.contains(&id) {
            bail!("自治体 {id} は公開中のスケジュールにありません（あるのは {}）", known.join("、"));
        }
        schedules.retain(|s| s.document.municipality.id == id);
    }
    Ok(schedules)
}

/// `backfill-counters`: counts the subscriptions older than the counters, once, for `only` or
/// every published municipality, and prints what it did per municipality.
pub(crate) async fn backfill(settings: &Settings, config: &aws_config::SdkConfig, only: Option<&str>) -> Result<()> {
    let store = SubscriptionStore::new(
        aws_sdk_dynamodb::Client::new(config),
        &settings.subscriptions_table,
        &settings.deliveries_table,
    );
    for schedule in municipalities(settings, config, only).await? {
        let id = &schedule.document.municipality.id;
        let done = store
            .backfill_counters(id, chrono::Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!(e))
            .with_context(|| format!("{id} の集計の補完に失敗しました（もう一度実行すると続きから数えます）"))?;
        if done.already {
            println!("{id}: 補完済みです（何もしませんでした）");
        } else {
            println!("{id}: {} 件の登録を集計に加えました", done.counted);
        }
        if done.unreadable > 0 {
            eprintln!("{id}: 読めない登録が {} 件ありました（集計に加えていません）", done.unreadable);
        }
    }
    Ok(())
}

/// Writes the reports and prints the files written.
pub(crate) async fn report(settings: &Settings, config: &aws_config::SdkConfig, args: ReportArgs<'_>) -> Result<()> {
    if args.from > args.to {
        bail!("--from {} は --to {} より後です", args.from, args.to);
    }
    // Every published municipality, then the one asked for: an unknown id is named with those known.
    let only = if args.all { None } else { args.municipality };
    let schedules = municipalities(settings, config, only).await?;
    let documents: Vec<_> = schedules.iter().map(|s| &s.document).collect();
    let dynamo = aws_sdk_dynamodb::Client::new(config);
    let counters = DynamoCounters::new(dynamo.clone(), &settings.deliveries_table);
    let surveys = DynamoSurveyAnswers::new(dynamo, &settings.survey_answers_table);
    let formats: Vec<Format> =
        if args.formats.is_empty() { Format::ALL.to_vec() } else { args.formats.iter().map(|f| (*f).into()).collect() };
    let period = Period { from: args.from, to: args.to };
    let today = kizuna_schedule::japan_today();
    let reports = make_reports(&counters, &surveys, &documents, period, &formats, args.all, today)
        .await
        .map_err(|e| anyhow::anyhow!(e))
        .context("集計を読めませんでした")?;
    for made in &reports.made {
        for (name, bytes) in &made.files {
            let path = args.output.join(name);
            write_atomically(&path, bytes).with_context(|| format!("{} に書けませんでした", path.display()))?;
            println!("{}", path.display());
        }
    }
    eprintln!("集計項目を {} 件読みました", reports.items_read);
    Ok(())
}

/// Through a temporary file and a rename, so no half-written report is ever left under its name.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}
