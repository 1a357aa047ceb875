//! The real subscription page templates (`site-theme/templates/subscribe/`) and the API agree: every
//! form posts to a route the router serves, sends only fields that route accepts, carries the
//! token marker where the route needs a token, and the stop reasons offered are exactly the API's.

use std::collections::BTreeSet;
use std::path::PathBuf;

use kizuna_sender::api::site::{fill_page, Page, Site};
use kizuna_sender::api::{Api, ApiConfig, ApiRequest, ROUTES, STOP_REASONS};
use kizuna_sender::links::{EmailHasher, LinkKeys};
use kizuna_sender::ses::SesMailer;
use kizuna_sender::subscriptions::SubscriptionStore;

fn templates() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme/templates/subscribe");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("templates/subscribe")
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).expect("template")))
        .collect();
    found.sort();
    found
}

/// (route path, field names, raw form) of every form in the templates.
fn forms() -> Vec<(String, BTreeSet<String>, String)> {
    let mut forms = Vec::new();
    for (_, text) in templates() {
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<form") {
            let end = rest[start..].find("</form>").expect("closed form") + start;
            let form = &rest[start..end];
            let action = form.split("action=\"{{ api }}").nth(1).and_then(|a| a.split('"').next()).expect("action");
            let names: BTreeSet<String> =
                form.split("name=\"").skip(1).filter_map(|part| part.split('"').next()).map(str::to_owned).collect();
            forms.push((format!("/api/{action}"), names, form.to_owned()));
            rest = &rest[end..];
        }
    }
    forms
}

async fn api() -> Api<SesMailer> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("ap-northeast-1"))
        .endpoint_url("http://127.0.0.1:9")
        .load()
        .await;
    Api {
        store: SubscriptionStore::new(aws_sdk_dynamodb::Client::new(&config), "subs", "dels"),
        mailer: SesMailer::new(kizuna_sender::ses::ses_client(&config), None),
        links: LinkKeys::parse("k1:pages-test-secret-pages-test-secret-01").expect("keys"),
        hasher: EmailHasher::new(b"pages-test-email-hash-key-0123456789abc"),
        site: Site::Directory(PathBuf::from("/nonexistent")),
        config: ApiConfig::default(),
    }
}

#[tokio::test]
async fn every_form_posts_to_a_route_with_fields_it_accepts() {
    let forms = forms();
    assert!(forms.len() >= 7, "sign-up, confirm, four manage forms, unsubscribe: {}", forms.len());
    let api = api().await;
    for (route, names, form) in &forms {
        assert!(ROUTES.contains(&("POST", route.as_str())), "{route} is not served");
        assert!(form.contains("method=\"post\""), "{route}: forms post");
        if route != "/api/subscriptions" {
            assert!(names.contains("token") && form.contains("value=\"%%token%%\""), "{route} carries the token");
        }
        // Every field the form sends is accepted: the router's answer never names one as unknown.
        let body: Vec<String> = names.iter().map(|n| format!("{n}=x")).collect();
        let request = ApiRequest {
            method: "POST".into(),
            path: route.clone(),
            query: String::new(),
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
            body: body.join("&").into_bytes(),
        };
        let response = api.handle(&request, chrono::Utc::now()).await;
        assert!((400..500).contains(&response.status), "{route}: {}", response.status);
        assert!(
            !response.body.contains("という項目は受け付けていません"),
            "{route} refuses a field of its form: {}",
            response.body
        );
    }
}

#[test]
fn the_stop_reasons_offered_are_the_apis() {
    let manage = templates().into_iter().find(|(name, _)| name == "manage.html").expect("manage.html").1;
    let offered: BTreeSet<&str> =
        manage.split("name=\"reason\" value=\"").skip(1).filter_map(|p| p.split('"').next()).collect();
    let known: BTreeSet<&str> = STOP_REASONS.iter().map(|(id, _)| *id).collect();
    assert_eq!(offered, known);
}

#[test]
fn errors_are_linked_to_their_fields_in_the_real_sign_up_page() {
    let signup = templates().into_iter().find(|(name, _)| name == "signup.html").expect("signup.html").1;
    let errors = [kizuna_sender::api::input::FieldError::new("email", "メールアドレスの形式が正しくありません。")];
    let html = fill_page(&signup, None, None, &errors, None);
    assert!(html.contains("<a href=\"#field-email\">メールアドレスの形式が正しくありません。</a>"));
    assert!(html.contains("<p class=\"field-error\" id=\"error-email\">"));
    assert!(html.contains("id=\"field-email\" aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"error-email hint-email\""));
    assert_eq!(
        html.matches("aria-describedby").count(),
        signup.matches("aria-describedby").count(),
        "no duplicate attribute"
    );
    assert_eq!(Page::ALL.len(), 11);
}
