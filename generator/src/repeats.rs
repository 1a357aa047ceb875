//! `kizuna check`: the same topic twice in a short time. For each municipality, two messages it
//! sends (its enabled tracks, its overrides, without what an enabled add-on owns) with the same or a
//! near-duplicate title or body are reported when one family can receive both within a window of
//! days — e.g. `preschool/age-5y03m` and `school/nencho-1201` under one title.
//!
//! "One family" is tested over every anchor of a leap cycle: both messages must fall inside their
//! track's window for that anchor. A due-date message and a birth-date message are compared as if
//! the child were born on the due date — births vary by a few weeks, which the warning's window
//! easily absorbs.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use chrono::NaiveDate;
use kizuna_schedule::TrackId;

use crate::catalogue::{self as msg, Entry, Text};
use crate::check::{coverage_anchors, shingles, similar_pairs};
use crate::content::Content;
use crate::diagnostics::Diagnostics;
use crate::resolve::{sent_messages, SentMessage};

/// Why two messages count as repeats.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Likeness {
    SameTitle,
    Title(u32),
    Body(u32),
}

impl Likeness {
    /// The catalogue's words for it, with the percentage (100 for the same title).
    fn describe(&self) -> (&'static Entry, u32) {
        match self {
            Likeness::SameTitle => (&msg::CLOSE_REPEAT_SAME_TITLE, 100),
            Likeness::Title(percent) => (&msg::CLOSE_REPEAT_TITLE, *percent),
            Likeness::Body(percent) => (&msg::CLOSE_REPEAT_BODY, *percent),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            Likeness::SameTitle | Likeness::Title(_) => "title",
            Likeness::Body(_) => "body",
        }
    }
}

/// One repeated pair, first seen for one municipality.
struct Repeat {
    earlier: PathBuf,
    later: PathBuf,
    later_lines: crate::content::KeyLines,
    likeness: Likeness,
    example: (NaiveDate, NaiveDate, NaiveDate),
    municipalities: Vec<String>,
}

/// The first anchor for which one family receives both messages within `days` days:
/// (anchor, delivery of `a`, delivery of `b`).
fn reach_within(
    a: &SentMessage<'_>,
    b: &SentMessage<'_>,
    days: i64,
    anchors: &[NaiveDate],
) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
    let delivered = |m: &SentMessage<'_>, anchor: NaiveDate| {
        let date = m.file.value.when.delivery_date(anchor)?;
        m.track.window(anchor).is_some_and(|w| w.contains(date)).then_some(date)
    };
    anchors.iter().find_map(|anchor| {
        let (da, db) = (delivered(a, *anchor)?, delivered(b, *anchor)?);
        ((db - da).num_days().abs() <= days).then_some((*anchor, da, db))
    })
}

/// The likeness of every pair of `sent` whose titles or bodies repeat, the strongest reason kept.
fn alike_pairs(sent: &[SentMessage<'_>], threshold: f64) -> BTreeMap<(usize, usize), Likeness> {
    let mut pairs: BTreeMap<(usize, usize), Likeness> = BTreeMap::new();
    let mut keep = |pair: (usize, usize), likeness: Likeness| {
        let slot = pairs.entry(pair).or_insert(likeness.clone());
        if likeness < *slot {
            *slot = likeness;
        }
    };
    let normalized: Vec<String> =
        sent.iter().map(|m| m.file.value.title.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    let mut by_title: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, title) in normalized.iter().enumerate() {
        by_title.entry(title).or_default().push(index);
    }
    for same in by_title.values() {
        for (i, a) in same.iter().enumerate() {
            for b in &same[i + 1..] {
                keep((*a, *b), Likeness::SameTitle);
            }
        }
    }
    let percent = |similarity: f64| (similarity * 100.0).round() as u32;
    let titles: Vec<HashSet<u64>> = normalized.iter().map(|t| shingles(t)).collect();
    for (a, b, similarity) in similar_pairs(&titles, threshold) {
        keep((a, b), Likeness::Title(percent(similarity)));
    }
    let bodies: Vec<HashSet<u64>> = sent.iter().map(|m| shingles(&m.file.value.body)).collect();
    for (a, b, similarity) in similar_pairs(&bodies, threshold) {
        keep((a, b), Likeness::Body(percent(similarity)));
    }
    pairs
}

/// Warns (at the later message's title or body line) about messages a municipality sends that
/// repeat a title or body (Jaccard similarity of trigrams ≥ `threshold`, or the same title) and can
/// reach one family within `days` days.
pub fn close_repeats(content: &Content, threshold: f64, days: i64, diagnostics: &mut Diagnostics) {
    let anchors = coverage_anchors();
    let mut repeats: BTreeMap<(PathBuf, PathBuf), Repeat> = BTreeMap::new();
    for id in &content.municipality_ids {
        // Problems in the municipality's files are reported by validation; here they are skipped.
        let Some(municipality) = content.load_municipality(id, &mut Diagnostics::default()) else { continue };
        let file = &municipality.file.value;
        let enabled: Vec<TrackId> = file.tracks.iter().chain(&file.addons).copied().collect();
        let sent = sent_messages(content, &municipality, &enabled);
        for ((a, b), likeness) in alike_pairs(&sent, threshold) {
            let Some((anchor, da, db)) = reach_within(&sent[a], &sent[b], days, &anchors) else { continue };
            let (first, second, example) = if da <= db { (a, b, (anchor, da, db)) } else { (b, a, (anchor, db, da)) };
            let (earlier, later) = (&sent[first].file, &sent[second].file);
            let repeat = repeats.entry((earlier.path.clone(), later.path.clone())).or_insert_with(|| Repeat {
                earlier: earlier.path.clone(),
                later: later.path.clone(),
                later_lines: later.lines.clone(),
                likeness,
                example,
                municipalities: Vec::new(),
            });
            repeat.municipalities.push(file.name.clone());
        }
    }
    for repeat in repeats.into_values() {
        let (anchor, first, second) = repeat.example;
        let (entry, percent) = repeat.likeness.describe();
        let text = Text::new(entry)
            .arg("percent", percent)
            .arg("other", repeat.earlier.display())
            .arg("days", days)
            .arg("anchor", anchor)
            .arg("first", first)
            .arg("second", second)
            .arg("municipalities", repeat.municipalities.join(", "));
        diagnostics.warning(&repeat.later, repeat.later_lines.line_or_top(repeat.likeness.key()), text);
    }
}
