//! Shared fixtures of the sender's tests: schedules built in Rust and written, with their mail shell
//! and hash-correct section files, into a temporary `public/`-like directory.

#![allow(dead_code)]

use std::path::Path;

use chrono::NaiveDate;
use kizuna_schedule::{
    AnchorKind, BuildInfo, Contact, EmailSettings, EntryTrack, LocalSection, MailFrame, MailParts, MailSection,
    MunicipalityInfo, ReviewStatus, Rule, ScheduleDocument, ScheduleEntry, TrackId, Validity, SCHEDULE_SCHEMA,
};
use kizuna_sender::adapters::dynamo::NewSubscription;
use kizuna_sender::adapters::site::content_hash;
use kizuna_sender::domain::links::EmailHasher;
use kizuna_sender::domain::model::SubscriptionStatus;

/// A date from `YYYY-MM-DD`.
pub fn d(text: &str) -> NaiveDate {
    text.parse().expect("test date")
}

/// A rule from its JSON form, e.g. `{"pregnancy": "12w3d"}`.
pub fn rule(json: serde_json::Value) -> Rule {
    serde_json::from_value(json).expect("test rule")
}

/// The shell every fixture municipality uses: every marker, in both parts.
pub fn shell() -> MailFrame {
    MailFrame {
        subject: String::new(),
        html: "<html><body><p>%%nickname%%さん</p>%%sections%%<p><a href=\"%%archive_url%%\">ウェブで読む</a> \
               <a href=\"%%manage_url%%\">配信設定</a> <a href=\"%%unsubscribe_url%%\">配信停止</a></p></body></html>"
            .to_owned(),
        text: "%%nickname%%さん\n\n%%sections%%\n\nウェブで読む: %%archive_url%%\n配信設定: %%manage_url%%\n配信停止: %%unsubscribe_url%%\n"
            .to_owned(),
    }
}

/// The section file of an id: its text and HTML carry a `[[id]]` tag the tests look for.
pub fn section(id: &str) -> MailSection {
    MailSection {
        title: format!("タイトル {id}"),
        html: format!("<section><h2>見出し [[{id}]]</h2><p>本文です。</p></section>"),
        text: format!("■ 見出し [[{id}]]\n本文です。\n"),
    }
}

fn section_path(id: &str) -> String {
    format!("mail/sections/{id}.json")
}

/// A municipality with the given tracks and add-ons.
pub fn municipality(id: &str, tracks: &[TrackId], addons: &[TrackId]) -> MunicipalityInfo {
    MunicipalityInfo {
        id: id.to_owned(),
        code: "999001".to_owned(),
        name: format!("{id}市"),
        service_name: format!("{id}子育てきずなメール"),
        tracks: tracks.to_vec(),
        addons: addons.to_vec(),
        delivery_time: "07:00".to_owned(),
        email: EmailSettings {
            from: format!("kizuna@{id}.example.jp"),
            from_name: format!("{id}子育てきずなメール"),
            reply_to: format!("kosodate@{id}.example.jp"),
        },
        archive_base_url: format!("https://kizuna.example.jp/{id}/"),
        api_base_url: "https://kizuna.example.jp/api/".to_owned(),
        contact: Contact {
            name: "こども家庭センター".to_owned(),
            phone: "0000-00-0000".to_owned(),
            hours: "平日 8:30〜17:15".to_owned(),
            url: "https://example.jp/".to_owned(),
        },
        line: None,
        yearly_births: None,
    }
}

/// A track entry (reviewed, no local sections).
pub fn track_entry(id: &str, when: serde_json::Value) -> ScheduleEntry {
    let track: TrackId = id.split('/').next().and_then(|t| t.parse().ok()).expect("track id prefix");
    ScheduleEntry {
        id: id.to_owned(),
        track: EntryTrack::Track(track),
        tracks: None,
        when: rule(when),
        subject: format!("件名 {id}"),
        url: format!("https://kizuna.example.jp/x/{id}/"),
        section: section_path(id),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Reviewed,
        local: Vec::new(),
        valid: None,
    }
}

/// A local entry for subscriptions currently in `tracks`.
pub fn local_entry(id: &str, when: serde_json::Value, tracks: &[TrackId]) -> ScheduleEntry {
    ScheduleEntry {
        id: id.to_owned(),
        track: EntryTrack::Local,
        tracks: Some(tracks.to_vec()),
        when: rule(when),
        subject: format!("お知らせ {id}"),
        url: format!("https://kizuna.example.jp/x/{id}/"),
        section: section_path(id),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Reviewed,
        local: Vec::new(),
        valid: None,
    }
}

/// An attached local section.
pub fn attached(id: &str, valid: Option<(&str, &str)>) -> LocalSection {
    LocalSection {
        id: id.to_owned(),
        section: section_path(id),
        hash: String::new(),
        line: None,
        valid: valid.map(|(from, until)| Validity { from: Some(d(from)), until: Some(d(until)) }),
    }
}

/// A schedule document.
pub fn schedule(municipality: MunicipalityInfo, entries: Vec<ScheduleEntry>) -> ScheduleDocument {
    ScheduleDocument {
        schema: SCHEDULE_SCHEMA.to_owned(),
        build: BuildInfo { id: "20261126T050000Z-test".to_owned(), production: false },
        municipality,
        mail: MailParts { shell: "mail/shell.json".to_owned(), system: Default::default() },
        line: None,
        entries,
        surveys: Vec::new(),
    }
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Vec<u8> {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
    let bytes = serde_json::to_vec_pretty(value).expect("serialize");
    std::fs::write(path, &bytes).expect("write");
    bytes
}

/// Writes `<root>/<muni>/schedule.json`, its shell and its sections, filling in correct hashes;
/// returns the document as written.
pub fn write_schedule(root: &Path, mut document: ScheduleDocument) -> ScheduleDocument {
    let dir = root.join(&document.municipality.id);
    write_json(&dir.join(&document.mail.shell), &shell());
    for (kind, path) in &document.mail.system {
        let frame = MailFrame {
            subject: format!("[test] {}", kind.as_str()),
            html: "<p>%%nickname%%さん</p><p><a href=\"%%manage_url%%\">手続き</a></p>".to_owned(),
            text: "%%nickname%%さん\n手続き: %%manage_url%%\n".to_owned(),
        };
        write_json(&dir.join(path), &frame);
    }
    for entry in &mut document.entries {
        entry.hash = content_hash(&write_json(&dir.join(&entry.section), &section(&entry.id)));
        for local in &mut entry.local {
            local.hash = content_hash(&write_json(&dir.join(&local.section), &section(&local.id)));
        }
    }
    for survey in &mut document.surveys {
        survey.hash = content_hash(&write_json(&dir.join(&survey.section), &survey_section(&survey.title)));
        for (path, title) in [
            ("", survey.title.as_str()),
            ("thanks/", "ありがとうございました"),
            ("refused/", "受け付けられませんでした"),
        ] {
            let page = dir.join(format!("surveys/{}/{path}index.html", survey.id));
            std::fs::create_dir_all(page.parent().expect("parent")).expect("survey page dir");
            std::fs::write(page, survey_page(title)).expect("survey page");
        }
    }
    write_json(&dir.join("schedule.json"), &document);
    document
}

/// A survey invitation section as the generator writes it: the reader's link is filled per mail.
pub fn survey_section(title: &str) -> MailSection {
    MailSection {
        title: title.to_owned(),
        html: "<p>アンケートのお願い</p><p><a href=\"%%survey_url%%\">答える</a></p>".to_owned(),
        text: "アンケートのお願い\n答える：%%survey_url%%".to_owned(),
    }
}

/// A survey page as the generator writes it, with the markers the API fills.
pub fn survey_page(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ja\"><head><!--kizuna:base--><title>{title}</title></head><body><h1>{title}</h1>\
         <!--kizuna:errors--><form method=\"post\" action=\"/api/survey-answers\">\
         <input type=\"hidden\" name=\"token\" value=\"%%token%%\"><!--kizuna:error:q-reading--></form></body></html>"
    )
}

/// An active subscription of `<id>@example.jp` without a nickname, as the tests that store
/// families directly put it; a test changes a field with `NewSubscription { status, ..subscription(…) }`.
pub fn subscription(
    id: &str,
    municipality: &str,
    kind: AnchorKind,
    anchor: NaiveDate,
    hasher: &EmailHasher,
) -> NewSubscription {
    let email = format!("{id}@example.jp");
    NewSubscription {
        id: id.to_owned(),
        municipality: municipality.to_owned(),
        email_hash: hasher.hash(&email),
        email,
        anchor_kind: kind,
        anchor_date: anchor,
        status: SubscriptionStatus::Active,
        nickname: None,
        consent_version: "test".to_owned(),
    }
}

pub mod moto;
pub mod proxy;
pub mod s3;
