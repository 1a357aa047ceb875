//! In-memory twins of the ports, for tests and benchmarks (crate feature `test-util`): each keeps
//! the semantics the use cases rely on — conditional reservations, at most one record per
//! subscription and entry, scripted send outcomes — without a service. The AWS adapters are tested
//! against `moto_server`; use cases are tested here, branch by branch.

mod channel;
mod clock;
mod deliveries;
mod queue;
mod run_markers;
mod secrets;
mod site;
mod subscriptions;

pub use channel::{MemoryMailer, Script};
pub use clock::ManualClock;
pub use deliveries::{MemoryDeliveries, Record};
pub use queue::MemoryQueue;
pub use run_markers::MemoryRunMarkers;
pub use secrets::MemorySecrets;
pub use site::MemorySite;
pub use subscriptions::{MemoryState, MemorySubscriptions};

/// The recipient source twin (also used by the API for one family's mail of the day).
pub use crate::domain::plan::MemoryRecipients;
