//! `schedule.json` (DESIGN.md §5) as a pure projection: [`schedule_document`] maps the resolved
//! edition, the build and the section hashes to the contract's [`ScheduleDocument`] without
//! rendering anything; the renderer only serialises it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kizuna_schedule::{
    AnchorKind, BuildInfo, EntryTrack, LocalSection, MailParts, MunicipalityInfo, Rule, ScheduleDocument,
    ScheduleEntry, SystemMail, Validity, SCHEDULE_SCHEMA,
};

use super::mail::{section_path, system_path, SHELL_PATH};
use super::{json_bytes, local_path, message_path, OutputFile, RenderError, Renderer};
use crate::resolve::{Edition, LocalItem, Message, Placement};
use crate::survey::ResolvedSurvey;
use kizuna_schedule::survey::SurveyEntry;

/// A section with no hash: it was not rendered, and an entry pointing at it would be refused by
/// the sender, so the document is not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no hash for the section of `{0}`")]
pub struct MissingSectionHash(pub String);

/// The schedule of `edition`: every message (with its local sections) and every local item of its
/// own, due-anchored first, then birth-anchored, then dated announcements, each in delivery order.
///
/// `hashes` maps each section file's path below the municipality (`mail/sections/<id>.json`) to
/// its content hash; `system_mails` are the transactional mails the theme has texts for.
pub fn schedule_document(
    edition: &Edition,
    build: &BuildInfo,
    system_mails: impl IntoIterator<Item = SystemMail>,
    hashes: &BTreeMap<String, String>,
) -> Result<ScheduleDocument, MissingSectionHash> {
    let sections = Sections { edition, hashes };
    let mut entries: Vec<(u8, NaiveDate, ScheduleEntry)> = Vec::new();
    for message in &edition.messages {
        entries.push((rank(&message.rule), message.order, sections.message_entry(message)?));
    }
    for item in &edition.local {
        if let Placement::Own { rule, tracks } = &item.placement {
            entries.push((rank(rule), item.order, sections.own_entry(item, *rule, tracks.clone())?));
        }
    }
    entries.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    Ok(ScheduleDocument {
        schema: SCHEDULE_SCHEMA.to_owned(),
        build: build.clone(),
        municipality: municipality_info(edition),
        mail: MailParts {
            shell: SHELL_PATH.to_owned(),
            system: system_mails.into_iter().map(|kind| (kind, system_path(kind))).collect(),
        },
        line: None,
        entries: entries.into_iter().map(|(_, _, entry)| entry).collect(),
        surveys: edition.surveys.iter().map(|survey| sections.survey_entry(survey)).collect::<Result<_, _>>()?,
    })
}

/// The municipality as the sender sees it.
fn municipality_info(edition: &Edition) -> MunicipalityInfo {
    MunicipalityInfo {
        id: edition.id.clone(),
        code: edition.code.clone(),
        name: edition.name.clone(),
        service_name: edition.service_name.clone(),
        tracks: edition.tracks.clone(),
        addons: edition.addons.clone(),
        delivery_time: edition.delivery_time.clone(),
        email: edition.email.clone(),
        archive_base_url: edition.base_url.clone(),
        api_base_url: edition.api_base_url.clone(),
        contact: edition.contact.clone(),
        line: None,
        yearly_births: edition.yearly_births,
    }
}

/// Due-anchored first, then birth-anchored, then dated announcements.
fn rank(rule: &Rule) -> u8 {
    match rule.anchor_kind() {
        Some(AnchorKind::Due) => 0,
        Some(AnchorKind::Birth) => 1,
        None => 2,
    }
}

/// A validity that says something; the default (always valid) is left out of the document.
fn stated(valid: Validity) -> Option<Validity> {
    (valid != Validity::default()).then_some(valid)
}

/// The section files of one edition and their hashes.
struct Sections<'a> {
    edition: &'a Edition,
    hashes: &'a BTreeMap<String, String>,
}

impl Sections<'_> {
    fn hash(&self, id: &str) -> Result<String, MissingSectionHash> {
        self.hashes.get(&section_path(id)).cloned().ok_or_else(|| MissingSectionHash(id.to_owned()))
    }

    fn message_entry(&self, message: &Message) -> Result<ScheduleEntry, MissingSectionHash> {
        let local = message
            .sections
            .iter()
            .map(|&i| {
                let item = &self.edition.local[i];
                Ok(LocalSection {
                    id: item.id.clone(),
                    section: section_path(&item.id),
                    hash: self.hash(&item.id)?,
                    line: None,
                    valid: stated(item.valid),
                })
            })
            .collect::<Result<Vec<_>, MissingSectionHash>>()?;
        Ok(ScheduleEntry {
            id: message.id.clone(),
            track: EntryTrack::Track(message.track),
            tracks: None,
            when: message.rule,
            subject: message.title.clone(),
            url: format!("{}{}", self.edition.base_url, message_path(message)),
            section: section_path(&message.id),
            hash: self.hash(&message.id)?,
            line: None,
            review: message.review,
            local,
            valid: None,
        })
    }

    /// A reader survey: its page, its invitation section `survey/<id>` and its questions.
    fn survey_entry(&self, survey: &ResolvedSurvey) -> Result<SurveyEntry, MissingSectionHash> {
        let invitation = super::survey::invitation_id(&survey.id);
        Ok(SurveyEntry {
            id: survey.id.clone(),
            scope: survey.scope,
            title: survey.title.clone(),
            when: survey.when,
            tracks: survey.tracks.clone(),
            open: survey.open,
            url: format!("{}{}", self.edition.base_url, super::survey::survey_path(&survey.id)),
            section: section_path(&invitation),
            hash: self.hash(&invitation)?,
            line: None,
            review: survey.review,
            questions: survey.questions.clone(),
        })
    }

    /// A local item delivered on its own `rule` to subscriptions in `tracks`.
    fn own_entry(
        &self,
        item: &LocalItem,
        rule: Rule,
        tracks: Vec<kizuna_schedule::TrackId>,
    ) -> Result<ScheduleEntry, MissingSectionHash> {
        Ok(ScheduleEntry {
            id: item.id.clone(),
            track: EntryTrack::Local,
            tracks: Some(tracks),
            when: rule,
            subject: item.title.clone(),
            url: format!("{}{}", self.edition.base_url, local_path(item)),
            section: section_path(&item.id),
            hash: self.hash(&item.id)?,
            line: None,
            review: item.review,
            local: Vec::new(),
            valid: stated(item.valid),
        })
    }
}

impl Renderer<'_> {
    /// `schedule.json`, from the section hashes of [`Renderer::mail_parts`] and the LINE payloads.
    pub(super) fn schedule(
        &self,
        hashes: &BTreeMap<String, String>,
        line: &super::line::LineOutput,
    ) -> Result<OutputFile, RenderError> {
        let path = format!("{}/schedule.json", self.edition.id);
        let system_mails =
            SystemMail::ALL.into_iter().filter(|kind| self.build.theme.system_mails.contains_key(kind.as_str()));
        let mut document =
            schedule_document(self.edition, self.build.build, system_mails, hashes).map_err(|error| RenderError {
                page: path.clone(),
                template: "(schedule)".to_owned(),
                message: error.to_string(),
            })?;
        line.list_in(&mut document, self.edition);
        Ok(OutputFile { bytes: json_bytes(&document, &path)?, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;

    /// The resolved edition of `tests/fixtures/valid` (nothing is rendered).
    fn edition() -> Edition {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
        let mut diagnostics = Diagnostics::default();
        let content = crate::content::load(&root, &mut diagnostics).expect("the fixture loads");
        let municipality = content.load_municipality("testcity", &mut diagnostics).expect("testcity loads");
        let today = NaiveDate::from_ymd_opt(2026, 4, 1).expect("a date");
        crate::resolve::resolve(&content, &municipality, today, None)
    }

    /// A made-up hash for every section of the edition: `sha256:<id>`.
    fn hashes(edition: &Edition) -> BTreeMap<String, String> {
        let ids = edition.messages.iter().map(|m| &m.id).chain(edition.local.iter().map(|l| &l.id));
        ids.map(|id| (section_path(id), format!("sha256:{id}"))).collect()
    }

    fn build() -> BuildInfo {
        BuildInfo { id: "20260401T000000Z-abcdef".to_owned(), production: false }
    }

    #[test]
    fn entries_run_due_then_birth_then_dated_whatever_the_order_of_the_edition() {
        let mut edition = edition();
        edition.messages.reverse();
        let document = schedule_document(&edition, &build(), [], &hashes(&edition)).expect("every hash is there");
        let ids: Vec<&str> = document.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "maternity/12w3d",
                "maternity/12w4d",
                "maternity/20w0d",
                "baby/day-001",
                "baby/day-014",
                "local/kenshin-1y6m",
                "local/bousai"
            ]
        );
    }

    #[test]
    fn every_entry_points_at_its_section_with_the_hash_given_and_its_page() {
        let edition = edition();
        let document = schedule_document(&edition, &build(), [], &hashes(&edition)).expect("every hash is there");
        for entry in &document.entries {
            assert_eq!(entry.section, format!("mail/sections/{}.json", entry.id));
            assert_eq!(entry.hash, format!("sha256:{}", entry.id));
            assert_eq!(entry.url, format!("{}{}/", edition.base_url, entry.id));
        }
        let first = &document.entries[0];
        assert_eq!(first.track, EntryTrack::Track(kizuna_schedule::TrackId::Maternity));
        assert_eq!(first.tracks, None);
        assert_eq!(first.valid, None, "a track message has no validity of its own");
        assert_eq!(first.local.len(), 1);
        assert_eq!(first.local[0].id, "local/boshi-techo");
        assert_eq!(first.local[0].hash, "sha256:local/boshi-techo");
        let dated = document.entries.last().expect("entries");
        assert_eq!(dated.track, EntryTrack::Local);
        assert_eq!(
            dated.tracks.as_deref(),
            Some(&[kizuna_schedule::TrackId::Maternity, kizuna_schedule::TrackId::Baby][..])
        );
        assert!(dated.valid.is_some_and(|v| v.from.is_some() && v.until.is_some()));
        assert!(dated.local.is_empty());
    }

    #[test]
    fn a_missing_section_hash_is_an_error_naming_the_section() {
        let edition = edition();
        let mut hashes = hashes(&edition);
        hashes.remove("mail/sections/local/boshi-techo.json");
        let error = schedule_document(&edition, &build(), [], &hashes).expect_err("a hash is missing");
        assert_eq!(error, MissingSectionHash("local/boshi-techo".to_owned()));
        assert_eq!(error.to_string(), "no hash for the section of `local/boshi-techo`");
    }

    #[test]
    fn the_document_carries_the_build_the_municipality_and_only_the_system_mails_given() {
        let edition = edition();
        let kinds = [SystemMail::Confirm, SystemMail::Stopped];
        let document = schedule_document(&edition, &build(), kinds, &hashes(&edition)).expect("every hash is there");
        assert_eq!(document.schema, SCHEDULE_SCHEMA);
        assert_eq!(document.build, build());
        assert_eq!(document.municipality, municipality_info(&edition));
        assert_eq!(document.municipality.archive_base_url, edition.base_url);
        assert_eq!(document.mail.shell, "mail/shell.json");
        let system: Vec<(SystemMail, &str)> = document.mail.system.iter().map(|(k, p)| (*k, p.as_str())).collect();
        assert_eq!(
            system,
            [(SystemMail::Confirm, "mail/system/confirm.json"), (SystemMail::Stopped, "mail/system/stopped.json")]
        );
    }
}
