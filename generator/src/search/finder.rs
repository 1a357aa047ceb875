//! The finder index, `<muni>/finder.json` (DESIGN.md §5): every message a family can receive,
//! with its timing rule, label and title, so the landing page's 「わたしのメッセージ」 finder can
//! compute today's message and the recent ones from a due date or birth date in the page. It is a
//! small digest of `schedule.json` (which carries hashes and mail paths the browser does not need).

use kizuna_schedule::{Rule, TrackId, Validity};
use serde::Serialize;

use super::SearchError;
use crate::render::OutputFile;
use crate::resolve::{Edition, Placement};

/// The finder index inside a municipality's archive.
pub const FINDER_FILE: &str = "finder.json";

/// The schema name written into `finder.json`.
pub const FINDER_SCHEMA: &str = "kizuna-finder/1";

/// `finder.json`: what the landing page's finder needs to list a family's messages.
#[derive(Debug, Serialize)]
pub struct FinderIndex<'a> {
    /// [`FINDER_SCHEMA`].
    pub schema: &'static str,
    /// The municipality's enabled tracks, add-ons included.
    pub tracks: Vec<TrackId>,
    /// Track messages in delivery order, then local entries with rules of their own.
    pub entries: Vec<FinderEntry<'a>>,
}

/// One message or local entry in `finder.json`. Its page is `<id>/` under the municipality's root.
#[derive(Debug, Serialize)]
pub struct FinderEntry<'a> {
    /// `maternity/12w3d`, `local/bousai`.
    pub id: &'a str,
    /// The message's track (absent for local entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackId>,
    /// For local entries: recipients are those currently in one of these tracks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracks: Option<&'a [TrackId]>,
    /// The timing rule, in its schedule form (`{"pregnancy":"12w3d"}`).
    pub when: Rule,
    /// The label families read (「妊娠12週3日」「小1・4月6日」).
    pub label: String,
    /// The title.
    pub title: &'a str,
    /// For local entries: delivered only within these dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<Validity>,
}

/// Builds the finder index of an edition.
pub fn finder_document(edition: &Edition) -> FinderIndex<'_> {
    let mut entries: Vec<FinderEntry<'_>> = edition
        .messages
        .iter()
        .map(|m| FinderEntry {
            id: &m.id,
            track: Some(m.track),
            tracks: None,
            when: m.rule,
            label: m.rule.long_label(),
            title: &m.title,
            valid: None,
        })
        .collect();
    entries.extend(edition.local.iter().filter_map(|item| {
        let Placement::Own { rule, tracks } = &item.placement else { return None };
        Some(FinderEntry {
            id: &item.id,
            track: None,
            tracks: Some(tracks),
            when: *rule,
            label: rule.long_label(),
            title: &item.title,
            valid: (item.valid != Validity::default()).then_some(item.valid),
        })
    }));
    FinderIndex { schema: FINDER_SCHEMA, tracks: edition.enabled(), entries }
}

/// The finder's index file; a serialisation failure is an error, never an empty file.
pub fn finder_index(edition: &Edition) -> Result<OutputFile, SearchError> {
    let mut bytes = serde_json::to_vec(&finder_document(edition)).map_err(|error| SearchError {
        municipality: edition.id.clone(),
        message: format!("{FINDER_FILE}: {error}"),
    })?;
    bytes.push(b'\n');
    Ok(OutputFile { path: format!("{}/{FINDER_FILE}", edition.id), bytes })
}
