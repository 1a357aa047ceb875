//! The words a page is found by besides its visible text (issue 22, DESIGN.md §7): Pagefind only
//! matches what a page says, but a parent types 「だっこ」 for 「抱っこ」, 「ツワリ」 for 「つわり」,
//! 「はしか」 for 「麻しん」. Before a page is given to Pagefind (the published page is unchanged),
//! its indexed text gets a hidden tail of *aids*: the kana readings of its words
//! ([`crate::yomi`]), its katakana and full-width words folded the way the browser folds a query
//! ([`fold`], mirrored in `site-theme/static/search.js`), and the synonyms of the words it
//! contains (`content/search/synonyms.yaml`, [`crate::synonyms`]).
//!
//! The tail starts with [`AIDS_MARK`]: the browser cuts a result's text there, so excerpts only
//! ever show what the page says, and a hit found only in the tail is still checked as a whole word.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use lol_html::html_content::ContentType;
use lol_html::{doc_text, element, rewrite_str, RewriteStrSettings};
use unicode_normalization::UnicodeNormalization;

use crate::synonyms::Synonyms;
use crate::yomi::Reader;

/// The first word of the aids; `search.js` cuts a result's content here (keep them equal).
pub const AIDS_MARK: &str = "〓";

/// Folds text the way the search box folds a query: NFKC (full-width letters and digits to
/// ASCII, half-width katakana to full-width), katakana to hiragana, lower case.
pub fn fold(text: &str) -> String {
    hiragana(&text.nfkc().collect::<String>()).to_lowercase()
}

/// Katakana (ァ..ヶ, and ヽヾ) as hiragana; everything else, 「ー」 included, as it is.
pub fn hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The text Pagefind indexes in a page: the `data-pagefind-body` element, without what is marked
/// `data-pagefind-ignore`, one line per text node.
pub fn indexed_text(html: &str) -> Result<String, String> {
    let text = RefCell::new(String::new());
    // How many marked elements are open around the current position (lol_html gives no
    // ancestry); end-tag handlers must be 'static, hence the shared counters.
    let inside = Rc::new(Cell::new(0usize));
    let ignored = Rc::new(Cell::new(0usize));
    let count = |counter: &Rc<Cell<usize>>, el: &mut lol_html::html_content::Element<'_, '_>| {
        counter.set(counter.get() + 1);
        if let Some(handlers) = el.end_tag_handlers() {
            let counter = Rc::clone(counter);
            handlers.push(Box::new(move |_| {
                counter.set(counter.get().saturating_sub(1));
                Ok(())
            }));
        }
    };
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("[data-pagefind-body]", |el| {
            count(&inside, el);
            Ok(())
        }))
        .append_element_content_handler(element!("[data-pagefind-ignore]", |el| {
            count(&ignored, el);
            Ok(())
        }))
        // A document handler sees each text chunk once, whatever the elements around it.
        .append_document_content_handler(doc_text!(|chunk| {
            if inside.get() > 0 && ignored.get() == 0 {
                let mut text = text.borrow_mut();
                text.push_str(&decode_entities(chunk.as_str()));
                if chunk.last_in_text_node() {
                    text.push('\n');
                }
            }
            Ok(())
        }));
    rewrite_str(html, settings).map_err(|e| format!("cannot read the page: {e}"))?;
    Ok(text.into_inner())
}

/// The few entities the theme's escaping produces (Tera escapes `& < > " '`).
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// The aid words of a page's indexed text, each once, in the order first found: readings of
/// words written with kanji or katakana, folded forms that differ from the text, and the
/// synonyms of the words it contains.
pub fn aid_words(text: &str, reader: &Reader, synonyms: &Synonyms) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut words = Vec::new();
    let mut add = |word: String| {
        // A one-kana reading (子 → こ, 日 → ひ) is what nobody searches for, and the index
        // would carry it for every page.
        if word.trim().chars().count() >= 2 && seen.insert(word.clone()) {
            words.push(word);
        }
    };
    for word in reader.words(text) {
        let needs_reading = word.surface.chars().any(|c| is_kanji(c) || is_katakana(c));
        if let (true, Some(reading)) = (needs_reading, word.reading) {
            add(reading);
        }
        let folded = fold(&word.surface);
        if folded != word.surface && folded.chars().any(char::is_alphanumeric) {
            add(folded);
        }
    }
    for synonym in synonyms.of_text(&fold(text)) {
        add(synonym.to_owned());
    }
    words
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' | '〆')
}

fn is_katakana(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ｦ'..='ﾟ')
}

/// The page as Pagefind should read it: `words` added at the end of its indexed element, after
/// [`AIDS_MARK`], and one empty `data-pagefind-filter` element per filter (`("track",
/// "maternity")`). A page with neither is returned as it is.
pub fn with_aids(html: &str, words: &[String], filters: &[(&str, String)]) -> Result<String, String> {
    if words.is_empty() && filters.is_empty() {
        return Ok(html.to_owned());
    }
    let mut tail = String::new();
    if !words.is_empty() {
        tail.push_str(&format!("<div>{AIDS_MARK} "));
        for word in words {
            tail.push_str(&escape(word));
            tail.push(' ');
        }
        tail.push_str("</div>");
    }
    for (key, value) in filters {
        tail.push_str(&format!("<span data-pagefind-filter=\"{}:{}\"></span>", escape(key), escape(value)));
    }
    let added = RefCell::new(false);
    let settings = RewriteStrSettings::new().append_element_content_handler(element!("[data-pagefind-body]", |el| {
        // One body per page: a second marked element would only repeat the aids.
        if !added.replace(true) {
            el.append(&tail, ContentType::Html);
        }
        Ok(())
    }));
    let page = rewrite_str(html, settings).map_err(|e| format!("cannot read the page: {e}"))?;
    Ok(page)
}

fn escape(word: &str) -> String {
    word.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_what_the_search_box_does() {
        assert_eq!(fold("ツワリ"), "つわり");
        assert_eq!(fold("ベビーカー"), "べびーかー");
        assert_eq!(fold("ＢＣＧワクチン"), "bcgわくちん");
        assert_eq!(fold("ﾐﾙｸ"), "みるく");
        assert_eq!(fold("２か月"), "2か月");
        assert_eq!(fold("抱っこ"), "抱っこ");
    }

    #[test]
    fn the_indexed_text_leaves_out_ignored_parts_and_the_rest_of_the_page() {
        let html = r#"<html><body><nav>目次</nav><article data-pagefind-body>
            <p class="label" data-pagefind-ignore>妊娠7週4日</p><h1>つわり &amp; 眠気</h1>
            <p>食べられる<strong>もの</strong>を。</p><aside data-pagefind-ignore><p>お知らせ</p></aside>
            <p>おわり</p></article><footer>フッター</footer></body></html>"#;
        let text = indexed_text(html).expect("reads");
        assert!(text.contains("つわり & 眠気") && text.contains("もの") && text.contains("おわり"), "{text}");
        for absent in ["目次", "妊娠7週4日", "お知らせ", "フッター"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }

    #[test]
    fn aids_are_readings_folds_and_synonyms_after_the_mark() {
        let reader = Reader::open().expect("IPADIC (scripts/ipadic.sh installs it)");
        let synonyms = Synonyms::from_groups(vec![vec!["はしか".into(), "麻しん".into()]]);
        let words = aid_words("赤ちゃんを抱っこするとき、ミルクと麻しんの予防接種", &reader, &synonyms);
        for expected in ["だっこ", "あかちゃん", "みるく", "はしか", "よぼう"] {
            assert!(words.contains(&expected.to_owned()), "{expected} missing from {words:?}");
        }
        // Words already in kana need no reading.
        assert!(!words.contains(&"する".to_owned()), "{words:?}");
        let html = "<article data-pagefind-body><p>抱っこ</p></article>";
        let aided = with_aids(html, &words, &[]).expect("rewrites");
        assert!(aided.starts_with("<article data-pagefind-body><p>抱っこ</p><div>〓 "), "{aided}");
        assert!(aided.ends_with(" </div></article>"), "{aided}");
        assert_eq!(with_aids(html, &[], &[]).expect("rewrites"), html);
        let filtered = with_aids(html, &[], &[("track", "baby".to_owned())]).expect("rewrites");
        assert!(filtered.ends_with(r#"<span data-pagefind-filter="track:baby"></span></article>"#), "{filtered}");
    }
}
