//! The archive's pages of one municipality: the landing page, each track's contents, every
//! message and local item on its own page, and the topic index with a page per topic.

use std::collections::BTreeMap;

use kizuna_schedule::{ReviewStatus, Rule, TrackId};
use serde::Serialize;

use super::labels::{japanese_date, local_when_label, toc_group, track_names, validity_label};
use super::views::{Link, SectionView, TopicRef, TrackView};
use super::{local_path, message_path, OutputFile, RenderError, Renderer};
use crate::resolve::{Currency, LocalItem, Placement};

/// A local item as the landing page lists it.
#[derive(Serialize)]
struct LocalEntry<'a> {
    url: String,
    title: &'a str,
    category: &'a str,
    label: String,
    upcoming: bool,
}

/// One group of a track's contents (a week, a month, a school year).
#[derive(Serialize)]
struct Group<'a> {
    label: String,
    items: Vec<Link<'a>>,
}

/// A message on its own page.
#[derive(Serialize)]
struct MessageView<'a> {
    id: &'a str,
    label: &'a str,
    title: &'a str,
    summary: &'a str,
    draft: bool,
    reviewed_by: Option<&'a str>,
    body_html: &'a str,
    to_partner_html: Option<&'a str>,
    topics: Vec<TopicRef<'a>>,
}

/// A local item on its own page.
#[derive(Serialize)]
struct LocalPageView<'a> {
    #[serde(flatten)]
    section: SectionView<'a>,
    when_label: String,
    draft: bool,
    /// The message the item is a section of, if it is one.
    attached_url: Option<String>,
}

/// A page listed under a topic.
#[derive(Serialize)]
struct TopicItem {
    url: String,
    label: String,
    title: String,
}

/// A topic in the topic index.
#[derive(Serialize)]
struct TopicCount<'a> {
    #[serde(flatten)]
    topic: TopicRef<'a>,
    count: usize,
}

impl Renderer<'_> {
    pub(super) fn landing<'a>(&'a self) -> Result<OutputFile, RenderError> {
        let tracks: Vec<TrackView> = self.edition.enabled().into_iter().map(|id| self.track_view(id)).collect();
        let local_entry = |item: &'a LocalItem| LocalEntry {
            url: local_path(item),
            title: &item.title,
            category: &item.category,
            label: local_when_label(self.edition, item),
            upcoming: item.currency == Currency::Upcoming,
        };
        let local_items = self.edition.local.iter();
        let dated = |item: &&'a LocalItem| matches!(item.placement, Placement::Own { rule: Rule::Date(_), .. });
        let announcements: Vec<LocalEntry<'a>> = local_items.clone().filter(dated).map(local_entry).collect();
        let local: Vec<LocalEntry<'a>> = local_items.map(local_entry).collect();
        self.page("index.html", "municipality.html", 0, |c| {
            c.insert("tracks", &tracks);
            c.insert("announcements", &announcements);
            c.insert("local", &local);
        })
    }

    fn track_view(&self, id: TrackId) -> TrackView {
        let (name, description) = track_names(self.build.content, id);
        TrackView { id, name, description, count: self.edition.track_messages(id).count() }
    }

    pub(super) fn track_toc(&self, track: TrackId) -> Result<OutputFile, RenderError> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for message in self.edition.track_messages(track) {
            let label = toc_group(track, &message.rule);
            let link = Link { stem: &message.stem, label: message.rule.long_label(), title: &message.title };
            match groups.last_mut() {
                Some(group) if group.label == label => group.items.push(link),
                _ => groups.push(Group { label, items: vec![link] }),
            }
        }
        let view = self.track_view(track);
        let crumbs = self.crumbs(1, &[(&view.name, "")]);
        self.page(&format!("{track}/index.html"), "track.html", 1, |c| {
            c.insert("track", &view);
            c.insert("groups", &groups);
            c.insert("crumbs", &crumbs);
        })
    }

    /// The local item `index` as a section of a page.
    pub(super) fn section_view(&self, index: usize) -> SectionView<'_> {
        let item = &self.edition.local[index];
        SectionView {
            id: &item.id,
            category: &item.category,
            title: &item.title,
            body_html: &self.local_texts[index].html,
            upcoming: item.currency == Currency::Upcoming,
            valid_label: validity_label(&item.valid),
            valid_from_label: item.valid.from.map(japanese_date),
        }
    }

    pub(super) fn message_page(&self, index: usize) -> Result<OutputFile, RenderError> {
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
        let sections: Vec<SectionView<'_>> = message.sections.iter().map(|&i| self.section_view(i)).collect();
        let (track_name, _) = track_names(self.build.content, message.track);
        let label = message.rule.long_label();
        let crumbs = self.crumbs(2, &[(&track_name, &format!("{}/", message.track)), (&label, "")]);
        let texts = &self.message_texts[index];
        let view = MessageView {
            id: &message.id,
            label: &label,
            title: &message.title,
            summary: &texts.summary,
            draft: message.review == ReviewStatus::Draft,
            reviewed_by: message.reviewed_by.as_deref(),
            body_html: &texts.html,
            to_partner_html: texts.partner_html.as_deref(),
            topics: self.topic_refs(&message.topics),
        };
        self.page(&format!("{}index.html", message_path(message)), "message.html", 2, |c| {
            c.insert("message", &view);
            c.insert("sections", &sections);
            c.insert("prev", &prev);
            c.insert("next", &next);
            c.insert("crumbs", &crumbs);
        })
    }

    pub(super) fn local_page(&self, index: usize) -> Result<OutputFile, RenderError> {
        let item = &self.edition.local[index];
        let attached_url = match &item.placement {
            Placement::Section(message_id) => Some(format!("../../{message_id}/")),
            Placement::Own { .. } => None,
        };
        let crumbs = self.crumbs(2, &[(&item.title, "")]);
        let view = LocalPageView {
            section: self.section_view(index),
            when_label: local_when_label(self.edition, item),
            draft: item.review == ReviewStatus::Draft,
            attached_url,
        };
        self.page(&format!("{}index.html", local_path(item)), "local.html", 2, |c| {
            c.insert("l", &view);
            c.insert("crumbs", &crumbs);
        })
    }

    pub(super) fn topic_pages(&self) -> Result<Vec<OutputFile>, RenderError> {
        let mut by_topic: BTreeMap<&str, Vec<TopicItem>> = BTreeMap::new();
        for message in &self.edition.messages {
            for topic in &message.topics {
                by_topic.entry(topic).or_default().push(TopicItem {
                    url: format!("../../{}", message_path(message)),
                    label: message.rule.long_label(),
                    title: message.title.clone(),
                });
            }
        }
        for item in &self.edition.local {
            for topic in &item.topics {
                by_topic.entry(topic).or_default().push(TopicItem {
                    url: format!("../../{}", local_path(item)),
                    label: item.category.clone(),
                    title: item.title.clone(),
                });
            }
        }
        let index: Vec<TopicCount<'_>> = self
            .topic_refs(self.topics)
            .into_iter()
            .filter_map(|topic| {
                let count = by_topic.get(topic.name).map_or(0, Vec::len);
                (count > 0).then_some(TopicCount { topic, count })
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
            let topic = TopicRef { name, slug };
            files.push(self.page(&format!("topics/{}/index.html", topic.slug), "topic.html", 2, |c| {
                c.insert("topic", &topic);
                c.insert("items", items);
                c.insert("crumbs", &crumbs);
            })?);
        }
        Ok(files)
    }
}
