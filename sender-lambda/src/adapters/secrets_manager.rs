//! Secrets from AWS Secrets Manager: the [`SecretSource`] the Lambdas use to read the link key, the
//! e-mail hash key and the origin-verify value by ARN at start-up (`crate::settings` decides which).
//! Secret values are never logged.

use std::future::Future;

use crate::ports::secrets::{SecretError, SecretSource};

/// Secrets Manager as a [`SecretSource`].
#[derive(Clone, Debug)]
pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManager {
    /// A source over the configured account and region.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SecretsManager { client: aws_sdk_secretsmanager::Client::new(config) }
    }
}

impl SecretSource for SecretsManager {
    fn secret(&self, id: &str) -> impl Future<Output = Result<String, SecretError>> + Send {
        let request = self.client.get_secret_value().secret_id(id);
        async move {
            let output = request.send().await.map_err(|e| {
                SecretError::Unreadable(aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string())
            })?;
            let value = output.secret_string().ok_or(SecretError::NotAString)?.trim();
            if value.is_empty() {
                return Err(SecretError::Empty);
            }
            Ok(value.to_owned())
        }
    }
}
