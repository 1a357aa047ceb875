//! Writing a build: only files whose bytes changed are rewritten, each through a temporary name and
//! a rename, and files the previous build produced but this one does not are removed (DESIGN.md §5).
//!
//! Writing is staged so that a failure never leaves a half-written archive: every changed file is
//! first written under `.kizuna-staging/` (same relative path); only when the whole build has been
//! rendered are the staged files renamed into place (a folder the output does not have yet in one
//! rename) and stale files removed. A build that is killed leaves its files in `.kizuna-staging/`
//! only: nothing there is taken for output — the publisher skips `.kizuna-*`, and the next build
//! empties the folder before staging anything.
//! Each batch (the root, or one municipality) has its own manifest (`.kizuna-manifest`), so memory
//! stays bounded by one municipality however many are built.
//!
//! **Shared files.** The national search bundle is the same bytes in every archive: a sink gets it
//! as [`SharedFile`]s and the directory writer stores it once, hard-linking every other archive's
//! copy to it (a copy where the file system refuses a link). A hard link is an ordinary file to
//! every reader — `cp -r` of one archive, `aws s3 sync`, a web server — so an archive copied or
//! hosted alone stays whole; and since every write goes through a new file and a rename, a later
//! build never changes a file that other archives share.
//!
//! **Batches kept as built.** A rebuild from the same inputs renders nothing it does not have to:
//! after each commit the writer stamps every batch it wrote (`.kizuna-stamp`: the key of the
//! build's inputs, then each file's size and modification time), and [`Sink::reuse`] keeps a batch
//! whose stamp has the same key while every file it lists is still there as written. A file
//! changed, removed or replaced since (its size or time differs) makes the batch render again and
//! repairs it. The stamp of a batch is removed before its new files are moved into place, so a
//! commit cut short leaves no stamp that could vouch for half-moved files.
//!
//! **Symlinks.** Nothing is ever written, renamed or removed through a symbolic link inside the
//! output directory (a link `public/city → /elsewhere` would otherwise receive the whole archive):
//! every path is checked component by component, and a link is an error that names it. The output
//! directory itself may be a link — that is the operator's choice of where the archive goes.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::render::OutputFile;

mod links;

use links::{check_folders, no_symlink_on_the_way, not_a_link};

const MANIFEST: &str = ".kizuna-manifest";
const STAMP: &str = ".kizuna-stamp";
const BATCHES: &str = ".kizuna-batches";
/// Where changed files wait for the commit. Its name starts with `.kizuna-`, which the publisher
/// never uploads (`scripts/publish.sh`), and a new build removes what a killed one left in it.
const STAGING_DIR: &str = ".kizuna-staging";
const TEMP_SUFFIX: &str = ".kizuna-tmp";
const NEXT_SUFFIX: &str = ".next";

/// A file whose bytes are the same in many batches (the national search bundle of every archive).
#[derive(Clone, Debug)]
pub struct SharedFile {
    /// Where this copy goes (`yumemino/pagefind-national/pagefind.js`).
    pub path: String,
    /// The bytes, one allocation for every copy: copies holding the same `Arc` are one file on disk.
    pub bytes: Arc<[u8]>,
}

/// Where rendered files go, one batch at a time: `""` for the root files, else a municipality id
/// whose files all live under `<id>/`.
pub trait Sink {
    /// Keeps batch `batch` as an earlier build wrote it, when that build was made from the same
    /// `inputs` (a key of everything the batch depends on) and its files are still as written:
    /// returns their paths, or `None` when the batch must be rendered and accepted — from these
    /// `inputs`, which a sink that keeps batches records. By default nothing is kept.
    fn reuse(&mut self, batch: &str, inputs: &str) -> io::Result<Option<Vec<String>>> {
        let _ = (batch, inputs);
        Ok(None)
    }

    /// Accepts the files of one batch.
    fn accept(&mut self, batch: &str, files: Vec<OutputFile>) -> io::Result<()>;

    /// Accepts the files of one batch with its copies of shared files; by default as plain files.
    fn accept_with_shared(&mut self, batch: &str, mut files: Vec<OutputFile>, shared: &[SharedFile]) -> io::Result<()> {
        files.extend(shared.iter().map(|file| OutputFile { path: file.path.clone(), bytes: file.bytes.to_vec() }));
        self.accept(batch, files)
    }
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

    fn accept_with_shared(&mut self, batch: &str, files: Vec<OutputFile>, shared: &[SharedFile]) -> io::Result<()> {
        // Counted as the files they become, without copying them.
        self.files += shared.len();
        self.bytes += shared.iter().map(|f| f.bytes.len() as u64).sum::<u64>();
        self.accept(batch, files)
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
    /// Of the files written, those hard-linked to another copy of the same shared file.
    pub linked: usize,
}

/// Stages files into an output directory; [`DirectorySink::commit`] makes them visible.
#[derive(Debug)]
pub struct DirectorySink {
    root: PathBuf,
    staging_ready: bool,
    batches: Vec<String>,
    complete: bool,
    summary: WriteSummary,
    /// For each shared file (by its allocation): a file on disk with its bytes, to link copies to.
    shared: HashMap<usize, Original>,
    /// Batches kept as an earlier build wrote them ([`Sink::reuse`]).
    kept: Vec<String>,
    /// The inputs key of each batch to be rendered, for its stamp.
    inputs: HashMap<String, String>,
}

/// A file on disk holding a shared file's bytes: the first copy staged, or one already in place.
#[derive(Clone, Debug)]
struct Original {
    /// Held so that the allocation its key names is never freed and reused for other bytes.
    _bytes: Arc<[u8]>,
    path: PathBuf,
    /// Its inode (device, number) once in place: a copy that is this inode is unchanged unread.
    inode: Option<(u64, u64)>,
}

impl DirectorySink {
    /// A sink writing under `root`. `complete` says the build covers every municipality, so those
    /// of earlier builds that are no longer produced are removed too.
    pub fn new(root: &Path, complete: bool) -> Self {
        DirectorySink {
            root: root.to_path_buf(),
            staging_ready: false,
            batches: Vec::new(),
            complete,
            summary: WriteSummary::default(),
            shared: HashMap::new(),
            kept: Vec::new(),
            inputs: HashMap::new(),
        }
    }

    fn manifest_path(&self, batch: &str) -> PathBuf {
        if batch.is_empty() {
            self.root.join(MANIFEST)
        } else {
            self.root.join(batch).join(MANIFEST)
        }
    }

    fn stamp_path(&self, batch: &str) -> PathBuf {
        self.root.join(batch).join(STAMP)
    }

    fn staging(&self) -> PathBuf {
        self.root.join(STAGING_DIR)
    }

    /// Empties the staging folder once per build: what a killed build left there is never used.
    fn prepare_staging(&mut self) -> io::Result<()> {
        if !self.staging_ready {
            fs::create_dir_all(&self.root)?;
            remove_tree(&self.staging())?;
            fs::create_dir(self.staging())?;
            self.staging_ready = true;
        }
        Ok(())
    }

    /// Renames every staged file into place, removes stale files and writes the manifests and
    /// the stamps.
    pub fn commit(mut self) -> io::Result<WriteSummary> {
        let (root, staging) = (self.root.clone(), self.staging());
        // No stamp may vouch for a batch while its new files are on their way.
        for batch in self.inputs.keys() {
            remove_file_if_present(&no_symlink_on_the_way(&root, &Path::new(batch).join(STAMP))?)?;
        }
        if self.staging_ready {
            move_into_place(&root, &staging, Path::new(""))?;
        }
        remove_tree(&staging)?;
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
        let mut current: BTreeSet<String> =
            self.batches.iter().chain(&self.kept).filter(|b| !b.is_empty()).cloned().collect();
        if self.complete {
            for gone in previous_batches.difference(&current) {
                let manifest = self.manifest_path(gone);
                for stale in read_lines(&manifest)? {
                    self.remove(&stale)?;
                }
                for bookkeeping in [MANIFEST, STAMP] {
                    remove_file_if_present(&no_symlink_on_the_way(&self.root, &Path::new(gone).join(bookkeeping))?)?;
                }
                remove_empty_parents(&self.root, &manifest);
            }
        } else {
            current.extend(previous_batches);
        }
        write_if_changed(&batches_path, current.iter().map(|b| format!("{b}\n")).collect::<String>().as_bytes())?;
        for (batch, inputs) in &self.inputs {
            if self.batches.contains(batch) {
                let files = read_lines(&self.manifest_path(batch))?;
                write_if_changed(&self.stamp_path(batch), stamp(&self.root, inputs, &files)?.as_bytes())?;
            }
        }
        Ok(self.summary)
    }

    fn remove(&mut self, relative: &str) -> io::Result<()> {
        let path = no_symlink_on_the_way(&self.root, Path::new(relative))?;
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
        if self.staging_ready {
            let _ = remove_tree(&self.staging());
        }
        for batch in std::mem::take(&mut self.batches) {
            let _ = fs::remove_file(with_suffix(&self.manifest_path(&batch), NEXT_SUFFIX));
        }
    }
}

impl DirectorySink {
    /// Stages the shared files that changed, each linked to a copy already on disk when there is one.
    fn stage_shared(&mut self, shared: &[SharedFile]) -> io::Result<()> {
        let staging = self.staging();
        let known = &self.shared;
        // Each file of a batch is a different shared file, so the copies are independent.
        let outcomes: Vec<(Staged, Option<Original>)> = shared
            .par_iter()
            .map(|file| {
                // The folders were checked by the caller (`check_folders`).
                let target = not_a_link(&self.root, Path::new(&file.path))?;
                let original = known.get(&key(file));
                if let Some(meta) = fs::metadata(&target).ok().filter(|meta| meta.is_file()) {
                    let same_inode = original.and_then(|o| o.inode) == Some(inode(&meta));
                    if same_inode || fs::read(&target).is_ok_and(|existing| *existing == *file.bytes) {
                        let found =
                            Original { _bytes: Arc::clone(&file.bytes), path: target, inode: Some(inode(&meta)) };
                        return Ok((Staged::Unchanged, original.is_none().then_some(found)));
                    }
                }
                let staged = staging.join(&file.path);
                if let Some(parent) = staged.parent() {
                    fs::create_dir_all(parent)?;
                }
                if let Some(original) = original {
                    if link_or_copy(&original.path, &staged, &file.bytes)? {
                        return Ok((Staged::Linked, None));
                    }
                } else {
                    write_new(&staged, &file.bytes)?;
                }
                let first = Original { _bytes: Arc::clone(&file.bytes), path: staged, inode: None };
                Ok((Staged::Written, original.is_none().then_some(first)))
            })
            .collect::<io::Result<_>>()?;
        for (file, (staged, original)) in shared.iter().zip(outcomes) {
            match staged {
                Staged::Unchanged => self.summary.unchanged += 1,
                Staged::Written => self.summary.written += 1,
                Staged::Linked => {
                    self.summary.written += 1;
                    self.summary.linked += 1;
                }
            }
            if let Some(original) = original {
                self.shared.entry(key(file)).or_insert(original);
            }
        }
        Ok(())
    }

    /// Records the batch's files (`paths`) in its next manifest.
    fn record_batch<'p>(&mut self, batch: &str, paths: impl Iterator<Item = &'p str>) -> io::Result<()> {
        let mut produced = String::new();
        for path in paths {
            self.summary.produced += 1;
            produced.push_str(path);
            produced.push('\n');
        }
        let manifest = self.manifest_path(batch);
        let relative = manifest.strip_prefix(&self.root).map_err(io::Error::other)?;
        let next = with_suffix(&no_symlink_on_the_way(&self.root, relative)?, NEXT_SUFFIX);
        if let Some(parent) = next.parent() {
            fs::create_dir_all(parent)?;
        }
        write_new(&next, produced.as_bytes())?;
        self.batches.push(batch.to_owned());
        Ok(())
    }
}

/// What staging did with one shared file.
enum Staged {
    Unchanged,
    Written,
    Linked,
}

/// The key of a shared file's bytes: its allocation, the same for every copy of one build.
fn key(file: &SharedFile) -> usize {
    Arc::as_ptr(&file.bytes).cast::<u8>() as usize
}

fn inode(meta: &fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        // No inode to compare: a copy is then compared by its bytes.
        let _ = meta;
        (0, 0)
    }
}

/// Makes `path` a hard link to `original`; where the file system refuses (another file system,
/// no links, too many links to one file, the original gone) writes `bytes` instead. Says whether
/// it linked.
fn link_or_copy(original: &Path, path: &Path, bytes: &[u8]) -> io::Result<bool> {
    remove_file_if_present(path)?;
    if fs::hard_link(original, path).is_ok() {
        return Ok(true);
    }
    write_new(path, bytes)?;
    Ok(false)
}

impl Sink for DirectorySink {
    fn reuse(&mut self, batch: &str, inputs: &str) -> io::Result<Option<Vec<String>>> {
        let stamp_path = no_symlink_on_the_way(&self.root, &Path::new(batch).join(STAMP))?;
        let kept = match fs::read_to_string(&stamp_path) {
            Ok(text) => still_as_stamped(&self.root, &text, inputs),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        match &kept {
            Some(files) => {
                self.summary.produced += files.len();
                self.summary.unchanged += files.len();
                self.kept.push(batch.to_owned());
            }
            None => {
                self.inputs.insert(batch.to_owned(), inputs.to_owned());
            }
        }
        Ok(kept)
    }

    fn accept(&mut self, batch: &str, files: Vec<OutputFile>) -> io::Result<()> {
        self.accept_with_shared(batch, files, &[])
    }

    fn accept_with_shared(&mut self, batch: &str, files: Vec<OutputFile>, shared: &[SharedFile]) -> io::Result<()> {
        self.prepare_staging()?;
        let staging = self.staging();
        let paths = files.iter().map(|f| f.path.as_str()).chain(shared.iter().map(|f| f.path.as_str()));
        check_folders(&self.root, paths)?;
        // Compare and stage in parallel: on small files the file system, not the CPU, is the limit.
        let changed: Vec<bool> = files
            .par_iter()
            .map(|file| {
                let target = not_a_link(&self.root, Path::new(&file.path))?;
                if fs::read(&target).is_ok_and(|existing| existing == file.bytes) {
                    return Ok(false);
                }
                let staged = staging.join(&file.path);
                if let Some(parent) = staged.parent() {
                    fs::create_dir_all(parent)?;
                }
                write_new(&staged, &file.bytes)?;
                Ok(true)
            })
            .collect::<io::Result<_>>()?;
        for changed in changed {
            if changed {
                self.summary.written += 1;
            } else {
                self.summary.unchanged += 1;
            }
        }
        self.stage_shared(shared)?;
        let paths = files.iter().map(|f| f.path.as_str()).chain(shared.iter().map(|f| f.path.as_str()));
        self.record_batch(batch, paths)
    }
}

/// Moves what is staged under `staging/relative` into `root/relative`: a folder that does not
/// exist there yet in one rename (a fresh build renames a few dozen folders, not every file),
/// otherwise file by file into the existing folder.
fn move_into_place(root: &Path, staging: &Path, relative: &Path) -> io::Result<()> {
    for entry in fs::read_dir(staging.join(relative))? {
        let entry = entry?;
        let relative = relative.join(entry.file_name());
        let target = no_symlink_on_the_way(root, &relative)?;
        if entry.file_type()?.is_dir() {
            match fs::symlink_metadata(&target) {
                Ok(meta) if meta.is_dir() => move_into_place(root, staging, &relative)?,
                Err(error) if error.kind() == io::ErrorKind::NotFound => fs::rename(entry.path(), &target)?,
                Ok(_) => {
                    return Err(io::Error::other(format!(
                        "{} is a file where the build puts a folder; remove it",
                        target.display()
                    )))
                }
                Err(error) => return Err(error),
            }
        } else {
            fs::rename(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A batch's stamp: its inputs key, then one line per file — size, modification time (ns since
/// the epoch) and path, tab-separated.
fn stamp(root: &Path, inputs: &str, files: &BTreeSet<String>) -> io::Result<String> {
    let lines: Vec<String> = files
        .par_iter()
        .map(|path| {
            let (len, modified) = size_and_time(&fs::symlink_metadata(root.join(path))?)
                .ok_or_else(|| io::Error::other(format!("{path} is not a file the build wrote")))?;
            Ok(format!("{len}\t{modified}\t{path}\n"))
        })
        .collect::<io::Result<_>>()?;
    Ok(format!("{inputs}\n{}", lines.concat()))
}

/// The files a stamp lists, when it was made from `inputs` and every file is still as stamped.
fn still_as_stamped(root: &Path, stamp: &str, inputs: &str) -> Option<Vec<String>> {
    let mut lines = stamp.lines();
    if lines.next() != Some(inputs) {
        return None;
    }
    let files: Vec<(&str, &str, &str)> = lines
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            Some((parts.next()?, parts.next()?, parts.next()?))
        })
        .collect::<Option<_>>()?;
    let unchanged = files.par_iter().all(|(len, modified, path)| {
        fs::symlink_metadata(root.join(path))
            .ok()
            .and_then(|meta| size_and_time(&meta))
            .is_some_and(|(l, m)| l.to_string() == *len && m.to_string() == *modified)
    });
    unchanged.then(|| files.into_iter().map(|(_, _, path)| path.to_owned()).collect())
}

/// A regular file's size and modification time (ns since the epoch); `None` for anything else.
fn size_and_time(meta: &fs::Metadata) -> Option<(u64, u128)> {
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    meta.is_file().then_some((meta.len(), modified))
}

fn remove_file_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Writes a file that must not exist yet: a leftover (or planted) file or link of that name is
/// removed first, and `create_new` never follows a link.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    remove_file_if_present(path)?;
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Removes a folder and what is in it; a link there is removed itself, never followed.
fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
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
    write_new(&temp, bytes)?;
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
