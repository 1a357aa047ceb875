//! The one error type of the stores behind the ports (subscriptions, deliveries, run markers):
//! what a caller can act on — a conflict to retry or report, a missing item, throttling to back off
//! from — and everything else as a service failure with its whole cause. Messages carry the
//! service's code and what failed, never an address, a token or a date of a family.

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition or a transaction kept failing against concurrent writes.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The item is not there.
    #[error("not found: {0}")]
    NotFound(String),
    /// The service throttled the request (throughput or request limits).
    #[error("throttled: {0}")]
    Throttled(String),
    /// Any other failure: the service's code and message, or what failed on the way (connection,
    /// timeout, an answer that cannot be read).
    #[error("{0}")]
    Service(String),
}

impl StoreError {
    /// Classifies a service error by its code.
    pub fn from_code(code: Option<&str>, message: String) -> Self {
        match code {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "Throttling"
                | "TooManyRequestsException",
            ) => StoreError::Throttled(message),
            Some("ConditionalCheckFailedException" | "TransactionConflictException") => StoreError::Conflict(message),
            Some("ResourceNotFoundException") => StoreError::NotFound(message),
            _ => StoreError::Service(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_are_classified() {
        let of = |code| StoreError::from_code(Some(code), "m".to_owned());
        assert!(matches!(of("ProvisionedThroughputExceededException"), StoreError::Throttled(_)));
        assert!(matches!(of("ThrottlingException"), StoreError::Throttled(_)));
        assert!(matches!(of("ConditionalCheckFailedException"), StoreError::Conflict(_)));
        assert!(matches!(of("ResourceNotFoundException"), StoreError::NotFound(_)));
        assert!(matches!(of("InternalServerError"), StoreError::Service(_)));
        assert!(matches!(StoreError::from_code(None, "dispatch failure".into()), StoreError::Service(_)));
        assert_eq!(of("ThrottlingException").to_string(), "throttled: m");
    }
}
