//! The clock twin: tokio's clock plus an offset the test moves forward, so a test can make a
//! worker's deadline come at a chosen moment (say, after the tenth mail) whatever the machine's load.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::ports::clock::Clock;

/// tokio's clock, ahead by what [`ManualClock::advance`] added.
#[derive(Debug, Default)]
pub struct ManualClock {
    ahead: Mutex<Duration>,
}

impl ManualClock {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        // A poisoned lock only means another test thread panicked; the offset is still valid.
        let mut ahead = self.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *ahead += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let ahead = *self.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Instant::now() + ahead
    }
}
