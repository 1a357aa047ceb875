//! The forms contract (`kizuna_schedule::forms`, which the templates are written from) and the API
//! agree: every form posts to a route the router serves and sends only fields that route accepts;
//! errors are linked to their fields in the real sign-up form. (The generator's tests check that
//! the built pages follow the contract; `tests/browser/forms.test.js` submits them to the router.)
//!
//! Every test here runs without moto: the router is wired to the in-memory twins
//! (`kizuna_sender::adapters::memory`), since what is checked is which fields each route accepts,
//! not how anything is stored.

use std::path::PathBuf;

use kizuna_generator::pages::PageMarkersView;
use kizuna_schedule::forms::{self, FormsView};
use kizuna_sender::adapters::memory::{MemoryDeliveries, MemoryMailer, MemorySite, MemorySubscriptions};
use kizuna_sender::adapters::site::published::Page;
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::http::pages::fill_page;
use kizuna_sender::http::{Api, ApiConfig, ApiRequest, ROUTES};

use crate::api_support::memory::MemoryApi;
use crate::api_support::unreachable_survey_answers;

fn template(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme/templates/subscribe").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A template with its `{{ forms.… }}` and `{{ markers.… }}` expressions replaced by the contract's
/// values, as the generator's views give them (the rest of the template language is left alone:
/// the tests below only read fields and markers).
fn with_contract(text: &str) -> String {
    let forms = FormsView::default();
    let markers = serde_json::to_value(PageMarkersView::of(&forms)).expect("markers view");
    let forms = serde_json::to_value(forms).expect("forms view");
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{ ") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expression = rest[start + 3..end].trim().trim_end_matches("| safe").trim();
        let mut path = expression.split('.');
        let root = match path.next() {
            Some("forms") => &forms,
            Some("markers") => &markers,
            _ => {
                out.push_str(&rest[start..end + 2]);
                rest = &rest[end + 2..];
                continue;
            }
        };
        let value = path.fold(root, |v, key| &v[key]);
        out.push_str(value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string()).as_str());
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn api() -> MemoryApi {
    // No municipality is published: every form is refused before the store is read.
    Api {
        store: MemorySubscriptions::new(),
        deliveries: MemoryDeliveries::new(),
        mailer: MemoryMailer::new(),
        links: LinkKeys::parse("k1:pages-test-secret-pages-test-secret-01").expect("keys"),
        hasher: EmailHasher::new(b"pages-test-email-hash-key-0123456789abc"),
        site: MemorySite::new(),
        surveys: unreachable_survey_answers(),
        config: ApiConfig::default(),
        line: None,
    }
}

#[tokio::test]
async fn every_form_of_the_contract_posts_to_a_route_that_accepts_its_fields() {
    let api = api();
    for form in forms::PAGE_FORMS.iter().chain(&forms::LINE_PAGE_FORMS).chain([&forms::ONE_CLICK_UNSUBSCRIBE]) {
        let route = form.path();
        assert!(ROUTES.contains(&("POST", route.as_str())), "{route} is not served");
        // Every field the form may send is accepted: the router's answer never names one as unknown.
        let body: Vec<String> = form.fields.iter().map(|f| format!("{}=x", f.name)).collect();
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
fn errors_are_linked_to_their_fields_in_the_real_sign_up_page() {
    let signup = with_contract(&template("signup_form.html"));
    let errors = [kizuna_sender::http::input::FieldError::new("email", "メールアドレスの形式が正しくありません。")];
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

#[test]
fn served_pages_get_a_base_so_their_relative_links_resolve_as_published() {
    let layout = with_contract(&template("layout.html"));
    assert!(layout.contains(kizuna_sender::http::pages::BASE_MARKER), "the layout leaves room for <base>");
    let served = kizuna_sender::http::pages::with_base(&layout, "https://kizuna.example.jp/hikari/subscribe/manage/");
    assert!(served.contains("<base href=\"https://kizuna.example.jp/hikari/subscribe/manage/\">"));
    assert!(!served.contains(kizuna_sender::http::pages::BASE_MARKER));
}

#[test]
fn the_openapi_document_describes_the_forms_of_the_contract() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).expect("openapi.yaml");
    let document: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    let schemas = &document["components"]["schemas"];
    let properties = |schema: &str| -> Vec<String> {
        let mut names: Vec<String> = schemas[schema]["properties"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{schema} has properties"))
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    };
    let sorted = |form: forms::Form| {
        let mut names: Vec<String> = form.names().into_iter().map(str::to_owned).collect();
        names.sort();
        names
    };
    assert_eq!(properties("SignUp"), sorted(forms::SIGN_UP));
    assert_eq!(properties("Birth"), sorted(forms::BIRTH));
    assert_eq!(properties("DueDate"), sorted(forms::CHANGE_DUE_DATE));
    assert_eq!(properties("Stop"), sorted(forms::STOP));
    assert_eq!(properties("OneClick"), sorted(forms::ONE_CLICK_UNSUBSCRIBE));
    assert_eq!(properties("LineSignUp"), sorted(forms::LINE_SIGN_UP));
    let mut reasons: Vec<&str> = schemas["Stop"]["properties"]["reason"]["enum"]
        .as_sequence()
        .expect("enum")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    reasons.sort_unstable();
    let mut known: Vec<&str> = forms::StopReason::ALL.iter().map(|r| r.id()).collect();
    known.sort_unstable();
    assert_eq!(reasons, known);
}
