//! The indexes that let parents search a municipality's archive in the browser, with no server
//! (DESIGN.md §5, §7), produced right after each municipality's pages are rendered.
//!
//! - **Full-text search** — [Pagefind](https://pagefind.app) bundles built in memory with the
//!   `pagefind` crate (its `extended` feature segments Japanese into words) by [`engine`]. Only
//!   pages whose template marks an element `data-pagefind-body` are indexed (the message and local
//!   pages), and within them only that element, minus what is marked `data-pagefind-ignore`; the
//!   theme adds `data-pagefind-meta="label"` so a result can show 「妊娠12週3日」 beside its title.
//!   Only the search API (`pagefind.js`, its worker, the WebAssembly) and the index chunks are
//!   published: the archive has its own search UI (`site-theme/static/search.js`).
//! - **The finder index** — `<muni>/finder.json` ([`finder`]).
//!
//! Indexing costs far more than rendering, and the base messages are the same in every archive:
//! by default ([`Layout::Shared`], issue 22) they are indexed once per build into the national
//! bundle ([`national`]) that every archive gets a copy of (hard links where the disk allows), and each municipality indexes only
//! its own pages — local information and overridden messages — into `<muni>/pagefind/`; the
//! browser merges the two (`<muni>/search.json` says how). [`Layout::PerMunicipality`] indexes
//! every page of an archive into its own bundle, as before issue 22: the browser tests compare
//! the two layouts' results, and the benchmarks their cost.
//!
//! Pagefind's output depends only on the pages given to it (in their order), so an unchanged
//! archive rebuilds to identical bytes and the writer rewrites nothing; a bundle also carries a
//! stamp (`.kizuna-search`, not published) with a hash of the pages it was built from, and a
//! rebuild takes a bundle whose pages hash the same from the output directory without indexing.
//!
//! Japanese search quality (issue 22): each page is given to Pagefind with a hidden tail of aid
//! words — kana readings, folded forms and synonyms ([`crate::search_text`]) — so that a kana,
//! katakana or colloquial query finds the page a parent means; `search.js` folds the query the
//! same way, drops hits that match only part of a word and cuts excerpts at word boundaries.

pub mod engine;
pub mod finder;
pub mod national;

use std::collections::HashSet;
use std::path::Path;

use crate::output::SharedFile;
use crate::render::{BuildContext, OutputFile};
use crate::resolve::Edition;
use crate::synonyms::Synonyms;
use engine::{Engine, Files, Page};
pub use finder::{finder_document, FinderEntry, FinderIndex, FINDER_FILE, FINDER_SCHEMA};
use national::{National, SearchConfig, CONFIG_FILE, CONFIG_SCHEMA, NATIONAL_DIR};

/// The folder of a municipality's own Pagefind bundle inside its archive.
pub const BUNDLE_DIR: &str = "pagefind";

/// Set (to anything but nothing) to index every archive whole ([`Layout::PerMunicipality`]): for the browser
/// tests that compare the layouts and for benchmarks, not for publishing.
pub const PER_MUNICIPALITY_ENV: &str = "KIZUNA_SEARCH_PER_MUNICIPALITY";

/// The attribute that marks the indexed part of a page.
const BODY_MARKER: &[u8] = b"data-pagefind-body";

/// The `track` filter value of local pages (their folder).
const LOCAL_TRACK: &str = "local";

/// Indexing failed (Pagefind could not parse a page or build its index).
#[derive(Debug, thiserror::Error)]
#[error("building the search index of `{municipality}` failed: {message}")]
pub struct SearchError {
    /// The municipality.
    pub municipality: String,
    /// What went wrong.
    pub message: String,
}

/// How a build indexes its archives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// No full-text index, only the finder's (`kizuna build --no-search`).
    Off,
    /// The national bundle once, and each municipality's own pages (the default).
    Shared,
    /// Every page of each archive in its own bundle (see [`PER_MUNICIPALITY_ENV`]).
    PerMunicipality,
}

impl Layout {
    /// The layout of a build with or without search, [`PER_MUNICIPALITY_ENV`] deciding which.
    pub fn for_build(search: bool) -> Self {
        match (search, std::env::var_os(PER_MUNICIPALITY_ENV).is_some_and(|v| !v.is_empty())) {
            (false, _) => Layout::Off,
            (true, false) => Layout::Shared,
            (true, true) => Layout::PerMunicipality,
        }
    }
}

/// Makes the search files of every municipality of a build.
#[derive(Debug)]
pub struct Indexer<'a> {
    synonyms: &'a Synonyms,
    /// The output directory of the last build, whose bundles are reused when built from the same pages.
    previous: Option<&'a Path>,
    engine: Option<Engine>,
    national: Option<National>,
}

impl<'a> Indexer<'a> {
    /// An indexer; with [`Layout::Shared`] the national bundle is made now (or taken from the
    /// copy in `previous`'s archive of `first`, the first municipality built).
    pub fn new(
        context: BuildContext<'a>,
        layout: Layout,
        previous: Option<&'a Path>,
        first: Option<&str>,
    ) -> Result<Self, SearchError> {
        let mut indexer = Indexer::start(&context.content.synonyms, layout, previous)?;
        if let (Layout::Shared, Some(engine)) = (layout, &mut indexer.engine) {
            let copy = previous.zip(first).map(|(root, id)| root.join(id).join(NATIONAL_DIR));
            indexer.national = Some(national::national_bundle(context, engine, copy.as_deref())?);
        }
        Ok(indexer)
    }

    /// An indexer without the national bundle (made by [`Indexer::new`]).
    fn start(synonyms: &'a Synonyms, layout: Layout, previous: Option<&'a Path>) -> Result<Self, SearchError> {
        let engine = match layout {
            Layout::Off => None,
            _ => Some(Engine::new().map_err(|message| SearchError { municipality: String::new(), message })?),
        };
        Ok(Indexer { synonyms, previous, engine, national: None })
    }

    /// The copy of the national bundle in a municipality's archive (none without it): the same
    /// bytes in every archive, which the sink may store once ([`crate::output::SharedFile`]).
    pub fn national_files(&self, municipality: &str) -> Vec<SharedFile> {
        let Some(national) = &self.national else { return Vec::new() };
        national
            .files
            .iter()
            .map(|(name, bytes)| SharedFile {
                path: format!("{municipality}/{NATIONAL_DIR}/{name}"),
                bytes: std::sync::Arc::clone(bytes),
            })
            .collect()
    }

    /// The search files of one municipality, from its rendered files: its own bundle,
    /// `search.json` and `finder.json` ([`Indexer::national_files`] gives the national copy).
    pub fn index_edition(&mut self, edition: &Edition, files: &[OutputFile]) -> Result<Vec<OutputFile>, SearchError> {
        let mut output = Vec::new();
        if let Some(engine) = &mut self.engine {
            let fail = |message: String| SearchError { municipality: edition.id.clone(), message };
            let shared = self.national.as_ref();
            let national_pages = national_pages(edition, shared);
            let pages: Vec<Page<'_>> = indexed_pages(edition, files)
                .into_iter()
                .filter(|(path, _)| !national_pages.contains(page_id(path)))
                .map(|(path, html)| Page { path, html, filters: vec![("track", page_track(path).to_owned())] })
                .collect();
            let own = !pages.is_empty();
            if own {
                let dir = format!("{}/{BUNDLE_DIR}", edition.id);
                let files = if shared.is_some() { Files::IndexOnly } else { Files::WithApi };
                let previous = self.previous.map(|root| root.join(&dir));
                let bundle = engine.bundle(&pages, self.synonyms, files, previous.as_deref(), None).map_err(fail)?;
                output.extend(
                    bundle.into_iter().map(|(name, bytes)| OutputFile { path: format!("{dir}/{name}"), bytes }),
                );
            }
            let mut tracks: Vec<&'static str> = edition.enabled().iter().map(|t| t.as_str()).collect();
            tracks.push(LOCAL_TRACK);
            let config = SearchConfig {
                schema: CONFIG_SCHEMA,
                national: shared.map(|_| format!("{NATIONAL_DIR}/")),
                own: own.then(|| format!("{BUNDLE_DIR}/")),
                tracks,
                excluded: shared.map(|n| national::excluded(n, edition)).unwrap_or_default(),
            };
            let mut bytes = serde_json::to_vec(&config).map_err(|e| fail(format!("{CONFIG_FILE}: {e}")))?;
            bytes.push(b'\n');
            output.push(OutputFile { path: format!("{}/{CONFIG_FILE}", edition.id), bytes });
        }
        output.push(finder::finder_index(edition)?);
        Ok(output)
    }
}

/// The ids of the municipality's pages the national bundle holds as they are: the messages it
/// sends unchanged (none without a national bundle).
fn national_pages<'e>(edition: &'e Edition, national: Option<&National>) -> HashSet<&'e str> {
    let Some(national) = national else { return HashSet::new() };
    edition
        .messages
        .iter()
        .filter(|m| !m.overridden && national.messages.contains_key(&m.id))
        .map(|m| m.id.as_str())
        .collect()
}

/// The `track` filter value of the page at `path`: its first folder (`maternity`, `local`).
fn page_track(path: &str) -> &str {
    path.split('/').next().unwrap_or_default()
}

/// The id of the page at `path` (`maternity/12w3d/index.html` → `maternity/12w3d`).
pub fn page_id(path: &str) -> &str {
    path.strip_suffix("/index.html").unwrap_or(path)
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

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_schedule::TrackId;

    /// Indexes `files` alone, as a municipality without the national bundle.
    fn index(files: &[OutputFile], previous: Option<&Path>) -> Vec<OutputFile> {
        let synonyms = Synonyms::default();
        let mut indexer = Indexer::start(&synonyms, Layout::PerMunicipality, previous).expect("indexer");
        indexer.index_edition(&edition(), files).expect("indexes")
    }

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
            yearly_births: None,
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
            line: None,
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
        let output = index(&files, None);
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
        let again = index(&files, None);
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
        let first = index(&[article("つわり")], Some(out.path()));
        assert!(first.iter().any(|f| f.path == "testcity/pagefind/.kizuna-search"));
        write(&first);

        // Same pages: the bundle on disk is taken as it is (a marked file proves it was not rebuilt).
        let entry = out.path().join("testcity/pagefind/pagefind-entry.json");
        std::fs::write(&entry, b"{\"reused\":true}").expect("mark");
        let again = index(&[article("つわり")], Some(out.path()));
        let paths = |files: &[OutputFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&again), paths(&first));
        let reused = again.iter().find(|f| f.path.ends_with("pagefind-entry.json")).expect("entry");
        assert_eq!(reused.bytes, b"{\"reused\":true}");

        // A file of the bundle missing: indexed again.
        let fragment = first.iter().find(|f| f.path.ends_with(".pf_fragment")).expect("fragment");
        std::fs::remove_file(out.path().join(&fragment.path)).expect("remove");
        let rebuilt = index(&[article("つわり")], Some(out.path()));
        assert_eq!(rebuilt, first);

        // Changed pages: indexed again, with a new stamp.
        write(&first);
        std::fs::write(&entry, b"{\"reused\":true}").expect("mark");
        let changed = index(&[article("むくみ")], Some(out.path()));
        let entry = changed.iter().find(|f| f.path.ends_with("pagefind-entry.json")).expect("entry");
        assert_ne!(entry.bytes, b"{\"reused\":true}");
        let stamp =
            |files: &[OutputFile]| files.iter().find(|f| f.path.ends_with(".kizuna-search")).map(|f| f.bytes.clone());
        assert_ne!(stamp(&changed), stamp(&first));
    }
}
