//! Fan-out through SQS: the hourly planner sends one [`GroupMessage`] per (municipality, date,
//! merged anchor range); workers deliver a group and, when their deadline comes, send its rest as a
//! continuation (the same group with a cursor), so no worker ever needs more than its time.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::ports::group_queue::GroupMessage;
use crate::ports::group_queue::GroupQueue;
use crate::BoxError;

/// The SQS queue of groups.
#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    /// The queue at `url`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        SqsQueue { client, url: url.into() }
    }
}

impl GroupQueue for SqsQueue {
    /// Sends groups, ten per `SendMessageBatch`; fails if any is not accepted.
    async fn send(&self, groups: &[GroupMessage]) -> Result<(), BoxError> {
        for chunk in groups.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, group) in chunk.iter().enumerate() {
                entries.push(
                    SendMessageBatchRequestEntry::builder()
                        .id(format!("g{i}"))
                        .message_body(serde_json::to_string(group)?)
                        .build()?,
                );
            }
            let sent = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| format!("SQS SendMessageBatch: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
            if let Some(failed) = sent.failed().first() {
                return Err(format!("SQS refused {} message(s): {}", sent.failed().len(), failed.code()).into());
            }
        }
        Ok(())
    }
}
