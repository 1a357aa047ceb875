//! The secrets twin: values by id; an unknown id is unreadable, as a wrong ARN is.

use std::collections::HashMap;

use crate::ports::secrets::{SecretError, SecretSource};

/// Secrets in memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySecrets {
    values: HashMap<String, String>,
}

impl MemorySecrets {
    /// Secrets from `(id, value)` pairs.
    pub fn new<'a>(values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        MemorySecrets { values: values.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }
}

impl SecretSource for MemorySecrets {
    async fn secret(&self, id: &str) -> Result<String, SecretError> {
        let value = self.values.get(id).ok_or_else(|| SecretError::Unreadable(format!("no secret {id}")))?.trim();
        if value.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(value.to_owned())
    }
}
