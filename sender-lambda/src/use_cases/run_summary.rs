//! The summary of one day's run ([`crate::use_cases::daily_run::run_day`]): what the CLI prints
//! (counts per channel, channels stopped, drafts refused) and logs as one JSON line.

use chrono::NaiveDate;
use serde::Serialize;

use crate::use_cases::delivery::DeliveryCounts;

/// The counts of a run (printed by the CLI, logged as one JSON line).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The Japan delivery date.
    pub date: Option<NaiveDate>,
    /// Municipalities run.
    pub municipalities: usize,
    /// Mails planned.
    pub planned: usize,
    /// The delivery counts.
    #[serde(flatten)]
    pub delivery: DeliveryCounts,
    /// Municipalities whose planning or sections failed (their mails count as failed when known).
    pub municipality_errors: usize,
    /// Draft entries left out (entry ids, per municipality `muni:entry`).
    pub drafts_refused: Vec<String>,
    /// Queries of the recipient index.
    pub queries: usize,
    /// Items the queries returned.
    pub items_read: usize,
    /// Whether nothing was reserved or sent.
    pub dry_run: bool,
    /// Of `planned`: families on the LINE channel (one plan, two channels: pushed, never mailed).
    pub line_planned: usize,
    /// Channels an account-level error stopped for a municipality, `<muni>: <channel> <code>`
    /// (e.g. `hikari: line line-429-quota`: LINE's monthly quota; the next run continues).
    pub channels_stopped: Vec<String>,
}

impl RunSummary {
    /// Whether anything failed (the CLI then exits non-zero).
    pub fn has_failures(&self) -> bool {
        self.delivery.failed > 0 || self.municipality_errors > 0
    }

    /// The human-readable summary.
    pub fn render(&self) -> String {
        let date = self.date.map(|d| d.to_string()).unwrap_or_default();
        let mut text = format!(
            "run {date}{} — {} municipalities\n  planned       {}\n  sent          {}\n  already sent  {}\n  refused       {}\n  failed        {} (in doubt {})\n",
            if self.dry_run { " (dry run)" } else { "" },
            self.municipalities,
            self.planned,
            self.delivery.sent,
            self.delivery.already_sent,
            self.delivery.refused,
            self.delivery.failed,
            self.delivery.in_doubt,
        );
        for (name, counts) in [("mail", &self.delivery.mail), ("LINE", &self.delivery.line)] {
            text.push_str(&format!(
                "  {name:<13} sent {}, failed {} (in doubt {})\n",
                counts.sent, counts.failed, counts.in_doubt
            ));
        }
        text.push_str(&format!("  queries       {} ({} items read)\n", self.queries, self.items_read));
        if self.delivery.in_doubt_retry > 0 {
            text.push_str(&format!(
                "  LINE in doubt {} (left with their retry key: the next run retries them)\n",
                self.delivery.in_doubt_retry
            ));
        }
        if self.delivery.unserved > 0 {
            text.push_str(&format!(
                "  not delivered {} (LINE families, but no LINE channel is configured)\n",
                self.delivery.unserved
            ));
        }
        for stop in &self.channels_stopped {
            text.push_str(&format!("  stopped       {stop} (the rest is left for the next run)\n"));
        }
        if self.municipality_errors > 0 {
            text.push_str(&format!("  municipality errors {}\n", self.municipality_errors));
        }
        if !self.drafts_refused.is_empty() {
            text.push_str(&format!(
                "  draft entries refused {} (set KIZUNA_ALLOW_DRAFT=1 to send drafts): {}\n",
                self.drafts_refused.len(),
                self.drafts_refused.join(", ")
            ));
        }
        text
    }
}
