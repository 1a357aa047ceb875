//! Kana readings of Japanese text, for search (issue 22): a parent types 「だっこ」 and the page
//! says 「抱っこ」. The archive's search runs in the browser with no dictionary, so the readings are
//! computed at build time and indexed as hidden words of each page (see [`crate::search_text`]).
//!
//! The analyser is [vibrato](https://crates.io/crates/vibrato) (a MeCab-compatible Viterbi
//! tokenizer in Rust) over IPADIC as Debian ships it in `mecab-ipadic` (the MeCab source files,
//! EUC-JP, under `/usr/share/mecab/dic/ipadic`; `KIZUNA_IPADIC` names another folder). The
//! dictionary is compiled once per process, when a build first indexes pages (a few seconds),
//! with only the readings as features and without the name, place and organisation lexicons, and
//! kept serialised in a temporary file; the search engine opens it to read pages and drops it before
//! Pagefind makes a large index (`search/engine.rs`). Without it a build with search stops and says how to install it.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use vibrato::{Dictionary, SystemDictionaryBuilder, Tokenizer};

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
        let fail = |message: String| ReadingsError { dir: dir.to_path_buf(), message };
        let mut csv_files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| fail(format!("cannot list the folder: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "csv"))
            .filter(|path| !path.file_name().is_some_and(|name| SKIPPED_FILES.iter().any(|s| name == *s)))
            .collect();
        if csv_files.is_empty() {
            return Err(fail("no *.csv lexicon files".to_owned()));
        }
        // Sorted, so that the same sources always compile to the same dictionary.
        csv_files.sort();
        // Only the reading is kept as an entry's feature: the part-of-speech fields would more
        // than double the dictionary in memory (peak RSS must stay under 300 MB with Pagefind).
        let mut lexicon = String::new();
        for path in &csv_files {
            compact(&read_euc_jp(path).map_err(&fail)?, Some(READING_FIELD), &mut lexicon);
        }
        let matrix = read_euc_jp(&dir.join("matrix.def")).map_err(&fail)?;
        let chars = read_euc_jp(&dir.join("char.def")).map_err(&fail)?;
        let mut unknown = String::new();
        compact(&read_euc_jp(&dir.join("unk.def")).map_err(&fail)?, None, &mut unknown);
        let dictionary: Dictionary = SystemDictionaryBuilder::from_readers(
            lexicon.as_bytes(),
            matrix.as_bytes(),
            chars.as_bytes(),
            unknown.as_bytes(),
        )
        .map_err(|e| fail(format!("cannot compile it: {e}")))?;
        Ok(Reader { tokenizer: Tokenizer::new(dictionary) })
    }

    /// A reader of the dictionary of the process, compiled on first use from `KIZUNA_IPADIC` or
    /// [`DEFAULT_DIR`] and kept serialised in an anonymous temporary file (deleted by the system
    /// when the process ends), so that it takes no memory while unused. Callers drop the reader
    /// before Pagefind makes a large index: the two never share the 300 MB peak-RSS budget.
    pub fn open() -> Result<Reader, ReadingsError> {
        let dir = || std::env::var_os(DIR_ENV).map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from);
        let fail = |message: String| ReadingsError { dir: dir(), message };
        let file = Reader::compiled()?;
        let mut file = file.lock().map_err(|_| fail("the compiled dictionary is unavailable".to_owned()))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| fail(format!("cannot read the compiled dictionary: {e}")))?;
        let dictionary = Dictionary::read(BufReader::new(&mut *file))
            .map_err(|e| fail(format!("cannot read the compiled dictionary: {e}")))?;
        Ok(Reader { tokenizer: Tokenizer::new(dictionary) })
    }

    /// The compiled dictionary of the process (see [`Reader::open`]); a second caller waits for the first.
    fn compiled() -> Result<&'static Mutex<File>, ReadingsError> {
        static COMPILED: OnceLock<Result<Mutex<File>, ReadingsError>> = OnceLock::new();
        let dir = std::env::var_os(DIR_ENV).map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from);
        COMPILED.get_or_init(|| Reader::compile(&dir).map(Mutex::new)).as_ref().map_err(Clone::clone)
    }

    fn compile(dir: &Path) -> Result<File, ReadingsError> {
        let fail = |message: String| ReadingsError { dir: dir.to_path_buf(), message };
        let file = tempfile::tempfile().map_err(|e| fail(format!("cannot create a temporary file: {e}")))?;
        let mut writer = BufWriter::new(file);
        Reader::load(dir)?
            .tokenizer
            .dictionary()
            .write(&mut writer)
            .map_err(|e| fail(format!("cannot store it: {e}")))?;
        writer.into_inner().map_err(|e| fail(format!("cannot store it: {e}")))
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

    #[test]
    fn a_missing_dictionary_says_how_to_install_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = Reader::load(dir.path()).expect_err("no dictionary there");
        let message = error.to_string();
        assert!(message.contains("apt-get install -y mecab-ipadic"), "{message}");
        assert!(message.contains(DIR_ENV), "{message}");
    }
}
