//! What content and municipality settings may hold (DESIGN.md §9, hostile input).
//!
//! Two kinds of rule live here, both judged before anything is rendered:
//! - **sizes**: every content file and every text field has a limit, so a careless paste (or a
//!   50 MB body) is refused with its file and line instead of exhausting memory in the build;
//! - **settings**: every value of `municipality.yaml` lands in pages, mail headers and links, so
//!   text settings are one line without control characters and bounded, and URLs are `https:`
//!   only — a `javascript:` URL in a footer link would run in every page of the archive.
//!
//! The limits are generous for real writing (the longest sample body has under 500 characters).

use crate::catalogue::{self as msg, Text};
use crate::content::{Loaded, MunicipalityFile};
use crate::diagnostics::Diagnostics;

/// A content file larger than this is refused before it is read (bytes).
pub const MAX_FILE_BYTES: u64 = 128 * 1024;

/// The most characters a content text field may have, by its key.
pub fn max_chars(key: &str) -> usize {
    match key {
        "title" => 80,
        "body" => 8_000,
        "to_partner" | "description" => 2_000,
        _ => 200,
    }
}

/// Why `text` (the value of `key`) is too long, or `None`.
pub fn too_long(key: &str, text: &str) -> Option<Text> {
    let limit = max_chars(key);
    // Count at most one past the limit: a huge value is not walked to its end.
    let count = text.chars().take(limit + 1).count();
    (count > limit).then(|| Text::new(&msg::TEXT_TOO_LONG).arg("key", key).arg("limit", limit))
}

/// Why a file of `bytes` bytes is refused, or `None`.
pub fn file_too_large(bytes: u64) -> Option<Text> {
    (bytes > MAX_FILE_BYTES)
        .then(|| Text::new(&msg::FILE_TOO_LARGE).arg("bytes", bytes).arg("kib", MAX_FILE_BYTES / 1024))
}

/// Why `url` is not an acceptable `https:` URL, or `None`.
pub fn https_url_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!("`{url}` is not an https: URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with('.') || host.contains('@') {
        return Some(format!("`{url}` has no valid host name"));
    }
    // Characters that a URL never needs and that could leave an attribute or a header.
    if url.chars().any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')) {
        return Some(format!("`{url}` contains spaces, quotes, angle brackets or control characters"));
    }
    None
}

/// Why a one-line text setting is refused, or `None`.
fn one_line_problem(value: &str, limit: usize) -> Option<&'static msg::Entry> {
    if value.trim().is_empty() {
        Some(&msg::SETTING_EMPTY)
    } else if value.chars().any(char::is_control) {
        Some(&msg::SETTING_CONTROL)
    } else if value.chars().count() > limit {
        Some(&msg::SETTING_TOO_LONG)
    } else {
        None
    }
}

/// Checks every setting of a `municipality.yaml`; problems go to `diagnostics` with the line of
/// the setting's top-level key.
pub fn check_settings(file: &Loaded<MunicipalityFile>, diagnostics: &mut Diagnostics) {
    let (value, lines, path) = (&file.value, &file.lines, file.path.as_path());
    let texts: [(&str, &str, &str, usize); 7] = [
        ("name", "name", &value.name, 40),
        ("prefecture", "prefecture", &value.prefecture, 10),
        ("service_name", "service_name", &value.service_name, 60),
        ("email", "email.from_name", &value.email.from_name, 60),
        ("contact", "contact.name", &value.contact.name, 60),
        ("contact", "contact.hours", &value.contact.hours, 60),
        ("contact", "contact.phone", &value.contact.phone, 20),
    ];
    for (key, shown, text, limit) in texts {
        if let Some(entry) = one_line_problem(text, limit) {
            let text = Text::new(entry).arg("key", shown).arg("limit", limit);
            diagnostics.error(path, lines.line_or_top(key), text);
        }
    }
    let phone_ok = value.contact.phone.chars().any(|c| c.is_ascii_digit())
        && value.contact.phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | '+' | ' '));
    if !phone_ok {
        let text = Text::new(&msg::PHONE_INVALID).arg("phone", &value.contact.phone);
        diagnostics.error(path, lines.line_or_top("contact"), text);
    }
    for (key, shown, url) in [
        ("contact", "contact.url", &value.contact.url),
        ("site", "site.base_url", &value.site.base_url),
        ("api", "api.base_url", &value.api.base_url),
    ] {
        if https_url_problem(url).is_some() {
            diagnostics.error(
                path,
                lines.line_or_top(key),
                Text::new(&msg::URL_INVALID).arg("key", shown).arg("url", url),
            );
        } else if shown.ends_with("base_url") && !url.ends_with('/') {
            let text = Text::new(&msg::BASE_URL_NO_SLASH).arg("key", shown).arg("url", url);
            diagnostics.error(path, lines.line_or_top(key), text);
        }
    }
    for (shown, address) in [("email.from", &value.email.from), ("email.reply_to", &value.email.reply_to)] {
        let ok = address.split('@').count() == 2
            && !address.starts_with('@')
            && !address.ends_with('@')
            && address.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | ',' | ';'));
        if !ok {
            let text = Text::new(&msg::EMAIL_INVALID).arg("key", shown).arg("address", address);
            diagnostics.error(path, lines.line_or_top("email"), text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_https_urls_pass() {
        assert_eq!(https_url_problem("https://www.city.example.jp/kosodate/"), None);
        assert!(https_url_problem("javascript:alert(1)").is_some());
        assert!(https_url_problem("http://www.city.example.jp/").is_some());
        assert!(https_url_problem("HTTPS://x.jp/").is_some());
        assert!(https_url_problem("https:///path").is_some());
        assert!(https_url_problem("https://x.jp/\" onmouseover=\"alert(1)").is_some());
        assert!(https_url_problem("https://user@evil.example/").is_some());
    }

    #[test]
    fn lengths_are_counted_in_characters_and_stop_early() {
        assert_eq!(too_long("title", &"あ".repeat(80)), None);
        assert!(too_long("title", &"あ".repeat(81))
            .is_some_and(|p| p.message(crate::catalogue::Lang::Ja).contains("80 文字")));
        assert!(file_too_large(MAX_FILE_BYTES + 1).is_some());
        assert_eq!(file_too_large(MAX_FILE_BYTES), None);
    }
}
