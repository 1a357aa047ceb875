//! The published-site port: what the sender reads from the generator's output — a municipality's
//! `schedule.json`, its transactional mails, its subscription pages and the day's hash-checked
//! sections of both channels — from a local directory or S3 (`crate::adapters::site`).

use std::collections::BTreeMap;
use std::future::Future;

use kizuna_schedule::line::LinePayload;
use kizuna_schedule::{MailFrame, MailSection, SystemMail};

use crate::adapters::site::published::Page;
use crate::adapters::site::LoadedSchedule;
use crate::BoxError;

/// The parts of one day, hash-checked, loaded once for both channels: the mail shell and the mail
/// sections the day's mail families need, and the LINE payloads its LINE families need.
#[derive(Clone, Debug)]
pub struct Sections {
    /// The frame (`mail/shell.json`).
    pub shell: MailFrame,
    /// Mail sections by their schedule path.
    pub by_path: BTreeMap<String, MailSection>,
    /// LINE payloads (`line/sections/<id>.json`) by their schedule path.
    pub line: BTreeMap<String, LinePayload>,
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
    /// A text file of a municipality's output by its path below the municipality (a survey page,
    /// the LINE registration page), or `None` when it is missing.
    fn file(
        &self,
        schedule: &LoadedSchedule,
        relative: &str,
    ) -> impl Future<Output = Result<Option<String>, BoxError>> + Send;
    /// A subscription page of a municipality, or `None` when it is missing.
    fn page(
        &self,
        schedule: &LoadedSchedule,
        page: Page,
    ) -> impl Future<Output = Result<Option<String>, BoxError>> + Send;
}
