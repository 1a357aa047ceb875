//! How many counter items a month's report reads, for a municipality of N subscriptions
//! (docs/benchmarks.md, "Reports"). Every subscription goes through the real counter model —
//! sign-up, confirmation, and for some a birth registration, a stop or an unsubscription, spread
//! over three years — into an in-memory counter table; the report's [`read_ranges`] are then
//! counted against it (`MemoryCounters::report_items`), beside the ceiling the calendar sets. Usage: `cargo run --release -p kizuna-reports --example bench_reads -- 10000 100000`.

use chrono::{Days, NaiveDate};
use kizuna_reports::counters::{
    read_ranges, updates_for, Change, Channel, Event, MemoryCounters, Standing, UnsubscribeVia,
};
use kizuna_reports::ledger::Reading;
use kizuna_reports::Month;
use kizuna_schedule::forms::StopReason;
use kizuna_schedule::{AnchorKind, TrackId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| subscriptions | transitions | counter items in total | items a month's report reads | at most (set by the calendar) |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for arg in std::env::args().skip(1) {
        let subscriptions: u64 = arg.parse()?;
        let (items, transitions) = simulate(subscriptions)?;
        // The last month of sign-ups, read in July (the last transitions are in June), for a town
        // that enabled every track (the most runs of anchors, so the most histogram items).
        let month: Month = "2029-03".parse()?;
        let now: Month = "2029-07".parse()?;
        let read = items
            .report_items(&Reading { municipality: "yumemino", from: month, to: month, enabled: &TrackId::ALL, now })
            .len();
        // The month items since April 2026, the month's delivery days, the histogram keys.
        let ceiling =
            "2026-04".parse::<Month>()?.through(month).len() + 31 + read_ranges(month, month, &TrackId::ALL, now).len()
                - 2;
        println!("| {subscriptions} | {transitions} | {} | {read} | {ceiling} |", items.len());
    }
    Ok(())
}

fn simulate(subscriptions: u64) -> Result<(MemoryCounters, u64), Box<dyn std::error::Error>> {
    let mut items = MemoryCounters::default();
    let mut transitions = 0;
    let start = NaiveDate::from_ymd_opt(2026, 4, 1).ok_or("date")?;
    let mut apply = |change: Change<'_>| {
        transitions += 1;
        items.apply(updates_for(&change));
    };
    for n in 0..subscriptions {
        // Sign-ups spread evenly over three years; anchors spread over a due window or 18 years.
        let date = start + Days::new(n * 1095 / subscriptions);
        let (kind, anchor, track) = if n % 2 == 0 {
            (AnchorKind::Due, date + Days::new(60 + n % 200), TrackId::Maternity)
        } else {
            (AnchorKind::Birth, date - Days::new(n % 6000), TrackId::Baby)
        };
        let channel = if n % 3 == 0 { Channel::Line } else { Channel::Mail };
        let off = Standing { channel, kind, anchor, track: Some(track), active: false };
        let on = Standing { active: true, ..off };
        let muni = "yumemino";
        apply(Change { municipality: muni, date, event: Event::SignedUp, before: None, after: Some(off) });
        apply(Change { municipality: muni, date, event: Event::Activated, before: Some(off), after: Some(on) });
        let later = date + Days::new(90);
        match n % 10 {
            0 => apply(Change {
                municipality: muni,
                date: later,
                event: Event::Unsubscribed(UnsubscribeVia::Link),
                before: Some(on),
                after: Some(off),
            }),
            1 => apply(Change {
                municipality: muni,
                date: later,
                event: Event::Stopped(StopReason::Moved),
                before: Some(on),
                after: Some(off),
            }),
            2 if kind == AnchorKind::Due => {
                let born = Standing { kind: AnchorKind::Birth, track: Some(TrackId::Baby), ..on };
                apply(Change {
                    municipality: muni,
                    date: later,
                    event: Event::BirthRegistered,
                    before: Some(on),
                    after: Some(born),
                });
            }
            _ => {}
        }
    }
    Ok((items, transitions))
}
