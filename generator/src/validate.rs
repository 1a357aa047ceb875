//! Validation of loaded content: every problem, with file, line and what to do, before anything
//! is written (DESIGN.md §4).
//!
//! Rules that depend on the anchor (month ends, leap days, school cohorts) are judged over
//! [`sample_anchors`], a set of anchors chosen to hit every calendar special case.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::{owning_addon, ReviewStatus, Rule, TrackId};

use crate::content::{Content, KeyLines, Loaded, LocalFile, MessageFile, MunicipalityContent};
use crate::diagnostics::Diagnostics;
use crate::{limits, markdown, placeholders};

/// The categories local information may have.
pub const CATEGORIES: [&str; 18] = [
    "母子健康手帳",
    "妊婦健康診査",
    "出生届",
    "新生児訪問",
    "児童手当",
    "予防接種",
    "乳幼児健診",
    "子育てひろば",
    "一時保育",
    "休日・夜間診療",
    "産後ケア",
    "防災",
    "医療費助成",
    "保育",
    "相談窓口",
    "就学",
    "放課後児童クラブ",
    "お知らせ",
];

/// How a build is validated.
#[derive(Clone, Copy, Debug)]
pub struct ValidationOptions {
    /// `--production`: drafts are errors.
    pub production: bool,
}

/// Anchors covering month ends, Feb 29, April 1/2 cohorts and ordinary days.
pub fn sample_anchors() -> Vec<NaiveDate> {
    let mut anchors: Vec<NaiveDate> = [
        "2023-01-31",
        "2023-02-28",
        "2023-03-31",
        "2023-04-01",
        "2023-04-02",
        "2023-06-15",
        "2023-08-31",
        "2023-12-31",
        "2024-01-01",
        "2024-01-30",
        "2024-02-29",
        "2024-03-01",
        "2024-04-01",
        "2024-04-02",
        "2024-09-30",
        "2024-10-31",
        "2025-02-28",
        "2025-05-20",
        "2025-11-30",
    ]
    .iter()
    .filter_map(|d| d.parse().ok())
    .collect();
    anchors.sort_unstable();
    anchors
}

/// Validates the site settings and every track; problems are added to `diagnostics`.
/// Municipalities are validated one at a time with [`validate_municipality`].
pub fn validate(content: &Content, options: ValidationOptions, diagnostics: &mut Diagnostics) {
    let vocabulary: BTreeSet<&str> = content.site.value.topics.iter().map(String::as_str).collect();
    let anchors = sample_anchors();
    let checker = Checker { vocabulary: &vocabulary, options, anchors: &anchors };
    check_site(content, diagnostics);
    for track in content.tracks.values() {
        if track.meta.is_none() && !track.messages.is_empty() {
            let folder = content.root.join("tracks").join(track.id.as_str());
            diagnostics.warning(
                &folder,
                None,
                "track.yaml is missing; the default name is used",
                "add track.yaml with name and description",
            );
        }
        for message in track.messages.values() {
            checker.message(track.id, message, diagnostics);
        }
        checker.same_day_messages(track.id, track.messages.values(), diagnostics);
    }
    crate::survey::validate_national(content, options.production, diagnostics);
}

/// Validates one municipality. `codes` remembers the codes seen so far (code → file), so that two
/// municipalities with one code are reported without keeping their content in memory.
pub fn validate_municipality(
    content: &Content,
    municipality: &MunicipalityContent,
    options: ValidationOptions,
    codes: &mut HashMap<String, PathBuf>,
    diagnostics: &mut Diagnostics,
) {
    let vocabulary: BTreeSet<&str> = content.site.value.topics.iter().map(String::as_str).collect();
    let anchors = sample_anchors();
    let checker = Checker { vocabulary: &vocabulary, options, anchors: &anchors };
    let file = &municipality.file;
    if let Some(first) = codes.insert(file.value.code.clone(), file.path.clone()) {
        diagnostics.error(
            &file.path,
            file.lines.line_or_top("code"),
            format!("code {} is also used by {}", file.value.code, first.display()),
            "each municipality needs its own local-government code",
        );
    }
    checker.municipality(content, municipality, diagnostics);
    crate::survey::validate_municipal(content, municipality, options.production, diagnostics);
}

struct Checker<'a> {
    vocabulary: &'a BTreeSet<&'a str>,
    options: ValidationOptions,
    anchors: &'a [NaiveDate],
}

impl Checker<'_> {
    fn message(&self, track: TrackId, message: &Loaded<MessageFile>, diagnostics: &mut Diagnostics) {
        let (value, lines, path) = (&message.value, &message.lines, &message.path);
        self.rule_in_track(track, &value.when, path, lines, diagnostics);
        self.text(path, lines, "title", &value.title, false, diagnostics);
        self.text(path, lines, "body", &value.body, true, diagnostics);
        if let Some(to_partner) = &value.to_partner {
            self.text(path, lines, "to_partner", to_partner, true, diagnostics);
        }
        if value.topics.is_empty() {
            diagnostics.error(
                path,
                lines.line_or_top("title"),
                "the message has no topics",
                "add `topics: [...]` with 1–3 topics from site.yaml",
            );
        }
        self.topics(&value.topics, path, lines, diagnostics);
        self.review(value.review.status, path, lines, diagnostics);
    }

    fn rule_in_track(&self, track: TrackId, rule: &Rule, path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        let line = lines.line_or_top("when");
        match rule.anchor_kind() {
            None => {
                diagnostics.error(
                    path,
                    line,
                    format!("`{rule}` is for municipal announcements only"),
                    "track messages use pregnancy, day, age, birthday or school rules",
                );
                return;
            }
            Some(kind) if kind != track.anchor_kind() => {
                diagnostics.error(
                    path,
                    line,
                    format!(
                        "`{rule}` counts from the {} but track {track} counts from the {}",
                        kind.label(),
                        track.anchor_kind().label()
                    ),
                    "move the message to a track with the same anchor, or change its rule",
                );
                return;
            }
            Some(_) => {}
        }
        let ever_inside = self.anchors.iter().any(|anchor| {
            rule.delivery_date(*anchor).zip(track.window(*anchor)).is_some_and(|(day, window)| window.contains(day))
        });
        if !ever_inside {
            diagnostics.error(
                path,
                line,
                format!("`{rule}` ({}) falls outside the {track} track's window for every child", rule.long_label()),
                "choose a rule inside the track's window (see DESIGN.md §3) or move the message to another track",
            );
        }
    }

    fn text(
        &self,
        path: &Path,
        lines: &KeyLines,
        key: &str,
        text: &str,
        is_markdown: bool,
        diagnostics: &mut Diagnostics,
    ) {
        let line = lines.line_or_top(key);
        if text.trim().is_empty() {
            diagnostics.error(path, line, format!("`{key}` is empty"), format!("write the {key}"));
            return;
        }
        if let Some(problem) = limits::too_long(key, text) {
            // Nothing else is judged on an over-long text: parsing it is the cost being avoided.
            diagnostics.error(path, line, problem, "shorten it, or split it into several messages");
            return;
        }
        if !is_markdown && text.trim().contains('\n') {
            diagnostics.error(path, line, format!("`{key}` must be one line"), None);
        }
        for name in placeholders::unknown(text) {
            diagnostics.error(
                path,
                line,
                format!("unknown placeholder `{{{{{name}}}}}` in `{key}`"),
                format!("use one of {}", placeholders::NAMES.map(|n| format!("{{{{{n}}}}}")).join(", ")),
            );
        }
        if is_markdown {
            for problem in markdown::problems(text) {
                diagnostics.error(
                    path,
                    line,
                    format!("`{key}` {problem}"),
                    "use only paragraphs, **strong**, lists and links",
                );
            }
        }
    }

    fn topics(&self, topics: &[String], path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        for topic in topics.iter().filter(|t| !self.vocabulary.contains(t.as_str())) {
            diagnostics.error(
                path,
                lines.line_or_top("topics"),
                format!("unknown topic `{topic}`"),
                "use a topic listed in content/site.yaml, or add it there",
            );
        }
    }

    fn review(&self, status: ReviewStatus, path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        if self.options.production && status == ReviewStatus::Draft {
            diagnostics.error(
                path,
                lines.line_or_top("review"),
                "draft content cannot be published with --production",
                "have it reviewed and set `review: { status: reviewed, by: … }`, or build without --production",
            );
        }
    }

    /// Two messages of one track whose rules always fall on the same day (for every sample anchor).
    fn same_day_messages<'m>(
        &self,
        track: TrackId,
        messages: impl Iterator<Item = &'m Loaded<MessageFile>>,
        diagnostics: &mut Diagnostics,
    ) {
        let mut seen: HashMap<Vec<Option<NaiveDate>>, &Loaded<MessageFile>> = HashMap::new();
        for message in messages {
            let signature: Vec<Option<NaiveDate>> =
                self.anchors.iter().map(|anchor| message.value.when.delivery_date(*anchor)).collect();
            if let Some(first) = seen.insert(signature, message) {
                diagnostics.error(
                    &message.path,
                    message.lines.line_or_top("when"),
                    format!(
                        "two messages of track {track} fall on the same day: this one (`{}`) and {} (`{}`)",
                        message.value.when,
                        first.path.display(),
                        first.value.when
                    ),
                    "give each day one message: change one rule, or merge the two files",
                );
            }
        }
    }

    fn municipality(&self, content: &Content, municipality: &MunicipalityContent, diagnostics: &mut Diagnostics) {
        let file = &municipality.file;
        let (value, lines, path) = (&file.value, &file.lines, &file.path);
        if !crate::content::is_valid_stem(&municipality.id) {
            diagnostics.error(
                path,
                None,
                format!("folder name `{}` is not a valid id", municipality.id),
                "use lowercase ASCII letters, digits and '-'",
            );
        }
        if value.code.len() != 6 || !value.code.bytes().all(|b| b.is_ascii_digit()) {
            diagnostics.error(
                path,
                lines.line_or_top("code"),
                format!("code `{}` is not a 6-digit local-government code", value.code),
                "write it quoted, e.g. code: \"999001\"",
            );
        }
        if let Err(error) = kizuna_schedule::DeliveryTime::parse(&value.delivery_time) {
            diagnostics.error(
                path,
                lines.line_or_top("delivery_time"),
                format!("delivery_time {error}"),
                "write it quoted, on the hour or half hour, e.g. delivery_time: \"07:00\"",
            );
        }
        match contrast_with_white(&value.site.theme_color) {
            None => diagnostics.error(
                path,
                lines.line_or_top("site"),
                format!("theme_color `{}` is not a colour #rrggbb", value.site.theme_color),
                "write it quoted, e.g. \"#0b6e69\"",
            ),
            Some(ratio) if ratio < 4.5 => diagnostics.error(
                path,
                lines.line_or_top("site"),
                format!("theme_color {} gives white text a contrast of only {ratio:.2}:1", value.site.theme_color),
                "JIS X 8341-3 (WCAG AA) needs at least 4.5:1: choose a darker colour",
            ),
            Some(_) => {}
        }
        limits::check_settings(file, diagnostics);
        if let Some(description) = &value.description {
            self.text(path, lines, "description", description, true, diagnostics);
        }
        for (key, tracks, want_addon) in [("tracks", &value.tracks, false), ("addons", &value.addons, true)] {
            for track in tracks {
                if track.is_addon() != want_addon {
                    let other = if want_addon { "tracks" } else { "addons" };
                    diagnostics.error(
                        path,
                        lines.line_or_top(key),
                        format!("{track} belongs under `{other}:`, not `{key}:`"),
                        None,
                    );
                }
                if content.tracks.get(track).is_none_or(|t| t.messages.is_empty()) {
                    diagnostics.error(
                        path,
                        lines.line_or_top(key),
                        format!("the municipality enables track {track}, which has no content"),
                        format!("add messages under content/tracks/{track}/ or remove it from `{key}:`"),
                    );
                }
            }
        }
        let enabled: BTreeSet<TrackId> = value.tracks.iter().chain(&value.addons).copied().collect();
        for item in municipality.local.values() {
            self.local(content, &enabled, item, diagnostics);
        }
        for (id, item) in &municipality.overrides {
            match content.message(id) {
                None => diagnostics.error(
                    &item.path,
                    None,
                    format!("overrides {id}, which is not a base message"),
                    "name the file like the base message it replaces",
                ),
                Some((track, _)) => self.message(track.id, item, diagnostics),
            }
        }
    }

    fn local(
        &self,
        content: &Content,
        enabled: &BTreeSet<TrackId>,
        item: &Loaded<LocalFile>,
        diagnostics: &mut Diagnostics,
    ) {
        let (value, lines, path) = (&item.value, &item.lines, &item.path);
        if !CATEGORIES.contains(&value.category.as_str()) {
            diagnostics.error(
                path,
                lines.line_or_top("category"),
                format!("unknown category `{}`", value.category),
                format!("use one of {}", CATEGORIES.join("、")),
            );
        }
        self.text(path, lines, "title", &value.title, false, diagnostics);
        self.text(path, lines, "body", &value.body, true, diagnostics);
        self.topics(&value.topics, path, lines, diagnostics);
        self.review(value.review.status, path, lines, diagnostics);
        if let Some(valid) = value.valid {
            if let (Some(from), Some(until)) = (valid.from, valid.until) {
                if from.0 > until.0 {
                    diagnostics.error(
                        path,
                        lines.line_or_top("valid"),
                        format!("valid.from {from} is after valid.until {until}"),
                        "swap the dates",
                    );
                }
            }
        }
        match (&value.attach_to, &value.when) {
            (Some(_), Some(_)) | (None, None) => diagnostics.error(
                path,
                lines.line_or_top("attach_to").or(lines.line_or_top("when")),
                "local information needs exactly one of `attach_to` or `when`",
                "attach it to a message (attach_to: maternity/08w0d) or give it a rule (when: …)",
            ),
            (Some(target), None) => match content.message(target) {
                None => diagnostics.error(
                    path,
                    lines.line_or_top("attach_to"),
                    format!("attach_to `{target}` names no message"),
                    "write track/stem of an existing message, e.g. maternity/08w0d",
                ),
                Some((track, _)) if !enabled.contains(&track.id) => diagnostics.error(
                    path,
                    lines.line_or_top("attach_to"),
                    format!("attach_to `{target}` is in track {}, which this municipality does not enable", track.id),
                    None,
                ),
                Some((track, message)) => {
                    let enabled: Vec<TrackId> = enabled.iter().copied().collect();
                    if let Some(addon) = owning_addon(track.id, &message.value.when, &enabled) {
                        diagnostics.error(
                            path,
                            lines.line_or_top("attach_to"),
                            format!("attach_to `{target}` is not sent here: the enabled add-on {addon} owns its school year"),
                            format!("attach it to a message of {addon} instead"),
                        );
                    }
                }
            },
            (None, Some(rule)) => self.local_rule(enabled, rule, value.tracks.as_deref(), path, lines, diagnostics),
        }
        if value.attach_to.is_some() && value.tracks.is_some() {
            diagnostics.error(
                path,
                lines.line_or_top("tracks"),
                "`tracks` is only for `date:` announcements",
                "remove `tracks`",
            );
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
            (None, None) => diagnostics.error(
                path,
                lines.line_or_top("when"),
                "an announcement (`date:` rule) needs `tracks`",
                "list who receives it, e.g. tracks: [maternity, baby]",
            ),
            (None, Some(tracks)) => {
                for track in tracks.iter().filter(|t| !enabled.contains(t)) {
                    diagnostics.error(
                        path,
                        lines.line_or_top("tracks"),
                        format!("track {track} is not enabled by this municipality"),
                        None,
                    );
                }
            }
            (Some(_), Some(_)) => diagnostics.error(
                path,
                lines.line_or_top("tracks"),
                "`tracks` is only for `date:` announcements",
                "remove `tracks`: a rule's recipients follow from its anchor",
            ),
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
                        format!(
                            "`{rule}` falls outside every track this municipality enables, so nobody would receive it"
                        ),
                        "choose a rule within an enabled track's window",
                    );
                }
            }
        }
    }
}

fn check_site(content: &Content, diagnostics: &mut Diagnostics) {
    let site = &content.site;
    let mut seen = BTreeMap::new();
    for topic in &site.value.topics {
        if seen.insert(topic, ()).is_some() {
            diagnostics.error(
                &site.path,
                site.lines.line_or_top("topics"),
                format!("topic `{topic}` is listed twice"),
                None,
            );
        }
    }
    if site.value.topics.is_empty() {
        diagnostics.error(
            &site.path,
            site.lines.line_or_top("topics"),
            "the topic vocabulary is empty",
            "list the topics messages may use",
        );
    }
}

/// WCAG contrast ratio of white text on `#rrggbb`, or `None` when it is not such a colour.
pub fn contrast_with_white(color: &str) -> Option<f64> {
    let hex = color.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let value = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if value <= 0.03928 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) })
    };
    let luminance = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (luminance + 0.05))
}

/// Months between two dates' months (for tables of contents).
pub fn whole_months_between(start: NaiveDate, end: NaiveDate) -> i32 {
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    if end.day() < start.day()
        && kizuna_schedule::calendar::add_months_clamped(start, months.max(0) as u32).is_some_and(|d| d > end)
    {
        months - 1
    } else {
        months
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast_with_white("#000000").expect("colour") - 21.0).abs() < 0.01);
        assert!((contrast_with_white("#0b6e69").expect("colour") - 6.09).abs() < 0.05);
        assert!(contrast_with_white("#ffcc00").expect("colour") < 4.5);
        assert_eq!(contrast_with_white("teal"), None);
    }
}
