//! The LINE adapter against the stand-in (the official SDK's models validate every request) and
//! moto's Secrets Manager: stateless tokens from per-municipality secrets, pushes with retry keys,
//! 409 after acceptance, the classification of 429s, 5xx and 4xx, timeouts, pacing, and webhook
//! bodies built and signed with the SDK's webhook models.

use crate::common;
use crate::line_support;

use std::time::Duration;

use kizuna_sender::adapters::line::channels::{LineChannels, DEFAULT_SECRET_PREFIX};
use kizuna_sender::adapters::line::client::{LineApi, LineErrorKind, PushAccepted};
use kizuna_sender::adapters::line::webhook::{parse_events, signature_is_valid, Event};
use line_support::{user_id, Standin};
use serde_json::json;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

async fn channels(standin: &Standin, moto: &common::moto::Moto, municipality: &str, channel_id: &str) -> LineChannels {
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.config().await);
    let value = json!({"channel_id": channel_id, "channel_secret": SECRET}).to_string();
    secrets
        .create_secret()
        .name(format!("{DEFAULT_SECRET_PREFIX}{municipality}"))
        .secret_string(value)
        .send()
        .await
        .expect("create the channel secret");
    let api = LineApi::new(&standin.base(), Duration::from_secs(2)).expect("client");
    LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, 1000.0)
}

fn text(body: &str) -> serde_json::Value {
    json!([{"type": "text", "text": body}])
}

#[tokio::test]
async fn pushes_once_per_retry_key_and_classifies_errors() {
    let (standin, moto) = (Standin::start().await, common::moto::Moto::start().await);
    standin.add_channel("2001", SECRET, 2000).await;
    let channels = channels(&standin, &moto, "hikari", "2001").await;
    let token = channels.access_token("hikari").await.expect("a stateless token from the secret");
    let api = channels.api();
    let key = uuid::Uuid::new_v4().to_string();

    let first = api.push(&token, &user_id(1), &text("【妊娠12週3日】こんにちは"), &key).await.expect("accepted");
    let PushAccepted::Sent(request_id) = first else { panic!("expected a fresh acceptance: {first:?}") };
    // The same key again (a retry after a timeout): LINE answers 409 with the accepted request id.
    let again = api.push(&token, &user_id(1), &text("【妊娠12週3日】こんにちは"), &key).await.expect("409 is success");
    assert_eq!(again, PushAccepted::AlreadyAccepted(request_id));
    assert_eq!(standin.pushes("2001").await.len(), 1, "delivered once");

    standin.faults("2001", json!({"queue": ["rate", "quota", "server"]})).await;
    let kinds = [LineErrorKind::RateLimited, LineErrorKind::QuotaExhausted, LineErrorKind::Transient];
    for expected in kinds {
        let error =
            api.push(&token, &user_id(2), &text("x"), &uuid::Uuid::new_v4().to_string()).await.expect_err("an error");
        assert_eq!(error.kind, expected, "{error}");
    }
    // A failed attempt does not use up its key: the retry with the same key is accepted.
    let key = uuid::Uuid::new_v4().to_string();
    standin.faults("2001", json!({"queue": ["server"]})).await;
    assert!(api.push(&token, &user_id(3), &text("x"), &key).await.is_err());
    assert!(matches!(api.push(&token, &user_id(3), &text("x"), &key).await, Ok(PushAccepted::Sent(_))));

    // What the SDK's models refuse is a permanent error: six messages, an empty text, a bad user id.
    let six = json!((0..6).map(|_| json!({"type": "text", "text": "x"})).collect::<Vec<_>>());
    let too_long = text(&"あ".repeat(5001));
    for (to, messages) in
        [(user_id(4), six), (user_id(4), json!([{"type": "text"}])), ("C123".into(), text("x")), (user_id(4), too_long)]
    {
        let error = api.push(&token, &to, &messages, &uuid::Uuid::new_v4().to_string()).await.expect_err("an error");
        assert_eq!((error.kind, error.status), (LineErrorKind::Permanent, Some(400)), "{error}");
    }
    let error = api
        .push("forged-token", &user_id(5), &text("x"), &uuid::Uuid::new_v4().to_string())
        .await
        .expect_err("an error");
    assert_eq!(error.kind, LineErrorKind::Unauthorized);
    assert_eq!(standin.pushes("2001").await.len(), 2);
}

#[tokio::test]
async fn a_timeout_after_acceptance_is_in_doubt_and_the_retry_proves_delivery() {
    let (standin, moto) = (Standin::start().await, common::moto::Moto::start().await);
    standin.add_channel("2002", SECRET, 2000).await;
    let channels = channels(&standin, &moto, "midori", "2002").await;
    let token = channels.access_token("midori").await.expect("token");
    standin.faults("2002", json!({"queue": ["delay_after_accept"], "delay_seconds": 4})).await;
    let key = uuid::Uuid::new_v4().to_string();
    let error = channels.api().push(&token, &user_id(7), &text("x"), &key).await.expect_err("an error");
    assert_eq!(error.kind, LineErrorKind::InDoubt, "{error}");
    assert_eq!(error.code(), "line-timeout");
    let retry = channels.api().push(&token, &user_id(7), &text("x"), &key).await.expect("409");
    assert!(matches!(retry, PushAccepted::AlreadyAccepted(_)), "{retry:?}");
    assert_eq!(standin.pushes("2002").await.len(), 1, "the family got it once");
}

#[tokio::test]
async fn missing_or_malformed_secrets_stop_only_that_channel() {
    let (standin, moto) = (Standin::start().await, common::moto::Moto::start().await);
    standin.add_channel("2003", SECRET, 2000).await;
    let channels = channels(&standin, &moto, "aoba", "2003").await;
    let error = channels.access_token("nowhere").await.expect_err("an error");
    assert!(error.stops_channel());
    assert!(error.to_string().contains("kizuna/line/nowhere"), "{error}");
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.config().await);
    secrets.create_secret().name("kizuna/line/broken").secret_string("not json").send().await.expect("secret");
    let error = channels.access_token("broken").await.expect_err("an error");
    assert!(!error.to_string().contains("not json"), "the value never appears: {error}");
    // A wrong secret: LINE refuses to issue a token.
    secrets
        .create_secret()
        .name("kizuna/line/wrong")
        .secret_string(json!({"channel_id": "2003", "channel_secret": "wrong"}).to_string())
        .send()
        .await
        .expect("secret");
    assert!(channels.access_token("wrong").await.expect_err("an error").stops_channel());
    assert!(channels.access_token("aoba").await.is_ok(), "the other channel still works");
}

#[tokio::test]
async fn the_pacer_keeps_a_channel_within_its_rate() {
    let (standin, moto) = (Standin::start().await, common::moto::Moto::start().await);
    standin.add_channel("2004", SECRET, 1000).await;
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.config().await);
    let value = json!({"channel_id": "2004", "channel_secret": SECRET}).to_string();
    secrets.create_secret().name("kizuna/line/sora").secret_string(value).send().await.expect("secret");
    let api = LineApi::new(&standin.base(), Duration::from_secs(5)).expect("client");
    let channels = LineChannels::new(api, secrets, DEFAULT_SECRET_PREFIX, 20.0);
    let token = channels.access_token("sora").await.expect("token");
    let pacer = channels.pacer("sora");
    let pushes = (0..30).map(|n| {
        let (pacer, api, token) = (pacer.clone(), channels.api().clone(), token.clone());
        async move {
            pacer.wait().await;
            api.push(&token, &user_id(100 + n), &text("x"), &uuid::Uuid::new_v4().to_string()).await
        }
    });
    let results = futures_util::future::join_all(pushes).await;
    assert!(results.iter().all(Result::is_ok));
    let times: Vec<f64> = standin.pushes("2004").await.iter().map(|p| p["at"].as_f64().expect("at")).collect();
    assert_eq!(times.len(), 30);
    // 20/s: no one-second window holds more than 20 pushes, plus a little for the jitter of the
    // requests' travel on a loaded machine (the pacer spaces departures; the stand-in stamps arrivals).
    for (i, start) in times.iter().enumerate() {
        let within = times[i..].iter().take_while(|t| **t - start < 1.0).count();
        assert!(within <= 23, "{within} pushes within one second at 20/s");
    }
    let span = times.last().expect("last") - times.first().expect("first");
    assert!(span >= 1.3, "30 pushes at 20/s take about 1.45 s, took {span:.2}");
}

#[tokio::test]
async fn webhook_bodies_signed_like_line_verify_and_parse() {
    let standin = Standin::start().await;
    standin.add_channel("2005", SECRET, 2000).await;
    let events = json!([
        {"type": "follow", "user_id": user_id(9)},
        {"type": "follow", "user_id": user_id(9), "is_unblocked": true, "redelivery": true},
        {"type": "unfollow", "user_id": user_id(9)},
        {"type": "message", "user_id": user_id(9), "text": "配信停止"},
        {"raw": {"type": "somethingNew", "mode": "active"}}
    ]);
    let built = standin.webhook("2005", events).await;
    let body = built["body"].as_str().expect("body").as_bytes();
    let signature = built["signature"].as_str().expect("signature");
    assert!(signature_is_valid(SECRET, body, Some(signature)));
    assert!(!signature_is_valid("another-secret", body, Some(signature)));
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    assert!(!signature_is_valid(SECRET, &tampered, Some(signature)));
    let parsed = parse_events(body).expect("events");
    assert!(matches!(&parsed[0], Event::Follow { unblocked: false, meta, .. } if !meta.redelivery));
    assert!(matches!(&parsed[1], Event::Follow { unblocked: true, meta, .. } if meta.redelivery));
    assert!(matches!(&parsed[2], Event::Unfollow { .. }));
    assert!(matches!(&parsed[3], Event::Text { text, .. } if text == "配信停止"));
    assert_eq!(parsed[4], Event::Ignored);

    // The reply token of the follow event answers once, through the real reply endpoint.
    let channels_api = LineApi::new(&standin.base(), Duration::from_secs(2)).expect("client");
    let token = channels_api.issue_stateless_token("2005", SECRET).await.expect("token");
    let Event::Follow { reply_token, .. } = &parsed[0] else { unreachable!() };
    channels_api.reply(&token.token, reply_token, &text("ようこそ")).await.expect("reply");
    let again = channels_api.reply(&token.token, reply_token, &text("ようこそ")).await.expect_err("an error");
    assert_eq!(again.kind, LineErrorKind::Permanent, "a reply token is single-use");
    assert_eq!(standin.replies("2005").await.len(), 1);
}
