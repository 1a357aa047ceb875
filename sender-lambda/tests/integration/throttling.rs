//! Send rate, throttling and aborts, through the recording, fault-injecting proxy
//! (`common::proxy`) between the sender's SES client and moto_server: with 20 % of SendEmail calls
//! throttled, every mail is still sent exactly once and the calls never exceed the configured rate
//! (split over two overlapping workers); a run aborted midway and run again sends nothing twice and
//! reports the records left in flight.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::moto::{config_at, unique, Moto};
use common::proxy::Proxy;
use common::{d, municipality, schedule, track_entry, write_schedule};
use kizuna_schedule::{AnchorKind, TrackId};
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::SubscriptionStore;
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients, NewSubscription};
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::domain::plan::{DayPlanner, PlanOptions};
use kizuna_sender::ports::group_queue::GroupMessage;
use kizuna_sender::use_cases::daily_run::{run_day, work_group, GroupOptions, GroupResult, RunRequest, RunSummary};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use serde_json::json;

const DAY: &str = "2026-11-26";

struct World {
    moto: Moto,
    proxy: Proxy,
    dynamo: aws_sdk_dynamodb::Client,
    mailer: SesMailer,
    subscriptions: String,
    deliveries: String,
    _dir: tempfile::TempDir,
    schedules: Vec<LoadedSchedule>,
    links: LinkKeys,
}

impl World {
    /// Moto, the proxy in front of it (for SES only), and `count` subscribers who all get a mail on
    /// DAY (half due 2027-06-07 → 12w3d, half born 2026-08-19 → day 100), plus a few who do not.
    async fn new(throttle_share: f64, count: usize) -> (World, usize) {
        let moto = Moto::start().await;
        let proxy = Proxy::start(moto.port, throttle_share, 42).await;
        let config = moto.config().await;
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let (subscriptions, deliveries) = (unique("subs"), unique("dels"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries");
        let dir = tempfile::tempdir().expect("temp dir");
        let document = write_schedule(
            dir.path(),
            schedule(
                municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
                vec![
                    track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" })),
                    track_entry("baby/day-100", json!({ "day": 100 })),
                ],
            ),
        );
        moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;
        let schedules = load_schedule_dir(dir.path(), None).expect("schedules");
        let mailer = SesMailer::new(ses_client(&config_at(&proxy.endpoint()).await), None);
        let links = LinkKeys::parse("k1:throttle-secret-throttle-secret-0123").expect("keys");
        let world = World { moto, proxy, dynamo, mailer, subscriptions, deliveries, _dir: dir, schedules, links };
        let hasher = EmailHasher::new(&[3; 32]);
        let mut expected = 0;
        let mut subscriptions = Vec::new();
        for i in 0..count + 10 {
            let (kind, anchor, status) = match i {
                i if i >= count && i % 2 == 0 => (AnchorKind::Due, "2027-07-01", SubscriptionStatus::Active),
                i if i >= count => (AnchorKind::Due, "2027-06-07", SubscriptionStatus::Stopped),
                i if i % 2 == 0 => (AnchorKind::Due, "2027-06-07", SubscriptionStatus::Active),
                _ => (AnchorKind::Birth, "2026-08-19", SubscriptionStatus::Active),
            };
            if i < count {
                expected += 1;
            }
            let id = format!("s{i:04}");
            let subscription = NewSubscription {
                id: id.clone(),
                municipality: "hikari".to_owned(),
                email: format!("{id}@example.jp"),
                email_hash: hasher.hash(&id),
                anchor_kind: kind,
                anchor_date: d(anchor),
                status,
                nickname: None,
                consent_version: "test".to_owned(),
            };
            subscriptions.push(subscription);
        }
        // One at a time: moto answers concurrent transactions with errors now and then.
        for subscription in &subscriptions {
            SubscriptionStore::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries)
                .put_new(subscription)
                .await
                .expect("subscribe");
        }
        (world, expected)
    }

    fn store(&self) -> DynamoDeliveries {
        DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    async fn run(&self, store: &DynamoDeliveries, rate: f64, concurrency: usize) -> RunSummary {
        let source = DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions);
        let pacer = Pacer::new(rate);
        let options = DeliveryOptions { concurrency, ..DeliveryOptions::default() };
        let delivery = Delivery { store, mailer: &self.mailer, pacer: &pacer, options };
        let request = RunRequest { date: d(DAY), dry_run: false, allow_draft: false };
        run_day(&self.schedules, &source, &delivery, &self.links, &request).await
    }

    /// One worker delivering one group at `rate` mails per second.
    async fn work(&self, group: &GroupMessage, rate: f64) -> GroupResult {
        let source = DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions);
        let (store, pacer) = (self.store(), Pacer::new(rate));
        let delivery =
            Delivery { store: &store, mailer: &self.mailer, pacer: &pacer, options: DeliveryOptions::default() };
        let options =
            GroupOptions { allow_draft: false, dry_run: false, page_size: 50, stop_at: None, stopped: Vec::new() };
        work_group(&self.schedules[0], group, &source, &delivery, &self.links, options).await.expect("group")
    }

    /// Mails moto received, per recipient.
    async fn mails(&self) -> BTreeMap<String, usize> {
        let mut by = BTreeMap::new();
        for captured in self.moto.sent().await {
            let message = mail_parser::MessageParser::default().parse(captured.raw.as_bytes()).expect("mime");
            let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).expect("to").to_owned();
            *by.entry(to).or_insert(0) += 1;
        }
        by
    }
}

/// The most calls in any window of one second.
fn busiest_second(times: &[Instant]) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    let mut most = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fifth_throttled_everything_is_sent_once_within_the_rate() {
    let (world, expected) = World::new(0.2, 200).await;
    // A total of 40 mails/s split over two workers running at once (KIZUNA_WORKERS=2): 20/s each,
    // each delivering one group of the fan-out (the due range and the birth range).
    let (total, workers) = (40.0, 2.0);
    let schedule = &world.schedules[0];
    let planner = DayPlanner::new(&schedule.document, d(DAY), PlanOptions::default());
    let groups: Vec<GroupMessage> = planner.queries().iter().map(|q| GroupMessage::new(d(DAY), q)).collect();
    assert_eq!(groups.len(), 2);
    let (a, b) = tokio::join!(world.work(&groups[0], total / workers), world.work(&groups[1], total / workers));
    assert!(a.finished() && b.finished(), "{a:?}\n{b:?}");
    assert_eq!(a.delivery.failed + b.delivery.failed, 0, "{a:?}\n{b:?}");
    assert_eq!(a.delivery.sent + b.delivery.sent, expected, "{a:?}\n{b:?}");
    assert!(a.delivery.throttled + b.delivery.throttled > 0, "the proxy throttled some calls");

    let mails = world.mails().await;
    assert_eq!(mails.len(), expected, "every expected subscription got mail");
    assert!(mails.values().all(|n| *n == 1), "nobody got two mails");

    let (times, throttled, forwarded) = world.proxy.snapshot();
    assert_eq!(forwarded, expected);
    assert!(throttled * 100 >= times.len() * 10, "about a fifth throttled: {throttled} of {}", times.len());
    // Arrival times at the proxy are wall-clock, and a loaded machine delays some calls between
    // their pacer slot and the wire, bunching them. So the bounds below hold under any load as long
    // as the pacers keep their slots: every call in a window either got its slot in that window
    // (at most 40 a second, plus one at each pacer's edge) or got it earlier and was still in
    // flight when the window opened (at most one per task: the two workers' concurrency).
    let in_flight = 2 * DeliveryOptions::default().concurrency;
    let busiest = busiest_second(&times);
    assert!(busiest <= 40 + 2 + in_flight, "{busiest} SendEmail calls within one second; the limit is 40/s");
    let mut sorted = times.clone();
    sorted.sort();
    let span = (sorted[sorted.len() - 1] - sorted[0]).as_secs_f64();
    let paced = (sorted.len() - 2 - in_flight) as f64;
    assert!(paced / span <= 40.0, "{} calls over {span:.1} s exceed 40/s", sorted.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_run_run_again_sends_nothing_twice_and_reports_the_records_in_flight() {
    let (world, expected) = World::new(0.0, 120).await;
    let store = world.store();
    // Abort the worker (drop it, as a killed Lambda) once 30 mails have reached SES.
    tokio::select! {
        summary = world.run(&store, 30.0, 8) => panic!("the run should have been aborted: {summary:?}"),
        () = world.proxy.forwarded_at_least(30) => {}
    }
    // Let the requests the aborted worker had already sent finish in the emulator.
    world.proxy.idle().await;
    let first = world.mails().await;
    assert!(first.len() >= 30 && first.len() < expected, "aborted midway: {} mails", first.len());

    // The re-runs reserve one mail at a time: moto rolls a failed TransactWriteItems back by
    // restoring a copy of the whole table taken when it started, which loses the writes of
    // transactions running at the same time (DynamoDB itself does not); many reservations fail
    // here (already recorded), so concurrent ones would make the emulator, not the sender, lose
    // records.
    let reporting = world.store().with_stale_after(chrono::Duration::zero());
    let again = world.run(&reporting, 200.0, 1).await;
    assert!(again.delivery.stale_sending > 0, "records left `sending` are reported: {again:?}");
    assert_eq!(again.delivery.failed, 0, "{again:?}");
    let mails = world.mails().await;
    assert!(mails.values().all(|n| *n == 1), "nobody got two mails");
    assert_eq!(mails.len(), first.len() + again.delivery.sent, "the second run sent only what the first had not");
    // A mail in flight at the abort may or may not have reached SES: it is in doubt, reported and
    // never resent — so those without a mail are among the reported ones.
    assert!(mails.len() <= expected);
    assert!(
        mails.len() + again.delivery.stale_sending >= expected,
        "{} mails, {} reported in doubt, {expected} expected",
        mails.len(),
        again.delivery.stale_sending
    );

    let third = world.run(&world.store(), 200.0, 1).await;
    assert_eq!((third.delivery.sent, third.delivery.already_sent), (0, expected), "{third:?}");
}
