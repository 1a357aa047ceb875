//! Shared helpers of the generator's fixture tests: the valid fixture copied into a temp dir.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use kizuna_generator::build::{self, BuildOptions, Prepared};
use kizuna_generator::catalogue::Lang;
use kizuna_generator::diagnostics::Diagnostics;
use kizuna_generator::output::{DirectorySink, WriteSummary};

pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid")
}

pub fn theme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme")
}

pub fn options(content: &Path) -> BuildOptions {
    BuildOptions {
        content_dir: content.to_path_buf(),
        theme_dir: theme(),
        municipalities: Vec::new(),
        base_url: None,
        production: false,
        build_date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        progress: false,
        search: false,
    }
}

/// [`options`] with the search indexes built too.
pub fn options_with_search(content: &Path) -> BuildOptions {
    BuildOptions { search: true, ..options(content) }
}

/// Copies the tree `from` into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A copy of the valid fixture in a new temp dir.
pub fn fixture_copy() -> tempfile::TempDir {
    let content = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(), content.path());
    content
}

/// Writes `text` to `file` under `root`, creating folders.
pub fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, text).expect("write");
}

pub fn prepare(content: &Path) -> Prepared {
    build::prepare(&options(content)).unwrap_or_else(|d| panic!("content is invalid:\n{d}"))
}

/// Builds `content` into `out`, returning the summary line's numbers.
pub fn build_into(content: &Path, out: &Path) -> WriteSummary {
    build_with(&options(content), out)
}

/// Builds with `options` into `out`, returning the summary line's numbers.
pub fn build_with(options: &BuildOptions, out: &Path) -> WriteSummary {
    let prepared = build::prepare(options).unwrap_or_else(|d| panic!("content is invalid:\n{d}"));
    let mut sink = DirectorySink::new(out, true);
    build::build(&prepared, options, Some(out), &mut sink).expect("build");
    sink.commit().expect("commit")
}

/// Asserts a problem at `file_suffix`:`line` whose English text (as `--lang en` shows it)
/// contains `needle`. The Japanese texts are asserted by tests of their own (tests/integration/check_ja.rs).
pub fn assert_reported(problems: &Diagnostics, file_suffix: &str, line: Option<usize>, needle: &str) {
    let found = problems.sorted().into_iter().any(|d| {
        d.file.to_string_lossy().ends_with(file_suffix) && d.line == line && d.render(Lang::En).contains(needle)
    });
    assert!(found, "expected {file_suffix}:{line:?} «{needle}» in:\n{}", problems.render(Lang::En));
}
