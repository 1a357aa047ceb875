//! # kizuna-sender — the daily delivery of Kizuna's stage-based mails
//!
//! The sender reads the municipalities' `schedule.json` (written by the generator, typed by
//! `kizuna-schedule`), finds the subscriptions that receive something on a Japan date and sends each
//! of them exactly one mail, at most once per entry, ever.
//!
//! It is a pipeline of plain values behind small traits, with the AWS adapters at the edge:
//!
//! - [`model`]: subscriptions and deliveries as stored in DynamoDB (keys, statuses, attributes);
//! - [`tables`]: the DynamoDB table definitions, in one place (the CLI creates them, the
//!   infrastructure template is checked against them);
//! - [`schedules`]: loading `<dir>/<muni>/schedule.json`, the mail shell and hash-checked sections;
//! - [`plan`]: pure planning — date + schedule + [`plan::RecipientSource`] → one mail per subscription;
//! - [`links`]: signed unsubscribe / manage tokens and the keyed e-mail hash;
//! - [`compose`]: the raw MIME of one mail (shell + sections, markers filled and escaped per part);
//! - [`deliver`]: reservation ([`deliver::DeliveryStore`]), sending ([`deliver::Mailer`]), rate and retries;
//! - [`dynamo`] and [`ses`]: the DynamoDB and SESv2 adapters;
//! - [`import`]: validating and importing subscribers from CSV;
//! - [`run`]: one day's run over every municipality, as used by the CLI (and the Lambda handler);
//! - [`settings`]: the `KIZUNA_*` settings, each also a command-line flag.

pub mod api;
pub mod compose;
pub mod deliver;
pub mod delivery_handler;
pub mod dynamo;
pub mod fanout;
pub mod import;
pub mod lifecycle;
pub mod links;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod run;
pub mod runs;
pub mod schedules;
pub mod secrets;
pub mod ses;
pub mod ses_events;
pub mod settings;
pub mod subscriptions;
pub mod tables;

/// The error type adapters return through the traits: any error, sendable across tasks.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
