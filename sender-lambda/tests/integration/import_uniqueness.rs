//! Imported subscriptions and their uniqueness items, against moto (issue 14 §1): an imported
//! subscription names its `UNIQ#` item, so stopping or deleting it frees the address; tables
//! written before the fix are repaired by `subscribers repair-uniqueness`; and an import that
//! cannot reach the store says why, how far it got and that re-running is safe. Every
//! transition's transaction also adds to its municipality's counter item, so DynamoDB cancels two
//! at once for a conflict: such a transaction is sent again, never taken for a refusal.

use crate::common;

use kizuna_sender::ports::subscriptions::Subscriptions;
use std::path::Path;
use std::process::Output;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::Utc;
use common::d;
use common::moto::{config_at, sender_command, Moto};
use common::proxy::Proxy;
use kizuna_reports::counters::Outcome;
use kizuna_reports::ledger::Reading;
use kizuna_reports::Month;
use kizuna_schedule::AnchorKind;
use kizuna_sender::adapters::dynamo::counters::read_ledger;
use kizuna_sender::adapters::dynamo::keys::{subscription_pk, uniqueness_pk, PK, UNIQUENESS_KEY};
use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table};
use kizuna_sender::adapters::dynamo::{create_table, subscription_items, NewSubscription};
use kizuna_sender::domain::links::EmailHasher;
use kizuna_sender::domain::model::{
    FamilyReason, StopReason, Subscription, SubscriptionStatus, Transition, UnsubscribeVia,
};
use kizuna_sender::ports::store_error::StoreError;
use kizuna_sender::ports::subscriptions::Change;
use kizuna_sender::use_cases::import::{check_csv, import_rows, ImportCounts};

const SUBSCRIPTIONS: &str = "kizuna-subscriptions";
const DELIVERIES: &str = "kizuna-deliveries";
const LINK_SECRET: &str = "k1:import-test-secret-import-test-secret-01";

fn cli(endpoint: &str, home: &Path, args: &[&str]) -> Output {
    sender_command(endpoint)
        .env("HOME", home)
        .env("KIZUNA_LINK_SECRET", LINK_SECRET)
        .args(args)
        .output()
        .expect("run kizuna-sender")
}

async fn store(moto: &Moto) -> SubscriptionStore {
    let client = Client::new(&moto.config().await);
    create_table(&client, &subscriptions_table(SUBSCRIPTIONS)).await.expect("subscriptions table");
    create_table(&client, &deliveries_table(DELIVERIES)).await.expect("deliveries table");
    SubscriptionStore::new(client, SUBSCRIPTIONS, DELIVERIES)
}

async fn exists(store: &SubscriptionStore, pk: &str) -> bool {
    let output = store
        .client()
        .get_item()
        .table_name(SUBSCRIPTIONS)
        .key(PK, AttributeValue::S(pk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("get item");
    output.item().is_some()
}

fn hasher() -> EmailHasher {
    EmailHasher::new(b"import-test-hash-key")
}

fn family(email: &str, date: &str) -> NewSubscription {
    NewSubscription {
        id: uuid::Uuid::new_v4().to_string(),
        municipality: "hikari".to_owned(),
        email: email.to_owned(),
        email_hash: hasher().hash(email),
        anchor_kind: AnchorKind::Birth,
        anchor_date: d(date),
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "import".to_owned(),
    }
}

/// Stops a subscription as a family asking to stop does.
async fn try_stop(store: &SubscriptionStore, current: &Subscription) -> Result<Change, kizuna_sender::BoxError> {
    let reason = StopReason::Family(FamilyReason::Other);
    store.end(current, SubscriptionStatus::Stopped, reason, Transition::Stopped(reason), Utc::now()).await
}

/// [`try_stop`], which must succeed.
async fn stop(store: &SubscriptionStore, current: &Subscription) {
    try_stop(store, current).await.expect("stop");
}

/// Stores a subscription as `subscribers import` did before the fix: without `uniqueness_pk`.
async fn put_as_before_the_fix(store: &SubscriptionStore, sub: &NewSubscription) {
    let (mut item, unique) = subscription_items(sub, "2026-01-01T00:00:00.000Z");
    item.remove(UNIQUENESS_KEY);
    // Old data is written as it was, around the store (which no longer writes such items).
    for item in [item, unique] {
        store.client().put_item().table_name(SUBSCRIPTIONS).set_item(Some(item)).send().await.expect("put");
    }
}

fn unique_of(sub: &NewSubscription) -> String {
    uniqueness_pk(&sub.email_hash, &sub.municipality, sub.anchor_kind, sub.anchor_date)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_or_deleting_an_imported_subscription_frees_its_uniqueness_item() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    let today = d("2026-11-26");
    let csv = "email,municipality,kind,date\nhanako@example.jp,hikari,birth,2026-05-01\ntaro@example.jp,hikari,birth,2026-06-01\n";
    let checked = check_csv(csv.as_bytes(), None, today).expect("csv");
    let counts = import_rows(&store, &hasher(), &checked.rows, |_, _| {}).await.expect("import");
    assert_eq!(counts.created, 2);

    for (row, stopped) in checked.rows.iter().zip([true, false]) {
        let hash = hasher().hash(&row.email);
        let [(id, _)] = &store.ids_by_email_hash(&hash).await.expect("ids")[..] else { panic!("one subscription") };
        let unique = uniqueness_pk(&hash, &row.municipality, row.kind, row.date);
        assert!(exists(&store, &unique).await);
        let current = store.get(id).await.expect("get").expect("stored");
        assert_eq!(current.uniqueness_pk.as_deref(), Some(unique.as_str()), "the import names its uniqueness item");
        if stopped {
            stop(&store, &current).await;
        } else {
            assert!(store.delete_everything(id).await.expect("delete"));
        }
        assert!(!exists(&store, &unique).await, "the family can sign up again (stopped: {stopped})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repair_links_live_subscriptions_and_removes_leftover_items() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    let (live, ended, deleted, current) = (
        family("live@example.jp", "2026-03-01"),
        family("ended@example.jp", "2026-03-02"),
        family("deleted@example.jp", "2026-03-03"),
        family("current@example.jp", "2026-03-04"),
    );
    for sub in [&live, &ended, &deleted] {
        put_as_before_the_fix(&store, sub).await;
    }
    store.put_new(&current).await.expect("put current");
    // What the bug did: ending or deleting an old-style subscription leaves its item behind.
    let before = store.get(&ended.id).await.expect("get").expect("ended");
    store
        .end(
            &before,
            SubscriptionStatus::Unsubscribed,
            StopReason::Unsubscribe,
            Transition::Unsubscribed(UnsubscribeVia::Api),
            Utc::now(),
        )
        .await
        .expect("end");
    assert!(store.delete_everything(&deleted.id).await.expect("delete"));
    assert!(exists(&store, &unique_of(&ended)).await && exists(&store, &unique_of(&deleted)).await);

    let home = tempfile::tempdir().expect("home");
    let repaired = cli(&moto.endpoint(), home.path(), &["subscribers", "repair-uniqueness", "--json"]);
    assert!(repaired.status.success(), "{}", String::from_utf8_lossy(&repaired.stderr));
    let counts: serde_json::Value = serde_json::from_slice(&repaired.stdout).expect("JSON counts");
    assert_eq!((counts["linked"].as_u64(), counts["removed"].as_u64()), (Some(1), Some(2)), "{counts}");
    assert!(!exists(&store, &unique_of(&ended)).await && !exists(&store, &unique_of(&deleted)).await);
    assert!(exists(&store, &unique_of(&current)).await, "a correct subscription keeps its item");

    let linked = store.get(&live.id).await.expect("get").expect("live");
    assert_eq!(linked.uniqueness_pk, Some(unique_of(&live)));
    stop(&store, &linked).await;
    assert!(!exists(&store, &unique_of(&live)).await, "after the repair, stopping frees the item");
    assert!(exists(&store, &subscription_pk(&live.id)).await);

    let again = cli(&moto.endpoint(), home.path(), &["subscribers", "repair-uniqueness", "--json"]);
    let counts: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON counts");
    assert_eq!((counts["linked"].as_u64(), counts["removed"].as_u64()), (Some(0), Some(0)), "{counts}");
}

#[test]
fn an_import_that_cannot_reach_the_store_names_the_cause_and_its_progress() {
    let home = tempfile::tempdir().expect("home");
    let file = home.path().join("families.csv");
    std::fs::write(
        &file,
        "email,municipality,kind,date\na@example.jp,hikari,birth,2026-05-01\nb@example.jp,hikari,birth,2026-06-01\n",
    )
    .expect("write csv");
    // A port nothing listens on: the store is unreachable.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let output =
        cli(&format!("http://127.0.0.1:{port}"), home.path(), &["subscribers", "import", file.to_str().expect("path")]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("the import stopped after 0 of 2 rows"), "{error}");
    assert!(error.contains("re-running the same file is safe"), "{error}");
    assert!(error.contains("dispatch failure") && !error.contains("unhandled error"), "{error}");
    assert!(!error.contains("a@example.jp"), "no address in the message: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_cancelled_for_a_conflict_are_sent_again_and_counted_once() {
    let moto = Moto::start().await;
    store(&moto).await;
    // The proxy answers as DynamoDB does when another transaction is in flight on the counter item.
    let proxy = Proxy::start(moto.port, 0.0, 1).await;
    let store = SubscriptionStore::new(Client::new(&config_at(&proxy.endpoint()).await), SUBSCRIPTIONS, DELIVERIES);
    let csv = "email,municipality,kind,date\nhanako@example.jp,hikari,birth,2026-05-01\ntaro@example.jp,hikari,birth,2026-06-01\n";
    let checked = check_csv(csv.as_bytes(), None, d("2026-11-26")).expect("csv");
    proxy.conflict_next_transactions(3);
    let counts = import_rows(&store, &hasher(), &checked.rows, |_, _| {}).await.expect("import");
    assert_eq!(counts, ImportCounts { created: 2, duplicates: 0, skipped: 0 });
    assert_eq!(proxy.conflicted(), 3, "each conflict was answered, and sent again");

    let current = |email: &'static str| {
        let store = store.clone();
        async move {
            let [(id, _)] = &store.ids_by_email_hash(&hasher().hash(email)).await.expect("ids")[..] else {
                panic!("one subscription")
            };
            store.get(id).await.expect("get").expect("stored")
        }
    };
    proxy.conflict_next_transactions(1);
    let stopped = try_stop(&store, &current("hanako@example.jp").await).await.expect("stop");
    assert!(matches!(stopped, Change::Applied(_)), "a conflict is not a refusal: {stopped:?}");
    assert_eq!(proxy.conflicted(), 4);

    // One that keeps conflicting is reported as a conflict after a few attempts, and changes nothing.
    proxy.conflict_next_transactions(usize::MAX);
    let taro = current("taro@example.jp").await;
    let error = try_stop(&store, &taro).await.expect_err("it kept conflicting");
    assert!(matches!(error.downcast_ref::<StoreError>(), Some(StoreError::Conflict(_))), "{error}");
    proxy.conflict_next_transactions(0);
    assert_eq!(current("taro@example.jp").await.status, SubscriptionStatus::Active);

    let month = Month::of(kizuna_schedule::japan_today());
    let enabled = [kizuna_schedule::TrackId::Baby];
    let reading = Reading { municipality: "hikari", from: month, to: month, enabled: &enabled, now: month };
    let (ledger, _) = read_ledger(store.client(), DELIVERIES, reading).await.expect("ledger");
    let flows = &ledger.months[&month];
    assert_eq!(flows.outcome(Outcome::Registered, |_| true), 2, "each import counted once");
    assert_eq!(flows.outcome(Outcome::EndedStopped, |_| true), 1, "the stop counted once");
}
