//! The subscription pages: every municipality of the valid fixture gets each page under
//! `<muni>/subscribe/<page>/index.html`, in Japanese, with the form fields, labels, error slots and
//! markers the subscription API relies on, and no script.

use std::fs;
use std::path::{Path, PathBuf};

use kizuna_generator::pages::{page_title, CONSENT_VERSION};
use kizuna_schedule::SubscribePage;

use crate::support::{build_with, fixture, options_with_search};

fn built() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    build_with(&options_with_search(&fixture()), out.path());
    out
}

fn municipalities(out: &Path) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(out)
        .expect("out dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("schedule.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn page(out: &Path, muni: &str, slug: &str) -> String {
    let path = out.join(muni).join("subscribe").join(slug).join("index.html");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_municipality_has_every_subscription_page() {
    let out = built();
    let ids = municipalities(out.path());
    assert!(!ids.is_empty());
    for muni in &ids {
        for (slug, title) in SubscribePage::ALL.map(|page| (page.slug(), page_title(page))) {
            let html = page(out.path(), muni, slug);
            assert!(html.contains("<html lang=\"ja\">"), "{muni}/{slug}");
            assert!(html.contains(&format!("<h1>{title}</h1>")), "{muni}/{slug} has its heading");
            assert!(html.contains("<main id=\"main\""), "{muni}/{slug}");
            assert!(!html.contains("<script"), "{muni}/{slug} works without JavaScript");
            assert!(html.contains("noindex"), "{muni}/{slug} is not for search engines");
            // Relative like the archive (a local copy works); the API adds a <base> when it serves one.
            assert!(
                html.contains("href=\"../../../assets/style.css\""),
                "{muni}/{slug} links its stylesheet relatively"
            );
            assert!(!html.contains("href=\"https://kizuna.example.jp/"), "{muni}/{slug} has no absolute archive links");
            assert!(html.contains("<!--kizuna:base-->"), "{muni}/{slug} leaves room for the API's <base>");
        }
    }
}

#[test]
fn the_forms_carry_their_fields_labels_error_slots_and_markers() {
    let out = built();
    let muni = &municipalities(out.path())[0];
    let schedule: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join(muni).join("schedule.json")).expect("schedule"))
            .expect("json");
    let api = schedule["municipality"]["api_base_url"].as_str().expect("api base");
    let from = schedule["municipality"]["email"]["from"].as_str().expect("from");

    let signup = page(out.path(), muni, "signup");
    for needle in [
        format!("action=\"{api}subscriptions\""),
        "method=\"post\"".to_owned(),
        format!("name=\"municipality\" value=\"{muni}\""),
        format!("name=\"consent_version\" value=\"{CONSENT_VERSION}\""),
        "<label for=\"field-email\">".to_owned(),
        "id=\"field-email\" type=\"email\" name=\"email\" value=\"\"".to_owned(),
        "name=\"kind\" value=\"birth\"".to_owned(),
        "id=\"field-date\" type=\"date\" name=\"date\" value=\"\"".to_owned(),
        "id=\"field-nickname\" type=\"text\" name=\"nickname\" value=\"\" maxlength=\"20\"".to_owned(),
        "name=\"consent\"".to_owned(),
        "<!--kizuna:errors-->".to_owned(),
        "<!--kizuna:error:email-->".to_owned(),
        "<!--kizuna:error:date-->".to_owned(),
        from.to_owned(),
        "docomo".to_owned(),
        "受信".to_owned(),
    ] {
        assert!(signup.contains(&needle), "signup lacks {needle}");
    }
    let manage = page(out.path(), muni, "manage");
    for needle in [
        format!("action=\"{api}birth\""),
        format!("action=\"{api}due-date\""),
        format!("action=\"{api}stop\""),
        format!("action=\"{api}delete\""),
        "name=\"token\" value=\"%%token%%\"".to_owned(),
        "id=\"field-birth_date\" type=\"date\" name=\"birth_date\" value=\"\"".to_owned(),
        "id=\"field-due_date\" type=\"date\" name=\"due_date\" value=\"\"".to_owned(),
        "name=\"reason\" value=\"miscarriage\"".to_owned(),
        "name=\"reason\" value=\"stillbirth\"".to_owned(),
        "name=\"reason\" value=\"infant-death\"".to_owned(),
        "<!--kizuna:error:reason-->".to_owned(),
    ] {
        assert!(manage.contains(&needle), "manage lacks {needle}");
    }
    assert_eq!(manage.matches("%%token%%").count(), 4, "one token per form");
    let unsubscribe = page(out.path(), muni, "unsubscribe");
    assert!(unsubscribe.contains(&format!("action=\"{api}unsubscribe\"")));
    assert!(unsubscribe.contains("name=\"token\" value=\"%%token%%\""));
    // The mailed confirmation link opens this page: only its button (a POST) confirms.
    let confirm = page(out.path(), muni, "confirm");
    assert!(confirm.contains(&format!("<form method=\"post\" action=\"{api}confirm\">")));
    assert!(confirm.contains("name=\"token\" value=\"%%token%%\""));
    assert!(page(out.path(), muni, "confirmed").contains("href=\"%%archive_url%%\""));
    assert!(page(out.path(), muni, "error").contains("<!--kizuna:errors-->"));
}

/// Every `<form>` of a page: its opening tag and every `<input …>` tag inside.
fn forms_of(html: &str) -> Vec<(String, Vec<String>)> {
    let mut forms = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let end = rest[start..].find("</form>").map_or(rest.len(), |e| e + start);
        let form = &rest[start..end];
        let open = form[..form.find('>').unwrap_or(form.len())].to_owned();
        let inputs = form.split("<input").skip(1).map(|i| i[..i.find('>').unwrap_or(i.len())].to_owned()).collect();
        forms.push((open, inputs));
        rest = &rest[end..];
    }
    forms
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.split(&format!(" {name}=\"")).nth(1).and_then(|v| v.split('"').next())
}

fn html_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("dir").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            html_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "html") {
            found.push(path);
        }
    }
}

#[test]
fn every_form_of_every_page_follows_the_forms_contract() {
    use kizuna_schedule::forms::{self, StopReason};
    use kizuna_schedule::AnchorKind;
    let out = built();
    let mut pages = Vec::new();
    html_files(out.path(), &mut pages);
    let mut posted = std::collections::BTreeSet::new();
    for path in &pages {
        let html = fs::read_to_string(path).expect("page");
        let shown = path.strip_prefix(out.path()).expect("inside").display().to_string();
        for (open, inputs) in forms_of(&html) {
            let action = attribute(&open, "action").unwrap_or_default();
            let Some(route) = action.split_once("/api/").map(|(_, route)| route) else {
                // The search and the finder: no post, nothing personal leaves the page.
                assert!(!open.contains("method=\"post\""), "{shown}: a form posting elsewhere than the API: {open}");
                continue;
            };
            assert!(open.contains("method=\"post\""), "{shown}: {open}");
            let form = forms::PAGE_FORMS
                .iter()
                .find(|f| f.route == route)
                .unwrap_or_else(|| panic!("{shown}: {route} is no form of the contract"));
            posted.insert(route.to_owned());
            let mut reasons = Vec::new();
            for input in &inputs {
                let name = attribute(input, "name").unwrap_or_else(|| panic!("{shown}: an input without a name"));
                assert!(form.names().contains(&name), "{shown}: {route} does not take `{name}`");
                let value = attribute(input, "value").unwrap_or_default();
                match name {
                    n if n == forms::CONSENT.name => assert!(forms::CONSENT_ACCEPTED.contains(&value), "{shown}"),
                    n if n == forms::CONSENT_VERSION_FIELD.name => assert_eq!(value, forms::CONSENT_VERSION),
                    n if n == forms::KIND.name => assert!(value.parse::<AnchorKind>().is_ok(), "{shown}: {value}"),
                    n if n == forms::REASON.name => reasons.push(value.parse::<StopReason>().expect("a reason")),
                    n if n == forms::TOKEN.name => assert_eq!(value, "%%token%%", "{shown}"),
                    _ => {}
                }
            }
            if route == forms::STOP.route {
                assert_eq!(reasons, StopReason::ALL.to_vec(), "{shown}: every reason, in order");
            }
        }
    }
    let expected: std::collections::BTreeSet<String> = forms::PAGE_FORMS.iter().map(|f| f.route.to_owned()).collect();
    assert_eq!(posted, expected, "every form of the contract is on some page");
    for muni in municipalities(out.path()) {
        let landing = fs::read_to_string(out.path().join(&muni).join("index.html")).expect("landing");
        let signups = forms_of(&landing).into_iter().filter(|(open, _)| open.contains("/api/subscriptions")).count();
        assert_eq!(signups, 1, "{muni}: the landing page has the sign-up form");
        assert!(landing.contains("利用規約と個人情報の取り扱い"), "{muni}: with the terms");
        assert!(landing.contains("docomo"), "{muni}: and the carrier-mail guidance");
    }
}
