//! `kizuna-sender`: the operator CLI — create tables, import subscribers, run a day.
//!
//! Every error is printed with its whole cause chain (`error: importing x.csv: the import stopped
//! after 367 of 1000 rows …: dispatch failure: … Connection refused`), how far the command got and
//! whether running it again is safe.
//!
//! Same code path as the Lambda handlers; AWS is configured the standard way (`AWS_ENDPOINT_URL`,
//! `AWS_REGION`, profiles), Kizuna's settings by `KIZUNA_*` variables or their flags (see `--help`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use kizuna_schedule::AnchorKind;
use kizuna_sender::api::{local, Api};
use kizuna_sender::deliver::{Delivery, Pacer};
use kizuna_sender::demo::Demo;
use kizuna_sender::dynamo::{create_table, DynamoDeliveries, DynamoRecipients};
use kizuna_sender::import::{check_csv, import_rows};
use kizuna_sender::metrics::RunMetrics;
use kizuna_sender::repair::repair_uniqueness;
use kizuna_sender::run::{preview_mail, run_day_with, RunRequest};
use kizuna_sender::runs::DynamoRuns;
use kizuna_sender::schedules::{load_schedules, s3_client, LoadedSchedule, ScheduleSource};
use kizuna_sender::secrets::resolve_secrets;
use kizuna_sender::ses::{ses_client, SesMailer};
use kizuna_sender::settings::{aws_config, Settings};
use kizuna_sender::tables::{deliveries_table, describe, subscriptions_table};

/// Kizuna's sender: daily delivery of stage-based parenting mails over DynamoDB and SES.
#[derive(Parser, Debug)]
#[command(name = "kizuna-sender", version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
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
async fn schedules(
    settings: &Settings,
    config: &aws_config::SdkConfig,
    only: Option<&str>,
) -> Result<Vec<LoadedSchedule>> {
    let text = settings.schedule.as_deref().context("--schedule (or KIZUNA_SCHEDULE) is required")?;
    let source = ScheduleSource::parse(text)?;
    let s3 = source.is_s3().then(|| s3_client(config));
    load_schedules(&source, s3.as_ref(), only).await.with_context(|| format!("--schedule {source}"))
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.settings.log);
    match execute(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> Result<ExitCode> {
    let settings = cli.settings;
    match cli.command {
        Command::Tables { command: TablesCommand::Describe } => {
            let json = describe(&settings.subscriptions_table, &settings.deliveries_table);
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Tables { command: TablesCommand::Create } => {
            let client = aws_sdk_dynamodb::Client::new(&aws_config().await);
            for spec in
                [subscriptions_table(&settings.subscriptions_table), deliveries_table(&settings.deliveries_table)]
            {
                let created = create_table(&client, &spec).await.map_err(|e| anyhow!(e))?;
                let what = if created { "created" } else { "already exists" };
                println!("{}: {what}", spec.table_name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Subscribers { command: SubscribersCommand::Import { file, skip_invalid } } => {
            let hasher = settings.email_hasher().map_err(|e| anyhow!(e))?;
            let known: Option<BTreeSet<String>> = match &settings.schedule {
                Some(_) => Some(
                    schedules(&settings, &aws_config().await, None)
                        .await?
                        .into_iter()
                        .map(|s| s.document.municipality.id)
                        .collect(),
                ),
                None => None,
            };
            let input = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let today = kizuna_schedule::japan_today();
            let checked = check_csv(input, known.as_ref(), today).with_context(|| format!("{}", file.display()))?;
            if checked.shift_jis {
                eprintln!("{}: read as Shift_JIS (CP932)", file.display());
            }
            for bad in &checked.bad {
                eprintln!("{}: {bad}", file.display());
            }
            if !checked.bad.is_empty() && !skip_invalid {
                bail!(
                    "{} bad row(s) in {}; nothing imported (fix them, or pass --skip-invalid to import the {} good rows)",
                    checked.bad.len(),
                    file.display(),
                    checked.rows.len()
                );
            }
            let client = aws_sdk_dynamodb::Client::new(&aws_config().await);
            let mut counts = import_rows(&client, &settings.subscriptions_table, &hasher, &checked.rows)
                .await
                .with_context(|| format!("importing {}", file.display()))?;
            counts.skipped = checked.bad.len();
            println!(
                "imported {} new, {} already present, {} invalid skipped",
                counts.created, counts.duplicates, counts.skipped
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Subscribers { command: SubscribersCommand::RepairUniqueness { json } } => {
            let client = aws_sdk_dynamodb::Client::new(&aws_config().await);
            let counts = repair_uniqueness(&client, &settings.subscriptions_table)
                .await
                .with_context(|| format!("repairing {}", settings.subscriptions_table))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&counts)?);
            } else {
                println!(
                    "repair-uniqueness {}\n  items scanned          {}\n  subscriptions linked   {}\n  leftover items removed {}\n  changed meanwhile      {}",
                    settings.subscriptions_table, counts.scanned, counts.linked, counts.removed, counts.changed
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::PreviewMail { municipality, date, due, birth, output } => {
            let config = aws_config().await;
            let mut settings = settings;
            resolve_secrets(&mut settings, &config).await?;
            let links = settings.link_keys().map_err(|e| anyhow!(e))?;
            let found = schedules(&settings, &config, Some(&municipality)).await?;
            let schedule = found.first().with_context(|| format!("no municipality `{municipality}`"))?;
            let (kind, anchor) = match (due, birth) {
                (Some(due), _) => (AnchorKind::Due, due),
                (None, Some(birth)) => (AnchorKind::Birth, birth),
                (None, None) => bail!("--due or --birth is required"),
            };
            let mail = preview_mail(schedule, date, kind, anchor, &links, settings.allow_draft)
                .await
                .map_err(|e| anyhow!(e))?;
            let Some(mail) = mail else {
                eprintln!("nothing is due on {date} for that family in {municipality}");
                return Ok(ExitCode::from(2));
            };
            let path = output.unwrap_or_else(|| PathBuf::from(format!("{municipality}-{date}.eml")));
            std::fs::write(&path, &mail.raw).with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}: {}", path.display(), mail.subject);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { date, municipality, dry_run, json } => {
            let date = date.unwrap_or_else(kizuna_schedule::japan_today);
            let config = aws_config().await;
            let mut settings = settings;
            resolve_secrets(&mut settings, &config).await?;
            let links = settings.link_keys().map_err(|e| anyhow!(e))?;
            let schedules = schedules(&settings, &config, municipality.as_deref()).await?;
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
            let store = DynamoDeliveries::new(dynamo, &settings.subscriptions_table, &settings.deliveries_table);
            let delivery =
                Delivery { store: &store, mailer: &mailer, pacer: &pacer, options: settings.delivery_options() };
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
        Command::Api { command: ApiCommand::Serve { listen, demo } } => {
            let config = aws_config().await;
            let mut settings = settings;
            resolve_secrets(&mut settings, &config).await?;
            let api = Api::from_settings(&settings, &config).map_err(|e| anyhow!(e))?;
            let listener = local::bind(listen).await?;
            let address = listener.local_addr()?;
            // The port line is the contract with scripts and tests that start with `--listen …:0`.
            println!("listening on http://{address}/api/");
            match demo {
                None => local::serve(listener, std::sync::Arc::new(api)).await?,
                Some(archive) => {
                    let emulator = std::env::var("AWS_ENDPOINT_URL")
                        .context("--demo needs AWS_ENDPOINT_URL: the emulator whose captured mail the mailbox shows")?;
                    let runner = std::env::current_exe().context("cannot find this program to run days")?;
                    let demo = Demo { api, archive, emulator, runner, running: Default::default() };
                    local::serve(listener, std::sync::Arc::new(demo)).await?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lifecycle { date, json } => {
            let date = date.unwrap_or_else(kizuna_schedule::japan_today);
            let config = aws_config().await;
            let mut settings = settings;
            resolve_secrets(&mut settings, &config).await?;
            let links = settings.link_keys().map_err(|e| anyhow!(e))?;
            let schedules = schedules(&settings, &config, None).await?;
            let store = kizuna_sender::subscriptions::SubscriptionStore::new(
                aws_sdk_dynamodb::Client::new(&config),
                &settings.subscriptions_table,
                &settings.deliveries_table,
            );
            let mailer = SesMailer::new(ses_client(&config), settings.configuration_set.clone());
            let counts =
                kizuna_sender::lifecycle::run_lifecycle(&store, &schedules, &mailer, &links, date, chrono::Utc::now())
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
    }
}
