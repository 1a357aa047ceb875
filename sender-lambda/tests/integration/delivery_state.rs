//! Every branch of the delivery state machine (`use_cases::delivery`), over the in-memory twins of
//! the deliveries store and the mail channel (`adapters::memory`, feature `test-util`): sent;
//! already recorded; refused by the subscription check; permanent failure; an account-level error
//! that aborts the run; in doubt; throttled then sent; a failed reservation; the deadline; a
//! record left `sending` reported. No clock is read by any assertion: retries back off by 0–1 ms
//! and the deadline is one already reached.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{d, municipality, schedule, section, shell, track_entry};
use kizuna_schedule::{AnchorKind, ScheduleDocument, TrackId};
use kizuna_sender::adapters::memory::{MemoryDeliveries, MemoryMailer, MemoryRecipients, Record, Script};
use kizuna_sender::domain::links::LinkKeys;
use kizuna_sender::domain::model::{DeliveryStatus, Recipient, SubscriptionStatus};
use kizuna_sender::domain::plan::{plan_day, DayPlan, PlanOptions};
use kizuna_sender::ports::channel::{DayContent, SendErrorKind};
use kizuna_sender::ports::clock::Deadline;
use kizuna_sender::ports::published_site::Sections;
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryCounts, DeliveryOptions, Pacer};
use serde_json::json;

const DAY: &str = "2026-11-26";
const ENTRY: &str = "maternity/12w3d";

fn document() -> ScheduleDocument {
    // Due 2027-06-07 is 12w3d on DAY.
    schedule(
        municipality("hikari", &[TrackId::Maternity], &[]),
        vec![track_entry(ENTRY, json!({ "pregnancy": "12w3d" }))],
    )
}

fn recipient(id: &str) -> Recipient {
    Recipient {
        subscription_id: id.to_owned(),
        municipality: "hikari".to_owned(),
        anchor_kind: AnchorKind::Due,
        anchor_date: d("2027-06-07"),
        anchor_version: 1,
        email: format!("{id}@example.jp"),
        line: None,
        nickname: None,
        status: SubscriptionStatus::Active,
    }
}

/// The twins and the day's plan for some families, each active with anchor version 1.
struct Day {
    document: ScheduleDocument,
    sections: Sections,
    links: LinkKeys,
    store: MemoryDeliveries,
    mailer: MemoryMailer,
    pacer: Pacer,
    options: DeliveryOptions,
}

impl Day {
    fn new(ids: &[&str]) -> Day {
        let document = document();
        let by_path: BTreeMap<_, _> = document.entries.iter().map(|e| (e.section.clone(), section(&e.id))).collect();
        let store = MemoryDeliveries::checked().with_stale_after(chrono::Duration::hours(1));
        for id in ids {
            store.activate(id, 1);
        }
        Day {
            document,
            sections: Sections { shell: shell(), by_path, line: Default::default() },
            links: LinkKeys::parse("k1:state-machine-secret-0123456789abcdef").expect("keys"),
            store,
            mailer: MemoryMailer::new(),
            pacer: Pacer::new(1_000_000.0),
            // Sequential, so the order of outcomes is the plan's; backoff of at most a millisecond.
            options: DeliveryOptions {
                concurrency: 1,
                max_attempts: 4,
                base_backoff: Duration::ZERO,
                max_backoff: Duration::from_millis(1),
            },
        }
    }

    async fn plan(&self, ids: &[&str]) -> DayPlan<'_> {
        let mut source = MemoryRecipients::new();
        for id in ids {
            source.insert(recipient(id));
        }
        plan_day(&self.document, d(DAY), &source, PlanOptions::default()).await.expect("plan")
    }

    async fn deliver(&self, ids: &[&str], stop_at: Option<Deadline>) -> DeliveryCounts {
        let plan = self.plan(ids).await;
        assert_eq!(plan.mails.len(), ids.len(), "one mail per family");
        let content =
            DayContent { schedule: &self.document, sections: &self.sections, links: &self.links, now: 1_800_000_000 };
        let delivery = Delivery { store: &self.store, mailer: &self.mailer, pacer: &self.pacer, options: self.options };
        delivery.deliver_mails(&plan.municipality, plan.date, &plan.mails, &content, stop_at.as_ref()).await.counts
    }

    fn status(&self, id: &str) -> Option<DeliveryStatus> {
        self.store.record(id, ENTRY).map(|record| record.status)
    }
}

#[tokio::test]
async fn a_mail_is_reserved_sent_and_recorded_with_the_message_id() {
    let day = Day::new(&["a"]);
    let counts = day.deliver(&["a"], None).await;
    assert_eq!((counts.sent, counts.failed), (1, 0), "{counts:?}");
    let record = day.store.record("a", ENTRY).expect("record");
    assert_eq!(record.status, DeliveryStatus::Sent);
    assert_eq!(record.message_id.as_deref(), Some("memory-0"), "the provider's message id is recorded");
    assert_eq!(day.mailer.sent()[0].to, "a@example.jp");
}

#[tokio::test]
async fn an_entry_already_recorded_is_not_sent_again() {
    let day = Day::new(&["a"]);
    assert_eq!(day.deliver(&["a"], None).await.sent, 1);
    let again = day.deliver(&["a"], None).await;
    assert_eq!((again.sent, again.already_sent), (0, 1), "{again:?}");
    assert_eq!(day.mailer.attempts(), 1);
}

#[tokio::test]
async fn a_subscription_that_changed_is_refused_and_nothing_is_written() {
    let day = Day::new(&["stopped", "moved"]);
    day.store.deactivate("stopped");
    day.store.activate("moved", 2); // the anchor changed after planning
    let counts = day.deliver(&["stopped", "moved"], None).await;
    assert_eq!((counts.refused, counts.sent), (2, 0), "{counts:?}");
    assert!(day.store.records().is_empty(), "a refused reservation writes nothing");
    assert_eq!(day.mailer.attempts(), 0);
}

#[tokio::test]
async fn a_permanent_error_is_recorded_as_failed_and_the_run_goes_on() {
    let day = Day::new(&["bad", "good"]);
    day.mailer.script("bad@example.jp", [Script::Fail(SendErrorKind::Permanent, "MessageRejected".into())]);
    let counts = day.deliver(&["bad", "good"], None).await;
    assert_eq!((counts.sent, counts.failed, counts.retry), (1, 1, 0), "{counts:?}");
    let record = day.store.record("bad", ENTRY).expect("record");
    assert_eq!((record.status, record.error_code.as_deref()), (DeliveryStatus::Failed, Some("MessageRejected")));
    assert_eq!(day.deliver(&["bad"], None).await.already_sent, 1, "a failed entry is never retried");
}

#[tokio::test]
async fn an_account_error_releases_the_mail_and_aborts_the_rest_of_the_run() {
    let day = Day::new(&["first", "second", "third"]);
    day.mailer.script("first@example.jp", [Script::Fail(SendErrorKind::Fatal, "AccountSuspended".into())]);
    let counts = day.deliver(&["first", "second", "third"], None).await;
    assert_eq!((counts.sent, counts.failed, counts.retry), (0, 3, 3), "{counts:?}");
    assert_eq!(day.mailer.attempts(), 1, "after the account error nothing more is tried");
    assert!(day.store.records().is_empty(), "every reservation is released for the next run");
    // The next run sends them all.
    let next = day.deliver(&["first", "second", "third"], None).await;
    assert_eq!(next.sent, 3, "{next:?}");
}

#[tokio::test]
async fn a_send_whose_outcome_is_unknown_stays_sending_and_is_never_resent() {
    let day = Day::new(&["doubt"]);
    day.mailer.script(
        "doubt@example.jp",
        [Script::Delay(
            Duration::from_millis(1),
            Box::new(Script::Fail(SendErrorKind::InDoubt, "TimeoutError".into())),
        )],
    );
    let counts = day.deliver(&["doubt"], None).await;
    assert_eq!((counts.in_doubt, counts.failed, counts.sent), (1, 1, 0), "{counts:?}");
    assert_eq!(day.status("doubt"), Some(DeliveryStatus::Sending), "left `sending`");
    let again = day.deliver(&["doubt"], None).await;
    assert_eq!((again.already_sent, again.sent), (1, 0), "never resent: {again:?}");
    assert_eq!(day.mailer.attempts(), 1);
}

#[tokio::test]
async fn throttling_and_transient_errors_are_retried_until_the_mail_goes() {
    let day = Day::new(&["busy"]);
    let throttled = || Script::Fail(SendErrorKind::Throttled, "TooManyRequestsException".into());
    day.mailer.script(
        "busy@example.jp",
        [throttled(), Script::Fail(SendErrorKind::Transient, "InternalFailure".into()), throttled()],
    );
    let counts = day.deliver(&["busy"], None).await;
    assert_eq!((counts.sent, counts.throttled, counts.failed), (1, 2, 0), "{counts:?}");
    assert_eq!(day.mailer.attempts(), 4);
}

#[tokio::test]
async fn throttling_to_the_last_attempt_releases_the_mail_for_a_later_run() {
    let day = Day::new(&["busy"]);
    let throttled = || Script::Fail(SendErrorKind::Throttled, "TooManyRequestsException".into());
    day.mailer.script("busy@example.jp", (0..4).map(|_| throttled()));
    let counts = day.deliver(&["busy"], None).await;
    assert_eq!((counts.sent, counts.retry), (0, 1), "{counts:?}");
    assert_eq!(day.status("busy"), None, "released");
}

#[tokio::test]
async fn a_failed_reservation_sends_nothing_and_leaves_the_mail_for_a_later_run() {
    let day = Day::new(&["a"]);
    day.store.fail_reservations(1);
    let counts = day.deliver(&["a"], None).await;
    assert_eq!((counts.sent, counts.retry), (0, 1), "{counts:?}");
    assert_eq!(day.mailer.attempts(), 0);
    assert_eq!(day.deliver(&["a"], None).await.sent, 1);
}

#[tokio::test]
async fn no_mail_starts_once_the_deadline_is_reached() {
    let day = Day::new(&["a", "b"]);
    let plan = day.plan(&["a", "b"]).await;
    let content =
        DayContent { schedule: &day.document, sections: &day.sections, links: &day.links, now: 1_800_000_000 };
    let delivery = Delivery { store: &day.store, mailer: &day.mailer, pacer: &day.pacer, options: day.options };
    let report = delivery
        .deliver_mails(
            &plan.municipality,
            plan.date,
            &plan.mails,
            &content,
            Some(&Deadline::at(tokio::time::Instant::now())),
        )
        .await;
    assert_eq!((report.counts.deferred, report.counts.sent), (2, 0), "{:?}", report.counts);
    assert_eq!(report.resume_at, Some(0), "the worker resumes at the first mail");
    assert!(day.store.records().is_empty());
}

#[tokio::test]
async fn a_record_left_sending_by_an_earlier_run_is_reported_not_resent() {
    let day = Day::new(&["old"]);
    let since = chrono::Utc::now() - chrono::Duration::hours(2);
    day.store.insert(
        "old",
        ENTRY,
        Record { status: DeliveryStatus::Sending, message_id: None, error_code: None, updated_at: since },
    );
    let counts = day.deliver(&["old"], None).await;
    assert_eq!((counts.stale_sending, counts.already_sent, counts.sent), (1, 1, 0), "{counts:?}");
}

#[tokio::test]
async fn the_pacer_spaces_slots_evenly_and_never_schedules_in_the_past() {
    let pacer = Pacer::new(4.0);
    let start = tokio::time::Instant::now();
    let slots = [pacer.slot(start).await, pacer.slot(start).await, pacer.slot(start).await];
    let quarter = Duration::from_millis(250);
    assert_eq!(slots, [start, start + quarter, start + 2 * quarter], "four per second");
    let later = start + Duration::from_secs(10);
    assert_eq!(pacer.slot(later).await, later, "an idle pacer does not make up for lost time");
    assert_eq!(pacer.slot(later).await, later + quarter);
}
