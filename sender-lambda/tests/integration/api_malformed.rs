//! Hundreds of generated malformed requests through the real Lambda handler: bad JSON, huge
//! bodies, CRLF in fields, wrong types, impossible dates, unknown fields, bad methods, content
//! types, encodings and tokens. Each must be answered with a 4xx, without a panic, and the store
//! (dumped before and after) and the mail sent must not change.
//!
//! Runs without moto, on the in-memory twins (`api_support::MemoryWorld`): its subject is the
//! router's refusal of bad input, which never reaches a store; the DynamoDB path of the requests
//! that do get through is tested on moto in `api.rs`.

use crate::api_support;

use api_support::{due, encode, today_plus, ApiCalls, MemoryWorld, MUNI};
use base64::Engine;
use kizuna_sender::domain::links::Purpose;
use kizuna_sender::ports::subscriptions::Subscriptions;
use serde_json::{json, Value};

/// One request: method, path with query, headers, body, base64 flag.
type Case = (String, String, Vec<(String, String)>, Option<String>, bool);

fn json_case(path: &str, body: String) -> Case {
    ("POST".into(), path.into(), vec![("content-type".into(), "application/json".into())], Some(body), false)
}

fn form_case(path: &str, body: String) -> Case {
    (
        "POST".into(),
        path.into(),
        vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
        Some(body),
        false,
    )
}

fn cases(manage: &str, unsubscribe: &str, confirm: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let valid = json!({
        "email": "ok@example.jp", "municipality": MUNI, "kind": "due", "date": due().to_string(),
        "nickname": "はな", "consent": true, "consent_version": "2026-11",
    });
    let fields = ["email", "municipality", "kind", "date", "nickname", "consent", "consent_version"];

    // Bad methods on every route, and unknown paths.
    for (_, path) in kizuna_sender::http::ROUTES {
        for method in ["PUT", "DELETE", "PATCH", "HEAD", "TRACE", "CONNECT", "get", "FOO"] {
            cases.push((method.into(), path.into(), Vec::new(), None, false));
        }
    }
    for path in [
        "/",
        "/api",
        "/api/",
        "/API/subscriptions",
        "/api/subscriptions/x",
        "/api/../etc/passwd",
        "/api/subscriptions%00",
        "/api/manage/x",
    ] {
        cases.push((
            "POST".into(),
            path.into(),
            vec![("content-type".into(), "application/json".into())],
            Some("{}".into()),
            false,
        ));
    }

    // Bad JSON.
    for body in [
        "",
        "{",
        "}",
        "[]",
        "null",
        "true",
        "42",
        "\"text\"",
        "{\"email\":}",
        "{\"email\" \"a\"}",
        "{'email':'a'}",
        "\u{feff}{}",
        "{\"a\":1,}",
        "{\"email\":\"a@b.jp\"",
        "[{\"email\":\"a@b.jp\"}]",
    ] {
        cases.push(json_case("/api/subscriptions", body.into()));
        cases.push(json_case("/api/stop", body.into()));
    }

    // Huge bodies.
    for size in [8 * 1024 + 1, 64 * 1024, 1024 * 1024] {
        let mut body = valid.clone();
        body["nickname"] = Value::String("あ".repeat(size / 3 + 1));
        cases.push(json_case("/api/subscriptions", body.to_string()));
        cases.push(form_case("/api/subscriptions", format!("email={}", "a".repeat(size))));
    }

    // CRLF and other control characters in every field (JSON and form).
    for field in fields {
        for evil in ["\r\nBcc: evil@example.com", "\n", "\u{0}", "a\tb", "\u{1b}[31m"] {
            let mut body = valid.clone();
            body[field] = Value::String(format!("x{evil}"));
            cases.push(json_case("/api/subscriptions", body.to_string()));
            let mut pairs: Vec<String> = Vec::new();
            for name in fields {
                let value = if name == field {
                    format!("x{evil}")
                } else {
                    valid[name].as_str().map_or("on".into(), str::to_owned)
                };
                pairs.push(format!("{}={}", encode(name), encode(&value)));
            }
            cases.push(form_case("/api/subscriptions", pairs.join("&")));
        }
    }

    // Wrong types for every field.
    for field in fields {
        for value in [json!(1), json!(1.5), json!([]), json!({}), json!(["a"]), json!(null)] {
            if field == "nickname" && value.is_null() {
                continue; // an absent nickname is fine
            }
            let mut body = valid.clone();
            body[field] = value;
            cases.push(json_case("/api/subscriptions", body.to_string()));
        }
    }

    // Impossible and out-of-range dates, for sign-up, birth and due date.
    let dates = [
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "0000-00-00",
        "99999-01-01",
        "2026/11/26",
        "tomorrow",
        "2026-11-26T00:00:00Z",
        "26-11-2026",
        "2026-1-1",
        " ",
        "２０２６-１１-２６",
    ];
    for date in dates.iter().map(|d| (*d).to_owned()).chain([today_plus(-14).to_string(), today_plus(281).to_string()])
    {
        let mut body = valid.clone();
        body["date"] = Value::String(date.clone());
        cases.push(json_case("/api/subscriptions", body.to_string()));
        if dates.contains(&date.as_str()) {
            cases.push(json_case("/api/birth", json!({ "token": manage, "birth_date": date }).to_string()));
        }
        cases.push(json_case("/api/due-date", json!({ "token": manage, "due_date": date }).to_string()));
    }
    for date in [today_plus(1).to_string(), today_plus(-18 * 366).to_string()] {
        cases.push(json_case("/api/birth", json!({ "token": manage, "birth_date": date }).to_string()));
        let mut body = valid.clone();
        body["kind"] = json!("birth");
        body["date"] = json!(date);
        cases.push(json_case("/api/subscriptions", body.to_string()));
    }

    // Unknown fields on every route.
    for (path, mut body) in [
        ("/api/subscriptions", valid.clone()),
        ("/api/confirm", json!({ "token": confirm })),
        ("/api/birth", json!({ "token": manage, "birth_date": today_plus(0).to_string() })),
        ("/api/due-date", json!({ "token": manage, "due_date": today_plus(30).to_string() })),
        ("/api/stop", json!({ "token": manage, "reason": "other" })),
        ("/api/unsubscribe", json!({ "token": unsubscribe })),
        ("/api/delete", json!({ "token": manage })),
    ] {
        for extra in ["subscription_id", "status", "__proto__", "admin", "Email"] {
            body[extra] = json!("x");
            cases.push(json_case(path, body.to_string()));
        }
    }

    // Bad content types and encodings.
    for content_type in [
        "",
        "text/plain",
        "application/xml",
        "application/json-patch+json",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "text/html; charset=utf-8",
    ] {
        let headers =
            if content_type.is_empty() { Vec::new() } else { vec![("content-type".into(), content_type.into())] };
        cases.push(("POST".into(), "/api/subscriptions".into(), headers, Some(valid.to_string()), false));
    }
    for body in [
        "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nok@example.jp\r\n",
        "garbage",
        "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--x--\r\n",
        "--x\r\n\r\n\r\n--x--\r\n",
    ] {
        cases.push((
            "POST".into(),
            "/api/subscriptions".into(),
            vec![("content-type".into(), "multipart/form-data; boundary=x".into())],
            Some(body.into()),
            false,
        ));
    }
    cases.push((
        "POST".into(),
        "/api/subscriptions".into(),
        vec![("content-type".into(), "application/json".into())],
        Some("!!!not base64!!!".into()),
        true,
    ));
    let latin1 = base64::engine::general_purpose::STANDARD.encode(b"{\"email\":\"\xff\xfe@example.jp\"}");
    cases.push((
        "POST".into(),
        "/api/subscriptions".into(),
        vec![("content-type".into(), "application/json".into())],
        Some(latin1),
        true,
    ));
    for body in ["email=%ZZ", "email=%", "email=%FF%FE", "email=a&email=b", "=x", "consent=maybe&email=a%40b.jp"] {
        cases.push(form_case("/api/subscriptions", body.into()));
    }

    // Bad tokens on every token route (query and body), including CRLF and oversized ones.
    let bad_tokens = [
        String::new(),
        "x".into(),
        "m.k1.x.0.sig".into(),
        format!("{manage}x"),
        manage.replacen("m.", "u.", 1),
        manage.replacen(".k1.", ".k2.", 1),
        format!("{manage}\r\nX-Evil: 1"),
        "a".repeat(5000),
        unsubscribe.to_owned(),
        confirm.replacen("c.", "m.", 1),
    ];
    for token in &bad_tokens {
        let q = encode(token);
        cases.push(("GET".into(), format!("/api/manage?token={q}"), Vec::new(), None, false));
        let as_confirm = token.replacen("m.", "c.", 1);
        if as_confirm != confirm {
            cases.push(("GET".into(), format!("/api/confirm?token={}", encode(&as_confirm)), Vec::new(), None, false));
        }
        cases.push(json_case("/api/stop", json!({ "token": token, "reason": "other" }).to_string()));
        cases.push(json_case("/api/delete", json!({ "token": token }).to_string()));
        cases.push(form_case("/api/birth", format!("token={q}&birth_date={}", today_plus(0))));
        if token != unsubscribe {
            cases.push(form_case(&format!("/api/unsubscribe?token={q}"), "List-Unsubscribe=One-Click".into()));
        }
    }
    cases.push(("GET".into(), "/api/manage".into(), Vec::new(), None, false));
    cases.push(("GET".into(), "/api/manage?token=%ZZ".into(), Vec::new(), None, false));
    cases.push(("GET".into(), format!("/api/manage?token={manage}&token={manage}"), Vec::new(), None, false));
    cases.push((
        "GET".into(),
        format!("/api/manage?token={manage}"),
        vec![("content-type".into(), "application/json".into())],
        Some("{}".into()),
        false,
    ));

    // Bad values with a valid token.
    for reason in ["", "loss", "MISCARRIAGE", "miscarriage-x", "流産", "other\r\n"] {
        cases.push(json_case("/api/stop", json!({ "token": manage, "reason": reason }).to_string()));
        cases.push(form_case("/api/stop", format!("token={}&reason={}", encode(manage), encode(reason))));
    }
    cases.push(json_case("/api/stop", json!({ "token": manage }).to_string()));
    cases.push(json_case("/api/birth", json!({ "token": manage }).to_string()));
    cases.push(json_case("/api/due-date", json!({ "token": manage, "due_date": 20270101 }).to_string()));
    cases.push(form_case(&format!("/api/unsubscribe?token={unsubscribe}"), "List-Unsubscribe=Two-Clicks".into()));
    cases
        .push(form_case(&format!("/api/unsubscribe?token={unsubscribe}"), "List-Unsubscribe=One-Click&extra=1".into()));
    cases
}

#[tokio::test]
async fn hundreds_of_malformed_requests_get_a_4xx_and_change_nothing() {
    let world = MemoryWorld::new();
    // One active subscription whose valid tokens some malformed requests carry.
    let response = world.json("/api/subscriptions", world.signup_json("ok@example.jp", "due", due())).await;
    assert_eq!(response.status, 202);
    let id = world.api.store.ids_by_email_hash(&world.hasher.hash("ok@example.jp")).await.expect("ids")[0].0.clone();
    let now = chrono::Utc::now().timestamp();
    let confirm = world.links.token(Purpose::Confirm, &id, now);
    assert_eq!(world.confirm(&confirm).await.status, 200);
    let manage = world.links.token(Purpose::Manage, &id, now);
    let unsubscribe = world.links.token(Purpose::Unsubscribe, &id, now);

    let before = world.dump().await;
    let mails_before = world.mails().await.len();
    let cases = cases(&manage, &unsubscribe, &confirm);
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    for (method, path, headers, body, base64) in &cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = world.call_raw(method, path, &headers, body.as_deref(), *base64).await;
        let shown: String = body.as_deref().unwrap_or_default().chars().take(120).collect();
        assert!(
            (400..500).contains(&response.status),
            "{method} {path} {headers:?} {shown:?} → {} {}",
            response.status,
            response.body.chars().take(300).collect::<String>()
        );
        if response.header("content-type").is_some_and(|t| t.starts_with("application/json")) {
            let error: Value = serde_json::from_str(&response.body).expect("JSON error body");
            assert!(error["error"]["field"].is_string() && error["error"]["message"].is_string(), "{}", response.body);
        }
        assert!(!response.body.contains("Bcc: evil"), "no echo of injected headers");
    }
    assert_eq!(world.dump().await, before, "the store did not change");
    assert_eq!(world.mails().await.len(), mails_before, "no mail was sent");
}
