//! The fixed placeholders base text may use, filled per municipality before Markdown rendering.
//!
//! `{{municipality}}`, `{{service_name}}`, `{{contact_name}}`, `{{contact_phone}}`,
//! `{{contact_hours}}` (spaces inside the braces allowed). Any other `{{…}}` is a content error,
//! so a typo never reaches a family as literal braces.

/// The names a placeholder may have.
pub const NAMES: [&str; 5] = ["municipality", "service_name", "contact_name", "contact_phone", "contact_hours"];

/// The values of the placeholders for one municipality, in the order of [`NAMES`].
#[derive(Clone, Debug)]
pub struct Values(pub [String; 5]);

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

/// `text` with every known placeholder replaced; unknown ones are left (validation refuses them).
pub fn fill(text: &str, values: &Values) -> String {
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
                    Some(index) => filled.push_str(&values.0[index]),
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
}
