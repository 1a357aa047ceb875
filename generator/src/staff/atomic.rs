//! Writing several files as one step: all of them or none (an import's YAML and sign-off, an
//! exported workbook), so a failure never leaves half an update behind.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Writes every file of an import or none: each goes to a temporary file beside it first, then all
/// are renamed into place; if a rename fails, the files already renamed get their old text back.
pub fn write_all(writes: &BTreeMap<PathBuf, Vec<u8>>) -> std::io::Result<()> {
    let mut staged = Vec::new();
    for (path, text) in writes {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut temporary = path.clone().into_os_string();
        temporary.push(".kizuna-partial");
        let temporary = PathBuf::from(temporary);
        if let Err(error) = std::fs::write(&temporary, text) {
            staged.iter().for_each(|(t, _, _): &(PathBuf, PathBuf, Option<Vec<u8>>)| drop(std::fs::remove_file(t)));
            drop(std::fs::remove_file(&temporary));
            return Err(error);
        }
        staged.push((temporary, path.clone(), std::fs::read(path).ok()));
    }
    for index in 0..staged.len() {
        let (temporary, path, _) = &staged[index];
        if let Err(error) = std::fs::rename(temporary, path) {
            for (_, path, previous) in &staged[..index] {
                match previous {
                    Some(bytes) => drop(std::fs::write(path, bytes)),
                    None => drop(std::fs::remove_file(path)),
                }
            }
            staged[index..].iter().for_each(|(t, _, _)| drop(std::fs::remove_file(t)));
            return Err(error);
        }
    }
    Ok(())
}
