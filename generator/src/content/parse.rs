//! Reading one YAML file of `content/` into its typed value, decided by where the file lives.
//!
//! serde_yaml's errors are put into the staff's words here: an unknown key or value names the
//! allowed ones and the nearest of them (「もしかして」), and a full-width colon after a key
//! (`title：`), the commonest slip of Japanese input, is reported at its own line with the fix.

use std::fs;
use std::path::Path;

use kizuna_schedule::TrackId;
use serde::de::DeserializeOwned;

use super::{is_valid_stem, KeyLines, Loaded, LocalFile, MessageFile, MunicipalityFile, SiteFile, TrackFile};
use crate::catalogue::{self as msg, Text};
use crate::diagnostics::Diagnostics;
use crate::style::HouseStyle;
use crate::synonyms::SynonymsFile;

/// What a file is, decided by where it lives.
pub(super) enum ParsedFile {
    Site(Loaded<SiteFile>),
    Style(HouseStyle),
    Track(TrackId, Loaded<TrackFile>),
    Message(TrackId, String, Loaded<MessageFile>),
    Municipality(Box<Loaded<MunicipalityFile>>),
    Local(String, Loaded<LocalFile>),
    Override(String, Loaded<MessageFile>),
    Synonyms(Loaded<SynonymsFile>),
    Survey(String, Loaded<crate::survey::SurveyFile>),
}

pub(super) fn parse_file(root: &Path, absolute: &Path, shown: &Path) -> Result<ParsedFile, Diagnostics> {
    let mut problems = Diagnostics::default();
    let relative = absolute.strip_prefix(root).unwrap_or(absolute);
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    let stem = absolute.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    // The size is judged before reading, so a huge file costs nothing.
    if let Some(problem) = fs::metadata(absolute).ok().and_then(|m| crate::limits::file_too_large(m.len())) {
        problems.error(shown, Some(1), problem);
        return Err(problems);
    }
    let text = match fs::read_to_string(absolute) {
        Ok(text) => text,
        Err(error) => {
            problems.error(shown, None, Text::new(&msg::CANNOT_READ).arg("error", error));
            return Err(problems);
        }
    };
    let stem_ok = |problems: &mut Diagnostics| {
        let ok = is_valid_stem(&stem);
        if !ok {
            problems.error(shown, None, Text::new(&msg::INVALID_STEM).arg("stem", &stem));
        }
        ok
    };
    let track_of = |name: &str, problems: &mut Diagnostics| match name.parse::<TrackId>() {
        Ok(track) => Some(track),
        Err(_) => {
            let known: Vec<&str> = TrackId::ALL.iter().map(|t| t.as_str()).collect();
            let text = Text::new(&msg::UNKNOWN_TRACK_FOLDER)
                .arg("track", name)
                .arg("known", known.join(", "))
                .suggest(msg::nearest(name, known.iter().copied()));
            problems.error(shown, None, text);
            None
        }
    };
    let parsed: Result<Option<ParsedFile>, Diagnostics> = match parts.as_slice() {
        ["site.yaml" | "site.yml"] => parse(&text, shown).map(|file| Some(ParsedFile::Site(file))),
        ["search", "synonyms.yaml"] => parse(&text, shown).map(|file| Some(ParsedFile::Synonyms(file))),
        ["style.yaml" | "style.yml"] => crate::style::parse(&text, shown).map(|style| Some(ParsedFile::Style(style))),
        ["tracks", track, "track.yaml" | "track.yml"] => {
            let track = track_of(track, &mut problems);
            parse(&text, shown).map(|file| track.map(|t| ParsedFile::Track(t, file)))
        }
        ["tracks", track, _] => {
            let track = track_of(track, &mut problems);
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| track.filter(|_| valid).map(|t| ParsedFile::Message(t, stem.clone(), file)))
        }
        ["municipalities", _, "municipality.yaml" | "municipality.yml"] => {
            parse(&text, shown).map(|file| Some(ParsedFile::Municipality(Box::new(file))))
        }
        ["municipalities", _, "local", _] => {
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| valid.then(|| ParsedFile::Local(stem.clone(), file)))
        }
        ["surveys", _] | ["municipalities", _, "surveys", _] => {
            let valid = stem_ok(&mut problems);
            parse(&text, shown).map(|file| valid.then(|| ParsedFile::Survey(stem.clone(), file)))
        }
        ["municipalities", _, "overrides", track, _] => {
            let track = track_of(track, &mut problems);
            let valid = stem_ok(&mut problems);
            parse(&text, shown)
                .map(|file| track.filter(|_| valid).map(|t| ParsedFile::Override(format!("{t}/{stem}"), file)))
        }
        _ => {
            problems.error(shown, None, Text::new(&msg::FILE_OUT_OF_PLACE));
            return Err(problems);
        }
    };
    match parsed {
        Ok(Some(file)) if problems.is_empty() => Ok(file),
        Ok(_) => Err(problems),
        Err(parse_problems) => {
            problems.extend(parse_problems);
            Err(problems)
        }
    }
}

fn parse<T: DeserializeOwned>(text: &str, shown: &Path) -> Result<Loaded<T>, Diagnostics> {
    match serde_yaml::from_str::<T>(text) {
        Ok(value) => Ok(Loaded { path: shown.to_path_buf(), lines: KeyLines::index(text), value }),
        Err(error) => {
            let mut problems = Diagnostics::default();
            let colons = full_width_colons(text);
            if colons.is_empty() {
                problems.error(shown, error.location().map(|l| l.line()), yaml_text(&error.to_string()));
            }
            // The colon is the cause; serde_yaml's complaint about the lines after it is not.
            for (line, key) in colons {
                problems.error(shown, Some(line), Text::new(&msg::FULL_WIDTH_COLON).arg("key", key));
            }
            Err(problems)
        }
    }
}

/// Keys written with a full-width colon — `title：…` at a line's start (also nested, or after
/// `- `) or `from：…` inside a flow map `{ … }` — as (line, key). Lines of block scalars (`body: |`)
/// are text, where 「TEL：」 is fine, and are skipped.
pub(crate) fn full_width_colons(text: &str) -> Vec<(usize, String)> {
    let is_key =
        |key: &str| !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut found = Vec::new();
    let mut block_indent: Option<usize> = None;
    for (number, line) in text.lines().enumerate() {
        if let Some(block) = block_indent {
            if line.trim().is_empty() || indent(line) > block {
                continue;
            }
            block_indent = None;
        }
        let value = line.split_once(':').map(|(_, value)| value.trim()).unwrap_or_default();
        if value.starts_with('|') || value.starts_with('>') {
            block_indent = Some(indent(line));
        }
        let starts = std::iter::once(line.trim_start().trim_start_matches("- "))
            .chain(line.split(['{', ',']).skip(1).map(str::trim_start));
        for start in starts {
            if let Some((key, _)) = start.split_once('：') {
                if is_key(key.trim()) {
                    found.push((number + 1, key.trim().to_owned()));
                    break;
                }
            }
        }
    }
    found
}

/// serde_yaml's message (English, with its position cut off: the line is shown already) as a
/// catalogue text.
pub(crate) fn yaml_text(message: &str) -> Text {
    let message = message.split(" at line ").next().unwrap_or(message);
    // serde_yaml puts the place of a nested value first (`email: missing field …`): a key is named
    // with it (`email.from`).
    let kind = ["unknown field", "unknown variant", "missing field"].into_iter().find(|k| message.contains(k));
    let (place, message) = match kind.and_then(|k| message.find(k)) {
        Some(at) => (message[..at].trim_end_matches([':', ' ']), &message[at..]),
        None => ("", message),
    };
    let qualified = |name: String| if place.is_empty() { name } else { format!("{place}.{name}") };
    let quoted = |text: &str| text.split('`').nth(1).unwrap_or_default().to_owned();
    let expected = |text: &str| -> Vec<String> {
        let list = text.split_once("expected ").map(|(_, rest)| rest).unwrap_or_default();
        list.split('`').skip(1).step_by(2).map(str::to_owned).collect()
    };
    let with_expected = |entry: &'static msg::Entry, name: &'static str, shown_name: String| {
        let value = quoted(message);
        let known = expected(message);
        let shown = if known.is_empty() { "—".to_owned() } else { known.join(", ") };
        Text::new(entry)
            .arg(name, shown_name)
            .arg("expected", shown)
            .suggest(msg::nearest(&value, known.iter().map(String::as_str)))
    };
    if message.starts_with("unknown field") {
        with_expected(&msg::YAML_UNKNOWN_FIELD, "field", qualified(quoted(message)))
    } else if message.starts_with("unknown variant") {
        with_expected(&msg::YAML_UNKNOWN_VALUE, "value", quoted(message))
    } else if message.starts_with("missing field") {
        Text::new(&msg::YAML_MISSING_FIELD).arg("field", qualified(quoted(message)))
    } else if message.contains("invalid type") || message.contains("invalid value") || message.contains("is not") {
        Text::new(&msg::YAML_INVALID_VALUE).arg("detail", message)
    } else {
        Text::new(&msg::YAML_SYNTAX).arg("detail", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Lang;

    #[test]
    fn a_full_width_colon_is_found_at_its_own_line() {
        let text = "when: { day: 3 }\ntitle：はじめての\nbody: |\n  TEL：本文の中は対象外\n\n  URL：これも\nvalid:\n  from：2027-04-01\nvalid: { from: 2027-04-01, until：2028-03-31 }\n";
        assert_eq!(
            full_width_colons(text),
            vec![(2, "title".to_owned()), (8, "from".to_owned()), (9, "until".to_owned())]
        );
    }

    #[test]
    fn serde_yaml_messages_become_japanese_with_a_suggestion() {
        let text = yaml_text("unknown field `titel`, expected one of `when`, `title`, `body` at line 2 column 1");
        assert_eq!(
            text.message(Lang::Ja),
            "「titel」という項目はここには書けません（書ける項目: when, title, body）（もしかして「title」？）"
        );
        let text = yaml_text("tracks[0]: unknown variant `matrnity`, expected one of `maternity`, `baby`");
        assert!(text.message(Lang::Ja).contains("もしかして「maternity」？"), "{}", text.message(Lang::Ja));
        assert_eq!(yaml_text("missing field `body`").message(Lang::Ja), "必要な項目「body」がありません");
        let nested = yaml_text("valid: unknown field `fro`, expected `from` or `until` at line 5 column 10");
        assert!(nested.message(Lang::Ja).starts_with("「valid.fro」という項目"), "{}", nested.message(Lang::Ja));
        assert!(nested.message(Lang::Ja).ends_with("（もしかして「from」？）"), "{}", nested.message(Lang::Ja));
        assert_eq!(yaml_text("email: missing field `from`").message(Lang::Ja), "必要な項目「email.from」がありません");
    }
}
