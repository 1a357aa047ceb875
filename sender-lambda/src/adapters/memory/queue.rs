//! The group-queue twin: keeps what was sent, in order.

use std::sync::Mutex;

use crate::ports::group_queue::{GroupMessage, GroupQueue};
use crate::BoxError;

/// Group messages in memory.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    sent: Mutex<Vec<GroupMessage>>,
}

impl MemoryQueue {
    /// Every message sent so far.
    pub fn sent(&self) -> Vec<GroupMessage> {
        self.sent.lock().expect("lock").clone()
    }
}

impl GroupQueue for MemoryQueue {
    async fn send(&self, groups: &[GroupMessage]) -> Result<(), BoxError> {
        self.sent.lock().map_err(|_| "poisoned")?.extend_from_slice(groups);
        Ok(())
    }
}
