//! Fan-out through SQS: the hourly planner sends one [`GroupMessage`] per (municipality, date,
//! merged anchor range); workers deliver a group and, when their deadline comes, send its rest as a
//! continuation (the same group with a cursor), so no worker ever needs more than its time.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use chrono::NaiveDate;
use kizuna_schedule::{AnchorKind, DateRange};
use serde::{Deserialize, Serialize};

use crate::plan::RecipientQuery;
use crate::BoxError;

/// One group of recipients to deliver: a municipality, a Japan date and one merged anchor range of
/// one anchor kind, optionally resumed after a `by_anchor` sort key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMessage {
    /// The municipality id.
    pub municipality: String,
    /// The Japan delivery date.
    pub date: NaiveDate,
    /// `due` or `birth`.
    pub kind: AnchorKind,
    /// First anchor date of the range.
    pub start: NaiveDate,
    /// Last anchor date of the range.
    pub end: NaiveDate,
    /// Resume after this `by_anchor` sort key (a continuation); `None` from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl GroupMessage {
    /// The group of one query of a day.
    pub fn new(date: NaiveDate, query: &RecipientQuery) -> Self {
        GroupMessage {
            municipality: query.municipality.clone(),
            date,
            kind: query.kind,
            start: query.range.start,
            end: query.range.end,
            after: None,
        }
    }

    /// The group id recorded in the run marker: `<kind>:<start>..<end>` (no personal data).
    pub fn group_id(&self) -> String {
        format!("{}:{}..{}", self.kind.as_str(), self.start, self.end)
    }

    /// The recipient query of the group, or `None` if the range is inverted.
    pub fn query(&self) -> Option<RecipientQuery> {
        Some(RecipientQuery {
            municipality: self.municipality.clone(),
            kind: self.kind,
            range: DateRange::new(self.start, self.end)?,
        })
    }
}

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

    /// Sends groups, ten per `SendMessageBatch`; fails if any is not accepted.
    pub async fn send(&self, groups: &[GroupMessage]) -> Result<(), BoxError> {
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
