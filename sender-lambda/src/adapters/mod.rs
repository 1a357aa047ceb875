//! The adapters, by service: DynamoDB (subscriptions, deliveries, run markers, tables), SES (the mail
//! channel: MIME composition and sending), SQS (the group queue), the published site (a local
//! directory or S3), Secrets Manager and the LINE Messaging API (`line`). Each implements a port of
//! `crate::ports`; `memory` holds their in-memory twins for tests (feature `test-util`).

pub mod dynamo;
pub mod line;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod secrets_manager;
pub mod ses;
pub mod site;
pub mod sqs;
