//! The sender's integration tests as one test binary, one module per subject.
//!
//! Every test binary links the whole crate with the AWS SDK (about 200 MB): one binary links once
//! instead of once per file (docs/benchmarks.md, "Sender redesign", has the times). Each test that
//! needs a service starts its own (`moto_server`, the LINE stand-in) on a free port, and no test
//! sets an environment variable of this process, so sharing it changes nothing. A new test file
//! belongs here as a module.

// `tests/api_logs.rs` stays a binary of its own: it reads the logs through a subscriber set for its
// thread only, and tracing caches a log line's interest process-wide, so another test's thread
// that reaches the same line first (with no subscriber) hides it from that test.

// The helpers stay beside this folder, as the generator's do.
#[path = "../api_support/mod.rs"]
mod api_support;
#[path = "../common/mod.rs"]
mod common;
#[path = "../line_support/mod.rs"]
mod line_support;

mod api;
mod api_malformed;
mod api_pages;
mod cli;
mod contract;
mod delivery;
mod delivery_state;
mod import_uniqueness;
mod infra_tables;
mod lambda;
mod lifecycle;
mod line_client;
mod line_daily;
mod line_delivery;
mod line_webhook;
mod local_api;
mod local_serve;
mod planning;
mod reports;
mod reports_backfill;
mod reports_surveys;
mod ses_events;
mod surveys;
mod surveys_towns;
mod throttling;
