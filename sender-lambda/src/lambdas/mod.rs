//! The thin Lambda entry points: each turns its event into a use case call over the production
//! adapters (`src/bin/*.rs` only start the runtime with them).

pub mod api;
pub mod delivery;
pub mod ses_events;
