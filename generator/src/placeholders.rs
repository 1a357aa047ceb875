//! The fixed placeholders base text may use, filled per municipality before Markdown rendering.
//!
//! `{{municipality}}`, `{{service_name}}`, `{{contact_name}}`, `{{contact_phone}}`,
//! `{{contact_hours}}` (spaces inside the braces allowed). Any other `{{…}}` is a content error,
//! so a typo never reaches a family as literal braces.
//!
//! Values are settings, not content: they are inserted as literal text for the context they land
//! in. Markdown fields get [`fill_markdown`], which backslash-escapes every ASCII punctuation mark
//! of a value, so a value can never open raw HTML, a link or emphasis — whatever the Markdown
//! renders to (archive HTML, mail HTML, plain text, the JSON of mail sections, LINE text) then
//! carries the value escaped by the renderer for that output. One-line fields (titles, subjects)
//! get [`fill`] and are escaped where they are written (Tera's HTML autoescape, the JSON encoder).

/// The names a placeholder may have.
pub const NAMES: [&str; 5] = ["municipality", "service_name", "contact_name", "contact_phone", "contact_hours"];

/// The values of the placeholders for one municipality, in the order of [`NAMES`].
#[derive(Clone, Debug)]
pub struct Values(pub [String; 5]);

impl Values {
    /// A municipality's values: its name, its service's name and its contact's name, phone and hours.
    pub fn of(name: &str, service_name: &str, contact: &kizuna_schedule::Contact) -> Self {
        Values([name, service_name, &contact.name, &contact.phone, &contact.hours].map(str::to_owned))
    }
}

/// Every `{{name}}` in `text`, as written (trimmed), in order; an unclosed one is reported with
/// the text after its `{{` and `closed: false`.
pub fn find(text: &str) -> Vec<(&str, bool)> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            names.push((after.lines().next().unwrap_or_default().trim(), false));
            break;
        };
        names.push((after[..end].trim(), true));
        rest = &after[end + 2..];
    }
    names
}

/// The placeholders in `text` that are not in [`NAMES`], or not closed with `}}`.
pub fn unknown(text: &str) -> Vec<String> {
    find(text)
        .into_iter()
        .filter(|(name, closed)| !closed || !NAMES.contains(name))
        .map(|(name, closed)| if closed { name.to_owned() } else { format!("{name}… (no closing }}}})") })
        .collect()
}

/// `text` (plain text) with every known placeholder replaced; unknown ones are left (validation
/// refuses them).
pub fn fill(text: &str, values: &Values) -> String {
    fill_with(text, values, |value, out| out.push_str(value))
}

/// `markdown` with every known placeholder replaced by its value escaped as literal Markdown text.
pub fn fill_markdown(markdown: &str, values: &Values) -> String {
    fill_with(markdown, values, |value, out| {
        for c in value.chars() {
            // CommonMark lets a backslash escape any ASCII punctuation; a line break in a value
            // (validation refuses them) must not start a new block either.
            match c {
                '\n' | '\r' => out.push(' '),
                c if c.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    })
}

fn fill_with(text: &str, values: &Values, insert: impl Fn(&str, &mut String)) -> String {
    if !text.contains("{{") {
        return text.to_owned();
    }
    let mut filled = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        filled.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match NAMES.iter().position(|known| *known == name) {
                    Some(index) => insert(&values.0[index], &mut filled),
                    None => filled.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                filled.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_placeholders_are_filled_and_unknown_ones_found() {
        let values = Values(["ゆめみ野市", "きずな", "センター", "000", "平日"].map(String::from));
        assert_eq!(fill("{{municipality}}の{{ contact_name }}へ", &values), "ゆめみ野市のセンターへ");
        assert_eq!(unknown("{{municipality}} {{city}} {{ contact }}"), vec!["city", "contact"]);
        assert_eq!(unknown("閉じていない {{municipality"), vec!["municipality… (no closing }})"]);
    }

    #[test]
    fn markdown_values_stay_literal_text() {
        let values =
            Values(["<b>市</b>", "**x**", "[a](javascript:alert(1))", "0000-00-0000", "9:00\n# h"].map(String::from));
        let filled = fill_markdown(
            "{{municipality}} {{service_name}} {{contact_name}} {{contact_phone}} {{contact_hours}}",
            &values,
        );
        let html = crate::markdown::to_html(&filled);
        assert_eq!(html, "<p>&lt;b&gt;市&lt;/b&gt; **x** [a](javascript:alert(1)) 0000-00-0000 9:00 # h</p>\n");
        assert!(crate::markdown::problems(&filled, "body").is_empty(), "{filled}");
        assert_eq!(fill("{{municipality}}", &values), "<b>市</b>");
    }
}
