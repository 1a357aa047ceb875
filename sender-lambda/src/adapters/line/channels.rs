//! Each municipality's LINE channel: its credentials from Secrets Manager, a cached stateless
//! access token, and a pacer.
//!
//! Every municipality runs its own LINE Official Account, so each has its own Messaging API
//! channel. Its channel id and secret live in one Secrets Manager secret per municipality, named
//! `<KIZUNA_LINE_SECRET_PREFIX><municipality id>` (default prefix `kizuna/line/`), whose value is
//! `{"channel_id": "…", "channel_secret": "…"}`. Never in content, `schedule.json` or logs.
//!
//! Access tokens are *stateless* tokens issued from the id and secret (valid 15 minutes, cached
//! until a minute before), so a long-lived token a vendor already uses for the channel is never
//! revoked. Pushes on one channel are spaced by one [`Pacer`] at `KIZUNA_LINE_RATE` requests per
//! second (default 1,000, half of LINE's 2,000/s per channel, split over the delivery workers by the
//! caller), retries included.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Mutex;

use super::client::{AccessToken, LineApi, LineError, LineErrorKind};
use crate::use_cases::delivery::Pacer;

/// The default name prefix of the per-municipality secrets.
pub const DEFAULT_SECRET_PREFIX: &str = "kizuna/line/";
/// The default per-channel push rate (requests per second) of one worker.
pub const DEFAULT_RATE: f64 = 1000.0;

/// A channel's id and secret (the secret signs webhooks and issues tokens: never log it).
#[derive(Clone, Deserialize)]
pub struct ChannelCredentials {
    /// The Messaging API channel id (also what a LINE user id is bound to).
    pub channel_id: String,
    /// The channel secret.
    pub channel_secret: String,
}

impl std::fmt::Debug for ChannelCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelCredentials").field("channel_id", &self.channel_id).finish_non_exhaustive()
    }
}

/// Why a municipality's channel cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// No secret, or one without a usable value (the message names the secret, never its value).
    #[error("LINE channel of {municipality}: {reason}")]
    Credentials {
        /// The municipality id.
        municipality: String,
        /// What is wrong.
        reason: String,
    },
    /// LINE refused to issue a token or a call failed.
    #[error(transparent)]
    Line(#[from] LineError),
}

impl ChannelError {
    /// Whether the error is about the channel as a whole (stop its run) rather than one push.
    pub fn stops_channel(&self) -> bool {
        match self {
            ChannelError::Credentials { .. } => true,
            ChannelError::Line(error) => {
                matches!(
                    error.kind,
                    LineErrorKind::Unauthorized | LineErrorKind::QuotaExhausted | LineErrorKind::Permanent
                )
            }
        }
    }
}

#[derive(Default)]
struct Channel {
    credentials: Option<Arc<ChannelCredentials>>,
    token: Option<AccessToken>,
}

/// The LINE channels of every municipality one process serves.
pub struct LineChannels {
    api: LineApi,
    secrets: aws_sdk_secretsmanager::Client,
    prefix: String,
    rate: f64,
    channels: Mutex<HashMap<String, Channel>>,
    pacers: std::sync::Mutex<HashMap<String, Arc<Pacer>>>,
}

impl std::fmt::Debug for LineChannels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineChannels").field("prefix", &self.prefix).field("rate", &self.rate).finish_non_exhaustive()
    }
}

impl LineChannels {
    /// Channels whose secrets are `<prefix><municipality>`, pushing at most `rate` per second each.
    pub fn new(api: LineApi, secrets: aws_sdk_secretsmanager::Client, prefix: impl Into<String>, rate: f64) -> Self {
        LineChannels {
            api,
            secrets,
            prefix: prefix.into(),
            rate,
            channels: Mutex::new(HashMap::new()),
            pacers: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The API client.
    pub fn api(&self) -> &LineApi {
        &self.api
    }

    /// The municipality's channel credentials (read once, then cached).
    pub async fn credentials(&self, municipality: &str) -> Result<Arc<ChannelCredentials>, ChannelError> {
        let mut channels = self.channels.lock().await;
        let channel = channels.entry(municipality.to_owned()).or_default();
        if let Some(credentials) = &channel.credentials {
            return Ok(credentials.clone());
        }
        let credentials = Arc::new(self.read_secret(municipality).await?);
        channel.credentials = Some(credentials.clone());
        Ok(credentials)
    }

    /// Uses these credentials for a municipality instead of reading its secret (a run without
    /// Secrets Manager: the LINE benchmark against the stand-in).
    pub async fn set_credentials(&self, municipality: &str, credentials: ChannelCredentials) {
        let mut channels = self.channels.lock().await;
        channels.entry(municipality.to_owned()).or_default().credentials = Some(Arc::new(credentials));
    }

    /// A valid access token for the municipality's channel (issued when none is cached or it is due).
    pub async fn access_token(&self, municipality: &str) -> Result<String, ChannelError> {
        let credentials = self.credentials(municipality).await?;
        let mut channels = self.channels.lock().await;
        let channel = channels.entry(municipality.to_owned()).or_default();
        if let Some(token) = &channel.token {
            if tokio::time::Instant::now() < token.refresh_at {
                return Ok(token.token.clone());
            }
        }
        let token = self.api.issue_stateless_token(&credentials.channel_id, &credentials.channel_secret).await?;
        let value = token.token.clone();
        channel.token = Some(token);
        Ok(value)
    }

    /// Forgets a token LINE refused (401), so the next call issues a fresh one.
    pub async fn forget_token(&self, municipality: &str) {
        if let Some(channel) = self.channels.lock().await.get_mut(municipality) {
            channel.token = None;
        }
    }

    /// The pacer of the municipality's channel (one per channel, shared by every push on it).
    pub fn pacer(&self, municipality: &str) -> Arc<Pacer> {
        let mut pacers = self.pacers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        pacers.entry(municipality.to_owned()).or_insert_with(|| Arc::new(Pacer::new(self.rate))).clone()
    }

    async fn read_secret(&self, municipality: &str) -> Result<ChannelCredentials, ChannelError> {
        let name = format!("{}{municipality}", self.prefix);
        let failure = |reason: String| ChannelError::Credentials { municipality: municipality.to_owned(), reason };
        let output = self.secrets.get_secret_value().secret_id(&name).send().await.map_err(|error| {
            failure(format!(
                "cannot read the secret {name}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&error)
            ))
        })?;
        let value = output.secret_string().ok_or_else(|| failure(format!("the secret {name} has no string value")))?;
        let credentials: ChannelCredentials = serde_json::from_str(value).map_err(|_| {
            failure(format!("the secret {name} is not {{\"channel_id\": \"…\", \"channel_secret\": \"…\"}}"))
        })?;
        if credentials.channel_id.trim().is_empty() || credentials.channel_secret.trim().is_empty() {
            return Err(failure(format!("the secret {name} has an empty channel_id or channel_secret")));
        }
        Ok(credentials)
    }
}
