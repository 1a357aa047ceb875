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
//! - [`dynamo`] and [`ses`]: the DynamoDB and SESv2 adapters (their shared attribute helpers are in
//!   the private `attributes` module);
//! - [`import`]: validating and importing subscribers from CSV; [`repair`]: repairing tables
//!   written by older versions;
//! - [`address`] and [`anchor_date`]: the e-mail address and due/birth date rules shared by the
//!   sign-up API and the import;
//! - [`run`]: one day's run over every municipality, as used by the CLI (and the Lambda handler);
//! - [`runs`]: durable run markers, so the hourly planner repairs missed runs and never redoes one;
//! - [`fanout`]: the SQS messages between the hourly planner and the delivery workers;
//! - [`delivery_handler`]: the delivery Lambda (hourly planner, SQS worker, lifecycle jobs);
//! - [`metrics`]: CloudWatch Embedded Metric Format lines per run;
//! - [`subscriptions`], [`api`], [`ses_events`], [`lifecycle`]: the subscription lifecycle — its
//!   DynamoDB operations, the HTTP API (and its local adapter, `api::local`), SES bounces and complaints, and the daily expiry jobs;
//! - [`secrets`]: link and hash keys from Secrets Manager at start-up;
//! - [`settings`]: the `KIZUNA_*` settings, each also a command-line flag;
//! - [`demo`]: the one-machine demo (archive, API and mailbox on one origin), not used by the Lambdas.

pub mod address;
pub mod anchor_date;
pub mod api;
mod attributes;
pub mod compose;
pub mod deliver;
pub mod delivery_handler;
pub mod demo;
pub mod dynamo;
pub mod fanout;
pub mod import;
pub mod lifecycle;
pub mod links;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod repair;
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
// Until the sender's new layout (issue 14) lands, the LINE modules are reached from here, at the
// paths the layout gives them (`adapters/line/`, `adapters/dynamo/line_state.rs`, `use_cases/`).
/// Adapters per external service (the LINE ones, until the layout's `adapters` module arrives).
pub mod adapters {
    pub mod line;
    /// DynamoDB adapters.
    pub mod dynamo {
        pub mod line_state;
    }
}
/// Use cases (the LINE webhook, until the layout's `use_cases` module arrives).
pub mod use_cases {
    pub mod line_webhook;
}
