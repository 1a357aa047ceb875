//! Loading what the generator published: `<dir>/<muni>/schedule.json`, the mail shell and the
//! section files, each section checked against its `sha256:<hex>` hash.
//!
//! `--schedule DIR` points at a built `public/` folder: every sub-directory holding a
//! `schedule.json` is a municipality. `--schedule s3://bucket/prefix` reads a published build
//! through its pointer: `<prefix>current.json` (a [`kizuna_schedule::CurrentPointer`]) names the
//! build's prefix, and every `<prefix><build prefix><muni>/schedule.json` is a municipality — so a
//! run never sees half of a publication ([`load_schedules`]). Section files are read only when a
//! mail needs them ([`Sections::fetch_for`]: mail sections for mail families, LINE payloads for
//! LINE families), so a day's run reads the few sections of that day, not the archive; local or
//! from S3, every section is checked against its hash.

pub mod published;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The content hash, as the contract defines it (re-exported for the sender's callers).
pub use kizuna_schedule::content_hash;
use kizuna_schedule::{CurrentPointer, MailFrame, ScheduleDocument, CURRENT_SCHEMA, SCHEDULE_SCHEMA};

use crate::domain::plan::{DayPlan, PlannedMail};
pub use crate::ports::published_site::Sections;

/// Why a schedule or one of its files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not the JSON it should be.
    #[error("{path} is not valid: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// `schedule.json` declares another schema version.
    #[error("{path} has schema `{found}`, expected `{SCHEDULE_SCHEMA}`")]
    Schema {
        /// The file.
        path: PathBuf,
        /// What it declares.
        found: String,
    },
    /// A path in the schedule leaves the municipality's directory.
    #[error("{path}: `{relative}` is not a relative path inside the municipality's directory")]
    UnsafePath {
        /// The schedule.
        path: PathBuf,
        /// The offending path.
        relative: String,
    },
    /// A section file's bytes do not match its hash (a half-published build).
    #[error("{path}: content hash {actual} does not match the schedule's {expected}")]
    Hash {
        /// The section file.
        path: PathBuf,
        /// The schedule's hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// A LINE family is due an entry the schedule has no LINE payload for.
    #[error("entry {0} has no LINE payload (`line`) in schedule.json")]
    NoLinePayload(String),
    /// The directory holds no municipality.
    #[error("{0}: no <municipality>/schedule.json found")]
    Empty(PathBuf),
    /// An S3 object could not be read.
    #[error("cannot read {location}: {message}")]
    Fetch {
        /// `s3://bucket/key`
        location: String,
        /// The service's error.
        message: String,
    },
    /// `--schedule` is neither a directory nor `s3://bucket/prefix`.
    #[error("`{0}` is not a directory or s3://bucket/prefix")]
    BadSource(String),
    /// `current.json` is not a `kizuna-current/1` pointer to a build prefix.
    #[error("{location}: not a usable {CURRENT_SCHEMA} pointer ({reason})")]
    Pointer {
        /// `s3://bucket/key`
        location: String,
        /// What is wrong.
        reason: String,
    },
}

/// Where the schedules are: a built `public/` directory or a published prefix in S3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleSource {
    /// A local directory.
    Dir(PathBuf),
    /// `s3://bucket/prefix`; `prefix` is empty or ends with `/`.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix holding `current.json`.
        prefix: String,
    },
}

impl ScheduleSource {
    /// Parses `s3://bucket[/prefix]` or a directory path.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return if text.is_empty() {
                Err(ScheduleError::BadSource(text.to_owned()))
            } else {
                Ok(ScheduleSource::Dir(PathBuf::from(text)))
            };
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || prefix.split('/').any(|part| part == "..") {
            return Err(ScheduleError::BadSource(text.to_owned()));
        }
        let prefix = prefix.trim_start_matches('/');
        let prefix = if prefix.is_empty() || prefix.ends_with('/') { prefix.to_owned() } else { format!("{prefix}/") };
        Ok(ScheduleSource::S3 { bucket: bucket.to_owned(), prefix })
    }

    /// Whether the source needs an S3 client.
    pub fn is_s3(&self) -> bool {
        matches!(self, ScheduleSource::S3 { .. })
    }
}

impl std::fmt::Display for ScheduleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScheduleSource::Dir(dir) => write!(f, "{}", dir.display()),
            ScheduleSource::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// One municipality's directory in S3: `s3://<bucket>/<prefix>` (`prefix` ends with `/`).
#[derive(Clone, Debug)]
pub struct RemoteDir {
    /// The S3 client.
    pub client: aws_sdk_s3::Client,
    /// The bucket.
    pub bucket: String,
    /// The municipality's prefix inside the build, e.g. `kizuna/builds/<id>/hikari/`.
    pub prefix: String,
}

impl RemoteDir {
    fn location(&self, relative: &str) -> String {
        format!("s3://{}/{}{relative}", self.bucket, self.prefix)
    }

    async fn get(&self, relative: &str) -> Result<Vec<u8>, ScheduleError> {
        get_object(&self.client, &self.bucket, &format!("{}{relative}", self.prefix)).await
    }
}

/// An S3 client for the schedules; path-style addressing when an endpoint is configured
/// (`AWS_ENDPOINT_URL`, emulators).
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let builder = aws_sdk_s3::config::Builder::from(config).force_path_style(config.endpoint_url().is_some());
    aws_sdk_s3::Client::from_conf(builder.build())
}

async fn get_object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>, ScheduleError> {
    let location = format!("s3://{bucket}/{key}");
    let fetch = |message: String| ScheduleError::Fetch { location: location.clone(), message };
    let object = client.get_object().bucket(bucket).key(key).send().await.map_err(|e| {
        use aws_sdk_s3::error::ProvideErrorMetadata;
        fetch(e.code().map_or_else(|| aws_sdk_s3::error::DisplayErrorContext(&e).to_string(), str::to_owned))
    })?;
    let body = object.body.collect().await.map_err(|e| fetch(e.to_string()))?;
    Ok(body.into_bytes().to_vec())
}

/// Loads every municipality's schedule from a source, sorted by id; `only` keeps one.
/// `s3` is required for an S3 source.
pub async fn load_schedules(
    source: &ScheduleSource,
    s3: Option<&aws_sdk_s3::Client>,
    only: Option<&str>,
) -> Result<Vec<LoadedSchedule>, ScheduleError> {
    let (bucket, prefix) = match source {
        ScheduleSource::Dir(dir) => return load_schedule_dir(dir, only),
        ScheduleSource::S3 { bucket, prefix } => (bucket, prefix),
    };
    let client = s3.ok_or_else(|| ScheduleError::BadSource(source.to_string()))?;
    let pointer_key = format!("{prefix}current.json");
    let location = format!("s3://{bucket}/{pointer_key}");
    let bytes = get_object(client, bucket, &pointer_key).await?;
    let pointer: CurrentPointer = serde_json::from_slice(&bytes)
        .map_err(|e| ScheduleError::Pointer { location: location.clone(), reason: e.to_string() })?;
    let build = pointer.prefix.trim_start_matches('/');
    if pointer.schema != CURRENT_SCHEMA
        || build.is_empty()
        || !build.ends_with('/')
        || build.split('/').any(|part| part == "..")
    {
        return Err(ScheduleError::Pointer {
            location,
            reason: format!("schema `{}`, prefix `{}`", pointer.schema, pointer.prefix),
        });
    }
    let root = format!("{prefix}{build}");
    let mut municipalities = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let listed = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&root)
            .delimiter("/")
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| ScheduleError::Fetch {
                location: format!("s3://{bucket}/{root}"),
                message: aws_sdk_s3::error::DisplayErrorContext(&e).to_string(),
            })?;
        for common in listed.common_prefixes() {
            if let Some(muni) = common.prefix().and_then(|p| p.strip_prefix(&root)) {
                municipalities.push(muni.trim_end_matches('/').to_owned());
            }
        }
        match listed.next_continuation_token() {
            Some(next) if listed.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => break,
        }
    }
    municipalities.sort();
    let mut schedules = Vec::new();
    for muni in municipalities {
        if only.is_some_and(|id| id != muni) {
            continue;
        }
        let remote = RemoteDir { client: client.clone(), bucket: bucket.clone(), prefix: format!("{root}{muni}/") };
        let path = PathBuf::from(remote.location("schedule.json"));
        let bytes = match remote.get("schedule.json").await {
            Ok(bytes) => bytes,
            // A folder of the build that is not a municipality (e.g. static assets).
            Err(ScheduleError::Fetch { message, .. }) if message == "NoSuchKey" => continue,
            Err(error) => return Err(error),
        };
        let document: ScheduleDocument = parse(&path, &bytes)?;
        if document.schema != SCHEDULE_SCHEMA {
            return Err(ScheduleError::Schema { path, found: document.schema });
        }
        let document = crate::domain::survey::with_invitations(document);
        schedules.push(LoadedSchedule { dir: PathBuf::from(remote.location("")), document, remote: Some(remote) });
    }
    if schedules.is_empty() {
        return Err(ScheduleError::Empty(PathBuf::from(format!("s3://{bucket}/{root}"))));
    }
    Ok(schedules)
}

/// One municipality's schedule and where it was read from.
#[derive(Clone, Debug)]
pub struct LoadedSchedule {
    /// The directory holding `schedule.json`; section paths are relative to it (for a schedule
    /// from S3, its `s3://` location, for messages only).
    pub dir: PathBuf,
    /// The parsed schedule.
    pub document: ScheduleDocument,
    /// Set when the schedule was read from S3: where its files are.
    pub remote: Option<RemoteDir>,
}

fn read(path: &Path) -> Result<Vec<u8>, ScheduleError> {
    std::fs::read(path).map_err(|source| ScheduleError::Read { path: path.to_owned(), source })
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, ScheduleError> {
    serde_json::from_slice(bytes).map_err(|source| ScheduleError::Parse { path: path.to_owned(), source })
}

/// Joins a schedule-relative path, refusing absolute paths and `..`.
fn join_inside(dir: &Path, relative: &str) -> Result<PathBuf, ScheduleError> {
    let rel = Path::new(relative);
    if relative.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(ScheduleError::UnsafePath { path: dir.join("schedule.json"), relative: relative.to_owned() });
    }
    Ok(dir.join(rel))
}

/// Reads one `schedule.json`.
pub fn load_schedule(dir: &Path) -> Result<LoadedSchedule, ScheduleError> {
    let path = dir.join("schedule.json");
    let document: ScheduleDocument = parse(&path, &read(&path)?)?;
    if document.schema != SCHEDULE_SCHEMA {
        return Err(ScheduleError::Schema { path, found: document.schema });
    }
    // Survey invitations become entries of their own (`survey/<id>`), planned and recorded like any.
    Ok(LoadedSchedule {
        dir: dir.to_owned(),
        document: crate::domain::survey::with_invitations(document),
        remote: None,
    })
}

/// Reads every `<root>/<muni>/schedule.json`, sorted by municipality id; `only` keeps one.
pub fn load_schedule_dir(root: &Path, only: Option<&str>) -> Result<Vec<LoadedSchedule>, ScheduleError> {
    let entries = std::fs::read_dir(root).map_err(|source| ScheduleError::Read { path: root.to_owned(), source })?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ScheduleError::Read { path: root.to_owned(), source })?;
        let dir = entry.path();
        if dir.join("schedule.json").is_file() {
            dirs.push(dir);
        }
    }
    dirs.sort();
    let mut schedules = Vec::new();
    for dir in dirs {
        let loaded = load_schedule(&dir)?;
        if only.is_none_or(|id| id == loaded.document.municipality.id) {
            schedules.push(loaded);
        }
    }
    if schedules.is_empty() {
        return Err(ScheduleError::Empty(root.to_owned()));
    }
    Ok(schedules)
}

/// The files (and their hashes) some mails use: mail sections for mail families, LINE payloads
/// for LINE families (a LINE entry without a payload is an error: the generator writes one for
/// every entry of a municipality with LINE).
fn wanted<'a>(mails: &[PlannedMail<'a>]) -> Result<Wanted<'a>, ScheduleError> {
    let mut wanted = Wanted::default();
    for mail in mails {
        let line = mail.recipient.line.is_some();
        for section in &mail.sections {
            if !line {
                wanted.mail.insert(&section.entry.section, &section.entry.hash);
                for local in &section.local {
                    wanted.mail.insert(&local.section, &local.hash);
                }
                continue;
            }
            let files = std::iter::once((section.entry.line.as_ref(), &section.entry.id))
                .chain(section.local.iter().map(|local| (local.line.as_ref(), &local.id)));
            for (file, id) in files {
                let file = file.ok_or_else(|| ScheduleError::NoLinePayload(id.clone()))?;
                wanted.line.insert(&file.path, &file.hash);
            }
        }
    }
    Ok(wanted)
}

/// What [`wanted`] found: schedule-relative path → hash, per channel.
#[derive(Default)]
struct Wanted<'a> {
    mail: BTreeMap<&'a str, &'a str>,
    line: BTreeMap<&'a str, &'a str>,
}

/// Checks a file's bytes against the schedule's hash and parses them.
fn checked<T: serde::de::DeserializeOwned>(path: PathBuf, bytes: &[u8], expected: &str) -> Result<T, ScheduleError> {
    let actual = content_hash(bytes);
    if actual != expected {
        return Err(ScheduleError::Hash { path, expected: expected.to_owned(), actual });
    }
    parse(&path, bytes)
}

impl Sections {
    /// Loads the shell and the sections (mail and LINE) some mails use, from the schedule's
    /// directory or from S3; any bad file (unreadable, wrong hash, not a section) refuses them all.
    pub async fn fetch_for(schedule: &LoadedSchedule, mails: &[PlannedMail<'_>]) -> Result<Sections, ScheduleError> {
        let Some(remote) = &schedule.remote else {
            return Sections::load_mails(schedule, mails);
        };
        let wanted = wanted(mails)?;
        let shell_name = &schedule.document.mail.shell;
        join_inside(&schedule.dir, shell_name)?;
        let shell: MailFrame = parse(&PathBuf::from(remote.location(shell_name)), &remote.get(shell_name).await?)?;
        let mut sections = Sections { shell, by_path: BTreeMap::new(), line: BTreeMap::new() };
        for (relative, expected) in wanted.mail {
            join_inside(&schedule.dir, relative)?;
            let bytes = remote.get(relative).await?;
            let section = checked(PathBuf::from(remote.location(relative)), &bytes, expected)?;
            sections.by_path.insert(relative.to_owned(), section);
        }
        for (relative, expected) in wanted.line {
            join_inside(&schedule.dir, relative)?;
            let bytes = remote.get(relative).await?;
            let payload = checked(PathBuf::from(remote.location(relative)), &bytes, expected)?;
            sections.line.insert(relative.to_owned(), payload);
        }
        Ok(sections)
    }

    /// Loads the shell and the sections the plan's mails use; any bad file refuses them all.
    pub fn load_for(schedule: &LoadedSchedule, plan: &DayPlan<'_>) -> Result<Sections, ScheduleError> {
        Sections::load_mails(schedule, &plan.mails)
    }

    /// [`Sections::load_for`] for some mails of a local schedule.
    fn load_mails(schedule: &LoadedSchedule, mails: &[PlannedMail<'_>]) -> Result<Sections, ScheduleError> {
        let wanted = wanted(mails)?;
        let shell_path = join_inside(&schedule.dir, &schedule.document.mail.shell)?;
        let shell: MailFrame = parse(&shell_path, &read(&shell_path)?)?;
        let mut sections = Sections { shell, by_path: BTreeMap::new(), line: BTreeMap::new() };
        for (relative, expected) in wanted.mail {
            let path = join_inside(&schedule.dir, relative)?;
            let bytes = read(&path)?;
            sections.by_path.insert(relative.to_owned(), checked(path, &bytes, expected)?);
        }
        for (relative, expected) in wanted.line {
            let path = join_inside(&schedule.dir, relative)?;
            let bytes = read(&path)?;
            sections.line.insert(relative.to_owned(), checked(path, &bytes, expected)?);
        }
        Ok(sections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_may_not_leave_the_directory() {
        let dir = Path::new("/tmp/x");
        assert!(join_inside(dir, "mail/sections/a.json").is_ok());
        assert!(join_inside(dir, "../secret.json").is_err());
        assert!(join_inside(dir, "/etc/passwd").is_err());
        assert!(join_inside(dir, "").is_err());
    }
}
