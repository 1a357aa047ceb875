//! The deliveries twin: records per (subscription, entry), reserved only while the subscription
//! is active with the planned `anchor_version` — the condition the DynamoDB transaction checks.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::domain::model::DeliveryStatus;
use crate::ports::deliveries::{DeliveryStore, Reservation, ReserveOutcome, ReserveRequest, RETRY_KEY_VALID_FOR};
use crate::ports::store_error::StoreError;
use crate::BoxError;

/// One delivery record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Sending, sent or failed.
    pub status: DeliveryStatus,
    /// The provider's message id once sent.
    pub message_id: Option<String>,
    /// The error code once failed.
    pub error_code: Option<String>,
    /// When the record was last written.
    pub updated_at: DateTime<Utc>,
}

/// A retry key and when it was stored.
type StoredKey = (String, DateTime<Utc>);

/// Delivery records in memory, with the subscription check of each reservation.
#[derive(Debug, Default)]
pub struct MemoryDeliveries {
    records: Mutex<BTreeMap<(String, String), Record>>,
    /// Subscriptions the check knows: id → anchor version while active. `None`: every
    /// reservation passes the check (benchmarks with a million subscriptions).
    live: Mutex<Option<HashMap<String, u64>>>,
    failing_reservations: AtomicUsize,
    stale_after: Option<chrono::Duration>,
    /// The report counters the runs added to, as the DynamoDB store keeps them.
    counters: Mutex<kizuna_reports::ledger::MemoryCounters>,
    /// Retry keys stored with keyed reservations, and when they were reserved.
    keys: Mutex<HashMap<(String, String), StoredKey>>,
}

impl MemoryDeliveries {
    /// Records without a subscription check.
    pub fn new() -> Self {
        MemoryDeliveries::default()
    }

    /// Records whose reservations check the subscriptions registered with [`Self::activate`].
    pub fn checked() -> Self {
        MemoryDeliveries { live: Mutex::new(Some(HashMap::new())), ..MemoryDeliveries::default() }
    }

    /// Reports records left `sending` longer than this (as the DynamoDB store does after an hour).
    pub fn with_stale_after(mut self, after: chrono::Duration) -> Self {
        self.stale_after = Some(after);
        self
    }

    /// The subscription is active with this anchor version.
    pub fn activate(&self, id: &str, anchor_version: u64) {
        if let Some(live) = self.live.lock().expect("lock").as_mut() {
            live.insert(id.to_owned(), anchor_version);
        }
    }

    /// The subscription is no longer active (stopped, unsubscribed, bounced …).
    pub fn deactivate(&self, id: &str) {
        if let Some(live) = self.live.lock().expect("lock").as_mut() {
            live.remove(id);
        }
    }

    /// The next `count` reservations fail as a service error would.
    pub fn fail_reservations(&self, count: usize) {
        self.failing_reservations.store(count, Ordering::SeqCst);
    }

    /// Puts a record as an earlier run left it (e.g. `sending` since some time).
    pub fn insert(&self, id: &str, entry: &str, record: Record) {
        self.records.lock().expect("lock").insert((id.to_owned(), entry.to_owned()), record);
    }

    /// The record of a subscription and entry.
    pub fn record(&self, id: &str, entry: &str) -> Option<Record> {
        self.records.lock().expect("lock").get(&(id.to_owned(), entry.to_owned())).cloned()
    }

    /// Every record, by (subscription, entry).
    pub fn records(&self) -> BTreeMap<(String, String), Record> {
        self.records.lock().expect("lock").clone()
    }

    fn reserve_now(&self, request: &ReserveRequest<'_>) -> Result<Reservation, BoxError> {
        let failing = self.failing_reservations.load(Ordering::SeqCst);
        if failing > 0 {
            self.failing_reservations.store(failing - 1, Ordering::SeqCst);
            return Err(StoreError::Service("InternalServerError: injected".to_owned()).into());
        }
        let id = &request.recipient.subscription_id;
        let live = self.live.lock().map_err(|_| "poisoned")?;
        if let Some(live) = live.as_ref() {
            if live.get(id) != Some(&request.recipient.anchor_version) {
                return Ok(ReserveOutcome::Refused.into());
            }
        }
        let mut records = self.records.lock().map_err(|_| "poisoned")?;
        let now = Utc::now();
        let stale_sending = request
            .entries
            .iter()
            .filter(|entry| {
                records.get(&(id.clone(), (*entry).clone())).is_some_and(|record| {
                    record.status == DeliveryStatus::Sending
                        && self.stale_after.is_some_and(|after| record.updated_at <= now - after)
                })
            })
            .cloned()
            .collect();
        let mut keys = self.keys.lock().map_err(|_| "poisoned")?;
        // As the DynamoDB store: a keyed delivery left in doubt is reserved again with its key.
        if request.retry_key.is_some() {
            let mut resumed: Vec<String> = Vec::new();
            let mut resumed_key: Option<String> = None;
            for entry in &request.entries {
                let at = (id.clone(), entry.clone());
                let sending = records.get(&at).is_some_and(|r| r.status == DeliveryStatus::Sending);
                let Some((key, since)) = keys.get(&at).filter(|_| sending) else { continue };
                if *since > now - RETRY_KEY_VALID_FOR && resumed_key.as_ref().is_none_or(|r| r == key) {
                    resumed_key = Some(key.clone());
                    resumed.push(entry.clone());
                }
            }
            if !resumed.is_empty() {
                let outcome = ReserveOutcome::Reserved(resumed);
                return Ok(Reservation { outcome, stale_sending: Vec::new(), retry_key: resumed_key });
            }
        }
        let free: Vec<String> =
            request.entries.iter().filter(|e| !records.contains_key(&(id.clone(), (*e).clone()))).cloned().collect();
        if free.is_empty() {
            return Ok(Reservation { outcome: ReserveOutcome::AlreadySent, stale_sending, retry_key: None });
        }
        for entry in &free {
            let record =
                Record { status: DeliveryStatus::Sending, message_id: None, error_code: None, updated_at: now };
            records.insert((id.clone(), entry.clone()), record);
            if let Some(key) = request.retry_key {
                keys.insert((id.clone(), entry.clone()), (key.to_owned(), now));
            }
        }
        let retry_key = request.retry_key.map(str::to_owned);
        Ok(Reservation { outcome: ReserveOutcome::Reserved(free), stale_sending, retry_key })
    }

    fn update(&self, id: &str, entries: &[String], status: DeliveryStatus, value: &str) -> Result<(), BoxError> {
        let mut records = self.records.lock().map_err(|_| "poisoned")?;
        for entry in entries {
            let key = (id.to_owned(), entry.clone());
            let Some(record) = records.get_mut(&key).filter(|r| r.status == DeliveryStatus::Sending) else {
                return Err(StoreError::Conflict(format!("record {entry} is not `sending`")).into());
            };
            record.status = status;
            record.updated_at = Utc::now();
            match status {
                DeliveryStatus::Sent => record.message_id = Some(value.to_owned()),
                _ => record.error_code = Some(value.to_owned()),
            }
        }
        Ok(())
    }
}

impl DeliveryStore for MemoryDeliveries {
    async fn count(&self, update: &kizuna_reports::counters::CounterUpdate) -> Result<(), BoxError> {
        self.counters.lock().map_err(|_| "poisoned")?.apply([update.clone()]);
        Ok(())
    }

    async fn reserve(&self, request: &ReserveRequest<'_>) -> Result<Reservation, BoxError> {
        self.reserve_now(request)
    }

    async fn mark_sent(&self, id: &str, entries: &[String], message_id: &str) -> Result<(), BoxError> {
        self.update(id, entries, DeliveryStatus::Sent, message_id)
    }

    async fn mark_failed(&self, id: &str, entries: &[String], code: &str) -> Result<(), BoxError> {
        self.update(id, entries, DeliveryStatus::Failed, code)
    }

    async fn release(&self, id: &str, entries: &[String]) -> Result<(), BoxError> {
        let mut records = self.records.lock().map_err(|_| "poisoned")?;
        for entry in entries {
            let key = (id.to_owned(), entry.clone());
            if records.get(&key).is_some_and(|r| r.status == DeliveryStatus::Sending) {
                records.remove(&key);
            }
        }
        Ok(())
    }
}
