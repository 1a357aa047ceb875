//! The ports: one small trait per thing a use case needs from the world. Adapters
//! (`crate::adapters`) implement them over AWS; `crate::adapters::memory` holds in-memory twins
//! for tests. Traits here are stable: add methods or ports, do not rename.

pub mod channel;
pub mod clock;
pub mod counters;
pub mod deliveries;
pub mod group_queue;
pub mod published_site;
pub mod recipients;
pub mod run_markers;
pub mod secrets;
pub mod store_error;
pub mod subscriptions;
pub mod survey_answers;
