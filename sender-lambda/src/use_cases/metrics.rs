//! CloudWatch Embedded Metric Format: one JSON line per run (a CLI run, a planner run, a worker
//! invocation) that CloudWatch Logs turns into metrics in the `Kizuna/Sender` namespace, dimension
//! `Run` (`cli`, `planner`, `worker`). The line carries counts only — no personal data.

use serde_json::{json, Map, Value};

use crate::domain::model::Channel;
use crate::use_cases::daily_run::{GroupResult, PlannerSummary, RunSummary};

/// The CloudWatch namespace.
pub const NAMESPACE: &str = "Kizuna/Sender";

/// The counts of one run, as metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunMetrics {
    /// Mails planned.
    pub planned: usize,
    /// Mails SES accepted.
    pub sent: usize,
    /// Mails whose entries were all recorded already.
    pub already_sent: usize,
    /// Mails refused by the subscription condition.
    pub refused: usize,
    /// Mails that failed.
    pub failed: usize,
    /// Of the failed: outcome unknown, left `sending`.
    pub in_doubt: usize,
    /// Records found `sending` for over an hour (reported, not resent).
    pub stale_sending: usize,
    /// Throttled send attempts (retried).
    pub throttled: usize,
    /// Mails left for the continuation at the deadline.
    pub deferred: usize,
    /// Query calls on `by_anchor`.
    pub queries: usize,
    /// Items those queries read.
    pub items_read: usize,
    /// Groups sent to the queue (planner).
    pub groups_enqueued: usize,
    /// Of `planned`: LINE families (pushed by the LINE channel, never mailed).
    pub line_planned: usize,
    /// Per channel: (sent, failed, in doubt) of mail and of LINE.
    pub mail: (usize, usize, usize),
    /// See [`RunMetrics::mail`].
    pub line: (usize, usize, usize),
    /// Municipalities whose LINE run an account-level error stopped (monthly quota, credentials):
    /// the alarm `LineQuotaAlarm` watches it.
    pub line_stops: usize,
}

impl RunMetrics {
    /// Adds a group's counts.
    pub fn add_group(&mut self, group: &GroupResult) {
        self.planned += group.planned;
        self.line_planned += group.line_planned;
        self.line_stops += group.channels_stopped.iter().filter(|(c, _)| *c == Channel::Line).count();
        self.queries += group.queries;
        self.items_read += group.items_read;
        self.add_counts(&group.delivery);
    }

    fn add_counts(&mut self, counts: &crate::use_cases::delivery::DeliveryCounts) {
        self.sent += counts.sent;
        self.already_sent += counts.already_sent;
        self.refused += counts.refused;
        self.failed += counts.failed;
        self.in_doubt += counts.in_doubt;
        self.stale_sending += counts.stale_sending;
        self.throttled += counts.throttled;
        self.deferred += counts.deferred;
        for (total, counts) in [(&mut self.mail, &counts.mail), (&mut self.line, &counts.line)] {
            total.0 += counts.sent;
            total.1 += counts.failed;
            total.2 += counts.in_doubt;
        }
    }

    /// The metrics of a CLI run.
    pub fn from_summary(summary: &RunSummary) -> Self {
        let mut metrics = RunMetrics {
            planned: summary.planned,
            line_planned: summary.line_planned,
            queries: summary.queries,
            items_read: summary.items_read,
            line_stops: summary.channels_stopped.iter().filter(|s| s.contains(": line ")).count(),
            ..Self::default()
        };
        metrics.add_counts(&summary.delivery);
        metrics
    }

    /// The metrics of a planner run.
    pub fn from_planner(summary: &PlannerSummary) -> Self {
        RunMetrics { groups_enqueued: summary.groups_enqueued, ..Self::default() }
    }

    fn values(&self) -> [(&'static str, usize); 20] {
        [
            ("Planned", self.planned),
            ("Sent", self.sent),
            ("AlreadySent", self.already_sent),
            ("RefusedByCondition", self.refused),
            ("Failed", self.failed),
            ("InDoubt", self.in_doubt),
            ("StaleSending", self.stale_sending),
            ("Throttled", self.throttled),
            ("Deferred", self.deferred),
            ("Queries", self.queries),
            ("ItemsRead", self.items_read),
            ("GroupsEnqueued", self.groups_enqueued),
            ("LinePlanned", self.line_planned),
            ("MailSent", self.mail.0),
            ("MailFailed", self.mail.1),
            ("MailInDoubt", self.mail.2),
            ("LineSent", self.line.0),
            ("LineFailed", self.line.1),
            ("LineInDoubt", self.line.2),
            ("LineStops", self.line_stops),
        ]
    }

    /// One EMF line (JSON, no newline) for the run kind `run`, at `timestamp_ms`.
    pub fn emf(&self, run: &str, timestamp_ms: i64) -> String {
        let values = self.values();
        let definitions: Vec<Value> = values.iter().map(|(name, _)| json!({ "Name": name, "Unit": "Count" })).collect();
        let mut line = Map::new();
        line.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Run"]],
                    "Metrics": definitions,
                }],
            }),
        );
        line.insert("Run".to_owned(), Value::from(run));
        for (name, value) in values {
            line.insert(name.to_owned(), Value::from(value));
        }
        Value::Object(line).to_string()
    }

    /// [`RunMetrics::emf`] now.
    pub fn emf_now(&self, run: &str) -> String {
        self.emf(run, chrono::Utc::now().timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emf_line_declares_every_metric_it_carries() {
        let metrics = RunMetrics {
            planned: 5,
            sent: 3,
            already_sent: 1,
            refused: 1,
            queries: 2,
            items_read: 6,
            line: (4, 1, 1),
            line_stops: 1,
            ..Default::default()
        };
        let line: Value = serde_json::from_str(&metrics.emf("worker", 1_700_000_000_000)).expect("JSON");
        let meta = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        assert_eq!(meta["Namespace"], NAMESPACE);
        assert_eq!(meta["Dimensions"], json!([["Run"]]));
        assert_eq!(line["Run"], "worker");
        let declared: Vec<&str> =
            meta["Metrics"].as_array().expect("metrics").iter().map(|m| m["Name"].as_str().expect("name")).collect();
        for name in &declared {
            assert!(line[*name].is_u64(), "{name} has no value");
        }
        for (name, value) in [
            ("Planned", 5),
            ("Sent", 3),
            ("AlreadySent", 1),
            ("RefusedByCondition", 1),
            ("Failed", 0),
            ("Queries", 2),
            ("ItemsRead", 6),
            ("LineSent", 4),
            ("LineFailed", 1),
            ("LineInDoubt", 1),
            ("LineStops", 1),
            ("MailSent", 0),
        ] {
            assert_eq!(line[name], value, "{name}");
        }
    }
}
