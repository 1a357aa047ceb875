//! Loading `content/` into plain values (DESIGN.md §4).
//!
//! Each YAML file is parsed with serde_yaml into a typed file struct; syntax errors, missing and
//! unknown fields carry serde_yaml's position. Every file also gets a [`KeyLines`] index (top-level
//! key → line) so that problems found after parsing can point at the offending key. Loading never
//! stops at the first bad file: every problem goes into [`Diagnostics`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

mod files;
mod parse;

use kizuna_schedule::TrackId;
use rayon::prelude::*;
use walkdir::WalkDir;

pub use files::*;
use parse::{parse_file, ParsedFile};

use crate::catalogue::{self as msg, Text};
use crate::diagnostics::Diagnostics;
use crate::style::HouseStyle;
use crate::survey::SurveyFile;
use crate::synonyms::Synonyms;

/// The line of each top-level key of a flat YAML map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyLines(BTreeMap<String, usize>);

impl KeyLines {
    /// Indexes `text`: a line that starts with a key at column 0 starts that key.
    pub fn index(text: &str) -> Self {
        let mut lines = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let starts_key = line.chars().next().is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-');
            if let (true, Some((key, _))) = (starts_key, line.split_once(':')) {
                lines.entry(key.trim().trim_matches(['"', '\'']).to_owned()).or_insert(number + 1);
            }
        }
        KeyLines(lines)
    }

    /// The line of `key`, or `None` when it is absent.
    pub fn line(&self, key: &str) -> Option<usize> {
        self.0.get(key).copied()
    }

    /// The line of `key`, else line 1 (the file as a whole).
    pub fn line_or_top(&self, key: &str) -> Option<usize> {
        self.line(key).or(Some(1))
    }
}

/// A parsed file: its path (relative to the content root), its key lines and its value.
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    /// Path relative to the content directory's parent, e.g. `content/tracks/baby/day-001.yaml`.
    pub path: PathBuf,
    /// Top-level key → line.
    pub lines: KeyLines,
    /// The parsed value.
    pub value: T,
}

/// A track's folder: its description and its messages by stem.
#[derive(Clone, Debug)]
pub struct TrackContent {
    /// The track.
    pub id: TrackId,
    /// `track.yaml`, when present.
    pub meta: Option<Loaded<TrackFile>>,
    /// Messages by stem.
    pub messages: BTreeMap<String, Loaded<MessageFile>>,
}

/// A municipality folder.
#[derive(Clone, Debug)]
pub struct MunicipalityContent {
    /// Directory name, e.g. `yumemino`.
    pub id: String,
    /// `municipality.yaml`.
    pub file: Loaded<MunicipalityFile>,
    /// Local information by stem.
    pub local: BTreeMap<String, Loaded<LocalFile>>,
    /// Overrides by message id (`maternity/10w0d`).
    pub overrides: BTreeMap<String, Loaded<MessageFile>>,
    /// Its surveys (own ones, or extra questions of a national one) by id.
    pub surveys: BTreeMap<String, Loaded<SurveyFile>>,
}

/// Everything under `content/`.
#[derive(Clone, Debug)]
pub struct Content {
    /// The content directory.
    pub root: PathBuf,
    /// `site.yaml`.
    pub site: Loaded<SiteFile>,
    /// Tracks that have a folder.
    pub tracks: BTreeMap<TrackId, TrackContent>,
    /// Municipality ids (folder names), sorted; load each with [`Content::load_municipality`].
    pub municipality_ids: Vec<String>,
    /// `search/synonyms.yaml`, validated (empty when there is none).
    pub synonyms: Synonyms,
    /// The house style (`style.yaml`), when there is one.
    pub style: Option<HouseStyle>,
    /// National reader surveys (`surveys/<id>.yaml`) by id.
    pub surveys: BTreeMap<String, Loaded<SurveyFile>>,
}

impl Content {
    /// The track message with this id (`baby/day-001`), if any.
    pub fn message(&self, id: &str) -> Option<(&TrackContent, &Loaded<MessageFile>)> {
        let (track, stem) = id.split_once('/')?;
        let track = self.tracks.get(&track.parse::<TrackId>().ok()?)?;
        Some((track, track.messages.get(stem)?))
    }
}

/// Whether a file stem is a valid id part: lowercase ASCII letters, digits and `-`.
pub fn is_valid_stem(stem: &str) -> bool {
    // The municipality-id rule of the contract, for every id part alike.
    kizuna_schedule::MunicipalityId::is_valid(stem)
}

/// Loads `content/` except the municipalities, which are only listed: they are loaded one at a
/// time with [`Content::load_municipality`] so memory does not grow with their number.
/// Problems are added to `diagnostics`; `None` means nothing usable was loaded.
pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Option<Content> {
    if !root.is_dir() {
        diagnostics.error(root, None, Text::new(&msg::CONTENT_DIR_MISSING));
        return None;
    }
    let display_base = display_base(root);
    let municipalities_dir = root.join("municipalities");
    let files = yaml_files(root, &display_base, Some(&municipalities_dir), diagnostics);

    // Parse every file in parallel; each result carries its own diagnostics.
    let parsed: Vec<Result<ParsedFile, Diagnostics>> =
        files.par_iter().map(|(absolute, shown)| parse_file(root, absolute, shown)).collect();

    let mut site = None;
    let mut style = None;
    let mut tracks: BTreeMap<TrackId, TrackContent> = BTreeMap::new();
    let mut synonyms = Synonyms::default();
    let mut surveys = BTreeMap::new();
    for result in parsed {
        match result {
            Err(problems) => diagnostics.extend(problems),
            Ok(ParsedFile::Site(file)) => site = Some(file),
            Ok(ParsedFile::Style(file)) => style = Some(file),
            Ok(ParsedFile::Track(track, file)) => {
                track_entry(&mut tracks, track).meta = Some(file);
            }
            Ok(ParsedFile::Message(track, stem, file)) => {
                track_entry(&mut tracks, track).messages.insert(stem, file);
            }
            Ok(ParsedFile::Synonyms(file)) => synonyms = Synonyms::from_file(&file, diagnostics),
            Ok(ParsedFile::Survey(stem, file)) => {
                surveys.insert(stem, file);
            }
            Ok(_) => unreachable!("municipality files are not walked here"),
        }
    }
    let municipality_ids = list_municipalities(&municipalities_dir, &display_base, diagnostics);
    let Some(site) = site else {
        diagnostics.error(&root.join("site.yaml"), None, Text::new(&msg::SITE_MISSING));
        return None;
    };
    Some(Content { root: root.to_path_buf(), site, tracks, municipality_ids, synonyms, style, surveys })
}

impl Content {
    /// Loads one municipality folder (`municipalities/<id>/`); problems go to `diagnostics`.
    pub fn load_municipality(&self, id: &str, diagnostics: &mut Diagnostics) -> Option<MunicipalityContent> {
        let display_base = display_base(&self.root);
        let dir = self.root.join("municipalities").join(id);
        // signoff.yaml is the record of 原稿確認 (crate::staff::signoff), not content.
        let signoff = dir.join(crate::staff::signoff::SIGNOFF_FILE);
        let files = yaml_files(&dir, &display_base, Some(&signoff), diagnostics);
        let parsed: Vec<Result<ParsedFile, Diagnostics>> =
            files.par_iter().map(|(absolute, shown)| parse_file(&self.root, absolute, shown)).collect();
        let mut file = None;
        let mut local = BTreeMap::new();
        let mut overrides = BTreeMap::new();
        let mut surveys = BTreeMap::new();
        let mut failed = false;
        for result in parsed {
            match result {
                Err(problems) => {
                    failed = true;
                    diagnostics.extend(problems);
                }
                Ok(ParsedFile::Municipality(loaded)) => file = Some(*loaded),
                Ok(ParsedFile::Local(stem, loaded)) => {
                    local.insert(stem, loaded);
                }
                Ok(ParsedFile::Override(message_id, loaded)) => {
                    overrides.insert(message_id, loaded);
                }
                Ok(ParsedFile::Survey(stem, loaded)) => {
                    surveys.insert(stem, loaded);
                }
                Ok(_) => unreachable!("only municipality files are walked here"),
            }
        }
        let Some(file) = file else {
            if !failed {
                diagnostics.error(
                    &display_base.join("content/municipalities").join(id),
                    None,
                    Text::new(&msg::MUNICIPALITY_FILE_MISSING).arg("id", id),
                );
            }
            return None;
        };
        Some(MunicipalityContent { id: id.to_owned(), file, local, overrides, surveys })
    }
}

/// Paths in messages are shown relative to the content directory's parent (`content/...`).
fn display_base(root: &Path) -> PathBuf {
    root.parent().unwrap_or(root).to_path_buf()
}

/// The municipality folders, sorted; stray files there are reported.
fn list_municipalities(dir: &Path, display_base: &Path, diagnostics: &mut Diagnostics) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut ids = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry.file_type();
        if file_type.as_ref().is_ok_and(fs::FileType::is_symlink) {
            symlink_refused(&path, display_base, diagnostics);
        } else if file_type.is_ok_and(|t| t.is_dir()) {
            ids.push(name);
        } else if !name.starts_with('.') {
            diagnostics.error(
                path.strip_prefix(display_base).unwrap_or(&path),
                None,
                Text::new(&msg::STRAY_MUNICIPALITY_FILE),
            );
        }
    }
    ids.sort();
    ids
}

/// The symlink rule (DESIGN.md §9): content is read only from real files and folders inside the
/// content directory. A link is refused, never followed and never skipped silently — a followed
/// link could publish files from outside, a skipped one would drop a message without a word.
fn symlink_refused(path: &Path, display_base: &Path, diagnostics: &mut Diagnostics) {
    diagnostics.error(path.strip_prefix(display_base).unwrap_or(path), None, Text::new(&msg::SYMLINK_REFUSED));
}

fn track_entry(tracks: &mut BTreeMap<TrackId, TrackContent>, id: TrackId) -> &mut TrackContent {
    tracks.entry(id).or_insert_with(|| TrackContent { id, meta: None, messages: BTreeMap::new() })
}

/// Every YAML file under `root` (skipping the `skip` folder), sorted, as (absolute path, shown path).
fn yaml_files(
    root: &Path,
    display_base: &Path,
    skip: Option<&Path>,
    diagnostics: &mut Diagnostics,
) -> Vec<(PathBuf, PathBuf)> {
    let mut files = Vec::new();
    let mut stems_seen: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for entry in WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| Some(e.path()) != skip) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().unwrap_or(root).to_path_buf();
                diagnostics.error(&path, None, Text::new(&msg::CANNOT_READ).arg("error", error));
                continue;
            }
        };
        let path = entry.path();
        if entry.path_is_symlink() {
            symlink_refused(path, display_base, diagnostics);
            continue;
        }
        let extension = path.extension().and_then(|e| e.to_str());
        if !entry.file_type().is_file() || !matches!(extension, Some("yaml" | "yml")) {
            continue;
        }
        let shown = path.strip_prefix(display_base).unwrap_or(path).to_path_buf();
        let without_extension = path.with_extension("");
        if let Some(first) = stems_seen.insert(without_extension, shown.clone()) {
            diagnostics.error(&shown, None, Text::new(&msg::DUPLICATE_ID).arg("first", first.display()));
            continue;
        }
        files.push((path.to_path_buf(), shown));
    }
    files
}
