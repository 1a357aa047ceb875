//! Writing local items back as YAML, changing only what changed.
//!
//! A changed item keeps its file: only the top-level keys whose value changed are replaced (these
//! files are flat maps, so a key's block runs to the next line that starts at column 0), so
//! comments, key order and untouched values stay byte for byte. New items get a file in the
//! order DESIGN.md §4 shows.

/// A single-line scalar as YAML writes it (quoted only when needed); multi-line text is quoted
/// JSON-style, which is valid YAML and keeps every line end.
pub fn flow_scalar(text: &str) -> String {
    if text.contains('\n') {
        return serde_json::to_string(text).unwrap_or_default();
    }
    match serde_yaml::to_string(text) {
        Ok(yaml) => yaml.trim_end_matches('\n').to_owned(),
        Err(_) => serde_json::to_string(text).unwrap_or_default(),
    }
}

/// `key: |` and the text indented by two spaces, ending with one line end (YAML's clip).
pub fn block(key: &str, text: &str) -> String {
    // An indentation indicator is needed when the first line itself starts with a space.
    let indicator = if text.starts_with(' ') { "|2" } else { "|" };
    let mut out = format!("{key}: {indicator}\n");
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A `key: value` line.
pub fn line(key: &str, value: &str) -> String {
    format!("{key}: {value}\n")
}

/// Replaces the block of top-level `key` by `replacement` (whole lines, ending with `\n`), removes
/// it when `replacement` is `None`, or inserts it before `review:` (or at the end) when absent.
pub fn set_key(text: &str, key: &str, replacement: Option<&str>) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts_key = |line: &str| line.strip_prefix(key).is_some_and(|rest| rest.starts_with(':'));
    let top_level = |line: &str| line.chars().next().is_some_and(|c| !c.is_whitespace() && c != '#');
    let mut out = String::with_capacity(text.len());
    match lines.iter().position(|line| starts_key(line)) {
        Some(start) => {
            let end = lines[start + 1..].iter().position(|line| top_level(line)).map_or(lines.len(), |i| start + 1 + i);
            lines[..start].iter().for_each(|line| out.push_str(line));
            if let Some(replacement) = replacement {
                out.push_str(replacement);
            }
            lines[end..].iter().for_each(|line| out.push_str(line));
        }
        None => {
            let Some(replacement) = replacement else { return text.to_owned() };
            let at = lines.iter().position(|line| line.starts_with("review:")).unwrap_or(lines.len());
            lines[..at].iter().for_each(|line| out.push_str(line));
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(replacement);
            lines[at..].iter().for_each(|line| out.push_str(line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# a comment\ncategory: 防災\ntitle: 古い見出し\nbody: |\n  一段落目\n\n  二段落目\nvalid: { from: 2026-04-01, until: 2027-03-31 }\nreview: { status: draft }\n";

    #[test]
    fn replacing_a_block_keeps_every_other_byte() {
        let changed = set_key(FILE, "body", Some(&block("body", "新しい本文")));
        assert_eq!(changed, FILE.replace("  一段落目\n\n  二段落目\n", "  新しい本文\n"));
        assert_eq!(
            set_key(FILE, "title", Some(&line("title", &flow_scalar("新しい見出し")))),
            FILE.replace("古い", "新しい")
        );
    }

    #[test]
    fn absent_keys_are_inserted_before_review_and_removed_keys_vanish() {
        let added = set_key(FILE, "memo", Some("memo: 申し送り\n"));
        assert!(added.ends_with("memo: 申し送り\nreview: { status: draft }\n"), "{added}");
        let removed = set_key(FILE, "valid", None);
        assert!(!removed.contains("valid"), "{removed}");
        assert_eq!(set_key(FILE, "tracks", None), FILE);
    }

    #[test]
    fn scalars_that_look_like_yaml_are_quoted() {
        for text in ["yes", "12", "a: b", "- item", "#tag", "「かぎ」", "二行\nある"] {
            let yaml = format!("v: {}\n", flow_scalar(text));
            let parsed: std::collections::BTreeMap<String, String> = serde_yaml::from_str(&yaml).expect("valid YAML");
            assert_eq!(parsed["v"], text, "{yaml}");
        }
    }
}
