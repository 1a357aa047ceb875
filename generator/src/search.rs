//! The indexes that let parents search a municipality's archive in the browser, with no server
//! (DESIGN.md §5, §7): both are produced per municipality, right after its pages are rendered.
//!
//! - **Full-text search** — a [Pagefind](https://pagefind.app) bundle in `<muni>/pagefind/`, built
//!   in memory with the `pagefind` crate (its `extended` feature segments Japanese into words). Only
//!   pages whose template marks an element `data-pagefind-body` are indexed (the message and local
//!   pages), and within them only that element, minus what is marked `data-pagefind-ignore`; the
//!   theme adds `data-pagefind-meta="label"` so a result can show 「妊娠12週3日」 beside its title.
//!   Only the search API (`pagefind.js`, its worker, the WebAssembly and the index chunks) is
//!   published: the archive has its own search UI (`site-theme/static/search.js`).
//! - **The finder index** — `<muni>/finder.json`: every message a family can receive, with its
//!   timing rule, label and title, so the landing page's 「わたしのメッセージ」 finder can compute
//!   today's message and the recent ones from a due date or birth date in the page. It is a small
//!   digest of `schedule.json` (which carries hashes and mail paths the browser does not need).
//!
//! Pagefind's output depends only on the pages given to it (in their order), so an unchanged
//! archive rebuilds to identical bytes and the writer rewrites nothing.

use std::io;

use kizuna_schedule::{Rule, TrackId, Validity};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use serde::Serialize;

use crate::build::BuildError;
use crate::render::OutputFile;
use crate::resolve::{Edition, Placement};

/// The folder of the Pagefind bundle inside a municipality's archive.
pub const BUNDLE_DIR: &str = "pagefind";

/// The finder index inside a municipality's archive.
pub const FINDER_FILE: &str = "finder.json";

/// The schema name written into `finder.json`.
pub const FINDER_SCHEMA: &str = "kizuna-finder/1";

/// The attribute that marks the indexed part of a page.
const BODY_MARKER: &[u8] = b"data-pagefind-body";

/// Pagefind bundle files that are not published: its ready-made UIs, the highlighter and the
/// playground (the archive ships its own accessible Japanese UI).
const UNPUBLISHED_PREFIXES: [&str; 5] =
    ["pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.", "playground/"];

/// Indexing failed (Pagefind could not parse a page or build its index).
#[derive(Debug, thiserror::Error)]
#[error("building the search index of `{municipality}` failed: {message}")]
pub struct SearchError {
    /// The municipality.
    pub municipality: String,
    /// What went wrong.
    pub message: String,
}

impl From<SearchError> for BuildError {
    fn from(error: SearchError) -> Self {
        BuildError::Io(io::Error::other(error))
    }
}

/// The search bundle and the finder index of one municipality, from its rendered files.
///
/// With `full_text` false only the finder index is produced (`kizuna build --no-search`): Pagefind
/// dominates build time, and benchmarks of page rendering leave it out.
pub fn index_edition(edition: &Edition, files: &[OutputFile], full_text: bool) -> Result<Vec<OutputFile>, SearchError> {
    let mut output = if full_text { pagefind_bundle(edition, files)? } else { Vec::new() };
    output.push(finder_index(edition));
    Ok(output)
}

/// The pages Pagefind reads: HTML files of this municipality marked with `data-pagefind-body`, as
/// (path relative to the municipality's root, bytes), in the order rendered.
pub fn indexed_pages<'a>(edition: &Edition, files: &'a [OutputFile]) -> Vec<(&'a str, &'a [u8])> {
    let prefix = format!("{}/", edition.id);
    files
        .iter()
        .filter_map(|file| Some((file.path.strip_prefix(&prefix)?, file.bytes.as_slice())))
        .filter(|(path, bytes)| path.ends_with(".html") && bytes.windows(BODY_MARKER.len()).any(|w| w == BODY_MARKER))
        .collect()
}

fn pagefind_bundle(edition: &Edition, files: &[OutputFile]) -> Result<Vec<OutputFile>, SearchError> {
    let fail =
        |error: &dyn std::fmt::Display| SearchError { municipality: edition.id.clone(), message: format!("{error:#}") };
    let pages = indexed_pages(edition, files);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(&e))?;
    let bundle = runtime.block_on(async {
        let config = PagefindServiceConfig::builder().force_language("ja".to_owned()).build();
        let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail(&e))?;
        for (path, bytes) in pages {
            let html = String::from_utf8_lossy(bytes).into_owned();
            // URLs are relative to the municipality's root ("/maternity/12w3d/"); the page's script
            // tells Pagefind where that root is, so the archive can live under any path.
            index.add_html_file(Some(path.to_owned()), None, html).await.map_err(|e| fail(&e))?;
        }
        index.get_files().await.map_err(|e| fail(&e))
    })?;
    let mut output: Vec<OutputFile> = bundle
        .into_iter()
        .filter_map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            let name = name.trim_start_matches("./").trim_start_matches(&format!("{BUNDLE_DIR}/")).to_owned();
            (!UNPUBLISHED_PREFIXES.iter().any(|p| name.starts_with(p)))
                .then(|| OutputFile { path: format!("{}/{BUNDLE_DIR}/{name}", edition.id), bytes: file.contents })
        })
        .collect();
    output.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(output)
}

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

fn finder_index(edition: &Edition) -> OutputFile {
    let mut bytes = serde_json::to_vec(&finder_document(edition)).unwrap_or_default();
    bytes.push(b'\n');
    OutputFile { path: format!("{}/{FINDER_FILE}", edition.id), bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, html: &str) -> OutputFile {
        OutputFile { path: path.to_owned(), bytes: html.as_bytes().to_vec() }
    }

    fn edition() -> Edition {
        Edition {
            id: "testcity".into(),
            name: "てすと市".into(),
            code: "999999".into(),
            prefecture: "架空県".into(),
            service_name: "てすと市 きずなメール".into(),
            description: None,
            tracks: vec![TrackId::Maternity],
            addons: vec![],
            delivery_time: "07:00".into(),
            email: kizuna_schedule::EmailSettings {
                from: "a@example.jp".into(),
                from_name: "てすと市".into(),
                reply_to: "a@example.jp".into(),
            },
            base_url: "https://example.jp/testcity/".into(),
            api_base_url: "https://example.jp/api/".into(),
            theme_color: "#0b6e69".into(),
            contact: kizuna_schedule::Contact {
                name: "係".into(),
                phone: "000".into(),
                hours: "平日".into(),
                url: "https://example.jp/".into(),
            },
            messages: vec![],
            local: vec![],
        }
    }

    #[test]
    fn only_marked_pages_of_the_municipality_are_indexed() {
        let files = vec![
            page("testcity/maternity/12w3d/index.html", "<article data-pagefind-body><h1>つわり</h1></article>"),
            page("testcity/maternity/index.html", "<h1>目次</h1>"),
            page("other/maternity/12w3d/index.html", "<article data-pagefind-body>x</article>"),
            page("testcity/mail/sections/maternity/12w3d.json", "data-pagefind-body"),
        ];
        let pages: Vec<&str> = indexed_pages(&edition(), &files).into_iter().map(|(p, _)| p).collect();
        assert_eq!(pages, ["maternity/12w3d/index.html"]);
    }

    #[test]
    fn the_bundle_holds_the_search_api_and_an_index_of_japanese_words_but_no_ready_made_ui() {
        let files = vec![page(
            "testcity/maternity/07w4d/index.html",
            r#"<html lang="ja"><body><nav>ナビゲーション</nav><article data-pagefind-body>
            <p class="label" data-pagefind-meta="label">妊娠7週4日</p><h1>つわりがつらいとき</h1>
            <p>つわりの時期は、食べられるものを食べられるときに。</p></article></body></html>"#,
        )];
        let output = index_edition(&edition(), &files, true).expect("indexes");
        let paths: Vec<&str> = output.iter().map(|f| f.path.as_str()).collect();
        for expected in
            ["testcity/pagefind/pagefind.js", "testcity/pagefind/pagefind-entry.json", "testcity/finder.json"]
        {
            assert!(paths.contains(&expected), "{expected} missing from {paths:?}");
        }
        assert!(paths.iter().any(|p| p.ends_with(".pf_fragment")), "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with(".pf_index")), "{paths:?}");
        assert!(!paths.iter().any(|p| p.contains("pagefind-ui") || p.contains("playground")), "{paths:?}");
        let entry = output.iter().find(|f| f.path.ends_with("pagefind-entry.json")).expect("entry");
        let entry: serde_json::Value = serde_json::from_slice(&entry.bytes).expect("entry json");
        assert_eq!(entry["languages"]["ja"]["page_count"], 1, "{entry}");
        // Same pages, same bytes: an unchanged archive rebuilds without rewriting its index.
        let again = index_edition(&edition(), &files, true).expect("indexes");
        assert!(output.iter().zip(&again).all(|(a, b)| a == b) && output.len() == again.len());
    }
}
