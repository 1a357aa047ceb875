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

use super::{toc_group, track_names, validity_label, OutputFile, RenderError, Renderer};
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
            let count: usize = parts.iter().map(|p| p["items"].as_array().map_or(0, Vec::len)).sum();
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

    fn review_summary(&self) -> serde_json::Value {
        let edition = self.edition;
        serde_json::json!({
            "messages": edition.messages.len(),
            "local": edition.local.len(),
            "drafts": edition.messages.iter().filter(|m| m.review == ReviewStatus::Draft).count()
                + edition.local.iter().filter(|l| l.review == ReviewStatus::Draft).count(),
            "overrides": edition.messages.iter().filter(|m| m.overridden).count(),
        })
    }

    /// The parts of a view: one per track, then the dated announcements; empty parts are left out.
    fn review_parts(&self, shown: Shown<'_>) -> Vec<serde_json::Value> {
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
        parts.retain(|p| p["items"].as_array().is_some_and(|items| !items.is_empty()));
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
    ) -> serde_json::Value {
        let id = format!("part{}", index + 1);
        let mut items = Vec::new();
        let mut groups: Vec<serde_json::Value> = Vec::new();
        for entry in entries {
            let mut item = match *entry {
                Entry::Message(i) => self.review_message(i, changed),
                Entry::Local(i) => self.review_local(i, changed),
            };
            item["signoff"] = note(item["id"].as_str().unwrap_or_default()).into();
            let shown = match view {
                View::All => true,
                View::Own => item["own"] == true,
                View::Changed => item["changed"] == true,
            };
            if !shown {
                continue;
            }
            let label = group(entry);
            if groups.last().is_none_or(|g| g["label"] != label.as_str()) {
                let anchor = format!("{id}-{}", groups.len() + 1);
                item["group_label"] = label.clone().into();
                item["group_anchor"] = anchor.clone().into();
                groups.push(serde_json::json!({ "label": label, "anchor": anchor, "count": 0 }));
            }
            if let Some(last) = groups.last_mut() {
                last["count"] = (last["count"].as_u64().unwrap_or(0) + 1).into();
            }
            items.push(item);
        }
        serde_json::json!({ "id": id, "title": title, "groups": groups, "items": items })
    }

    fn review_message(&self, index: usize, changed: &dyn Fn(&str) -> bool) -> serde_json::Value {
        let (message, texts) = (&self.edition.messages[index], &self.message_texts[index]);
        let sections: Vec<serde_json::Value> = message
            .sections
            .iter()
            .map(|&i| {
                let mut view = self.section_view(i);
                view["changed"] = changed(&self.edition.local[i].id).into();
                view
            })
            .collect();
        let sections_changed = message.sections.iter().any(|&i| changed(&self.edition.local[i].id));
        serde_json::json!({
            "id": message.id,
            "label": message.rule.long_label(),
            "title": message.title,
            "local": false,
            "own": message.overridden || !message.sections.is_empty(),
            "changed": changed(&message.id) || sections_changed,
            "draft": message.review == ReviewStatus::Draft,
            "reviewed_by": message.reviewed_by,
            "overridden": message.overridden,
            "body_html": texts.html,
            "to_partner_html": texts.partner_html,
            "sections": sections,
        })
    }

    fn review_local(&self, index: usize, changed: &dyn Fn(&str) -> bool) -> serde_json::Value {
        let item: &LocalItem = &self.edition.local[index];
        let label = match &item.placement {
            Placement::Own { rule, .. } => rule.long_label(),
            Placement::Section(_) => String::new(),
        };
        serde_json::json!({
            "id": item.id,
            "label": label,
            "title": item.title,
            "local": true,
            "own": true,
            "changed": changed(&item.id),
            "draft": item.review == ReviewStatus::Draft,
            "reviewed_by": item.reviewed_by,
            "valid_label": validity_label(&item.valid),
            "body_html": self.local_texts[index].html,
            "sections": [],
        })
    }
}
