//! The search synonym list, `content/search/synonyms.yaml` (issue 22): words a parent types that
//! neither the page's text nor its readings give — 「はしか」 for 「麻しん」, 「おたふく」 for
//! 「流行性耳下腺炎」. Each top-level key is the word a parent types, its value the words pages
//! use for the same thing:
//!
//! ```yaml
//! はしか: [麻しん, 麻疹]
//! おたふく: [おたふくかぜ, 流行性耳下腺炎]
//! ```
//!
//! Every word of an entry finds the pages that contain any other word of it: a page that says
//! 「麻しん」 is indexed with 「はしか」 and 「麻疹」 as hidden words ([`crate::search_text`]).
//! Problems are reported with the file and the line of the entry.

use std::collections::BTreeMap;

use crate::catalogue::{self as msg, Text};
use crate::content::Loaded;
use crate::diagnostics::Diagnostics;
use crate::search_text::fold;

/// The file, relative to the content directory.
pub const FILE: &str = "search/synonyms.yaml";

/// The shortest word the list accepts, in characters: one kana would match nearly every page.
const MIN_CHARS: usize = 2;

/// `synonyms.yaml` as written: typed word → the words pages use.
pub type SynonymsFile = BTreeMap<String, Vec<String>>;

/// The validated list: groups of words (folded as the search box folds a query) that find each
/// other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

impl Synonyms {
    /// A list from groups of words (folded here).
    pub fn from_groups(groups: Vec<Vec<String>>) -> Self {
        Synonyms { groups: groups.into_iter().map(|group| group.iter().map(|w| fold(w)).collect()).collect() }
    }

    /// Validates a parsed file: each problem goes to `diagnostics` with the entry's line.
    pub fn from_file(file: &Loaded<SynonymsFile>, diagnostics: &mut Diagnostics) -> Self {
        let mut first_entry: BTreeMap<String, &str> = BTreeMap::new();
        let mut groups = Vec::new();
        for (key, words) in &file.value {
            let line = file.lines.line_or_top(key);
            let mut problems = Vec::new();
            if words.is_empty() {
                problems.push(Text::new(&msg::SYNONYM_NO_WORDS).arg("key", key));
            }
            let mut group = Vec::new();
            for word in std::iter::once(key).chain(words) {
                let folded = fold(word.trim());
                if folded.chars().count() < MIN_CHARS {
                    problems.push(Text::new(&msg::SYNONYM_TOO_SHORT).arg("word", word).arg("min", MIN_CHARS));
                } else if let Some(other) = first_entry.get(&folded) {
                    problems.push(Text::new(&msg::SYNONYM_TWICE).arg("word", word).arg("other", other));
                } else if !group.contains(&folded) {
                    first_entry.insert(folded.clone(), key);
                    group.push(folded);
                }
            }
            for text in &problems {
                diagnostics.error(&file.path, line, text.clone());
            }
            if problems.is_empty() {
                groups.push(group);
            }
        }
        Synonyms { groups }
    }

    /// The words to add to a page whose folded text is `folded`: every other word of each group
    /// one of whose words the text contains.
    pub fn of_text<'a>(&'a self, folded: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.groups
            .iter()
            .filter(move |group| group.iter().any(|word| folded.contains(word.as_str())))
            .flat_map(move |group| group.iter().filter(move |word| !folded.contains(word.as_str())))
            .map(String::as_str)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// A stable text form, for the search bundle's stamp (a changed list indexes again).
    pub fn fingerprint(&self) -> String {
        self.groups.iter().map(|group| group.join(",")).collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::KeyLines;

    fn loaded(text: &str) -> Loaded<SynonymsFile> {
        Loaded {
            path: "content/search/synonyms.yaml".into(),
            lines: KeyLines::index(text),
            value: serde_yaml::from_str(text).expect("yaml"),
        }
    }

    #[test]
    fn a_page_with_any_word_of_an_entry_gets_the_others() {
        let mut diagnostics = Diagnostics::default();
        let list =
            Synonyms::from_file(&loaded("はしか: [麻しん, 麻疹]\nオタフク: [流行性耳下腺炎]\n"), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics}");
        let words: Vec<&str> = list.of_text("麻しんの予防接種").collect();
        assert_eq!(words, ["はしか", "麻疹"]);
        // Folded like a query: katakana keys find hiragana and the other way round.
        let words: Vec<&str> = list.of_text("流行性耳下腺炎の予防接種").collect();
        assert_eq!(words, ["おたふく"]);
        assert_eq!(list.of_text("話しかけてみる").count(), 0);
    }

    #[test]
    fn problems_name_the_line_of_the_entry() {
        use crate::catalogue::Lang;
        let text = "# 同義語\nはしか: [麻しん]\nが: [麻疹]\nましん: []\n麻しん: [はしか]\n";
        let mut diagnostics = Diagnostics::default();
        let list = Synonyms::from_file(&loaded(text), &mut diagnostics);
        let shown: Vec<String> = diagnostics
            .sorted()
            .iter()
            .map(|d| format!("{}:{:?} {}", d.file.display(), d.line, d.message(Lang::En)))
            .collect();
        assert_eq!(diagnostics.error_count(), 4, "{shown:?}");
        assert!(shown.iter().any(|s| s.contains(":Some(3) `が` is too short")), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains(":Some(4) `ましん` lists no words")), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains(":Some(5) `麻しん` is already in the entry `はしか`")), "{shown:?}");
        assert_eq!(list.fingerprint(), "はしか,麻しん");
    }
}
