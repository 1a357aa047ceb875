//! The clock port: where "now" comes from when a worker checks its deadline. The Lambda reads
//! tokio's clock; tests hold a clock they move themselves (`adapters::memory::ManualClock`), so
//! that "the deadline came" happens at a point the test chooses, not after so many wall-clock
//! seconds on a loaded machine.

use std::fmt::Debug;
use std::sync::Arc;

use tokio::time::Instant;

/// A source of the current instant.
pub trait Clock: Send + Sync + Debug {
    /// Now, on this clock.
    fn now(&self) -> Instant;
}

/// tokio's clock (the real one, or the paused one of a `tokio::time::pause` test).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The instant after which no mail starts (a worker's deadline less its margin), read on a clock.
#[derive(Clone, Debug)]
pub struct Deadline {
    at: Instant,
    clock: Arc<dyn Clock>,
}

impl Deadline {
    /// `at` on tokio's clock.
    pub fn at(at: Instant) -> Self {
        Deadline { at, clock: Arc::new(TokioClock) }
    }

    /// `at` on `clock`.
    pub fn on(clock: Arc<dyn Clock>, at: Instant) -> Self {
        Deadline { at, clock }
    }

    /// Whether the deadline has come.
    pub fn passed(&self) -> bool {
        self.clock.now() >= self.at
    }
}

/// Whether an optional deadline has come (none never comes).
pub fn passed(deadline: Option<&Deadline>) -> bool {
    deadline.is_some_and(Deadline::passed)
}
