//! The published-site port: what the sender reads from the generator's output — a municipality's
//! `schedule.json`, its transactional mails, its subscription pages and the day's hash-checked
//! sections — from a local directory or S3 (`crate::adapters::site`).

use std::collections::BTreeMap;
use std::future::Future;

use kizuna_schedule::{MailFrame, MailSection, SystemMail};

use crate::adapters::site::published::Page;
use crate::adapters::site::LoadedSchedule;
use crate::BoxError;

/// The mail parts of one day: the shell and every section the day's mails use, hash-checked.
#[derive(Clone, Debug)]
pub struct Sections {
    /// The frame (`mail/shell.json`).
    pub shell: MailFrame,
    /// Sections by their schedule path.
    pub by_path: BTreeMap<String, MailSection>,
}

/// The published site ([`crate::adapters::site::published::Site`] in production).
pub trait PublishedSite {
    /// A municipality's schedule, or `None` when there is no such municipality.
    fn schedule(&self, municipality: &str) -> impl Future<Output = Result<Option<LoadedSchedule>, BoxError>> + Send;
    /// A transactional mail of a municipality.
    fn system_mail(
        &self,
        schedule: &LoadedSchedule,
        kind: SystemMail,
    ) -> impl Future<Output = Result<MailFrame, BoxError>> + Send;
    /// A subscription page of a municipality, or `None` when it is missing.
    fn page(
        &self,
        schedule: &LoadedSchedule,
        page: Page,
    ) -> impl Future<Output = Result<Option<String>, BoxError>> + Send;
}
