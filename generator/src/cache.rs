//! Kizuna's cache folder, kept across processes (issue 22): what a build computes from inputs that
//! rarely change, so that the next process reads it instead — the compiled readings dictionary
//! (`yomi/cache.rs`) and the national search bundle (`search/engine.rs`). The folder is
//! `KIZUNA_CACHE_DIR`, else `$XDG_CACHE_HOME/kizuna`, else `$HOME/.cache/kizuna`; the `kizuna`
//! binary sets it with [`use_dir`], the library's own tests leave it unset (nothing is cached).
//!
//! Every entry is named by a hash of what it is made from, so a changed input never reads a stale
//! one; entries are written under a temporary name and renamed into place, so no reader sees half
//! of one. Entries of other inputs are never read again: an entry read is marked as used (its
//! modification time set to now), and storing a new entry removes the others of its kind unused
//! for [`UNUSED_DAYS`] days — not sooner, so that two versions of Kizuna sharing one folder do not
//! remove each other's. The cache never makes a build fail; deleting the folder is always safe.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// The environment variable that names the cache folder.
pub const CACHE_ENV: &str = "KIZUNA_CACHE_DIR";

/// Entries unused for this many days are removed when another entry of their kind is stored.
pub const UNUSED_DAYS: u64 = 30;

/// The cache folder of the process, once set by [`use_dir`].
static DIR: OnceLock<PathBuf> = OnceLock::new();

/// The cache folder the environment names (see the overview); `None` without any of the variables.
pub fn dir_from_env() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    set(CACHE_ENV)
        .or_else(|| set("XDG_CACHE_HOME").map(|dir| dir.join("kizuna")))
        .or_else(|| set("HOME").map(|dir| dir.join(".cache").join("kizuna")))
}

/// Caches in `dir` from now on. Only the first call counts, and only before the first build with
/// search: what the process read or stored before stays as it was.
pub fn use_dir(dir: Option<PathBuf>) {
    if let Some(dir) = dir {
        let _ = DIR.set(dir);
    }
}

/// The cache folder of the process, when [`use_dir`] set one.
pub fn dir() -> Option<&'static Path> {
    DIR.get().map(PathBuf::as_path)
}

/// Marks the entry at `path` (a file) as used now, so that pruning keeps it; a cache that refuses
/// only costs the mark.
pub fn mark_used(path: &Path) {
    let _ = std::fs::File::options().write(true).open(path).and_then(|file| file.set_modified(SystemTime::now()));
}

/// Removes the entries of `dir` named `<prefix>…` other than `kept` whose use mark (`mark`: the
/// entry itself for a file, the named file inside it for a folder) is older than [`UNUSED_DAYS`].
/// Best effort: an entry that cannot be removed stays.
pub fn prune(dir: &Path, prefix: &str, kept: &Path, mark: Option<&str>) {
    let unused_since = SystemTime::now() - Duration::from_secs(UNUSED_DAYS * 86_400);
    let Ok(listing) = std::fs::read_dir(dir) else { return };
    for entry in listing.flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with(prefix) || path == kept {
            continue;
        }
        let marked = mark.map_or_else(|| path.clone(), |name| path.join(name));
        let unused = std::fs::metadata(&marked).and_then(|m| m.modified()).is_ok_and(|at| at < unused_since);
        if unused {
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
    }
}
