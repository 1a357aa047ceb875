//! The counters port: what a report reads ([`kizuna_reports::counters::read_ranges`]) for one
//! municipality, parsed into a [`Ledger`], with how many items were read (the benchmark's measure).
//! DynamoDB in production ([`crate::adapters::dynamo::counters::DynamoCounters`]); tests may use
//! [`kizuna_reports::ledger::MemoryCounters`] through the impl below.

use std::future::Future;

use kizuna_reports::ledger::{Ledger, MemoryCounters};
use kizuna_reports::Month;
use kizuna_schedule::TrackId;

use crate::BoxError;

/// Where the report counters are read from.
pub trait CounterSource {
    /// The ledger a report of `from`…`to` needs for a municipality that enabled `enabled`, made in
    /// the month `now` (nothing changed after it), and how many counter items it took.
    fn ledger(
        &self,
        municipality: &str,
        from: Month,
        to: Month,
        enabled: &[TrackId],
        now: Month,
    ) -> impl Future<Output = Result<(Ledger, usize), BoxError>> + Send;
}

impl CounterSource for MemoryCounters {
    async fn ledger(
        &self,
        municipality: &str,
        from: Month,
        to: Month,
        enabled: &[TrackId],
        now: Month,
    ) -> Result<(Ledger, usize), BoxError> {
        let items = self.report_items(municipality, from, to, enabled, now);
        let read = items.len();
        Ok((Ledger::from_items(items)?, read))
    }
}
