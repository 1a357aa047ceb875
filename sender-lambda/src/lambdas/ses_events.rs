//! The SES-events Lambda: SNS notifications of bounces and complaints, applied by
//! [`crate::use_cases::ses_feedback`].

use aws_lambda_events::event::sns::SnsEvent;
use chrono::Utc;
use lambda_runtime::LambdaEvent;

use crate::adapters::dynamo::subscriptions::SubscriptionStore;
use crate::domain::links::EmailHasher;
use crate::use_cases::ses_feedback::{apply_notification, SesEventCounts};

/// Handles one SNS event (every record); a store error fails the invocation so SNS retries it.
pub async fn handle_event(
    store: &SubscriptionStore,
    hasher: &EmailHasher,
    event: LambdaEvent<SnsEvent>,
) -> Result<SesEventCounts, lambda_runtime::Error> {
    let mut counts = SesEventCounts::default();
    for record in &event.payload.records {
        counts += apply_notification(store, hasher, &record.sns.message, Utc::now()).await?;
    }
    tracing::info!(counts = ?counts, records = event.payload.records.len(), "SES notifications applied");
    Ok(counts)
}
