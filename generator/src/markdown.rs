//! The Markdown subset of message bodies, and its three renderings: archive HTML, mail HTML with
//! inline styles, and plain text for the text part of mails.
//!
//! Allowed: paragraphs, line breaks, **strong**, *emphasis*, lists, and links to `https:`, `http:`,
//! `mailto:` or `tel:`. Raw HTML (including `<script>`), headings, images, code, quotes and tables
//! are refused by [`problems`], so rendering never has to sanitise.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::catalogue::{self as msg, Text};

const LINK_SCHEMES: [&str; 4] = ["https:", "http:", "mailto:", "tel:"];

fn events(markdown: &str) -> Parser<'_> {
    Parser::new_ext(markdown, Options::empty())
}

/// What in `markdown` (the value of `key`) is outside the subset, one text each (empty when it is fine).
pub fn problems(markdown: &str, key: &str) -> Vec<Text> {
    let mut found = Vec::new();
    for event in events(markdown) {
        let problem = match &event {
            Event::Html(html) | Event::InlineHtml(html) => {
                let tag = html.trim();
                let entry = if tag.to_ascii_lowercase().contains("<script") {
                    &msg::MARKDOWN_SCRIPT
                } else {
                    &msg::MARKDOWN_HTML
                };
                Some(Text::new(entry).arg("tag", tag))
            }
            Event::Start(Tag::Heading { .. }) => Some(Text::new(&msg::MARKDOWN_HEADING)),
            Event::Start(Tag::Image { .. }) => Some(Text::new(&msg::MARKDOWN_IMAGE)),
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => Some(Text::new(&msg::MARKDOWN_CODE)),
            Event::Start(Tag::BlockQuote(_)) => Some(Text::new(&msg::MARKDOWN_QUOTE)),
            Event::Rule => Some(Text::new(&msg::MARKDOWN_RULE)),
            Event::Start(Tag::Link { dest_url, link_type, .. }) => {
                let allowed = LINK_SCHEMES.iter().any(|scheme| dest_url.starts_with(scheme));
                (!allowed && *link_type != LinkType::Email).then(|| Text::new(&msg::MARKDOWN_LINK).arg("url", dest_url))
            }
            _ => None,
        };
        found.extend(problem.map(|text| text.arg("key", key)));
    }
    found.dedup();
    found
}

/// HTML for the archive.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events(markdown));
    html
}

/// HTML for mail clients: the same markup with inline styles (many clients drop `<style>`).
pub fn to_mail_html(markdown: &str) -> String {
    to_html(markdown)
        .replace("<p>", r#"<p style="margin:0 0 1em;line-height:1.8;">"#)
        .replace("<ul>", r#"<ul style="margin:0 0 1em;padding-left:1.5em;line-height:1.8;">"#)
        .replace("<ol>", r#"<ol style="margin:0 0 1em;padding-left:1.5em;line-height:1.8;">"#)
        .replace("<a href=", r#"<a style="color:#0645ad;text-decoration:underline;" href="#)
}

/// Plain text: paragraphs separated by blank lines, list items with 「・」, links as 「text（URL）」.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut link: Option<String> = None;
    let mut list_depth = 0usize;
    let mut numbered: Vec<Option<u64>> = Vec::new();
    for event in events(markdown) {
        match event {
            Event::Text(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push('\n'),
            Event::Start(Tag::List(start)) => {
                list_depth += 1;
                numbered.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                numbered.pop();
                if list_depth == 0 {
                    text.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                text.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                match numbered.last_mut() {
                    Some(Some(n)) => {
                        text.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => text.push('・'),
                }
            }
            Event::End(TagEnd::Item) if !text.ends_with('\n') => text.push('\n'),
            Event::End(TagEnd::Paragraph) => {
                if list_depth == 0 {
                    text.push_str("\n\n");
                } else {
                    text.push('\n');
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take() {
                    let shown = url.trim_start_matches("mailto:").trim_start_matches("tel:");
                    if !text.ends_with(shown) {
                        text.push_str(&format!("（{url}）"));
                    }
                }
            }
            _ => {}
        }
    }
    let trimmed = text.trim_end();
    let mut result = String::with_capacity(trimmed.len() + 1);
    // Collapse runs of more than one blank line left by nested blocks.
    for line in trimmed.split('\n') {
        if line.is_empty() && result.ends_with("\n\n") {
            continue;
        }
        result.push_str(line);
        result.push('\n');
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_subset_renders_in_all_three_forms() {
        let markdown =
            "はじめの段落です。\n**大切**なこと。\n\n- ひとつめ\n- [ふたつめ](https://example.jp/)\n\n最後の段落。";
        assert!(problems(markdown, "body").is_empty());
        let html = to_html(markdown);
        assert!(html.contains("<strong>大切</strong>"));
        assert!(html.contains(r#"<a href="https://example.jp/">ふたつめ</a>"#));
        assert!(to_mail_html(markdown).contains(r#"<p style="margin:0 0 1em;line-height:1.8;">"#));
        assert_eq!(
            to_text(markdown),
            "はじめの段落です。\n大切なこと。\n\n・ひとつめ\n・ふたつめ（https://example.jp/）\n\n最後の段落。\n"
        );
    }

    #[test]
    fn raw_html_script_headings_and_bad_links_are_refused() {
        let first = |markdown: &str| problems(markdown, "body")[0].code();
        assert_eq!(first("こんにちは<script>alert(1)</script>"), msg::MARKDOWN_SCRIPT.code);
        assert_eq!(first("<div>x</div>"), msg::MARKDOWN_HTML.code);
        assert_eq!(first("# 見出し"), msg::MARKDOWN_HEADING.code);
        assert_eq!(first("[x](javascript:alert(1))"), msg::MARKDOWN_LINK.code);
        assert_eq!(first("![a](https://e.jp/a.png)"), msg::MARKDOWN_IMAGE.code);
    }
}
