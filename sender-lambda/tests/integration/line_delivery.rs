//! LINE registration through the real parts: a `follow` built and signed by the stand-in (the
//! official SDK's webhook models) → the greeting's registration link → `POST /api/line/register`
//! on the real router → an active LINE subscription in moto's DynamoDB, linked to the friend, the
//! welcome pushed to the stand-in (validated by the SDK's `PushMessageRequest`) and the family sent
//! to the archive's 「登録しました」 page. Forged, expired and reused tokens answer a Japanese page
//! and store nothing. The daily push is `line_daily.rs`; the world is `line_support::world`.

use crate::line_support;

use kizuna_schedule::line::REGISTERED_PAGE_SLUG;
use kizuna_sender::adapters::dynamo::line_state::RegistrationTicket;
use kizuna_sender::domain::links::{LinkKeys, Purpose};
use kizuna_sender::domain::model::{Channel, SubscriptionStatus};
use kizuna_sender::ports::subscriptions::Subscriptions;
use line_support::user_id;
use line_support::world::{due_in, form, Town, CHANNEL};

/// Every subscription item (`SUB#…`) in the table.
async fn subscription_count(w: &Town) -> usize {
    let world = &w.world;
    let items = world.dynamo.scan().table_name(&world.subs_table).send().await.expect("scan").items;
    items.unwrap_or_default().iter().filter(|item| item["pk"].as_s().is_ok_and(|pk| pk.starts_with("SUB#"))).count()
}

#[tokio::test]
async fn follow_then_register_stores_an_active_line_subscription_and_pushes_the_welcome_once() {
    let w = Town::start(2000).await;
    let user = user_id(7);
    let token = w.follow(&user).await;
    let date = due_in(100).to_string();

    // A form with an error answers the page again with the token; the link keeps working.
    let mut missing_date = form(&token, "");
    missing_date.retain(|(name, _)| *name != "date");
    let again = w.register(&missing_date).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains(&format!("value=\"{token}\"")), "the token is filled in: {}", again.body);
    assert!(again.body.contains("error-summary"), "{}", again.body);
    assert_eq!(subscription_count(&w).await, 0);

    let response = w.register(&form(&token, &date)).await;
    // The archive's 「登録しました」 page of LINE towns (the generator writes it, see
    // generator/tests/integration/line.rs), as the mail forms end on theirs.
    assert_eq!(response.status, 303, "{}", response.body);
    let location = response.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("location")).map(|(_, v)| v);
    let registered = format!("https://kizuna.example.jp/hikari/subscribe/{REGISTERED_PAGE_SLUG}/");
    assert_eq!(location.map(String::as_str), Some(registered.as_str()));

    let friend = w.line().state.friend(CHANNEL, &user).await.expect("read").expect("friend");
    let id = friend.subscription_id.expect("the subscription is linked to the friend");
    let subscription = w.api.store.get(&id).await.expect("get").expect("stored");
    assert_eq!(subscription.status, SubscriptionStatus::Active, "active at once, no confirmation");
    assert_eq!(subscription.channel(), Channel::Line);
    let line = subscription.line.as_ref().expect("a LINE recipient");
    assert_eq!((line.channel_id.as_str(), line.user_id.as_str()), (CHANNEL, user.as_str()));
    assert_eq!(subscription.anchor_date.to_string(), date);
    assert!(subscription.email.is_empty(), "no address for a LINE family");

    let pushes = w.world.standin.pushes(CHANNEL).await;
    assert_eq!(pushes.len(), 1, "one welcome");
    assert_eq!(pushes[0]["to"], user.as_str());
    let welcome = pushes[0]["messages"][0]["text"].as_str().expect("text");
    assert!(
        welcome.starts_with("はなさんようこそ。登録内容: https://kizuna.example.jp/api/manage?token="),
        "{welcome}"
    );
    let manage = welcome.rsplit("token=").next().expect("token");
    let claims = w.api.links.verify(manage, chrono::Utc::now().timestamp()).expect("a manage token");
    assert_eq!((claims.purpose, claims.subscription_id.as_str()), (Purpose::Manage, id.as_str()));

    // The link works once: used again, a Japanese page and nothing more stored or pushed.
    let reused = w.register(&form(&token, &due_in(120).to_string())).await;
    assert_eq!(reused.status, 410, "{}", reused.body);
    assert!(reused.body.contains("この登録用リンクは使えません"), "{}", reused.body);
    assert_eq!(subscription_count(&w).await, 1);
    assert_eq!(w.world.standin.pushes(CHANNEL).await.len(), 1);
}

#[tokio::test]
async fn forged_and_expired_registration_tokens_answer_a_japanese_page_and_store_nothing() {
    let w = Town::start(2000).await;
    let user = user_id(8);
    let token = w.follow(&user).await;
    let now = chrono::Utc::now();
    let claims = w.api.links.verify(&token, now.timestamp()).expect("token");

    // Signed with another key: forged.
    let other = LinkKeys::parse("k1:another-secret-another-secret-0123456").expect("keys");
    let forged = other.token(Purpose::LineRegister, &claims.subscription_id, now.timestamp());
    // A manage token for the same id: the wrong purpose.
    let wrong_purpose = w.api.links.token(Purpose::Manage, &claims.subscription_id, now.timestamp());
    // Issued more than a day ago: the signed expiry has passed.
    let stale = w.api.links.token(Purpose::LineRegister, &claims.subscription_id, now.timestamp() - 2 * 86_400);
    // A ticket whose own expiry passed (the TTL has not deleted it yet).
    let expired = RegistrationTicket {
        id: uuid::Uuid::new_v4().to_string(),
        municipality: "hikari".into(),
        channel_id: CHANNEL.into(),
        user_id: user.clone(),
        expires_at: now - chrono::Duration::minutes(1),
    };
    w.line().state.put_ticket(&expired).await.expect("ticket");
    let expired_ticket = w.api.links.token(Purpose::LineRegister, &expired.id, now.timestamp());
    let date = due_in(90).to_string();
    for (name, bad, status) in [
        ("forged", forged.as_str(), 403),
        ("wrong purpose", wrong_purpose.as_str(), 403),
        ("stale", stale.as_str(), 410),
        ("expired ticket", expired_ticket.as_str(), 410),
        ("garbage", "not-a-token", 400),
        ("missing", "", 400),
    ] {
        let mut fields = form(bad, &date);
        if bad.is_empty() {
            fields.retain(|(field, _)| *field != "token");
        }
        let response = w.register(&fields).await;
        assert_eq!(response.status, status, "{name}: {}", response.body);
        assert!(response.body.contains("<html lang=\"ja\""), "{name}: a page");
        assert!(response.body.contains("この登録用リンクは使えません"), "{name}: {}", response.body);
    }
    assert_eq!(subscription_count(&w).await, 0, "nothing stored");
    assert!(w.world.standin.pushes(CHANNEL).await.is_empty(), "nothing pushed");
    // The genuine link still works after all that.
    assert_eq!(w.register(&form(&token, &date)).await.status, 303);
}
