//! The report counters in DynamoDB (docs/reports.md): `pk = COUNT#<municipality>` items in the
//! *deliveries* table, beside the run markers (`RUN#…`) and the delivery records (`SUB#…`), so no
//! deployment needs another table. The model — which item and attribute a transition adds to — is
//! `kizuna_reports::counters`; here it only becomes `Update` actions, appended to the transition's
//! own `TransactWriteItems`, and the report's Queries.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use kizuna_reports::counters::{counter_pk, CounterItem, CounterUpdate, Ledger};
use kizuna_reports::ledger::Reading;

use crate::adapters::dynamo::attributes::{n, s, sdk_error};
use crate::adapters::dynamo::keys::{PK, SK};
use crate::BoxError;

/// The `ADD` expression of one counter update: (expression, names, values).
fn add_expression(update: &CounterUpdate) -> (String, HashMap<String, String>, HashMap<String, AttributeValue>) {
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut parts = Vec::with_capacity(update.adds.len());
    for (index, (name, amount)) in update.adds.iter().enumerate() {
        parts.push(format!("#a{index} :v{index}"));
        names.insert(format!("#a{index}"), name.clone());
        values.insert(format!(":v{index}"), n(amount));
    }
    (format!("ADD {}", parts.join(", ")), names, values)
}

/// One counter update as a transaction action: `ADD` of every attribute (the first count creates
/// the item).
pub fn counter_action(table: &str, update: &CounterUpdate) -> Result<TransactWriteItem, BoxError> {
    let (expression, names, values) = add_expression(update);
    let action = Update::builder()
        .table_name(table)
        .key(PK, s(&update.pk))
        .key(SK, s(&update.sk))
        .update_expression(expression)
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()?;
    Ok(TransactWriteItem::builder().update(action).build())
}

/// Adds counts outside a transaction: the run's delivery counts, added once its sends are recorded.
pub async fn add_counts(client: &Client, table: &str, updates: &[CounterUpdate]) -> Result<(), BoxError> {
    for update in updates {
        let (expression, names, values) = add_expression(update);
        client
            .update_item()
            .table_name(table)
            .key(PK, s(&update.pk))
            .key(SK, s(&update.sk))
            .update_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(sdk_error)?;
    }
    Ok(())
}

/// Reads what a report needs for one municipality: paged Queries of the ranges and keys
/// [`Reading::ranges`] names, never a Scan. Returns the parsed ledger and how many items were read.
pub async fn read_ledger(client: &Client, table: &str, reading: Reading<'_>) -> Result<(Ledger, usize), BoxError> {
    let pk = counter_pk(reading.municipality);
    let mut items = Vec::new();
    // One Query per key: BatchGetItem would save round trips, but the reports role may Query only.
    for (first, last) in reading.ranges() {
        let mut start = None;
        loop {
            let page = client
                .query()
                .table_name(table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :first AND :last")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":first", s(&first))
                .expression_attribute_values(":last", s(&last))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                items.push(counter_item(item)?);
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
    }
    let read = items.len();
    Ok((Ledger::from_items(items)?, read))
}

fn counter_item(item: &HashMap<String, AttributeValue>) -> Result<CounterItem, BoxError> {
    let sk = item.get(SK).and_then(|v| v.as_s().ok()).ok_or("a counter item without a sort key")?.clone();
    let mut values = BTreeMap::new();
    for (name, value) in item.iter().filter(|(name, _)| *name != PK && *name != SK) {
        let number = value.as_n().map_err(|_| format!("counter {sk}: {name} is not a number"))?;
        let parsed = number.parse().map_err(|_| format!("counter {sk}: {name} = {number} is not a count"))?;
        values.insert(name.clone(), parsed);
    }
    Ok(CounterItem { sk, values })
}

/// The counters a report reads, in DynamoDB.
#[derive(Clone, Debug)]
pub struct DynamoCounters {
    client: Client,
    table: String,
}

impl DynamoCounters {
    /// The counters in `table` (the deliveries table).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoCounters { client, table: table.into() }
    }
}

impl crate::ports::counters::CounterSource for DynamoCounters {
    async fn ledger(&self, reading: Reading<'_>) -> Result<(Ledger, usize), BoxError> {
        read_ledger(&self.client, &self.table, reading).await
    }
}
