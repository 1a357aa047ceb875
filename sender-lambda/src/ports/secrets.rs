//! The secrets port: a secret's string value by id (an ARN in production), read once at start-up.
//! Values are never logged.

use std::future::Future;

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The service refused or could not be reached.
    #[error("cannot read the secret: {0}")]
    Unreadable(String),
    /// The secret has a binary value only.
    #[error("the secret has no string value")]
    NotAString,
    /// The secret is empty (or only blanks).
    #[error("the secret is empty")]
    Empty,
}

/// Where secrets come from ([`crate::adapters::secrets_manager::SecretsManager`] in production).
pub trait SecretSource {
    /// The trimmed, non-empty string value of a secret.
    fn secret(&self, id: &str) -> impl Future<Output = Result<String, SecretError>> + Send;
}
