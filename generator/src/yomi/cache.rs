//! The compiled readings dictionary in Kizuna's cache folder ([`crate::cache`], issue 22):
//! compiling IPADIC takes ~0.84 s of a single core before a build can index anything, while
//! reading a compiled dictionary back takes a fraction of that. An entry is named by a hash of
//! everything the dictionary is compiled from (the source files' names and bytes, the compile
//! settings, the serialisation format), so a changed source or setting never reads a stale entry.
//!
//! An entry is a SHA-256 digest of its payload followed by the payload (vibrato's serialised
//! dictionary). It is written to a temporary file in the cache folder and renamed into place, so a
//! reader never sees half an entry; the digest catches an entry damaged later. A damaged or
//! unreadable entry is compiled again and replaced; a cache folder that cannot be written costs
//! only the time to compile (the dictionary then waits in an anonymous temporary file, as before
//! caching existed). Entries of other sources are pruned as [`crate::cache`] says.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The bytes of an entry's digest, before the payload.
pub(super) const HEADER_LEN: u64 = 32;

/// The start and end of an entry's name.
const ENTRY_PREFIX: &str = "ipadic-";
const ENTRY_SUFFIX: &str = ".dic";

/// This module's format, part of every entry's name.
const FORMAT: &str = "kizuna-yomi-cache 1\n";

/// The serialisation format vibrato writes: the magic line its `Dictionary::write` starts with
/// (checked by a test); `Dictionary::read` refuses any other, so a vibrato with another format
/// must not find this one's entries.
pub(super) const VIBRATO_MAGIC: &str = "VibratoTokenizer 0.5\n";

/// Where the compiled dictionary came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Compiled by this process from the sources.
    Compiled,
    /// Read from the cache folder.
    Cached,
}

/// The name of the cache entry for a dictionary compiled from `sources` with `settings` (the
/// compile's own parameters, such as the kept feature field and the skipped files).
pub(super) fn entry_name(sources: &[PathBuf], settings: &str) -> io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT.as_bytes());
    hasher.update(VIBRATO_MAGIC.as_bytes());
    hasher.update(settings.as_bytes());
    for path in sources {
        // Names and lengths delimit the files, so moving bytes from one file to the next changes the key.
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let length = path.metadata()?.len();
        hasher.update(format!("\n{name} {length}\n").as_bytes());
        io::copy(&mut File::open(path)?, &mut hasher)?;
    }
    let hex: String = hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    Ok(format!("{ENTRY_PREFIX}{hex}{ENTRY_SUFFIX}"))
}

/// Opens the entry at `path` when its digest matches its payload; `None` when it is missing,
/// unreadable or damaged.
pub(super) fn open_entry(path: &Path) -> Option<File> {
    let mut file = File::open(path).ok()?;
    let mut reader = BufReader::new(&mut file);
    let mut expected = [0u8; HEADER_LEN as usize];
    reader.read_exact(&mut expected).ok()?;
    let mut hasher = Sha256::new();
    io::copy(&mut reader, &mut hasher).ok()?;
    let sound = hasher.finalize().as_slice() == expected;
    if sound {
        crate::cache::mark_used(path);
    }
    sound.then_some(file)
}

/// Stores the payload `write` produces as the entry `path` (a temporary file in its folder, then a
/// rename over whatever is there), and returns the entry opened for reading.
pub(super) fn store_entry(path: &Path, write: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temporary = tempfile::Builder::new().prefix(".ipadic-").suffix(".tmp").tempfile_in(dir)?;
    write_entry(temporary.as_file_mut(), write)?;
    let file = temporary.persist(path).map_err(|e| e.error)?;
    crate::cache::prune(dir, ENTRY_PREFIX, path, None);
    Ok(file)
}

/// Stores the payload in an anonymous temporary file (deleted by the system when the process ends),
/// in the same format as an entry: the fallback when the cache folder cannot be written.
pub(super) fn store_anonymous(write: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<File> {
    let mut file = tempfile::tempfile()?;
    write_entry(&mut file, write)?;
    Ok(file)
}

fn write_entry(file: &mut File, write: &dyn Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    // The digest goes first but is known last: a placeholder, then the digest over it.
    file.write_all(&[0u8; HEADER_LEN as usize])?;
    let mut hasher = Sha256::new();
    {
        let mut writer = BufWriter::new(Tee { file: &mut *file, hasher: &mut hasher });
        write(&mut writer)?;
        writer.flush()?;
    }
    file.seek(SeekFrom::Start(0))?;
    file.write_all(hasher.finalize().as_slice())?;
    file.flush()
}

/// Writes to a file and a hasher alike.
struct Tee<'a> {
    file: &'a mut File,
    hasher: &'a mut Sha256,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
