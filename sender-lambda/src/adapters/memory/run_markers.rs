//! The run-markers twin: one marker per (municipality, date), started only once unless the caller
//! names the heartbeat it saw, complete when every planned group is done.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::{NaiveDate, SecondsFormat, Utc};

use crate::ports::run_markers::{RunMarkers, RunState};
use crate::ports::store_error::StoreError;
use crate::BoxError;

/// Run markers in memory.
#[derive(Debug, Default)]
pub struct MemoryRunMarkers {
    runs: Mutex<BTreeMap<(String, NaiveDate), RunState>>,
}

impl MemoryRunMarkers {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<(String, NaiveDate), RunState>) -> T) -> Result<T, BoxError> {
        Ok(f(&mut *self.runs.lock().map_err(|_| "poisoned")?))
    }
}

fn now() -> String {
    // Nanoseconds, so two heartbeats in one test never look the same.
    Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true)
}

impl RunMarkers for MemoryRunMarkers {
    async fn runs(
        &self,
        municipality: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, RunState>, BoxError> {
        self.with(|runs| {
            runs.iter()
                .filter(|((muni, date), _)| muni == municipality && (first..=last).contains(date))
                .map(|((_, date), state)| (*date, state.clone()))
                .collect()
        })
    }

    async fn start(
        &self,
        municipality: &str,
        date: NaiveDate,
        groups: &[String],
        _build: &str,
        previous: Option<&str>,
    ) -> Result<bool, BoxError> {
        self.with(|runs| {
            let key = (municipality.to_owned(), date);
            let allowed = match (runs.get(&key), previous) {
                (None, None) => true,
                (Some(state), Some(previous)) => state.updated_at == previous && !state.complete,
                _ => false,
            };
            if allowed {
                let groups: BTreeSet<String> = groups.iter().cloned().collect();
                let done = runs.get(&key).map(|state| state.done.clone()).unwrap_or_default();
                let complete = groups.is_empty();
                runs.insert(key, RunState { complete, groups, done, updated_at: now() });
            }
            allowed
        })
    }

    async fn group_done(&self, municipality: &str, date: NaiveDate, group: &str) -> Result<bool, BoxError> {
        self.with(|runs| {
            let state = runs
                .get_mut(&(municipality.to_owned(), date))
                .ok_or_else(|| StoreError::NotFound(format!("run marker {municipality} {date}")))?;
            state.done.insert(group.to_owned());
            state.updated_at = now();
            state.complete = state.groups.is_subset(&state.done);
            Ok::<_, BoxError>(state.complete)
        })?
    }

    async fn heartbeat(&self, municipality: &str, date: NaiveDate) -> Result<(), BoxError> {
        self.with(|runs| {
            if let Some(state) = runs.get_mut(&(municipality.to_owned(), date)) {
                state.updated_at = now();
            }
        })
    }

    async fn complete(&self, municipality: &str, date: NaiveDate) -> Result<(), BoxError> {
        self.with(|runs| {
            let state = runs.entry((municipality.to_owned(), date)).or_insert_with(|| RunState {
                complete: true,
                groups: BTreeSet::new(),
                done: BTreeSet::new(),
                updated_at: now(),
            });
            state.complete = true;
        })
    }
}
