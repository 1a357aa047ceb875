//! The adapters, by service: DynamoDB (subscriptions, deliveries, run markers, tables), SES (the mail
//! channel: MIME composition and sending), SQS (the group queue), the published site (a local
//! directory or S3) and Secrets Manager. Each implements a port of `crate::ports`.

pub mod dynamo;
pub mod secrets_manager;
pub mod ses;
pub mod site;
pub mod sqs;
