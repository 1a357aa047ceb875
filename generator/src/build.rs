//! The build pipeline: load → validate → resolve → render → write, one municipality at a time.
//!
//! Validation runs over all content before anything is rendered or written. Municipalities are
//! then processed as a stream (peak memory does not grow with their number) and rendered in
//! parallel within each; the sink stages files and makes them visible only when all succeeded.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use kizuna_schedule::BuildInfo;
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::catalogue::{self as msg, Text};
use crate::content::{self, Content};
use crate::diagnostics::Diagnostics;
use crate::output::Sink;
use crate::render::{self, BuildContext, RootEntry};
use crate::resolve;
use crate::search;
use crate::theme::Theme;
use crate::validate::{self, ValidationOptions};

/// Where content and theme come from, and how to build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The content directory.
    pub content_dir: PathBuf,
    /// The theme directory.
    pub theme_dir: PathBuf,
    /// Build only these municipalities (all when empty).
    pub municipalities: Vec<String>,
    /// Replace every municipality's base URL with `<base_url>/<id>/`.
    pub base_url: Option<String>,
    /// Refuse drafts and mark the build as production.
    pub production: bool,
    /// The date validity is judged on (JST today by default).
    pub build_date: NaiveDate,
    /// Show a progress bar.
    pub progress: bool,
    /// Build the Pagefind full-text index (off only for benchmarks of rendering).
    pub search: bool,
}

/// Loaded, validated content and theme.
#[derive(Debug)]
pub struct Prepared {
    /// The content (municipalities are listed, and loaded one at a time when rendered).
    pub content: Content,
    /// The theme.
    pub theme: Theme,
    /// Every municipality, as the root index lists it.
    pub municipalities: Vec<RootEntry>,
    /// Warnings found (errors make [`prepare`] fail).
    pub warnings: Diagnostics,
}

/// Loads and validates everything — municipalities one at a time, so memory does not grow with
/// their number; on any error returns every problem found.
pub fn prepare(options: &BuildOptions) -> Result<Prepared, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let content = content::load(&options.content_dir, &mut diagnostics);
    let theme = Theme::load(&options.theme_dir, &mut diagnostics);
    let mut municipalities = Vec::new();
    if let Some(content) = &content {
        let validation = ValidationOptions { production: options.production, today: Some(options.build_date) };
        validate::validate(content, validation, &mut diagnostics);
        let mut codes = HashMap::new();
        for id in &content.municipality_ids {
            let Some(municipality) = content.load_municipality(id, &mut diagnostics) else { continue };
            validate::validate_municipality(content, &municipality, validation, &mut codes, &mut diagnostics);
            if let Some(theme) = &theme {
                render::line::check_municipality(content, &municipality, theme, options.build_date, &mut diagnostics);
            }
            let built = options.municipalities.is_empty() || options.municipalities.contains(id);
            if options.production && built && !diagnostics.has_errors() {
                // 原稿確認: every manuscript this town sends must be signed off as it is now.
                crate::staff::signoff::require(content, &municipality, options.build_date, &mut diagnostics);
            }
            let file = &municipality.file.value;
            municipalities.push(RootEntry {
                id: id.clone(),
                name: file.name.clone(),
                prefecture: file.prefecture.clone(),
                service_name: file.service_name.clone(),
            });
        }
        for id in &options.municipalities {
            if !content.municipality_ids.contains(id) {
                let text = Text::new(&msg::NO_SUCH_MUNICIPALITY)
                    .arg("id", id)
                    .arg("known", content.municipality_ids.join(", "))
                    .suggest(msg::nearest(id, content.municipality_ids.iter().map(String::as_str)));
                diagnostics.error(&options.content_dir.join("municipalities"), None, text);
            }
        }
    }
    match (content, theme) {
        (Some(content), Some(theme)) if !diagnostics.has_errors() => {
            Ok(Prepared { content, theme, municipalities, warnings: diagnostics })
        }
        _ => Err(diagnostics),
    }
}

/// What a build produced.
#[derive(Clone, Debug)]
pub struct BuildReport {
    /// The build id written into every schedule.
    pub build_id: String,
    /// Municipalities built.
    pub municipalities: usize,
    /// Files produced.
    pub files: usize,
    /// HTML pages produced.
    pub pages: usize,
    /// Municipalities kept as the previous build from the same inputs wrote them (not rendered).
    pub kept: usize,
}

/// A failure after validation (a template error or an I/O error).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A template failed to render.
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// The search index could not be built.
    #[error(transparent)]
    Search(#[from] search::SearchError),
    /// Writing failed.
    #[error("writing the output failed: {0}")]
    Io(#[from] std::io::Error),
    /// A municipality's files changed between validation and rendering.
    #[error("municipality {id} changed during the build; run it again:\n{problems}")]
    ContentChanged {
        /// The municipality.
        id: String,
        /// What is wrong with it now.
        problems: String,
    },
}

/// Renders every selected municipality of prepared content into `sink`.
pub fn build(
    prepared: &Prepared,
    options: &BuildOptions,
    out_dir: Option<&Path>,
    sink: &mut dyn Sink,
) -> Result<BuildReport, BuildError> {
    let content = &prepared.content;
    let layout = search::Layout::for_build(options.search);
    let fingerprint = input_fingerprint(options)?;
    // The build id names the first bytes of the fingerprint; what decides to keep a municipality
    // unrendered names all of it.
    let short = &fingerprint[..6];
    let build_id = out_dir
        .and_then(|dir| previous_build_id(dir, content, short))
        .unwrap_or_else(|| format!("{}-{short}", Utc::now().format("%Y%m%dT%H%M%SZ")));
    let inputs = inputs_key(&build_id, &fingerprint, layout);
    let build = BuildInfo { id: build_id.clone(), production: options.production };
    let context = BuildContext { content, theme: &prepared.theme, build_date: options.build_date, build: &build };

    let selected: Vec<&String> = content
        .municipality_ids
        .iter()
        .filter(|id| options.municipalities.is_empty() || options.municipalities.contains(id))
        .collect();
    let progress = if options.progress { ProgressBar::new(selected.len() as u64) } else { ProgressBar::hidden() };
    progress.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} 自治体 [{bar:30}] {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut report = BuildReport { build_id, municipalities: 0, files: 0, pages: 0, kept: 0 };
    let to_render = match &inputs {
        Some(inputs) => keep_unchanged(sink, &selected, inputs, &mut report, &progress)?,
        None => selected,
    };
    let root_files = render::render_root(context, &prepared.municipalities)?;
    report.files += root_files.len();
    report.pages += root_files.iter().filter(|f| f.path.ends_with(".html")).count();
    sink.accept("", root_files)?;
    if to_render.is_empty() {
        progress.finish_and_clear();
        return Ok(report);
    }
    // The national search bundle is made (or reused) here, before any municipality's pages are in
    // memory; the readings dictionary is compiled only when pages are indexed, so a rebuild that
    // reuses every bundle does not pay for it.
    let mut indexer = search::Indexer::new(context, layout, out_dir, to_render.first().map(|id| id.as_str()))?;
    // Pipelined: while a municipality is indexed and written here, the next one is rendered on
    // another thread (indexing is mostly single-threaded; rendering and writing use rayon), so a
    // build with search keeps both cores busy. Two municipalities are in memory at a time.
    std::thread::scope(|scope| -> Result<(), BuildError> {
        let mut next = to_render.first().map(|id| render_municipality(context, options, id));
        for (position, id) in to_render.iter().enumerate() {
            let Some(rendered) = next.take() else { break };
            let (edition, mut files) = rendered?;
            let ahead =
                to_render.get(position + 1).map(|id| scope.spawn(move || render_municipality(context, options, id)));
            progress.set_message(id.to_string());
            files.extend(indexer.index_edition(&edition, &files)?);
            let shared = indexer.national_files(&edition.id);
            report.files += files.len() + shared.len();
            report.pages += files.iter().filter(|f| f.path.ends_with(".html")).count();
            report.municipalities += 1;
            sink.accept_with_shared(id, files, &shared)?;
            progress.inc(1);
            // A panic while rendering is a bug: it goes on as a panic here.
            next = ahead.map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(report)
}

/// Keeps every municipality the previous build made from the same `inputs` whose files are still
/// as it wrote them ([`Sink::reuse`]), counting them in `report`: a no-op rebuild renders nothing
/// but the root. Returns the municipalities left to render.
fn keep_unchanged<'s>(
    sink: &mut dyn Sink,
    selected: &[&'s String],
    inputs: &str,
    report: &mut BuildReport,
    progress: &ProgressBar,
) -> std::io::Result<Vec<&'s String>> {
    let mut to_render = Vec::with_capacity(selected.len());
    for &id in selected {
        match sink.reuse(id, inputs)? {
            Some(kept) => {
                report.files += kept.len();
                report.pages += kept.iter().filter(|path| path.ends_with(".html")).count();
                report.municipalities += 1;
                report.kept += 1;
                progress.inc(1);
            }
            None => to_render.push(id),
        }
    }
    Ok(to_render)
}

/// Loads, resolves and renders one municipality: its edition and its files, search files aside.
fn render_municipality(
    context: BuildContext<'_>,
    options: &BuildOptions,
    id: &str,
) -> Result<(resolve::Edition, Vec<render::OutputFile>), BuildError> {
    // Loaded again (it was validated and dropped in `prepare`): one municipality in memory at a time.
    let content = context.content;
    let mut problems = Diagnostics::default();
    let Some(municipality) = content.load_municipality(id, &mut problems) else {
        return Err(BuildError::ContentChanged { id: id.to_owned(), problems: problems.to_string() });
    };
    let edition = resolve::resolve(content, &municipality, options.build_date, options.base_url.as_deref());
    let signoff_file = crate::staff::signoff::signoff_path(&content.root.join("municipalities").join(id));
    // A signoff.yaml that cannot be read was reported by `prepare` for production builds;
    // elsewhere the review then shows every manuscript as changed.
    let signed: std::collections::BTreeMap<String, String> = crate::staff::signoff::read(&signoff_file)
        .unwrap_or_default()
        .into_iter()
        .map(|(id, s)| (id, s.hash))
        .collect();
    let mut files = render::render_edition_signed(context, &edition, &signed)?;
    files.extend(crate::pages::render_subscribe_pages(context, &edition)?);
    Ok((edition, files))
}

/// A hash (hex) of everything the output depends on besides the clock and the program.
///
/// A file or folder that cannot be read is an error: left out, it would let a rebuild reuse the
/// previous build id although the inputs differ.
fn input_fingerprint(options: &BuildOptions) -> Result<String, BuildError> {
    let mut hasher = Sha256::new();
    for dir in [&options.content_dir, &options.theme_dir] {
        for entry in WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|error| {
                let path = error.path().unwrap_or(dir).display().to_string();
                BuildError::Io(std::io::Error::other(format!("cannot read {path}: {error}")))
            })?;
            if entry.file_type().is_file() {
                let bytes = fs::read(entry.path()).map_err(|error| {
                    BuildError::Io(std::io::Error::new(
                        error.kind(),
                        format!("cannot read {}: {error}", entry.path().display()),
                    ))
                })?;
                hasher.update(entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().as_bytes());
                hasher.update(bytes);
            }
        }
    }
    hasher.update(format!(
        "{}|{:?}|{:?}|{}",
        options.production, options.base_url, options.municipalities, options.build_date
    ));
    hasher.update(env!("CARGO_PKG_VERSION"));
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The key of everything a municipality's output depends on: the build id (written into its
/// schedule), the hash of content, theme and options ([`input_fingerprint`]), the search layout, and
/// this program — its size and modification time, so that a generator built anew (changed
/// templates or code, same version) renders again. `None` when the program cannot be told apart:
/// then everything renders.
fn inputs_key(build_id: &str, fingerprint: &str, layout: search::Layout) -> Option<String> {
    let program = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = program.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{build_id} {fingerprint} {layout:?} {}-{}", program.len(), modified.as_nanos()))
}

/// The id of the previous build in `out_dir` when it was built from the same inputs, so that a
/// rebuild of unchanged content rewrites nothing.
fn previous_build_id(out_dir: &Path, content: &Content, fingerprint: &str) -> Option<String> {
    let first = content.municipality_ids.first()?;
    let text = fs::read_to_string(out_dir.join(first).join("schedule.json")).ok()?;
    let document: kizuna_schedule::ScheduleDocument = serde_json::from_str(&text).ok()?;
    document.build.id.ends_with(&format!("-{fingerprint}")).then_some(document.build.id)
}
