//! The one-off backfill of the report counters (issue 19), against moto_server: subscriptions
//! stored as a version without counters stored them (no counts, no `counted` mark) are counted
//! once by `backfill_counters` — the one behind `kizuna-sender backfill-counters` — as they stand;
//! their transitions before it count nothing, after it count as usual; running it again (with or
//! without the municipality's record) changes nothing, and every figure equals the test's record.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;

use api_support::{today_plus, ApiCalls, World, MUNI};
use chrono::{NaiveDate, Utc};
use kizuna_reports::figures::{compute, Figures, Municipality, Period};
use kizuna_reports::ledger::Reading;
use kizuna_reports::Month;
use kizuna_schedule::forms::StopReason;
use kizuna_schedule::{japan_today, AnchorKind, TrackId};
use kizuna_sender::adapters::dynamo::counters::read_ledger;
use kizuna_sender::adapters::dynamo::subscription_items::COUNTED;
use kizuna_sender::adapters::dynamo::subscriptions::BACKFILL_SK;
use kizuna_sender::adapters::dynamo::{subscription_items, NewSubscription};
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::ports::subscriptions::Subscriptions;
use serde_json::json;

/// A subscription as the version before the counters stored it: its items without the mark, and
/// no counts.
async fn old(world: &World, id: &str, kind: AnchorKind, anchor: NaiveDate, status: SubscriptionStatus) {
    let email = format!("{id}@example.jp");
    let subscription = NewSubscription {
        id: id.to_owned(),
        municipality: MUNI.to_owned(),
        email_hash: world.hasher.hash(&email),
        email,
        anchor_kind: kind,
        anchor_date: anchor,
        status,
        nickname: None,
        consent_version: "2025".to_owned(),
    };
    let (mut item, unique) = subscription_items(&subscription, "2026-01-10T00:00:00.000Z");
    item.remove(COUNTED);
    for item in [item, unique] {
        world.dynamo.put_item().table_name(&world.subscriptions).set_item(Some(item)).send().await.expect("put");
    }
}

fn manage(world: &World, id: &str) -> String {
    world.links.token(Purpose::Manage, id, Utc::now().timestamp())
}

async fn unsubscribe(world: &World, id: &str) {
    let response = world.one_click(id).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

async fn figures(world: &World) -> Figures {
    let month = Month::of(japan_today());
    let municipality = Municipality::from(&world.document.municipality);
    let reading =
        Reading { municipality: MUNI, from: month, to: month, enabled: &municipality.enabled, now: month.next() };
    let (ledger, _) = read_ledger(&world.dynamo, &world.deliveries, reading).await.expect("ledger");
    compute(&ledger, &municipality, Period { from: month, to: month })
}

/// (累計登録者, 配信中, 解除, 停止) at the period's end.
fn retention(figures: &Figures) -> (i64, i64, i64, i64) {
    let r = &figures.retention;
    (r.cumulative, r.active, r.unsubscribed, r.stopped)
}

#[tokio::test]
async fn subscriptions_older_than_the_counters_are_counted_once_as_they_stand() {
    let world = World::new().await;
    let store = &world.api.store;
    // Before the counters: two readers, one who will unsubscribe, one who will move away, one
    // sign-up never confirmed.
    old(&world, "old-due", AnchorKind::Due, today_plus(100), SubscriptionStatus::Active).await;
    old(&world, "old-baby", AnchorKind::Birth, today_plus(-200), SubscriptionStatus::Active).await;
    old(&world, "old-gone", AnchorKind::Due, today_plus(120), SubscriptionStatus::Active).await;
    old(&world, "old-moved", AnchorKind::Birth, today_plus(-400), SubscriptionStatus::Active).await;
    old(&world, "old-pending", AnchorKind::Due, today_plus(90), SubscriptionStatus::Pending).await;
    // With the counters: a new reader through the API.
    let mut body = world.signup_json("new@example.jp", "due", today_plus(150));
    body["municipality"] = json!(MUNI);
    assert_eq!(world.json("/api/subscriptions", body).await.status, 202);
    let new_id = store.ids_by_email_hash(&world.hasher.hash("new@example.jp")).await.expect("ids")[0].0.clone();
    let token = world.links.token(Purpose::Confirm, &new_id, Utc::now().timestamp());
    assert_eq!(world.confirm(&token).await.status, 200);
    // Old subscriptions change before the backfill: not counted (the counters never knew them).
    unsubscribe(&world, "old-gone").await;
    let response = world
        .json("/api/stop", json!({ "token": manage(&world, "old-moved"), "reason": StopReason::Moved.id() }))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(retention(&figures(&world).await), (1, 1, 0, 0), "only the new reader is counted so far");

    let done = store.backfill_counters(MUNI, Utc::now()).await.expect("backfill");
    assert_eq!((done.counted, done.unreadable, done.already), (5, 0, false), "{done:?}");
    // 累計登録者: the new reader and the four old ones who had confirmed; 配信中 three; one 解除 and
    // one 停止 (転出), as they stood.
    let after = figures(&world).await;
    assert_eq!(retention(&after), (5, 3, 1, 1));
    let month = after.months.last().expect("the month");
    assert_eq!(month.active_by_track.get(&Some(TrackId::Maternity)), Some(&2), "{month:?}");
    assert_eq!(month.active_by_track.get(&Some(TrackId::Baby)), Some(&1), "{month:?}");
    assert!(store.backfill_marker(MUNI).await.expect("marker").is_some(), "the municipality is recorded");

    // Again: the record says it is done; without the record, every subscription is marked.
    assert!(store.backfill_counters(MUNI, Utc::now()).await.expect("again").already);
    world
        .dynamo
        .delete_item()
        .table_name(&world.deliveries)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("COUNT#{MUNI}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(BACKFILL_SK.to_owned()))
        .send()
        .await
        .expect("delete the record");
    let again = store.backfill_counters(MUNI, Utc::now()).await.expect("again");
    assert_eq!((again.counted, again.already), (0, false));
    assert_eq!(retention(&figures(&world).await), (5, 3, 1, 1), "nothing counted twice");

    // After the backfill, old subscriptions' transitions count as usual: a 解除, a confirmation.
    unsubscribe(&world, "old-due").await;
    let token = world.links.token(Purpose::Confirm, "old-pending", Utc::now().timestamp());
    assert_eq!(world.confirm(&token).await.status, 200);
    assert_eq!(retention(&figures(&world).await), (6, 3, 2, 1));
}
