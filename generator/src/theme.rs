//! The theme (`site-theme/`): Tera 2 templates compiled once per build, static assets, and the
//! texts of the transactional mails and LINE messages.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tera::Tera;
use walkdir::WalkDir;

use crate::catalogue::{self as msg, Text};
use crate::diagnostics::Diagnostics;

/// Templates every theme must provide.
pub const REQUIRED_TEMPLATES: [&str; 15] = [
    "index.html",
    "municipality.html",
    "track.html",
    "message.html",
    "local.html",
    "topics.html",
    "topic.html",
    "review.html",
    "feed.xml",
    "sitemap.xml",
    "mail/shell.html",
    "mail/shell.txt",
    "mail/section.html",
    "mail/section.txt",
    "mail/system.html",
];

/// The text of one transactional mail (`site-theme/system-mails.yaml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemMailText {
    /// Subject; may use the content placeholders.
    pub subject: String,
    /// Paragraphs; may use the content placeholders.
    pub paragraphs: Vec<String>,
    /// Button text for `%%manage_url%%` (the confirmation or manage link), if the mail has one.
    #[serde(default)]
    pub action: Option<String>,
}

/// A loaded theme.
#[derive(Debug)]
pub struct Theme {
    /// Compiled templates.
    pub tera: Tera,
    /// Files copied to `public/assets/`, as (relative path, bytes).
    pub assets: Vec<(String, Vec<u8>)>,
    /// Transactional mail texts by kind (`confirm`, …).
    pub system_mails: BTreeMap<String, SystemMailText>,
    /// Transactional LINE texts (`system-line.yaml`), checked once; empty when the theme has none.
    pub system_line: crate::render::line::SystemLineTexts,
    /// Where they were read from (for problems found per municipality).
    pub system_line_path: PathBuf,
}

impl Theme {
    /// Loads and compiles the theme; problems go to `diagnostics`.
    pub fn load(dir: &Path, diagnostics: &mut Diagnostics) -> Option<Theme> {
        let templates_dir = dir.join("templates");
        if !templates_dir.is_dir() {
            diagnostics.error(dir, None, Text::new(&msg::THEME_NO_TEMPLATES));
            return None;
        }
        let mut sources: Vec<(String, String)> = Vec::new();
        for entry in WalkDir::new(&templates_dir).sort_by_file_name().into_iter().filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let name =
                entry.path().strip_prefix(&templates_dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
            match fs::read_to_string(entry.path()) {
                Ok(text) => sources.push((name, text)),
                Err(error) => {
                    diagnostics.error(entry.path(), None, Text::new(&msg::THEME_UNREADABLE).arg("error", error))
                }
            }
        }
        let mut tera = Tera::new();
        if let Err(error) = tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
            diagnostics.error(&templates_dir, None, Text::new(&msg::TEMPLATE_ERROR).arg("error", error));
            return None;
        }
        for required in REQUIRED_TEMPLATES {
            if !tera.contains_template(required) {
                diagnostics.error(&templates_dir.join(required), None, Text::new(&msg::TEMPLATE_MISSING));
            }
        }
        let mut assets = Vec::new();
        let static_dir = dir.join("static");
        for entry in WalkDir::new(&static_dir).sort_by_file_name().into_iter().filter_map(Result::ok) {
            if entry.file_type().is_file() {
                let relative =
                    entry.path().strip_prefix(&static_dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
                match fs::read(entry.path()) {
                    Ok(bytes) => assets.push((relative, bytes)),
                    Err(error) => {
                        diagnostics.error(entry.path(), None, Text::new(&msg::THEME_UNREADABLE).arg("error", error));
                    }
                }
            }
        }
        let system_path: PathBuf = dir.join("system-mails.yaml");
        let system_mails = match fs::read_to_string(&system_path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_yaml::from_str::<BTreeMap<String, SystemMailText>>(&text).map_err(|e| e.to_string()))
        {
            Ok(mails) => mails,
            Err(error) => {
                diagnostics.error(&system_path, None, Text::new(&msg::SYSTEM_MAILS_UNREADABLE).arg("error", error));
                BTreeMap::new()
            }
        };
        for kind in kizuna_schedule::SystemMail::ALL {
            if !system_mails.contains_key(kind.as_str()) && system_path.exists() {
                diagnostics.error(&system_path, None, Text::new(&msg::SYSTEM_MAIL_MISSING).arg("kind", kind.as_str()));
            }
        }
        let system_line_path = dir.join("system-line.yaml");
        let system_line = load_system_line(&system_line_path, diagnostics);
        Some(Theme { tera, assets, system_mails, system_line, system_line_path })
    }
}

/// The LINE texts: a theme without the file has no LINE messages (a town with a `line:` block then
/// fails its build with a pointer here); a file that is there must be complete and valid.
fn load_system_line(path: &Path, diagnostics: &mut Diagnostics) -> crate::render::line::SystemLineTexts {
    let Ok(text) = fs::read_to_string(path) else { return BTreeMap::new() };
    match serde_yaml::from_str::<crate::render::line::SystemLineTexts>(&text) {
        Ok(texts) => {
            crate::render::line::check_texts(&texts, path, diagnostics);
            texts
        }
        Err(error) => {
            let line = error.location().map(|l| l.line());
            diagnostics.error(path, line, Text::new(&msg::LINE_TEXTS_UNREADABLE).arg("error", error));
            BTreeMap::new()
        }
    }
}
