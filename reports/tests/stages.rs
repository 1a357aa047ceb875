//! 配信中 by track at every month end, read through the few histogram items the report reads
//! (`kizuna_reports::stages`), equals a count of every subscription the test made — for children
//! of every age and pregnancies, with add-on tracks that overlap the school track, with endings,
//! births and corrections after the month ends — and what a report reads does not grow with the
//! number of subscriptions.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use kizuna_reports::counters::{
    read_ranges, updates_for, Change, Channel, Event, MemoryCounters, Standing, UnsubscribeVia,
};
use kizuna_reports::figures::{compute, Municipality, Period};
use kizuna_reports::ledger::{Ledger, Reading};
use kizuna_reports::Month;
use kizuna_schedule::{tracks_on, AnchorKind, TrackId};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// A small deterministic generator (no dependency for a test's spread of dates).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Every state a subscription was in, from a date on: (date, kind, anchor, active).
type Story = Vec<(NaiveDate, AnchorKind, NaiveDate, bool)>;

/// `n` subscriptions through sign-up, confirmation and, for some, a birth, a corrected date or an
/// ending, all between April 2026 and September 2027.
fn world(n: u64, seed: u64) -> (MemoryCounters, Vec<Story>) {
    let mut random = Lcg(seed);
    let mut counters = MemoryCounters::default();
    let mut stories = Vec::new();
    let start = d("2026-04-01");
    for _ in 0..n {
        let signed = start + Days::new(random.below(450));
        let (kind, anchor) = if random.below(3) == 0 {
            (AnchorKind::Due, signed + Days::new(30 + random.below(260)))
        } else {
            (AnchorKind::Birth, signed - Days::new(random.below(19 * 366)))
        };
        let off = Standing { channel: Channel::Mail, kind, anchor, track: None, active: false };
        let on = Standing { active: true, ..off };
        let mut apply = |date, event, before: Standing, after: Standing| {
            counters.apply(updates_for(&Change {
                municipality: "m",
                date,
                event,
                before: Some(before),
                after: Some(after),
            }));
        };
        apply(signed, Event::Activated, off, on);
        let mut story = vec![(signed, kind, anchor, true)];
        let later = signed + Days::new(1 + random.below(200));
        match random.below(5) {
            0 => {
                apply(later, Event::Unsubscribed(UnsubscribeVia::Link), on, off);
                story.push((later, kind, anchor, false));
            }
            1 if kind == AnchorKind::Due => {
                let born = Standing { kind: AnchorKind::Birth, anchor: anchor - Days::new(random.below(20)), ..on };
                apply(later, Event::BirthRegistered, on, born);
                story.push((later, AnchorKind::Birth, born.anchor, true));
            }
            2 => {
                let moved = Standing { anchor: anchor + Days::new(random.below(60)), ..on };
                apply(later, Event::AnchorChanged, on, moved);
                story.push((later, kind, moved.anchor, true));
            }
            _ => {}
        }
        stories.push(story);
    }
    (counters, stories)
}

/// 配信中 by track at the end of `month`, counted one subscription at a time.
fn counted(stories: &[Story], month: Month, enabled: &[TrackId]) -> BTreeMap<Option<TrackId>, i64> {
    let day = month.last_day();
    let mut by_track = BTreeMap::new();
    for story in stories {
        let Some((_, kind, anchor, true)) = story.iter().rev().find(|(date, ..)| *date <= day).copied() else {
            continue;
        };
        let tracks = tracks_on(kind, anchor, day, enabled);
        if tracks.is_empty() {
            *by_track.entry(None).or_default() += 1;
        }
        for track in tracks {
            *by_track.entry(Some(track)).or_default() += 1;
        }
    }
    by_track
}

fn town(enabled: &[TrackId]) -> Municipality {
    Municipality { id: "m".to_owned(), name: "m市".to_owned(), enabled: enabled.to_vec(), yearly_births: None }
}

#[test]
fn active_by_track_at_every_month_end_equals_a_count_of_every_subscription() {
    let (counters, stories) = world(600, 19);
    // The last transitions are in early 2028 (sign-ups to June 2027, changes up to 200 days later).
    let now: Month = "2028-02".parse().expect("month");
    let period = Period { from: "2026-04".parse().expect("month"), to: "2027-08".parse().expect("month") };
    let main = [TrackId::Maternity, TrackId::Baby, TrackId::Preschool, TrackId::School];
    for enabled in [&TrackId::ALL[..], &main[..], &[TrackId::Baby, TrackId::SchoolEntry][..]] {
        let items =
            counters.report_items(&Reading { municipality: "m", from: period.from, to: period.to, enabled, now });
        let figures = compute(&Ledger::from_items(items).expect("ledger"), &town(enabled), period);
        for row in &figures.months {
            assert_eq!(row.active_by_track, counted(&stories, row.month, enabled), "{} with {enabled:?}", row.month);
        }
    }
}

#[test]
fn what_a_month_report_reads_does_not_grow_with_subscriptions() {
    let month: Month = "2027-06".parse().expect("month");
    let now: Month = "2028-02".parse().expect("month");
    // The bound is set by the calendar and the tracks: the flow items of every month since the
    // first (April 2026), the month's delivery days, and the histogram keys named for it.
    let keys = read_ranges(month, month, &TrackId::ALL, now).len() - 2;
    let bound = "2026-04".parse::<Month>().expect("month").through(month).len() + 31 + keys;
    for n in [3_000, 30_000] {
        let (counters, _) = world(n, 7);
        let read = counters
            .report_items(&Reading { municipality: "m", from: month, to: month, enabled: &TrackId::ALL, now })
            .len();
        assert!(read <= bound, "{n} subscriptions: {read} items read, more than {bound}");
        assert!(counters.len() > 2 * read, "{n}: the report reads a part, not every counter item");
    }
}
