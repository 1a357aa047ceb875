//! The labels pages, mails and the review share: Japanese dates, validity periods, track names,
//! the contents group of a message and how a local item is labelled.

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::{calendar, Rule, SchoolGrade, TrackId, Validity};

use crate::content::Content;
use crate::resolve::{reference_anchor, Edition, LocalItem, Placement};

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

/// How a local item is labelled: its rule's label, or the label of the message it belongs to.
pub(super) fn local_when_label(edition: &Edition, item: &LocalItem) -> String {
    match &item.placement {
        Placement::Own { rule, .. } => rule.long_label(),
        Placement::Section(id) => {
            edition.messages.iter().find(|m| &m.id == id).map(|m| m.rule.long_label()).unwrap_or_default()
        }
    }
}
