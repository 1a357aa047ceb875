//! Pagefind as the generator drives it (issue 22): pages in — each with its aid words
//! ([`crate::search_text`]) and its Pagefind filters — and bundle files out; and the stamp that
//! lets a rebuild take a bundle built from the same pages from the previous output instead of
//! indexing again. The national bundle is also kept in Kizuna's cache folder ([`crate::cache`]),
//! one folder per source hash, so that a build into a new output folder takes it from there.
//!
//! One [`Engine`] serves a whole build: it keeps one tokio runtime and, between small indexes, the
//! readings dictionary. A large index (the shared national one, or a municipality's whole archive
//! when it is indexed alone) is made with the dictionary dropped first, so that the two never
//! share the 300 MB peak-RSS budget.

use std::path::Path;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use sha2::{Digest, Sha256};

use crate::search_text::{aid_words, indexed_text, with_aids};
use crate::synonyms::Synonyms;
use crate::yomi::Reader;

/// A bundle file: its name inside the bundle folder, and its bytes.
pub type BundleFile = (String, Vec<u8>);

/// The stamp inside a bundle folder: the hash of the indexed pages, then the bundle's files.
pub const STAMP_FILE: &str = ".kizuna-search";

/// The first word of a stamp; bump it when the indexing options change.
const STAMP_VERSION: &str = "kizuna-search/3";

/// The name of a bundle kept in the cache folder, before (part of) its source hash.
const CACHED_PREFIX: &str = "national-";

/// From this many pages on, the dictionary is dropped before Pagefind indexes (see the overview).
const LARGE_INDEX: usize = 100;

/// Pagefind bundle files that are never published: its ready-made UIs, the highlighter and the
/// playground (the archive ships its own accessible Japanese UI).
const UNPUBLISHED_PREFIXES: [&str; 5] =
    ["pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.", "playground/"];

/// A page given to Pagefind.
#[derive(Debug)]
pub struct Page<'a> {
    /// Its URL path relative to the municipality's root (`maternity/12w3d/index.html`).
    pub path: &'a str,
    /// The rendered page.
    pub html: &'a [u8],
    /// Pagefind filters (`("track", "maternity")`).
    pub filters: Vec<(&'static str, String)>,
}

/// Which of Pagefind's files a bundle publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// The search API too (`pagefind.js`, its worker, the WebAssembly): a bundle the browser loads first.
    WithApi,
    /// Only the index (entry, meta, index, fragment and filter chunks): a bundle merged into another.
    IndexOnly,
}

impl Files {
    fn publishes(self, name: &str) -> bool {
        match self {
            Files::WithApi => !UNPUBLISHED_PREFIXES.iter().any(|p| name.starts_with(p)),
            Files::IndexOnly => {
                name == "pagefind-entry.json"
                    || [".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter"].iter().any(|ext| name.ends_with(ext))
            }
        }
    }
}

/// Indexes pages with Pagefind for a whole build.
pub struct Engine {
    runtime: tokio::runtime::Runtime,
    reader: Option<Reader>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine")
    }
}

impl Engine {
    /// An engine; the dictionary is opened when pages first need readings.
    pub fn new() -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        Ok(Engine { runtime, reader: None })
    }

    /// The bundle of `pages`: taken from `previous` (a bundle folder of the last build) when its
    /// stamp says it was built from the same pages, else from the cache folder `cache` when it has
    /// them, indexed otherwise (and then kept in `cache`); the stamp is the last file.
    pub fn bundle(
        &mut self,
        pages: &[Page<'_>],
        synonyms: &Synonyms,
        files: Files,
        previous: Option<&Path>,
        cache: Option<&Path>,
    ) -> Result<Vec<BundleFile>, String> {
        let source = source_hash(pages, synonyms, files);
        let cached = cache.map(|dir| dir.join(format!("{CACHED_PREFIX}{}", &source[..32])));
        let from_cache = || {
            let dir = cached.as_deref()?;
            let bundle = reuse_bundle(dir, &source)?;
            crate::cache::mark_used(&dir.join(STAMP_FILE));
            Some(bundle)
        };
        let mut bundle = match previous.and_then(|dir| reuse_bundle(dir, &source)).or_else(from_cache) {
            Some(bundle) => bundle,
            None => self.index(pages, synonyms, files)?,
        };
        let stamp = stamp(&source, bundle.iter().map(|(name, _)| name.as_str()));
        bundle.push((STAMP_FILE.to_owned(), stamp.into_bytes()));
        if let Some(dir) = cached.filter(|dir| !dir.exists()) {
            // Only speed is at stake: a bundle that cannot be kept is made again next time.
            let _ = keep_bundle(&dir, &bundle);
        }
        Ok(bundle)
    }

    /// Indexes the pages, each with its aid words and filters: the published files, sorted by name.
    fn index(&mut self, pages: &[Page<'_>], synonyms: &Synonyms, files: Files) -> Result<Vec<BundleFile>, String> {
        let reader = match self.reader.take() {
            Some(reader) => reader,
            None => Reader::open().map_err(|e| e.to_string())?,
        };
        let aids = pages
            .iter()
            .map(|page| {
                let text =
                    indexed_text(&String::from_utf8_lossy(page.html)).map_err(|e| format!("{}: {e}", page.path))?;
                Ok(aid_words(&text, &reader, synonyms))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if pages.len() < LARGE_INDEX {
            self.reader = Some(reader);
        } else {
            drop(reader);
        }
        let bundle = self.runtime.block_on(async {
            let config = PagefindServiceConfig::builder().force_language("ja".to_owned()).build();
            let mut index = PagefindIndex::new(Some(config)).map_err(|e| format!("{e:#}"))?;
            for (page, aids) in pages.iter().zip(&aids) {
                // Each aided page is made only when Pagefind takes it, so they are never all in memory.
                let html = with_aids(&String::from_utf8_lossy(page.html), aids, &page.filters)
                    .map_err(|e| format!("{}: {e}", page.path))?;
                // URLs are relative to the municipality's root ("/maternity/12w3d/"); the search
                // script tells Pagefind where that root is, so the archive can live under any path.
                index.add_html_file(Some(page.path.to_owned()), None, html).await.map_err(|e| format!("{e:#}"))?;
            }
            index.get_files().await.map_err(|e| format!("{e:#}"))
        })?;
        let mut output: Vec<BundleFile> = bundle
            .into_iter()
            .filter_map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                let name = name.trim_start_matches("./").trim_start_matches("pagefind/").to_owned();
                files.publishes(&name).then_some((name, file.contents))
            })
            .collect();
        output.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(output)
    }
}

/// What a bundle is built from: every page's path, bytes and filters, in order, the synonyms and
/// the file set.
fn source_hash(pages: &[Page<'_>], synonyms: &Synonyms, files: Files) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(synonyms.fingerprint().as_bytes());
    field(format!("{files:?}").as_bytes());
    for page in pages {
        field(page.path.as_bytes());
        field(page.html);
        for (key, value) in &page.filters {
            field(format!("{key}:{value}").as_bytes());
        }
    }
    field(env!("CARGO_PKG_VERSION").as_bytes());
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

/// Writes a bundle (its stamp last) as the cache entry `dir`: into a temporary folder beside it,
/// renamed into place, so that a reader never sees half of it; a folder of the same name stored
/// meanwhile by another build is left as it is. Then prunes the entries unused for a month.
fn keep_bundle(dir: &Path, bundle: &[BundleFile]) -> std::io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let temporary = tempfile::Builder::new().prefix(".national-").tempdir_in(parent)?;
    for (name, bytes) in bundle {
        let path = temporary.path().join(name);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, bytes)?;
    }
    if std::fs::rename(temporary.path(), dir).is_ok() {
        // Renamed away: nothing is left for the guard to remove.
        let _ = temporary.keep();
    }
    crate::cache::prune(parent, CACHED_PREFIX, dir, Some(STAMP_FILE));
    Ok(())
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
