//! 配信中 by track at a month's end, read in a number of counter items that does not grow with
//! subscribers (docs/reports.md, "配信中 by track").
//!
//! Who is active is kept by anchor date in two levels, both moved in the transition's own
//! transaction: one item per anchor kind holding a count per anchor *month* (`A#<kind>`:
//! `m<YYYY-MM>`), and one item per anchor month holding a count per anchor *day*
//! (`A#<kind>#<YYYY-MM>`: `d<DD>`). On a given day, the anchors whose subscriptions are in the same
//! set of tracks form a few runs of consecutive dates ([`runs`]: the track windows are intervals
//! of the anchor); the number active in a run is a difference of two prefix sums, and a prefix sum
//! up to any date needs only the kind's month-level item and that date's day item
//! ([`Levels::up_to`]). So a month end costs the kind item plus two day items per run — a
//! figure set by the calendar and the enabled tracks, never by the number of subscribers. Past
//! month ends subtract the changes recorded after them (`H#<month>#…`, the same two levels).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate};
use kizuna_schedule::{tracks_on, AnchorKind, TrackId};

use crate::month::Month;

/// Both anchor kinds.
pub const KINDS: [AnchorKind; 2] = [AnchorKind::Due, AnchorKind::Birth];

/// Active subscriptions (or their changes during one month) by anchor, in two levels, as far as
/// they were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// Per anchor kind and anchor month (the `A#<kind>` item's `m<YYYY-MM>`).
    pub months: BTreeMap<(AnchorKind, Month), i64>,
    /// Per anchor kind and anchor day (the `A#<kind>#<YYYY-MM>` items' `d<DD>`).
    pub days: BTreeMap<(AnchorKind, NaiveDate), i64>,
}

impl Levels {
    /// How many have an anchor on or before `day`: the kind's months before `day`'s month, plus the
    /// days of that month up to `day`.
    pub fn up_to(&self, kind: AnchorKind, day: NaiveDate) -> i64 {
        let month = Month::of(day);
        let before: i64 = self.months.iter().filter(|((k, m), _)| *k == kind && *m < month).map(|(_, n)| n).sum();
        let within: i64 = self.days.range((kind, month.first_day())..=(kind, day)).map(|(_, n)| n).sum();
        before + within
    }

    /// How many of `kind` in all.
    pub fn total(&self, kind: AnchorKind) -> i64 {
        self.months.iter().filter(|((k, _), _)| *k == kind).map(|(_, n)| n).sum()
    }

    /// Whether every count is zero (nobody, or every change undone).
    pub fn is_empty(&self) -> bool {
        self.months.values().all(|n| *n == 0) && self.days.values().all(|n| *n == 0)
    }
}

/// Consecutive anchor dates whose subscriptions are in the same non-empty set of enabled tracks on
/// one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The first anchor date.
    pub first: NaiveDate,
    /// The last anchor date.
    pub last: NaiveDate,
    /// The tracks (a child in an add-on's school year is in it and in the school track).
    pub tracks: Vec<TrackId>,
}

/// The runs of anchors in some enabled track on `day`, by the daily run's own rule
/// ([`tracks_on`]). Anchors from 20 years before `day` to 400 days after it are looked at: every
/// track window lies within (the longest, 小中高, ends before the 19th birthday; a due date is at
/// most 36 weeks ahead); anchors outside are in no track.
pub fn runs(kind: AnchorKind, day: NaiveDate, enabled: &[TrackId]) -> Vec<Run> {
    let (Some(mut anchor), Some(end)) =
        (day.checked_sub_months(Months::new(240)), day.checked_add_days(Days::new(400)))
    else {
        return Vec::new();
    };
    let mut runs: Vec<Run> = Vec::new();
    while anchor <= end {
        let tracks = tracks_on(kind, anchor, day, enabled);
        match runs.last_mut() {
            Some(run) if !tracks.is_empty() && run.tracks == tracks && run.last.succ_opt() == Some(anchor) => {
                run.last = anchor;
            }
            _ if !tracks.is_empty() => runs.push(Run { first: anchor, last: anchor, tracks }),
            _ => {}
        }
        let Some(next) = anchor.succ_opt() else { break };
        anchor = next;
    }
    runs
}

/// The dates whose prefix sums a month end needs: each run's last anchor and the day before its first.
fn cutoffs(kind: AnchorKind, day: NaiveDate, enabled: &[TrackId]) -> Vec<NaiveDate> {
    runs(kind, day, enabled).iter().flat_map(|run| [run.first.pred_opt(), Some(run.last)]).flatten().collect()
}

/// 配信中 by track at the end of `month`: today's counts less the changes recorded after `month`.
/// `None` is the active in no enabled track that day (e.g. before 妊娠4週0日); tracks with nobody
/// are left out.
pub fn active_by_track(
    now: &Levels,
    history: &BTreeMap<Month, Levels>,
    month: Month,
    enabled: &[TrackId],
) -> BTreeMap<Option<TrackId>, i64> {
    let day = month.last_day();
    let later: Vec<&Levels> = history.range(month.next()..).map(|(_, levels)| levels).collect();
    let at = |kind, date| now.up_to(kind, date) - later.iter().map(|l| l.up_to(kind, date)).sum::<i64>();
    let mut by_track = BTreeMap::new();
    for kind in KINDS {
        let total = now.total(kind) - later.iter().map(|l| l.total(kind)).sum::<i64>();
        let mut in_tracks = 0;
        for run in runs(kind, day, enabled) {
            let before = run.first.pred_opt().map_or(0, |date| at(kind, date));
            let count = at(kind, run.last) - before;
            in_tracks += count;
            for track in run.tracks.iter().filter(|_| count != 0) {
                *by_track.entry(Some(*track)).or_default() += count;
            }
        }
        if total != in_tracks {
            *by_track.entry(None).or_default() += total - in_tracks;
        }
    }
    by_track
}

/// The sort keys of the histogram items a report of `from`…`to` reads: per kind the month-level
/// item and, for each month end, the day items of its cutoffs, now and in every month after it up
/// to `now` (the current month, or later: a month nobody changed has no item).
pub fn keys(from: Month, to: Month, enabled: &[TrackId], now: Month) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for kind in KINDS {
        let kind_id = kind.as_str();
        keys.insert(format!("A#{kind_id}"));
        for month in from.through(to) {
            let anchor_months: BTreeSet<Month> =
                cutoffs(kind, month.last_day(), enabled).into_iter().map(Month::of).collect();
            for anchor_month in &anchor_months {
                keys.insert(format!("A#{kind_id}#{anchor_month}"));
            }
            for later in month.next().through(now) {
                keys.insert(format!("H#{later}#{kind_id}"));
                for anchor_month in &anchor_months {
                    keys.insert(format!("H#{later}#{kind_id}#{anchor_month}"));
                }
            }
        }
    }
    keys
}
