//! What the API reads from the generator's output: each municipality's `schedule.json`, its
//! transactional mails (`mail/system/<kind>.json`) and its subscription pages
//! (`subscribe/<page>/index.html`), and how pages are filled for one request.
//!
//! Pages carry markers the API fills: `%%token%%` (hidden inputs of the manage and unsubscribe
//! pages), `%%archive_url%%` (the confirmed page's link to the family's current week or age),
//! `<!--kizuna:errors-->` (the error summary), `<!--kizuna:error:<field>-->` (a field's message)
//! and `<!--kizuna:base-->` (a `<base>` naming the page's published address: the pages' links are
//! relative, like the archive's, and must resolve the same when the API serves them under `/api/`).
//! Every value is HTML-escaped.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use kizuna_schedule::{forms, tracks_on, AnchorKind, MailFrame, ScheduleDocument, SystemMail, TrackId};

use crate::api::input::{FieldError, Fields};
use crate::compose::escape_html;
use crate::schedules::{load_schedule, load_schedules, s3_client, LoadedSchedule, ScheduleSource};
use crate::BoxError;

/// The pages of `subscribe/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The sign-up form.
    Signup,
    /// "Check your mail".
    Sent,
    /// "Complete the sign-up?": the confirmation link's page, a button posting the token.
    Confirm,
    /// Confirmed, with a link to the current week or age.
    Confirmed,
    /// Register the birth, change the due date, stop, delete.
    Manage,
    /// The change was saved.
    Updated,
    /// Stopped.
    Stopped,
    /// "Really unsubscribe?"
    Unsubscribe,
    /// Unsubscribed.
    Unsubscribed,
    /// Data deleted.
    Deleted,
    /// Something went wrong (an invalid or expired link).
    Error,
}

impl Page {
    /// Every page.
    pub const ALL: [Page; 11] = [
        Page::Signup,
        Page::Sent,
        Page::Confirm,
        Page::Confirmed,
        Page::Manage,
        Page::Updated,
        Page::Stopped,
        Page::Unsubscribe,
        Page::Unsubscribed,
        Page::Deleted,
        Page::Error,
    ];

    /// The directory name under `subscribe/`.
    pub fn slug(self) -> &'static str {
        match self {
            Page::Signup => "signup",
            Page::Sent => "sent",
            Page::Confirm => "confirm",
            Page::Confirmed => "confirmed",
            Page::Manage => "manage",
            Page::Updated => "updated",
            Page::Stopped => "stopped",
            Page::Unsubscribe => "unsubscribe",
            Page::Unsubscribed => "unsubscribed",
            Page::Deleted => "deleted",
            Page::Error => "error",
        }
    }
}

/// Where the generator's output is read from.
#[derive(Clone, Debug)]
pub enum Site {
    /// A built `public/` directory (`<dir>/<muni>/schedule.json`, …).
    Directory(PathBuf),
    /// A published build in S3 (`KIZUNA_SCHEDULE=s3://…`, through `current.json`).
    S3 {
        /// The source.
        source: ScheduleSource,
        /// The S3 client.
        client: aws_sdk_s3::Client,
    },
}

fn municipality_ok(municipality: &str) -> bool {
    !municipality.is_empty()
        && municipality.len() <= 64
        && municipality.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Site {
    /// The site for `KIZUNA_SCHEDULE` (a directory or `s3://bucket/prefix`).
    pub fn from_source(source: ScheduleSource, config: &aws_config::SdkConfig) -> Site {
        match source {
            ScheduleSource::Dir(dir) => Site::Directory(dir),
            source => Site::S3 { source, client: s3_client(config) },
        }
    }

    /// A municipality's schedule, or `None` when there is no such municipality.
    pub async fn schedule(&self, municipality: &str) -> Result<Option<LoadedSchedule>, BoxError> {
        if !municipality_ok(municipality) {
            return Ok(None);
        }
        match self {
            Site::Directory(root) => {
                let dir = root.join(municipality);
                if !dir.join("schedule.json").is_file() {
                    return Ok(None);
                }
                let loaded = tokio::task::spawn_blocking(move || load_schedule(&dir)).await??;
                Ok(Some(loaded))
            }
            Site::S3 { source, client } => match load_schedules(source, Some(client), Some(municipality)).await {
                Ok(mut found) => Ok(found.pop()),
                Err(crate::schedules::ScheduleError::Empty(_)) => Ok(None),
                Err(error) => Err(error.into()),
            },
        }
    }

    /// A transactional mail of a municipality.
    pub async fn system_mail(&self, schedule: &LoadedSchedule, kind: SystemMail) -> Result<MailFrame, BoxError> {
        system_mail(schedule, kind).await
    }

    /// A page of a municipality, or `None` when it is missing.
    pub async fn page(&self, schedule: &LoadedSchedule, page: Page) -> Result<Option<String>, BoxError> {
        let relative = format!("subscribe/{}/index.html", page.slug());
        match read(schedule, &relative).await? {
            Some(bytes) => Ok(Some(String::from_utf8(bytes)?)),
            None => Ok(None),
        }
    }
}

/// Reads a file of a municipality's output (from its directory or its S3 prefix).
async fn read(schedule: &LoadedSchedule, relative: &str) -> Result<Option<Vec<u8>>, BoxError> {
    let path = inside(&schedule.dir, relative)?;
    match &schedule.remote {
        Some(remote) => {
            let key = format!("{}{relative}", remote.prefix);
            match remote.client.get_object().bucket(&remote.bucket).key(&key).send().await {
                Ok(object) => Ok(Some(object.body.collect().await?.into_bytes().to_vec())),
                Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
                Err(error) => Err(format!("{}", aws_sdk_s3::error::DisplayErrorContext(&error)).into()),
            }
        }
        None => match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        },
    }
}

/// A transactional mail frame (`mail/system/<kind>.json`) of a municipality.
pub async fn system_mail(schedule: &LoadedSchedule, kind: SystemMail) -> Result<MailFrame, BoxError> {
    let relative = schedule
        .document
        .mail
        .system
        .get(&kind)
        .ok_or_else(|| format!("schedule has no system mail `{}`", kind.as_str()))?;
    let bytes = read(schedule, relative).await?.ok_or("system mail missing")?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn inside(dir: &Path, relative: &str) -> Result<PathBuf, BoxError> {
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
        return Err(format!("unsafe path `{relative}` in schedule").into());
    }
    Ok(dir.join(path))
}

/// Whether a municipality takes sign-ups of this kind: due dates need the maternity track; birth
/// dates need an enabled track of children the child is in (or will be in) on `today`.
pub fn accepts(schedule: &ScheduleDocument, kind: AnchorKind, anchor: NaiveDate, today: NaiveDate) -> bool {
    let enabled = schedule.municipality.enabled_tracks();
    match kind {
        AnchorKind::Due => enabled.contains(&TrackId::Maternity),
        AnchorKind::Birth => enabled
            .iter()
            .filter(|t| t.anchor_kind() == AnchorKind::Birth)
            .filter_map(|t| t.window(anchor))
            .any(|window| window.end >= today),
    }
}

/// The archive page for the family's current week or age: the latest entry of their current
/// tracks on or before `today` (up to about two months back), else the next one, else the archive.
pub fn current_archive_url(
    schedule: &ScheduleDocument,
    kind: AnchorKind,
    anchor: NaiveDate,
    today: NaiveDate,
) -> String {
    let enabled = schedule.municipality.enabled_tracks();
    let entry_on = |date: NaiveDate| {
        if tracks_on(kind, anchor, date, &enabled).is_empty() {
            return None;
        }
        schedule
            .deliveries_for(kind, anchor, date)
            .into_iter()
            .find(|d| matches!(d.entry.track, kizuna_schedule::EntryTrack::Track(_)))
            .map(|d| d.entry.url.clone())
    };
    let back = (0..=62).filter_map(|days| today.checked_sub_days(chrono::Days::new(days)));
    let forward = (1..=62).filter_map(|days| today.checked_add_days(chrono::Days::new(days)));
    back.chain(forward).find_map(entry_on).unwrap_or_else(|| schedule.municipality.archive_base_url.clone())
}

/// Fills a page's markers and, for a form shown again, its errors and the values sent.
pub fn fill_page(
    page: &str,
    token: Option<&str>,
    archive_url: Option<&str>,
    errors: &[FieldError],
    fields: Option<&Fields>,
) -> String {
    let mut html = page.replace("%%token%%", &escape_html(token.unwrap_or_default()));
    html = html.replace("%%archive_url%%", &escape_html(archive_url.unwrap_or_default()));
    if !errors.is_empty() {
        let mut summary = String::from(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">\
             <h2>入力内容を確認してください</h2><ul>",
        );
        for error in errors {
            let field = escape_html(&error.field);
            summary.push_str(&format!("<li><a href=\"#field-{field}\">{}</a></li>", escape_html(&error.message)));
            html = html.replace(
                &format!("<!--kizuna:error:{}-->", error.field),
                &format!("<p class=\"field-error\" id=\"error-{field}\">{}</p>", escape_html(&error.message)),
            );
            let hint = format!("aria-describedby=\"hint-{}\"", error.field);
            let described = if html.contains(&hint) {
                html = html.replace(&hint, &format!("aria-describedby=\"error-{field} hint-{field}\""));
                String::new()
            } else {
                format!(" aria-describedby=\"error-{field}\"")
            };
            html = html.replace(
                &format!("id=\"field-{}\"", error.field),
                &format!("id=\"field-{field}\" aria-invalid=\"true\"{described}"),
            );
        }
        summary.push_str("</ul></div>");
        html = html.replace("<!--kizuna:errors-->", &summary);
    }
    if let Some(fields) = fields {
        let shown_again = [forms::EMAIL, forms::NICKNAME, forms::DUE_DATE, forms::BIRTH_DATE, forms::DATE];
        for name in shown_again.map(|field| field.name) {
            if let Ok(Some(value)) = fields.text(name, name) {
                html = html.replace(
                    &format!("name=\"{name}\" value=\"\""),
                    &format!("name=\"{name}\" value=\"{}\"", escape_html(&value)),
                );
            }
        }
    }
    html
}

/// Sets the `<base>` of a page the API serves to the page's published address ([`BASE_MARKER`]).
pub fn with_base(page: &str, page_url: &str) -> String {
    page.replacen(BASE_MARKER, &format!("<base href=\"{}\">", escape_html(page_url)), 1)
}

/// Where the generator leaves room for the `<base>` of a served page.
pub const BASE_MARKER: &str = "<!--kizuna:base-->";

/// A minimal page for errors when no municipality is known (a forged or unreadable link).
pub fn fallback_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>{message}</p>\
         <p>メールのリンクをもう一度開くか、お住まいの市区町村の子育て担当窓口にお問い合わせください。</p></main></body></html>\n",
        title = escape_html(title),
        message = escape_html(message)
    )
}
