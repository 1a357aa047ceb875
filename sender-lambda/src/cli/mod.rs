//! The operator CLI's commands (`kizuna-sender …`): the clap definitions and the dispatch to one
//! module per group — tables, subscribers, days (run, preview, lifecycle) and the local API.

mod api;
mod days;
mod report;
mod subscribers;
mod tables;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use kizuna_sender::adapters::site::{load_schedules, s3_client, LoadedSchedule, ScheduleSource};
use kizuna_sender::settings::Settings;

/// Kizuna's sender: daily delivery of stage-based parenting mails over DynamoDB and SES.
#[derive(Parser, Debug)]
#[command(name = "kizuna-sender", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The DynamoDB tables.
    Tables {
        #[command(subcommand)]
        command: TablesCommand,
    },
    /// Subscribers.
    Subscribers {
        #[command(subcommand)]
        command: SubscribersCommand,
    },
    /// Sends one Japan date's mails (idempotent: a re-run sends nothing twice).
    Run {
        /// The Japan delivery date, YYYY-MM-DD (default: today in Japan).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Only this municipality.
        #[arg(long)]
        municipality: Option<String>,
        /// Plan and count only: nothing is reserved or sent.
        #[arg(long)]
        dry_run: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Writes the mail a family would get on a date as an `.eml` file (same composer as real sends).
    PreviewMail {
        /// The municipality id.
        #[arg(long)]
        municipality: String,
        /// The Japan delivery date, YYYY-MM-DD.
        #[arg(long)]
        date: NaiveDate,
        /// The family's due date.
        #[arg(long, conflicts_with = "birth", required_unless_present = "birth")]
        due: Option<NaiveDate>,
        /// The child's birth date.
        #[arg(long)]
        birth: Option<NaiveDate>,
        /// Where to write the mail (default: `<municipality>-<date>.eml`).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The subscription API on this machine.
    Api {
        #[command(subcommand)]
        command: ApiCommand,
    },
    /// A municipality's report (registrations, 配信中, 解除率・停止率, deliveries) for a span of
    /// months, read from the counters (never a Scan) and written to a directory.
    Report {
        /// The municipality id.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        municipality: Option<String>,
        /// Every published municipality, and the operator's roll-up.
        #[arg(long)]
        all: bool,
        /// The first month, YYYY-MM (e.g. 2026-04 for 2026年度).
        #[arg(long)]
        from: kizuna_reports::Month,
        /// The last month, YYYY-MM.
        #[arg(long)]
        to: kizuna_reports::Month,
        /// html, xlsx or csv; repeat or separate with commas (default: all three).
        #[arg(long, value_enum, value_delimiter = ',')]
        format: Vec<report::ReportFormat>,
        /// The directory to write to (created if missing).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Counts once, for the reports, the subscriptions stored before the report counters began
    /// (a one-off after deploying them; running it again changes nothing).
    BackfillCounters {
        /// The municipality id.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        municipality: Option<String>,
        /// Every published municipality.
        #[arg(long)]
        all: bool,
    },
    /// Lifecycle jobs of one Japan date: birth-registration reminders, completions, expiry of
    /// pending sign-ups (48 h) and deletion of ended subscriptions (90 days).
    Lifecycle {
        /// The Japan date, YYYY-MM-DD (default: today in Japan).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum TablesCommand {
    /// Creates both tables (existing ones are left alone).
    Create,
    /// Prints both table definitions as JSON (CloudFormation `AWS::DynamoDB::Table` property names).
    Describe,
}

#[derive(Subcommand, Debug)]
enum ApiCommand {
    /// Serves the real API router over HTTP on a loopback address (demos, contract tests); the
    /// same code the API Lambda runs, through a thin local adapter.
    Serve {
        /// The address to listen on (loopback only; port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Demo only (`scripts/demo.sh`): also serve this built archive and the mailbox `/_mail/`
        /// (the mail the emulator at AWS_ENDPOINT_URL captured) on the same origin. The mailbox's
        /// runs inherit this process's environment, so give settings as `KIZUNA_*` variables.
        #[arg(long, value_name = "ARCHIVE_DIR")]
        demo: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum SubscribersCommand {
    /// Imports `email,municipality,kind,date` rows as active subscriptions.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows even if some are bad (the bad ones are listed).
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Repairs a table written before imported subscriptions named their uniqueness item: links
    /// live subscriptions to their `UNIQ#` item and removes those of ended or deleted ones.
    /// Safe to run any number of times.
    RepairUniqueness {
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The schedules of `--schedule` / `KIZUNA_SCHEDULE` (a directory or `s3://bucket/prefix`).
pub(crate) async fn schedules(
    settings: &Settings,
    config: &aws_config::SdkConfig,
    only: Option<&str>,
) -> Result<Vec<LoadedSchedule>> {
    let text = settings.schedule.as_deref().context("--schedule (or KIZUNA_SCHEDULE) is required")?;
    let source = ScheduleSource::parse(text)?;
    let s3 = source.is_s3().then(|| s3_client(config));
    load_schedules(&source, s3.as_ref(), only).await.with_context(|| format!("--schedule {source}"))
}

/// Runs one command.
pub async fn execute(cli: Cli) -> Result<ExitCode> {
    let settings = cli.settings;
    match cli.command {
        Command::Tables { command: TablesCommand::Describe } => tables::describe_tables(&settings),
        Command::Tables { command: TablesCommand::Create } => tables::create_tables(&settings).await,
        Command::Subscribers { command: SubscribersCommand::Import { file, skip_invalid } } => {
            subscribers::import(&settings, &file, skip_invalid).await
        }
        Command::Subscribers { command: SubscribersCommand::RepairUniqueness { json } } => {
            subscribers::repair(&settings, json).await
        }
        Command::PreviewMail { municipality, date, due, birth, output } => {
            days::preview(settings, &municipality, date, due, birth, output).await
        }
        Command::Run { date, municipality, dry_run, json } => {
            days::run(settings, date, municipality.as_deref(), dry_run, json).await
        }
        Command::Api { command: ApiCommand::Serve { listen, demo } } => api::serve(settings, listen, demo).await,
        Command::Lifecycle { date, json } => days::lifecycle(settings, date, json).await,
        Command::Report { municipality, all, from, to, format, output } => {
            let config = kizuna_sender::settings::aws_config().await;
            let args = report::ReportArgs {
                municipality: municipality.as_deref(),
                all,
                from,
                to,
                formats: &format,
                output: &output,
            };
            report::report(&settings, &config, args).await.map(|()| ExitCode::SUCCESS)
        }
        Command::BackfillCounters { municipality, all } => {
            let config = kizuna_sender::settings::aws_config().await;
            let only = municipality.as_deref().filter(|_| !all);
            report::backfill(&settings, &config, only).await.map(|()| ExitCode::SUCCESS)
        }
    }
}
