//! The typed template contexts more than one output shares: the site and municipality every page
//! and mail shows, breadcrumbs, links between messages, topics, tracks and a local item shown as a
//! section. Each output's own views live in its module.

use kizuna_schedule::TrackId;
use serde::Serialize;

use crate::content::SiteFile;
use crate::markdown;
use crate::resolve::Edition;

/// The archive-wide settings (`site`).
#[derive(Serialize)]
pub(crate) struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    disclaimer: &'a str,
}

/// A municipality's branding and contact (`muni`).
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

/// One step of the breadcrumb trail.
#[derive(Serialize)]
pub(super) struct Crumb {
    pub(super) title: String,
    pub(super) url: String,
}

/// A link to a message of the same track (contents, previous, next).
#[derive(Serialize)]
pub(super) struct Link<'a> {
    pub(super) stem: &'a str,
    pub(super) label: String,
    pub(super) title: &'a str,
}

/// A topic a page links to.
#[derive(Serialize)]
pub(super) struct TopicRef<'a> {
    pub(super) name: &'a str,
    pub(super) slug: String,
}

/// A track with its display name (landing page, track contents).
#[derive(Serialize)]
pub(super) struct TrackView {
    pub(super) id: TrackId,
    pub(super) name: String,
    pub(super) description: String,
    /// How many messages the track has.
    pub(super) count: usize,
}

/// A local item as a section of a page (message pages, its own page, the review).
#[derive(Serialize)]
pub(super) struct SectionView<'a> {
    pub(super) id: &'a str,
    pub(super) category: &'a str,
    pub(super) title: &'a str,
    pub(super) body_html: &'a str,
    pub(super) upcoming: bool,
    pub(super) valid_label: Option<String>,
    pub(super) valid_from_label: Option<String>,
}
