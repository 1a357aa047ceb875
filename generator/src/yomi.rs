//! Kana readings of Japanese text, for search (issue 22): a parent types 「だっこ」 and the page
//! says 「抱っこ」. The archive's search runs in the browser with no dictionary, so the readings are
//! computed at build time and indexed as hidden words of each page (see [`crate::search_text`]).
//!
//! The analyser is [vibrato](https://crates.io/crates/vibrato) (a MeCab-compatible Viterbi
//! tokenizer in Rust) over IPADIC as Debian ships it in `mecab-ipadic` (the MeCab source files,
//! EUC-JP, under `/usr/share/mecab/dic/ipadic`; `KIZUNA_IPADIC` names another folder). The
//! dictionary is compiled once per process, when a build first indexes pages (a few seconds),
//! with only the readings as features and without the name, place and organisation lexicons, and
//! kept serialised in a file: an entry of the cache folder shared by later processes (`cache.rs`),
//! or a temporary file without one; the search engine opens it to read pages and drops it before
//! Pagefind makes a large index (`search/engine.rs`). Without it a build with search stops and says how to install it.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use vibrato::{Dictionary, SystemDictionaryBuilder, Tokenizer};

use crate::catalogue::{self as msg, Lang, Text};

mod cache;

pub use cache::Origin;

/// Where Debian's `mecab-ipadic` puts the dictionary sources.
pub const DEFAULT_DIR: &str = "/usr/share/mecab/dic/ipadic";

/// The environment variable that names another IPADIC source folder.
pub const DIR_ENV: &str = "KIZUNA_IPADIC";

/// The position of the reading (katakana) among an IPADIC lexicon line's fields: surface, left
/// and right context ids, cost, then the features (part of speech ×6, base form, reading, …).
const READING_FIELD: usize = 11;

/// Lexicon files left out: names of people, places and organisations (a third of IPADIC) are not
/// what parenting messages are written with, and unknown words still get segmented.
const SKIPPED_FILES: [&str; 3] = ["Noun.name.csv", "Noun.place.csv", "Noun.org.csv"];

/// The fields of a lexicon or unknown-word line that the analyser needs (surface, ids, cost).
const COST_FIELDS: usize = 4;

/// The dictionary could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "the IPADIC dictionary in {dir} could not be loaded ({message}); search needs it for the kana \
     readings of the archive's text: install it with `apt-get install -y mecab-ipadic` \
     (scripts/ipadic.sh does), or set {DIR_ENV} to a folder with IPADIC's *.csv, matrix.def, \
     char.def and unk.def"
)]
pub struct ReadingsError {
    /// The folder that was read.
    pub dir: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// A word of analysed text: its surface form and, when the dictionary knows it, its reading in
/// hiragana.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text as written (「抱っこ」).
    pub surface: String,
    /// The reading in hiragana (「だっこ」), `None` for words the dictionary does not know.
    pub reading: Option<String>,
}

/// A morphological analyser that gives readings.
pub struct Reader {
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader(IPADIC)")
    }
}

impl Reader {
    /// Compiles the IPADIC sources in `dir` (MeCab's format, EUC-JP as IPADIC ships them).
    pub fn load(dir: &Path) -> Result<Self, ReadingsError> {
        let dictionary = compile(dir, &sources(dir)?)?;
        Ok(Reader { tokenizer: Tokenizer::new(dictionary) })
    }

    /// A reader of the dictionary of the process, compiled on first use from `KIZUNA_IPADIC` or
    /// [`DEFAULT_DIR`] (or read from the cache folder, [`crate::cache`]) and kept serialised in a
    /// file, so that it takes no memory while unused. Callers drop the reader before Pagefind makes
    /// a large index: the two never share the 300 MB peak-RSS budget.
    pub fn open() -> Result<Reader, ReadingsError> {
        let fail = |message: String| ReadingsError { dir: ipadic_dir(), message };
        let file = Reader::compiled()?;
        let mut file = file.lock().map_err(|_| fail("the compiled dictionary is unavailable".to_owned()))?;
        file.seek(SeekFrom::Start(cache::HEADER_LEN))
            .map_err(|e| fail(format!("cannot read the compiled dictionary: {e}")))?;
        let dictionary = Dictionary::read(BufReader::new(&mut *file))
            .map_err(|e| fail(format!("cannot read the compiled dictionary: {e}")))?;
        Ok(Reader { tokenizer: Tokenizer::new(dictionary) })
    }

    /// The compiled dictionary of the process (see [`Reader::open`]); a second caller waits for the first.
    fn compiled() -> Result<&'static Mutex<File>, ReadingsError> {
        static COMPILED: OnceLock<Result<Mutex<File>, ReadingsError>> = OnceLock::new();
        COMPILED
            .get_or_init(|| compiled_file(&ipadic_dir(), crate::cache::dir()).map(|(f, _)| Mutex::new(f)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The words of `text`, in order (whitespace is not a word).
    pub fn words(&self, text: &str) -> Vec<Word> {
        let mut worker = self.tokenizer.new_worker();
        let mut words = Vec::new();
        // The analyser works on one sentence at a time; lines keep its lattice small.
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            worker.reset_sentence(line);
            worker.tokenize();
            for token in worker.token_iter() {
                let surface = token.surface();
                if surface.trim().is_empty() {
                    continue;
                }
                let feature = token.feature();
                let reading = (feature != "*" && !feature.is_empty()).then(|| crate::search_text::hiragana(feature));
                words.push(Word { surface: surface.to_owned(), reading });
            }
        }
        words
    }
}

/// The IPADIC source folder: `KIZUNA_IPADIC`, else [`DEFAULT_DIR`].
fn ipadic_dir() -> PathBuf {
    std::env::var_os(DIR_ENV).map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from)
}

/// The compiled dictionary of the IPADIC sources in `dir`, serialised in a file after a digest of
/// [`cache::HEADER_LEN`] bytes: the entry of `cache` when it has a sound one, otherwise compiled
/// now and stored there (replacing a damaged entry) or, when `cache` is `None` or cannot be
/// written, in an anonymous temporary file.
pub fn compiled_file(dir: &Path, cache: Option<&Path>) -> Result<(File, Origin), ReadingsError> {
    let fail = |message: String| ReadingsError { dir: dir.to_path_buf(), message };
    let sources = sources(dir)?;
    let entry = match cache {
        Some(cache) => {
            let name = cache::entry_name(&sources, &settings()).map_err(|e| fail(format!("cannot read it: {e}")))?;
            Some(cache.join(name))
        }
        None => None,
    };
    if let Some(file) = entry.as_deref().and_then(cache::open_entry) {
        return Ok((file, Origin::Cached));
    }
    let dictionary = compile(dir, &sources)?;
    let write = |out: &mut dyn Write| dictionary.write(out).map(drop).map_err(|e| io::Error::other(e.to_string()));
    if let Some(entry) = &entry {
        match cache::store_entry(entry, &write) {
            Ok(file) => return Ok((file, Origin::Compiled)),
            // Only speed is lost: the build goes on with the dictionary it just compiled.
            Err(e) => {
                let text = Text::new(&msg::READINGS_CACHE_NOT_WRITABLE)
                    .arg("path", entry.display())
                    .arg("error", e)
                    .arg("env", crate::cache::CACHE_ENV);
                let lang = Lang::choose(None);
                eprintln!("{}\n  {}", text.message(lang), text.hint(lang).unwrap_or_default());
            }
        }
    }
    let file = cache::store_anonymous(&write).map_err(|e| fail(format!("cannot store it: {e}")))?;
    Ok((file, Origin::Compiled))
}

/// The compile settings that are not in the source files (part of a cache entry's name).
fn settings() -> String {
    format!("field {READING_FIELD}, cost fields {COST_FIELDS}, skipped {SKIPPED_FILES:?}")
}

/// The source files a compile reads, in the order it reads them.
fn sources(dir: &Path) -> Result<Vec<PathBuf>, ReadingsError> {
    let fail = |message: String| ReadingsError { dir: dir.to_path_buf(), message };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| fail(format!("cannot list the folder: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "csv"))
        .filter(|path| !path.file_name().is_some_and(|name| SKIPPED_FILES.iter().any(|s| name == *s)))
        .collect();
    if files.is_empty() {
        return Err(fail("no *.csv lexicon files".to_owned()));
    }
    // Sorted, so that the same sources always compile to the same dictionary.
    files.sort();
    files.extend(["matrix.def", "char.def", "unk.def"].map(|name| dir.join(name)));
    Ok(files)
}

/// Compiles `sources` (the lexicon files, then matrix.def, char.def and unk.def, as [`sources`]
/// lists them).
fn compile(dir: &Path, sources: &[PathBuf]) -> Result<Dictionary, ReadingsError> {
    let fail = |message: String| ReadingsError { dir: dir.to_path_buf(), message };
    let [lexicons @ .., matrix, chars, unknown_def] = sources else {
        return Err(fail("no *.csv lexicon files".to_owned()));
    };
    // Only the reading is kept as an entry's feature: the part-of-speech fields would more
    // than double the dictionary in memory (peak RSS must stay under 300 MB with Pagefind).
    let mut lexicon = String::new();
    for path in lexicons {
        compact(&read_euc_jp(path).map_err(&fail)?, Some(READING_FIELD), &mut lexicon);
    }
    let matrix = read_euc_jp(matrix).map_err(&fail)?;
    let chars = read_euc_jp(chars).map_err(&fail)?;
    let mut unknown = String::new();
    compact(&read_euc_jp(unknown_def).map_err(&fail)?, None, &mut unknown);
    SystemDictionaryBuilder::from_readers(lexicon.as_bytes(), matrix.as_bytes(), chars.as_bytes(), unknown.as_bytes())
        .map_err(|e| fail(format!("cannot compile it: {e}")))
}

/// Appends MeCab CSV `lines` to `out` keeping the surface, ids and cost, and as the feature only
/// field `keep` (or `*`). Quoted lines (a surface with a comma) are kept whole.
fn compact(lines: &str, keep: Option<usize>, out: &mut String) {
    for line in lines.lines().filter(|line| !line.trim().is_empty()) {
        if line.starts_with('"') {
            out.push_str(line);
        } else {
            let fields: Vec<&str> = line.split(',').collect();
            out.push_str(&fields[..COST_FIELDS.min(fields.len())].join(","));
            out.push(',');
            out.push_str(keep.and_then(|k| fields.get(k)).copied().unwrap_or("*"));
        }
        out.push('\n');
    }
}

fn read_euc_jp(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (text, _, had_errors) = encoding_rs::EUC_JP.decode(&bytes);
    if had_errors {
        return Err(format!("{} is not EUC-JP text", path.display()));
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_words_get_their_reading_in_hiragana() {
        let reader = Reader::open().expect("IPADIC (scripts/ipadic.sh installs it)");
        let words = reader.words("赤ちゃんを抱っこする。\n麻疹の予防接種");
        let reading = |surface: &str| {
            words.iter().find(|w| w.surface == surface).and_then(|w| w.reading.clone()).unwrap_or_default()
        };
        assert_eq!(reading("抱っこ"), "だっこ", "{words:?}");
        assert_eq!(reading("赤ちゃん"), "あかちゃん", "{words:?}");
        // IPADIC reads 麻疹 the way parents say it.
        assert_eq!(reading("麻疹"), "はしか", "{words:?}");
        assert_eq!(reading("予防"), "よぼう", "{words:?}");
    }

    /// The dictionary in an entry-format `file` works: it reads 抱っこ as だっこ.
    fn assert_reads_dakko(file: &mut File) {
        file.seek(SeekFrom::Start(cache::HEADER_LEN)).expect("seek");
        let dictionary = Dictionary::read(BufReader::new(file)).expect("a readable dictionary");
        let reader = Reader { tokenizer: Tokenizer::new(dictionary) };
        let words = reader.words("抱っこ");
        assert_eq!(words[0].reading.as_deref(), Some("だっこ"), "{words:?}");
    }

    #[test]
    fn a_second_load_reads_the_cache_and_a_damaged_entry_is_replaced() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (mut file, origin) = compiled_file(&ipadic_dir(), Some(cache.path())).expect("compiled");
        assert_eq!(origin, Origin::Compiled);
        assert_reads_dakko(&mut file);
        let entries: Vec<PathBuf> =
            std::fs::read_dir(cache.path()).expect("list the cache").map(|e| e.expect("entry").path()).collect();
        assert_eq!(entries.len(), 1, "one entry and no temporary file left: {entries:?}");
        let entry = &entries[0];
        assert!(entry.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ipadic-")), "{entry:?}");
        // The format named in the entry's key is the one vibrato writes.
        let bytes = std::fs::read(entry).expect("read the entry");
        assert!(bytes[cache::HEADER_LEN as usize..].starts_with(cache::VIBRATO_MAGIC.as_bytes()), "vibrato's format");

        let (mut file, origin) = compiled_file(&ipadic_dir(), Some(cache.path())).expect("cached");
        assert_eq!(origin, Origin::Cached, "the second load reads the entry");
        assert_reads_dakko(&mut file);

        // One byte changed in the middle of the payload: the digest no longer matches.
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        std::fs::write(entry, &damaged).expect("damage the entry");
        let (mut file, origin) = compiled_file(&ipadic_dir(), Some(cache.path())).expect("compiled again");
        assert_eq!(origin, Origin::Compiled, "a damaged entry is not used");
        assert_reads_dakko(&mut file);
        assert_eq!(std::fs::read(entry).expect("read the new entry"), bytes, "the damaged entry is replaced");

        // A truncated entry (a disk that filled up under another writer) is not used either.
        std::fs::write(entry, &bytes[..bytes.len() / 3]).expect("truncate the entry");
        assert!(cache::open_entry(entry).is_none());
        std::fs::write(entry, &bytes[..10]).expect("truncate the header");
        assert!(cache::open_entry(entry).is_none());
        assert!(cache::open_entry(&cache.path().join("missing.dic")).is_none());
    }

    #[test]
    fn storing_an_entry_removes_only_the_entries_unused_for_a_month() {
        let cache = tempfile::tempdir().expect("temp dir");
        let aged = |name: &str, days: u64| {
            let path = cache.path().join(name);
            std::fs::write(&path, b"an entry of other sources").expect("write");
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
            std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(when)).expect("age");
            path
        };
        let stale = aged("ipadic-0000.dic", crate::cache::UNUSED_DAYS + 1);
        let recent = aged("ipadic-1111.dic", crate::cache::UNUSED_DAYS - 1);
        let other = aged("notes.txt", 400);
        let (_, origin) = compiled_file(&ipadic_dir(), Some(cache.path())).expect("compiled");
        assert_eq!(origin, Origin::Compiled);
        assert!(!stale.exists(), "an entry unused for over a month is removed");
        assert!(recent.exists() && other.exists(), "a recent entry and other files stay");

        // Reading an entry marks it as used.
        let name = cache::entry_name(&sources(&ipadic_dir()).expect("sources"), &settings()).expect("name");
        let entry = cache.path().join(name);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 86_400);
        std::fs::File::options().write(true).open(&entry).and_then(|f| f.set_modified(old)).expect("age");
        let (_, origin) = compiled_file(&ipadic_dir(), Some(cache.path())).expect("cached");
        assert_eq!(origin, Origin::Cached);
        let used = std::fs::metadata(&entry).and_then(|m| m.modified()).expect("modified");
        assert!(used > old + std::time::Duration::from_secs(86_400), "the entry read is marked as used");
    }

    #[test]
    fn a_cache_folder_that_cannot_be_written_still_gives_a_dictionary() {
        // A file where the folder should be: refused even to root (tests run as root in CI).
        let parent = tempfile::tempdir().expect("temp dir");
        let cache = parent.path().join("cache");
        std::fs::write(&cache, "not a folder").expect("write");
        let (mut file, origin) = compiled_file(&ipadic_dir(), Some(&cache)).expect("compiled without the cache");
        assert_eq!(origin, Origin::Compiled);
        assert_reads_dakko(&mut file);
        assert_eq!(std::fs::read_to_string(&cache).expect("read"), "not a folder");
    }

    #[test]
    fn the_entry_name_changes_with_the_sources_and_the_settings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [a, b] = ["A.csv", "B.csv"].map(|name| dir.path().join(name));
        std::fs::write(&a, "抱っこ").expect("write");
        std::fs::write(&b, "だっこ").expect("write");
        let sources = [a.clone(), b.clone()];
        let name = cache::entry_name(&sources, "field 11").expect("name");
        assert_eq!(cache::entry_name(&sources, "field 11").expect("name"), name, "the same sources, the same name");
        assert_ne!(cache::entry_name(&sources, "field 12").expect("name"), name, "another setting");
        std::fs::write(&b, "だっこ ").expect("write");
        assert_ne!(cache::entry_name(&sources, "field 11").expect("name"), name, "another byte");
        // The same bytes moved from one file to the next are other sources.
        std::fs::write(&a, "抱っこだ").expect("write");
        std::fs::write(&b, "っこ ").expect("write");
        assert_ne!(cache::entry_name(&sources, "field 11").expect("name"), name, "another split");
        assert!(cache::entry_name(&[dir.path().join("missing.csv")], "").is_err());
    }

    #[test]
    fn a_missing_dictionary_says_how_to_install_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = Reader::load(dir.path()).expect_err("no dictionary there");
        let message = error.to_string();
        assert!(message.contains("apt-get install -y mecab-ipadic"), "{message}");
        assert!(message.contains(DIR_ENV), "{message}");
    }
}
