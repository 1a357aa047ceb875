//! The municipality's machine-read listings: `feed.xml` (its own news, one entry per local item)
//! and `sitemap.xml` (every public page; the review is left out).

use chrono::NaiveDate;
use serde::Serialize;

use super::{local_path, OutputFile, RenderError, Renderer};

/// One entry of `feed.xml`.
#[derive(Serialize)]
struct FeedEntry<'a> {
    title: &'a str,
    url: String,
    /// RFC 3339, JST.
    updated: String,
    category: &'a str,
    summary: &'a str,
}

/// Midnight JST of a day, as feeds write it.
fn timestamp(day: NaiveDate) -> String {
    format!("{day}T00:00:00+09:00")
}

impl Renderer<'_> {
    pub(super) fn feed(&self) -> Result<OutputFile, RenderError> {
        let build_date = self.build.build_date;
        let entries: Vec<FeedEntry<'_>> = self
            .edition
            .local
            .iter()
            .zip(&self.local_texts)
            .map(|(item, texts)| FeedEntry {
                title: &item.title,
                url: self.url(&local_path(item)),
                // An item valid only from a later day is news of today's build, not of the future.
                updated: timestamp(item.valid.from.unwrap_or(build_date).min(build_date)),
                category: &item.category,
                summary: &texts.summary,
            })
            .collect();
        self.page("feed.xml", "feed.xml", 0, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &timestamp(build_date));
        })
    }

    /// The sitemap of the pages rendered so far (`files`).
    pub(super) fn sitemap(&self, files: &[OutputFile]) -> Result<OutputFile, RenderError> {
        let prefix = format!("{}/", self.edition.id);
        let urls: Vec<String> = files
            .iter()
            .filter_map(|f| f.path.strip_prefix(&prefix))
            .filter(|p| p.ends_with("index.html") && !p.starts_with("review/"))
            .map(|p| self.url(p.trim_end_matches("index.html")))
            .collect();
        self.page("sitemap.xml", "sitemap.xml", 0, |c| c.insert("urls", &urls))
    }
}
