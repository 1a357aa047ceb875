//! The counters port: what a report reads ([`kizuna_reports::counters::read_ranges`]) for one
//! municipality, parsed into a [`Ledger`], with how many items were read (the benchmark's measure).
//! DynamoDB in production ([`crate::adapters::dynamo::counters::DynamoCounters`]); tests may use
//! [`kizuna_reports::ledger::MemoryCounters`] through the impl below.

use std::future::Future;

use kizuna_reports::ledger::{Ledger, MemoryCounters, Reading};

use crate::BoxError;

/// Where the report counters are read from.
pub trait CounterSource {
    /// The ledger `reading` describes (a municipality's months, as of the current month), and how
    /// many counter items it took.
    fn ledger(&self, reading: Reading<'_>) -> impl Future<Output = Result<(Ledger, usize), BoxError>> + Send;
}

impl CounterSource for MemoryCounters {
    async fn ledger(&self, reading: Reading<'_>) -> Result<(Ledger, usize), BoxError> {
        let items = self.report_items(&reading);
        let read = items.len();
        Ok((Ledger::from_items(items)?, read))
    }
}
