//! Rendering one municipality's [`Edition`] into files: archive pages, feed, sitemap, mail parts
//! and `schedule.json` (DESIGN.md §5).
//!
//! Page contexts are plain serializable values built from the edition; pages and mail sections
//! are rendered in parallel. Nothing here touches the file system: the result is a list of
//! [`OutputFile`]s for the writer.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::{
    calendar, BuildInfo, EntryTrack, LocalSection, MailFrame, MailParts, MailSection, MunicipalityInfo, ReviewStatus,
    Rule, ScheduleDocument, ScheduleEntry, SchoolGrade, SystemMail, TrackId, Validity, SCHEDULE_SCHEMA,
};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::{Content, SiteFile};
use crate::markdown;
use crate::placeholders::{self, Values};
use crate::resolve::{reference_anchor, Currency, Edition, LocalItem, Placement};
use crate::theme::Theme;

mod review;
mod survey;

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

#[derive(Serialize)]
pub(crate) struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    disclaimer: &'a str,
}

#[derive(Serialize)]
pub(crate) struct MunicipalityView<'a> {
    id: &'a str,
    name: &'a str,
    prefecture: &'a str,
    service_name: &'a str,
    theme_color: &'a str,
    base_url: &'a str,
    api_base_url: &'a str,
    email_from: &'a str,
    reply_to: &'a str,
    contact: &'a kizuna_schedule::Contact,
    description_html: Option<String>,
    /// The service named with its place, once: 「こもれび町 子育てきずなメール」 stays as it is,
    /// 「きずなメール」 becomes 「ひかり市のきずなメール」.
    full_name: String,
    /// What the municipality sends, in words.
    finder: crate::pages::SpanText,
}

impl<'a> SiteView<'a> {
    /// The archive-wide settings every page shows.
    pub(crate) fn of(site: &'a SiteFile) -> Self {
        SiteView { title: &site.title, description: &site.description, disclaimer: site.disclaimer.trim() }
    }
}

impl<'a> MunicipalityView<'a> {
    /// A municipality's branding and contact, as every page and mail of it shows them.
    pub(crate) fn of(edition: &'a Edition) -> Self {
        MunicipalityView {
            id: &edition.id,
            name: &edition.name,
            prefecture: &edition.prefecture,
            service_name: &edition.service_name,
            theme_color: &edition.theme_color,
            base_url: &edition.base_url,
            api_base_url: &edition.api_base_url,
            email_from: &edition.email.from,
            reply_to: &edition.email.reply_to,
            contact: &edition.contact,
            description_html: edition.description.as_deref().map(markdown::to_html),
            full_name: if edition.service_name.contains(&edition.name) {
                edition.service_name.clone()
            } else {
                format!("{}の{}", edition.name, edition.service_name)
            },
            finder: crate::pages::SpanText::of(&edition.enabled()),
        }
    }
}

#[derive(Serialize)]
struct Crumb {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct Link<'a> {
    stem: &'a str,
    label: String,
    title: &'a str,
}

#[derive(Serialize)]
struct TopicRef<'a> {
    name: &'a str,
    slug: String,
}

fn render_template(tera: &Tera, template: &str, context: &Context, page: &str) -> Result<Vec<u8>, RenderError> {
    tera.render(template, context).map(String::into_bytes).map_err(|error| RenderError {
        page: page.to_owned(),
        template: template.to_owned(),
        message: format!("{error:#}"),
    })
}

/// 「2026年4月1日」
pub fn japanese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 「2026年4月1日〜2027年3月31日」
pub fn validity_label(valid: &Validity) -> Option<String> {
    let day = japanese_date;
    match (valid.from, valid.until) {
        (None, None) => None,
        (from, until) => Some(format!("{}〜{}", from.map(day).unwrap_or_default(), until.map(day).unwrap_or_default())),
    }
}

/// The track's display name and description, from `track.yaml` or the defaults.
pub fn track_names(content: &Content, track: TrackId) -> (String, String) {
    content
        .tracks
        .get(&track)
        .and_then(|t| t.meta.as_ref())
        .map(|m| (m.value.name.clone(), m.value.description.trim().to_owned()))
        .unwrap_or_else(|| (track.name().to_owned(), String::new()))
}

/// The table-of-contents group a message belongs to (by week, month, age or school year).
pub fn toc_group(track: TrackId, rule: &Rule) -> String {
    let reference = reference_anchor();
    let Some(date) = rule.delivery_date(reference) else { return String::new() };
    match (track, rule) {
        (_, Rule::Pregnancy(age)) => format!("妊娠{}週", age.weeks()),
        (TrackId::Baby, _) => {
            let months = months_between(reference, date);
            if months < 12 {
                format!("生後{months}か月")
            } else {
                format!("{}歳{}か月", months / 12, months % 12)
            }
        }
        (TrackId::Preschool, _) => format!("{}歳", months_between(reference, date) / 12),
        (TrackId::SchoolEntry | TrackId::FirstGrade, _) => format!("{}月", date.month()),
        _ => {
            let offset = calendar::school_year_of(date) - calendar::school_cohort(reference).unwrap_or_default();
            SchoolGrade::ALL
                .iter()
                .find(|g| g.years_after_cohort() == offset)
                .map_or_else(|| format!("{}歳", months_between(reference, date) / 12), |g| g.label().to_owned())
        }
    }
}

fn months_between(start: NaiveDate, end: NaiveDate) -> i32 {
    let mut months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    if calendar::add_months_clamped(start, months.max(0) as u32).is_some_and(|d| d > end) {
        months -= 1;
    }
    months
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
    let mail = renderer.mail_parts()?;
    files.extend(mail.files);
    let surveys = renderer.surveys()?;
    files.push(renderer.schedule(&mail.hashes, surveys.entries)?);
    let sitemap = renderer.sitemap(&files)?;
    files.push(sitemap);
    // Survey pages are personal forms (noindex), kept out of the sitemap like the subscription pages.
    files.extend(surveys.files);
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

struct MailOutput {
    files: Vec<OutputFile>,
    hashes: BTreeMap<String, String>,
}

impl Renderer<'_> {
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

    fn landing<'a>(&'a self) -> Result<OutputFile, RenderError> {
        #[derive(Serialize)]
        struct TrackView {
            id: TrackId,
            name: String,
            description: String,
            count: usize,
        }
        #[derive(Serialize)]
        struct LocalView<'v> {
            url: String,
            title: &'v str,
            category: &'v str,
            label: String,
            upcoming: bool,
        }
        let tracks: Vec<TrackView> = self
            .edition
            .enabled()
            .into_iter()
            .map(|id| {
                let (name, description) = track_names(self.build.content, id);
                TrackView { id, name, description, count: self.edition.track_messages(id).count() }
            })
            .collect();
        let local_view = |item: &'a LocalItem| LocalView {
            url: format!("local/{}/", item.stem),
            title: &item.title,
            category: &item.category,
            label: local_when_label(self.edition, item),
            upcoming: item.currency == Currency::Upcoming,
        };
        let announcements: Vec<LocalView<'a>> = self
            .edition
            .local
            .iter()
            .filter(|item| matches!(item.placement, Placement::Own { rule: Rule::Date(_), .. }))
            .map(local_view)
            .collect();
        let local: Vec<LocalView<'a>> = self.edition.local.iter().map(local_view).collect();
        self.page("index.html", "municipality.html", 0, |c| {
            c.insert("tracks", &tracks);
            c.insert("announcements", &announcements);
            c.insert("local", &local);
        })
    }

    fn track_toc(&self, track: TrackId) -> Result<OutputFile, RenderError> {
        #[derive(Serialize)]
        struct Group<'a> {
            label: String,
            items: Vec<Link<'a>>,
        }
        let mut groups: Vec<Group<'_>> = Vec::new();
        for message in self.edition.track_messages(track) {
            let label = toc_group(track, &message.rule);
            let link = Link { stem: &message.stem, label: message.rule.long_label(), title: &message.title };
            match groups.last_mut() {
                Some(group) if group.label == label => group.items.push(link),
                _ => groups.push(Group { label, items: vec![link] }),
            }
        }
        let (name, description) = track_names(self.build.content, track);
        let crumbs = self.crumbs(1, &[(&name, "")]);
        self.page(&format!("{track}/index.html"), "track.html", 1, |c| {
            c.insert("track", &serde_json::json!({ "id": track, "name": name, "description": description }));
            c.insert("groups", &groups);
            c.insert("crumbs", &crumbs);
        })
    }

    fn section_view(&self, index: usize) -> serde_json::Value {
        let item = &self.edition.local[index];
        serde_json::json!({
            "id": item.id,
            "category": item.category,
            "title": item.title,
            "body_html": self.local_texts[index].html,
            "upcoming": item.currency == Currency::Upcoming,
            "valid_label": validity_label(&item.valid),
            "valid_from_label": item.valid.from.map(japanese_date),
        })
    }

    fn message_page(&self, index: usize) -> Result<OutputFile, RenderError> {
        let message = &self.edition.messages[index];
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| self.edition.messages.get(i)).filter(|m| m.track == message.track).map(|m| Link {
                stem: &m.stem,
                label: m.rule.long_label(),
                title: &m.title,
            })
        };
        let prev = neighbour(index.checked_sub(1));
        let next = neighbour(Some(index + 1));
        let sections: Vec<serde_json::Value> = message.sections.iter().map(|&i| self.section_view(i)).collect();
        let (track_name, _) = track_names(self.build.content, message.track);
        let label = message.rule.long_label();
        let crumbs = self.crumbs(2, &[(&track_name, &format!("{}/", message.track)), (&label, "")]);
        let texts = &self.message_texts[index];
        self.page(&format!("{}/{}/index.html", message.track, message.stem), "message.html", 2, |c| {
            c.insert(
                "message",
                &serde_json::json!({
                    "id": message.id,
                    "label": label,
                    "title": message.title,
                    "summary": texts.summary,
                    "draft": message.review == ReviewStatus::Draft,
                    "reviewed_by": message.reviewed_by,
                    "body_html": texts.html,
                    "to_partner_html": texts.partner_html,
                    "topics": self.topic_refs(&message.topics),
                }),
            );
            c.insert("sections", &sections);
            c.insert("prev", &prev);
            c.insert("next", &next);
            c.insert("crumbs", &crumbs);
        })
    }

    fn local_page(&self, index: usize) -> Result<OutputFile, RenderError> {
        let item = &self.edition.local[index];
        let attached_url = match &item.placement {
            Placement::Section(message_id) => Some(format!("../../{message_id}/")),
            Placement::Own { .. } => None,
        };
        let crumbs = self.crumbs(2, &[(&item.title, "")]);
        self.page(&format!("local/{}/index.html", item.stem), "local.html", 2, |c| {
            let mut view = self.section_view(index);
            view["when_label"] = local_when_label(self.edition, item).into();
            view["draft"] = (item.review == ReviewStatus::Draft).into();
            view["attached_url"] = attached_url.into();
            c.insert("l", &view);
            c.insert("crumbs", &crumbs);
        })
    }

    fn topic_pages(&self) -> Result<Vec<OutputFile>, RenderError> {
        #[derive(Serialize)]
        struct Item {
            url: String,
            label: String,
            title: String,
        }
        let mut by_topic: BTreeMap<&str, Vec<Item>> = BTreeMap::new();
        for message in &self.edition.messages {
            for topic in &message.topics {
                by_topic.entry(topic).or_default().push(Item {
                    url: format!("../../{}/{}/", message.track, message.stem),
                    label: message.rule.long_label(),
                    title: message.title.clone(),
                });
            }
        }
        for item in &self.edition.local {
            for topic in &item.topics {
                by_topic.entry(topic).or_default().push(Item {
                    url: format!("../../local/{}/", item.stem),
                    label: item.category.clone(),
                    title: item.title.clone(),
                });
            }
        }
        let index: Vec<serde_json::Value> = self
            .topics
            .iter()
            .filter_map(|name| {
                let count = by_topic.get(name.as_str()).map_or(0, Vec::len);
                (count > 0).then(|| serde_json::json!({ "name": name, "slug": self.topic_slug(name), "count": count }))
            })
            .collect();
        let crumbs = self.crumbs(1, &[("テーマから探す", "")]);
        let mut files = vec![self.page("topics/index.html", "topics.html", 1, |c| {
            c.insert("topics", &index);
            c.insert("crumbs", &crumbs);
        })?];
        for (name, items) in &by_topic {
            let Some(slug) = self.topic_slug(name) else { continue };
            let crumbs = self.crumbs(2, &[("テーマから探す", "topics/"), (name, "")]);
            files.push(self.page(&format!("topics/{slug}/index.html"), "topic.html", 2, |c| {
                c.insert("topic", &serde_json::json!({ "name": name, "slug": slug }));
                c.insert("items", items);
                c.insert("crumbs", &crumbs);
            })?);
        }
        Ok(files)
    }

    fn feed(&self) -> Result<OutputFile, RenderError> {
        let timestamp = |d: NaiveDate| format!("{d}T00:00:00+09:00");
        let entries: Vec<serde_json::Value> = self
            .edition
            .local
            .iter()
            .zip(&self.local_texts)
            .map(|(item, texts)| {
                let summary = &texts.summary;
                serde_json::json!({
                    "title": item.title,
                    "url": self.url(&format!("local/{}/", item.stem)),
                    "updated": timestamp(item.valid.from.unwrap_or(self.build.build_date).min(self.build.build_date)),
                    "category": item.category,
                    "summary": summary,
                })
            })
            .collect();
        self.page("feed.xml", "feed.xml", 0, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &timestamp(self.build.build_date));
        })
    }

    fn sitemap(&self, files: &[OutputFile]) -> Result<OutputFile, RenderError> {
        let prefix = format!("{}/", self.edition.id);
        let urls: Vec<String> = files
            .iter()
            .filter_map(|f| f.path.strip_prefix(&prefix))
            .filter(|p| p.ends_with("index.html") && !p.starts_with("review/"))
            .map(|p| self.url(p.trim_end_matches("index.html")))
            .collect();
        self.page("sitemap.xml", "sitemap.xml", 0, |c| c.insert("urls", &urls))
    }

    fn mail_parts(&self) -> Result<MailOutput, RenderError> {
        let tera = &self.build.theme.tera;
        let section_file = |id: &str, title: &str, context: &Context| -> Result<OutputFile, RenderError> {
            let path = format!("{}/mail/sections/{id}.json", self.edition.id);
            let html =
                String::from_utf8_lossy(&render_template(tera, "mail/section.html", context, &path)?).trim().to_owned();
            let text =
                String::from_utf8_lossy(&render_template(tera, "mail/section.txt", context, &path)?).trim().to_owned();
            let section = MailSection { title: title.to_owned(), html, text };
            Ok(OutputFile { bytes: json_bytes(&section, &path)?, path })
        };
        let message_sections: Result<Vec<OutputFile>, RenderError> = self
            .edition
            .messages
            .par_iter()
            .zip(&self.message_texts)
            .map(|(message, texts)| {
                let mut context = self.base.clone();
                context.insert(
                    "section",
                    &serde_json::json!({
                        "local": false,
                        "label": message.rule.long_label(),
                        "title": message.title,
                        "body_html": texts.mail_html,
                        "body_text": texts.text,
                        "to_partner_html": texts.partner_mail_html,
                        "to_partner_text": texts.partner_text,
                        "url": self.url(&format!("{}/{}/", message.track, message.stem)),
                    }),
                );
                section_file(&message.id, &message.title, &context)
            })
            .collect();
        let mut files = message_sections?;
        for (item, texts) in self.edition.local.iter().zip(&self.local_texts) {
            let mut context = self.base.clone();
            context.insert(
                "section",
                &serde_json::json!({
                    "local": true,
                    "category": item.category,
                    "title": item.title,
                    "body_html": texts.mail_html,
                    "body_text": texts.text,
                    "url": self.url(&format!("local/{}/", item.stem)),
                }),
            );
            files.push(section_file(&item.id, &item.title, &context)?);
        }
        let hashes: BTreeMap<String, String> = files
            .iter()
            .map(|f| {
                (
                    f.path.trim_start_matches(&format!("{}/", self.edition.id)).to_owned(),
                    kizuna_schedule::content_hash(&f.bytes),
                )
            })
            .collect();

        let shell_path = format!("{}/mail/shell.json", self.edition.id);
        let shell = MailFrame {
            subject: String::new(),
            html: String::from_utf8_lossy(&render_template(tera, "mail/shell.html", &self.base, &shell_path)?)
                .into_owned(),
            text: String::from_utf8_lossy(&render_template(tera, "mail/shell.txt", &self.base, &shell_path)?)
                .into_owned(),
        };
        files.push(OutputFile { bytes: json_bytes(&shell, &shell_path)?, path: shell_path });
        let values = Values([
            self.edition.name.clone(),
            self.edition.service_name.clone(),
            self.edition.contact.name.clone(),
            self.edition.contact.phone.clone(),
            self.edition.contact.hours.clone(),
        ]);
        for kind in SystemMail::ALL {
            let Some(text) = self.build.theme.system_mails.get(kind.as_str()) else { continue };
            let path = format!("{}/mail/system/{}.json", self.edition.id, kind.as_str());
            let subject = placeholders::fill(&text.subject, &values);
            let mut context = self.base.clone();
            context.insert(
                "mail",
                &serde_json::json!({
                    "subject": subject,
                    "paragraphs": text.paragraphs.iter().map(|p| placeholders::fill(p, &values)).collect::<Vec<_>>(),
                    "action": text.action,
                }),
            );
            let frame = MailFrame {
                subject,
                html: String::from_utf8_lossy(&render_template(tera, "mail/system.html", &context, &path)?)
                    .into_owned(),
                text: String::from_utf8_lossy(&render_template(tera, "mail/system.txt", &context, &path)?).into_owned(),
            };
            files.push(OutputFile { bytes: json_bytes(&frame, &path)?, path });
        }
        Ok(MailOutput { files, hashes })
    }

    fn schedule(
        &self,
        hashes: &BTreeMap<String, String>,
        surveys: Vec<kizuna_schedule::survey::SurveyEntry>,
    ) -> Result<OutputFile, RenderError> {
        let edition = self.edition;
        let section_path = |id: &str| format!("mail/sections/{id}.json");
        // Every section was rendered and hashed before the schedule; a missing hash would publish an
        // entry the sender must refuse, so it is a render error, never an empty hash.
        let hash_of = |id: &str| {
            hashes.get(&section_path(id)).cloned().ok_or_else(|| RenderError {
                page: format!("{}/schedule.json", edition.id),
                template: "(schedule)".to_owned(),
                message: format!("no hash for the section of `{id}`"),
            })
        };
        let optional_validity = |valid: Validity| (valid != Validity::default()).then_some(valid);
        let mut entries: Vec<(u8, NaiveDate, ScheduleEntry)> = Vec::new();
        for message in &edition.messages {
            let local = message
                .sections
                .iter()
                .map(|&i| {
                    let item = &edition.local[i];
                    Ok(LocalSection {
                        id: item.id.clone(),
                        section: section_path(&item.id),
                        hash: hash_of(&item.id)?,
                        valid: optional_validity(item.valid),
                    })
                })
                .collect::<Result<Vec<_>, RenderError>>()?;
            entries.push((
                rank(&message.rule),
                message.order,
                ScheduleEntry {
                    id: message.id.clone(),
                    track: EntryTrack::Track(message.track),
                    tracks: None,
                    when: message.rule,
                    subject: message.title.clone(),
                    url: self.url(&format!("{}/{}/", message.track, message.stem)),
                    section: section_path(&message.id),
                    hash: hash_of(&message.id)?,
                    review: message.review,
                    local,
                    valid: None,
                },
            ));
        }
        for item in &edition.local {
            if let Placement::Own { rule, tracks } = &item.placement {
                entries.push((
                    rank(rule),
                    item.order,
                    ScheduleEntry {
                        id: item.id.clone(),
                        track: EntryTrack::Local,
                        tracks: Some(tracks.clone()),
                        when: *rule,
                        subject: item.title.clone(),
                        url: self.url(&format!("local/{}/", item.stem)),
                        section: section_path(&item.id),
                        hash: hash_of(&item.id)?,
                        review: item.review,
                        local: Vec::new(),
                        valid: optional_validity(item.valid),
                    },
                ));
            }
        }
        entries.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
        let document = ScheduleDocument {
            schema: SCHEDULE_SCHEMA.to_owned(),
            build: self.build.build.clone(),
            municipality: MunicipalityInfo {
                id: edition.id.clone(),
                code: edition.code.clone(),
                name: edition.name.clone(),
                service_name: edition.service_name.clone(),
                tracks: edition.tracks.clone(),
                addons: edition.addons.clone(),
                delivery_time: edition.delivery_time.clone(),
                email: edition.email.clone(),
                archive_base_url: edition.base_url.clone(),
                api_base_url: edition.api_base_url.clone(),
                contact: edition.contact.clone(),
            },
            mail: MailParts {
                shell: "mail/shell.json".to_owned(),
                system: SystemMail::ALL
                    .into_iter()
                    .filter(|k| self.build.theme.system_mails.contains_key(k.as_str()))
                    .map(|k| (k, format!("mail/system/{}.json", k.as_str())))
                    .collect(),
            },
            entries: entries.into_iter().map(|(_, _, entry)| entry).collect(),
            surveys,
        };
        let path = format!("{}/schedule.json", edition.id);
        Ok(OutputFile { bytes: json_bytes(&document, &path)?, path })
    }
}

/// Due-anchored first, then birth-anchored, then dated announcements.
fn rank(rule: &Rule) -> u8 {
    match rule.anchor_kind() {
        Some(kizuna_schedule::AnchorKind::Due) => 0,
        Some(kizuna_schedule::AnchorKind::Birth) => 1,
        None => 2,
    }
}

/// How a local item is labelled: its rule's label, or the label of the message it belongs to.
fn local_when_label(edition: &Edition, item: &LocalItem) -> String {
    match &item.placement {
        Placement::Own { rule, .. } => rule.long_label(),
        Placement::Section(id) => {
            edition.messages.iter().find(|m| &m.id == id).map(|m| m.rule.long_label()).unwrap_or_default()
        }
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
