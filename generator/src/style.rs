//! The house style (`content/style.yaml`): preferred forms and the variants to avoid, e.g.
//! おなか ← お腹. `kizuna check` warns at every variant in a text value (file:line) and
//! `kizuna check --fix` rewrites them.
//!
//! Only the text values of content files are touched — the values of `title`, `body`, `to_partner`
//! and `description` — never keys, comments, topics, ids or other values, and everything else stays
//! byte for byte: the rewrite edits the raw text in place, then parses the old and new file and
//! writes only when the new file's values are exactly the old ones with the variants replaced
//! (else the file is left for a person to fix). Files are written through a temporary file and a
//! rename, so an interrupted fix never leaves half a file.
//!
//! A rule may be limited by what follows the variant: `＃ ← #` applies only before a digit or kana
//! (`#7119` → `＃7119`), never to a Markdown heading (`# ` with a space) or a URL fragment.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use walkdir::WalkDir;

use crate::catalogue::{self as msg, Text};
use crate::diagnostics::Diagnostics;

/// The keys whose values are prose in the house style.
pub const TEXT_KEYS: [&str; 4] = ["title", "body", "to_partner", "description"];

/// What may follow a variant for a rule to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Follower {
    /// 0–9 (ASCII or full-width).
    Digit,
    /// Hiragana or katakana.
    Kana,
}

impl Follower {
    fn matches(self, c: char) -> bool {
        match self {
            Follower::Digit => c.is_ascii_digit() || ('０'..='９').contains(&c),
            Follower::Kana => ('\u{3041}'..='\u{309F}').contains(&c) || ('\u{30A0}'..='\u{30FF}').contains(&c),
        }
    }
}

/// One rule as written in `style.yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleRule {
    /// The preferred form, e.g. おなか.
    pub prefer: String,
    /// The forms to replace with it, e.g. [お腹].
    pub variants: Vec<String>,
    /// When present, the rule applies only where one of these follows the variant.
    #[serde(default)]
    pub before: Option<Vec<Follower>>,
    /// Words that contain a variant but stay as written: compounds (合言葉) and proper names
    /// (24時間子供SOSダイヤル). Each must contain one of the variants.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Why the house writes it so (for editors; not used by the check).
    #[serde(default)]
    pub note: Option<String>,
    /// The line of the rule in `style.yaml` (set after parsing).
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleFile {
    rules: Vec<StyleRule>,
}

/// The house style: its file (as shown in diagnostics) and its rules, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseStyle {
    /// `content/style.yaml`.
    pub path: PathBuf,
    /// The rules, applied in this order.
    pub rules: Vec<StyleRule>,
}

/// One variant found in a text value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the file.
    pub offset: usize,
    /// 1-based line in the file.
    pub line: usize,
    /// The variant found.
    pub variant: String,
    /// The preferred form.
    pub prefer: String,
}

/// Parses and validates `style.yaml`; every problem is reported with its line.
pub fn parse(text: &str, shown: &Path) -> Result<HouseStyle, Diagnostics> {
    let mut problems = Diagnostics::default();
    let file: StyleFile = match serde_yaml::from_str(text) {
        Ok(file) => file,
        Err(error) => {
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let text = Text::new(&msg::STYLE_FILE_INVALID).arg("detail", message);
            problems.error(shown, error.location().map(|l| l.line()), text);
            return Err(problems);
        }
    };
    let item_lines = item_lines(text);
    let mut rules = file.rules;
    for (index, rule) in rules.iter_mut().enumerate() {
        rule.line = item_lines.get(index).copied().unwrap_or(1);
    }
    for (index, rule) in rules.iter().enumerate() {
        let mut problem = |text: Text| problems.error(shown, Some(rule.line), text);
        if rule.prefer.trim().is_empty() {
            problem(Text::new(&msg::STYLE_PREFER_EMPTY));
        }
        if rule.variants.is_empty() {
            problem(Text::new(&msg::STYLE_NO_VARIANTS).arg("prefer", &rule.prefer));
        }
        for word in &rule.keep {
            if !rule.variants.iter().any(|variant| word.contains(variant.as_str())) {
                problem(Text::new(&msg::STYLE_KEEP_WITHOUT_VARIANT).arg("word", word));
            }
        }
        if rule.before.as_ref().is_some_and(Vec::is_empty) {
            problem(Text::new(&msg::STYLE_BEFORE_EMPTY));
        }
        for variant in &rule.variants {
            if variant.is_empty() {
                problem(Text::new(&msg::STYLE_VARIANT_EMPTY));
                continue;
            }
            // A preferred form containing a variant would be flagged again after every fix.
            if let Some(other) = rules.iter().find(|r| r.prefer.contains(variant.as_str())) {
                problem(
                    Text::new(&msg::STYLE_VARIANT_IN_PREFERRED).arg("variant", variant).arg("prefer", &other.prefer),
                );
            }
            if let Some(earlier) = rules[..index].iter().find(|r| r.variants.contains(variant)) {
                problem(Text::new(&msg::STYLE_VARIANT_TWICE).arg("variant", variant).arg("line", earlier.line));
            }
        }
    }
    if problems.is_empty() {
        Ok(HouseStyle { path: shown.to_path_buf(), rules })
    } else {
        Err(problems)
    }
}

/// The lines of the items of the top-level `rules` list (`- prefer: …`), in order.
fn item_lines(text: &str) -> Vec<usize> {
    let items: Vec<(usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let indent = line.len() - line.trim_start().len();
            line.trim_start().starts_with("- ").then_some((indent, number + 1))
        })
        .collect();
    let outer = items.iter().map(|(indent, _)| *indent).min().unwrap_or(0);
    items.into_iter().filter(|(indent, _)| *indent == outer).map(|(_, line)| line).collect()
}

/// The byte ranges of the text values of `TEXT_KEYS` in a flat YAML map, without comments.
pub fn value_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    // Inside a value: whether it is a block scalar (`|`, `>`), whose lines are all content.
    let mut inside: Option<bool> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let at_column_zero = content.chars().next().is_some_and(|c| !c.is_whitespace());
        if at_column_zero {
            inside = None;
            let Some((key, rest)) = content.split_once(':') else { continue };
            if content.starts_with('#') || !TEXT_KEYS.contains(&key.trim()) {
                continue;
            }
            let value = rest.trim_start();
            let value_start = start + key.len() + 1 + (rest.len() - value.len());
            let block = value.starts_with('|') || value.starts_with('>');
            inside = Some(block);
            if !block {
                spans.push((value_start, value_start + plain_end(value)));
            }
        } else if let Some(block) = inside {
            let end = if block { content.len() } else { plain_end(content) };
            spans.push((start, start + end));
        }
    }
    spans
}

/// The length of a plain or quoted value on one line, without a trailing ` # comment`.
fn plain_end(value: &str) -> usize {
    if value.trim_start().starts_with(['"', '\'']) {
        return value.len();
    }
    value.find(" #").or_else(|| value.find("\t#")).unwrap_or(value.len())
}

impl HouseStyle {
    /// Every variant in `text` between `start` and `end` (byte offsets), as (offset, rule index, variant).
    fn matches_in(&self, text: &str, start: usize, end: usize) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            for (variant_index, variant) in rule.variants.iter().enumerate() {
                let region = &text[start..end];
                // Where a kept word (合言葉, a proper name) stands, its variant is not one.
                let kept: Vec<(usize, usize)> = rule
                    .keep
                    .iter()
                    .flat_map(|word| region.match_indices(word.as_str()).map(|(at, w)| (at, at + w.len())))
                    .collect();
                for (at, _) in region.match_indices(variant.as_str()) {
                    if kept.iter().any(|&(from, to)| from <= at && at + variant.len() <= to) {
                        continue;
                    }
                    let after = region[at + variant.len()..].chars().next();
                    let before = text[..start + at].chars().next_back();
                    let followed = rule
                        .before
                        .as_ref()
                        .is_none_or(|classes| after.is_some_and(|c| classes.iter().any(|class| class.matches(c))));
                    // An ASCII variant right after URL characters is part of the URL (`page#7`).
                    let in_url = variant.starts_with(|c: char| c.is_ascii())
                        && before.is_some_and(|c| c.is_ascii_alphanumeric() || "/.:?=&_-%".contains(c));
                    if followed && !in_url {
                        found.push((start + at, index, variant_index));
                    }
                }
            }
        }
        found.sort_unstable();
        // Overlapping matches: the first one wins.
        let mut last_end = 0;
        found.retain(|(at, rule, variant)| {
            let keep = *at >= last_end;
            if keep {
                last_end = at + self.rules[*rule].variants[*variant].len();
            }
            keep
        });
        found
    }

    /// Every variant in the text values of a content file.
    pub fn findings(&self, text: &str) -> Vec<Finding> {
        value_spans(text)
            .into_iter()
            .flat_map(|(start, end)| self.matches_in(text, start, end))
            .map(|(offset, rule, variant)| Finding {
                offset,
                line: text[..offset].matches('\n').count() + 1,
                variant: self.rules[rule].variants[variant].clone(),
                prefer: self.rules[rule].prefer.clone(),
            })
            .collect()
    }

    /// `text` with every finding replaced by its preferred form.
    fn rewrite(&self, text: &str, findings: &[Finding]) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for finding in findings {
            out.push_str(&text[copied..finding.offset]);
            out.push_str(&finding.prefer);
            copied = finding.offset + finding.variant.len();
        }
        out.push_str(&text[copied..]);
        out
    }

    /// A parsed string value with the house style applied (what the rewrite must produce).
    fn apply_to_value(&self, value: &str) -> String {
        let findings: Vec<Finding> = self
            .matches_in(value, 0, value.len())
            .into_iter()
            .map(|(offset, rule, variant)| Finding {
                offset,
                line: 0,
                variant: self.rules[rule].variants[variant].clone(),
                prefer: self.rules[rule].prefer.clone(),
            })
            .collect();
        self.rewrite(value, &findings)
    }

    /// The fixed text of a content file, or `None` when the fix would change anything but the
    /// variants in its text values (then a person must fix it).
    pub fn fixed(&self, text: &str) -> Option<String> {
        let findings = self.findings(text);
        if findings.is_empty() {
            return Some(text.to_owned());
        }
        let new_text = self.rewrite(text, &findings);
        let old: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
        let new: serde_yaml::Value = serde_yaml::from_str(&new_text).ok()?;
        let mut expected = old;
        if let serde_yaml::Value::Mapping(map) = &mut expected {
            for key in TEXT_KEYS {
                if let Some(serde_yaml::Value::String(value)) = map.get_mut(key) {
                    *value = self.apply_to_value(value);
                }
            }
        }
        (new == expected).then_some(new_text)
    }
}

/// The content files the house style applies to: messages, overrides, local information, track
/// and municipality files (not `site.yaml` or `style.yaml`), as (absolute path, shown path).
pub fn styled_files(root: &Path) -> Vec<(PathBuf, PathBuf)> {
    let display_base = root.parent().unwrap_or(root);
    ["tracks", "municipalities"]
        .iter()
        .flat_map(|dir| WalkDir::new(root.join(dir)).sort_by_file_name().into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .map(|e| {
            let shown = e.path().strip_prefix(display_base).unwrap_or(e.path()).to_path_buf();
            (e.path().to_path_buf(), shown)
        })
        .collect()
}

/// Warns at every variant in the content under `root`.
pub fn check(style: &HouseStyle, root: &Path, diagnostics: &mut Diagnostics) {
    for (absolute, shown) in styled_files(root) {
        // Unreadable files are reported by loading.
        let Ok(text) = fs::read_to_string(&absolute) else { continue };
        for finding in style.findings(&text) {
            let text = Text::new(&msg::HOUSE_STYLE)
                .arg("variant", &finding.variant)
                .arg("prefer", &finding.prefer)
                .arg("style", style.path.display());
            diagnostics.warning(&shown, Some(finding.line), text);
        }
    }
}

/// What `--fix` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixSummary {
    /// Files rewritten.
    pub files: usize,
    /// Variants replaced.
    pub replaced: usize,
}

/// Rewrites every variant in the content under `root`; files that cannot be fixed safely are
/// reported as errors and left as they are.
pub fn fix(style: &HouseStyle, root: &Path, diagnostics: &mut Diagnostics) -> FixSummary {
    let mut summary = FixSummary::default();
    for (absolute, shown) in styled_files(root) {
        let Ok(text) = fs::read_to_string(&absolute) else { continue };
        let count = style.findings(&text).len();
        if count == 0 {
            continue;
        }
        let Some(fixed) = style.fixed(&text) else {
            diagnostics.error(&shown, None, Text::new(&msg::HOUSE_STYLE_FIX_UNSAFE));
            continue;
        };
        match crate::output::write_if_changed(&absolute, fixed.as_bytes()) {
            Ok(_) => {
                summary.files += 1;
                summary.replaced += count;
            }
            Err(error) => diagnostics.error(&shown, None, Text::new(&msg::HOUSE_STYLE_FIX_WRITE).arg("error", error)),
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLE: &str = "rules:\n  - prefer: ことば\n    variants: [言葉]\n    keep: [合言葉]\n  - prefer: 子ども\n    variants: [子供]\n    keep: [24時間子供SOSダイヤル]\n";

    #[test]
    fn kept_words_are_not_variants_but_the_rest_of_the_text_is_checked() {
        let style = parse(STYLE, Path::new("style.yaml")).expect("valid style");
        let text = "title: 合言葉と言葉\nbody: |\n  24時間子供SOSダイヤルは子供のための窓口です。\n";
        let found: Vec<(usize, String)> = style.findings(text).into_iter().map(|f| (f.line, f.variant)).collect();
        assert_eq!(found, vec![(1, "言葉".to_owned()), (3, "子供".to_owned())]);
        let fixed = style.fixed(text).expect("a safe fix");
        assert_eq!(fixed, "title: 合言葉とことば\nbody: |\n  24時間子供SOSダイヤルは子どものための窓口です。\n");
    }

    #[test]
    fn a_kept_word_must_contain_a_variant() {
        let bad = "rules:\n  - prefer: ことば\n    variants: [言葉]\n    keep: [合図]\n";
        let problems = parse(bad, Path::new("style.yaml")).expect_err("refused");
        assert!(problems
            .render(crate::catalogue::Lang::En)
            .contains("`keep` word 「合図」 contains none of the variants"));
    }
}
