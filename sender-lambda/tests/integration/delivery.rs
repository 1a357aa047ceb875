//! Delivery against a real emulator (moto_server: DynamoDB + SESv2): the right mail, once, to the
//! right subscriptions — across re-runs, stops between planning and sending, changed due dates and
//! permanent per-recipient errors.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::common;

use kizuna_sender::ports::subscriptions::Subscriptions;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Utc};
use common::moto::{unique, Captured, Moto};
use common::{attached, d, local_entry, municipality, schedule, track_entry, write_schedule};
use kizuna_schedule::{tracks_on, AnchorKind, EntryTrack, ReviewStatus, Rule, ScheduleDocument, TrackId};
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::SubscriptionStore;
use kizuna_sender::adapters::dynamo::{
    create_table, subscription_items, DynamoDeliveries, DynamoRecipients, NewSubscription, PutOutcome,
};
use kizuna_sender::adapters::ses::compose::Composer;
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule, Sections};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys, Purpose};
use kizuna_sender::domain::model::{FamilyReason, StopReason, SubscriptionStatus, Transition, UnsubscribeVia};
use kizuna_sender::domain::plan::{plan_day, PlanOptions};
use kizuna_sender::ports::subscriptions::Change;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest, RunSummary};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use mail_parser::MessageParser;
use serde_json::json;

const DAY: &str = "2026-11-26";
const SECRET: &str = "k1:test-secret-test-secret-test-secret-0123";

/// Emulators with fresh tables, the schedules written to a temp dir and the sender's adapters.
///
/// SES runs in a moto of its own: moto keeps every object it ever created (a copy of each table for
/// every transaction included) and `/moto-api/data.json` serialises them all, so reading the captured
/// mail from the DynamoDB emulator after a 1,000-subscriber run would take tens of seconds.
struct World {
    _dynamo_moto: Moto,
    ses_moto: Moto,
    dynamo: aws_sdk_dynamodb::Client,
    mailer: SesMailer,
    subscriptions: String,
    deliveries: String,
    _dir: tempfile::TempDir,
    schedules: Vec<LoadedSchedule>,
    links: LinkKeys,
    hasher: EmailHasher,
}

impl World {
    async fn new(documents: Vec<ScheduleDocument>, verified: &[&str]) -> World {
        let (dynamo_moto, ses_moto) = (Moto::start().await, Moto::start().await);
        let dynamo = aws_sdk_dynamodb::Client::new(&dynamo_moto.config().await);
        let (subscriptions, deliveries) = (unique("subs"), unique("dels"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("create subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("create deliveries");
        let identities: Vec<String> = documents
            .iter()
            .filter(|doc| verified.contains(&doc.municipality.id.as_str()))
            .map(|doc| doc.municipality.email.from.clone())
            .collect();
        ses_moto.verify_identities(&identities).await;
        let dir = tempfile::tempdir().expect("temp dir");
        for document in documents {
            write_schedule(dir.path(), document);
        }
        let schedules = load_schedule_dir(dir.path(), None).expect("schedules load");
        let mailer = SesMailer::new(ses_client(&ses_moto.config().await), Some("kizuna-test".to_owned()));
        let links = LinkKeys::parse(SECRET).expect("secret");
        let hasher = EmailHasher::new(&links.derived_email_hash_key());
        World {
            _dynamo_moto: dynamo_moto,
            ses_moto,
            dynamo,
            mailer,
            subscriptions,
            deliveries,
            _dir: dir,
            schedules,
            links,
            hasher,
        }
    }

    fn subscription(
        &self,
        id: &str,
        muni: &str,
        kind: AnchorKind,
        anchor: NaiveDate,
        status: SubscriptionStatus,
    ) -> NewSubscription {
        NewSubscription {
            id: id.to_owned(),
            municipality: muni.to_owned(),
            email: format!("{id}@example.jp"),
            email_hash: self.hasher.hash(&format!("{id}@example.jp")),
            anchor_kind: kind,
            anchor_date: anchor,
            status,
            nickname: Some(format!("{id}<&>")),
            consent_version: "test".to_owned(),
        }
    }

    /// The subscription store over the test's tables.
    fn subscriptions_store(&self) -> SubscriptionStore {
        SubscriptionStore::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    /// Ends a subscription the way the API does (stop, unsubscribe).
    async fn stop(&self, id: &str, status: SubscriptionStatus, reason: StopReason) {
        let store = self.subscriptions_store();
        let current = store.get(id).await.expect("get").expect("subscription");
        let transition = match status {
            SubscriptionStatus::Unsubscribed => Transition::Unsubscribed(UnsubscribeVia::Link),
            _ => Transition::Stopped(reason),
        };
        let change = store.end(&current, status, reason, transition, Utc::now()).await.expect("end");
        assert!(matches!(change, Change::Applied(_)), "{id}: {change:?}");
    }

    /// Stores one subscription the way the API and the import do (one transaction).
    async fn subscribe(&self, id: &str, muni: &str, kind: AnchorKind, anchor: NaiveDate, status: SubscriptionStatus) {
        let subscription = self.subscription(id, muni, kind, anchor, status);
        let outcome = self.subscriptions_store().put_new(&subscription).await.expect("put");
        assert_eq!(outcome, PutOutcome::Created);
    }

    /// Stores many subscriptions as the same items `put_subscription` writes, with BatchWriteItem:
    /// moto copies a whole table for every transaction, so a large fixture written one transaction
    /// at a time would take minutes.
    async fn subscribe_many(&self, subscriptions: &[NewSubscription]) {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let now = chrono::Utc::now().to_rfc3339();
        let requests: Vec<WriteRequest> = subscriptions
            .iter()
            .flat_map(|sub| {
                let (item, unique) = subscription_items(sub, &now);
                [item, unique]
            })
            .map(|item| {
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(item)).build().expect("put"))
                    .build()
            })
            .collect();
        for chunk in requests.chunks(25) {
            let mut pending = Some(std::collections::HashMap::from([(self.subscriptions.clone(), chunk.to_vec())]));
            while let Some(items) = pending.filter(|items| !items.is_empty()) {
                let output =
                    self.dynamo.batch_write_item().set_request_items(Some(items)).send().await.expect("batch write");
                pending = output.unprocessed_items;
            }
        }
    }

    fn source(&self) -> DynamoRecipients {
        DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions)
    }

    fn store(&self) -> DynamoDeliveries {
        DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    async fn run(&self, date: &str) -> RunSummary {
        let (source, store, pacer) = (self.source(), self.store(), Pacer::new(10_000.0));
        let delivery =
            Delivery { store: &store, mailer: &self.mailer, pacer: &pacer, options: DeliveryOptions::default() };
        let request = RunRequest { date: d(date), dry_run: false, allow_draft: false };
        run_day(&self.schedules, &source, &delivery, &self.links, &request).await
    }

    async fn record(&self, id: &str, entry: &str) -> Option<BTreeMap<String, String>> {
        let item = self
            .dynamo
            .get_item()
            .table_name(&self.deliveries)
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("SUB#{id}")))
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(entry.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("get record")
            .item()
            .cloned()?;
        Some(item.into_iter().filter_map(|(k, v)| v.as_s().ok().or(v.as_n().ok()).map(|s| (k, s.clone()))).collect())
    }
}

/// A parsed captured mail.
#[derive(Debug)]
struct Mail {
    to: String,
    subject: String,
    text: String,
    html: String,
    list_unsubscribe: String,
    list_unsubscribe_post: String,
    content_type: String,
    parts: usize,
}

fn parse(captured: &Captured) -> Mail {
    let message = MessageParser::default().parse(captured.raw.as_bytes()).expect("MIME parses");
    Mail {
        to: message.to().and_then(|a| a.first()).and_then(|a| a.address()).expect("To").to_owned(),
        subject: message.subject().expect("Subject").to_owned(),
        text: message.body_text(0).expect("text part").into_owned(),
        html: message.body_html(0).expect("html part").into_owned(),
        list_unsubscribe: message.header_raw("List-Unsubscribe").expect("List-Unsubscribe").trim().to_owned(),
        list_unsubscribe_post: message.header_raw("List-Unsubscribe-Post").expect("one-click").trim().to_owned(),
        content_type: message.header_raw("Content-Type").unwrap_or_default().to_owned(),
        parts: message.parts.len(),
    }
}

async fn mails_by_recipient(moto: &Moto) -> BTreeMap<String, Vec<Mail>> {
    let mut by = BTreeMap::<String, Vec<Mail>>::new();
    for captured in moto.sent().await {
        let mail = parse(&captured);
        by.entry(mail.to.trim_end_matches("@example.jp").to_owned()).or_default().push(mail);
    }
    by
}

fn hikari() -> ScheduleDocument {
    let mut m12w3d = track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" }));
    m12w3d.local = vec![
        attached("local/boshi-techo", Some(("2026-04-01", "2027-03-31"))),
        attached("local/old-guide", Some(("2025-04-01", "2026-03-31"))),
    ];
    let mut draft = track_entry("baby/day-050", json!({ "day": 50 }));
    draft.review = ReviewStatus::Draft;
    schedule(
        municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
        vec![
            m12w3d,
            track_entry("maternity/12w4d", json!({ "pregnancy": "12w4d" })),
            track_entry("baby/day-100", json!({ "day": 100 })),
            track_entry("baby/birthday-1", json!({ "birthday": 1 })),
            draft,
            track_entry("preschool/4y", json!({ "age": "4y" })),
        ],
    )
}

fn mirai() -> ScheduleDocument {
    schedule(
        municipality("mirai", &[TrackId::Maternity, TrackId::Baby, TrackId::Preschool], &[TrackId::SchoolEntry]),
        vec![
            local_entry("local/bousai-day", json!({ "date": DAY }), &[TrackId::Baby]),
            track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" })),
            track_entry("baby/birthday-1", json!({ "birthday": 1 })),
            track_entry("preschool/4y", json!({ "age": "4y" })),
            track_entry("school-entry/nencho-11-26", json!({ "school": { "year": "年長", "date": "11-26" } })),
        ],
    )
}

/// The oracle: which entries a subscription should get on `date`, computed forwards with
/// `delivery_date` (the planner works backwards with `anchors_on`), in mail order.
fn expected_entries(document: &ScheduleDocument, kind: AnchorKind, anchor: NaiveDate, date: NaiveDate) -> Vec<String> {
    let enabled = document.municipality.enabled_tracks();
    let current = tracks_on(kind, anchor, date, &enabled);
    let mut due: Vec<(bool, bool, usize, String)> = Vec::new();
    for (index, entry) in document.entries.iter().enumerate() {
        if entry.review == ReviewStatus::Draft || entry.valid.is_some_and(|v| !v.contains(date)) {
            continue;
        }
        let audience: Vec<TrackId> = match entry.track {
            EntryTrack::Track(track) => vec![track],
            EntryTrack::Local => entry.tracks.clone().unwrap_or_default(),
        };
        let in_audience = audience.iter().any(|t| current.contains(t));
        let on_date = match entry.when {
            Rule::Date(day) => day.0 == date,
            rule => rule.anchor_kind() == Some(kind) && rule.delivery_date(anchor) == Some(date),
        };
        if in_audience && on_date {
            let addon = matches!(entry.track, EntryTrack::Track(t) if t.is_addon());
            due.push((entry.track == EntryTrack::Local, addon, index, entry.id.clone()));
        }
    }
    due.sort();
    due.into_iter().map(|(_, _, _, id)| id).collect()
}

fn check_links(world: &World, mail: &Mail, id: &str) {
    let now = chrono::Utc::now().timestamp();
    let unsubscribe = mail
        .list_unsubscribe
        .strip_prefix("<https://kizuna.example.jp/api/unsubscribe?token=")
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or_else(|| panic!("List-Unsubscribe is an https one-click URL: {}", mail.list_unsubscribe));
    let claims = world.links.verify(unsubscribe, now + 10 * 365 * 86_400).expect("unsubscribe never expires");
    assert_eq!((claims.purpose, claims.subscription_id.as_str()), (Purpose::Unsubscribe, id));
    assert_eq!(mail.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    let manage =
        mail.text.split("manage?token=").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("manage link");
    let claims = world.links.verify(manage, now).expect("fresh manage token");
    assert_eq!(claims.subscription_id, id);
    assert!(claims.expires.is_some_and(|at| at > now + 29 * 86_400 && at <= now + 30 * 86_400 + 60));
    assert!(world.links.verify(manage, now + 31 * 86_400).is_err(), "manage links expire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_sends_exactly_one_mail_per_expected_subscription_and_a_rerun_sends_nothing() {
    let world = World::new(vec![hikari(), mirai()], &["hikari", "mirai"]).await;
    let day = d(DAY);
    // Anchors that receive something on DAY, and random ones that mostly do not.
    let hits_due = [d("2027-06-07"), d("2027-06-06")];
    let hits_birth =
        [d("2026-08-19"), d("2025-11-26"), d("2026-10-08"), d("2022-11-26"), d("2020-05-10"), d("2024-01-15")];
    let mut rng = fastrand::Rng::with_seed(7);
    let mut subscribers: Vec<(String, String, AnchorKind, NaiveDate, SubscriptionStatus)> = Vec::new();
    for i in 0..1000 {
        let muni = if rng.bool() { "hikari" } else { "mirai" };
        let kind = if rng.u8(0..3) == 0 { AnchorKind::Due } else { AnchorKind::Birth };
        let anchor = match (kind, rng.bool()) {
            (AnchorKind::Due, true) => hits_due[rng.usize(0..hits_due.len())],
            (AnchorKind::Birth, true) => hits_birth[rng.usize(0..hits_birth.len())],
            (AnchorKind::Due, false) => day + chrono::Duration::days(rng.i64(-10..300)),
            (AnchorKind::Birth, false) => day - chrono::Duration::days(rng.i64(0..365 * 8)),
        };
        let status = match rng.u8(0..20) {
            0 | 1 => SubscriptionStatus::Stopped,
            2 => SubscriptionStatus::Unsubscribed,
            3 => SubscriptionStatus::Pending,
            _ => SubscriptionStatus::Active,
        };
        subscribers.push((format!("sub{i:04}"), muni.to_owned(), kind, anchor, status));
    }
    let fixture: Vec<NewSubscription> = subscribers
        .iter()
        .map(|(id, muni, kind, anchor, status)| world.subscription(id, muni, *kind, *anchor, *status))
        .collect();
    world.subscribe_many(&fixture).await;
    let documents: BTreeMap<&str, &ScheduleDocument> =
        world.schedules.iter().map(|s| (s.document.municipality.id.as_str(), &s.document)).collect();
    let expected: BTreeMap<String, Vec<String>> = subscribers
        .iter()
        .filter(|s| s.4 == SubscriptionStatus::Active)
        .map(|(id, muni, kind, anchor, _)| {
            (id.clone(), expected_entries(documents[muni.as_str()], *kind, *anchor, day))
        })
        .filter(|(_, entries)| !entries.is_empty())
        .collect();
    assert!(expected.len() > 250, "the fixture should exercise many mails, got {}", expected.len());
    let with_two_sections = expected.values().filter(|e| e.len() > 1).count();
    assert!(with_two_sections > 0, "some mails should combine sections");

    let summary = world.run(DAY).await;
    assert_eq!(summary.planned, expected.len(), "{summary:?}");
    assert_eq!(summary.delivery.sent, expected.len(), "{summary:?}");
    assert_eq!((summary.delivery.failed, summary.delivery.refused, summary.municipality_errors), (0, 0, 0));
    assert_eq!(summary.drafts_refused, vec!["hikari:baby/day-050".to_owned()]);
    assert_eq!(summary.items_read, expected.len(), "only recipients are read, never the whole table");

    let mails = mails_by_recipient(&world.ses_moto).await;
    let received: BTreeSet<&String> = mails.keys().collect();
    let wanted: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(received, wanted, "exactly the expected subscriptions get mail");
    for (id, entries) in &expected {
        let [mail] = &mails[id][..] else { panic!("{id} got {} mails", mails[id].len()) };
        let muni = &subscribers.iter().find(|s| &s.0 == id).expect("subscriber").1;
        let document = documents[muni.as_str()];
        let first = document.entries.iter().find(|e| e.id == entries[0]).expect("entry");
        assert_eq!(mail.subject, first.subject, "{id}: the subject is the first section's");
        assert!(mail.content_type.contains("multipart/alternative"), "{id}: {}", mail.content_type);
        assert_eq!(mail.parts, 3, "{id}: multipart/alternative with text and HTML");
        let positions = |body: &str| -> Vec<usize> {
            entries
                .iter()
                .map(|e| body.find(&format!("[[{e}]]")).unwrap_or_else(|| panic!("{id}: {e} missing")))
                .collect()
        };
        for body in [&mail.text, &mail.html] {
            let found = positions(body);
            assert!(found.windows(2).all(|w| w[0] < w[1]), "{id}: sections out of order in {body}");
            assert!(!body.contains("%%"), "{id}: unfilled marker");
            assert!(!body.contains("[[local/old-guide]]"), "{id}: an expired local section was sent");
        }
        if muni == "hikari" && entries[0] == "maternity/12w3d" {
            assert!(mail.text.contains("[[local/boshi-techo]]") && mail.html.contains("[[local/boshi-techo]]"));
        }
        assert!(mail.html.contains(&format!("<p>{id}&lt;&amp;&gt;さん</p>")), "{id}: nickname HTML-escaped");
        assert!(mail.text.starts_with(&format!("{id}<&>さん")), "{id}: nickname as is in text");
        check_links(&world, mail, id);
    }
    let (id, entries) = expected.iter().next().expect("a mail");
    let record = world.record(id, &entries[0]).await.expect("delivery record");
    assert_eq!(record["status"], "sent");
    assert!(!record["message_id"].is_empty());
    assert!(record["expires_at"].parse::<i64>().expect("ttl") > chrono::Utc::now().timestamp() + 399 * 86_400);

    let again = world.run(DAY).await;
    assert_eq!((again.planned, again.delivery.sent, again.delivery.already_sent), (expected.len(), 0, expected.len()));
    assert_eq!(world.ses_moto.sent().await.len(), expected.len(), "a re-run sends nothing new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_stopped_or_changed_after_planning_gets_nothing() {
    let world = World::new(vec![hikari()], &["hikari"]).await;
    for id in ["keep1", "keep2", "stop", "unsub", "moved"] {
        world.subscribe(id, "hikari", AnchorKind::Due, d("2027-06-07"), SubscriptionStatus::Active).await;
    }
    let schedule = &world.schedules[0];
    let plan = plan_day(&schedule.document, d(DAY), &world.source(), PlanOptions::default()).await.expect("plan");
    assert_eq!(plan.mails.len(), 5);

    // The family's own operations, racing the planned mails' reservations.
    let subscriptions = world.subscriptions_store();
    world.stop("stop", SubscriptionStatus::Stopped, StopReason::Family(FamilyReason::Other)).await;
    world.stop("unsub", SubscriptionStatus::Unsubscribed, StopReason::Unsubscribe).await;
    let moved = subscriptions.get("moved").await.expect("get").expect("moved");
    let change = subscriptions.change_due_date(&moved, d("2027-06-20"), Utc::now()).await.expect("move");
    assert!(matches!(change, Change::Applied(_)), "{change:?}");

    let sections = Sections::load_for(schedule, &plan).expect("sections");
    let composer =
        Composer { schedule: &schedule.document, sections: &sections, links: &world.links, now: 1_800_000_000 };
    let (store, pacer) = (world.store(), Pacer::new(1_000.0));
    // One reservation at a time: moto rolls a refused TransactWriteItems back by restoring the
    // tables as they were when it began, which would undo a reservation committed meanwhile.
    let options = DeliveryOptions { concurrency: 1, ..DeliveryOptions::default() };
    let delivery = Delivery { store: &store, mailer: &world.mailer, pacer: &pacer, options };
    let counts = delivery.deliver_plan(&plan, &composer).await;
    assert_eq!((counts.sent, counts.refused, counts.failed), (2, 3, 0), "{counts:?}");
    let mails = mails_by_recipient(&world.ses_moto).await;
    assert_eq!(mails.keys().map(String::as_str).collect::<Vec<_>>(), vec!["keep1", "keep2"]);
    assert_eq!(world.record("stop", "maternity/12w3d").await, None, "a refused reservation writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_due_date_repeats_no_entry() {
    let mut document = hikari();
    // An announcement to pregnant subscribers on the day after DAY.
    document.entries.push(local_entry("local/next-day", json!({ "date": "2026-11-27" }), &[TrackId::Maternity]));
    let world = World::new(vec![document], &["hikari"]).await;
    world.subscribe("family", "hikari", AnchorKind::Due, d("2027-06-07"), SubscriptionStatus::Active).await;

    let first = world.run(DAY).await;
    assert_eq!(first.delivery.sent, 1);
    // The due date moves a day later: on 2026-11-27 the family is at 12w3d again.
    let subscriptions = world.subscriptions_store();
    let family = subscriptions.get("family").await.expect("get").expect("family");
    let change = subscriptions.change_due_date(&family, d("2027-06-08"), Utc::now()).await.expect("move");
    assert!(matches!(change, Change::Applied(_)), "{change:?}");
    let second = world.run("2026-11-27").await;
    assert_eq!((second.planned, second.delivery.sent), (1, 1), "{second:?}");
    let third = world.run("2026-11-28").await;
    assert_eq!(third.delivery.sent, 1, "{third:?}");

    let mails = mails_by_recipient(&world.ses_moto).await;
    let subjects: Vec<&str> = mails["family"].iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, vec!["件名 maternity/12w3d", "お知らせ local/next-day", "件名 maternity/12w4d"]);
    let second_mail = &mails["family"][1];
    assert!(!second_mail.text.contains("[[maternity/12w3d]]"), "12w3d is not repeated");
    assert!(second_mail.text.contains("[[local/next-day]]"));
    let record = world.record("family", "maternity/12w3d").await.expect("record");
    assert_eq!(record["anchor_version"], "1", "the first delivery's record is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_is_recorded_and_never_stops_the_run() {
    // mirai's sender address is not verified: SES rejects its mails.
    let world = World::new(vec![hikari(), mirai()], &["hikari"]).await;
    world.subscribe("ok", "hikari", AnchorKind::Due, d("2027-06-07"), SubscriptionStatus::Active).await;
    world.subscribe("rejected", "mirai", AnchorKind::Due, d("2027-06-07"), SubscriptionStatus::Active).await;
    world.subscribe("ok2", "hikari", AnchorKind::Birth, d("2026-08-19"), SubscriptionStatus::Active).await;

    let summary = world.run(DAY).await;
    assert_eq!((summary.planned, summary.delivery.sent, summary.delivery.failed), (3, 2, 1), "{summary:?}");
    assert!(summary.has_failures());
    let record = world.record("rejected", "maternity/12w3d").await.expect("record");
    assert_eq!(record["status"], "failed");
    assert_eq!(record["error_code"], "MessageRejected");

    let again = world.run(DAY).await;
    assert_eq!((again.delivery.sent, again.delivery.already_sent, again.delivery.failed), (0, 3, 0), "{again:?}");
    assert_eq!(world.ses_moto.sent().await.len(), 2);
}
