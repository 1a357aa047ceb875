//! SES bounce and complaint notifications (realistic SNS + SES JSON) through the real handler
//! against moto_server: permanent bounces and complaints end the subscriptions of the address and
//! take them out of `by_anchor`; transient bounces suppress the address from the third on; a run
//! already planned sends nothing to them; a suppressed address gets no confirmation mail.
//!
//! Needs `.venv/bin/moto_server`: run `scripts/moto.sh` first.

use crate::api_support;

use api_support::{due, ApiCalls, World};
use aws_lambda_events::event::sns::SnsEvent;
use kizuna_schedule::japan_today;
use kizuna_sender::domain::model::SubscriptionStatus;
use kizuna_sender::lambdas::ses_events::handle_event;
use kizuna_sender::ports::subscriptions::Subscriptions;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;

fn bounce(kind: &str, address: &str) -> serde_json::Value {
    json!({
        "notificationType": "Bounce",
        "bounce": {
            "feedbackId": "0100018c-bounce-feedback",
            "bounceType": kind,
            "bounceSubType": if kind == "Permanent" { "General" } else { "MailboxFull" },
            "bouncedRecipients": [{
                "emailAddress": address,
                "action": "failed",
                "status": if kind == "Permanent" { "5.1.1" } else { "4.2.2" },
                "diagnosticCode": "smtp; 550 5.1.1 user unknown"
            }],
            "timestamp": "2026-11-26T23:00:01.000Z",
            "remoteMtaIp": "192.0.2.10",
            "reportingMTA": "dsn; a27-1.smtp-out.ap-northeast-1.amazonses.com"
        },
        "mail": {
            "timestamp": "2026-11-26T23:00:00.000Z",
            "source": "kizuna@hikari.example.jp",
            "sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/hikari.example.jp",
            "sourceIp": "198.51.100.7",
            "sendingAccountId": "123456789012",
            "messageId": "0106018c-message-id",
            "destination": [address]
        }
    })
}

fn complaint(address: &str) -> serde_json::Value {
    json!({
        "eventType": "Complaint",
        "complaint": {
            "feedbackId": "0100018c-complaint-feedback",
            "complaintSubType": null,
            "complainedRecipients": [{ "emailAddress": address }],
            "timestamp": "2026-11-26T23:05:00.000Z",
            "userAgent": "Yahoo!-Mail-Feedback/2.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": "2026-11-26T23:00:00.000Z"
        },
        "mail": {
            "timestamp": "2026-11-26T23:00:00.000Z",
            "source": "kizuna@hikari.example.jp",
            "messageId": "0106018c-message-id-2",
            "destination": [address],
            "tags": { "ses:configuration-set": ["kizuna"] }
        }
    })
}

fn sns(messages: &[serde_json::Value]) -> LambdaEvent<SnsEvent> {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(n, message)| {
            json!({
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:ap-northeast-1:123456789012:kizuna-ses-events:2b1c",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("95df01b4-ee98-5cb9-9903-4c221d41eb5{n}"),
                    "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:kizuna-ses-events",
                    "Subject": null,
                    "Message": message.to_string(),
                    "Timestamp": "2026-11-26T23:00:02.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLEpH+..",
                    "SigningCertUrl": "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-0000.pem",
                    "UnsubscribeUrl": "https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {}
                }
            })
        })
        .collect();
    let event: SnsEvent = serde_json::from_value(json!({ "Records": records })).expect("SNS event");
    LambdaEvent::new(event, Context::default())
}

async fn confirmed(world: &World, email: &str) -> String {
    assert_eq!(world.json("/api/subscriptions", world.signup_json(email, "due", due())).await.status, 202);
    let id = world.api.store.ids_by_email_hash(&world.hasher.hash(email)).await.expect("ids")[0].0.clone();
    let token = world.links.token(kizuna_sender::domain::links::Purpose::Confirm, &id, chrono::Utc::now().timestamp());
    assert_eq!(world.confirm(&token).await.status, 200);
    id
}

async fn status(world: &World, id: &str) -> SubscriptionStatus {
    world.api.store.get(id).await.expect("get").expect("exists").status
}

#[tokio::test]
async fn permanent_bounces_and_complaints_end_the_subscriptions_even_after_planning() {
    let world = World::new().await;
    let bounced = confirmed(&world, "gone@example.jp").await;
    let complained = confirmed(&world, "angry@example.jp").await;
    let kept = confirmed(&world, "fine@example.jp").await;
    let loaded = world.schedule();
    let plan = world.plan(&loaded, japan_today()).await;
    assert_eq!(plan.mails.len(), 3);

    let counts = handle_event(
        &world.api.store,
        &world.hasher,
        sns(&[bounce("Permanent", "Gone@Example.jp"), complaint("angry@example.jp")]),
    )
    .await
    .expect("handled");
    assert_eq!((counts.bounced, counts.unsubscribed), (1, 1));
    assert_eq!(status(&world, &bounced).await, SubscriptionStatus::Bounced);
    assert_eq!(status(&world, &complained).await, SubscriptionStatus::Unsubscribed);
    assert_eq!(status(&world, &kept).await, SubscriptionStatus::Active);

    // Out of by_anchor: a new plan reads only the kept one; the old plan's mails are refused.
    let fresh = world.plan(&loaded, japan_today()).await;
    assert_eq!(fresh.mails.len(), 1);
    let counts = world.deliver(&loaded, &plan).await;
    assert_eq!((counts.sent, counts.refused), (1, 2));
    // The same notification again changes nothing.
    let again = handle_event(&world.api.store, &world.hasher, sns(&[bounce("Permanent", "gone@example.jp")]))
        .await
        .expect("handled");
    assert_eq!(again.bounced, 0);
    // A suppressed address signing up again gets the usual answer but no confirmation mail.
    let before = world.mails_to("gone@example.jp").await.len();
    assert_eq!(
        world
            .json("/api/subscriptions", world.signup_json("gone@example.jp", "due", api_support::today_plus(150)))
            .await
            .status,
        202
    );
    assert_eq!(world.mails_to("gone@example.jp").await.len(), before);
}

#[tokio::test]
async fn transient_bounces_suppress_the_address_from_the_third() {
    let world = World::new().await;
    let id = confirmed(&world, "full@example.jp").await;
    for round in 1..=2 {
        let counts = handle_event(&world.api.store, &world.hasher, sns(&[bounce("Transient", "full@example.jp")]))
            .await
            .expect("handled");
        assert_eq!((counts.transient, counts.bounced), (1, 0), "round {round}");
        assert_eq!(status(&world, &id).await, SubscriptionStatus::Active);
    }
    let counts = handle_event(&world.api.store, &world.hasher, sns(&[bounce("Transient", "full@example.jp")]))
        .await
        .expect("handled");
    assert_eq!(counts.bounced, 1);
    assert_eq!(status(&world, &id).await, SubscriptionStatus::Bounced);
    assert_eq!(world.run(japan_today()).await.sent, 0);
}

#[tokio::test]
async fn other_notifications_and_unknown_addresses_change_nothing() {
    let world = World::new().await;
    confirmed(&world, "ok@example.jp").await;
    let before = world.dump().await;
    let delivery =
        json!({ "notificationType": "Delivery", "mail": { "destination": ["ok@example.jp"] }, "delivery": {} });
    let undetermined = json!({ "notificationType": "Bounce", "bounce": { "bounceType": "Undetermined", "bouncedRecipients": [{ "emailAddress": "ok@example.jp" }] } });
    let counts = handle_event(
        &world.api.store,
        &world.hasher,
        sns(&[delivery, undetermined, json!("not an SES notification"), bounce("Permanent", "stranger@example.jp")]),
    )
    .await
    .expect("handled");
    assert_eq!((counts.ignored, counts.bounced), (3, 0));
    assert_eq!(world.dump().await, before);
}
