//! The DynamoDB vocabulary the adapters share (`dynamo`, `subscriptions`, `runs`): building and
//! reading attribute values, timestamps as they are stored, and error messages that keep the
//! service's code (`ConditionalCheckFailed: …`) without the request or any personal data.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use crate::ports::store_error::StoreError;

/// One item, as the SDK reads and writes it.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string attribute of an item, if it has one.
pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// A timestamp as stored (`created_at`, `updated_at`): RFC 3339 in UTC with milliseconds.
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Now, as stored.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(Utc::now())
}

/// A message for a service error, with the service's code when there is one.
pub(crate) fn describe<E: ProvideErrorMetadata + std::fmt::Display>(error: &E) -> String {
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => error.to_string(),
    }
}

/// An SDK error as a [`StoreError`]: classified by the service's code (with its message), or what
/// failed on the way.
pub(crate) fn sdk_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => StoreError::from_code(service.err().code(), describe(service.err())),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Service(DisplayErrorContext(&error).to_string())
        }
        other => StoreError::Service(DisplayErrorContext(other).to_string()),
    }
}

/// A conditional `PutItem`'s outcome: `true` when written, `false` when its condition failed (the
/// item was there first); any other failure as a [`StoreError`].
pub(crate) fn put_if<O, R>(result: Result<O, SdkError<PutItemError, R>>) -> Result<bool, StoreError>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
        Err(error) => Err(sdk_error(error)),
    }
}

/// A failed `TransactWriteItems`: the cancellation (whose reasons the caller judges), or any other
/// failure as a message with its whole cause (`dispatch failure: … Connection refused`) — turning
/// the error into its service error first would leave only "unhandled error".
pub(crate) fn cancelled_transaction<R>(
    error: SdkError<TransactWriteItemsError, R>,
) -> Result<TransactionCanceledException, StoreError>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(service) => match service.into_err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => Ok(cancelled),
            other => Err(StoreError::from_code(other.code(), describe(&other))),
        },
        other => Err(sdk_error(other)),
    }
}
