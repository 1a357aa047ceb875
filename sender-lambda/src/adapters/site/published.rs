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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kizuna_schedule::{MailFrame, SystemMail};

use crate::adapters::site::{load_schedule, load_schedules, s3_client, LoadedSchedule, ScheduleSource};
use crate::ports::published_site::PublishedSite;
use crate::use_cases::line_webhook::LineMunicipality;
use crate::BoxError;

/// The pages of `subscribe/` (their slugs are the contract's).
pub use kizuna_schedule::SubscribePage as Page;

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

impl Site {
    /// The site for `KIZUNA_SCHEDULE` (a directory or `s3://bucket/prefix`).
    pub fn from_source(source: ScheduleSource, config: &aws_config::SdkConfig) -> Site {
        match source {
            ScheduleSource::Dir(dir) => Site::Directory(dir),
            source => Site::S3 { source, client: s3_client(config) },
        }
    }

    /// A text file of a municipality's output by its path below the municipality (a survey page,
    /// `surveys/<id>/index.html`), or `None` when it is missing.
    pub async fn file(&self, schedule: &LoadedSchedule, relative: &str) -> Result<Option<String>, BoxError> {
        match read(schedule, relative).await? {
            Some(bytes) => Ok(Some(String::from_utf8(bytes)?)),
            None => Ok(None),
        }
    }

    /// The LINE registration page (`subscribe/line/index.html`), or `None` when the municipality
    /// has no LINE (the page is not in [`Page`]: only towns with a `line:` block have it).
    pub async fn line_page(&self, schedule: &LoadedSchedule) -> Result<Option<String>, BoxError> {
        let page = format!("subscribe/{}/index.html", kizuna_schedule::line::REGISTER_PAGE_SLUG);
        match read(schedule, &page).await? {
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

/// Where a municipality's transactional mail frame of `kind` is (`mail/system/<kind>.json`),
/// relative to its schedule.
pub fn system_mail_path(schedule: &LoadedSchedule, kind: SystemMail) -> Result<&str, BoxError> {
    let relative = schedule.document.mail.system.get(&kind).map(String::as_str);
    Ok(relative.ok_or_else(|| format!("schedule has no system mail `{}`", kind.as_str()))?)
}

/// A transactional mail frame (`mail/system/<kind>.json`) of a municipality.
pub async fn system_mail(schedule: &LoadedSchedule, kind: SystemMail) -> Result<MailFrame, BoxError> {
    let relative = system_mail_path(schedule, kind)?;
    let bytes = read(schedule, relative).await?.ok_or("system mail missing")?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// A municipality's transactional LINE payloads (`line/system/<kind>.json`, each checked against
/// its hash in `schedule.json`), or `None` when the municipality has no LINE.
pub async fn line_municipality(schedule: &LoadedSchedule) -> Result<Option<LineMunicipality>, BoxError> {
    let Some(line) = &schedule.document.line else { return Ok(None) };
    let mut system = BTreeMap::new();
    for (kind, file) in &line.system {
        let bytes = read(schedule, &file.path).await?.ok_or_else(|| format!("{} is missing", file.path))?;
        if kizuna_schedule::content_hash(&bytes) != file.hash {
            return Err(format!("{} does not match its hash (a half-published build?)", file.path).into());
        }
        system.insert(*kind, serde_json::from_slice(&bytes)?);
    }
    let municipality = &schedule.document.municipality;
    Ok(Some(LineMunicipality {
        id: municipality.id.clone(),
        archive_base_url: municipality.archive_base_url.clone(),
        api_base_url: municipality.api_base_url.clone(),
        system,
    }))
}

fn inside(dir: &Path, relative: &str) -> Result<PathBuf, BoxError> {
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
        return Err(format!("unsafe path `{relative}` in schedule").into());
    }
    Ok(dir.join(path))
}

impl PublishedSite for Site {
    /// A municipality's schedule, or `None` when there is no such municipality.
    async fn schedule(&self, municipality: &str) -> Result<Option<LoadedSchedule>, BoxError> {
        if !kizuna_schedule::MunicipalityId::is_valid(municipality) {
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
                Err(crate::adapters::site::ScheduleError::Empty(_)) => Ok(None),
                Err(error) => Err(error.into()),
            },
        }
    }

    /// A transactional mail of a municipality.
    async fn system_mail(&self, schedule: &LoadedSchedule, kind: SystemMail) -> Result<MailFrame, BoxError> {
        system_mail(schedule, kind).await
    }

    /// A text file of a municipality's output, or `None` when it is missing.
    async fn file(&self, schedule: &LoadedSchedule, relative: &str) -> Result<Option<String>, BoxError> {
        Site::file(self, schedule, relative).await
    }

    /// A page of a municipality, or `None` when it is missing.
    async fn page(&self, schedule: &LoadedSchedule, page: Page) -> Result<Option<String>, BoxError> {
        Site::file(self, schedule, &page.path()).await
    }
}
