//! Writing a build: only files whose bytes changed are rewritten, each through a temporary name and
//! a rename, and files the previous build produced but this one does not are removed (DESIGN.md §5).
//!
//! Writing is staged so that a failure never leaves a half-written archive: every changed file is
//! first written next to its target as `<name>.kizuna-tmp`, and its name appended to a staging log
//! on disk; only when the whole build has been rendered are the temporary files renamed into place
//! and stale files removed. Each batch (the root, or one municipality) has its own manifest
//! (`.kizuna-manifest`), so memory stays bounded by one municipality however many are built.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

const MANIFEST: &str = ".kizuna-manifest";
const BATCHES: &str = ".kizuna-batches";
const STAGING_LOG: &str = ".kizuna-staged";
const TEMP_SUFFIX: &str = ".kizuna-tmp";
const NEXT_SUFFIX: &str = ".next";

/// Where rendered files go, one batch at a time: `""` for the root files, else a municipality id
/// whose files all live under `<id>/`.
pub trait Sink {
    /// Accepts the files of one batch.
    fn accept(&mut self, batch: &str, files: Vec<OutputFile>) -> io::Result<()>;
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
    fn accept(&mut self, _batch: &str, files: Vec<OutputFile>) -> io::Result<()> {
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
    staging_log: Option<BufWriter<File>>,
    batches: Vec<String>,
    complete: bool,
    summary: WriteSummary,
}

impl DirectorySink {
    /// A sink writing under `root`. `complete` says the build covers every municipality, so those
    /// of earlier builds that are no longer produced are removed too.
    pub fn new(root: &Path, complete: bool) -> Self {
        DirectorySink {
            root: root.to_path_buf(),
            staging_log: None,
            batches: Vec::new(),
            complete,
            summary: WriteSummary::default(),
        }
    }

    fn manifest_path(&self, batch: &str) -> PathBuf {
        if batch.is_empty() {
            self.root.join(MANIFEST)
        } else {
            self.root.join(batch).join(MANIFEST)
        }
    }

    fn log(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.staging_log.is_none() {
            fs::create_dir_all(&self.root)?;
            self.staging_log = Some(BufWriter::new(File::create(self.root.join(STAGING_LOG))?));
        }
        Ok(self.staging_log.as_mut().unwrap_or_else(|| unreachable!("created above")))
    }

    /// Calls `each` with every staged temporary file, streaming the staging log from disk.
    fn for_each_staged(&mut self, mut each: impl FnMut(&Path) -> io::Result<()>) -> io::Result<()> {
        if let Some(mut log) = self.staging_log.take() {
            log.flush()?;
        }
        let file = match File::open(self.root.join(STAGING_LOG)) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        for line in BufReader::new(file).lines() {
            each(Path::new(&line?))?;
        }
        Ok(())
    }

    /// Renames every staged file into place, removes stale files and writes the manifests.
    pub fn commit(mut self) -> io::Result<WriteSummary> {
        self.for_each_staged(|temp| {
            let target = PathBuf::from(temp.to_string_lossy().trim_end_matches(TEMP_SUFFIX));
            fs::rename(temp, target)
        })?;
        for batch in std::mem::take(&mut self.batches) {
            let manifest = self.manifest_path(&batch);
            let next = with_suffix(&manifest, NEXT_SUFFIX);
            let produced = read_lines(&next)?;
            for stale in read_lines(&manifest)?.difference(&produced) {
                self.remove(stale)?;
            }
            fs::rename(&next, &manifest)?;
            self.batches.push(batch);
        }
        let batches_path = self.root.join(BATCHES);
        let previous_batches = read_lines(&batches_path)?;
        let mut current: BTreeSet<String> = self.batches.iter().filter(|b| !b.is_empty()).cloned().collect();
        if self.complete {
            for gone in previous_batches.difference(&current) {
                let manifest = self.manifest_path(gone);
                for stale in read_lines(&manifest)? {
                    self.remove(&stale)?;
                }
                let _ = fs::remove_file(&manifest);
                remove_empty_parents(&self.root, &manifest);
            }
        } else {
            current.extend(previous_batches);
        }
        write_if_changed(&batches_path, current.iter().map(|b| format!("{b}\n")).collect::<String>().as_bytes())?;
        let _ = fs::remove_file(self.root.join(STAGING_LOG));
        Ok(self.summary)
    }

    fn remove(&mut self, relative: &str) -> io::Result<()> {
        let path = self.root.join(relative);
        match fs::remove_file(&path) {
            Ok(()) => {
                self.summary.removed += 1;
                remove_empty_parents(&self.root, &path);
                Ok(())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Removes every staged temporary file (after a failure); the previous build stays as it was.
    pub fn abort(mut self) {
        let _ = self.for_each_staged(|temp| {
            let _ = fs::remove_file(temp);
            Ok(())
        });
        for batch in std::mem::take(&mut self.batches) {
            let _ = fs::remove_file(with_suffix(&self.manifest_path(&batch), NEXT_SUFFIX));
        }
        let _ = fs::remove_file(self.root.join(STAGING_LOG));
    }
}

impl Sink for DirectorySink {
    fn accept(&mut self, batch: &str, files: Vec<OutputFile>) -> io::Result<()> {
        // Compare and stage in parallel: on small files the file system, not the CPU, is the limit.
        let staged: Vec<Option<PathBuf>> = files
            .par_iter()
            .map(|file| {
                let target = self.root.join(&file.path);
                if fs::read(&target).is_ok_and(|existing| existing == file.bytes) {
                    return Ok(None);
                }
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                let temp = with_suffix(&target, TEMP_SUFFIX);
                fs::write(&temp, &file.bytes)?;
                Ok(Some(temp))
            })
            .collect::<io::Result<_>>()?;
        let mut produced = String::with_capacity(files.len() * 48);
        for (file, temp) in files.iter().zip(staged) {
            match temp {
                Some(temp) => {
                    writeln!(self.log()?, "{}", temp.display())?;
                    self.summary.written += 1;
                }
                None => self.summary.unchanged += 1,
            }
            self.summary.produced += 1;
            produced.push_str(&file.path);
            produced.push('\n');
        }
        let next = with_suffix(&self.manifest_path(batch), NEXT_SUFFIX);
        if let Some(parent) = next.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(next, produced)?;
        self.batches.push(batch.to_owned());
        Ok(())
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

fn read_lines(path: &Path) -> io::Result<BTreeSet<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(error) => Err(error),
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
    let temp = with_suffix(path, TEMP_SUFFIX);
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
