//! Loading what the generator published: `<dir>/<muni>/schedule.json`, the mail shell and the
//! section files, each section checked against its `sha256:<hex>` hash.
//!
//! `--schedule DIR` points at a built `public/` folder: every sub-directory holding a
//! `schedule.json` is a municipality. Section files are read only when a mail needs them
//! ([`Sections::load_for`]), so a day's run reads the few sections of that day, not the archive.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use kizuna_schedule::{MailFrame, MailSection, ScheduleDocument, SCHEDULE_SCHEMA};
use sha2::{Digest, Sha256};

use crate::plan::DayPlan;

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
    /// The directory holds no municipality.
    #[error("{0}: no <municipality>/schedule.json found")]
    Empty(PathBuf),
}

/// One municipality's schedule and where it was read from.
#[derive(Clone, Debug)]
pub struct LoadedSchedule {
    /// The directory holding `schedule.json`; section paths are relative to it.
    pub dir: PathBuf,
    /// The parsed schedule.
    pub document: ScheduleDocument,
}

/// `sha256:<lowercase hex>` of some bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in digest {
        text.push_str(&format!("{byte:02x}"));
    }
    text
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
    Ok(LoadedSchedule { dir: dir.to_owned(), document })
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

/// The mail parts of one day: the shell and every section the day's mails use, hash-checked.
#[derive(Clone, Debug)]
pub struct Sections {
    /// The frame (`mail/shell.json`).
    pub shell: MailFrame,
    /// Sections by their schedule path.
    pub by_path: BTreeMap<String, MailSection>,
}

impl Sections {
    /// Loads the shell and the sections the plan's mails use; any bad file refuses them all.
    pub fn load_for(schedule: &LoadedSchedule, plan: &DayPlan) -> Result<Sections, ScheduleError> {
        let shell_path = join_inside(&schedule.dir, &schedule.document.mail.shell)?;
        let shell: MailFrame = parse(&shell_path, &read(&shell_path)?)?;
        let mut wanted: BTreeMap<&str, &str> = BTreeMap::new();
        for mail in &plan.mails {
            for section in &mail.sections {
                let entry = &schedule.document.entries[section.entry];
                wanted.insert(&entry.section, &entry.hash);
                for &i in &section.local {
                    let local = &entry.local[i];
                    wanted.insert(&local.section, &local.hash);
                }
            }
        }
        let mut by_path = BTreeMap::new();
        for (relative, expected) in wanted {
            let path = join_inside(&schedule.dir, relative)?;
            let bytes = read(&path)?;
            let actual = content_hash(&bytes);
            if actual != expected {
                return Err(ScheduleError::Hash { path, expected: expected.to_owned(), actual });
            }
            by_path.insert(relative.to_owned(), parse(&path, &bytes)?);
        }
        Ok(Sections { shell, by_path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_lowercase_hex_sha256() {
        assert_eq!(content_hash(b"abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn paths_may_not_leave_the_directory() {
        let dir = Path::new("/tmp/x");
        assert!(join_inside(dir, "mail/sections/a.json").is_ok());
        assert!(join_inside(dir, "../secret.json").is_err());
        assert!(join_inside(dir, "/etc/passwd").is_err());
        assert!(join_inside(dir, "").is_err());
    }
}
