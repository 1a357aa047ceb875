//! LINE's daily push end to end, through the real sender code: moto's DynamoDB, SES and Secrets
//! Manager, and the LINE stand-in (every push validated by the official SDK's
//! `PushMessageRequest`, faults injected on request). A family follows, registers through the API
//! and gets each day's sections — the entries `kizuna preview` lists for it
//! (`ScheduleDocument::deliveries_for`) — as one push from the same run that mails the mail
//! families, once; in doubt, rate limits, the monthly quota, blocking and a loss stop each keep
//! that promise. The world is `line_support::world`.

use crate::line_support;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;
use kizuna_sender::adapters::dynamo::subscription_items::NewSubscription;
use kizuna_sender::adapters::dynamo::PutOutcome;
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::ports::subscriptions::Subscriptions;
use kizuna_sender::use_cases::lifecycle::run_lifecycle_with_line;
use kizuna_sender::use_cases::metrics::RunMetrics;
use line_support::user_id;
use line_support::world::{day_of, due_in, section_text, Town, CHANNEL};
use serde_json::{json, Value};

/// The client timeout of a normal run (the stand-in answers in milliseconds).
const PATIENT: Duration = Duration::from_secs(5);

fn japan_today() -> NaiveDate {
    kizuna_schedule::japan_date(chrono::Utc::now())
}

/// A due date whose entry `id` falls `days_ahead` days from today.
fn due_for(id: &str, days_ahead: u64) -> NaiveDate {
    let target = japan_today() + chrono::Days::new(days_ahead);
    (150..260).map(due_in).find(|due| day_of(id, *due) == target).expect("a due date in range")
}

/// The push a family with this due date gets on `date`: the sections `kizuna preview` lists
/// (the schedule's own `deliveries_for`), in order, the first opened with the nickname.
fn expected_push(w: &Town, due: NaiveDate, date: NaiveDate) -> Value {
    let schedule = &w.schedules()[0].document;
    let ids: Vec<String> =
        schedule.deliveries_for(AnchorKind::Due, due, date).iter().map(|d| d.entry.id.clone()).collect();
    assert!(!ids.is_empty(), "something is due on {date}");
    let texts: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let text = section_text(id);
            json!({"type": "text", "text": if i == 0 { format!("はなさん\n{text}") } else { text }})
        })
        .collect();
    Value::Array(texts)
}

async fn stored_status(w: &Town, id: &str) -> SubscriptionStatus {
    w.api.store.get(id).await.expect("get").expect("subscription").status
}

#[tokio::test]
async fn follow_register_and_the_next_mornings_run_pushes_the_days_sections_once() {
    let w = Town::start(2000).await;
    let user = user_id(1);
    let due = due_for("maternity/12w3d", 1);
    let id = w.register_family(&user, due).await;
    assert_eq!(w.pushes_to(&user).await.len(), 1, "the welcome only: nothing is due today");

    let tomorrow = japan_today() + chrono::Days::new(1);
    let summary = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((summary.line_planned, summary.delivery.line.sent, summary.delivery.failed), (1, 1, 0), "{summary:?}");
    let pushes = w.pushes_to(&user).await;
    assert_eq!(pushes.len(), 2, "one push for the day");
    assert_eq!(pushes[1]["messages"], expected_push(&w, due, tomorrow));
    let records = w.world.records(&id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["retry_key"].as_s().ok(), pushes[1]["retry_key"].as_str().map(str::to_owned).as_ref());

    // A re-run pushes nothing; the day is counted once in the reports, on channel `line`.
    let again = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((again.delivery.line.sent, again.delivery.already_sent), (0, 1), "{again:?}");
    assert_eq!(w.pushes_to(&user).await.len(), 2);
    let counters = w
        .world
        .dynamo
        .get_item()
        .table_name(&w.world.deliveries_table)
        .key("pk", AttributeValue::S(kizuna_reports::counters::counter_pk("hikari")))
        .key("sk", AttributeValue::S(kizuna_reports::counters::delivery_sk(tomorrow)))
        .send()
        .await
        .expect("get")
        .item
        .expect("the day's delivery counters");
    assert_eq!(counters["sent#line#maternity"].as_n().map(String::as_str), Ok("1"), "{counters:?}");
    assert!(!counters.contains_key("sent#mail#maternity"), "{counters:?}");
}

#[tokio::test]
async fn registering_on_the_day_pushes_todays_message_and_the_morning_run_skips_it() {
    let w = Town::start(2000).await;
    let user = user_id(2);
    let due = due_for("maternity/12w3d", 0);
    w.register_family(&user, due).await;
    let texts = w.texts_to(&user).await;
    assert_eq!(texts.len(), 2, "the welcome, then today's message: {texts:?}");
    assert!(texts[0].starts_with("はなさんようこそ。"), "{texts:?}");
    assert_eq!(w.pushes_to(&user).await[1]["messages"], expected_push(&w, due, japan_today()));
    let summary = w.run(japan_today(), PATIENT, 100.0).await;
    assert_eq!((summary.delivery.line.sent, summary.delivery.already_sent), (0, 1), "{summary:?}");
    assert_eq!(w.pushes_to(&user).await.len(), 2, "never twice");
}

#[tokio::test]
async fn a_push_left_in_doubt_is_retried_by_the_next_run_with_the_same_key_and_recorded_sent() {
    let w = Town::start(2000).await;
    let user = user_id(3);
    let due = due_for("maternity/12w5d", 1);
    let id = w.register_family(&user, due).await;
    let tomorrow = japan_today() + chrono::Days::new(1);
    // LINE accepts the push but answers after the client gave up.
    w.world.standin.faults(CHANNEL, json!({"queue": ["delay_after_accept"], "delay_seconds": 1.5})).await;
    let first = w.run(tomorrow, Duration::from_millis(300), 100.0).await;
    assert_eq!((first.delivery.line.in_doubt, first.delivery.in_doubt_retry), (1, 1), "{first:?}");
    assert!(first.render().contains("LINE in doubt 1"), "{}", first.render());
    let records = w.world.records(&id).await;
    assert_eq!(records[0]["status"].as_s().map(String::as_str), Ok("sending"), "left in doubt");
    let key = records[0]["retry_key"].as_s().expect("a stored retry key").clone();

    let second = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((second.delivery.line.sent, second.delivery.failed), (1, 0), "{second:?}");
    let records = w.world.records(&id).await;
    assert_eq!(records[0]["status"].as_s().map(String::as_str), Ok("sent"));
    assert_eq!(records[0]["retry_key"].as_s(), Ok(&key), "the same key");
    // The stand-in accepted the day's push once and answered the retry with 409.
    let pushes = w.pushes_to(&user).await;
    assert_eq!(pushes.len(), 2, "welcome + the day, once");
    assert_eq!(pushes[1]["retry_key"].as_str(), Some(key.as_str()));
    let statuses: Vec<u64> =
        w.world.standin.requests(CHANNEL).await.iter().filter_map(|r| r["status"].as_u64()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 1, "{statuses:?}");
    assert_eq!(records[0]["message_id"].as_s().ok(), pushes[1]["request_id"].as_str().map(str::to_owned).as_ref());
    // Nothing more afterwards.
    assert_eq!(w.run(tomorrow, PATIENT, 100.0).await.delivery.already_sent, 1);
}

#[tokio::test]
async fn injected_rate_limits_are_retried_within_the_channels_rate() {
    const RATE: f64 = 20.0;
    let w = Town::start(2000).await;
    let due = due_for("maternity/13w0d", 1);
    let users: Vec<String> = (10..18).map(user_id).collect();
    for user in &users {
        w.register_family(user, due).await;
    }
    let before = w.world.standin.requests(CHANNEL).await.len();
    w.world.standin.faults(CHANNEL, json!({"rate_429_ratio": 0.2, "seed": 7})).await;
    let summary = w.run(japan_today() + chrono::Days::new(1), PATIENT, RATE).await;
    assert_eq!((summary.delivery.line.sent, summary.delivery.failed), (8, 0), "{summary:?}");
    assert!(summary.delivery.throttled > 0, "some pushes were refused with 429 and retried: {summary:?}");
    for user in &users {
        assert_eq!(w.pushes_to(user).await.len(), 2, "welcome + the day, once");
    }
    // The stand-in's own clock: no second holds more pushes than the channel's rate (a little
    // slack for scheduling).
    let times: Vec<f64> =
        w.world.standin.requests(CHANNEL).await[before..].iter().map(|r| r["at"].as_f64().expect("at")).collect();
    for (i, start) in times.iter().enumerate() {
        let within = times[i..].iter().take_while(|t| **t - start < 1.0).count();
        assert!(within as f64 <= RATE + 2.0, "{within} pushes within a second from {start}: {times:?}");
    }
}

#[tokio::test]
async fn the_monthly_quota_stops_the_towns_line_run_mail_goes_on_and_the_next_run_continues() {
    let w = Town::start(2000).await;
    let due = due_for("maternity/12w3d", 1);
    let (first, second) = (user_id(20), user_id(21));
    w.register_family(&first, due).await;
    w.register_family(&second, due).await;
    let mail = mail_family(&w, due).await;
    // Two welcomes were pushed; the plan's monthly quota is used up.
    w.world.standin.faults(CHANNEL, json!({"monthly_limit": 2})).await;
    let tomorrow = japan_today() + chrono::Days::new(1);
    let summary = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((summary.delivery.mail.sent, summary.delivery.line.sent), (1, 0), "{summary:?}");
    assert_eq!(summary.channels_stopped, vec!["hikari: line line-429-quota".to_owned()], "{summary:?}");
    assert!(summary.render().contains("stopped       hikari: line line-429-quota"), "{}", summary.render());
    let metrics: Value = serde_json::from_str(&RunMetrics::from_summary(&summary).emf("cli", 0)).expect("EMF");
    assert_eq!(metrics["LineStops"], 1);
    assert_eq!(w.world.moto.sent().await.len(), 1, "the mail family got its mail");
    for user in [&first, &second] {
        assert_eq!(w.pushes_to(user).await.len(), 1, "the welcome only");
    }
    // The plan is raised; the next run pushes the rest and mails nothing again.
    w.world.standin.faults(CHANNEL, json!({"monthly_limit": 1000})).await;
    let next = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((next.delivery.line.sent, next.delivery.mail.sent, next.delivery.already_sent), (2, 0, 1), "{next:?}");
    assert!(next.channels_stopped.is_empty());
    assert_eq!(w.world.moto.sent().await.len(), 1);
    assert!(!mail.is_empty());
}

/// A mail family of `hikari` with this due date, stored as sign-up and import store them.
async fn mail_family(w: &Town, due: NaiveDate) -> String {
    let family = NewSubscription {
        id: uuid::Uuid::new_v4().to_string(),
        municipality: "hikari".into(),
        email: "mail-family@example.jp".into(),
        email_hash: w.api.hasher.hash("mail-family@example.jp"),
        anchor_kind: AnchorKind::Due,
        anchor_date: due,
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "test".into(),
    };
    assert_eq!(w.api.store.put_new(&family).await.expect("put"), PutOutcome::Created);
    family.id
}

#[tokio::test]
async fn mail_and_line_families_of_one_town_each_get_one_delivery_by_their_own_channel() {
    let w = Town::start(2000).await;
    let user = user_id(30);
    let due = due_for("maternity/12w5d", 1);
    let line_id = w.register_family(&user, due).await;
    let mail_id = mail_family(&w, due).await;
    let tomorrow = japan_today() + chrono::Days::new(1);
    let summary = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((summary.planned, summary.line_planned, summary.delivery.sent), (2, 1, 2), "{summary:?}");
    assert_eq!((summary.delivery.mail.sent, summary.delivery.line.sent), (1, 1), "{summary:?}");
    let rendered = summary.render();
    assert!(rendered.contains("mail          sent 1, failed 0"), "{rendered}");
    assert!(rendered.contains("LINE          sent 1, failed 0"), "{rendered}");
    let metrics: Value = serde_json::from_str(&RunMetrics::from_summary(&summary).emf("cli", 0)).expect("EMF");
    assert_eq!((metrics["LinePlanned"].as_u64(), metrics["LineSent"].as_u64()), (Some(1), Some(1)));
    assert_eq!(metrics["MailSent"].as_u64(), Some(1));
    assert_eq!(w.world.moto.sent().await.len(), 1, "one mail, to the mail family");
    assert_eq!(w.pushes_to(&user).await.len(), 2, "welcome + one push");
    for (id, channel) in [(&line_id, "line"), (&mail_id, "mail")] {
        let records = w.world.records(id).await;
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0]["channel"].as_s().map(String::as_str), Ok(channel));
        assert_eq!(records[0]["status"].as_s().map(String::as_str), Ok("sent"));
    }
    assert!(!w.world.records(&mail_id).await[0].contains_key("retry_key"), "mail has no retry key");
    let again = w.run(tomorrow, PATIENT, 100.0).await;
    assert_eq!((again.delivery.sent, again.delivery.already_sent), (0, 2), "{again:?}");
}

#[tokio::test]
async fn block_stops_unblock_resumes_and_a_loss_stop_sends_one_confirmation_then_nothing() {
    let w = Town::start(2000).await;
    let user = user_id(40);
    // 12w3d, 12w5d and 13w0d fall on days +1, +3 and +5.
    let due = due_for("maternity/12w3d", 1);
    let id = w.register_family(&user, due).await;
    let day = |id: &str| day_of(id, due);

    assert_eq!(w.webhook(json!([{"type": "unfollow", "user_id": user}])).await, 1);
    assert_eq!(stored_status(&w, &id).await, SubscriptionStatus::Blocked);
    let blocked = w.run(day("maternity/12w3d"), PATIENT, 100.0).await;
    assert_eq!((blocked.planned, blocked.delivery.line.sent), (0, 0), "{blocked:?}");
    assert_eq!(w.pushes_to(&user).await.len(), 1, "nothing while blocked");

    assert_eq!(w.webhook(json!([{"type": "follow", "user_id": user, "is_unblocked": true}])).await, 1);
    assert_eq!(stored_status(&w, &id).await, SubscriptionStatus::Active);
    let resumed = w.run(day("maternity/12w5d"), PATIENT, 100.0).await;
    assert_eq!(resumed.delivery.line.sent, 1, "{resumed:?}");
    assert_eq!(w.pushes_to(&user).await.len(), 2);

    // A loss stop from the manage page: one gentle confirmation in the chat, then nothing.
    let token = w.api.links.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    let stop = w.post("/api/stop", &[("token", token.as_str()), ("reason", "miscarriage")]).await;
    assert_eq!(stop.status, 303, "{}", stop.body);
    assert_eq!(stored_status(&w, &id).await, SubscriptionStatus::Stopped);
    let texts = w.texts_to(&user).await;
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts[2], "はなさん、配信を止めました。これ以上お送りしません。");
    let after = w.run(day("maternity/13w0d"), PATIENT, 100.0).await;
    assert_eq!((after.planned, after.delivery.line.sent), (0, 0), "{after:?}");
    assert_eq!(w.pushes_to(&user).await.len(), 3, "nothing more");
    assert!(w.world.moto.sent().await.is_empty(), "a LINE family is never mailed");
}

#[tokio::test]
async fn a_line_family_past_its_due_date_gets_the_birth_reminder_in_its_chat_once() {
    let w = Town::start(2000).await;
    let user = user_id(50);
    let due = due_in(30);
    let id = w.register_family(&user, due).await;
    let channels = w.world.channels(PATIENT, 100.0);
    // The day after 41w6d without a birth registration, twice (the jobs run every hour).
    let date = due + chrono::Days::new(14);
    let schedules = w.schedules();
    for _ in 0..2 {
        let jobs = (&w.api.mailer, Some(&channels));
        let counts =
            run_lifecycle_with_line(&w.api.store, &schedules, jobs, &w.api.links, date, chrono::Utc::now()).await;
        assert_eq!(counts.errors, 0, "{counts:?}");
    }
    let texts = w.texts_to(&user).await;
    assert_eq!(texts.len(), 2, "the welcome, then one reminder: {texts:?}");
    assert!(
        texts[1].starts_with("はなさん、出産のご登録をお願いします。https://kizuna.example.jp/api/manage?token="),
        "{texts:?}"
    );
    assert_eq!(stored_status(&w, &id).await, SubscriptionStatus::Completed);
    assert!(w.world.moto.sent().await.is_empty(), "a LINE family is never mailed");
}
