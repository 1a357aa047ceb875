//! The generator and the sender, tested together (the contract of DESIGN.md §5).
//!
//! The generator builds its valid fixture (`generator/tests/fixtures/valid`) into a temporary
//! `public/`; the sender then loads every `schedule.json` the way the delivery run does, checks every
//! section file against its hash, composes a day's mail for a family through the real planner and
//! composer, and fills a subscription page the API serves. Each half has its own tests; this one
//! fails when they stop agreeing (a renamed field, a hash computed differently, a marker the
//! sender does not fill, a page the API cannot find).

use kizuna_sender::ports::published_site::PublishedSite;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use kizuna_generator::build::{self, BuildOptions};
use kizuna_generator::output::DirectorySink;
use kizuna_schedule::{content_hash, AnchorKind, EntryTrack, MailFrame, MailSection, Rule, MAIL_MARKERS};
use kizuna_sender::adapters::site::published::Page;
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::{LinkKeys, Purpose};
use kizuna_sender::http::pages::fill_page;
use kizuna_sender::use_cases::daily_run::preview_mail;

const BUILD_DATE: &str = "2026-11-26";

fn date(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

/// Builds the generator's valid fixture into `out` with the real generator.
fn build_fixture(out: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let options = BuildOptions {
        content_dir: root.join("generator/tests/fixtures/valid"),
        theme_dir: root.join("site-theme"),
        municipalities: Vec::new(),
        base_url: None,
        production: false,
        build_date: date(BUILD_DATE),
        progress: false,
        search: false,
    };
    let prepared = build::prepare(&options).unwrap_or_else(|problems| panic!("fixture is invalid:\n{problems}"));
    let mut sink = DirectorySink::new(out, true);
    build::build(&prepared, &options, Some(out), &mut sink).expect("build");
    sink.commit().expect("commit");
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file `schedule.json` names exists, parses as what the sender expects, and has the hash recorded.
fn assert_every_file_matches(schedule: &LoadedSchedule) {
    let dir = &schedule.dir;
    let document = &schedule.document;
    let shell: MailFrame = serde_json::from_slice(&read(&dir.join(&document.mail.shell))).expect("shell");
    for marker in MAIL_MARKERS {
        assert!(shell.html.contains(marker) || shell.text.contains(marker), "the shell lacks {marker}");
    }
    for (kind, path) in &document.mail.system {
        let _: MailFrame = serde_json::from_slice(&read(&dir.join(path)))
            .unwrap_or_else(|e| panic!("system mail {}: {e}", kind.as_str()));
    }
    assert!(!document.entries.is_empty());
    for entry in &document.entries {
        let sections = std::iter::once((&entry.section, &entry.hash))
            .chain(entry.local.iter().map(|local| (&local.section, &local.hash)));
        for (section, hash) in sections {
            let bytes = read(&dir.join(section));
            assert_eq!(&content_hash(&bytes), hash, "{} ({section})", entry.id);
            let parsed: MailSection = serde_json::from_slice(&bytes).expect("a mail section");
            assert!(!parsed.html.is_empty() && !parsed.text.is_empty(), "{section} is empty");
        }
        assert!(entry.url.starts_with(&document.municipality.archive_base_url), "{}", entry.url);
    }
}

#[tokio::test]
async fn what_the_generator_publishes_the_sender_loads_composes_and_serves() {
    let out = tempfile::tempdir().expect("tempdir");
    build_fixture(out.path());
    let schedules = load_schedule_dir(out.path(), None).expect("the sender loads every schedule.json");
    assert!(!schedules.is_empty());
    let links = LinkKeys::parse("k1:0123456789abcdef0123456789abcdef").expect("keys");
    let today = date(BUILD_DATE);
    for schedule in &schedules {
        assert_every_file_matches(schedule);

        // A family whose pregnancy reaches the first maternity message's day on the build date.
        let entry = schedule
            .document
            .entries
            .iter()
            .find(|e| matches!(e.when, Rule::Pregnancy(_)) && e.track != EntryTrack::Local)
            .expect("a maternity message");
        let due = entry.when.anchors_on(today).first().expect("an anchor receives it today").start;
        let mail = preview_mail(schedule, today, AnchorKind::Due, due, &links, true)
            .await
            .expect("composes")
            .expect("something is due for that family");
        assert_eq!(mail.subject, entry.subject);
        let raw = String::from_utf8_lossy(&mail.raw);
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
        let parsed = mail_parser::MessageParser::default().parse(&mail.raw).expect("MIME");
        let text = parsed.body_text(0).expect("text part");
        let html = parsed.body_html(0).expect("html part");
        let section: MailSection = serde_json::from_slice(&read(&schedule.dir.join(&entry.section))).expect("section");
        let first_line = section.text.lines().next().expect("section text");
        assert!(text.contains(first_line), "the text part lacks the section: {text}");
        assert!(!text.contains("%%") && !html.contains("%%"), "a marker was left unfilled");
        assert!(text.contains(&format!("{}unsubscribe?token=u.", schedule.document.municipality.api_base_url)));

        // A page the API serves with its token filled in.
        let site = Site::Directory(out.path().to_path_buf());
        let token = links.token(Purpose::Manage, "00000000-0000-4000-8000-000000000000", 1_800_000_000);
        let page = site.page(schedule, Page::Manage).await.expect("reads").expect("the manage page exists");
        let filled = fill_page(&page, Some(&token), None, &[], None);
        assert!(filled.contains(&format!("value=\"{token}\"")), "the token is not in the form");
        assert!(!filled.contains("%%"), "a page marker was left unfilled");
    }
}
