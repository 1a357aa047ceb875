//! `kizuna-sender`: the operator CLI — create tables, import subscribers, run a day.
//!
//! Same code path as the Lambda handlers; AWS is configured the standard way (`AWS_ENDPOINT_URL`,
//! `AWS_REGION`, profiles), Kizuna's settings by `KIZUNA_*` variables or their flags (see `--help`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use kizuna_sender::deliver::{Delivery, Pacer};
use kizuna_sender::dynamo::{create_table, DynamoDeliveries, DynamoRecipients};
use kizuna_sender::import::{check_csv, import_rows};
use kizuna_sender::run::{run_day, RunRequest};
use kizuna_sender::schedules::load_schedule_dir;
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
        /// A built `public/` directory holding `<municipality>/schedule.json`.
        #[arg(long, value_name = "DIR")]
        schedule: PathBuf,
        /// Print the summary as JSON.
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
enum SubscribersCommand {
    /// Imports `email,municipality,kind,date` rows as active subscriptions.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows even if some are bad (the bad ones are listed).
        #[arg(long)]
        skip_invalid: bool,
        /// Check municipalities against a built `public/` directory.
        #[arg(long, value_name = "DIR")]
        schedule: Option<PathBuf>,
    },
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
        Command::Subscribers { command: SubscribersCommand::Import { file, skip_invalid, schedule } } => {
            let hasher = settings.email_hasher().map_err(|e| anyhow!(e))?;
            let known: Option<BTreeSet<String>> = match schedule {
                Some(dir) => {
                    Some(load_schedule_dir(&dir, None)?.into_iter().map(|s| s.document.municipality.id).collect())
                }
                None => None,
            };
            let input = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let today = kizuna_schedule::japan_today();
            let checked = check_csv(input, known.as_ref(), today).with_context(|| format!("{}", file.display()))?;
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
                .map_err(|e| anyhow!(e))?;
            counts.skipped = checked.bad.len();
            println!(
                "imported {} new, {} already present, {} invalid skipped",
                counts.created, counts.duplicates, counts.skipped
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { date, municipality, dry_run, schedule, json } => {
            let date = date.unwrap_or_else(kizuna_schedule::japan_today);
            let links = settings.link_keys().map_err(|e| anyhow!(e))?;
            let schedules = load_schedule_dir(&schedule, municipality.as_deref())
                .with_context(|| format!("--schedule {}", schedule.display()))?;
            let config = aws_config().await;
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
            let store = DynamoDeliveries::new(dynamo, &settings.subscriptions_table, &settings.deliveries_table);
            let delivery =
                Delivery { store: &store, mailer: &mailer, pacer: &pacer, options: settings.delivery_options() };
            let request = RunRequest { date, dry_run, allow_draft: settings.allow_draft };
            let summary = run_day(&schedules, &source, &delivery, &links, &request).await;
            tracing::info!(summary = %serde_json::to_string(&summary)?, "run finished");
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
            }
            Ok(if summary.has_failures() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}
