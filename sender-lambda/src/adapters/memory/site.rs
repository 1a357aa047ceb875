//! The published-site twin: municipalities' `schedule.json` documents and their text files
//! (transactional mails, subscription and survey pages) held in memory, so the API's validation
//! tests answer without a directory or S3. Unknown municipalities and missing files read as `None`,
//! as the directory and S3 adapters do.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use kizuna_schedule::{MailFrame, ScheduleDocument, SystemMail};

use crate::adapters::site::published::{system_mail_path, Page};
use crate::adapters::site::LoadedSchedule;
use crate::ports::published_site::PublishedSite;
use crate::BoxError;

/// The published site in memory.
#[derive(Debug, Default)]
pub struct MemorySite {
    schedules: Mutex<BTreeMap<String, ScheduleDocument>>,
    files: Mutex<BTreeMap<(String, String), String>>,
}

impl MemorySite {
    /// An empty site (no municipality).
    pub fn new() -> Self {
        MemorySite::default()
    }

    /// Publishes a municipality's schedule (replacing an earlier one).
    pub fn insert_schedule(&self, document: ScheduleDocument) {
        let id = document.municipality.id.clone();
        self.schedules.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, document);
    }

    /// Publishes a text file below a municipality (`subscribe/manage/index.html`, …).
    pub fn insert_file(&self, municipality: &str, relative: &str, text: impl Into<String>) {
        let key = (municipality.to_owned(), relative.to_owned());
        self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, text.into());
    }

    fn read(&self, schedule: &LoadedSchedule, relative: &str) -> Option<String> {
        let key = (schedule.document.municipality.id.clone(), relative.to_owned());
        self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).cloned()
    }
}

impl PublishedSite for MemorySite {
    async fn schedule(&self, municipality: &str) -> Result<Option<LoadedSchedule>, BoxError> {
        let schedules = self.schedules.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The directory stands for where section paths would resolve; nothing here reads it.
        Ok(schedules.get(municipality).map(|document| LoadedSchedule {
            dir: PathBuf::from("memory").join(municipality),
            document: document.clone(),
            remote: None,
        }))
    }

    async fn system_mail(&self, schedule: &LoadedSchedule, kind: SystemMail) -> Result<MailFrame, BoxError> {
        let relative = system_mail_path(schedule, kind)?;
        let text = self.read(schedule, relative).ok_or("system mail missing")?;
        Ok(serde_json::from_str(&text)?)
    }

    async fn file(&self, schedule: &LoadedSchedule, relative: &str) -> Result<Option<String>, BoxError> {
        Ok(self.read(schedule, relative))
    }

    async fn page(&self, schedule: &LoadedSchedule, page: Page) -> Result<Option<String>, BoxError> {
        Ok(self.read(schedule, &page.path()))
    }
}
