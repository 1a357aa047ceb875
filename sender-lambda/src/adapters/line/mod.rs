//! The LINE channel: each municipality's own LINE Official Account through the Messaging API.
//!
//! - [`client`]: the HTTP client (stateless tokens, push with `X-Line-Retry-Key`, reply) and the
//!   classification of LINE's errors (rate vs monthly quota 429, 5xx, 4xx, in doubt);
//! - [`channels`]: per-municipality credentials from Secrets Manager, cached tokens, one pacer per
//!   channel;
//! - [`push`]: the delivery [`crate::ports::channel::Channel`] of the daily push (render the
//!   day's payloads as one push, send it with the reservation's retry key);
//! - [`webhook`]: the `x-line-signature` check over the raw body and the events Kizuna handles.
//!
//! Tests run against the stand-in in `scripts/line-standin/` (the official SDK's models validate
//! every request), never against a mock.

pub mod channels;
pub mod client;
pub mod push;
pub mod webhook;
