//! The use cases, each over the ports (`crate::ports`): one day's run and the worker's group, the
//! delivery state machine, the lifecycle jobs, SES feedback, the subscriber import, repairs of
//! older tables and the run metrics.

pub mod daily_run;
pub mod delivery;
pub mod delivery_counts;
pub mod import;
pub mod lifecycle;
pub mod line_webhook;
pub mod metrics;
pub mod repair;
pub mod reports;
pub mod run_summary;
pub mod ses_feedback;
pub mod surveys;
