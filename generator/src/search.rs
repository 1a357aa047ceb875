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
//! archive rebuilds to identical bytes and the writer rewrites nothing. Indexing costs far more than
//! rendering (about a second per municipality), so a rebuild does not index again when it need not:
//! the bundle carries a stamp (`pagefind/.kizuna-search`, not published) with a hash of the pages it
//! was built from and its file list, and a municipality whose indexed pages hash the same reuses the
//! bundle already in the output directory.
//!
//! Japanese search quality (issue 22): each page is given to Pagefind with a hidden tail of aid
//! words — kana readings, folded forms and synonyms ([`crate::search_text`]) — so that a kana,
//! katakana or colloquial query finds the page a parent means; `search.js` folds the query the
//! same way, drops hits that match only part of a word and cuts excerpts at word boundaries.

use std::io;
use std::path::Path;

use kizuna_schedule::{Rule, TrackId, Validity};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::build::BuildError;
use crate::render::OutputFile;
use crate::resolve::{Edition, Placement};
use crate::search_text::{aid_words, indexed_text, with_aids};
use crate::synonyms::Synonyms;
use crate::yomi::Reader;

/// The folder of the Pagefind bundle inside a municipality's archive.
pub const BUNDLE_DIR: &str = "pagefind";

/// The finder index inside a municipality's archive.
pub const FINDER_FILE: &str = "finder.json";

/// The schema name written into `finder.json`.
pub const FINDER_SCHEMA: &str = "kizuna-finder/1";

/// The stamp inside the bundle folder: the hash of the indexed pages, then the bundle's files.
const STAMP_FILE: &str = ".kizuna-search";

/// The first word of a stamp; bump it when the indexing options change.
const STAMP_VERSION: &str = "kizuna-search/2";

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
/// dominates build time, and benchmarks of page rendering leave it out. `previous` is the output
/// directory of the last build, whose bundle is reused when it was built from the same pages
/// (and the same `synonyms`).
pub fn index_edition(
    edition: &Edition,
    files: &[OutputFile],
    full_text: bool,
    previous: Option<&Path>,
    synonyms: &Synonyms,
) -> Result<Vec<OutputFile>, SearchError> {
    let mut output = Vec::new();
    if full_text {
        let pages = indexed_pages(edition, files);
        let source = source_hash(&pages, synonyms);
        let bundle_dir = format!("{}/{BUNDLE_DIR}", edition.id);
        let reused = previous.and_then(|root| reuse_bundle(&root.join(&bundle_dir), &source));
        let bundle = match reused {
            Some(bundle) => bundle,
            None => pagefind_bundle(edition, &pages, synonyms)?,
        };
        let stamp = stamp(&source, bundle.iter().map(|(name, _)| name.as_str()));
        output
            .extend(bundle.into_iter().map(|(name, bytes)| OutputFile { path: format!("{bundle_dir}/{name}"), bytes }));
        output.push(OutputFile { path: format!("{bundle_dir}/{STAMP_FILE}"), bytes: stamp.into_bytes() });
    }
    output.push(finder_index(edition)?);
    Ok(output)
}

/// A bundle file: its name inside the bundle folder, and its bytes.
type BundleFile = (String, Vec<u8>);

/// What the bundle is built from: every indexed page's path and bytes, in order, and the synonyms.
fn source_hash(pages: &[(&str, &[u8])], synonyms: &Synonyms) -> String {
    let mut hasher = Sha256::new();
    let synonyms = synonyms.fingerprint();
    hasher.update((synonyms.len() as u64).to_le_bytes());
    hasher.update(synonyms.as_bytes());
    for (path, bytes) in pages {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hasher.update(env!("CARGO_PKG_VERSION"));
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn stamp<'a>(source: &str, names: impl Iterator<Item = &'a str>) -> String {
    let mut stamp = format!("{STAMP_VERSION} {source}\n");
    for name in names {
        stamp.push_str(name);
        stamp.push('\n');
    }
    stamp
}

/// The bundle in `dir` when its stamp says it was built from `source` and every file it lists is
/// there; `None` (index again) otherwise.
fn reuse_bundle(dir: &Path, source: &str) -> Option<Vec<BundleFile>> {
    let stamp = std::fs::read_to_string(dir.join(STAMP_FILE)).ok()?;
    let mut lines = stamp.lines();
    if lines.next()? != format!("{STAMP_VERSION} {source}") {
        return None;
    }
    lines
        .filter(|name| !name.is_empty())
        .map(|name| {
            // Names come from our own stamp, but a hand-edited one must not reach outside the bundle.
            let safe = !name.starts_with('/') && name.split('/').all(|part| part != ".." && !part.is_empty());
            safe.then(|| Some((name.to_owned(), std::fs::read(dir.join(name)).ok()?))).flatten()
        })
        .collect()
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

/// Indexes the pages, each with its aid words, with Pagefind: the published bundle files, sorted
/// by name.
fn pagefind_bundle(
    edition: &Edition,
    pages: &[(&str, &[u8])],
    synonyms: &Synonyms,
) -> Result<Vec<BundleFile>, SearchError> {
    let fail =
        |error: &dyn std::fmt::Display| SearchError { municipality: edition.id.clone(), message: format!("{error:#}") };
    let reader = Reader::open().map_err(|e| fail(&e))?;
    let aids = pages
        .iter()
        .map(|(path, bytes)| {
            let text = indexed_text(&String::from_utf8_lossy(bytes)).map_err(|e| fail(&format!("{path}: {e}")))?;
            Ok(aid_words(&text, &reader, synonyms))
        })
        .collect::<Result<Vec<_>, SearchError>>()?;
    // The dictionary and Pagefind's index never share the peak-RSS budget.
    drop(reader);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(&e))?;
    let bundle = runtime.block_on(async {
        let config = PagefindServiceConfig::builder().force_language("ja".to_owned()).build();
        let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail(&e))?;
        for ((path, bytes), aids) in pages.iter().zip(&aids) {
            // Each aided page is made only when Pagefind takes it, so they are never all in memory.
            let html = with_aids(&String::from_utf8_lossy(bytes), aids).map_err(|e| fail(&format!("{path}: {e}")))?;
            // URLs are relative to the municipality's root ("/maternity/12w3d/"); the page's script
            // tells Pagefind where that root is, so the archive can live under any path.
            index.add_html_file(Some((*path).to_owned()), None, html).await.map_err(|e| fail(&e))?;
        }
        index.get_files().await.map_err(|e| fail(&e))
    })?;
    let mut output: Vec<BundleFile> = bundle
        .into_iter()
        .filter_map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            let name = name.trim_start_matches("./").trim_start_matches(&format!("{BUNDLE_DIR}/")).to_owned();
            (!UNPUBLISHED_PREFIXES.iter().any(|p| name.starts_with(p))).then_some((name, file.contents))
        })
        .collect();
    output.sort_by(|a, b| a.0.cmp(&b.0));
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

/// The finder's index file; a serialisation failure is an error, never an empty file.
fn finder_index(edition: &Edition) -> Result<OutputFile, SearchError> {
    let mut bytes = serde_json::to_vec(&finder_document(edition)).map_err(|error| SearchError {
        municipality: edition.id.clone(),
        message: format!("{FINDER_FILE}: {error}"),
    })?;
    bytes.push(b'\n');
    Ok(OutputFile { path: format!("{}/{FINDER_FILE}", edition.id), bytes })
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
            surveys: vec![],
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
        let output = index_edition(&edition(), &files, true, None, &Synonyms::default()).expect("indexes");
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
        let again = index_edition(&edition(), &files, true, None, &Synonyms::default()).expect("indexes");
        assert!(output.iter().zip(&again).all(|(a, b)| a == b) && output.len() == again.len());
    }

    #[test]
    fn a_rebuild_reuses_the_bundle_of_unchanged_pages_and_indexes_changed_ones_again() {
        let article = |text: &str| {
            page(
                "testcity/maternity/07w4d/index.html",
                &format!(
                    r#"<html lang="ja"><body><article data-pagefind-body><h1>{text}</h1></article></body></html>"#
                ),
            )
        };
        let out = tempfile::tempdir().expect("temp dir");
        let write = |files: &[OutputFile]| {
            for file in files {
                let path = out.path().join(&file.path);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, &file.bytes).expect("write");
            }
        };
        let first = index_edition(&edition(), &[article("つわり")], true, Some(out.path()), &Synonyms::default())
            .expect("indexes");
        assert!(first.iter().any(|f| f.path == "testcity/pagefind/.kizuna-search"));
        write(&first);

        // Same pages: the bundle on disk is taken as it is (a marked file proves it was not rebuilt).
        let entry = out.path().join("testcity/pagefind/pagefind-entry.json");
        std::fs::write(&entry, b"{\"reused\":true}").expect("mark");
        let again = index_edition(&edition(), &[article("つわり")], true, Some(out.path()), &Synonyms::default())
            .expect("indexes");
        let paths = |files: &[OutputFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&again), paths(&first));
        let reused = again.iter().find(|f| f.path.ends_with("pagefind-entry.json")).expect("entry");
        assert_eq!(reused.bytes, b"{\"reused\":true}");

        // A file of the bundle missing: indexed again.
        let fragment = first.iter().find(|f| f.path.ends_with(".pf_fragment")).expect("fragment");
        std::fs::remove_file(out.path().join(&fragment.path)).expect("remove");
        let rebuilt = index_edition(&edition(), &[article("つわり")], true, Some(out.path()), &Synonyms::default())
            .expect("indexes");
        assert_eq!(rebuilt, first);

        // Changed pages: indexed again, with a new stamp.
        write(&first);
        std::fs::write(&entry, b"{\"reused\":true}").expect("mark");
        let changed = index_edition(&edition(), &[article("むくみ")], true, Some(out.path()), &Synonyms::default())
            .expect("indexes");
        let entry = changed.iter().find(|f| f.path.ends_with("pagefind-entry.json")).expect("entry");
        assert_ne!(entry.bytes, b"{\"reused\":true}");
        let stamp =
            |files: &[OutputFile]| files.iter().find(|f| f.path.ends_with(".kizuna-search")).map(|f| f.bytes.clone());
        assert_ne!(stamp(&changed), stamp(&first));
    }
}
