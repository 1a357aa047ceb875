//! The one catalogue of the generator's messages to people: every problem `kizuna check`, `build`
//! and `local import` report, in Japanese (the default, for municipal staff) and in English.
//!
//! A call site names an [`Entry`] and fills its `{placeholders}` with [`Text::arg`]; the language is
//! chosen only when the text is shown ([`Text::message`]), so there is no `if lang` anywhere else.
//! The staff guide's list of messages (`docs/staff/check-messages.md`) is generated from [`all`],
//! and a test keeps the file equal to it.

mod content;
mod line;
mod rules;
mod summary;
mod survey;

use std::fmt;

/// The language messages are shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (the default: the staff who run the service read Japanese).
    #[default]
    Ja,
    /// English (`--lang en`, or `LANG=en…`).
    En,
}

impl Lang {
    /// `--lang` when given, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set):
    /// English when it starts with `en`, Japanese otherwise.
    pub fn choose(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(|| {
            let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
            Lang::from_locale(locale.as_deref().unwrap_or_default())
        })
    }

    /// The language of a locale name such as `en_US.UTF-8` or `ja_JP.UTF-8`.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.starts_with("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`: use ja or en")),
        }
    }
}

/// One kind of message, in both languages. `{name}` marks a value filled in by the call site.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    /// A stable name, used in the staff guide.
    pub code: &'static str,
    /// What is wrong, in Japanese.
    pub ja: &'static str,
    /// What to do, in Japanese (empty when the message says it all).
    pub ja_hint: &'static str,
    /// What is wrong, in English.
    pub en: &'static str,
    /// What to do, in English (empty when the message says it all).
    pub en_hint: &'static str,
}

/// Declares the entries of one part of the catalogue and the list of them.
macro_rules! entries {
    ($( $(#[$doc:meta])* $name:ident = $code:literal {
        ja: $ja:expr, ja_hint: $ja_hint:expr, en: $en:expr, en_hint: $en_hint:expr $(,)?
    } )*) => {
        $(
            $(#[$doc])*
            pub const $name: Entry = Entry { code: $code, ja: $ja, ja_hint: $ja_hint, en: $en, en_hint: $en_hint };
        )*
        /// Every entry of this part, in order.
        #[allow(dead_code)] // the summary's list is read only by the catalogue's tests
        pub(super) const ALL: &[&Entry] = &[$(&$name),*];
    };
}
pub(crate) use entries;

pub use content::*;
pub use line::*;
pub use rules::*;
pub use summary::*;
pub use survey::*;

/// Every problem of the catalogue, in the order of the staff guide.
pub fn all() -> impl Iterator<Item = &'static Entry> {
    content::ALL.iter().chain(rules::ALL).chain(line::ALL).chain(survey::ALL).copied()
}

/// A message of the catalogue with its values: what a diagnostic says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    entry: &'static Entry,
    args: Vec<(&'static str, Arg)>,
    suggestion: Option<String>,
}

/// A value filled into a text: as written, or words of the catalogue shown in the same language.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Arg {
    Plain(String),
    Words(Box<Text>),
}

impl Text {
    /// The entry, with no values yet.
    pub fn new(entry: &'static Entry) -> Self {
        Text { entry, args: Vec::new(), suggestion: None }
    }

    /// Fills `{name}` with `value`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Plain(value.to_string())));
        self
    }

    /// Fills `{name}` with another text of the catalogue, shown in the same language.
    #[must_use]
    pub fn arg_text(mut self, name: &'static str, words: Text) -> Self {
        self.args.push((name, Arg::Words(Box::new(words))));
        self
    }

    /// Adds 「もしかして「…」？」 when a near name was found.
    #[must_use]
    pub fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    /// The entry's stable name.
    pub fn code(&self) -> &'static str {
        self.entry.code
    }

    /// What is wrong, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let template = match lang {
            Lang::Ja => self.entry.ja,
            Lang::En => self.entry.en,
        };
        let mut text = self.fill(template, lang);
        if let Some(suggestion) = &self.suggestion {
            match lang {
                Lang::Ja => text.push_str(&format!("（もしかして「{suggestion}」？）")),
                Lang::En => text.push_str(&format!(" (did you mean `{suggestion}`?)")),
            }
        }
        text
    }

    /// What to do, in `lang`.
    pub fn hint(&self, lang: Lang) -> Option<String> {
        let template = match lang {
            Lang::Ja => self.entry.ja_hint,
            Lang::En => self.entry.en_hint,
        };
        (!template.is_empty()).then(|| self.fill(template, lang))
    }

    fn fill(&self, template: &str, lang: Lang) -> String {
        let mut text = template.to_owned();
        for (name, value) in &self.args {
            let value = match value {
                Arg::Plain(value) => value.clone(),
                Arg::Words(words) => words.message(lang),
            };
            text = text.replace(&format!("{{{name}}}"), &value);
        }
        text
    }
}

/// The known name closest to `unknown` by edit distance (a swap of two neighbours counts once), when it is close enough to be a slip
/// (at most a third of its characters differ, and at least one in common).
pub fn nearest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let length = unknown.chars().count();
    let allowed = (length / 3).max(1);
    known
        .into_iter()
        .filter(|name| *name != unknown)
        .map(|name| (strsim::osa_distance(unknown, name), name))
        .filter(|(distance, name)| *distance <= allowed && *distance < name.chars().count().max(length))
        .min()
        .map(|(_, name)| name.to_owned())
}

/// The staff guide's list of every message (`docs/staff/check-messages.md`), in Japanese.
pub fn staff_guide() -> String {
    let mut text = String::from(
        "# `kizuna check` のメッセージ一覧\n\n\
         このファイルは `generator/src/catalogue/` から生成しています（手で編集しないでください。\
         `KIZUNA_WRITE_DOCS=1 cargo test -p kizuna-generator --lib catalogue` で書き直せます）。\n\
         `{…}` の部分には、実際のファイル名・値・日付などが入ります。\
         メッセージは `エラー:`（直すまで公開できません）または `警告:`（公開はできますが確認してください）で始まり、\
         ファイル名と行番号のあとに続きます。名前の打ち間違いには「もしかして「…」？」と近い名前を添えます。\n\
         英語で表示するには `--lang en` を付けてください。\n",
    );
    for entry in all() {
        text.push_str(&format!("\n## {}\n\n- 表示: {}\n", entry.code, entry.ja));
        if !entry.ja_hint.is_empty() {
            text.push_str(&format!("- 対処: {}\n", entry.ja_hint));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_both_languages_are_written() {
        let mut codes = std::collections::BTreeSet::new();
        for entry in all().chain(summary::ALL.iter().copied()) {
            assert!(codes.insert(entry.code), "{} is listed twice", entry.code);
            assert!(!entry.ja.is_empty() && !entry.en.is_empty(), "{}", entry.code);
            assert_eq!(
                entry.ja_hint.is_empty(),
                entry.en_hint.is_empty(),
                "{}: a hint in one language only",
                entry.code
            );
            let placeholders = |text: &str| -> std::collections::BTreeSet<String> {
                text.split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}'))
                    .map(|(name, _)| name.to_owned())
                    .collect()
            };
            let ja = placeholders(&format!("{}{}", entry.ja, entry.ja_hint));
            let en = placeholders(&format!("{}{}", entry.en, entry.en_hint));
            assert_eq!(ja, en, "{}: the two languages fill different values", entry.code);
        }
    }

    #[test]
    fn a_text_is_shown_in_either_language_with_its_suggestion() {
        let text = Text::new(&UNKNOWN_TOPIC).arg("topic", "乳幼児検診").suggest(Some("乳幼児健診".into()));
        assert_eq!(text.message(Lang::Ja), "トピック「乳幼児検診」は登録されていません（もしかして「乳幼児健診」？）");
        assert_eq!(text.message(Lang::En), "unknown topic `乳幼児検診` (did you mean `乳幼児健診`?)");
        assert!(text.hint(Lang::Ja).is_some_and(|h| h.contains("site.yaml")));
        let gap = Text::new(&COVERAGE_GAP).arg_text("after", Text::new(&WINDOW_START));
        assert!(gap.message(Lang::Ja).contains("（期間のはじめ） と"), "{}", gap.message(Lang::Ja));
        assert!(gap.message(Lang::En).contains("between (start of the window) and"), "{}", gap.message(Lang::En));
    }

    #[test]
    fn near_names_are_suggested_and_far_ones_are_not() {
        let known = ["乳幼児健診", "予防接種", "maternity", "baby"];
        assert_eq!(nearest("乳幼児検診", known), Some("乳幼児健診".to_owned()));
        assert_eq!(nearest("matrnity", known), Some("maternity".to_owned()));
        assert_eq!(nearest("bbay", known), Some("baby".to_owned()));
        assert_eq!(nearest("防災", known), None);
        assert_eq!(nearest("school", known), None);
    }

    #[test]
    fn the_locale_chooses_english_only_when_it_says_so() {
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("ja_JP.UTF-8"), Lang::Ja);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::Ja);
        assert_eq!(Lang::choose(Some(Lang::En)), Lang::En);
    }

    #[test]
    fn the_staff_guide_lists_every_message_as_the_catalogue_says() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/staff/check-messages.md");
        let expected = staff_guide();
        if std::env::var_os("KIZUNA_WRITE_DOCS").is_some() {
            std::fs::write(&path, &expected).expect("write the guide");
        }
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            written == expected,
            "docs/staff/check-messages.md differs from the catalogue: run KIZUNA_WRITE_DOCS=1 cargo test -p kizuna-generator --lib catalogue"
        );
    }
}
