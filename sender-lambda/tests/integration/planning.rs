//! Planning with an in-memory recipient source: who gets which sections on a date, in which order,
//! with how many queries.

use crate::common;

use chrono::NaiveDate;
use common::{attached, d, local_entry, municipality, schedule, track_entry};
use kizuna_schedule::{merge_ranges, tracks_on, AnchorKind, DateRange, ReviewStatus, ScheduleDocument, TrackId};
use kizuna_sender::domain::model::{Recipient, SubscriptionStatus};
use kizuna_sender::domain::plan::{plan_day, track_anchor_range, DayPlan, MemoryRecipients, PlanOptions};
use serde_json::json;

const DAY: &str = "2026-11-26";

fn recipient(id: &str, muni: &str, kind: AnchorKind, anchor: &str) -> Recipient {
    Recipient {
        subscription_id: id.to_owned(),
        municipality: muni.to_owned(),
        anchor_kind: kind,
        anchor_date: d(anchor),
        anchor_version: 1,
        email: format!("{id}@example.jp"),
        line: None,
        nickname: None,
        status: SubscriptionStatus::Active,
    }
}

/// ひかり: maternity + baby + school-entry, with attached, expired, draft, disabled and local entries.
fn hikari() -> ScheduleDocument {
    let mut m12w3d = track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" }));
    m12w3d.local = vec![
        attached("local/boshi-techo", Some(("2026-04-01", "2027-03-31"))),
        attached("local/old-guide", Some(("2025-04-01", "2026-03-31"))),
        attached("local/always", None),
    ];
    let mut draft = track_entry("baby/day-050", json!({ "day": 50 }));
    draft.review = ReviewStatus::Draft;
    let mut expired = local_entry("local/expired-notice", json!({ "date": DAY }), &[TrackId::Maternity]);
    expired.valid = Some(kizuna_schedule::Validity { from: None, until: Some(d("2026-11-25")) });
    let mut upcoming = local_entry("local/next-year", json!({ "date": DAY }), &[TrackId::Maternity]);
    upcoming.valid = Some(kizuna_schedule::Validity { from: Some(d("2027-04-01")), until: None });
    schedule(
        municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[TrackId::SchoolEntry]),
        vec![
            local_entry("local/bousai-day", json!({ "date": DAY }), &[TrackId::Maternity, TrackId::Baby]),
            m12w3d,
            track_entry("maternity/12w4d", json!({ "pregnancy": "12w4d" })),
            track_entry("baby/day-100", json!({ "day": 100 })),
            draft,
            track_entry("preschool/4y", json!({ "age": "4y" })),
            local_entry("local/kenshin-4m", json!({ "age": "4m" }), &[TrackId::Baby]),
            track_entry("school-entry/nencho-12-01", json!({ "school": { "year": "年長", "date": "11-26" } })),
            expired,
            upcoming,
        ],
    )
}

async fn plan<'a>(document: &'a ScheduleDocument, source: &MemoryRecipients, allow_draft: bool) -> DayPlan<'a> {
    plan_day(document, d(DAY), source, PlanOptions { allow_draft }).await.expect("memory source never fails")
}

fn sections_of(plan: &DayPlan, id: &str) -> Option<Vec<String>> {
    plan.mails.iter().find(|m| m.recipient.subscription_id == id).map(|m| m.entry_ids())
}

#[tokio::test]
async fn each_subscription_gets_one_mail_with_its_sections_in_order() {
    let mut source = MemoryRecipients::new();
    source.insert(recipient("due-12w3d", "hikari", AnchorKind::Due, "2027-06-07"));
    source.insert(recipient("due-12w4d", "hikari", AnchorKind::Due, "2027-06-06"));
    source.insert(recipient("due-other", "hikari", AnchorKind::Due, "2027-03-01"));
    source.insert(recipient("born-100", "hikari", AnchorKind::Birth, "2026-08-19"));
    source.insert(recipient("born-4m", "hikari", AnchorKind::Birth, "2026-07-26"));
    let document = hikari();
    let plan = plan(&document, &source, false).await;

    assert_eq!(
        sections_of(&plan, "due-12w3d"),
        Some(vec!["maternity/12w3d".to_owned(), "local/bousai-day".to_owned()]),
        "track message first, then the announcement"
    );
    assert_eq!(sections_of(&plan, "due-12w4d"), Some(vec!["maternity/12w4d".into(), "local/bousai-day".into()]));
    assert_eq!(sections_of(&plan, "due-other"), Some(vec!["local/bousai-day".into()]), "announcement only");
    assert_eq!(sections_of(&plan, "born-100"), Some(vec!["baby/day-100".into(), "local/bousai-day".into()]));
    assert_eq!(
        sections_of(&plan, "born-4m"),
        Some(vec!["local/bousai-day".into(), "local/kenshin-4m".into()]),
        "local entries in schedule order"
    );
    assert_eq!(plan.mails.len(), 5, "one mail per subscription");

    let mail = plan.mails.iter().find(|m| m.recipient.subscription_id == "due-12w3d").expect("mail");
    let attached: Vec<&str> = mail.sections[0].local.iter().map(|local| local.id.as_str()).collect();
    assert_eq!(attached, vec!["local/boshi-techo", "local/always"], "the expired attached section is left out");
}

#[tokio::test]
async fn expired_upcoming_disabled_and_draft_entries_are_left_out() {
    let mut source = MemoryRecipients::new();
    source.insert(recipient("born-50", "hikari", AnchorKind::Birth, "2026-10-08"));
    source.insert(recipient("four-years", "hikari", AnchorKind::Birth, "2022-11-26"));
    let document = hikari();
    let plan = plan(&document, &source, false).await;
    let all: Vec<String> = plan.mails.iter().flat_map(|m| m.entry_ids()).collect();
    assert!(!all.iter().any(|id| id == "local/expired-notice" || id == "local/next-year"), "{all:?}");
    assert!(!all.iter().any(|id| id == "preschool/4y"), "preschool is not enabled in hikari");
    assert_eq!(sections_of(&plan, "four-years"), None, "a preschooler is in no enabled track");
    assert_eq!(sections_of(&plan, "born-50"), Some(vec!["local/bousai-day".into()]), "the draft is refused");
    assert_eq!(plan.drafts_refused, vec!["baby/day-050".to_owned()]);

    let allowed = plan_day(&document, d(DAY), &source, PlanOptions { allow_draft: true }).await.expect("plan");
    assert_eq!(sections_of(&allowed, "born-50"), Some(vec!["baby/day-050".into(), "local/bousai-day".into()]));
    assert!(allowed.drafts_refused.is_empty());
}

#[tokio::test]
async fn announcements_reach_only_subscriptions_currently_in_their_tracks() {
    let document = schedule(
        municipality("mirai", &[TrackId::Maternity, TrackId::Baby, TrackId::Preschool], &[]),
        vec![local_entry("local/baby-only", json!({ "date": DAY }), &[TrackId::Baby])],
    );
    let mut source = MemoryRecipients::new();
    // Baby window: birth date … 3rd birthday.
    source.insert(recipient("born-today", "mirai", AnchorKind::Birth, DAY));
    source.insert(recipient("third-birthday", "mirai", AnchorKind::Birth, "2023-11-26"));
    source.insert(recipient("day-after-third", "mirai", AnchorKind::Birth, "2023-11-25"));
    source.insert(recipient("pregnant", "mirai", AnchorKind::Due, "2027-03-01"));
    let plan = plan(&document, &source, false).await;
    let ids: Vec<&str> = plan.mails.iter().map(|m| m.recipient.subscription_id.as_str()).collect();
    assert_eq!(ids, vec!["third-birthday", "born-today"]);
    assert_eq!(plan.queries.len(), 1, "only birth subscriptions are read");
    assert_eq!(plan.queries[0].kind, AnchorKind::Birth);
    assert_eq!(plan.queries[0].range, DateRange::new(d("2023-11-26"), d(DAY)).expect("range"));
}

#[tokio::test]
async fn adjacent_anchor_ranges_are_read_with_one_query_each_merged_range() {
    let document = schedule(
        municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
        vec![
            track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" })),
            track_entry("maternity/12w4d", json!({ "pregnancy": "12w4d" })),
            track_entry("maternity/12w6d", json!({ "pregnancy": "12w6d" })),
            track_entry("baby/day-100", json!({ "day": 100 })),
            track_entry("baby/birthday-1", json!({ "birthday": 1 })),
        ],
    );
    let source = MemoryRecipients::new();
    let plan = plan(&document, &source, false).await;
    let queries: Vec<(AnchorKind, String, String)> =
        plan.queries.iter().map(|q| (q.kind, q.range.start.to_string(), q.range.end.to_string())).collect();
    assert_eq!(
        queries,
        vec![
            (AnchorKind::Due, "2027-06-04".into(), "2027-06-04".into()),
            (AnchorKind::Due, "2027-06-06".into(), "2027-06-07".into()),
            (AnchorKind::Birth, "2025-11-26".into(), "2025-11-26".into()),
            (AnchorKind::Birth, "2026-08-19".into(), "2026-08-19".into()),
        ]
    );
    assert_eq!(source.queries(), plan.queries, "the planner made exactly the queries it reports");
}

#[tokio::test]
async fn inactive_and_foreign_items_are_never_planned() {
    let document = hikari();
    let mut source = MemoryRecipients::new();
    let mut stopped = recipient("stopped", "hikari", AnchorKind::Due, "2027-06-07");
    stopped.status = SubscriptionStatus::Stopped;
    source.insert(stopped);
    source.insert(recipient("elsewhere", "mirai", AnchorKind::Due, "2027-06-07"));
    let plan = plan(&document, &source, false).await;
    assert!(plan.mails.is_empty(), "{:?}", plan.mails);
}

#[tokio::test]
async fn the_subject_is_the_first_track_message_then_add_ons() {
    // Born 2020-05-10: on 2026-11-26 in school (after the 6th birthday) and school-entry (年長 year).
    let document = schedule(
        municipality("mirai", &[TrackId::School], &[TrackId::SchoolEntry]),
        vec![
            local_entry("local/notice", json!({ "date": DAY }), &[TrackId::School]),
            track_entry("school-entry/nencho-11-26", json!({ "school": { "year": "年長", "date": "11-26" } })),
            track_entry("school/age-6y6m16d", json!({ "age": "6y6m16d" })),
        ],
    );
    let mut source = MemoryRecipients::new();
    source.insert(recipient("child", "mirai", AnchorKind::Birth, "2020-05-10"));
    let plan = plan(&document, &source, false).await;
    assert_eq!(
        sections_of(&plan, "child"),
        Some(vec!["school/age-6y6m16d".into(), "school-entry/nencho-11-26".into(), "local/notice".into()])
    );
}

/// The sections of the `sho1` subscription's mail on `date`.
async fn sho1_day(document: &ScheduleDocument, source: &MemoryRecipients, date: &str) -> Option<Vec<String>> {
    let plan = plan_day(document, d(date), source, PlanOptions { allow_draft: false }).await.expect("plan");
    sections_of(&plan, "sho1")
}

#[tokio::test]
async fn an_enabled_first_grade_addon_owns_the_school_tracks_sho1_messages() {
    // Born 2019-05-10: 小1 from April 2026; 2026-04-06 is the school day of both sho1-0406 messages.
    let sho1 = json!({ "school": { "year": "小1", "date": "04-06" } });
    let entries = vec![
        track_entry("school/sho1-0406", sho1.clone()),
        track_entry("school/birthday-7", json!({ "birthday": 7 })),
        track_entry("first-grade/sho1-0406", sho1),
    ];
    let mut source = MemoryRecipients::new();
    source.insert(recipient("sho1", "mirai", AnchorKind::Birth, "2019-05-10"));
    let with_addon = schedule(municipality("mirai", &[TrackId::School], &[TrackId::FirstGrade]), entries.clone());
    assert_eq!(sho1_day(&with_addon, &source, "2026-04-06").await, Some(vec!["first-grade/sho1-0406".into()]));
    let birthday = sho1_day(&with_addon, &source, "2026-05-10").await;
    assert_eq!(birthday, Some(vec!["school/birthday-7".into()]), "birthdays stay");
    let without = schedule(municipality("mirai", &[TrackId::School], &[]), entries);
    assert_eq!(sho1_day(&without, &source, "2026-04-06").await, Some(vec!["school/sho1-0406".into()]));
}

#[test]
fn track_anchor_ranges_are_exactly_the_anchors_in_the_window() {
    let dates = ["2026-11-26", "2027-02-28", "2028-02-29", "2027-04-01", "2027-03-31", "2030-01-01"];
    for date in dates.map(d) {
        for track in TrackId::ALL {
            let range = track_anchor_range(track, date);
            // Brute force over anchors from 20 years before to a year after.
            let lo = date - chrono::Duration::days(366 * 20);
            let hi = date + chrono::Duration::days(366);
            let inside: Vec<NaiveDate> = DateRange::new(lo, hi)
                .expect("range")
                .iter_days()
                .filter(|a| !tracks_on(track.anchor_kind(), *a, date, &[track]).is_empty())
                .collect();
            let expected = inside.first().zip(inside.last()).and_then(|(a, b)| DateRange::new(*a, *b));
            assert_eq!(range, expected, "{track} on {date}");
            assert_eq!(merge_ranges(expected.into_iter().collect()).len(), usize::from(expected.is_some()));
            if let Some(expected) = expected {
                assert_eq!(inside.len() as i64, expected.len_days(), "{track} on {date}: not an interval");
            }
        }
    }
}
