//! The shared national index (issue 22): the base messages of every track are the same pages in
//! every municipality's archive, so they are indexed once per build, not once per municipality.
//!
//! The national pages are rendered from a neutral edition — every track and add-on, no local
//! information, no overrides, the placeholders filled with neutral words ([`NEUTRAL`]) — and
//! indexed with two Pagefind filters per page: `track` and `base` (the message id). Every
//! municipality's archive gets a copy of the bundle in `<muni>/pagefind-national/` (an archive
//! stays self-contained). The browser merges it with the municipality's own small bundle and
//! keeps, through the filters in `<muni>/search.json` ([`SearchConfig`]), only the municipality's
//! tracks and none of the base messages it does not send as they are (overridden, or in a school
//! year an enabled add-on owns). Shared hits carry the municipality's own URLs: a page's URL in
//! the bundle is relative to the archive root the browser gives it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use kizuna_schedule::{Contact, EmailSettings, TrackId};
use serde::Serialize;

use super::engine::{Engine, Files, Page};
use super::{indexed_pages, page_id, SearchError};
use crate::content::{ApiSettings, Loaded, MunicipalityContent, MunicipalityFile, SiteSettings};
use crate::render::{self, BuildContext};
use crate::resolve::{self, Edition};

/// The folder of the national bundle inside a municipality's archive.
pub const NATIONAL_DIR: &str = "pagefind-national";

/// The search settings of a municipality's archive, read by `search.js`.
pub const CONFIG_FILE: &str = "search.json";

/// The schema name written into `search.json`.
pub const CONFIG_SCHEMA: &str = "kizuna-search/1";

/// The placeholder values of the national pages, in the order of [`crate::placeholders::NAMES`]:
/// words that read naturally in any municipality (「お住まいの市区町村の子育て相談窓口へ」).
pub const NEUTRAL: [&str; 5] = [
    "お住まいの市区町村",
    "子育てきずなメール",
    "お住まいの市区町村の子育て相談窓口",
    "各窓口の電話番号",
    "各窓口の受付時間",
];

/// The id of the neutral editions (never written: only their message pages are indexed).
const NATIONAL_ID: &str = "national";

/// The national bundle of a build.
#[derive(Debug)]
pub struct National {
    /// Its files (with the search API, and the stamp last), as every archive gets them: one
    /// allocation each, which the directory writer stores once and links.
    pub files: Vec<(String, Arc<[u8]>)>,
    /// Every message it holds, with its track.
    pub messages: BTreeMap<String, TrackId>,
}

/// Renders the national pages and indexes them, or takes the bundle from `previous` (the
/// national folder of an archive of the last build) or from the cache folder when it was built
/// from the same pages.
pub fn national_bundle(
    context: BuildContext<'_>,
    engine: &mut Engine,
    previous: Option<&Path>,
) -> Result<National, SearchError> {
    let fail = |message: String| SearchError { municipality: "（全国共通の索引）".to_owned(), message };
    let mut rendered = Vec::new();
    let mut messages = BTreeMap::new();
    for edition in neutral_editions(context) {
        let files = render::render_edition(context, &edition).map_err(|e| fail(e.to_string()))?;
        // Only the indexed pages are kept: the rest of a rendered archive would double the peak.
        for (path, html) in indexed_pages(&edition, &files) {
            let Some(message) = edition.messages.iter().find(|m| m.id == page_id(path)) else { continue };
            messages.insert(message.id.clone(), message.track);
            rendered.push((path.to_owned(), html.to_vec(), message.track, message.id.clone()));
        }
    }
    let pages: Vec<Page<'_>> = rendered
        .iter()
        .map(|(path, html, track, id)| Page {
            path,
            html,
            filters: vec![("track", track.as_str().to_owned()), ("base", id.clone())],
        })
        .collect();
    let files = engine
        .bundle(&pages, &context.content.synonyms, Files::WithApi, previous, crate::cache::dir())
        .map_err(fail)?;
    let files = files.into_iter().map(|(name, bytes)| (name, Arc::from(bytes))).collect();
    Ok(National { files, messages })
}

/// The neutral editions: one with every main track (so no school message is left out for an
/// add-on), one with the add-ons.
fn neutral_editions(context: BuildContext<'_>) -> Vec<Edition> {
    let (addons, tracks): (Vec<TrackId>, Vec<TrackId>) = TrackId::ALL.iter().partition(|t| t.is_addon());
    [(tracks, Vec::new()), (Vec::new(), addons)]
        .into_iter()
        .map(|(tracks, addons)| {
            let municipality = neutral_municipality(context, tracks, addons);
            resolve::resolve(context.content, &municipality, context.build_date, None)
        })
        .collect()
}

fn neutral_municipality(context: BuildContext<'_>, tracks: Vec<TrackId>, addons: Vec<TrackId>) -> MunicipalityContent {
    let [name, service_name, contact_name, phone, hours] = NEUTRAL.map(str::to_owned);
    let file = MunicipalityFile {
        code: "000000".to_owned(),
        name,
        prefecture: String::new(),
        service_name,
        description: None,
        tracks,
        addons,
        delivery_time: "07:00".to_owned(),
        email: EmailSettings { from: String::new(), from_name: String::new(), reply_to: String::new() },
        site: SiteSettings { base_url: format!("/{NATIONAL_ID}/"), theme_color: "#000000".to_owned() },
        api: ApiSettings { base_url: "/api/".to_owned() },
        contact: Contact { name: contact_name, phone, hours, url: String::new() },
        line: None,
        yearly_births: None,
        surveys: None,
    };
    MunicipalityContent {
        id: NATIONAL_ID.to_owned(),
        file: Loaded { path: context.content.root.join("tracks"), lines: Default::default(), value: file },
        local: BTreeMap::new(),
        overrides: BTreeMap::new(),
        surveys: BTreeMap::new(),
    }
}

/// `<muni>/search.json`: which bundles `search.js` loads and which of their pages it keeps.
#[derive(Debug, Serialize)]
pub struct SearchConfig<'a> {
    /// [`CONFIG_SCHEMA`].
    pub schema: &'static str,
    /// The national bundle's folder (`pagefind-national/`), relative to the municipality's root;
    /// absent when the municipality's bundle holds every page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national: Option<String>,
    /// The municipality's own bundle (`pagefind/`); absent when it has no page of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<String>,
    /// The `track` filter values to keep: its tracks and `local`.
    pub tracks: Vec<&'static str>,
    /// The `base` filter values to leave out: national messages of its tracks it does not send as they are.
    pub excluded: Vec<&'a str>,
}

/// The national messages of `edition`'s tracks that it does not send as they are.
pub fn excluded<'a>(national: &'a National, edition: &Edition) -> Vec<&'a str> {
    let enabled = edition.enabled();
    let sent: std::collections::HashSet<&str> =
        edition.messages.iter().filter(|m| !m.overridden).map(|m| m.id.as_str()).collect();
    national
        .messages
        .iter()
        .filter(|(id, track)| enabled.contains(track) && !sent.contains(id.as_str()))
        .map(|(id, _)| id.as_str())
        .collect()
}
