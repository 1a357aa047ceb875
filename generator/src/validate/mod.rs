//! Validation of loaded content: every problem, with file, line and what to do, before anything
//! is written (DESIGN.md §4).
//!
//! Rules that depend on the anchor (month ends, leap days, school cohorts) are judged over
//! [`sample_anchors`], a set of anchors chosen to hit every calendar special case.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::{owning_addon, ReviewStatus, Rule, TrackId};

pub mod dates;
mod local;

use crate::catalogue::{self as msg, Text};
use crate::content::{Content, KeyLines, Loaded, MessageFile, MunicipalityContent};
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
    /// The build date, for the checks of dates (announcements in the past, local information run
    /// out); `None` skips them (the import judges the coming year's rows on their own).
    pub today: Option<NaiveDate>,
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
            diagnostics.warning(&folder, None, Text::new(&msg::TRACK_YAML_MISSING));
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
        let text = Text::new(&msg::CODE_REUSED).arg("code", &file.value.code).arg("first", first.display());
        diagnostics.error(&file.path, file.lines.line_or_top("code"), text);
    }
    checker.municipality(content, municipality, diagnostics);
    crate::survey::validate_municipal(content, municipality, options.production, diagnostics);
    if let Some(today) = options.today {
        dates::town_local_dates(municipality, today, diagnostics);
    }
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
            diagnostics.error(path, lines.line_or_top("title"), Text::new(&msg::NO_TOPICS));
        }
        self.topics(&value.topics, path, lines, diagnostics);
        self.review(value.review.status, path, lines, diagnostics);
    }

    fn rule_in_track(&self, track: TrackId, rule: &Rule, path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        let line = lines.line_or_top("when");
        match rule.anchor_kind() {
            None => {
                diagnostics.error(path, line, Text::new(&msg::RULE_FOR_ANNOUNCEMENTS).arg("rule", rule));
                return;
            }
            Some(kind) if kind != track.anchor_kind() => {
                let text = Text::new(&msg::RULE_WRONG_ANCHOR)
                    .arg("rule", rule)
                    .arg("kind", kind.label())
                    .arg("track", track)
                    .arg("track_kind", track.anchor_kind().label());
                diagnostics.error(path, line, text);
                return;
            }
            Some(_) => {}
        }
        let ever_inside = self.anchors.iter().any(|anchor| {
            rule.delivery_date(*anchor).zip(track.window(*anchor)).is_some_and(|(day, window)| window.contains(day))
        });
        if !ever_inside {
            let text = Text::new(&msg::RULE_OUTSIDE_WINDOW)
                .arg("rule", rule)
                .arg("label", rule.long_label())
                .arg("track", track);
            diagnostics.error(path, line, text);
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
            diagnostics.error(path, line, Text::new(&msg::TEXT_EMPTY).arg("key", key));
            return;
        }
        if let Some(problem) = limits::too_long(key, text) {
            // Nothing else is judged on an over-long text: parsing it is the cost being avoided.
            diagnostics.error(path, line, problem);
            return;
        }
        if !is_markdown && text.trim().contains('\n') {
            diagnostics.error(path, line, Text::new(&msg::TEXT_NOT_ONE_LINE).arg("key", key));
        }
        for name in placeholders::unknown(text) {
            let text = Text::new(&msg::UNKNOWN_PLACEHOLDER)
                .arg("placeholder", format!("{{{{{name}}}}}"))
                .arg("key", key)
                .arg("known", placeholders::NAMES.map(|n| format!("{{{{{n}}}}}")).join(", "));
            diagnostics.error(path, line, text);
        }
        if is_markdown {
            for problem in markdown::problems(text, key) {
                diagnostics.error(path, line, problem);
            }
        }
    }

    fn topics(&self, topics: &[String], path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        for topic in topics.iter().filter(|t| !self.vocabulary.contains(t.as_str())) {
            let text = Text::new(&msg::UNKNOWN_TOPIC)
                .arg("topic", topic)
                .suggest(msg::nearest(topic, self.vocabulary.iter().copied()));
            diagnostics.error(path, lines.line_or_top("topics"), text);
        }
    }

    fn review(&self, status: ReviewStatus, path: &Path, lines: &KeyLines, diagnostics: &mut Diagnostics) {
        if self.options.production && status == ReviewStatus::Draft {
            diagnostics.error(path, lines.line_or_top("review"), Text::new(&msg::DRAFT_IN_PRODUCTION));
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
                let text = Text::new(&msg::SAME_DAY)
                    .arg("track", track)
                    .arg("rule", message.value.when)
                    .arg("other", first.path.display())
                    .arg("other_rule", first.value.when);
                diagnostics.error(&message.path, message.lines.line_or_top("when"), text);
            }
        }
    }

    fn municipality(&self, content: &Content, municipality: &MunicipalityContent, diagnostics: &mut Diagnostics) {
        let file = &municipality.file;
        let (value, lines, path) = (&file.value, &file.lines, &file.path);
        if !crate::content::is_valid_stem(&municipality.id) {
            diagnostics.error(path, None, Text::new(&msg::INVALID_FOLDER_NAME).arg("id", &municipality.id));
        }
        if value.code.len() != 6 || !value.code.bytes().all(|b| b.is_ascii_digit()) {
            diagnostics.error(
                path,
                lines.line_or_top("code"),
                Text::new(&msg::CODE_NOT_SIX_DIGITS).arg("code", &value.code),
            );
        }
        if let Err(error) = kizuna_schedule::DeliveryTime::parse(&value.delivery_time) {
            let text = Text::new(&msg::DELIVERY_TIME_INVALID).arg("error", error);
            diagnostics.error(path, lines.line_or_top("delivery_time"), text);
        }
        match contrast_with_white(&value.site.theme_color) {
            None => diagnostics.error(
                path,
                lines.line_or_top("site"),
                Text::new(&msg::THEME_COLOR_INVALID).arg("color", &value.site.theme_color),
            ),
            Some(ratio) if ratio < 4.5 => diagnostics.error(
                path,
                lines.line_or_top("site"),
                Text::new(&msg::THEME_COLOR_CONTRAST)
                    .arg("color", &value.site.theme_color)
                    .arg("ratio", format!("{ratio:.2}")),
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
                    let text =
                        Text::new(&msg::TRACK_IN_WRONG_LIST).arg("track", track).arg("other", other).arg("key", key);
                    diagnostics.error(path, lines.line_or_top(key), text);
                }
                if content.tracks.get(track).is_none_or(|t| t.messages.is_empty()) {
                    let text = Text::new(&msg::TRACK_WITHOUT_CONTENT).arg("track", track).arg("key", key);
                    diagnostics.error(path, lines.line_or_top(key), text);
                }
            }
        }
        let enabled: BTreeSet<TrackId> = value.tracks.iter().chain(&value.addons).copied().collect();
        for item in municipality.local.values() {
            self.local(content, &enabled, item, diagnostics);
        }
        let enabled: Vec<TrackId> = enabled.into_iter().collect();
        for (id, item) in &municipality.overrides {
            match content.message(id) {
                None => diagnostics.error(&item.path, None, Text::new(&msg::OVERRIDE_OF_UNKNOWN).arg("id", id)),
                Some((track, base)) => {
                    self.message(track.id, item, diagnostics);
                    // The base message is not sent here, so neither is its replacement (issue 21).
                    if let Some(addon) = owning_addon(track.id, &base.value.when, &enabled) {
                        let text = Text::new(&msg::OVERRIDE_OWNED_BY_ADDON).arg("id", id).arg("addon", addon);
                        diagnostics.warning(&item.path, item.lines.line_or_top("when"), text);
                    }
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
                Text::new(&msg::TOPIC_TWICE).arg("topic", topic),
            );
        }
    }
    if site.value.topics.is_empty() {
        diagnostics.error(&site.path, site.lines.line_or_top("topics"), Text::new(&msg::TOPICS_EMPTY));
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
