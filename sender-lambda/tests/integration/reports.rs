//! Municipality reports (issue 19) against moto_server: two municipalities' families driven
//! through the real API (sign-ups, confirmations, births, a loss stop, one-click unsubscribes,
//! deletions), SES feedback (a permanent bounce) and the lifecycle job (a completion). The counters
//! written in each transition's own transaction are then read back by the report use case — by
//! Queries, never a Scan — and every figure equals the test's own tally. A transition whose
//! transaction fails changes no counter.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;
use crate::common;

use kizuna_sender::ports::subscriptions::Subscriptions;
use std::collections::BTreeMap;

use api_support::{today_plus, ApiCalls, World, MUNI};
use chrono::Utc;
use common::moto::sender_command;
use kizuna_reports::counters::read_ranges;
use kizuna_reports::counters::{Channel, DeliveryOutcome, Event};
use kizuna_reports::figures::Period;
use kizuna_reports::ledger::Reading;
use kizuna_reports::{Format, Month};
use kizuna_schedule::forms::StopReason;
use kizuna_schedule::japan_today;
use kizuna_sender::adapters::dynamo::counters::{read_ledger, DynamoCounters};
use kizuna_sender::adapters::site::{load_schedule, ScheduleSource};
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::lambdas::reports::{handle, parse_destination, ReportsApp};
use kizuna_sender::ports::subscriptions::Change;
use kizuna_sender::use_cases::lifecycle::run_lifecycle;
use kizuna_sender::use_cases::reports::make_reports;
use kizuna_sender::use_cases::ses_feedback::apply_notification;
use serde_json::json;

const OTHER: &str = "kawase";

/// What the test did to one municipality, in the report's terms.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    signed_up: i64,
    registered: i64,
    active: i64,
    completed: i64,
    unsubscribed: i64,
    stopped: i64,
}

async fn sign_up(world: &World, muni: &str, email: &str, kind: &str, date: chrono::NaiveDate) -> String {
    let mut body = world.signup_json(email, kind, date);
    body["municipality"] = json!(muni);
    let response = world.json("/api/subscriptions", body).await;
    assert_eq!(response.status, 202, "{}", response.body);
    world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids")[0].0.clone()
}

async fn confirm(world: &World, id: &str) {
    let token = world.links.token(Purpose::Confirm, id, Utc::now().timestamp());
    assert_eq!(world.confirm(&token).await.status, 200);
}

fn manage(world: &World, id: &str) -> String {
    world.links.token(Purpose::Manage, id, Utc::now().timestamp())
}

/// One municipality's year in miniature; `n` scales how many families simply keep reading.
async fn drive(world: &World, muni: &str, n: usize) -> Tally {
    let mut tally = Tally::default();
    let mail = |what: &str| format!("{what}.{muni}@example.jp");
    // Families who keep reading (due dates in 100 days).
    for i in 0..n {
        let id = sign_up(world, muni, &mail(&format!("keep{i}")), "due", today_plus(100)).await;
        confirm(world, &id).await;
    }
    tally.signed_up += n as i64;
    tally.registered += n as i64;
    tally.active += n as i64;
    // A sign-up never confirmed: signed up, not registered.
    sign_up(world, muni, &mail("pending"), "due", today_plus(90)).await;
    tally.signed_up += 1;
    // A birth: still one reader, now of the baby track.
    let born = sign_up(world, muni, &mail("born"), "due", today_plus(1)).await;
    confirm(world, &born).await;
    let response = world
        .json("/api/birth", json!({ "token": manage(world, &born), "birth_date": today_plus(-1).to_string() }))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    // A loss: 停止.
    let loss = sign_up(world, muni, &mail("loss"), "due", today_plus(150)).await;
    confirm(world, &loss).await;
    let response =
        world.json("/api/stop", json!({ "token": manage(world, &loss), "reason": StopReason::Miscarriage.id() })).await;
    assert_eq!(response.status, 200, "{}", response.body);
    // A one-click unsubscription: 解除.
    let gone = sign_up(world, muni, &mail("gone"), "due", today_plus(120)).await;
    confirm(world, &gone).await;
    assert_eq!(world.one_click(&gone).await.status, 200);
    // "Delete my data" while reading: 解除 too.
    let deleted = sign_up(world, muni, &mail("deleted"), "due", today_plus(130)).await;
    confirm(world, &deleted).await;
    let response = world.json("/api/delete", json!({ "token": manage(world, &deleted) })).await;
    assert_eq!(response.status, 200, "{}", response.body);
    // A permanent bounce: 停止.
    let bounced = sign_up(world, muni, &mail("bounced"), "due", today_plus(140)).await;
    confirm(world, &bounced).await;
    let notification = json!({
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{ "emailAddress": mail("bounced"), "action": "failed", "status": "5.1.1" }],
            "timestamp": "2026-11-26T23:00:01.000Z"
        },
        "mail": { "destination": [mail("bounced")] }
    });
    let counts = apply_notification(&world.api.store, &world.hasher, &notification.to_string(), Utc::now())
        .await
        .expect("notification");
    assert_eq!(counts.bounced, 1);
    // A child whose last enabled track (baby, to the 3rd birthday) ends today: 完了 by tomorrow's
    // lifecycle job (run once for both municipalities by the caller).
    let born_then = japan_today().checked_sub_months(chrono::Months::new(36)).expect("date");
    let done = sign_up(world, muni, &mail("done"), "birth", born_then).await;
    confirm(world, &done).await;
    tally.signed_up += 6;
    tally.registered += 6;
    tally.active += 1; // the birth
    tally.stopped += 2; // the loss and the bounce
    tally.unsubscribed += 2; // one-click and deletion
    tally.completed += 1;
    tally
}

#[tokio::test]
async fn a_report_equals_what_was_done_and_is_read_without_a_scan() {
    let world = World::new().await;
    let other = api_support::write_site_for(world.dir.path(), OTHER);
    world.moto.verify_identities(std::slice::from_ref(&other.municipality.email.from)).await;
    let mut tallies = BTreeMap::new();
    tallies.insert(MUNI, drive(&world, MUNI, 4).await);
    tallies.insert(OTHER, drive(&world, OTHER, 2).await);
    let schedules: Vec<_> =
        [MUNI, OTHER].iter().map(|m| load_schedule(&world.dir.path().join(m)).expect("schedule")).collect();
    let counts =
        run_lifecycle(&world.api.store, &schedules, &world.api.mailer, &world.links, today_plus(1), Utc::now()).await;
    assert_eq!(counts.completed, 2, "{counts:?}");
    // Today's delivery run of the first municipality: every mail sent is counted by the run.
    let run = world.run(japan_today()).await;
    assert!(run.sent > 0, "{run:?}");

    let month = Month::of(japan_today());
    let period = Period { from: month, to: month };
    let counters = DynamoCounters::new(world.dynamo.clone(), &world.deliveries);
    let infos: Vec<_> = schedules.iter().map(|s| &s.document.municipality).collect();
    let documents: Vec<_> = schedules.iter().map(|s| &s.document).collect();
    let reports = make_reports(&counters, &world.api.surveys, &documents, period, &[Format::Xlsx], true, japan_today())
        .await
        .expect("reports");
    assert_eq!(reports.made.len(), 3, "two municipalities and the roll-up");
    for info in &infos {
        let enabled = info.enabled_tracks();
        let reading = Reading { municipality: &info.id, from: month, to: month, enabled: &enabled, now: month };
        let (ledger, read) = read_ledger(&world.dynamo, &world.deliveries, reading).await.expect("ledger");
        // The month's flow item, its delivery days and the histogram keys the calendar names.
        let keys = read_ranges(month, month, &enabled, month).len() - 2;
        assert!(
            read <= 1 + 31 + keys,
            "{}: {read} counter items for a month, whatever the number of families",
            info.id
        );
        let figures =
            kizuna_reports::figures::compute(&ledger, &kizuna_reports::figures::Municipality::from(*info), period);
        let r = &figures.retention;
        let got = Tally {
            signed_up: figures.events.get(&Event::SignedUp).copied().unwrap_or(0),
            registered: r.cumulative,
            active: r.active,
            completed: r.completed,
            unsubscribed: r.unsubscribed,
            stopped: r.stopped,
        };
        assert_eq!(&got, &tallies[info.id.as_str()], "{}", info.id);
        assert_eq!(figures.events.get(&Event::BirthRegistered), Some(&1));
        assert_eq!(figures.events.get(&Event::Stopped(StopReason::Miscarriage)), Some(&1));
        assert_eq!(
            figures.events.get(&Event::Unsubscribed(kizuna_reports::counters::UnsubscribeVia::OneClick)),
            Some(&1)
        );
        let last = figures.months.last().expect("month");
        assert_eq!(last.active_total(), r.active);
        let sent = figures.deliveries.get(&(month, Channel::Mail, DeliveryOutcome::Sent)).copied().unwrap_or(0);
        // The birth registration sends the day's baby message at once, through the same delivery
        // code, so each municipality has that one besides the first municipality's run.
        let expected = 1 + if info.id == MUNI { run.sent as i64 } else { 0 };
        assert_eq!(sent, expected, "{}", info.id);
    }
}

#[tokio::test]
async fn a_transition_whose_transaction_fails_changes_no_counter() {
    let world = World::new().await;
    let id = sign_up(&world, MUNI, "late@example.jp", "due", today_plus(100)).await;
    let stale = world.api.store.get(&id).await.expect("get").expect("exists");
    // The family corrects the due date before confirming: the version moves on.
    let changed = world.api.store.change_due_date(&stale, today_plus(101), Utc::now()).await.expect("change");
    assert!(matches!(changed, Change::Applied(_)));
    let month = Month::of(japan_today());
    let enabled = world.schedule().document.municipality.enabled_tracks();
    let reading = Reading { municipality: MUNI, from: month, to: month, enabled: &enabled, now: month };
    let before = read_ledger(&world.dynamo, &world.deliveries, reading).await.expect("ledger");
    // Confirming with what was read before the change: the subscription's condition fails, and so
    // does the whole transaction with its counter updates.
    let refused = world.api.store.activate(&stale, Utc::now()).await.expect("activate");
    assert!(matches!(refused, Change::Refused));
    let after = read_ledger(&world.dynamo, &world.deliveries, reading).await.expect("ledger");
    assert_eq!(before, after, "no counter moved");
    // The same confirmation with the current state counts once.
    let current = world.api.store.get(&id).await.expect("get").expect("exists");
    assert!(matches!(world.api.store.activate(&current, Utc::now()).await.expect("activate"), Change::Applied(_)));
    let (ledger, _) = read_ledger(&world.dynamo, &world.deliveries, reading).await.expect("ledger");
    let flows = &ledger.months[&month];
    assert_eq!(flows.outcome(kizuna_reports::counters::Outcome::Registered, |_| true), 1);
}

#[tokio::test]
async fn the_monthly_job_writes_last_months_reports_to_the_private_bucket() {
    let world = World::new().await;
    let id = sign_up(&world, MUNI, "monthly@example.jp", "due", today_plus(100)).await;
    confirm(&world, &id).await;
    let config = world.moto.config().await;
    let (s3, bucket) = common::s3::bucket(&config, "reports").await;
    let app = ReportsApp {
        counters: DynamoCounters::new(world.dynamo.clone(), &world.deliveries),
        surveys: world.api.surveys.clone(),
        schedules: ScheduleSource::parse(&world.dir.path().to_string_lossy()).expect("source"),
        s3: s3.clone(),
        destination: parse_destination(&format!("s3://{bucket}/reports/")).expect("destination"),
    };
    // The scheduler fires on the 1st of the next month (JST): the report is of this month.
    let month = Month::of(japan_today());
    let fired = format!("{}T00:00:00Z", month.next().first_day());
    let summary = handle(&app, &json!({ "time": fired })).await.expect("reports");
    assert_eq!(summary["month"], month.to_string());
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.expect("list");
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    let html = format!("reports/{MUNI}/{month}/{MUNI}-{month}.html");
    assert!(keys.contains(&html.as_str()), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with(&format!("reports/all/{month}/"))), "the roll-up: {keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("reports/")), "{keys:?}");
    let object = s3.get_object().bucket(&bucket).key(&html).send().await.expect("get");
    let body = object.body.collect().await.expect("body").into_bytes();
    let text = String::from_utf8(body.to_vec()).expect("utf-8");
    assert!(text.contains("<svg role=\"img\""), "charts drawn");
    assert!(!text.contains("monthly@example.jp"), "no address in a report");
}

#[tokio::test]
async fn kizuna_sender_report_writes_the_files_and_refuses_bad_input_in_japanese() {
    let world = World::new().await;
    for i in 0..3 {
        let id = sign_up(&world, MUNI, &format!("cli{i}@example.jp"), "due", today_plus(100)).await;
        confirm(&world, &id).await;
    }
    let out = tempfile::tempdir().expect("tempdir");
    let month = Month::of(japan_today()).to_string();
    let run = |args: &[&str]| {
        sender_command(&world.moto.endpoint())
            .env("KIZUNA_DELIVERIES_TABLE", &world.deliveries)
            .env("KIZUNA_SCHEDULE", world.dir.path())
            .args(args)
            .output()
            .expect("kizuna-sender runs")
    };
    let output = run(&["report", "--municipality", MUNI, "--from", &month, "--to", &month, "-o"]
        .into_iter()
        .chain([out.path().to_str().expect("path")])
        .collect::<Vec<_>>());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let retention = std::fs::read_to_string(out.path().join(format!("{MUNI}-{month}-retention.csv"))).expect("csv");
    assert!(retention.starts_with("\u{feff}項目,値\r\n累計登録者,3\r\n配信中,3\r\n"), "{retention}");
    assert!(out.path().join(format!("{MUNI}-{month}.html")).is_file());
    assert!(out.path().join(format!("{MUNI}-{month}.xlsx")).is_file());
    for (args, needle) in [
        (vec!["report", "--municipality", MUNI, "--from", "2027-13", "--to", "2027-03", "-o", "x"], "YYYY-MM"),
        (vec!["report", "--municipality", "nowhere", "--from", &month, "--to", &month, "-o", "x"], "nowhere"),
        (vec!["report", "--municipality", MUNI, "--from", "2027-04", "--to", "2027-03", "-o", "x"], "より後"),
    ] {
        let output = run(&args);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
