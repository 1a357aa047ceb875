//! The subscription API through its real Lambda handler.
//!
//! On moto_server (DynamoDB + SESv2; mail read back from `/moto-api/data.json`), the tests whose
//! subject is the DynamoDB path end to end: whole lifecycles, repeated sign-ups (the uniqueness
//! item, the confirmation-mail rate), losses after planning, changed due dates, one-click
//! unsubscribe, deleting one's data, a published build read from S3. Needs
//! `.venv/bin/moto_server`: run `scripts/moto.sh` first.
//!
//! Without moto, on the in-memory twins ([`MemoryWorld`]: `kizuna_sender::adapters::memory`), the
//! tests whose subject is validation: form errors shown on the form again, forged, expired and
//! misused tokens, refused fields in Japanese, CORS and the CloudFront origin secret. They check
//! the router's answers and that a refused request stores and mails nothing, which the twins
//! show as well as the tables do.

use crate::api_support;
use crate::common;

use api_support::{due, link, stem, today_plus, token_of, ApiCalls, MemoryWorld, World, MUNI, ORIGIN};
use aws_sdk_dynamodb::types::AttributeValue;
use kizuna_schedule::japan_today;
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::domain::model::{StopReason, SubscriptionStatus};
use kizuna_sender::ports::subscriptions::Subscriptions;
use serde_json::json;

const API: &str = "https://kizuna.example.jp";

fn path_of(url: &str) -> &str {
    url.strip_prefix(API).expect("link on the API origin")
}

/// Signs up, confirms through the mailed link and returns the subscription id and its mails' links.
async fn signed_up_and_confirmed(world: &impl ApiCalls, email: &str) -> String {
    let response = world.json("/api/subscriptions", world.signup_json(email, "due", due())).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let confirm =
        world.mails_to(email).await.into_iter().find(|m| m.subject.contains("confirm")).expect("confirmation mail");
    let url = link(&confirm.text, "https://kizuna.example.jp/api/confirm?token=").expect("confirmation link");
    let confirmed = world.confirm(&token_of(&url)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let token = token_of(&url);
    world.links().verify(&token, chrono::Utc::now().timestamp()).expect("token").subscription_id
}

async fn status_of(world: &World, id: &str) -> Option<(SubscriptionStatus, u64, bool)> {
    let sub = world.api.store.get(id).await.expect("get")?;
    let item = world
        .dynamo
        .get_item()
        .table_name(&world.subscriptions)
        .key("pk", AttributeValue::S(format!("SUB#{id}")))
        .send()
        .await
        .expect("get item");
    let indexed = item.item().is_some_and(|i| i.contains_key("by_anchor_pk"));
    Some((sub.status, sub.anchor_version, indexed))
}

#[tokio::test]
async fn a_whole_lifecycle_sign_up_confirm_mails_birth_baby_mails_unsubscribe() {
    let world = World::new().await;
    let email = "hanako@example.jp";
    let response = world.json("/api/subscriptions", world.signup_json(email, "due", due())).await;
    assert_eq!(response.status, 202, "{}", response.body);
    assert_eq!(world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids").len(), 1);

    // Pending: the daily run sends nothing.
    assert_eq!(world.run(japan_today()).await.sent, 0);
    let confirm = world.mails_to(email).await;
    assert_eq!(confirm.len(), 1);
    assert!(confirm[0].subject.contains("confirm"));
    assert!(confirm[0].text.contains("はなさん"), "greeting: {}", confirm[0].text);
    let url = link(&confirm[0].text, "https://kizuna.example.jp/api/confirm?token=").expect("link");
    let claims = world.links.verify(&token_of(&url), chrono::Utc::now().timestamp()).expect("confirm token");
    assert_eq!(claims.purpose, Purpose::Confirm);
    let id = claims.subscription_id;
    assert!(claims.expires.expect("expires") <= chrono::Utc::now().timestamp() + 48 * 3600);

    // Opening the link (as a mail scanner would) shows a button and changes nothing.
    let token = token_of(&url);
    for _ in 0..2 {
        let opened = world.call("GET", path_of(&url), &[], None).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
        assert!(opened.body.contains("action=\"/api/confirm\""), "{}", opened.body);
        assert!(opened.body.contains(&format!("name=\"token\" value=\"{token}\"")), "{}", opened.body);
    }
    assert_eq!(status_of(&world, &id).await, Some((SubscriptionStatus::Pending, 1, false)));
    assert_eq!(world.mails_to(email).await.len(), 1, "no welcome mail before the button is pressed");

    // The button: active, welcome mail, and the page links to this week's message (25w5d today).
    let page = world.form("/api/confirm", &[("token", &token)]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("/x/maternity/{}/", stem(180))), "{}", page.body);
    assert_eq!(status_of(&world, &id).await, Some((SubscriptionStatus::Active, 1, true)));
    let again = world.form("/api/confirm", &[("token", &token)]).await;
    assert_eq!(again.status, 200, "confirming twice is harmless");
    let reopened = world.call("GET", path_of(&url), &[], None).await;
    assert!(
        reopened.body.contains(&format!("/x/maternity/{}/", stem(180))),
        "the link, opened again, shows the confirmed page"
    );
    let welcome: Vec<_> = world.mails_to(email).await.into_iter().filter(|m| m.subject.contains("welcome")).collect();
    assert_eq!(welcome.len(), 1, "one welcome mail");
    assert!(welcome[0].list_unsubscribe.is_some());

    // The daily run sends today's maternity mail once.
    let counts = world.run(japan_today()).await;
    assert_eq!(counts.sent, 1);
    assert_eq!(world.run(japan_today()).await.sent, 0);
    let daily: Vec<_> = world.mails_to(email).await.into_iter().filter(|m| m.subject.starts_with("件名")).collect();
    assert_eq!(daily.len(), 1);
    assert!(daily[0].subject.contains(&stem(180)));

    // Register the birth through the manage link of the welcome mail.
    let manage = link(&welcome[0].text, "https://kizuna.example.jp/api/manage?token=").expect("manage link");
    let page = world.call("GET", path_of(&manage), &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&token_of(&manage)), "the manage page carries the token");
    let birth =
        world.json("/api/birth", json!({ "token": token_of(&manage), "birth_date": japan_today().to_string() })).await;
    assert_eq!(birth.status, 200, "{}", birth.body);
    assert_eq!(status_of(&world, &id).await, Some((SubscriptionStatus::Active, 2, true)));
    let mails = world.mails_to(email).await;
    assert!(mails.iter().any(|m| m.subject.contains("birth-registered")));
    let baby: Vec<_> = mails.iter().filter(|m| m.subject.contains("baby/day-001")).collect();
    assert_eq!(baby.len(), 1, "today's baby mail is sent at once");
    // The day's run does not repeat it; the next days bring the next baby mails.
    assert_eq!(world.run(japan_today()).await.sent, 0);
    assert_eq!(world.run(today_plus(1)).await.sent, 1);
    assert!(world.mails_to(email).await.iter().any(|m| m.subject.contains("baby/day-002")));
    // Registering again is refused.
    let twice =
        world.json("/api/birth", json!({ "token": token_of(&manage), "birth_date": japan_today().to_string() })).await;
    assert_eq!(twice.status, 409);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&twice.body).expect("json")["error"]["field"], "birth_date");

    // Unsubscribe: the GET shows a confirmation page, the POST unsubscribes.
    let unsubscribe =
        link(&welcome[0].text, "https://kizuna.example.jp/api/unsubscribe?token=").expect("unsubscribe link");
    let page = world.call("GET", path_of(&unsubscribe), &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form"));
    assert_eq!(status_of(&world, &id).await.map(|s| s.0), Some(SubscriptionStatus::Active), "GET changes nothing");
    let done = world.form("/api/unsubscribe", &[("token", &token_of(&unsubscribe))]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), Some("https://kizuna.example.jp/hikari/subscribe/unsubscribed/"));
    assert_eq!(status_of(&world, &id).await, Some((SubscriptionStatus::Unsubscribed, 3, false)));
    assert!(world.mails_to(email).await.iter().any(|m| m.subject.contains("unsubscribed")));
    assert_eq!(world.run(today_plus(2)).await.sent, 0, "nothing after unsubscribing");
}

#[tokio::test]
async fn signing_up_again_makes_no_duplicate_reveals_nothing_and_mails_at_most_every_10_minutes() {
    let world = World::new().await;
    let email = "taro@example.jp";
    let first = world.json("/api/subscriptions", world.signup_json(email, "due", due())).await;
    let second = world.json("/api/subscriptions", world.signup_json("TARO@Example.JP", "due", due())).await;
    assert_eq!(first.status, 202);
    assert_eq!((second.status, &second.body), (first.status, &first.body), "same answer for a known address");
    assert_eq!(world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids").len(), 1);
    assert_eq!(world.mails().await.len(), 1, "one confirmation mail per 10 minutes");
    // Another pregnancy of the same address is another subscription, but still one mail per 10 minutes.
    let other = world.json("/api/subscriptions", world.signup_json(email, "due", today_plus(120))).await;
    assert_eq!(other.status, 202);
    assert_eq!(world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids").len(), 2);
    assert_eq!(world.mails().await.len(), 1);
    // An active subscriber signing up again gets the same answer and no mail.
    let id = signed_up_and_confirmed(&world, "jiro@example.jp").await;
    let before = world.mails().await.len();
    let again = world.json("/api/subscriptions", world.signup_json("jiro@example.jp", "due", due())).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(world.mails().await.len(), before);
    assert_eq!(status_of(&world, &id).await.map(|s| s.0), Some(SubscriptionStatus::Active));
}

#[tokio::test]
async fn form_posts_answer_303_and_errors_show_the_form_again_with_the_fields_linked() {
    let world = MemoryWorld::new();
    let ok = world
        .form(
            "/api/subscriptions",
            &[
                ("email", "form@example.jp"),
                ("municipality", MUNI),
                ("kind", "birth"),
                ("date", &today_plus(-30).to_string()),
                ("consent", "on"),
                ("consent_version", "2026-11"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.header("location"), Some("https://kizuna.example.jp/hikari/subscribe/sent/"));
    let bad = world
        .form(
            "/api/subscriptions",
            &[
                ("email", "a..b@docomo.ne.jp"),
                ("municipality", MUNI),
                ("kind", "due"),
                ("date", "2026-02-30"),
                ("consent", "on"),
                ("consent_version", "2026-11"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    assert!(bad.body.contains("href=\"#field-email\""));
    assert!(bad.body.contains("aria-describedby=\"error-email"));
    assert!(bad.body.contains("別のメールアドレス"), "the carrier explanation");
    assert!(bad.body.contains("存在しない日付"));
    assert!(bad.body.contains("value=\"a..b@docomo.ne.jp\""), "the value sent is kept");
}

#[tokio::test]
async fn forged_expired_and_other_subscriptions_tokens_are_rejected() {
    let world = MemoryWorld::new();
    let id = signed_up_and_confirmed(&world, "token@example.jp").await;
    let other = signed_up_and_confirmed(&world, "other@example.jp").await;
    let now = chrono::Utc::now().timestamp();
    let before = world.dump().await;
    let manage = world.links.token(Purpose::Manage, &id, now);
    let cases = [
        // Forged: another key.
        (
            kizuna_sender::domain::links::LinkKeys::parse("k1:someone-elses-secret-0123456789abcdef")
                .expect("keys")
                .token(Purpose::Manage, &id, now),
            403,
        ),
        // Tampered: the other subscription's id in this token.
        (manage.replace(&id, &other), 403),
        // Expired: a manage token from 31 days ago, a confirmation token from 49 hours ago.
        (world.links.token(Purpose::Manage, &id, now - 31 * 86_400), 410),
        // The wrong purpose: an unsubscribe token cannot manage.
        (world.links.token(Purpose::Unsubscribe, &id, now), 403),
        ("garbage".to_owned(), 400),
    ];
    for (token, status) in &cases {
        let response = world.json("/api/stop", json!({ "token": token, "reason": "other" })).await;
        assert_eq!(response.status, *status, "{token}: {}", response.body);
        let error: serde_json::Value = serde_json::from_str(&response.body).expect("json");
        assert_eq!(error["error"]["field"], "token");
    }
    let expired_confirm = world.links.token(Purpose::Confirm, &id, now - 49 * 3600);
    assert_eq!(world.call("GET", &format!("/api/confirm?token={expired_confirm}"), &[], None).await.status, 410);
    let unknown_key = manage.replacen("m.k1.", "m.k9.", 1);
    assert_eq!(world.call("GET", &format!("/api/manage?token={unknown_key}"), &[], None).await.status, 403);
    // A subscription id field is not accepted: a token acts on its own subscription only.
    let smuggled =
        world.json("/api/stop", json!({ "token": manage, "reason": "other", "subscription_id": other })).await;
    assert_eq!(smuggled.status, 400);
    assert_eq!(world.dump().await, before, "nothing changed");
    // The real token works, on its own subscription only.
    assert_eq!(world.json("/api/stop", json!({ "token": manage, "reason": "other" })).await.status, 200);
    assert_eq!(world.api.store.get(&id).await.expect("get").map(|s| s.status), Some(SubscriptionStatus::Stopped));
    assert_eq!(world.api.store.get(&other).await.expect("get").map(|s| s.status), Some(SubscriptionStatus::Active));
}

#[tokio::test]
async fn a_loss_after_planning_sends_nothing_more_but_one_gentle_mail() {
    let world = World::new().await;
    let email = "loss@example.jp";
    let id = signed_up_and_confirmed(&world, email).await;
    let loaded = world.schedule();
    let plan = world.plan(&loaded, japan_today()).await;
    assert_eq!(plan.mails.len(), 1, "the run planned today's mail");
    let manage = world.links.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    let stop = world.form("/api/stop", &[("token", &manage), ("reason", "miscarriage")]).await;
    assert_eq!(stop.status, 303);
    assert_eq!(stop.header("location"), Some("https://kizuna.example.jp/hikari/subscribe/stopped/"));
    let counts = world.deliver(&loaded, &plan).await;
    assert_eq!((counts.sent, counts.refused), (0, 1), "the planned mail is refused");
    for day in 0..3 {
        assert_eq!(world.run(today_plus(day)).await.sent, 0);
    }
    let mails = world.mails_to(email).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects.iter().filter(|s| s.contains("stopped-loss")).count(), 1, "{subjects:?}");
    assert!(!subjects.iter().any(|s| s.starts_with("件名")), "no daily mail: {subjects:?}");
    let loss = mails.iter().find(|m| m.subject.contains("stopped-loss")).expect("loss mail");
    assert!(loss.list_unsubscribe.is_none());
    // Nothing can restart it: registering a birth or a new due date is refused; stopping again sends nothing.
    assert_eq!(
        world.json("/api/birth", json!({ "token": manage, "birth_date": japan_today().to_string() })).await.status,
        409
    );
    assert_eq!(
        world.json("/api/due-date", json!({ "token": manage, "due_date": today_plus(50).to_string() })).await.status,
        409
    );
    assert_eq!(world.json("/api/stop", json!({ "token": manage, "reason": "stillbirth" })).await.status, 200);
    assert_eq!(world.mails_to(email).await.len(), mails.len());
    let sub = world.api.store.get(&id).await.expect("get").expect("exists");
    assert_eq!(sub.stop_reason.map(StopReason::as_str), Some("miscarriage"));
}

#[tokio::test]
async fn a_changed_due_date_repeats_nothing_already_received() {
    let world = World::new().await;
    let email = "moved@example.jp";
    let id = signed_up_and_confirmed(&world, email).await;
    assert_eq!(world.run(japan_today()).await.sent, 1, "today's mail (25w5d)");
    let manage = world.links.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    let changed =
        world.json("/api/due-date", json!({ "token": manage, "due_date": today_plus(101).to_string() })).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(status_of(&world, &id).await, Some((SubscriptionStatus::Active, 2, true)));
    // Tomorrow is 25w5d again for the new date: already received, so nothing is sent.
    let counts = world.run(today_plus(1)).await;
    assert_eq!((counts.sent, counts.already_sent), (0, 1));
    // The day after brings 25w6d, new.
    assert_eq!(world.run(today_plus(2)).await.sent, 1);
    let subjects: Vec<String> =
        world.mails_to(email).await.into_iter().map(|m| m.subject).filter(|s| s.starts_with("件名")).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.contains(&stem(180))).count(), 1);
    // Out-of-range dates are refused with the field named.
    let far = world.json("/api/due-date", json!({ "token": manage, "due_date": today_plus(281).to_string() })).await;
    assert_eq!(far.status, 400);
    assert!(far.body.contains("\"field\":\"due_date\""));
}

#[tokio::test]
async fn one_click_unsubscribe_answers_200_to_urlencoded_and_multipart() {
    let world = World::new().await;
    let first = signed_up_and_confirmed(&world, "one@example.jp").await;
    let second = signed_up_and_confirmed(&world, "two@example.jp").await;
    let now = chrono::Utc::now().timestamp();
    let token = world.links.token(Purpose::Unsubscribe, &first, now);
    let response = world
        .call(
            "POST",
            &format!("/api/unsubscribe?token={token}"),
            &[("content-type", "application/x-www-form-urlencoded"), ("origin", "https://mail.example.com")],
            Some("List-Unsubscribe=One-Click"),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(status_of(&world, &first).await.map(|s| s.0), Some(SubscriptionStatus::Unsubscribed));
    let token = world.links.token(Purpose::Unsubscribe, &second, now);
    let body =
        "--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b0undary--\r\n";
    let (path, multipart) =
        (format!("/api/unsubscribe?token={token}"), [("content-type", "multipart/form-data; boundary=b0undary")]);
    let response = world.call("POST", &path, &multipart, Some(body)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(status_of(&world, &second).await.map(|s| s.0), Some(SubscriptionStatus::Unsubscribed));
    // Repeating it is harmless and mails nothing more.
    let count = world.mails().await.len();
    let again = world.call("POST", &path, &multipart, Some(body)).await;
    assert_eq!(again.status, 200);
    assert_eq!(world.mails().await.len(), count);
    // A wrong value is refused.
    let wrong = world
        .call(
            "POST",
            &format!("/api/unsubscribe?token={token}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some("List-Unsubscribe=Yes"),
        )
        .await;
    assert_eq!(wrong.status, 400);
}

#[tokio::test]
async fn deleting_my_data_removes_the_subscription_its_uniqueness_item_and_deliveries() {
    let world = World::new().await;
    let email = "delete@example.jp";
    let id = signed_up_and_confirmed(&world, email).await;
    assert_eq!(world.run(japan_today()).await.sent, 1);
    assert!(world.dump().await.contains(&format!("SUB#{id}")));
    let manage = world.links.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    let response = world.form("/api/delete", &[("token", &manage)]).await;
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), Some("https://kizuna.example.jp/hikari/subscribe/deleted/"));
    let dump = world.dump().await;
    assert!(!dump.contains(&id), "no item mentions the subscription: {dump}");
    assert!(!dump.contains(&world.hasher.hash(email)), "no item carries the address hash: {dump}");
    assert!(!dump.contains(email));
    assert_eq!(world.json("/api/delete", json!({ "token": manage })).await.status, 404);
    // The family can sign up again.
    assert_eq!(world.json("/api/subscriptions", world.signup_json(email, "due", due())).await.status, 202);
}

#[tokio::test]
async fn validation_names_the_field_in_japanese_and_changes_nothing() {
    let world = MemoryWorld::new();
    let before = world.dump().await;
    let base = world.signup_json("ok@example.jp", "due", due());
    let with = |key: &str, value: serde_json::Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("email", json!("a..b@docomo.ne.jp")), "email", "別のメールアドレス"),
        (with("email", json!("a.@ezweb.ne.jp")), "email", "RFC 5322"),
        (with("email", json!(format!("{}@example.jp", "a".repeat(250)))), "email", "長すぎます"),
        (with("date", json!(today_plus(-14).to_string())), "date", "生年月日で登録"),
        (with("date", json!(today_plus(281).to_string())), "date", "先すぎます"),
        (with("municipality", json!("atlantis")), "municipality", "見つかりません"),
        (with("nickname", json!("あ".repeat(21))), "nickname", "20文字"),
        (with("consent", json!(false)), "consent", "同意"),
        (with("kind", json!("adopted")), "kind", "選んで"),
        (with("extra", json!(1)), "extra", "受け付けていません"),
        (with("email", json!(42)), "email", "文字列"),
        (with("nickname", json!("はな\r\nBcc: x@y.jp")), "nickname", "改行"),
    ];
    for (body, field, words) in cases {
        let response = world.json("/api/subscriptions", body.clone()).await;
        assert_eq!(response.status / 100, 4, "{body}: {}", response.body);
        let error: serde_json::Value = serde_json::from_str(&response.body).expect("json error");
        assert_eq!(error["error"]["field"], field, "{body}");
        let message = error["error"]["message"].as_str().expect("message");
        assert!(message.contains(words), "{field}: {message}");
    }
    let birth = world.signup_json("ok@example.jp", "birth", today_plus(1));
    let response = world.json("/api/subscriptions", birth).await;
    assert!(response.body.contains("未来"), "{}", response.body);
    let too_old = world.signup_json("ok@example.jp", "birth", today_plus(-18 * 366));
    assert_eq!(world.json("/api/subscriptions", too_old).await.status, 400);
    assert_eq!(world.dump().await, before);
    assert!(world.mails().await.is_empty());
}

#[tokio::test]
async fn cors_is_allowed_only_for_the_configured_archive_origins() {
    let world = MemoryWorld::new();
    let preflight = world
        .call("OPTIONS", "/api/subscriptions", &[("origin", ORIGIN), ("access-control-request-method", "POST")], None)
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    let foreign = world.call("OPTIONS", "/api/subscriptions", &[("origin", "https://evil.example")], None).await;
    assert_eq!(foreign.status, 403);
    assert!(foreign.header("access-control-allow-origin").is_none());
    let before = world.dump().await;
    let posted = world
        .call(
            "POST",
            "/api/subscriptions",
            &[("content-type", "application/json"), ("origin", "https://evil.example")],
            Some(&world.signup_json("cors@example.jp", "due", due()).to_string()),
        )
        .await;
    assert_eq!(posted.status, 403);
    assert_eq!(world.dump().await, before);
    let allowed = world
        .call(
            "POST",
            "/api/subscriptions",
            &[("content-type", "application/json"), ("origin", ORIGIN)],
            Some(&world.signup_json("cors@example.jp", "due", due()).to_string()),
        )
        .await;
    assert_eq!(allowed.status, 202);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
}

#[tokio::test]
async fn with_an_origin_secret_only_requests_through_cloudfront_are_answered() {
    let mut world = MemoryWorld::new();
    world.api.config.origin_verify = Some("cloudfront-origin-secret-0123456789".to_owned());
    let signup = world.signup_json("edge@example.jp", "due", due()).to_string();
    let before = world.dump().await;
    for header in [None, Some("wrong"), Some("cloudfront-origin-secret-012345678"), Some("")] {
        let mut headers = vec![("content-type", "application/json"), ("origin", ORIGIN)];
        headers.extend(header.map(|value| ("x-kizuna-origin-verify", value)));
        let response = world.call("POST", "/api/subscriptions", &headers, Some(&signup)).await;
        assert_eq!(response.status, 403, "{header:?}: {}", response.body);
        assert!(response.body.contains("\"field\":\"origin\""), "{}", response.body);
    }
    let page = world.call("GET", "/api/manage?token=x", &[], None).await;
    assert_eq!(page.status, 403, "pages too: every route is behind the check");
    assert_eq!(world.dump().await, before, "refused requests change nothing");
    assert!(world.mails().await.is_empty());

    let headers = [
        ("content-type", "application/json"),
        ("origin", ORIGIN),
        ("X-Kizuna-Origin-Verify", "cloudfront-origin-secret-0123456789"),
    ];
    let response = world.call("POST", "/api/subscriptions", &headers, Some(&signup)).await;
    assert_eq!(response.status, 202, "{}", response.body);
}

#[test]
fn the_openapi_document_lists_every_route_the_router_serves() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).expect("openapi.yaml");
    let document: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    for (method, path) in kizuna_sender::http::ROUTES {
        let operation = &document["paths"][path][method.to_ascii_lowercase()];
        assert!(operation.is_mapping(), "{method} {path} is missing from openapi.yaml");
        assert!(operation["responses"].is_mapping(), "{method} {path} has no responses");
    }
    let paths = document["paths"].as_mapping().expect("paths");
    for (path, operations) in paths {
        let path = path.as_str().expect("path");
        for (method, _) in operations.as_mapping().expect("operations") {
            let method = method.as_str().expect("method").to_ascii_uppercase();
            if method == "OPTIONS" || method == "PARAMETERS" {
                continue;
            }
            assert!(
                kizuna_sender::http::ROUTES.contains(&(method.as_str(), path)),
                "openapi.yaml documents {method} {path}, which the router does not serve"
            );
        }
    }
}

#[tokio::test]
async fn the_api_reads_a_published_build_from_s3_and_accepts_tokens_of_rotated_keys() {
    let mut world = World::new().await;
    let config = world.moto.config().await;
    let (s3, bucket) = common::s3::bucket(&config, "site").await;
    common::s3::publish(&s3, &bucket, world.dir.path(), "kizuna/").await;
    std::fs::remove_dir_all(world.dir.path().join(MUNI)).expect("the local copy is gone");
    let source =
        kizuna_sender::adapters::site::ScheduleSource::parse(&format!("s3://{bucket}/kizuna/")).expect("source");
    world.api.site = kizuna_sender::adapters::site::published::Site::from_source(source, &config);
    // Keys rotate: a new key signs, the old one still verifies.
    let old = world.links.clone();
    world.api.links = kizuna_sender::domain::links::LinkKeys::parse(&format!(
        "k2:rotated-secret-rotated-secret-0123456789,{}",
        api_support::SECRET
    ))
    .expect("rotated keys");

    let email = "s3@example.jp";
    assert_eq!(world.json("/api/subscriptions", world.signup_json(email, "due", due())).await.status, 202);
    let confirm =
        world.mails_to(email).await.into_iter().find(|m| m.subject.contains("confirm")).expect("confirm mail");
    let url = link(&confirm.text, "https://kizuna.example.jp/api/confirm?token=").expect("link");
    assert!(token_of(&url).starts_with("c.k2."), "the new key signs");
    let page = world.confirm(&token_of(&url)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("/x/maternity/{}/", stem(180))));
    let id = world.links.verify(&token_of(&url), chrono::Utc::now().timestamp()).map_err(|e| e.to_string());
    assert!(id.is_err(), "the old keys alone cannot verify the new key's token");
    let id = world.api.links.verify(&token_of(&url), chrono::Utc::now().timestamp()).expect("verifies").subscription_id;
    let old_manage = old.token(Purpose::Manage, &id, chrono::Utc::now().timestamp());
    let manage = world.call("GET", &format!("/api/manage?token={old_manage}"), &[], None).await;
    assert_eq!(manage.status, 200, "a token of the old key still works");
    assert!(manage.body.contains(&old_manage));
    let birth = world.form("/api/birth", &[("token", &old_manage), ("birth_date", &japan_today().to_string())]).await;
    assert_eq!(birth.status, 303, "{}", birth.body);
    assert!(world.mails_to(email).await.iter().any(|m| m.subject.contains("baby/day-001")), "sections read from S3");
}
