//! `kizuna-sender subscribers import|repair-uniqueness`: the CSV import and the repair of tables
//! written before imported subscriptions named their uniqueness item.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use kizuna_sender::adapters::dynamo::SubscriptionStore;
use kizuna_sender::settings::{aws_config, Settings};
use kizuna_sender::use_cases::import::{check_csv, import_rows};
use kizuna_sender::use_cases::repair::repair_uniqueness;

use super::schedules;

/// Imports `email,municipality,kind,date` rows as active subscriptions.
pub async fn import(settings: &Settings, file: &Path, skip_invalid: bool) -> Result<ExitCode> {
    let hasher = settings.email_hasher().map_err(|e| anyhow!(e))?;
    let known: Option<BTreeSet<String>> = match &settings.schedule {
        Some(_) => Some(
            schedules(settings, &aws_config().await, None)
                .await?
                .into_iter()
                .map(|s| s.document.municipality.id)
                .collect(),
        ),
        None => None,
    };
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
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
    let store = SubscriptionStore::new(client, &settings.subscriptions_table, &settings.deliveries_table);
    let progress = |done, total| eprintln!("{}: {done} of {total} rows imported…", file.display());
    let mut counts = import_rows(&store, &hasher, &checked.rows, progress)
        .await
        .with_context(|| format!("importing {}", file.display()))?;
    counts.skipped = checked.bad.len();
    println!(
        "imported {} new, {} already present, {} invalid skipped",
        counts.created, counts.duplicates, counts.skipped
    );
    Ok(ExitCode::SUCCESS)
}

/// Repairs the uniqueness items of a table written by an older version.
pub async fn repair(settings: &Settings, json: bool) -> Result<ExitCode> {
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
