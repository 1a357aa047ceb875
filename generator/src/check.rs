//! `kizuna check`: coverage of every track against the cadence fixed in kizuna-schedule, required
//! birthdays, near-duplicate bodies and local information that expires soon.
//!
//! Coverage is measured for every birth (or due) date of a whole leap cycle, so month ends, Feb 29
//! and school cohorts are all exercised.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use kizuna_schedule::{owning_addon, Rule, TrackId};

use crate::catalogue::{self as msg, Text};
use crate::content::{Content, Loaded, MessageFile, TrackContent};
use crate::diagnostics::Diagnostics;

/// Coverage of one track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackCoverage {
    /// The track.
    pub track: TrackId,
    /// For the school track as sent where these add-ons are enabled (they own their school years);
    /// empty for the track on its own.
    pub addons: Vec<TrackId>,
    /// Number of messages (the add-ons' included).
    pub messages: usize,
    /// Distinct gaps, each with the number of anchors it occurs for.
    pub gaps: Vec<GapReport>,
    /// Birthdays the track must mark but does not.
    pub missing_birthdays: Vec<u8>,
}

impl TrackCoverage {
    /// `school`, or `school+first-grade` for the school track as sent with add-ons.
    pub fn label(&self) -> String {
        let mut label = self.track.to_string();
        for addon in &self.addons {
            label.push('+');
            label.push_str(addon.as_str());
        }
        label
    }
}

/// A gap too long for the cadence, described by the messages around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapReport {
    /// What comes before the gap.
    pub after: String,
    /// What comes after it.
    pub before: String,
    /// Longest gap seen between them.
    pub days: i64,
    /// Allowed gap.
    pub allowed: i64,
    /// For how many of the sampled anchors it occurs.
    pub anchors: usize,
    /// One anchor for which it occurs.
    pub example: NaiveDate,
}

/// What a gap report names instead of a message at the start or the end of the window.
pub const WINDOW_START: &str = "(start of the window)";
/// See [`WINDOW_START`].
pub const WINDOW_END: &str = "(end of the window)";

/// A message id of a gap report, or the words for the window's edge in the reader's language.
fn gap_end(name: &str) -> Text {
    match name {
        WINDOW_START => Text::new(&msg::WINDOW_START),
        WINDOW_END => Text::new(&msg::WINDOW_END),
        id => Text::new(&msg::PLAIN).arg("text", id),
    }
}

/// Every anchor of a leap cycle.
pub fn coverage_anchors() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    (0..1461).map(|i| first + Duration::days(i)).collect()
}

/// Measures every track that has content, and the school track as it is sent where enabled
/// add-ons own school years ([`owning_addon`]): without the owned messages, with the add-ons'
/// messages counting as the family's deliveries in their year.
pub fn coverage(content: &Content) -> Vec<TrackCoverage> {
    let anchors = coverage_anchors();
    let labelled = |track: &TrackContent| -> Vec<(String, Rule)> {
        track.messages.iter().map(|(stem, m)| (format!("{}/{stem}", track.id), m.value.when)).collect()
    };
    let mut result: Vec<TrackCoverage> = content
        .tracks
        .values()
        .filter(|t| !t.messages.is_empty())
        .map(|track| measure(track.id, Vec::new(), &labelled(track), &anchors))
        .collect();
    let Some(school) = content.tracks.get(&TrackId::School).filter(|t| !t.messages.is_empty()) else {
        return result;
    };
    for addons in addon_sets(content) {
        let enabled: Vec<TrackId> = addons.iter().copied().chain([TrackId::School]).collect();
        let mut messages: Vec<(String, Rule)> = labelled(school)
            .into_iter()
            .filter(|(_, rule)| owning_addon(TrackId::School, rule, &enabled).is_none())
            .collect();
        for addon in &addons {
            messages.extend(content.tracks.get(addon).map(labelled).unwrap_or_default());
        }
        result.push(measure(TrackId::School, addons, &messages, &anchors));
    }
    result
}

/// The distinct sets of add-ons that municipalities enable together with the school track.
fn addon_sets(content: &Content) -> BTreeSet<Vec<TrackId>> {
    let mut sets = BTreeSet::new();
    for id in &content.municipality_ids {
        // Problems in the municipality's files are reported by validation; here they are skipped.
        let Some(municipality) = content.load_municipality(id, &mut Diagnostics::default()) else { continue };
        let file = &municipality.file.value;
        let mut addons: Vec<TrackId> =
            file.addons.iter().copied().filter(|a| a.owned_school_year().is_some()).collect();
        addons.sort_unstable();
        addons.dedup();
        if file.tracks.contains(&TrackId::School) && !addons.is_empty() {
            sets.insert(addons);
        }
    }
    sets
}

/// Coverage of `track` by `messages` (id, rule) for every anchor.
fn measure(track: TrackId, addons: Vec<TrackId>, messages: &[(String, Rule)], anchors: &[NaiveDate]) -> TrackCoverage {
    let mut gaps: BTreeMap<(String, String), GapReport> = BTreeMap::new();
    for anchor in anchors {
        let by_date: BTreeMap<NaiveDate, &str> =
            messages.iter().filter_map(|(id, rule)| rule.delivery_date(*anchor).map(|d| (d, id.as_str()))).collect();
        let dates: Vec<NaiveDate> = by_date.keys().copied().collect();
        for gap in track.gaps(*anchor, &dates) {
            let name = |date: NaiveDate, edge: &str| by_date.get(&date).copied().unwrap_or(edge).to_owned();
            let after = name(gap.after, WINDOW_START);
            let before = name(gap.before, WINDOW_END);
            let report = gaps.entry((after.clone(), before.clone())).or_insert(GapReport {
                after,
                before,
                days: gap.days,
                allowed: gap.allowed,
                anchors: 0,
                example: *anchor,
            });
            report.anchors += 1;
            report.days = report.days.max(gap.days);
        }
    }
    let present: HashSet<u8> = messages
        .iter()
        .filter_map(|(_, rule)| match rule {
            Rule::Birthday(n) => Some(n.get()),
            _ => None,
        })
        .collect();
    let missing_birthdays = track.required_birthdays().filter(|n| !present.contains(n)).collect();
    TrackCoverage { track, addons, messages: messages.len(), gaps: gaps.into_values().collect(), missing_birthdays }
}

/// Reports coverage problems as errors (a gap means families would go without a message).
pub fn report_coverage(content: &Content, coverage: &[TrackCoverage], diagnostics: &mut Diagnostics) {
    for track in coverage {
        let folder = content.root.join("tracks").join(track.track.as_str());
        for gap in &track.gaps {
            let text = Text::new(&msg::COVERAGE_GAP)
                .arg("track", track.label())
                .arg("days", gap.days)
                .arg("allowed", gap.allowed)
                .arg_text("after", gap_end(&gap.after))
                .arg_text("before", gap_end(&gap.before))
                .arg("anchors", gap.anchors)
                .arg("sampled", 1461)
                .arg("example", gap.example);
            diagnostics.error(&folder, None, text);
        }
        for birthday in &track.missing_birthdays {
            let text = Text::new(&msg::MISSING_BIRTHDAY).arg("track", track.label()).arg("birthday", birthday);
            diagnostics.error(&folder, None, text);
        }
    }
}

/// Character trigrams of a body, for near-duplicate detection.
pub(crate) fn shingles(text: &str) -> HashSet<u64> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .windows(3)
        .map(|w| {
            let mut value = 0u64;
            for c in w {
                value = value.wrapping_mul(1_000_003).wrapping_add(u64::from(*c));
            }
            value
        })
        .collect()
}

/// Pairs `(a, b, similarity)`, `a < b`, of trigram sets at least `threshold` alike (Jaccard).
pub(crate) fn similar_pairs(sets: &[HashSet<u64>], threshold: f64) -> Vec<(usize, usize, f64)> {
    // Candidate pairs share rare trigrams; trigrams in many texts (「です。」) say nothing.
    let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (index, set) in sets.iter().enumerate() {
        for shingle in set {
            postings.entry(*shingle).or_default().push(index);
        }
    }
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    for documents in postings.values().filter(|d| d.len() > 1 && d.len() <= 12) {
        for (i, a) in documents.iter().enumerate() {
            for b in &documents[i + 1..] {
                *shared.entry((*a, *b)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = shared
        .into_iter()
        .filter(|((a, b), count)| *count * 4 >= sets[*a].len().min(sets[*b].len()))
        .map(|(pair, _)| pair)
        .collect();
    pairs.sort_unstable();
    pairs
        .into_iter()
        .filter_map(|(a, b)| {
            let intersection = sets[a].intersection(&sets[b]).count() as f64;
            let union = (sets[a].len() + sets[b].len()) as f64 - intersection;
            let similarity = if union > 0.0 { intersection / union } else { 0.0 };
            (similarity >= threshold).then_some((a, b, similarity))
        })
        .collect()
}

/// Warns about pairs of message bodies that are nearly the same (Jaccard similarity ≥ `threshold`).
pub fn near_duplicates(content: &Content, threshold: f64, diagnostics: &mut Diagnostics) {
    let messages: Vec<&Loaded<MessageFile>> = content.tracks.values().flat_map(|t| t.messages.values()).collect();
    let sets: Vec<HashSet<u64>> = messages.iter().map(|m| shingles(&m.value.body)).collect();
    for (a, b, similarity) in similar_pairs(&sets, threshold) {
        let text = Text::new(&msg::NEAR_DUPLICATE_BODY)
            .arg("percent", format!("{:.0}", similarity * 100.0))
            .arg("other", messages[a].path.display());
        diagnostics.warning(&messages[b].path, messages[b].lines.line_or_top("body"), text);
    }
}

/// Warns about local information that expires within `days` of `today`.
pub fn expiring_local(content: &Content, today: NaiveDate, days: i64, diagnostics: &mut Diagnostics) {
    for id in &content.municipality_ids {
        // Problems in the municipality's files are reported by validation; here they are skipped.
        let Some(municipality) = content.load_municipality(id, &mut Diagnostics::default()) else { continue };
        for item in municipality.local.values() {
            let Some(until) = item.value.valid.and_then(|v| v.until).map(|d| d.0) else { continue };
            let left = (until - today).num_days();
            if (0..=days).contains(&left) {
                let text = Text::new(&msg::EXPIRES_SOON).arg("until", until).arg("left", left);
                diagnostics.warning(&item.path, item.lines.line_or_top("valid"), text);
            }
        }
    }
}
