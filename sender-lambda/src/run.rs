//! One day's run: for every municipality, plan → load the day's sections → deliver, adding up the
//! counts. The CLI's `run` and the Lambda handler both call [`run_day`].

use chrono::NaiveDate;
use serde::Serialize;

use crate::compose::Composer;
use crate::deliver::{Delivery, DeliveryCounts, DeliveryStore, Mailer};
use crate::links::LinkKeys;
use crate::plan::{plan_day, PlanOptions, RecipientSource};
use crate::schedules::{LoadedSchedule, Sections};

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRequest {
    /// The Japan delivery date.
    pub date: NaiveDate,
    /// Plan only: no reservation, no mail.
    pub dry_run: bool,
    /// Allow draft entries.
    pub allow_draft: bool,
}

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
        text.push_str(&format!("  queries       {} ({} items read)\n", self.queries, self.items_read));
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

/// Runs one date over the given schedules.
pub async fn run_day<R, S, M>(
    schedules: &[LoadedSchedule],
    source: &R,
    delivery: &Delivery<'_, S, M>,
    links: &LinkKeys,
    request: &RunRequest,
) -> RunSummary
where
    R: RecipientSource + Sync,
    S: DeliveryStore + Sync,
    M: Mailer + Sync,
{
    let mut summary = RunSummary { date: Some(request.date), dry_run: request.dry_run, ..RunSummary::default() };
    let options = PlanOptions { allow_draft: request.allow_draft };
    for schedule in schedules {
        let id = schedule.document.municipality.id.as_str();
        summary.municipalities += 1;
        let plan = match plan_day(&schedule.document, request.date, source, options).await {
            Ok(plan) => plan,
            Err(error) => {
                tracing::error!(municipality = id, error = %error, "planning failed");
                summary.municipality_errors += 1;
                continue;
            }
        };
        summary.planned += plan.mails.len();
        summary.queries += plan.queries.len();
        summary.items_read += plan.items_read;
        summary.drafts_refused.extend(plan.drafts_refused.iter().map(|entry| format!("{id}:{entry}")));
        tracing::info!(
            municipality = id,
            planned = plan.mails.len(),
            queries = plan.queries.len(),
            items_read = plan.items_read,
            drafts_refused = plan.drafts_refused.len(),
            "planned"
        );
        if plan.mails.is_empty() {
            continue;
        }
        let sections = match Sections::load_for(schedule, &plan) {
            Ok(sections) => sections,
            Err(error) => {
                tracing::error!(municipality = id, error = %error, "refusing the day's sections");
                summary.municipality_errors += 1;
                summary.delivery.failed += plan.mails.len();
                continue;
            }
        };
        if request.dry_run {
            continue;
        }
        let composer =
            Composer { schedule: &schedule.document, sections: &sections, links, now: chrono::Utc::now().timestamp() };
        let counts = delivery.deliver_plan(&plan, &composer).await;
        tracing::info!(municipality = id, counts = ?counts, "delivered");
        summary.delivery += counts;
    }
    summary
}
