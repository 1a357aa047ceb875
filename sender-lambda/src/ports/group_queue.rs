//! The group-queue port: the messages between the hourly planner and the delivery workers — one
//! per (municipality, date, anchor kind, anchor range), resumable after a cursor.

use std::future::Future;

use chrono::NaiveDate;
use kizuna_schedule::{AnchorKind, DateRange};
use serde::{Deserialize, Serialize};

use crate::ports::recipients::RecipientQuery;
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

/// Where group messages go ([`crate::adapters::sqs::SqsQueue`] in production).
pub trait GroupQueue {
    /// Enqueues groups (in batches as the service allows).
    fn send(&self, groups: &[GroupMessage]) -> impl Future<Output = Result<(), BoxError>> + Send;
}
