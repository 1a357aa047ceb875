//! The delivery Lambda's handler called directly (`LambdaEvent::new(payload, Context)`) against
//! moto_server (DynamoDB, SESv2, SQS, S3, Secrets Manager): the hourly planner fans out through
//! SQS, workers deliver, runs complete and are not redone, missed dates are caught up, a worker
//! stops before its deadline leaving the rest queued, stale `sending` records are reported, schedules
//! come from S3 through `current.json`, and secrets from Secrets Manager.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::common;

use kizuna_sender::ports::run_markers::RunMarkers;
use kizuna_sender::ports::subscriptions::Subscriptions;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use clap::Parser;
use common::moto::{config_at, unique, Moto};
use common::proxy::Proxy;
use common::{d, municipality, schedule, subscription, track_entry, write_schedule};
use kizuna_schedule::{AnchorKind, TrackId};
use kizuna_sender::adapters::dynamo::run_markers::DynamoRuns;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::SubscriptionStore;
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries};
use kizuna_sender::adapters::memory::ManualClock;
use kizuna_sender::adapters::site::{load_schedules, s3_client, ScheduleError, ScheduleSource, Sections};
use kizuna_sender::domain::links::EmailHasher;
use kizuna_sender::domain::model::{Recipient, SubscriptionStatus};
use kizuna_sender::lambdas::delivery::{handle, DeliveryApp};
use kizuna_sender::ports::deliveries::{DeliveryStore, ReserveRequest};
use kizuna_sender::settings::resolve_secrets;
use kizuna_sender::settings::Settings;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};

const SECRET: &str = "k1:lambda-secret-lambda-secret-0123456789";

#[derive(Parser, Debug)]
struct Env {
    #[command(flatten)]
    settings: Settings,
}

/// Moto with tables, a queue, a verified sender and hikari's schedule (in a directory and in S3).
struct World {
    moto: Moto,
    config: aws_config::SdkConfig,
    dynamo: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    queue: String,
    subscriptions: String,
    deliveries: String,
    dir: tempfile::TempDir,
    bucket: String,
}

fn hikari() -> kizuna_schedule::ScheduleDocument {
    let mut document = schedule(
        municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
        vec![
            track_entry("maternity/12w2d", json!({ "pregnancy": "12w2d" })),
            track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" })),
            track_entry("baby/day-100", json!({ "day": 100 })),
        ],
    );
    let reminder = kizuna_schedule::SystemMail::BirthReminder;
    document.mail.system.insert(reminder, format!("mail/system/{}.json", reminder.as_str()));
    document
}

impl World {
    async fn new() -> World {
        let moto = Moto::start().await;
        let config = moto.config().await;
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let (subscriptions, deliveries) = (unique("subs"), unique("dels"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("deliveries");
        let sqs = aws_sdk_sqs::Client::new(&config);
        let queue = sqs.create_queue().queue_name(unique("groups")).send().await.expect("queue");
        let queue = queue.queue_url().expect("queue url").to_owned();
        let dir = tempfile::tempdir().expect("temp dir");
        let document = write_schedule(dir.path(), hikari());
        moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;
        let (s3, bucket) = common::s3::bucket(&config, "public").await;
        common::s3::publish(&s3, &bucket, dir.path(), "site/").await;
        World { moto, config, dynamo, sqs, queue, subscriptions, deliveries, dir, bucket }
    }

    fn settings(&self, extra: &[&str]) -> Settings {
        let schedule = format!("s3://{}/site", self.bucket);
        let mut args = vec![
            "delivery-lambda",
            "--subscriptions-table",
            &self.subscriptions,
            "--deliveries-table",
            &self.deliveries,
            "--link-secret",
            SECRET,
            "--schedule",
            &schedule,
            "--queue-url",
            &self.queue,
        ];
        args.extend_from_slice(extra);
        Env::try_parse_from(args).expect("settings").settings
    }

    async fn app(&self, extra: &[&str]) -> DeliveryApp {
        DeliveryApp::new(self.settings(extra), &self.config).await.expect("app")
    }

    async fn subscribe(&self, id: &str, kind: AnchorKind, anchor: &str) {
        let subscription = subscription(id, "hikari", kind, d(anchor), &EmailHasher::new(&[7; 32]));
        SubscriptionStore::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
            .put_new(&subscription)
            .await
            .expect("subscribe");
    }

    /// Receives up to `max` queued messages as the Lambda SQS event source would pass them.
    async fn receive(&self, max: i32) -> (Value, Vec<(String, String)>) {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue)
            .max_number_of_messages(max)
            .visibility_timeout(1)
            .send()
            .await
            .expect("receive");
        let mut records = Vec::new();
        let mut handles = Vec::new();
        for message in received.messages() {
            let id = message.message_id().expect("id").to_owned();
            records.push(json!({
                "messageId": id,
                "receiptHandle": message.receipt_handle(),
                "body": message.body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:groups",
                "awsRegion": "ap-northeast-1",
                "attributes": {},
                "messageAttributes": {},
            }));
            handles.push((id, message.receipt_handle().expect("handle").to_owned()));
        }
        (json!({ "Records": records }), handles)
    }

    /// What the event source does after the handler: deletes the messages not reported failed.
    async fn settle(&self, handles: &[(String, String)], response: &Value) {
        let failed: Vec<&str> = response["batchItemFailures"]
            .as_array()
            .expect("batch response")
            .iter()
            .map(|f| f["itemIdentifier"].as_str().expect("id"))
            .collect();
        for (id, handle) in handles {
            if !failed.contains(&id.as_str()) {
                self.sqs.delete_message().queue_url(&self.queue).receipt_handle(handle).send().await.expect("delete");
            }
        }
    }

    /// Works the queue until it is empty (each batch with a fresh context, no deadline).
    async fn drain(&self, app: &DeliveryApp) -> usize {
        let mut batches = 0;
        loop {
            let (event, handles) = self.receive(10).await;
            if handles.is_empty() {
                return batches;
            }
            let response = handle(app, LambdaEvent::new(event, Context::default())).await.expect("worker");
            self.settle(&handles, &response).await;
            batches += 1;
            assert!(batches < 100, "the queue does not drain");
        }
    }

    async fn recipients(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .moto
            .sent()
            .await
            .iter()
            .map(|m| {
                let parsed = mail_parser::MessageParser::default().parse(m.raw.as_bytes()).expect("mime");
                parsed.to().and_then(|a| a.first()).and_then(|a| a.address()).expect("to").to_owned()
            })
            .collect();
        to.sort();
        to
    }
}

async fn plan(app: &DeliveryApp, time: &str) -> Value {
    handle(app, LambdaEvent::new(json!({ "time": time }), Context::default())).await.expect("planner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_planner_fans_out_catches_up_and_never_redoes_a_complete_run() {
    let world = World::new().await;
    // 12w3d is due date − 193 days, 12w2d − 194: on 2026-11-26 a gets 12w3d, b 12w2d, e and f
    // day 100; the two missed days before: c 12w2d (11-24) and 12w3d (11-25), a 12w2d (11-25).
    for (id, kind, anchor) in [
        ("a", AnchorKind::Due, "2027-06-07"),
        ("b", AnchorKind::Due, "2027-06-08"),
        ("c", AnchorKind::Due, "2027-06-06"),
        ("e", AnchorKind::Birth, "2026-08-19"),
        ("f", AnchorKind::Birth, "2026-08-19"),
    ] {
        world.subscribe(id, kind, anchor).await;
    }
    let app = world.app(&["--max-send-rate", "20", "--workers", "2"]).await;
    assert_eq!(app.worker_rate, 10.0, "each worker gets the total rate divided by KIZUNA_WORKERS");

    // 06:30 JST on 2026-11-26: that day's 07:00 has not come; the two days before are due.
    let early = plan(&app, "2026-11-25T21:30:00Z").await;
    assert_eq!(early["runs_planned"], 2, "{early}");
    world.drain(&app).await;
    // 2026-11-24: c (12w2d); 2026-11-25: a (12w2d), c (12w3d).
    assert_eq!(world.recipients().await, ["a", "c", "c"].map(|id| format!("{id}@example.jp")));

    // 09:00 JST: 2026-11-26 is due; 11-24 and 11-25 are complete and not redone.
    let summary = plan(&app, "2026-11-26T00:00:00Z").await;
    assert_eq!((summary["runs_planned"].as_u64(), summary["runs_complete"].as_u64()), (Some(1), Some(2)), "{summary}");
    assert!(summary["groups_enqueued"].as_u64() >= Some(2), "one group per merged anchor range: {summary}");
    world.drain(&app).await;
    let expected = ["a", "a", "b", "c", "c", "e", "f"].map(|id| format!("{id}@example.jp"));
    assert_eq!(world.recipients().await, expected);

    let runs = DynamoRuns::new(world.dynamo.clone(), &world.deliveries);
    let states = runs.runs("hikari", d("2026-11-24"), d("2026-11-26")).await.expect("markers");
    assert_eq!(states.len(), 3);
    assert!(states.values().all(|run| run.complete), "{states:?}");

    let later = plan(&app, "2026-11-26T01:00:00Z").await;
    assert_eq!((later["runs_planned"].as_u64(), later["runs_complete"].as_u64()), (Some(0), Some(3)), "{later}");
    assert_eq!(world.drain(&app).await, 0, "nothing queued for complete runs");
    assert_eq!(world.recipients().await.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stops_before_its_deadline_and_leaves_the_rest_queued() {
    let world = World::new().await;
    for i in 0..30 {
        world.subscribe(&format!("m{i:02}"), AnchorKind::Due, "2027-06-07").await;
    }
    // The worker talks to moto through the recording proxy, so the test knows when the tenth mail
    // reached SES; its deadline is read on a clock the test moves then (not after so many
    // wall-clock seconds, which a loaded machine stretches).
    let proxy = Proxy::start(world.moto.port, 0.0, 1).await;
    let proxied = config_at(&proxy.endpoint()).await;
    let settings = world.settings(&["--max-send-rate", "10", "--send-concurrency", "2", "--catch-up-days", "0"]);
    let mut app = DeliveryApp::new(settings, &proxied).await.expect("app");
    let clock = Arc::new(ManualClock::default());
    app.clock = clock.clone();
    app.deadline_margin = Duration::from_millis(500);
    app.page_size = 7;
    let summary = plan(&app, "2026-11-26T00:00:00Z").await;
    assert_eq!(summary["groups_enqueued"], 2, "the due group and the (empty) birth group: {summary}");

    // A worker with ten minutes before its deadline, whose clock jumps past it at the tenth mail.
    let (event, handles) = world.receive(10).await;
    let mut context = Context::default();
    context.deadline = u64::try_from(chrono::Utc::now().timestamp_millis()).expect("now") + 600_000;
    let (response, ()) = tokio::join!(handle(&app, LambdaEvent::new(event, context)), async {
        proxy.forwarded_at_least(10).await;
        clock.advance(Duration::from_secs(3_600));
    });
    let response = response.expect("worker");
    let failures = response["batchItemFailures"].as_array().expect("failures").len();
    assert!(failures < handles.len(), "the group started is not a failure: its rest is a continuation");
    world.settle(&handles, &response).await;
    let first = world.recipients().await.len();
    // At most the two mails in flight (--send-concurrency 2) finish after the deadline came.
    assert!((10..=12).contains(&first), "the worker stopped at its deadline: {first} mails");

    let runs = DynamoRuns::new(world.dynamo.clone(), &world.deliveries);
    let state = runs.runs("hikari", d("2026-11-26"), d("2026-11-26")).await.expect("markers");
    assert!(!state[&d("2026-11-26")].complete, "not complete while a continuation is queued");

    // A message that arrives when the deadline has come is returned untouched.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let (event, handles) = world.receive(10).await;
    assert!(!handles.is_empty(), "the continuation is queued");
    let mut context = Context::default();
    context.deadline = u64::try_from(chrono::Utc::now().timestamp_millis()).expect("now") + 100;
    let response = handle(&app, LambdaEvent::new(event, context)).await.expect("worker");
    assert_eq!(response["batchItemFailures"].as_array().expect("failures").len(), handles.len());
    world.settle(&handles, &response).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;

    world.drain(&app).await;
    let all = world.recipients().await;
    let mut unique_all = all.clone();
    unique_all.dedup();
    assert_eq!((all.len(), unique_all.len()), (30, 30), "everyone exactly once");
    let state = runs.runs("hikari", d("2026-11-26"), d("2026-11-26")).await.expect("markers");
    assert!(state[&d("2026-11-26")].complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_left_sending_are_reported_and_never_resent() {
    let world = World::new().await;
    world.subscribe("stuck", AnchorKind::Due, "2027-06-07").await;
    world.subscribe("fine", AnchorKind::Due, "2027-06-07").await;
    // An earlier worker reserved "stuck" and died before SES answered.
    let store = DynamoDeliveries::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries);
    let recipient = Recipient {
        subscription_id: "stuck".to_owned(),
        municipality: "hikari".to_owned(),
        anchor_kind: AnchorKind::Due,
        anchor_date: d("2027-06-07"),
        anchor_version: 1,
        email: "stuck@example.jp".to_owned(),
        line: None,
        nickname: None,
        status: SubscriptionStatus::Active,
    };
    let request = ReserveRequest {
        municipality: "hikari",
        date: d("2026-11-26"),
        build: "b1",
        recipient: &recipient,
        entries: vec!["maternity/12w3d".to_owned()],
        retry_key: None,
    };
    store.reserve(&request).await.expect("reserve");

    let mut app = world.app(&["--max-send-rate", "50", "--catch-up-days", "0"]).await;
    app.stale_sending_after = chrono::Duration::zero();
    plan(&app, "2026-11-26T00:00:00Z").await;
    let (event, handles) = world.receive(10).await;
    let response = handle(&app, LambdaEvent::new(event, Context::default())).await.expect("worker");
    world.settle(&handles, &response).await;
    assert_eq!(world.recipients().await, vec!["fine@example.jp"], "the in-doubt mail is not resent");

    // The same reservation through the store reports it (the worker logged and counted it).
    let fresh = DynamoDeliveries::new(world.dynamo.clone(), &world.subscriptions, &world.deliveries)
        .with_stale_after(chrono::Duration::zero());
    let again = fresh.reserve(&request).await.expect("reserve");
    assert_eq!(again.stale_sending, vec!["maternity/12w3d".to_owned()]);
    let young = store.reserve(&request).await.expect("reserve");
    assert!(young.stale_sending.is_empty(), "a record sending for less than an hour is not reported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_come_from_s3_through_the_pointer_and_sections_are_hash_checked() {
    let world = World::new().await;
    let s3 = s3_client(&world.config);
    let source = ScheduleSource::parse(&format!("s3://{}/site", world.bucket)).expect("source");
    let schedules = load_schedules(&source, Some(&s3), None).await.expect("load from S3");
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].document.municipality.id, "hikari");
    let local = load_schedules(&ScheduleSource::Dir(world.dir.path().to_owned()), None, None).await.expect("local");
    assert_eq!(local[0].document.entries.len(), schedules[0].document.entries.len());

    let planner =
        kizuna_sender::domain::plan::DayPlanner::new(&schedules[0].document, d("2026-11-26"), Default::default());
    let query = &planner.queries()[0];
    let recipient = Recipient {
        subscription_id: "x".to_owned(),
        municipality: "hikari".to_owned(),
        anchor_kind: query.kind,
        anchor_date: query.range.start,
        anchor_version: 1,
        email: "x@example.jp".to_owned(),
        line: None,
        nickname: None,
        status: SubscriptionStatus::Active,
    };
    let mails = planner.mails_for(query, vec![recipient]);
    assert_eq!(mails.len(), 1);
    let sections = Sections::fetch_for(&schedules[0], &mails).await.expect("sections from S3");
    assert_eq!(sections.by_path.len(), 1);

    // A half-published build: one section's bytes changed.
    let entry = mails[0].sections[0].entry;
    let key = format!("site/builds/b1/hikari/{}", entry.section);
    s3.put_object().bucket(&world.bucket).key(&key).body(ByteStream::from_static(b"{}")).send().await.expect("put");
    let refused = Sections::fetch_for(&schedules[0], &mails).await.expect_err("hash mismatch");
    assert!(matches!(refused, ScheduleError::Hash { .. }), "{refused}");

    // A pointer to another schema is refused; a source without current.json is an error.
    s3.put_object()
        .bucket(&world.bucket)
        .key("other/current.json")
        .body(ByteStream::from_static(br#"{"schema":"v0","build":"x","prefix":"../"}"#))
        .send()
        .await
        .expect("put");
    let other = ScheduleSource::parse(&format!("s3://{}/other/", world.bucket)).expect("source");
    assert!(matches!(load_schedules(&other, Some(&s3), None).await, Err(ScheduleError::Pointer { .. })));
    let missing = ScheduleSource::parse(&format!("s3://{}/nothing", world.bucket)).expect("source");
    assert!(matches!(load_schedules(&missing, Some(&s3), None).await, Err(ScheduleError::Fetch { .. })));
    assert!(ScheduleSource::parse("s3://").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_read_from_secrets_manager_by_arn() {
    let moto = Moto::start().await;
    let config = moto.config().await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let link = client.create_secret().name("kizuna/link").secret_string(SECRET).send().await.expect("secret");
    let hash_key = "h".repeat(40);
    let hash = client.create_secret().name("kizuna/hash").secret_string(&hash_key).send().await.expect("secret");
    let origin =
        client.create_secret().name("kizuna/origin").secret_string("edge-secret\n").send().await.expect("secret");
    let args = [
        "delivery-lambda",
        "--link-secret-arn",
        link.arn().expect("arn"),
        "--email-hash-key-arn",
        hash.arn().expect("arn"),
        "--origin-verify-arn",
        origin.arn().expect("arn"),
    ];
    let mut settings = Env::try_parse_from(args).expect("settings").settings;
    resolve_secrets(&mut settings, &config).await.expect("resolve");
    assert_eq!(settings.link_secret.as_deref(), Some(SECRET));
    assert_eq!(settings.email_hash_key.as_deref(), Some(hash_key.as_str()));
    assert_eq!(settings.origin_verify.as_deref(), Some("edge-secret"), "read and trimmed");
    assert!(settings.link_keys().is_ok());

    // A value set directly wins; an unknown secret is an error naming the setting.
    let mut direct = Env::try_parse_from([
        "x",
        "--link-secret",
        "k9:direct-direct-direct-direct-direct-0",
        "--link-secret-arn",
        "nope",
    ])
    .expect("settings")
    .settings;
    resolve_secrets(&mut direct, &config).await.expect("nothing to read");
    assert!(direct.link_secret.as_deref().is_some_and(|s| s.starts_with("k9:")));
    let mut unknown = Env::try_parse_from(["x", "--link-secret-arn", "nope"]).expect("settings").settings;
    let error = resolve_secrets(&mut unknown, &config).await.expect_err("unknown secret");
    assert!(format!("{error:#}").contains("KIZUNA_LINK_SECRET_ARN"), "{error:#}");
}

#[tokio::test]
async fn the_hourly_event_also_runs_the_lifecycle_jobs() {
    let world = World::new().await;
    // Due 2026-11-12: 41w6d was 2026-11-25, so on 2026-11-26 the maternity track has ended.
    world.subscribe("late", AnchorKind::Due, "2026-11-12").await;
    world.subscribe("early", AnchorKind::Due, "2027-06-07").await;
    let app = world.app(&["--max-send-rate", "20"]).await;
    plan(&app, "2026-11-25T22:30:00Z").await;
    let store = kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore::new(
        world.dynamo.clone(),
        &world.subscriptions,
        &world.deliveries,
    );
    let status = |id: &'static str| {
        let store = &store;
        async move { store.get(id).await.expect("get").expect("exists").status }
    };
    assert_eq!(status("late").await, SubscriptionStatus::Completed);
    assert_eq!(status("early").await, SubscriptionStatus::Active);
    let reminders: Vec<_> =
        world.moto.sent().await.into_iter().filter(|m| m.raw.contains("Subject: [test] birth-reminder")).collect();
    assert_eq!(reminders.len(), 1, "one birth-registration reminder");
    // The next hour repeats nothing.
    plan(&app, "2026-11-25T23:30:00Z").await;
    assert_eq!(world.moto.sent().await.iter().filter(|m| m.raw.contains("Subject: [test] birth-reminder")).count(), 1);
}
