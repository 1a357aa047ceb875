//! # kizuna-sender — the daily delivery of Kizuna's stage-based mails
//!
//! The sender reads the municipalities' `schedule.json` (written by the generator, typed by
//! `kizuna-schedule`), finds the subscriptions that receive something on a Japan date and sends each
//! of them exactly one mail, at most once per entry, ever; it also runs the subscription API, applies
//! SES feedback and keeps the subscriptions' lifecycle.
//!
//! The folders show the design (ports and adapters); dependencies point inwards only:
//!
//! | folder | responsibility |
//! | --- | --- |
//! | [`domain`] | plain values and pure rules: the stored vocabulary (statuses, stop reasons, transitions, channels), addresses, due/birth dates, signed links and keyed hashes, the day's planning |
//! | [`ports`] | one small trait per thing a use case needs: recipients, deliveries, subscriptions, run markers, the group queue, the published site, secrets, and the delivery **channel** |
//! | [`use_cases`] | the daily run and the worker's group, the delivery state machine, lifecycle jobs, SES feedback, import, repair, metrics |
//! | [`adapters`] | the ports over services: `dynamo/`, `ses/` (the mail channel), `sqs`, `site/` (local directory or S3), `secrets_manager` |
//! | [`http`] | the subscription API: router, input parsing, pages, responses, the local server |
//! | [`lambdas`] | the thin Lambda entry points (delivery, API, SES events) |
//! | [`demo`] | the one-machine demo (archive, API and mailbox on one origin), not used by the Lambdas |
//! | [`settings`] | the `KIZUNA_*` settings, each also a command-line flag, and the secrets they name |
//!
//! The operator CLI (`src/main.rs` and `src/cli/`) is the binary's own code.

pub mod adapters;
pub mod demo;
pub mod domain;
pub mod http;
pub mod lambdas;
pub mod ports;
pub mod settings;
pub mod use_cases;

/// The error type adapters return through the traits: any error, sendable across tasks.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
