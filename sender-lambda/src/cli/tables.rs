//! `kizuna-sender tables create|describe`: the DynamoDB tables of `adapters::dynamo::tables`.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use kizuna_sender::adapters::dynamo::create_table;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, describe, subscriptions_table, survey_answers_table};
use kizuna_sender::settings::{aws_config, Settings};

/// Prints both table definitions as JSON.
pub fn describe_tables(settings: &Settings) -> Result<ExitCode> {
    let json = describe(&settings.subscriptions_table, &settings.deliveries_table);
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(ExitCode::SUCCESS)
}

/// Creates the tables (existing ones are left alone).
pub async fn create_tables(settings: &Settings) -> Result<ExitCode> {
    let client = aws_sdk_dynamodb::Client::new(&aws_config().await);
    for spec in [
        subscriptions_table(&settings.subscriptions_table),
        deliveries_table(&settings.deliveries_table),
        survey_answers_table(&settings.survey_answers_table),
    ] {
        let created = create_table(&client, &spec).await.map_err(|e| anyhow!(e))?;
        let what = if created { "created" } else { "already exists" };
        println!("{}: {what}", spec.table_name);
    }
    Ok(ExitCode::SUCCESS)
}
