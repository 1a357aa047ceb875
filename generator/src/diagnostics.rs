//! Problems found in content, each with its file, line, what is wrong and what to do.
//!
//! Validation collects every problem of a run into [`Diagnostics`] instead of stopping at the
//! first, so an editor fixes everything in one pass. Errors stop the build before anything is
//! written; warnings are reported and the build goes on. What a problem says comes from the
//! [`crate::catalogue`] and is put into words only when shown, in Japanese unless asked otherwise.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::catalogue::{Lang, Text};

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Reported; the build goes on.
    Warning,
    /// The build stops and writes nothing.
    Error,
}

/// One problem, pointing at a file and (when known) a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the content directory when possible.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do, from the catalogue.
    pub text: Text,
}

impl Diagnostic {
    /// What is wrong, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        self.text.message(lang)
    }

    /// What to do, in `lang`.
    pub fn hint(&self, lang: Lang) -> Option<String> {
        self.text.hint(lang)
    }

    /// The whole report in `lang`: `エラー: file:line: message` and the hint on its own line.
    pub fn render(&self, lang: Lang) -> String {
        let (level, hint_label) = match (self.severity, lang) {
            (Severity::Error, Lang::Ja) => ("エラー", "対処"),
            (Severity::Warning, Lang::Ja) => ("警告", "対処"),
            (Severity::Error, Lang::En) => ("error", "hint"),
            (Severity::Warning, Lang::En) => ("warning", "hint"),
        };
        let mut text = format!("{level}: {}", self.file.display());
        if let Some(line) = self.line {
            text.push_str(&format!(":{line}"));
        }
        text.push_str(&format!(": {}", self.message(lang)));
        if let Some(hint) = self.hint(lang) {
            text.push_str(&format!("\n  {hint_label}: {hint}"));
        }
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::Ja))
    }
}

/// Every problem found in a run.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records an error.
    pub fn error(&mut self, file: &Path, line: Option<usize>, text: Text) {
        self.push(Severity::Error, file, line, text);
    }

    /// Records a warning.
    pub fn warning(&mut self, file: &Path, line: Option<usize>, text: Text) {
        self.push(Severity::Warning, file, line, text);
    }

    fn push(&mut self, severity: Severity, file: &Path, line: Option<usize>, text: Text) {
        self.items.push(Diagnostic { severity, file: file.to_path_buf(), line, text });
    }

    /// Adds every problem of another run.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// Every problem, sorted by file and line.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_cached_key(|d| (d.file.clone(), d.line, d.message(Lang::En)));
        items
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every problem in `lang`, one after the other, each ending with a line break.
    pub fn render(&self, lang: Lang) -> String {
        self.sorted().into_iter().map(|d| format!("{}\n", d.render(lang))).collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::Ja))
    }
}
