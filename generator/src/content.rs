//! Loading `content/` into plain values (DESIGN.md §4).
//!
//! Each YAML file is parsed with serde_yaml into a typed file struct; syntax errors, missing and
//! unknown fields carry serde_yaml's position. Every file also gets a [`KeyLines`] index (top-level
//! key → line) so that problems found after parsing can point at the offending key. Loading never
//! stops at the first bad file: every problem goes into [`Diagnostics`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kizuna_schedule::{CalendarDate, Contact, EmailSettings, ReviewStatus, Rule, TrackId};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostics;
use crate::style::HouseStyle;
use crate::survey::SurveyFile;
use crate::synonyms::{Synonyms, SynonymsFile};

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

/// `content/site.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// The archive's title.
    pub title: String,
    /// One sentence about the archive.
    #[serde(default)]
    pub description: String,
    /// Shown on every page and mail: general information, see a professional.
    pub disclaimer: String,
    /// The shared topic vocabulary.
    pub topics: Vec<String>,
}

/// `content/tracks/<track>/track.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackFile {
    /// Display name.
    pub name: String,
    /// A few sentences for the landing page.
    pub description: String,
}

/// Review status as written: `{ status: draft }` or `{ status: reviewed, by: … }`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// draft | reviewed
    pub status: ReviewStatus,
    /// Who supervised (監修), for reviewed content.
    #[serde(default)]
    pub by: Option<String>,
}

/// A message: `content/tracks/<track>/<stem>.yaml` or an override.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageFile {
    /// When it is delivered.
    pub when: Rule,
    /// Title and mail subject.
    pub title: String,
    /// Topics from the site vocabulary.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Markdown body.
    pub body: String,
    /// Optional section for partners and family.
    #[serde(default)]
    pub to_partner: Option<String>,
    /// Review status.
    pub review: Review,
}

/// `content/municipalities/<id>/municipality.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityFile {
    /// 6-digit local-government code.
    pub code: String,
    /// Name, e.g. ゆめみ野市.
    pub name: String,
    /// Prefecture.
    pub prefecture: String,
    /// The service's name.
    pub service_name: String,
    /// Markdown for the landing page.
    #[serde(default)]
    pub description: Option<String>,
    /// Enabled tracks.
    pub tracks: Vec<TrackId>,
    /// Enabled add-ons.
    #[serde(default)]
    pub addons: Vec<TrackId>,
    /// `HH:MM` JST.
    pub delivery_time: String,
    /// Sender addresses.
    pub email: EmailSettings,
    /// Archive settings.
    pub site: SiteSettings,
    /// Subscription API settings.
    pub api: ApiSettings,
    /// Contact point.
    pub contact: Contact,
}

/// `site:` of a municipality.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    /// Where the archive is published, ending with `/`.
    pub base_url: String,
    /// `#rrggbb`, used with white text.
    pub theme_color: String,
}

/// `api:` of a municipality.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// The subscription API, ending with `/`.
    pub base_url: String,
}

/// `valid:` as written.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidityFile {
    /// First valid date.
    #[serde(default)]
    pub from: Option<CalendarDate>,
    /// Last valid date.
    #[serde(default)]
    pub until: Option<CalendarDate>,
}

/// `content/municipalities/<id>/local/<stem>.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFile {
    /// One of [`crate::validate::CATEGORIES`].
    pub category: String,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Optional validity (usually the fiscal year).
    #[serde(default)]
    pub valid: Option<ValidityFile>,
    /// `track/stem` of the message it is a section of.
    #[serde(default)]
    pub attach_to: Option<String>,
    /// Its own rule (or one identical to a base message's).
    #[serde(default)]
    pub when: Option<Rule>,
    /// For `date:` announcements: who receives it.
    #[serde(default)]
    pub tracks: Option<Vec<TrackId>>,
    /// Optional topics.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The department in charge (担当課), kept for the yearly workbook; not published.
    #[serde(default)]
    pub department: Option<String>,
    /// Staff's note (メモ), kept for the yearly workbook; not published.
    #[serde(default)]
    pub memo: Option<String>,
    /// Review status.
    pub review: Review,
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
    stem.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Loads `content/` except the municipalities, which are only listed: they are loaded one at a
/// time with [`Content::load_municipality`] so memory does not grow with their number.
/// Problems are added to `diagnostics`; `None` means nothing usable was loaded.
pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Option<Content> {
    if !root.is_dir() {
        diagnostics.error(
            root,
            None,
            "the content directory does not exist",
            "run kizuna from the project root, or pass --content DIR",
        );
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
        diagnostics.error(
            &root.join("site.yaml"),
            None,
            "site.yaml is missing",
            "create content/site.yaml with title, disclaimer and topics",
        );
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
                    format!("municipality folder `{id}` has no municipality.yaml"),
                    "add municipality.yaml (see DESIGN.md §4) or remove the folder",
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
                "this file is not in a place Kizuna reads",
                "each municipality is a folder: municipalities/<id>/municipality.yaml",
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
    diagnostics.error(
        path.strip_prefix(display_base).unwrap_or(path),
        None,
        "this is a symbolic link; Kizuna does not follow links in content",
        "replace the link with the real file or folder (copy it into content/)",
    );
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
                diagnostics.error(&path, None, format!("cannot read: {error}"), None);
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
            diagnostics.error(
                &shown,
                None,
                format!("duplicate id: {} has the same name", first.display()),
                "keep one of the two files (use the .yaml extension)",
            );
            continue;
        }
        files.push((path.to_path_buf(), shown));
    }
    files
}

/// What a file is, decided by where it lives.
enum ParsedFile {
    Site(Loaded<SiteFile>),
    Style(HouseStyle),
    Track(TrackId, Loaded<TrackFile>),
    Message(TrackId, String, Loaded<MessageFile>),
    Municipality(Box<Loaded<MunicipalityFile>>),
    Local(String, Loaded<LocalFile>),
    Override(String, Loaded<MessageFile>),
    Synonyms(Loaded<SynonymsFile>),
    Survey(String, Loaded<SurveyFile>),
}

fn parse_file(root: &Path, absolute: &Path, shown: &Path) -> Result<ParsedFile, Diagnostics> {
    let mut problems = Diagnostics::default();
    let relative = absolute.strip_prefix(root).unwrap_or(absolute);
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    let stem = absolute.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    // The size is judged before reading, so a huge file costs nothing.
    if let Some(problem) = fs::metadata(absolute).ok().and_then(|m| crate::limits::file_too_large(m.len())) {
        problems.error(shown, Some(1), problem, "split the text into several messages; bodies are short by design");
        return Err(problems);
    }
    let text = match fs::read_to_string(absolute) {
        Ok(text) => text,
        Err(error) => {
            problems.error(shown, None, format!("cannot read the file: {error}"), "files must be UTF-8 text");
            return Err(problems);
        }
    };
    let stem_ok = |problems: &mut Diagnostics| {
        let ok = is_valid_stem(&stem);
        if !ok {
            problems.error(
                shown,
                None,
                format!("`{stem}` is not a valid file name for an id"),
                "use lowercase ASCII letters, digits and '-' only, e.g. day-001.yaml",
            );
        }
        ok
    };
    let track_of = |name: &str, problems: &mut Diagnostics| match name.parse::<TrackId>() {
        Ok(track) => Some(track),
        Err(error) => {
            problems.error(shown, None, format!("{error}"), "tracks are fixed in kizuna-schedule; rename the folder");
            None
        }
    };
    let parsed: Result<Option<ParsedFile>, Diagnostics> = match parts.as_slice() {
        ["site.yaml" | "site.yml"] => parse(&text, shown).map(|file| Some(ParsedFile::Site(file))),
        ["search", "synonyms.yaml"] => parse(&text, shown).map(|file| Some(ParsedFile::Synonyms(file))),
        ["style.yaml" | "style.yml"] => crate::style::parse(&text, shown).map(|style| Some(ParsedFile::Style(style))),
        ["tracks", track, "track.yaml" | "track.yml"] => {
            let track = track_of(track, &mut problems);
            parse(&text, shown).map(|file| track.map(|t| ParsedFile::Track(t, file)))
        }
        ["tracks", track, _] => {
            let track = track_of(track, &mut problems);
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| track.filter(|_| valid).map(|t| ParsedFile::Message(t, stem.clone(), file)))
        }
        ["municipalities", _, "municipality.yaml" | "municipality.yml"] => {
            parse(&text, shown).map(|file| Some(ParsedFile::Municipality(Box::new(file))))
        }
        ["municipalities", _, "local", _] => {
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| valid.then(|| ParsedFile::Local(stem.clone(), file)))
        }
        ["surveys", _] | ["municipalities", _, "surveys", _] => {
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| valid.then(|| ParsedFile::Survey(stem.clone(), file)))
        }
        ["municipalities", _, "overrides", track, _] => {
            let track = track_of(track, &mut problems);
            let valid = stem_ok(&mut problems);
            parse(&text, shown)
                .map(|file| track.filter(|_| valid).map(|t| ParsedFile::Override(format!("{t}/{stem}"), file)))
        }
        _ => {
            problems.error(
                shown,
                None,
                "this file is not in a place Kizuna reads",
                "see DESIGN.md §4 for where site, track, message, municipality and local files go",
            );
            return Err(problems);
        }
    };
    match parsed {
        Ok(Some(file)) if problems.is_empty() => Ok(file),
        Ok(_) => Err(problems),
        Err(parse_problems) => {
            problems.extend(parse_problems);
            Err(problems)
        }
    }
}

fn parse<T: DeserializeOwned>(text: &str, shown: &Path) -> Result<Loaded<T>, Diagnostics> {
    match serde_yaml::from_str::<T>(text) {
        Ok(value) => Ok(Loaded { path: shown.to_path_buf(), lines: KeyLines::index(text), value }),
        Err(error) => {
            let mut problems = Diagnostics::default();
            let line = error.location().map(|l| l.line());
            let message = error.to_string();
            // serde_yaml appends " at line L column C"; the line is already in the position.
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            problems.error(shown, line, message, yaml_hint(&error.to_string()));
            Err(problems)
        }
    }
}

fn yaml_hint(message: &str) -> Option<String> {
    let hint = if message.contains("unknown field") {
        "remove or rename the key; the allowed keys are listed in the message"
    } else if message.contains("missing field") {
        "add the missing key (see DESIGN.md §4)"
    } else if message.contains("unknown variant") {
        "use one of the listed values"
    } else if message.contains("out of range") || message.contains("is not") {
        "correct the value"
    } else {
        "check the YAML syntax near this line (indentation, colons, quotes)"
    };
    Some(hint.to_owned())
}
