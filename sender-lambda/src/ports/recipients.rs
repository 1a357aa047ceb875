//! The recipients port: the active subscriptions of a municipality and anchor kind whose anchor
//! lies in a range, in anchor order, read whole or a page at a time.

use std::future::Future;

use kizuna_schedule::{AnchorKind, DateRange};

use crate::domain::model::Recipient;
use crate::BoxError;

/// One read of the `by_anchor` index: a municipality, an anchor kind and an inclusive date range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecipientQuery {
    /// The municipality id.
    pub municipality: String,
    /// Due or birth.
    pub kind: AnchorKind,
    /// The anchor dates to read, both ends included.
    pub range: DateRange,
}

/// Where recipients come from: the active subscriptions of a municipality and anchor kind whose
/// anchor lies in a range, in anchor order. Implemented over DynamoDB by
/// [`crate::adapters::dynamo::DynamoRecipients`] and in memory by [`crate::domain::plan::MemoryRecipients`].
pub trait RecipientSource {
    /// Every active subscription matching the query (the implementation pages as needed).
    fn recipients(&self, query: &RecipientQuery) -> impl Future<Output = Result<Vec<Recipient>, BoxError>> + Send;

    /// One page of at most `limit` recipients of the query whose `by_anchor` sort key
    /// ([`Recipient::cursor`]) comes after `after`, with the cursor of the next page if there may
    /// be one. This default reads the whole query; the adapters read one page.
    fn page(
        &self,
        query: &RecipientQuery,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<RecipientPage, BoxError>> + Send
    where
        Self: Sync,
    {
        let after = after.map(str::to_owned);
        let limit = limit.max(1);
        async move {
            let all = self.recipients(query).await?;
            let mut rest: Vec<Recipient> =
                all.into_iter().filter(|r| after.as_deref().is_none_or(|a| r.cursor().as_str() > a)).collect();
            let more = rest.len() > limit;
            rest.truncate(limit);
            let next = if more { rest.last().map(Recipient::cursor) } else { None };
            Ok(RecipientPage { calls: 1, recipients: rest, next })
        }
    }
}

/// One page of recipients ([`RecipientSource::page`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecipientPage {
    /// The recipients, in `by_anchor` order.
    pub recipients: Vec<Recipient>,
    /// Where the next page starts (exclusive), or `None` at the end.
    pub next: Option<String>,
    /// Query calls made for this page.
    pub calls: usize,
}
