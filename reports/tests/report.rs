//! A year of transitions for two municipalities pushed through the counter model into an
//! in-memory counter table, read back into figures and rendered: every figure equals what the
//! test tallies from its own record, and the workbook read back with calamine says the same.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::NaiveDate;
use kizuna_reports::counters::{
    counter_pk, delivery_update, updates_for, Change, Channel, CounterItem, CounterUpdate, DeliveryOutcome, Event,
    Ledger, MemoryCounters, Standing, UnsubscribeVia,
};
use kizuna_reports::figures::{compute, Municipality, Period};
use kizuna_reports::ledger::Reading;
use kizuna_reports::{municipal, Format, Month};
use kizuna_schedule::forms::StopReason;
use kizuna_schedule::{AnchorKind, TrackId};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// The counter table (the model's in-memory twin), checking that no transaction names an item twice.
#[derive(Default)]
struct Table(MemoryCounters);

impl Table {
    fn apply(&mut self, updates: Vec<CounterUpdate>) {
        let mut seen = std::collections::BTreeSet::new();
        for update in &updates {
            assert!(seen.insert(update.sk.clone()), "one transaction names {} twice", update.sk);
            assert!(update.adds.values().all(|amount| *amount != 0));
        }
        self.0.apply(updates);
    }

    /// What the report of `period` for `town` reads, parsed ("now" is the last month with a
    /// transition, as the current month would be).
    fn ledger(&self, town: &Municipality, period: Period) -> Ledger {
        let flows = self.0.query(&counter_pk(&town.id), "M#", "M#~");
        let now = flows.last().map_or(period.to, |item| item.sk[2..].parse().expect("month")).max(period.to);
        let items = self.0.report_items(&Reading {
            municipality: &town.id,
            from: period.from,
            to: period.to,
            enabled: &town.enabled,
            now,
        });
        Ledger::from_items(items).expect("ledger")
    }
}

/// A subscription as the test remembers it.
#[derive(Clone, Copy)]
struct Sub {
    muni: &'static str,
    standing: Standing,
}

/// What the test expects, tallied by hand.
#[derive(Default, Debug, PartialEq)]
struct Tally {
    registered: i64,
    active: i64,
    completed: i64,
    unsubscribed: i64,
    stopped: i64,
}

struct World {
    table: Table,
    tallies: BTreeMap<&'static str, Tally>,
}

impl World {
    fn change(&mut self, sub: &mut Sub, date: &str, event: Event, after: Option<Standing>) {
        let before = Some(sub.standing);
        let change = Change { municipality: sub.muni, date: d(date), event, before, after };
        self.table.apply(updates_for(&change));
        let tally = self.tallies.entry(sub.muni).or_default();
        let (was, is) = (sub.standing.active, after.is_some_and(|s| s.active));
        match (was, is, event) {
            (false, true, Event::Unblocked) => {
                tally.unsubscribed -= 1;
                tally.active += 1;
            }
            (false, true, Event::BirthRegistered) => {
                tally.completed -= 1;
                tally.active += 1;
            }
            (false, true, _) => {
                tally.registered += 1;
                tally.active += 1;
            }
            (true, false, Event::Completed) => tally.completed += 1,
            (true, false, Event::Unsubscribed(_) | Event::Blocked | Event::Deleted) => tally.unsubscribed += 1,
            (true, false, _) => tally.stopped += 1,
            _ => {}
        }
        if was && !is {
            tally.active -= 1;
        }
        if let Some(after) = after {
            sub.standing = after;
        }
    }

    fn sign_up(&mut self, muni: &'static str, date: &str, channel: Channel, kind: AnchorKind, anchor: &str) -> Sub {
        let track = Some(if kind == AnchorKind::Due { TrackId::Maternity } else { TrackId::Baby });
        let standing = Standing { channel, kind, anchor: d(anchor), track, active: false };
        let change =
            Change { municipality: muni, date: d(date), event: Event::SignedUp, before: None, after: Some(standing) };
        self.table.apply(updates_for(&change));
        Sub { muni, standing }
    }
}

fn active(s: Standing) -> Option<Standing> {
    Some(Standing { active: true, ..s })
}

fn ended(s: Standing) -> Option<Standing> {
    Some(Standing { active: false, ..s })
}

fn municipality(id: &str, births: Option<u32>) -> Municipality {
    Municipality {
        id: id.to_owned(),
        name: format!("{id}市"),
        enabled: vec![TrackId::Maternity, TrackId::Baby, TrackId::Preschool],
        yearly_births: births,
    }
}

#[test]
fn a_year_of_transitions_adds_up_in_every_output() {
    let mut world = World { table: Table::default(), tallies: BTreeMap::new() };
    let mut subs = Vec::new();
    // Two municipalities, a sign-up every few days through fiscal 2026.
    let mut date = d("2026-04-01");
    let mut n = 0;
    while date <= d("2027-03-31") {
        let muni = if n % 3 == 0 { "yumemino" } else { "komorebi" };
        let channel = if n % 4 == 0 { Channel::Line } else { Channel::Mail };
        let (kind, anchor) = if n % 2 == 0 {
            (AnchorKind::Due, date + chrono::Days::new(200))
        } else {
            (AnchorKind::Birth, date - chrono::Days::new(30))
        };
        let day = date.to_string();
        let mut sub = world.sign_up(muni, &day, channel, kind, &anchor.to_string());
        if n % 7 != 6 {
            // Most confirm; every seventh lets the sign-up expire.
            let standing = sub.standing;
            world.change(&mut sub, &day, Event::Activated, active(standing));
        }
        subs.push((sub, date));
        date = date + chrono::Days::new(3);
        n += 1;
    }
    for (i, (sub, signed)) in subs.iter_mut().enumerate() {
        if !sub.standing.active {
            continue;
        }
        let later = (*signed + chrono::Days::new(40)).to_string();
        let s = sub.standing;
        match i % 9 {
            0 => world.change(sub, &later, Event::Unsubscribed(UnsubscribeVia::OneClick), ended(s)),
            1 => world.change(sub, &later, Event::Stopped(StopReason::Miscarriage), ended(s)),
            2 if s.channel == Channel::Mail => world.change(sub, &later, Event::Bounced, ended(s)),
            3 if s.kind == AnchorKind::Due => {
                let born = Standing {
                    kind: AnchorKind::Birth,
                    anchor: s.anchor - chrono::Days::new(3),
                    track: Some(TrackId::Baby),
                    ..s
                };
                world.change(sub, &later, Event::BirthRegistered, Some(born));
            }
            4 if s.channel == Channel::Line => {
                world.change(sub, &later, Event::Blocked, ended(s));
                let again = (*signed + chrono::Days::new(50)).to_string();
                world.change(sub, &again, Event::Unblocked, active(s));
            }
            5 => {
                world.change(sub, &later, Event::Completed, ended(s));
                if s.kind == AnchorKind::Due {
                    // 41w6d passed without a birth registration; the family registers it late.
                    let born = Standing {
                        kind: AnchorKind::Birth,
                        anchor: s.anchor,
                        track: Some(TrackId::Baby),
                        active: true,
                        ..s
                    };
                    let again = (*signed + chrono::Days::new(50)).to_string();
                    world.change(sub, &again, Event::BirthRegistered, Some(born));
                }
            }
            6 => {
                let moved = Standing { anchor: s.anchor + chrono::Days::new(5), ..s };
                world.change(sub, &later, Event::AnchorChanged, Some(moved));
            }
            _ => {}
        }
    }
    world.table.apply(vec![delivery_update(
        "komorebi",
        d("2026-05-02"),
        Channel::Mail,
        Some(TrackId::Baby),
        DeliveryOutcome::Sent,
        12,
    )]);
    world.table.apply(vec![delivery_update(
        "komorebi",
        d("2026-05-03"),
        Channel::Line,
        None,
        DeliveryOutcome::InDoubt,
        1,
    )]);

    // Through June 2027, so the endings of March's sign-ups (40–50 days later) fall inside.
    let period = Period { from: "2026-04".parse().expect("month"), to: "2027-06".parse().expect("month") };
    for (muni, births) in [("yumemino", Some(120)), ("komorebi", None)] {
        let figures =
            compute(&world.table.ledger(&municipality(muni, births), period), &municipality(muni, births), period);
        let tally = &world.tallies[muni];
        let r = &figures.retention;
        let got = Tally {
            registered: r.cumulative,
            active: r.active,
            completed: r.completed,
            unsubscribed: r.unsubscribed,
            stopped: r.stopped,
        };
        assert_eq!(&got, tally, "{muni}");
        assert_eq!(r.cumulative, r.active + r.completed + r.unsubscribed + r.stopped, "{muni}: the identity");
        let last = figures.months.last().expect("months");
        assert_eq!(last.active_total(), tally.active);
        assert_eq!(last.active_by_track.values().sum::<i64>(), tally.active, "{muni}: no add-on, so tracks add up");
        assert_eq!(figures.months.len(), 15);
        match births {
            Some(b) => {
                assert_eq!(r.registration_rate, Some(r.registered_in_period as f64 / (f64::from(b) * 15.0 / 12.0)))
            }
            None => assert_eq!(r.registration_rate, None),
        }
        let report = municipal::report(&figures, d("2027-04-01"));
        let html = String::from_utf8(kizuna_reports::render(&report, Format::Html, "r").expect("html")[0].1.clone())
            .expect("utf-8");
        assert_eq!(html.matches("<svg role=\"img\"").count(), 4, "one chart per monthly table");
        assert!(html.contains(&format!("<td>{}</td>", tally.registered)));
        let xlsx = &kizuna_reports::render(&report, Format::Xlsx, "r").expect("xlsx")[0].1;
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx.clone())).expect("workbook");
        let sheet = book.worksheet_range("継続状況").expect("sheet");
        let value = |row: u32| sheet.get_value((row, 1)).cloned();
        assert_eq!(value(2), Some(Data::Float(tally.registered as f64)));
        assert_eq!(value(5), Some(Data::Float(tally.unsubscribed as f64)));
        assert_eq!(value(6), Some(Data::Float(tally.stopped as f64)));
        let csv = kizuna_reports::render(&report, Format::Csv, "r").expect("csv");
        let retention = &csv.iter().find(|(name, _)| name == "r-retention.csv").expect("retention csv").1;
        assert!(retention.starts_with("\u{feff}項目,値\r\n".as_bytes()));
        let text = String::from_utf8(retention.clone()).expect("utf-8");
        assert!(text.contains(&format!("解除,{}\r\n", tally.unsubscribed)), "{text}");
    }
    let komorebi =
        compute(&world.table.ledger(&municipality("komorebi", None), period), &municipality("komorebi", None), period);
    assert_eq!(
        komorebi.deliveries[&("2026-05".parse::<Month>().expect("month"), Channel::Mail, DeliveryOutcome::Sent)],
        12
    );
    assert_eq!(
        komorebi.deliveries[&("2026-05".parse::<Month>().expect("month"), Channel::Line, DeliveryOutcome::InDoubt)],
        1
    );
}

#[test]
fn a_birth_registration_moves_one_reader_between_kinds_in_one_item_each() {
    let due = Standing {
        channel: Channel::Mail,
        kind: AnchorKind::Due,
        anchor: d("2026-07-10"),
        track: Some(TrackId::Maternity),
        active: true,
    };
    let born = Standing { kind: AnchorKind::Birth, anchor: d("2026-07-08"), track: Some(TrackId::Baby), ..due };
    let updates = updates_for(&Change {
        municipality: "m",
        date: d("2026-07-09"),
        event: Event::BirthRegistered,
        before: Some(due),
        after: Some(born),
    });
    let month = updates.iter().find(|u| u.sk == "M#2026-07").expect("month item");
    assert_eq!(month.adds.get("active#mail#due"), Some(&-1));
    assert_eq!(month.adds.get("active#mail#birth"), Some(&1));
    assert_eq!(month.adds.get("ev#birth_registered#mail#birth#baby"), Some(&1));
    assert!(!month.adds.keys().any(|k| k.starts_with("registered")), "not a new registration: {month:?}");
    let sks: Vec<&str> = updates.iter().map(|u| u.sk.as_str()).collect();
    assert_eq!(
        sks,
        [
            "A#birth",
            "A#birth#2026-07",
            "A#due",
            "A#due#2026-07",
            "H#2026-07#birth",
            "H#2026-07#birth#2026-07",
            "H#2026-07#due",
            "H#2026-07#due#2026-07",
            "M#2026-07"
        ]
    );
    // A corrected date in the same anchor month touches that histogram item once, with both days.
    let moved = Standing { anchor: d("2026-07-20"), ..due };
    let updates = updates_for(&Change {
        municipality: "m",
        date: d("2026-03-01"),
        event: Event::AnchorChanged,
        before: Some(due),
        after: Some(moved),
    });
    let histogram = updates.iter().find(|u| u.sk == "A#due#2026-07").expect("histogram");
    assert_eq!(histogram.adds, BTreeMap::from([("d10".to_owned(), -1), ("d20".to_owned(), 1)]));
    assert!(updates.iter().all(|u| u.sk != "A#due"), "the anchor month's count is unchanged: no update");
}

#[test]
fn active_by_track_at_a_past_month_end_undoes_later_changes() {
    let mut table = Table::default();
    let child = Standing {
        channel: Channel::Mail,
        kind: AnchorKind::Birth,
        anchor: d("2024-01-15"),
        track: Some(TrackId::Baby),
        active: false,
    };
    let on = Standing { active: true, ..child };
    table.apply(updates_for(&Change {
        municipality: "m",
        date: d("2026-04-10"),
        event: Event::Activated,
        before: Some(child),
        after: Some(on),
    }));
    table.apply(updates_for(&Change {
        municipality: "m",
        date: d("2026-06-10"),
        event: Event::Unsubscribed(UnsubscribeVia::Link),
        before: Some(on),
        after: Some(child),
    }));
    let period = Period { from: "2026-04".parse().expect("m"), to: "2026-06".parse().expect("m") };
    let ledger = table.ledger(&municipality("m", None), period);
    assert!(ledger.active_now.is_empty(), "nobody is active now");
    let figures = compute(&ledger, &municipality("m", None), period);
    let by_track: Vec<i64> =
        figures.months.iter().map(|m| m.active_by_track.get(&Some(TrackId::Baby)).copied().unwrap_or(0)).collect();
    assert_eq!(by_track, [1, 1, 0]);
}

#[test]
fn unknown_counters_are_an_error_naming_the_item() {
    let item = CounterItem {
        sk: "M#2026-04".to_owned(),
        values: BTreeMap::from([("ev#teleported#mail#due#-".to_owned(), 1)]),
    };
    let err = Ledger::from_items([item]).expect_err("unknown event");
    assert!(err.to_string().contains("M#2026-04"), "{err}");
    assert!(err.to_string().contains("teleported"), "{err}");
}

#[test]
fn files_are_written_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let figures = compute(
        &Ledger::default(),
        &municipality("m", Some(100)),
        Period { from: "2026-04".parse().expect("m"), to: "2026-04".parse().expect("m") },
    );
    let report = municipal::report(&figures, d("2026-05-01"));
    for format in Format::ALL {
        let paths = kizuna_reports::write(&report, format, dir.path(), "m-2026-04").expect("write");
        assert!(!paths.is_empty());
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    assert!(names.contains(&"m-2026-04.html".to_owned()) && names.contains(&"m-2026-04.xlsx".to_owned()));
}

#[test]
fn the_rollup_sums_every_municipality() {
    let mut table = Table::default();
    for (muni, n) in [("a", 3), ("b", 5)] {
        for day in 0..n {
            let off = Standing {
                channel: Channel::Mail,
                kind: AnchorKind::Birth,
                anchor: d("2026-03-01"),
                track: Some(TrackId::Baby),
                active: false,
            };
            let on = Standing { active: true, ..off };
            let date = d("2026-04-01") + chrono::Days::new(day);
            table.apply(updates_for(&Change {
                municipality: muni,
                date,
                event: Event::Activated,
                before: Some(off),
                after: Some(on),
            }));
        }
    }
    let period = Period { from: "2026-04".parse().expect("m"), to: "2026-04".parse().expect("m") };
    let all: Vec<_> = [("a", Some(12)), ("b", Some(24))]
        .into_iter()
        .map(|(muni, births)| {
            compute(&table.ledger(&municipality(muni, births), period), &municipality(muni, births), period)
        })
        .collect();
    let report = municipal::rollup(&all, d("2026-05-01"));
    let rows = &report.sections[0].tables[0].rows;
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["a市", "b市", "合計"]);
    assert_eq!(rows[2].cells[0], kizuna_reports::Cell::Count(8));
    // 8 registrations in one month against 36 births a year: 8 / 3.
    assert_eq!(rows[2].cells[9], kizuna_reports::Cell::Share(Some(8.0 / 3.0)));
}

#[test]
fn a_stage_the_town_does_not_enable_shows_no_figures() {
    // A 4-year-old registers in a town that enabled only 妊娠期 and 0〜2歳: the counters hold the
    // child's stage (3〜5歳), the report the track the family reads (none).
    let mut table = Table::default();
    let child = Standing {
        channel: Channel::Mail,
        kind: AnchorKind::Birth,
        anchor: d("2022-05-01"),
        track: Some(TrackId::Preschool),
        active: false,
    };
    let baby = Standing { anchor: d("2025-05-01"), track: Some(TrackId::Baby), ..child };
    for standing in [child, baby] {
        table.apply(updates_for(&Change {
            municipality: "m",
            date: d("2026-06-10"),
            event: Event::Activated,
            before: Some(standing),
            after: active(standing),
        }));
    }
    let period = Period { from: "2026-06".parse().expect("m"), to: "2026-06".parse().expect("m") };
    let town = Municipality { enabled: vec![TrackId::Maternity, TrackId::Baby], ..municipality("m", None) };
    let figures = compute(&table.ledger(&town, period), &town, period);
    let month = &figures.months[0];
    assert_eq!(month.registered, BTreeMap::from([(None, 1), (Some(TrackId::Baby), 1)]));
    assert_eq!(month.active_by_track, BTreeMap::from([(None, 1), (Some(TrackId::Baby), 1)]));
    let html = kizuna_reports::html::render(&municipal::report(&figures, d("2026-07-01"))).expect("html");
    assert!(!html.contains(TrackId::Preschool.name()), "no column for a track the town does not enable");

    // The same counters in a town that enabled 3〜5歳 show the child there.
    let figures = compute(&table.ledger(&municipality("m", None), period), &municipality("m", None), period);
    assert_eq!(figures.months[0].registered.get(&Some(TrackId::Preschool)), Some(&1));
}
