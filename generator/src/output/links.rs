//! No write through a symbolic link inside the output directory (see the overview of
//! [`crate::output`]): every path the writer touches is checked, component by component, before
//! anything is written, renamed or removed there. A batch's folders are checked once for all its
//! files ([`check_folders`]), since checking every folder of every file was a tenth of a no-op
//! rebuild's time.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// `root/relative`, after checking that neither it nor any folder between `root` and it is a
/// symbolic link (parts that do not exist yet are created later as real folders).
pub(super) fn no_symlink_on_the_way(root: &Path, relative: &Path) -> io::Result<PathBuf> {
    plain(relative)?;
    let mut path = root.to_path_buf();
    for part in relative.components() {
        path.push(part);
        if !checked_not_a_link(&path)? {
            break;
        }
    }
    Ok(root.join(relative))
}

/// Checks the folders on the way to every one of `paths` (relative to `root`) for symbolic links
/// as [`no_symlink_on_the_way`] does, each folder once: the files of a batch share most of their
/// folders. The files themselves are then checked by [`not_a_link`].
pub(super) fn check_folders<'p>(root: &Path, paths: impl Iterator<Item = &'p str>) -> io::Result<()> {
    let folders: BTreeSet<&Path> = paths.filter_map(|path| Path::new(path).parent()).collect();
    let mut checked: HashMap<&Path, bool> = HashMap::new();
    for folder in folders {
        plain(folder)?;
        // From the top down: a folder that does not exist has nothing under it to check.
        let mut on_the_way: Vec<&Path> = folder.ancestors().filter(|a| !a.as_os_str().is_empty()).collect();
        on_the_way.reverse();
        for part in on_the_way {
            let exists = match checked.get(part) {
                Some(&exists) => exists,
                None => {
                    let exists = checked_not_a_link(&root.join(part))?;
                    checked.insert(part, exists);
                    exists
                }
            };
            if !exists {
                break;
            }
        }
    }
    Ok(())
}

/// `root/relative` after checking that it is a plain relative path and not itself a symbolic link;
/// the folders on the way are [`check_folders`]'s.
pub(super) fn not_a_link(root: &Path, relative: &Path) -> io::Result<PathBuf> {
    plain(relative)?;
    let path = root.join(relative);
    checked_not_a_link(&path)?;
    Ok(path)
}

/// Refuses a path with anything but plain names (no `..`, no root).
fn plain(relative: &Path) -> io::Result<()> {
    if relative.components().all(|part| matches!(part, std::path::Component::Normal(_))) {
        Ok(())
    } else {
        Err(io::Error::other(format!("refusing to write {}: not a plain relative path", relative.display())))
    }
}

/// An error when `path` is a symbolic link; whether it exists otherwise.
fn checked_not_a_link(path: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::other(format!(
            "{} is a symbolic link; kizuna never writes through links inside the output directory \
             (remove the link: the build re-creates a real folder)",
            path.display()
        ))),
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}
