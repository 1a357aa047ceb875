//! Runs: the hourly planner, the group worker, and one day's run in one process.
//!
//! - [`plan_due_runs`] (the Lambda's hourly event): every (municipality, Japan date) of the
//!   catch-up window whose delivery time has passed and that is not complete or in progress
//!   ([`crate::adapters::dynamo::run_markers`]) is planned — its merged anchor ranges become [`GroupMessage`]s on the queue.
//!   It reads no recipient.
//! - [`work_group`] (the Lambda's SQS worker): one group, page by page (Query on `by_anchor`, then
//!   [`DayPlanner::mails_for`], then [`Delivery::deliver_mails`]), stopping before the deadline with
//!   a cursor to resume from.
//! - [`run_day`] (the CLI's `run`): the same planning and [`work_group`] for every group of a date,
//!   in this process, adding up the counts.

use chrono::{DateTime, NaiveDate, Utc};
use kizuna_schedule::DeliveryTime;
use serde::Serialize;

use crate::adapters::dynamo::run_markers::{DynamoRuns, RUN_STALE_AFTER};
use crate::adapters::ses::compose::Composer;
use crate::adapters::site::{LoadedSchedule, Sections};
use crate::adapters::sqs::SqsQueue;
use crate::domain::links::LinkKeys;
use crate::domain::model::Channel;
use crate::domain::plan::{DayPlanner, PlanOptions};
use crate::ports::channel::Channel as DeliveryChannel;
use crate::ports::clock::{self, Deadline};
use crate::ports::deliveries::DeliveryStore;
use crate::ports::group_queue::GroupMessage;
use crate::ports::group_queue::GroupQueue;
use crate::ports::recipients::RecipientSource;
use crate::ports::run_markers::RunMarkers;
use crate::use_cases::delivery::{Delivery, DeliveryCounts};
pub use crate::use_cases::run_summary::RunSummary;
use crate::BoxError;

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

/// What one group's delivery did ([`work_group`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupResult {
    /// Mails planned (recipients with something due).
    pub planned: usize,
    /// The delivery counts.
    pub delivery: DeliveryCounts,
    /// Query calls.
    pub queries: usize,
    /// Items the queries returned.
    pub items_read: usize,
    /// Set when the deadline stopped the group: resume after this `by_anchor` sort key.
    pub resume_after: Option<String>,
    /// When the deadline stopped the group before its first page.
    pub stopped: bool,
    /// The sections could not be used (a half-published build): nothing of the group was sent.
    pub section_errors: usize,
    /// Of `planned`: families on the LINE channel.
    pub line_planned: usize,
    /// Channels an account-level error stopped (LINE's monthly quota …), with the error code.
    pub channels_stopped: Vec<(Channel, String)>,
}

impl GroupResult {
    /// The whole range was delivered with nothing left for a later run (a LINE push in doubt is
    /// left for one: it is retried with its key).
    pub fn finished(&self) -> bool {
        self.resume_after.is_none()
            && !self.stopped
            && self.delivery.retry == 0
            && self.delivery.in_doubt_retry == 0
            && self.section_errors == 0
    }
}

/// How a worker pages through a group.
#[derive(Clone, Debug)]
pub struct GroupOptions {
    /// Allow draft entries.
    pub allow_draft: bool,
    /// Plan only.
    pub dry_run: bool,
    /// Recipients per Query page (and per delivery batch).
    pub page_size: usize,
    /// No mail starts at or after this instant (the deadline less a margin).
    pub stop_at: Option<Deadline>,
    /// Channels already stopped for this municipality's run (an earlier group hit LINE's quota).
    pub stopped: Vec<Channel>,
}

/// Delivers one group (one merged anchor range of one municipality and date), page by page, from
/// the group's cursor on. Stops starting mails at `stop_at` and reports where to resume. Errors
/// only when the recipient source fails.
pub async fn work_group<R, S, M>(
    schedule: &LoadedSchedule,
    group: &GroupMessage,
    source: &R,
    delivery: &Delivery<'_, S, M>,
    links: &LinkKeys,
    options: GroupOptions,
) -> Result<GroupResult, BoxError>
where
    R: RecipientSource + Sync,
    S: DeliveryStore + Sync,
    M: DeliveryChannel + Sync,
{
    let id = schedule.document.municipality.id.as_str();
    let mut result = GroupResult::default();
    let Some(query) = group.query() else {
        tracing::error!(municipality = id, group = %group.group_id(), "inverted anchor range: ignored");
        return Ok(result);
    };
    let planner = DayPlanner::new(&schedule.document, group.date, PlanOptions { allow_draft: options.allow_draft });
    let mut after = group.after.clone();
    loop {
        if clock::passed(options.stop_at.as_ref()) {
            result.stopped = after.is_none();
            result.resume_after = after;
            return Ok(result);
        }
        let page = source.page(&query, after.as_deref(), options.page_size).await?;
        result.queries += page.calls;
        result.items_read += page.recipients.len();
        let mails = planner.mails_for(&query, page.recipients);
        result.planned += mails.len();
        // One plan, two channels: each family is delivered by its own channel (the delivery routes).
        result.line_planned += mails.iter().filter(|mail| mail.recipient.line.is_some()).count();
        if !mails.is_empty() && !options.dry_run {
            let sections = match Sections::fetch_for(schedule, &mails).await {
                Ok(sections) => sections,
                Err(error) => {
                    tracing::error!(municipality = id, error = %error, "refusing the day's sections");
                    result.section_errors += 1;
                    result.delivery.failed += mails.len();
                    result.delivery.retry += mails.len();
                    return Ok(result);
                }
            };
            let composer = Composer {
                schedule: &schedule.document,
                sections: &sections,
                links,
                now: chrono::Utc::now().timestamp(),
            };
            let stopped: Vec<Channel> =
                options.stopped.iter().chain(result.channels_stopped.iter().map(|(c, _)| c)).copied().collect();
            let report = delivery
                .deliver_mails_stopped(id, group.date, &mails, &composer, options.stop_at.as_ref(), &stopped)
                .await;
            result.delivery += report.counts;
            result.channels_stopped.extend(report.stopped);
            if let Some(index) = report.resume_at {
                let resume = if index == 0 { after.clone() } else { Some(mails[index - 1].recipient.cursor()) };
                result.stopped = resume.is_none();
                result.resume_after = resume;
                return Ok(result);
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(result),
        }
    }
}

/// Recipients per Query page when nothing else is configured.
pub const DEFAULT_PAGE_SIZE: usize = 1_000;

/// Runs one date over the given schedules, group by group, in this process (the CLI's `run`: the
/// same planning and [`work_group`] the Lambda's planner and workers use, without the queue).
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
    M: DeliveryChannel + Sync,
{
    run_day_with(schedules, source, delivery, links, request, |_, _| async {}).await
}

/// [`run_day`], calling `finished(municipality, date)` for each municipality whose every group
/// finished (the CLI records the run as complete).
pub async fn run_day_with<R, S, M, F, Fut>(
    schedules: &[LoadedSchedule],
    source: &R,
    delivery: &Delivery<'_, S, M>,
    links: &LinkKeys,
    request: &RunRequest,
    finished: F,
) -> RunSummary
where
    R: RecipientSource + Sync,
    S: DeliveryStore + Sync,
    M: DeliveryChannel + Sync,
    F: Fn(String, NaiveDate) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut summary = RunSummary { date: Some(request.date), dry_run: request.dry_run, ..RunSummary::default() };
    let options = GroupOptions {
        allow_draft: request.allow_draft,
        dry_run: request.dry_run,
        page_size: DEFAULT_PAGE_SIZE,
        stop_at: None,
        stopped: Vec::new(),
    };
    for schedule in schedules {
        let id = schedule.document.municipality.id.as_str();
        summary.municipalities += 1;
        let planner =
            DayPlanner::new(&schedule.document, request.date, PlanOptions { allow_draft: request.allow_draft });
        summary.drafts_refused.extend(planner.drafts_refused().iter().map(|entry| format!("{id}:{entry}")));
        let mut all_finished = true;
        let mut municipality = GroupResult::default();
        let mut options = options.clone();
        options.stopped.clear();
        for query in planner.queries() {
            let group = GroupMessage::new(request.date, &query);
            match work_group(schedule, &group, source, delivery, links, options.clone()).await {
                Ok(result) => {
                    all_finished &= result.finished();
                    municipality.planned += result.planned;
                    municipality.queries += result.queries;
                    municipality.items_read += result.items_read;
                    municipality.line_planned += result.line_planned;
                    municipality.section_errors += result.section_errors;
                    municipality.delivery += result.delivery;
                    for (channel, code) in result.channels_stopped {
                        if !options.stopped.contains(&channel) {
                            options.stopped.push(channel);
                            summary.channels_stopped.push(format!("{id}: {} {code}", channel.as_str()));
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(municipality = id, error = %error, "planning failed");
                    all_finished = false;
                    municipality.section_errors += 1;
                }
            }
        }
        tracing::info!(
            municipality = id,
            planned = municipality.planned,
            queries = municipality.queries,
            items_read = municipality.items_read,
            drafts_refused = planner.drafts_refused().len(),
            counts = ?municipality.delivery,
            "municipality run"
        );
        summary.planned += municipality.planned;
        summary.queries += municipality.queries;
        summary.items_read += municipality.items_read;
        summary.line_planned += municipality.line_planned;
        summary.delivery += municipality.delivery;
        if municipality.section_errors > 0 {
            summary.municipality_errors += 1;
        }
        if all_finished && !request.dry_run {
            finished(id.to_owned(), request.date).await;
        }
    }
    summary
}

/// What the hourly planner did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlannerSummary {
    /// Municipalities looked at.
    pub municipalities: usize,
    /// (municipality, date) runs planned now (new, or stale and planned again).
    pub runs_planned: usize,
    /// Runs with nothing to send, recorded complete at once.
    pub runs_empty: usize,
    /// Runs already complete.
    pub runs_complete: usize,
    /// Runs in progress (planned recently, or by an overlapping planner).
    pub runs_in_progress: usize,
    /// Groups sent to the queue.
    pub groups_enqueued: usize,
    /// Draft entries left out (`muni:date:entry`).
    pub drafts_refused: Vec<String>,
    /// Municipalities whose markers or queue failed (the next hour retries).
    pub errors: usize,
}

/// The Japan dates of the catch-up window whose delivery time has passed at `now`, oldest first.
pub fn due_dates(delivery_time: DeliveryTime, now: DateTime<Utc>, catch_up_days: u32) -> Vec<NaiveDate> {
    let time = delivery_time.time();
    let japan_now = now.naive_utc() + chrono::Duration::hours(9);
    let today = japan_now.date();
    (0..=i64::from(catch_up_days))
        .rev()
        .filter_map(|back| today.checked_sub_signed(chrono::Duration::days(back)))
        .filter(|date| date.and_time(time) <= japan_now)
        .collect()
}

/// The hourly planner: for every municipality and every Japan date of the catch-up window whose
/// delivery time has passed, unless its run is complete or in progress, records the run and sends
/// its groups (those not done yet) to the queue. Reads no recipient.
pub async fn plan_due_runs(
    schedules: &[LoadedSchedule],
    now: DateTime<Utc>,
    catch_up_days: u32,
    allow_draft: bool,
    runs: &DynamoRuns,
    queue: &SqsQueue,
) -> PlannerSummary {
    let mut summary = PlannerSummary::default();
    for schedule in schedules {
        let document = &schedule.document;
        let id = document.municipality.id.as_str();
        summary.municipalities += 1;
        // A bad delivery time is never guessed (it once became midnight, sending hours early): the
        // municipality is skipped and reported until its schedule is fixed.
        let delivery_time = match document.municipality.parsed_delivery_time() {
            Ok(time) => time,
            Err(error) => {
                tracing::error!(municipality = id, error = %error, "bad delivery_time in schedule.json: not planned");
                summary.errors += 1;
                continue;
            }
        };
        let dates = due_dates(delivery_time, now, catch_up_days);
        let (Some(first), Some(last)) = (dates.first(), dates.last()) else { continue };
        let known = match runs.runs(id, *first, *last).await {
            Ok(known) => known,
            Err(error) => {
                tracing::error!(municipality = id, error = %error, "cannot read run markers");
                summary.errors += 1;
                continue;
            }
        };
        for date in dates {
            let previous = known.get(&date);
            if previous.is_some_and(|run| run.complete) {
                summary.runs_complete += 1;
                continue;
            }
            if previous.is_some_and(|run| run.updated().is_some_and(|at| now - at < RUN_STALE_AFTER)) {
                summary.runs_in_progress += 1;
                continue;
            }
            let planner = DayPlanner::new(document, date, PlanOptions { allow_draft });
            summary.drafts_refused.extend(planner.drafts_refused().iter().map(|e| format!("{id}:{date}:{e}")));
            let groups: Vec<GroupMessage> = planner
                .queries()
                .iter()
                .map(|query| GroupMessage::new(date, query))
                .filter(|group| previous.is_none_or(|run| !run.done.contains(&group.group_id())))
                .collect();
            let ids: Vec<String> = groups.iter().map(GroupMessage::group_id).collect();
            let started =
                runs.start(id, date, &ids, &document.build.id, previous.map(|run| run.updated_at.as_str())).await;
            match started {
                Ok(true) => {}
                Ok(false) => {
                    summary.runs_in_progress += 1;
                    continue;
                }
                Err(error) => {
                    tracing::error!(municipality = id, %date, error = %error, "cannot record the run");
                    summary.errors += 1;
                    continue;
                }
            }
            if groups.is_empty() {
                summary.runs_empty += 1;
                tracing::info!(municipality = id, %date, "nothing to send: run complete");
                continue;
            }
            if let Err(error) = queue.send(&groups).await {
                // The marker stays planned; once stale, the next hour plans it again.
                tracing::error!(municipality = id, %date, error = %error, "cannot enqueue the groups");
                summary.errors += 1;
                continue;
            }
            summary.runs_planned += 1;
            summary.groups_enqueued += groups.len();
            tracing::info!(municipality = id, %date, groups = groups.len(), replanned = previous.is_some(), "run planned");
        }
    }
    summary
}

/// The mail a family with this anchor would get on `date` (the same planning and composer as real
/// sends, for a placeholder recipient), or `None` when nothing is due for them that day.
pub async fn preview_mail(
    schedule: &LoadedSchedule,
    date: NaiveDate,
    kind: kizuna_schedule::AnchorKind,
    anchor: NaiveDate,
    links: &LinkKeys,
    allow_draft: bool,
) -> Result<Option<crate::ports::channel::ComposedMail>, BoxError> {
    let recipient = crate::domain::model::Recipient {
        subscription_id: "00000000-0000-4000-8000-000000000000".to_owned(),
        municipality: schedule.document.municipality.id.clone(),
        anchor_kind: kind,
        anchor_date: anchor,
        anchor_version: 1,
        email: "family@example.invalid".to_owned(),
        line: None,
        nickname: None,
        status: crate::domain::model::SubscriptionStatus::Active,
    };
    let planner = DayPlanner::new(&schedule.document, date, PlanOptions { allow_draft });
    let Some(query) = planner.queries().into_iter().find(|q| q.kind == kind && q.range.contains(anchor)) else {
        return Ok(None);
    };
    let mails = planner.mails_for(&query, vec![recipient]);
    let Some(mail) = mails.first() else { return Ok(None) };
    let sections = Sections::fetch_for(schedule, &mails).await?;
    let composer =
        Composer { schedule: &schedule.document, sections: &sections, links, now: chrono::Utc::now().timestamp() };
    Ok(Some(composer.compose(mail)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("instant").with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn a_date_is_due_once_its_japan_delivery_time_has_passed() {
        let seven = DeliveryTime::parse("07:00").expect("time");
        // 06:59 in Japan on Nov 26: today is not due yet; the two days before are (catch-up).
        let before = due_dates(seven, utc("2026-11-25T21:59:00Z"), 2);
        assert_eq!(before, vec![date("2026-11-24"), date("2026-11-25")]);
        // 07:00 in Japan: today is due too.
        let at = due_dates(seven, utc("2026-11-25T22:00:00Z"), 2);
        assert_eq!(at, vec![date("2026-11-24"), date("2026-11-25"), date("2026-11-26")]);
    }

    #[test]
    fn a_bad_delivery_time_is_an_error_not_midnight() {
        // Regression: an unparsable time used to become 00:00, so the day's mails went out at the
        // first hourly run after midnight. The planner now skips and reports the municipality.
        let mut municipality: kizuna_schedule::MunicipalityInfo = serde_json::from_value(serde_json::json!({
            "id": "m", "code": "999001", "name": "m", "service_name": "s", "tracks": ["maternity"], "addons": [],
            "delivery_time": "7時",
            "email": { "from": "a@b.jp", "from_name": "n", "reply_to": "a@b.jp" },
            "archive_base_url": "https://x/", "api_base_url": "https://x/api/",
            "contact": { "name": "c", "phone": "0", "hours": "h", "url": "https://x/" }
        }))
        .expect("municipality");
        assert!(municipality.parsed_delivery_time().is_err());
        municipality.delivery_time = "06:30".to_owned();
        assert_eq!(municipality.parsed_delivery_time().map(|t| t.to_string()).as_deref(), Ok("06:30"));
    }
}
