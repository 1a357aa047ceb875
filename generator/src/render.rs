//! Rendering one municipality's [`Edition`] into files (DESIGN.md §5), one module per output family:
//!
//! | module | output |
//! | --- | --- |
//! | `archive` | the archive's pages: landing, track contents, messages, local items, topics |
//! | `feeds` | `feed.xml` (the town's own news) and `sitemap.xml` |
//! | `mail` | mail payloads: one section per message and local item, the shell, transactional mails |
//! | [`schedule`] | `schedule.json`, a pure projection of the resolved edition and the section hashes |
//! | [`line`] | LINE payloads (towns with a `line:` block): sections and transactional messages |
//! | `review` | 原稿確認, the sign-off document |
//! | `survey` | reader surveys: answer, thank-you and refusal pages, and the invitation sections |
//! | `views`, `labels` | the typed template contexts and the labels (dates, periods) they share |
//!
//! Every template context is a typed view (`#[derive(Serialize)]`) built from the edition; pages and
//! mail sections are rendered in parallel. Nothing here touches the file system: the result is a
//! list of [`OutputFile`]s for the writer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kizuna_schedule::BuildInfo;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::Content;
use crate::markdown;
use crate::resolve::{Edition, LocalItem, Message};
use crate::theme::Theme;

mod archive;
mod feeds;
mod labels;
pub mod line;
mod mail;
mod review;
pub mod schedule;
mod survey;
pub(crate) mod views;

pub use labels::{japanese_date, toc_group, track_names, validity_label};
use views::{Crumb, TopicRef};
pub(crate) use views::{MunicipalityView, SiteView};

/// One produced file, its path relative to the output root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// e.g. `yumemino/maternity/12w3d/index.html`.
    pub path: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
}

/// A render failure (a template error), with the page it happened on.
#[derive(Debug, thiserror::Error)]
#[error("rendering {page} with {template} failed: {message}")]
pub struct RenderError {
    /// The output path.
    pub page: String,
    /// The template.
    pub template: String,
    /// Tera's message.
    pub message: String,
}

/// What every render of a build shares.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// The content (for site settings and track descriptions).
    pub content: &'a Content,
    /// The theme.
    pub theme: &'a Theme,
    /// The build date (JST), against which validity is judged.
    pub build_date: NaiveDate,
    /// The build.
    pub build: &'a BuildInfo,
}

fn render_template(tera: &Tera, template: &str, context: &Context, page: &str) -> Result<Vec<u8>, RenderError> {
    tera.render(template, context).map(String::into_bytes).map_err(|error| RenderError {
        page: page.to_owned(),
        template: template.to_owned(),
        message: format!("{error:#}"),
    })
}

/// Renders everything of one municipality (its review shows every manuscript as not signed off).
pub fn render_edition(build: BuildContext<'_>, edition: &Edition) -> Result<Vec<OutputFile>, RenderError> {
    render_edition_signed(build, edition, &BTreeMap::new())
}

/// Renders everything of one municipality; `signed` (message id → hash of the text last signed
/// off, from `signoff.yaml`) feeds the review's "changed since the last sign-off" view.
pub fn render_edition_signed(
    build: BuildContext<'_>,
    edition: &Edition,
    signed: &BTreeMap<String, String>,
) -> Result<Vec<OutputFile>, RenderError> {
    let site = &build.content.site.value;
    let topics = &site.topics;
    let muni = MunicipalityView::of(edition);
    let mut base = Context::new();
    base.insert("site", &SiteView::of(site));
    base.insert("muni", &muni);
    crate::pages::insert_form_context(&mut base, edition, "h3");
    let message_texts = edition.messages.par_iter().map(|m| Texts::new(&m.body, m.to_partner.as_deref())).collect();
    let local_texts = edition.local.par_iter().map(|l| Texts::new(&l.body, None)).collect();
    let renderer = Renderer { build, edition, base, topics, message_texts, local_texts, signed };

    let mut files = Vec::with_capacity(edition.messages.len() * 2 + edition.local.len() * 2 + 64);
    files.push(renderer.landing()?);
    for track in edition.enabled() {
        files.push(renderer.track_toc(track)?);
    }
    let message_pages: Result<Vec<OutputFile>, RenderError> =
        (0..edition.messages.len()).into_par_iter().map(|index| renderer.message_page(index)).collect();
    files.extend(message_pages?);
    for index in 0..edition.local.len() {
        files.push(renderer.local_page(index)?);
    }
    files.extend(renderer.topic_pages()?);
    files.extend(renderer.review_pages()?);
    files.push(renderer.feed()?);
    let mut mail = renderer.mail_parts()?;
    let surveys = renderer.surveys()?;
    mail.hashes.extend(surveys.hashes);
    files.extend(mail.files);
    files.extend(surveys.sections);
    let line = line::render(edition, &build.theme.system_line);
    files.push(renderer.schedule(&mail.hashes, &line)?);
    files.extend(line.files(&edition.id));
    let sitemap = renderer.sitemap(&files)?;
    files.push(sitemap);
    // Survey pages are personal forms (noindex), kept out of the sitemap like the subscription pages.
    files.extend(surveys.pages);
    Ok(files)
}

/// The root `index.html` listing every municipality, and the shared assets.
pub fn render_root(build: BuildContext<'_>, editions: &[RootEntry]) -> Result<Vec<OutputFile>, RenderError> {
    let site = &build.content.site.value;
    let mut context = Context::new();
    context.insert("site", &SiteView::of(site));
    context.insert("muni", &Option::<()>::None);
    context.insert("root", "");
    context.insert("muni_root", "");
    context.insert("municipalities", editions);
    let mut files = vec![OutputFile {
        path: "index.html".to_owned(),
        bytes: render_template(&build.theme.tera, "index.html", &context, "index.html")?,
    }];
    for (path, bytes) in &build.theme.assets {
        files.push(OutputFile { path: format!("assets/{path}"), bytes: bytes.clone() });
    }
    Ok(files)
}

/// A municipality as the root index lists it.
#[derive(Clone, Debug, Serialize)]
pub struct RootEntry {
    /// Directory id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Prefecture.
    pub prefecture: String,
    /// Service name.
    pub service_name: String,
}

/// A message's page, relative to its municipality's root: `maternity/12w3d/`.
pub(crate) fn message_path(message: &Message) -> String {
    format!("{}/{}/", message.track, message.stem)
}

/// A local item's page, relative to its municipality's root: `local/boshi-techo/`.
pub(crate) fn local_path(item: &LocalItem) -> String {
    format!("local/{}/", item.stem)
}

/// One municipality's render: the edition, the shared context and each text rendered once.
struct Renderer<'a> {
    build: BuildContext<'a>,
    edition: &'a Edition,
    base: Context,
    topics: &'a [String],
    /// Rendered Markdown of each message, by index (rendered once, used by pages, review and mail).
    message_texts: Vec<Texts>,
    /// Rendered Markdown of each local item, by index.
    local_texts: Vec<Texts>,
    /// Message id → hash of the text last signed off (原稿確認).
    signed: &'a BTreeMap<String, String>,
}

/// One Markdown body (and optional partner section) in every form it is shown in.
struct Texts {
    html: String,
    mail_html: String,
    text: String,
    partner_html: Option<String>,
    partner_mail_html: Option<String>,
    partner_text: Option<String>,
    summary: String,
}

impl Texts {
    fn new(body: &str, partner: Option<&str>) -> Self {
        let text = markdown::to_text(body);
        Texts {
            html: markdown::to_html(body),
            mail_html: markdown::to_mail_html(body),
            summary: text.chars().filter(|c| *c != '\n').take(100).collect(),
            text: text.trim_end().to_owned(),
            partner_html: partner.map(markdown::to_html),
            partner_mail_html: partner.map(markdown::to_mail_html),
            partner_text: partner.map(|t| markdown::to_text(t).trim_end().to_owned()),
        }
    }
}

impl Renderer<'_> {
    /// Renders one page of the municipality, `depth` folders below its root.
    fn page(
        &self,
        path: &str,
        template: &str,
        depth: usize,
        fill: impl FnOnce(&mut Context),
    ) -> Result<OutputFile, RenderError> {
        let mut context = self.base.clone();
        let muni_root = "../".repeat(depth);
        context.insert("root", &format!("{muni_root}../"));
        context.insert("muni_root", &if muni_root.is_empty() { "./".to_owned() } else { muni_root });
        fill(&mut context);
        let full_path = format!("{}/{path}", self.edition.id);
        let bytes = render_template(&self.build.theme.tera, template, &context, &full_path)?;
        Ok(OutputFile { path: full_path, bytes })
    }

    fn crumbs(&self, depth: usize, trail: &[(&str, &str)]) -> Vec<Crumb> {
        let up = "../".repeat(depth);
        let mut crumbs = vec![Crumb {
            title: self.edition.service_name.clone(),
            url: if up.is_empty() { "./".into() } else { up.clone() },
        }];
        crumbs.extend(trail.iter().map(|(title, url)| Crumb { title: (*title).to_owned(), url: format!("{up}{url}") }));
        crumbs
    }

    fn topic_refs<'n>(&self, names: &'n [String]) -> Vec<TopicRef<'n>> {
        names
            .iter()
            .filter_map(|name| self.topic_slug(name).map(|slug| TopicRef { name: name.as_str(), slug }))
            .collect()
    }

    fn topic_slug(&self, name: &str) -> Option<String> {
        self.topics.iter().position(|t| t == name).map(|i| format!("{:02}", i + 1))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.edition.base_url)
    }
}

/// A JSON output file's bytes (pretty, with a final newline). Serialising these plain structs cannot
/// fail today, but an empty file would be written and hashed if it did: it is an error instead.
fn json_bytes<T: Serialize>(value: &T, page: &str) -> Result<Vec<u8>, RenderError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|error| RenderError {
        page: page.to_owned(),
        template: "(JSON)".to_owned(),
        message: error.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
