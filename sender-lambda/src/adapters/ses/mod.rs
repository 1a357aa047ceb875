//! The SESv2 adapter: raw `SendEmail` with the configuration set, error classification for the
//! retry policy of [`crate::use_cases::delivery`], and the account's maximum send rate (`GetAccount`).
//!
//! The SDK's own retries are turned off for this client ([`ses_client`]): [`crate::use_cases::delivery`] paces
//! and retries every attempt itself, so the rate limit counts retries too.

pub mod compose;
pub mod system_mail;

use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{EmailContent, RawMessage};
use aws_sdk_sesv2::Client;

use crate::ports::channel::ComposedMail;
use std::future::Future;

use crate::domain::model;
use crate::domain::plan::PlannedMail;
use crate::ports::channel::{Channel, DayContent, Mailer, SendError, SendErrorKind};
use crate::BoxError;

/// An SESv2 client without SDK retries (the sender retries itself).
pub fn ses_client(config: &aws_config::SdkConfig) -> Client {
    let config = aws_sdk_sesv2::config::Builder::from(config)
        .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// Sends raw mail through SESv2.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// A mailer using a configuration set when given.
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        SesMailer { client, configuration_set }
    }

    /// The account's maximum send rate (mails per second) from `GetAccount`.
    pub async fn max_send_rate(&self) -> Result<f64, BoxError> {
        let account = self.client.get_account().send().await.map_err(|e| {
            BoxError::from(format!(
                "SES GetAccount failed ({}); set KIZUNA_MAX_SEND_RATE",
                e.code().unwrap_or("no answer")
            ))
        })?;
        account
            .send_quota()
            .map(|quota| quota.max_send_rate())
            .filter(|rate| *rate > 0.0)
            .ok_or_else(|| "SES GetAccount returned no send quota; set KIZUNA_MAX_SEND_RATE".into())
    }
}

/// Classifies an SES error code and HTTP status for the retry policy.
pub fn classify(code: &str, status: Option<u16>) -> SendErrorKind {
    match code {
        "TooManyRequestsException" | "TooManyRequests" | "Throttling" | "ThrottlingException" => {
            SendErrorKind::Throttled
        }
        "AccountSuspendedException"
        | "SendingPausedException"
        | "MailFromDomainNotVerifiedException"
        | "NotFoundException"
        | "LimitExceededException"
        | "AccessDeniedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException" => SendErrorKind::Fatal,
        _ if status.is_some_and(|s| s == 429) => SendErrorKind::Throttled,
        _ if status.is_some_and(|s| s >= 500) => SendErrorKind::Transient,
        _ => SendErrorKind::Permanent,
    }
}

/// The message id of an accepted send. SES always returns one; an answer without it cannot be
/// recorded as sent (the record would carry no id to match bounces against) nor safely resent (SES
/// answered 200, so the mail probably went): it is in doubt, reported and never resent.
fn accepted_message_id(message_id: Option<&str>) -> Result<String, SendError> {
    match message_id {
        Some(id) if !id.trim().is_empty() => Ok(id.to_owned()),
        _ => Err(SendError { kind: SendErrorKind::InDoubt, code: "MissingMessageId".to_owned() }),
    }
}

impl Mailer for SesMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<String, SendError> {
        let raw = RawMessage::builder()
            .data(Blob::new(mail.raw.clone()))
            .build()
            .map_err(|_| SendError { kind: SendErrorKind::Permanent, code: "BuildRawMessage".to_owned() })?;
        let result = self
            .client
            .send_email()
            .from_email_address(&mail.from)
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(output) => accepted_message_id(output.message_id()),
            Err(SdkError::ServiceError(service)) => {
                let status = service.raw().status().as_u16();
                let code = service.err().code().unwrap_or("Unknown").to_owned();
                Err(SendError { kind: classify(&code, Some(status)), code })
            }
            Err(SdkError::ConstructionFailure(_)) => {
                Err(SendError { kind: SendErrorKind::Permanent, code: "ConstructionFailure".to_owned() })
            }
            Err(SdkError::TimeoutError(_)) => {
                Err(SendError { kind: SendErrorKind::InDoubt, code: "Timeout".to_owned() })
            }
            Err(SdkError::DispatchFailure(failure)) if failure.is_user() => {
                Err(SendError { kind: SendErrorKind::Permanent, code: "DispatchFailure".to_owned() })
            }
            Err(_) => Err(SendError { kind: SendErrorKind::InDoubt, code: "NoResponse".to_owned() }),
        }
    }
}

/// Every [`Mailer`] is the mail [`Channel`]: a planned mail is rendered to raw MIME by the day's
/// composer and sent as is.
impl<M: Mailer + Sync> Channel for M {
    type Message = ComposedMail;
    type RenderError = compose::ComposeError;

    fn channel(&self) -> model::Channel {
        model::Channel::Mail
    }

    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<ComposedMail, compose::ComposeError> {
        day.compose(mail)
    }

    fn send(
        &self,
        message: &ComposedMail,
        _retry_key: Option<&str>,
    ) -> impl Future<Output = Result<String, SendError>> + Send {
        // SES has no idempotency key: a mail in doubt is never resent (`retries_in_doubt` is false).
        Mailer::send(self, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_retried_and_rejections_are_not() {
        assert_eq!(classify("TooManyRequestsException", Some(429)), SendErrorKind::Throttled);
        assert_eq!(classify("Whatever", Some(429)), SendErrorKind::Throttled);
        assert_eq!(classify("InternalFailure", Some(500)), SendErrorKind::Transient);
        assert_eq!(classify("MessageRejected", Some(400)), SendErrorKind::Permanent);
        assert_eq!(classify("SendingPausedException", Some(400)), SendErrorKind::Fatal);
    }

    #[test]
    fn an_accepted_send_without_a_message_id_is_in_doubt_not_sent() {
        // Regression: it used to be recorded `sent` with message id "".
        assert_eq!(accepted_message_id(Some("0100018c-abc")), Ok("0100018c-abc".to_owned()));
        for missing in [None, Some(""), Some("  ")] {
            let error = accepted_message_id(missing).expect_err("no id");
            assert_eq!((error.kind, error.code.as_str()), (SendErrorKind::InDoubt, "MissingMessageId"));
        }
    }
}
