//! 原稿確認 as a sign-off document (DESIGN.md §8): every manuscript the town sends, in delivery
//! order per track — local items with their own rules in their place among the base messages,
//! dated announcements by date — the town's own text marked, a contents list by track and period,
//! and a sign-off block (確認者・確認日・所属) closing each part. The page prints on A4 with page
//! numbers (the template's `@page`).
//!
//! Three views share the template: everything (`review/`), the town's own text only
//! (`review/own/`), and what changed since the last sign-off (`review/changed/`), so a yearly
//! review reads tens of pages rather than hundreds.

use std::collections::BTreeMap;

use chrono::Datelike;
use kizuna_schedule::{ReviewStatus, Rule, TrackId};

use serde::Serialize;

use super::labels::{toc_group, track_names, validity_label};
use super::views::SectionView;
use super::{OutputFile, RenderError, Renderer};
use crate::resolve::{LocalItem, Placement};
use crate::staff::signoff;

/// One manuscript in delivery order.
#[derive(Clone, Copy)]
enum Entry {
    Message(usize),
    Local(usize),
}

/// The sign-off state of a manuscript, in words (未確認 / 前回の確認から変更 / 確認済み).
type Note<'a> = dyn Fn(&str) -> &'static str + 'a;

/// What a view shows and how each manuscript's sign-off reads.
#[derive(Clone, Copy)]
struct Shown<'a> {
    view: View,
    changed: &'a dyn Fn(&str) -> bool,
    note: &'a Note<'a>,
}

/// Which manuscripts a view shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    All,
    Own,
    Changed,
}

/// The counts at the top of every view.
#[derive(Serialize)]
struct Summary {
    messages: usize,
    local: usize,
    drafts: usize,
    overrides: usize,
}

/// One part of a view (a track, or the dated announcements), closed by a sign-off block.
#[derive(Serialize)]
struct Part<'a> {
    id: String,
    title: String,
    groups: Vec<Group>,
    items: Vec<Item<'a>>,
}

/// A contents entry of a part (a week, a month, …) and how many manuscripts it holds.
#[derive(Serialize)]
struct Group {
    label: String,
    anchor: String,
    count: usize,
}

/// One manuscript: a message (with the town's sections) or a local item.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    label: String,
    title: &'a str,
    local: bool,
    /// The town's own text: a local item, an overridden message or one with local sections.
    own: bool,
    changed: bool,
    draft: bool,
    reviewed_by: Option<&'a str>,
    overridden: bool,
    valid_label: Option<String>,
    body_html: &'a str,
    to_partner_html: Option<&'a str>,
    sections: Vec<Section<'a>>,
    /// 未確認 / 前回の確認から変更 / 確認済み.
    signoff: &'static str,
    /// Set on the first manuscript of each contents group.
    group_label: Option<String>,
    group_anchor: Option<String>,
}

/// A local section of a message, and whether it changed since the last sign-off.
#[derive(Serialize)]
struct Section<'a> {
    #[serde(flatten)]
    section: SectionView<'a>,
    changed: bool,
}

impl Renderer<'_> {
    /// The three review pages.
    pub(super) fn review_pages(&self) -> Result<Vec<OutputFile>, RenderError> {
        let hashes: BTreeMap<String, String> =
            signoff::manuscripts(self.edition).into_iter().map(|m| (m.id, m.hash)).collect();
        let changed = |id: &str| hashes.get(id) != self.signed.get(id);
        let note = |id: &str| match self.signed.get(id) {
            None => "未確認",
            Some(hash) if Some(hash) != hashes.get(id) => "前回の確認から変更",
            Some(_) => "確認済み",
        };
        let mut files = Vec::new();
        for (view, path, title, depth) in [
            (View::All, "review/index.html", "", 1),
            (View::Own, "review/own/index.html", "独自の原稿のみ", 2),
            (View::Changed, "review/changed/index.html", "前回の確認から変わった原稿", 2),
        ] {
            let parts = self.review_parts(Shown { view, changed: &changed, note: &note });
            let count: usize = parts.iter().map(|p| p.items.len()).sum();
            let crumbs = self.crumbs(depth, &[("原稿確認", "")]);
            files.push(self.page(path, "review.html", depth, |c| {
                c.insert("parts", &parts);
                c.insert("view_title", title);
                c.insert("view_count", &count);
                c.insert("summary", &self.review_summary());
                c.insert("build_date", &self.build.build_date.to_string());
                c.insert("review_root", &if depth > 1 { "../".repeat(depth - 1) } else { "./".to_owned() });
                c.insert("crumbs", &crumbs);
            })?);
        }
        Ok(files)
    }

    fn review_summary(&self) -> Summary {
        let edition = self.edition;
        Summary {
            messages: edition.messages.len(),
            local: edition.local.len(),
            drafts: edition.messages.iter().filter(|m| m.review == ReviewStatus::Draft).count()
                + edition.local.iter().filter(|l| l.review == ReviewStatus::Draft).count(),
            overrides: edition.messages.iter().filter(|m| m.overridden).count(),
        }
    }

    /// The parts of a view: one per track, then the dated announcements; empty parts are left out.
    fn review_parts(&self, shown: Shown<'_>) -> Vec<Part<'_>> {
        let mut parts = Vec::new();
        for track in self.edition.enabled() {
            let (name, _) = track_names(self.build.content, track);
            let entries = self.delivery_order(track);
            let group = |entry: &Entry| match *entry {
                Entry::Message(i) => toc_group(track, &self.edition.messages[i].rule),
                Entry::Local(i) => match &self.edition.local[i].placement {
                    Placement::Own { rule, .. } => toc_group(track, rule),
                    Placement::Section(_) => String::new(),
                },
            };
            parts.push(self.review_part(parts.len(), name, &entries, &group, shown));
        }
        let mut dated: Vec<Entry> = (0..self.edition.local.len())
            .filter(|&i| matches!(self.edition.local[i].placement, Placement::Own { rule: Rule::Date(_), .. }))
            .map(Entry::Local)
            .collect();
        dated.sort_by_key(|e| match *e {
            Entry::Local(i) | Entry::Message(i) => self.edition.local[i].order,
        });
        let month = |entry: &Entry| match *entry {
            Entry::Local(i) | Entry::Message(i) => {
                let date = self.edition.local[i].order;
                format!("{}年{}月", date.year(), date.month())
            }
        };
        let title = format!("{}独自のお知らせ（日付を指定した配信）", self.edition.name);
        parts.push(self.review_part(parts.len(), title, &dated, &month, shown));
        parts.retain(|p| !p.items.is_empty());
        parts
    }

    /// A track's base messages with the town's own items of that track merged in by delivery date
    /// (for the reference anchor; on equal dates the base message comes first).
    fn delivery_order(&self, track: TrackId) -> Vec<Entry> {
        let mut keyed: Vec<(chrono::NaiveDate, u8, usize, Entry)> = Vec::new();
        for (i, message) in self.edition.messages.iter().enumerate().filter(|(_, m)| m.track == track) {
            keyed.push((message.order, 0, i, Entry::Message(i)));
        }
        for (i, item) in self.edition.local.iter().enumerate() {
            if let Placement::Own { rule, tracks } = &item.placement {
                if !matches!(rule, Rule::Date(_)) && tracks.contains(&track) {
                    keyed.push((item.order, 1, i, Entry::Local(i)));
                }
            }
        }
        keyed.sort_by_key(|(order, kind, index, _)| (*order, *kind, *index));
        keyed.into_iter().map(|(_, _, _, entry)| entry).collect()
    }

    fn review_part(
        &self,
        index: usize,
        title: String,
        entries: &[Entry],
        group: &dyn Fn(&Entry) -> String,
        Shown { view, changed, note }: Shown<'_>,
    ) -> Part<'_> {
        let id = format!("part{}", index + 1);
        let mut items = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        for entry in entries {
            let mut item = match *entry {
                Entry::Message(i) => self.review_message(i, changed),
                Entry::Local(i) => self.review_local(i, changed),
            };
            item.signoff = note(item.id);
            let shown = match view {
                View::All => true,
                View::Own => item.own,
                View::Changed => item.changed,
            };
            if !shown {
                continue;
            }
            let label = group(entry);
            if groups.last().is_none_or(|g| g.label != label) {
                let anchor = format!("{id}-{}", groups.len() + 1);
                item.group_label = Some(label.clone());
                item.group_anchor = Some(anchor.clone());
                groups.push(Group { label, anchor, count: 0 });
            }
            if let Some(last) = groups.last_mut() {
                last.count += 1;
            }
            items.push(item);
        }
        Part { id, title, groups, items }
    }

    fn review_message(&self, index: usize, changed: &dyn Fn(&str) -> bool) -> Item<'_> {
        let (message, texts) = (&self.edition.messages[index], &self.message_texts[index]);
        let sections: Vec<Section<'_>> = message
            .sections
            .iter()
            .map(|&i| Section { section: self.section_view(i), changed: changed(&self.edition.local[i].id) })
            .collect();
        let sections_changed = sections.iter().any(|s| s.changed);
        Item {
            id: &message.id,
            label: message.rule.long_label(),
            title: &message.title,
            local: false,
            own: message.overridden || !message.sections.is_empty(),
            changed: changed(&message.id) || sections_changed,
            draft: message.review == ReviewStatus::Draft,
            reviewed_by: message.reviewed_by.as_deref(),
            overridden: message.overridden,
            valid_label: None,
            body_html: &texts.html,
            to_partner_html: texts.partner_html.as_deref(),
            sections,
            signoff: "",
            group_label: None,
            group_anchor: None,
        }
    }

    fn review_local(&self, index: usize, changed: &dyn Fn(&str) -> bool) -> Item<'_> {
        let item: &LocalItem = &self.edition.local[index];
        let label = match &item.placement {
            Placement::Own { rule, .. } => rule.long_label(),
            Placement::Section(_) => String::new(),
        };
        Item {
            id: &item.id,
            label,
            title: &item.title,
            local: true,
            own: true,
            changed: changed(&item.id),
            draft: item.review == ReviewStatus::Draft,
            reviewed_by: item.reviewed_by.as_deref(),
            overridden: false,
            valid_label: validity_label(&item.valid),
            body_html: &self.local_texts[index].html,
            to_partner_html: None,
            sections: Vec::new(),
            signoff: "",
            group_label: None,
            group_anchor: None,
        }
    }
}
