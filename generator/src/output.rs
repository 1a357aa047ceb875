//! Writing a build: only files whose bytes changed are rewritten, each through a temporary name and
//! a rename, and files the previous build produced but this one does not are removed (DESIGN.md §5).
//!
//! Writing is staged so that a failure never leaves a half-written archive: every changed file is
//! first written next to its target as `<name>.kizuna-tmp`; only when the whole build has been
//! rendered are the temporary files renamed into place and stale files removed. A manifest
//! (`.kizuna-manifest`) lists what the build produced.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::OutputFile;

const MANIFEST: &str = ".kizuna-manifest";
const TEMP_SUFFIX: &str = ".kizuna-tmp";

/// Where rendered files go.
pub trait Sink {
    /// Accepts a batch of files (one municipality, or the root).
    fn accept(&mut self, files: Vec<OutputFile>) -> io::Result<()>;
}

/// Counts files and bytes and drops them (for benchmarks of rendering alone).
#[derive(Debug, Default)]
pub struct NullSink {
    /// Files accepted.
    pub files: usize,
    /// Bytes accepted.
    pub bytes: u64,
}

impl Sink for NullSink {
    fn accept(&mut self, files: Vec<OutputFile>) -> io::Result<()> {
        self.files += files.len();
        self.bytes += files.iter().map(|f| f.bytes.len() as u64).sum::<u64>();
        Ok(())
    }
}

/// What a directory write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files produced by the build.
    pub produced: usize,
    /// Files written because they were new or changed.
    pub written: usize,
    /// Files left alone because their bytes were the same.
    pub unchanged: usize,
    /// Files of the previous build removed.
    pub removed: usize,
}

/// Stages files into an output directory; [`DirectorySink::commit`] makes them visible.
#[derive(Debug)]
pub struct DirectorySink {
    root: PathBuf,
    produced: BTreeSet<String>,
    staged: Vec<PathBuf>,
    summary: WriteSummary,
    /// Only paths under these prefixes are considered for removal (all when empty).
    owned_prefixes: Vec<String>,
}

impl DirectorySink {
    /// A sink writing under `root`; with `owned_prefixes`, stale-file removal is limited to them
    /// (a build of some municipalities leaves the others alone).
    pub fn new(root: &Path, owned_prefixes: Vec<String>) -> Self {
        DirectorySink {
            root: root.to_path_buf(),
            produced: BTreeSet::new(),
            staged: Vec::new(),
            summary: WriteSummary::default(),
            owned_prefixes,
        }
    }

    fn previous_manifest(&self) -> BTreeSet<String> {
        fs::read_to_string(self.root.join(MANIFEST))
            .map(|text| text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn owns(&self, path: &str) -> bool {
        self.owned_prefixes.is_empty() || self.owned_prefixes.iter().any(|p| path.starts_with(p.as_str()))
    }

    /// Renames every staged file into place, removes stale files and writes the manifest.
    pub fn commit(mut self) -> io::Result<WriteSummary> {
        for temp in &self.staged {
            let target = PathBuf::from(temp.to_string_lossy().trim_end_matches(TEMP_SUFFIX));
            fs::rename(temp, &target)?;
        }
        self.staged.clear();
        let previous = self.previous_manifest();
        let stale: Vec<&String> = previous.iter().filter(|p| !self.produced.contains(*p) && self.owns(p)).collect();
        for stale in stale {
            match fs::remove_file(self.root.join(stale)) {
                Ok(()) => {
                    self.summary.removed += 1;
                    remove_empty_parents(&self.root, &self.root.join(stale));
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
        let mut manifest: BTreeSet<String> = previous.into_iter().filter(|p| !self.owns(p)).collect();
        manifest.extend(self.produced.iter().cloned());
        let text: String = manifest.iter().map(|p| format!("{p}\n")).collect();
        write_if_changed(&self.root.join(MANIFEST), text.as_bytes())?;
        self.summary.produced = self.produced.len();
        Ok(self.summary)
    }

    /// Removes every staged temporary file (after a failure); the previous build stays as it was.
    pub fn abort(self) {
        for temp in &self.staged {
            let _ = fs::remove_file(temp);
        }
    }
}

impl Sink for DirectorySink {
    fn accept(&mut self, files: Vec<OutputFile>) -> io::Result<()> {
        for file in files {
            let target = self.root.join(&file.path);
            if fs::read(&target).is_ok_and(|existing| existing == file.bytes) {
                self.summary.unchanged += 1;
            } else {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                let temp = PathBuf::from(format!("{}{TEMP_SUFFIX}", target.display()));
                fs::write(&temp, &file.bytes)?;
                self.staged.push(temp);
                self.summary.written += 1;
            }
            self.produced.insert(file.path);
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, unless the file already holds them.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let temp = PathBuf::from(format!("{}{TEMP_SUFFIX}", path.display()));
    fs::write(&temp, bytes)?;
    fs::rename(&temp, path)?;
    Ok(true)
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
