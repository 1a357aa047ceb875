//! Validation of a municipality's local information: its category, texts, where it goes
//! (`attach_to`, its own rule, or a dated announcement to some tracks) and its dates.
//!
//! The date checks judge what a family will actually receive: an announcement dated outside its own
//! validity is published but never sent, and one dated before the build is over. Whether the town as
//! a whole still has current local information is [`super::dates`]' business.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::{owning_addon, Rule, TrackId};

use super::{Checker, CATEGORIES};
use crate::catalogue::{self as msg, Text};
use crate::content::{Content, KeyLines, Loaded, LocalFile};
use crate::diagnostics::Diagnostics;

impl Checker<'_> {
    pub(super) fn local(
        &self,
        content: &Content,
        enabled: &BTreeSet<TrackId>,
        item: &Loaded<LocalFile>,
        diagnostics: &mut Diagnostics,
    ) {
        let (value, lines, path) = (&item.value, &item.lines, &item.path);
        if !CATEGORIES.contains(&value.category.as_str()) {
            let text = Text::new(&msg::UNKNOWN_CATEGORY)
                .arg("category", &value.category)
                .arg("known", CATEGORIES.join("、"))
                .suggest(msg::nearest(&value.category, CATEGORIES));
            diagnostics.error(path, lines.line_or_top("category"), text);
        }
        self.text(path, lines, "title", &value.title, false, diagnostics);
        self.text(path, lines, "body", &value.body, true, diagnostics);
        self.topics(&value.topics, path, lines, diagnostics);
        self.review(value.review.status, path, lines, diagnostics);
        self.validity(item, diagnostics);
        match (&value.attach_to, &value.when) {
            (Some(_), Some(_)) | (None, None) => diagnostics.error(
                path,
                lines.line_or_top("attach_to").or(lines.line_or_top("when")),
                Text::new(&msg::ATTACH_OR_WHEN),
            ),
            (Some(target), None) => Self::attach_to(content, enabled, target, path, lines, diagnostics),
            (None, Some(rule)) => self.local_rule(enabled, rule, value.tracks.as_deref(), path, lines, diagnostics),
        }
        if value.attach_to.is_some() && value.tracks.is_some() {
            diagnostics.error(path, lines.line_or_top("tracks"), Text::new(&msg::TRACKS_ONLY_FOR_DATE));
        }
    }

    /// The order of `valid`, its fit with fiscal years, and a dated announcement's date within it.
    fn validity(&self, item: &Loaded<LocalFile>, diagnostics: &mut Diagnostics) {
        let (value, lines, path) = (&item.value, &item.lines, &item.path);
        let line = lines.line_or_top("valid");
        let from = value.valid.and_then(|v| v.from).map(|d| d.0);
        let until = value.valid.and_then(|v| v.until).map(|d| d.0);
        let shown = |date: Option<NaiveDate>| date.map_or_else(|| "—".to_owned(), |d| d.to_string());
        if let (Some(from), Some(until)) = (from, until) {
            if from > until {
                let text = Text::new(&msg::VALID_FROM_AFTER_UNTIL).arg("from", from).arg("until", until);
                diagnostics.error(path, line, text);
            }
        }
        let Some(Rule::Date(date)) = value.when else {
            // Yearly information (sections and own rules) follows the fiscal year; announcements
            // are judged by their date instead.
            let starts_in_year = from.is_some_and(|d| (d.month(), d.day()) != (4, 1));
            let ends_in_year = until.is_some_and(|d| (d.month(), d.day()) != (3, 31));
            if starts_in_year || ends_in_year {
                let text = Text::new(&msg::VALIDITY_NOT_FISCAL).arg("from", shown(from)).arg("until", shown(until));
                diagnostics.warning(path, line, text);
            }
            return;
        };
        let date = date.0;
        if from.is_some_and(|f| date < f) || until.is_some_and(|u| date > u) {
            let text = Text::new(&msg::ANNOUNCEMENT_OUTSIDE_VALIDITY)
                .arg("date", date)
                .arg("from", shown(from))
                .arg("until", shown(until));
            diagnostics.error(path, lines.line_or_top("when"), text);
        }
        if let Some(today) = self.options.today.filter(|today| date < *today) {
            let text = Text::new(&msg::ANNOUNCEMENT_IN_PAST).arg("date", date).arg("today", today);
            diagnostics.warning(path, lines.line_or_top("when"), text);
        }
    }

    fn attach_to(
        content: &Content,
        enabled: &BTreeSet<TrackId>,
        target: &str,
        path: &Path,
        lines: &KeyLines,
        diagnostics: &mut Diagnostics,
    ) {
        let line = lines.line_or_top("attach_to");
        match content.message(target) {
            None => {
                let ids: Vec<String> = content
                    .tracks
                    .values()
                    .filter(|t| enabled.contains(&t.id))
                    .flat_map(|t| t.messages.keys().map(move |stem| format!("{}/{stem}", t.id)))
                    .collect();
                let text = Text::new(&msg::ATTACH_TO_UNKNOWN)
                    .arg("target", target)
                    .suggest(msg::nearest(target, ids.iter().map(String::as_str)));
                diagnostics.error(path, line, text);
            }
            Some((track, _)) if !enabled.contains(&track.id) => {
                let text = Text::new(&msg::ATTACH_TO_DISABLED).arg("target", target).arg("track", track.id);
                diagnostics.error(path, line, text);
            }
            Some((track, message)) => {
                let enabled: Vec<TrackId> = enabled.iter().copied().collect();
                if let Some(addon) = owning_addon(track.id, &message.value.when, &enabled) {
                    let text = Text::new(&msg::ATTACH_TO_OWNED).arg("target", target).arg("addon", addon);
                    diagnostics.error(path, line, text);
                }
            }
        }
    }

    fn local_rule(
        &self,
        enabled: &BTreeSet<TrackId>,
        rule: &Rule,
        tracks: Option<&[TrackId]>,
        path: &Path,
        lines: &KeyLines,
        diagnostics: &mut Diagnostics,
    ) {
        match (rule.anchor_kind(), tracks) {
            (None, None) => {
                diagnostics.error(path, lines.line_or_top("when"), Text::new(&msg::ANNOUNCEMENT_NEEDS_TRACKS));
            }
            (None, Some(tracks)) => {
                for track in tracks.iter().filter(|t| !enabled.contains(t)) {
                    let text = Text::new(&msg::ANNOUNCEMENT_TRACK_DISABLED).arg("track", track);
                    diagnostics.error(path, lines.line_or_top("tracks"), text);
                }
            }
            (Some(_), Some(_)) => {
                diagnostics.error(path, lines.line_or_top("tracks"), Text::new(&msg::TRACKS_ONLY_FOR_DATE));
            }
            (Some(kind), None) => {
                let inside = self.anchors.iter().any(|anchor| {
                    let day = rule.delivery_date(*anchor);
                    enabled
                        .iter()
                        .filter(|t| t.anchor_kind() == kind)
                        .any(|t| t.window(*anchor).zip(day).is_some_and(|(window, day)| window.contains(day)))
                });
                if !inside {
                    diagnostics.error(
                        path,
                        lines.line_or_top("when"),
                        Text::new(&msg::LOCAL_RULE_OUTSIDE).arg("rule", rule),
                    );
                }
            }
        }
    }
}
