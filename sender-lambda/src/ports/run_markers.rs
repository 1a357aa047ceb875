//! The run-markers port: one durable marker per municipality and Japan date, so the hourly planner
//! repairs missed runs, never redoes a finished one, and knows which groups are done.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use crate::BoxError;

/// One (municipality, date) run as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunState {
    /// Every planned group is done.
    pub complete: bool,
    /// The planned group ids.
    pub groups: BTreeSet<String>,
    /// The finished group ids.
    pub done: BTreeSet<String>,
    /// The last heartbeat, as stored (RFC 3339).
    pub updated_at: String,
}

impl RunState {
    /// When the run last made progress.
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.updated_at).ok().map(|t| t.with_timezone(&Utc))
    }
}

/// Where run markers live ([`crate::adapters::dynamo::run_markers::DynamoRuns`] in production).
pub trait RunMarkers {
    /// The markers of a municipality's runs between two dates (both included).
    fn runs(
        &self,
        municipality: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> impl Future<Output = Result<BTreeMap<NaiveDate, RunState>, BoxError>> + Send;
    /// Starts (or takes over a stale) run with its groups; `false` when another run holds it.
    fn start(
        &self,
        municipality: &str,
        date: NaiveDate,
        groups: &[String],
        build: &str,
        previous: Option<&str>,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// Records a group as done; `true` when this call recorded it.
    fn group_done(
        &self,
        municipality: &str,
        date: NaiveDate,
        group: &str,
    ) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// Keeps a running run from looking stale.
    fn heartbeat(&self, municipality: &str, date: NaiveDate) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Marks a run complete.
    fn complete(&self, municipality: &str, date: NaiveDate) -> impl Future<Output = Result<(), BoxError>> + Send;
}
