//! Kizuna's sender settings: every `KIZUNA_*` environment variable, each with a flag that overrides
//! it (clap lists them all in `--help`). AWS itself is configured the standard way
//! (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_PROFILE`, credentials), defaulting to ap-northeast-1.

use clap::Args;

use crate::adapters::dynamo::tables::{
    DEFAULT_DELIVERIES_TABLE, DEFAULT_SUBSCRIPTIONS_TABLE, DEFAULT_SURVEY_ANSWERS_TABLE,
};
use crate::adapters::secrets_manager::SecretsManager;
use crate::domain::links::{EmailHasher, LinkKeys};
use crate::ports::secrets::{SecretError, SecretSource};
use crate::use_cases::delivery::DeliveryOptions;
use crate::BoxError;

/// The region used when none is configured: subscriber data stays in Tokyo by default.
pub const DEFAULT_REGION: &str = "ap-northeast-1";

/// Settings shared by every command (and the Lambda handlers).
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Subscriptions table name.
    #[arg(long, global = true, env = "KIZUNA_SUBSCRIPTIONS_TABLE", default_value = DEFAULT_SUBSCRIPTIONS_TABLE)]
    pub subscriptions_table: String,

    /// Deliveries table name.
    #[arg(long, global = true, env = "KIZUNA_DELIVERIES_TABLE", default_value = DEFAULT_DELIVERIES_TABLE)]
    pub deliveries_table: String,
    /// The reader survey answers table.
    #[arg(long, global = true, env = "KIZUNA_SURVEY_ANSWERS_TABLE", default_value = DEFAULT_SURVEY_ANSWERS_TABLE)]
    pub survey_answers_table: String,

    /// Link signing keys: `<key id>:<secret ≥ 32 bytes>[,<key id>:<secret>…]`, the first signs.
    #[arg(long, global = true, env = "KIZUNA_LINK_SECRET", hide_env_values = true)]
    pub link_secret: Option<String>,

    /// Key of the e-mail hash (never rotated); derived from the first link key when unset.
    #[arg(long, global = true, env = "KIZUNA_EMAIL_HASH_KEY", hide_env_values = true)]
    pub email_hash_key: Option<String>,

    /// Maximum mails per second for the whole account; when unset, SES GetAccount's max send rate.
    #[arg(long, global = true, env = "KIZUNA_MAX_SEND_RATE")]
    pub max_send_rate: Option<f64>,

    /// Workers sharing the send rate (each gets rate / workers).
    #[arg(long, global = true, env = "KIZUNA_WORKERS", default_value_t = 1)]
    pub workers: u32,

    /// Mails in flight at once per worker.
    #[arg(long, global = true, env = "KIZUNA_SEND_CONCURRENCY", default_value_t = 8)]
    pub send_concurrency: usize,

    /// Send entries whose review status is `draft` (demos and tests; `KIZUNA_ALLOW_DRAFT=1`).
    #[arg(
        long,
        global = true,
        env = "KIZUNA_ALLOW_DRAFT",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_draft: bool,

    /// SES configuration set for sends (event publishing, suppression).
    #[arg(long, global = true, env = "KIZUNA_CONFIGURATION_SET")]
    pub configuration_set: Option<String>,

    /// Log filter (tracing `EnvFilter` syntax); logs are JSON on stderr.
    #[arg(long, global = true, env = "KIZUNA_LOG", default_value = "info")]
    pub log: String,

    /// Secrets Manager secret (ARN or name) holding the link keys; read once at start-up when
    /// KIZUNA_LINK_SECRET is unset.
    #[arg(long, global = true, env = "KIZUNA_LINK_SECRET_ARN")]
    pub link_secret_arn: Option<String>,

    /// Secrets Manager secret (ARN or name) holding the e-mail hash key; read once at start-up when
    /// KIZUNA_EMAIL_HASH_KEY is unset.
    #[arg(long, global = true, env = "KIZUNA_EMAIL_HASH_KEY_ARN")]
    pub email_hash_key_arn: Option<String>,

    /// Where the schedules are: a built `public/` directory, or `s3://bucket/prefix` (read through
    /// `<prefix>current.json`).
    #[arg(long, global = true, env = "KIZUNA_SCHEDULE", value_name = "DIR|s3://BUCKET/PREFIX")]
    pub schedule: Option<String>,

    /// The name prefix of the per-municipality LINE channel secrets (`<prefix><municipality>`,
    /// value `{"channel_id", "channel_secret"}`).
    #[arg(long, global = true, env = "KIZUNA_LINE_SECRET_PREFIX", default_value = crate::adapters::line::channels::DEFAULT_SECRET_PREFIX)]
    pub line_secret_prefix: String,

    /// LINE pushes per second per channel and worker (LINE allows 2,000 per channel).
    #[arg(long, global = true, env = "KIZUNA_LINE_RATE", default_value_t = crate::adapters::line::channels::DEFAULT_RATE)]
    pub line_rate: f64,
    /// Where the monthly reports Lambda writes: `s3://bucket/prefix/` (a private bucket, never the
    /// archive).
    #[arg(long, global = true, env = "KIZUNA_REPORTS", value_name = "s3://BUCKET/PREFIX/")]
    pub reports: Option<String>,

    /// The SQS queue URL the hourly planner fans groups of recipients out to.
    #[arg(long, global = true, env = "KIZUNA_QUEUE_URL")]
    pub queue_url: Option<String>,

    /// Days back the hourly run completes missed (municipality, date) runs.
    #[arg(long, global = true, env = "KIZUNA_CATCH_UP_DAYS", default_value_t = 2)]
    pub catch_up_days: u32,

    /// Archive origins allowed by the subscription API's CORS, comma-separated
    /// (e.g. `https://kizuna.example.jp`).
    #[arg(long, global = true, env = "KIZUNA_API_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub api_allowed_origins: Vec<String>,

    /// Where the API's 303 redirects to result pages point (default: each municipality's
    /// `archive_base_url`).
    #[arg(long, global = true, env = "KIZUNA_ARCHIVE_ORIGIN")]
    pub archive_origin: Option<String>,

    /// The value CloudFront sends in `X-Kizuna-Origin-Verify`; when set, the subscription API
    /// refuses requests without it (calls that bypass CloudFront and its WAF).
    #[arg(long, global = true, env = "KIZUNA_ORIGIN_VERIFY", hide_env_values = true)]
    pub origin_verify: Option<String>,

    /// Secrets Manager secret (ARN or name) holding KIZUNA_ORIGIN_VERIFY; read once at start-up
    /// when that is unset.
    #[arg(long, global = true, env = "KIZUNA_ORIGIN_VERIFY_ARN")]
    pub origin_verify_arn: Option<String>,
}

impl Settings {
    /// Every municipality's LINE channel: the client for `KIZUNA_LINE_API_BASE` (timeout
    /// `KIZUNA_LINE_TIMEOUT_MS`), secrets `<line_secret_prefix><municipality>`, `line_rate` per channel.
    pub fn line_channels(
        &self,
        config: &aws_config::SdkConfig,
    ) -> Result<crate::adapters::line::channels::LineChannels, crate::adapters::line::client::LineError> {
        Ok(crate::adapters::line::channels::LineChannels::new(
            crate::adapters::line::client::LineApi::from_env()?,
            aws_sdk_secretsmanager::Client::new(config),
            self.line_secret_prefix.clone(),
            self.line_rate,
        ))
    }

    /// The link keys, or an error naming the setting.
    pub fn link_keys(&self) -> Result<LinkKeys, BoxError> {
        let secret = self.link_secret.as_deref().ok_or("KIZUNA_LINK_SECRET (or --link-secret) is required")?;
        Ok(LinkKeys::parse(secret)?)
    }

    /// The e-mail hasher: its own key, or one derived from the link keys.
    pub fn email_hasher(&self) -> Result<EmailHasher, BoxError> {
        match &self.email_hash_key {
            Some(key) if key.len() >= 32 => Ok(EmailHasher::new(key.as_bytes())),
            Some(_) => Err("KIZUNA_EMAIL_HASH_KEY must be at least 32 bytes".into()),
            None => Ok(EmailHasher::new(&self.link_keys()?.derived_email_hash_key())),
        }
    }

    /// Delivery options from the settings.
    pub fn delivery_options(&self) -> DeliveryOptions {
        DeliveryOptions { concurrency: self.send_concurrency.max(1), ..DeliveryOptions::default() }
    }

    /// This worker's share of an account rate.
    pub fn worker_rate(&self, account_rate: f64) -> f64 {
        account_rate / f64::from(self.workers.max(1))
    }
}

/// What every Lambda binary does first: settings from the `KIZUNA_*` environment only (a Lambda has
/// no arguments), JSON logs on stderr (CloudWatch Logs adds the time), the AWS configuration, and
/// the secrets named by ARN read from Secrets Manager.
pub async fn lambda_start(name: &str) -> Result<(Settings, aws_config::SdkConfig), BoxError> {
    /// The settings, from the environment only.
    #[derive(clap::Parser, Debug)]
    struct Env {
        #[command(flatten)]
        settings: Settings,
    }
    let mut settings = <Env as clap::Parser>::try_parse_from([name])?.settings;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).without_time().init();
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    Ok((settings, config))
}

/// The AWS configuration from the standard sources, with Tokyo as the default region.
pub async fn aws_config() -> aws_config::SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider().or_else(DEFAULT_REGION);
    aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await
}

/// A secret named by a setting could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {source}")]
pub struct SettingSecretError {
    /// The setting naming the secret, e.g. `KIZUNA_LINK_SECRET_ARN`.
    pub setting: &'static str,
    /// Why it could not be read.
    #[source]
    pub source: SecretError,
}

/// Reads the secrets named by ARN into `settings` from Secrets Manager (a value set directly wins).
pub async fn resolve_secrets(
    settings: &mut Settings,
    config: &aws_config::SdkConfig,
) -> Result<(), SettingSecretError> {
    let wanted = (settings.link_secret.is_none() && settings.link_secret_arn.is_some())
        || (settings.email_hash_key.is_none() && settings.email_hash_key_arn.is_some())
        || (settings.origin_verify.is_none() && settings.origin_verify_arn.is_some());
    if !wanted {
        return Ok(());
    }
    settings.resolve_secrets_from(&SecretsManager::new(config)).await
}

impl Settings {
    /// Fills each secret setting still unset from the secret its `…_ARN` setting names.
    pub async fn resolve_secrets_from(&mut self, source: &impl SecretSource) -> Result<(), SettingSecretError> {
        let pairs = [
            (&mut self.link_secret, &self.link_secret_arn, "KIZUNA_LINK_SECRET_ARN"),
            (&mut self.email_hash_key, &self.email_hash_key_arn, "KIZUNA_EMAIL_HASH_KEY_ARN"),
            (&mut self.origin_verify, &self.origin_verify_arn, "KIZUNA_ORIGIN_VERIFY_ARN"),
        ];
        for (value, arn, setting) in pairs {
            if let (None, Some(arn)) = (value.as_ref(), arn) {
                let secret = source.secret(arn).await.map_err(|source| SettingSecretError { setting, source })?;
                *value = Some(secret);
            }
        }
        Ok(())
    }
}
