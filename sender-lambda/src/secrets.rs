//! Secrets from AWS Secrets Manager, read once at start-up: `KIZUNA_LINK_SECRET_ARN` and
//! `KIZUNA_EMAIL_HASH_KEY_ARN` fill `KIZUNA_LINK_SECRET` and `KIZUNA_EMAIL_HASH_KEY` when those are
//! not set directly (the CLI and tests set them; the Lambdas use the ARNs). Secret values are never
//! logged.

use anyhow::{anyhow, Context, Result};

use crate::settings::Settings;

/// Reads the secrets named by ARN into `settings` (a value set directly wins).
pub async fn resolve_secrets(settings: &mut Settings, config: &aws_config::SdkConfig) -> Result<()> {
    let wanted = (settings.link_secret.is_none() && settings.link_secret_arn.is_some())
        || (settings.email_hash_key.is_none() && settings.email_hash_key_arn.is_some())
        || (settings.origin_verify.is_none() && settings.origin_verify_arn.is_some());
    if !wanted {
        return Ok(());
    }
    let client = aws_sdk_secretsmanager::Client::new(config);
    if settings.link_secret.is_none() {
        if let Some(arn) = settings.link_secret_arn.clone() {
            settings.link_secret = Some(secret_string(&client, &arn).await.context("KIZUNA_LINK_SECRET_ARN")?);
        }
    }
    if settings.email_hash_key.is_none() {
        if let Some(arn) = settings.email_hash_key_arn.clone() {
            settings.email_hash_key = Some(secret_string(&client, &arn).await.context("KIZUNA_EMAIL_HASH_KEY_ARN")?);
        }
    }
    if settings.origin_verify.is_none() {
        if let Some(arn) = settings.origin_verify_arn.clone() {
            settings.origin_verify = Some(secret_string(&client, &arn).await.context("KIZUNA_ORIGIN_VERIFY_ARN")?);
        }
    }
    Ok(())
}

async fn secret_string(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<String> {
    let output =
        client.get_secret_value().secret_id(id).send().await.map_err(|e| {
            anyhow!("cannot read the secret: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e))
        })?;
    let value = output.secret_string().ok_or_else(|| anyhow!("the secret has no string value"))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(anyhow!("the secret is empty"));
    }
    Ok(value.to_owned())
}
