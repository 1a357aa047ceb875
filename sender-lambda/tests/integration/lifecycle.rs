//! The lifecycle jobs against moto_server: the birth-registration reminder after 41w6d (once, then
//! completion; the birth can still be registered), completion after the last enabled track, expiry
//! of pending sign-ups after 48 hours and deletion of ended subscriptions after 90 days — through
//! the library function and the `kizuna-sender lifecycle` command.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;
use crate::common::moto::sender_command;

use api_support::{today_plus, ApiCalls, World, SECRET};
use chrono::{Duration, Utc};
use kizuna_schedule::{japan_today, AnchorKind};
use kizuna_sender::adapters::site::load_schedule;
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::ports::subscriptions::Subscriptions;
use kizuna_sender::use_cases::lifecycle::{run_lifecycle, LifecycleCounts};
use serde_json::json;

async fn signed_up(world: &World, email: &str, kind: &str, date: chrono::NaiveDate, confirm: bool) -> String {
    let response = world.json("/api/subscriptions", world.signup_json(email, kind, date)).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let id = world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids")[0].0.clone();
    if confirm {
        let token = world.links.token(Purpose::Confirm, &id, Utc::now().timestamp());
        assert_eq!(world.confirm(&token).await.status, 200);
    }
    id
}

async fn lifecycle(world: &World, date: chrono::NaiveDate, now: chrono::DateTime<Utc>) -> LifecycleCounts {
    let schedule = load_schedule(&world.dir.path().join(api_support::MUNI)).expect("schedule");
    run_lifecycle(&world.api.store, &[schedule], &world.api.mailer, &world.links, date, now).await
}

async fn status(world: &World, id: &str) -> Option<SubscriptionStatus> {
    world.api.store.get(id).await.expect("get").map(|s| s.status)
}

#[tokio::test]
async fn the_birth_reminder_comes_once_after_41w6d_then_the_subscription_completes() {
    let world = World::new().await;
    let late = signed_up(&world, "late@example.jp", "due", today_plus(-13), true).await;
    let later = signed_up(&world, "later@example.jp", "due", today_plus(-12), true).await;
    // Today is 41w6d for `late`: still maternity, no reminder yet.
    let counts = lifecycle(&world, japan_today(), Utc::now()).await;
    assert_eq!((counts.reminders, counts.completed, counts.errors), (0, 0, 0));
    // Tomorrow the maternity track has ended for `late` only.
    let counts = lifecycle(&world, today_plus(1), Utc::now()).await;
    assert_eq!((counts.reminders, counts.completed, counts.errors), (1, 1, 0));
    assert_eq!(status(&world, &late).await, Some(SubscriptionStatus::Completed));
    assert_eq!(status(&world, &later).await, Some(SubscriptionStatus::Active));
    let reminders: Vec<_> =
        world.mails_to("late@example.jp").await.into_iter().filter(|m| m.subject.contains("birth-reminder")).collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].list_unsubscribe.is_some());
    // Once only.
    let counts = lifecycle(&world, today_plus(2), Utc::now()).await;
    assert_eq!((counts.reminders, counts.completed), (1, 1), "only `later` now");
    assert_eq!(
        world.mails_to("late@example.jp").await.iter().filter(|m| m.subject.contains("birth-reminder")).count(),
        1
    );
    // The reminder's manage link still registers the birth.
    let manage = api_support::link(&reminders[0].text, "https://kizuna.example.jp/api/manage?token=").expect("link");
    let birth = world
        .json(
            "/api/birth",
            json!({ "token": api_support::token_of(&manage), "birth_date": today_plus(-1).to_string() }),
        )
        .await;
    assert_eq!(birth.status, 200, "{}", birth.body);
    let sub = world.api.store.get(&late).await.expect("get").expect("exists");
    assert_eq!((sub.status, sub.anchor_kind), (SubscriptionStatus::Active, AnchorKind::Birth));
}

#[tokio::test]
async fn a_child_completes_after_the_last_enabled_track() {
    let world = World::new().await;
    // The fixture enables maternity and baby: the baby track ends on the 3rd birthday.
    let born = japan_today().checked_sub_months(chrono::Months::new(36)).expect("date");
    let id = signed_up(&world, "three@example.jp", "birth", born, true).await;
    let young = signed_up(&world, "young@example.jp", "birth", today_plus(-100), true).await;
    let counts = lifecycle(&world, japan_today(), Utc::now()).await;
    assert_eq!(counts.completed, 0, "the 3rd birthday is still in the track");
    let counts = lifecycle(&world, today_plus(1), Utc::now()).await;
    assert_eq!(counts.completed, 1);
    assert_eq!(status(&world, &id).await, Some(SubscriptionStatus::Completed));
    assert_eq!(status(&world, &young).await, Some(SubscriptionStatus::Active));
    assert!(world.mails_to("three@example.jp").await.iter().all(|m| !m.subject.contains("birth-reminder")));
}

#[tokio::test]
async fn pending_sign_ups_expire_after_48_hours_and_ended_ones_are_deleted_after_90_days() {
    let world = World::new().await;
    let pending = signed_up(&world, "pending@example.jp", "due", today_plus(100), false).await;
    let active = signed_up(&world, "active@example.jp", "due", today_plus(100), true).await;
    let gone = signed_up(&world, "gone@example.jp", "due", today_plus(100), true).await;
    assert_eq!(world.run(japan_today()).await.sent, 2);
    let token = world.links.token(Purpose::Unsubscribe, &gone, Utc::now().timestamp());
    let response = world
        .call(
            "POST",
            &format!("/api/unsubscribe?token={token}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some("List-Unsubscribe=One-Click"),
        )
        .await;
    assert_eq!(response.status, 200);

    let counts = lifecycle(&world, japan_today(), Utc::now() + Duration::hours(47)).await;
    assert_eq!((counts.expired_pending, counts.deleted), (0, 0));
    let counts = lifecycle(&world, japan_today(), Utc::now() + Duration::hours(49)).await;
    assert_eq!((counts.expired_pending, counts.deleted), (1, 0));
    assert_eq!(status(&world, &pending).await, None);
    let dump = world.dump().await;
    assert!(!dump.contains(&world.hasher.hash("pending@example.jp")), "uniqueness item and rate item gone");
    // The confirmation link of an expired sign-up explains what happened.
    let confirm = world.links.token(Purpose::Confirm, &pending, Utc::now().timestamp());
    let page = world.call("GET", &format!("/api/confirm?token={confirm}"), &[], None).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("48時間"));

    let counts = lifecycle(&world, japan_today(), Utc::now() + Duration::days(89)).await;
    assert_eq!(counts.deleted, 0);
    let counts = lifecycle(&world, japan_today(), Utc::now() + Duration::days(91)).await;
    assert_eq!(counts.deleted, 1);
    assert_eq!(status(&world, &gone).await, None);
    let dump = world.dump().await;
    assert!(!dump.contains(&gone), "the deliveries of the deleted subscription are gone too");
    assert!(dump.contains(&active));
    assert_eq!(status(&world, &active).await, Some(SubscriptionStatus::Active));
}

#[tokio::test]
async fn the_lifecycle_command_runs_a_date() {
    let world = World::new().await;
    let late = signed_up(&world, "cli@example.jp", "due", today_plus(-13), true).await;
    let output = sender_command(&world.moto.endpoint())
        .env("KIZUNA_LINK_SECRET", SECRET)
        .env("KIZUNA_SUBSCRIPTIONS_TABLE", &world.subscriptions)
        .env("KIZUNA_DELIVERIES_TABLE", &world.deliveries)
        .env("KIZUNA_SCHEDULE", world.dir.path())
        .args(["lifecycle", "--json", "--date", &today_plus(1).to_string()])
        .output()
        .expect("run kizuna-sender");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let counts: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON counts");
    assert_eq!(counts["reminders"], 1);
    assert_eq!(counts["completed"], 1);
    assert_eq!(status(&world, &late).await, Some(SubscriptionStatus::Completed));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("cli@example.jp"), "no address in the logs");
}
