//! Run markers: which (municipality, Japan date) runs are planned, how far their groups got, and
//! which are complete — stored durably so the hourly planner repairs a missed or failed run and
//! never redoes a complete one.
//!
//! **Choice**: one item per (municipality, date) in the *deliveries* table, `pk = RUN#<muni>`,
//! `sk = <YYYY-MM-DD>`. Subscription records there are keyed `pk = SUB#<uuid>`, so the two can never
//! collide, and the planner reads every date of a municipality's catch-up window with one Query.
//! Attributes: `groups` (string set of the planned group ids), `done` (string set of the finished
//! ones), `run_status` (`planned` | `complete`), `build`, `planned_at`, `updated_at` (a heartbeat
//! workers refresh) and `expires_at` (TTL, like the delivery records).
//!
//! A run is *complete* when every planned group is done; a group is done when its whole anchor
//! range was delivered with nothing left for a later run (a permanent per-recipient failure is
//! recorded and counts as done; in-doubt records are never resent anyway). A run that is not
//! complete and whose heartbeat is older than [`RUN_STALE_AFTER`] is planned again, for its groups
//! not done; re-sending a group is harmless (each mail is reserved once), only wasted work.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{NaiveDate, Utc};

use crate::adapters::dynamo::attributes::{now_rfc3339, s, Item};
use crate::adapters::dynamo::keys::{DELIVERY_TTL_DAYS, EXPIRES_AT, PK, SK};
use crate::ports::run_markers::RunMarkers;
use crate::ports::run_markers::RunState;
use crate::ports::store_error::StoreError;
use crate::BoxError;

/// How long a planned run may go without progress before the planner plans it again.
pub const RUN_STALE_AFTER: chrono::Duration = chrono::Duration::minutes(50);

/// `RUN#<muni>`: the partition of a municipality's run markers in the deliveries table.
pub fn run_pk(municipality: &str) -> String {
    format!("RUN#{municipality}")
}

fn date_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn set(item: &Item, name: &str) -> BTreeSet<String> {
    item.get(name).and_then(|v| v.as_ss().ok()).map(|v| v.iter().cloned().collect()).unwrap_or_default()
}

fn state_from(item: &Item) -> RunState {
    RunState {
        complete: item.get("run_status").and_then(|v| v.as_s().ok()).is_some_and(|v| v == "complete"),
        groups: set(item, "groups"),
        done: set(item, "done"),
        updated_at: item.get("updated_at").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(),
    }
}

/// An SDK error as a [`StoreError`] naming the operation (`run markers: …`).
fn error<E, R>(what: &str, error: aws_sdk_dynamodb::error::SdkError<E, R>) -> BoxError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let message = format!("{what}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&error));
    let code = match &error {
        aws_sdk_dynamodb::error::SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
        _ => None,
    };
    StoreError::from_code(code.as_deref(), message).into()
}

/// Run markers in the deliveries table.
#[derive(Clone, Debug)]
pub struct DynamoRuns {
    client: Client,
    table: String,
}

impl DynamoRuns {
    /// Markers in the given deliveries table.
    pub fn new(client: Client, deliveries_table: impl Into<String>) -> Self {
        DynamoRuns { client, table: deliveries_table.into() }
    }
}

impl RunMarkers for DynamoRuns {
    /// The runs of a municipality from `first` to `last` (one Query).
    async fn runs(
        &self,
        municipality: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, RunState>, BoxError> {
        let mut runs = BTreeMap::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :first AND :last")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(run_pk(municipality)))
            .expression_attribute_values(":first", s(date_key(first)))
            .expression_attribute_values(":last", s(date_key(last)))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| error("reading run markers", e))?;
            if let Some(date) = item.get(SK).and_then(|v| v.as_s().ok()).and_then(|d| d.parse().ok()) {
                runs.insert(date, state_from(&item));
            }
        }
        Ok(runs)
    }

    /// Records that a run is planned with these groups (none: complete at once). Only if the run is
    /// new or still has the heartbeat `previous` (so two overlapping planners do not both plan it);
    /// `Ok(false)` when another planner got there first.
    async fn start(
        &self,
        municipality: &str,
        date: NaiveDate,
        groups: &[String],
        build: &str,
        previous: Option<&str>,
    ) -> Result<bool, BoxError> {
        let now = now_rfc3339();
        let expires = Utc::now().timestamp() + DELIVERY_TTL_DAYS * 86_400;
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(run_pk(municipality)))
            .key(SK, s(date_key(date)))
            .expression_attribute_names("#st", "run_status")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", s(&now))
            .expression_attribute_values(":build", s(build))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()));
        update = if groups.is_empty() {
            update
                .update_expression("SET #st = :st, planned_at = :now, updated_at = :now, build = :build, #exp = :exp")
                .expression_attribute_values(":st", s("complete"))
        } else {
            update
                .update_expression(
                    "SET #st = :st, planned_at = :now, updated_at = :now, build = :build, #exp = :exp ADD #g :g",
                )
                .expression_attribute_names("#g", "groups")
                .expression_attribute_values(":st", s("planned"))
                .expression_attribute_values(":g", AttributeValue::Ss(groups.to_vec()))
        };
        update = match previous {
            None => update.condition_expression("attribute_not_exists(#pk)").expression_attribute_names("#pk", PK),
            Some(previous) => update
                .condition_expression("updated_at = :prev AND #st <> :complete")
                .expression_attribute_values(":prev", s(previous))
                .expression_attribute_values(":complete", s("complete")),
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(error("recording a planned run", e)),
        }
    }

    /// Records a finished group; returns whether the run is now complete (and marks it so).
    async fn group_done(&self, municipality: &str, date: NaiveDate, group: &str) -> Result<bool, BoxError> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(run_pk(municipality)))
            .key(SK, s(date_key(date)))
            .update_expression("SET updated_at = :now ADD done :g")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":now", s(now_rfc3339()))
            .expression_attribute_values(":g", AttributeValue::Ss(vec![group.to_owned()]))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let item = match updated {
            Ok(output) => output.attributes().cloned().unwrap_or_default(),
            // No marker: a run the CLI started without one; nothing to record.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                return Ok(false)
            }
            Err(e) => return Err(error("recording a finished group", e)),
        };
        let state = state_from(&item);
        if state.complete {
            return Ok(true);
        }
        if !state.groups.is_empty() && state.groups.is_subset(&state.done) {
            self.complete(municipality, date).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Refreshes a run's heartbeat (a worker made progress).
    async fn heartbeat(&self, municipality: &str, date: NaiveDate) -> Result<(), BoxError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(run_pk(municipality)))
            .key(SK, s(date_key(date)))
            .update_expression("SET updated_at = :now")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":now", s(now_rfc3339()))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| {
                if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                    Ok(())
                } else {
                    Err(error("refreshing a run", e))
                }
            })
    }

    /// Marks a run complete (creating the marker if needed).
    async fn complete(&self, municipality: &str, date: NaiveDate) -> Result<(), BoxError> {
        let expires = Utc::now().timestamp() + DELIVERY_TTL_DAYS * 86_400;
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(run_pk(municipality)))
            .key(SK, s(date_key(date)))
            .update_expression("SET #st = :complete, updated_at = :now, #exp = if_not_exists(#exp, :exp)")
            .expression_attribute_names("#st", "run_status")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":complete", s("complete"))
            .expression_attribute_values(":now", s(now_rfc3339()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .send()
            .await
            .map_err(|e| error("completing a run", e))?;
        Ok(())
    }
}
