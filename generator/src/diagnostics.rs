//! Problems found in content, each with its file, line, what is wrong and what to do.
//!
//! Validation collects every problem of a run into [`Diagnostics`] instead of stopping at the
//! first, so an editor fixes everything in one pass. Errors stop the build before anything is
//! written; warnings are reported and the build goes on.

use std::fmt;
use std::path::{Path, PathBuf};

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
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in a run.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records an error.
    pub fn error(&mut self, file: &Path, line: Option<usize>, message: impl Into<String>, hint: impl Into<Hint>) {
        self.push(Severity::Error, file, line, message.into(), hint.into().0);
    }

    /// Records a warning.
    pub fn warning(&mut self, file: &Path, line: Option<usize>, message: impl Into<String>, hint: impl Into<Hint>) {
        self.push(Severity::Warning, file, line, message.into(), hint.into().0);
    }

    fn push(&mut self, severity: Severity, file: &Path, line: Option<usize>, message: String, hint: Option<String>) {
        self.items.push(Diagnostic { severity, file: file.to_path_buf(), line, message, hint });
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
        items.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
        items
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// An optional hint; lets callers pass `"text"`, a `String` or `None`.
#[derive(Debug)]
pub struct Hint(Option<String>);

impl From<&str> for Hint {
    fn from(value: &str) -> Self {
        Hint(Some(value.to_owned()))
    }
}

impl From<String> for Hint {
    fn from(value: String) -> Self {
        Hint(Some(value))
    }
}

impl From<Option<String>> for Hint {
    fn from(value: Option<String>) -> Self {
        Hint(value)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in self.sorted() {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}
