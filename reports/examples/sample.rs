//! Writes a sample report (HTML, xlsx, CSV) of a synthetic fiscal year into the directory given as
//! the first argument: the browser test (tests/browser/reports.test.js) opens its HTML in Chromium.
//! The numbers go through the real counter model: transitions → counter updates → ledger → figures.

use chrono::{Days, NaiveDate};
use kizuna_reports::counters::{updates_for, Change, Channel, Event, Ledger, MemoryCounters, Standing, UnsubscribeVia};
use kizuna_reports::figures::{compute, Municipality, Period};
use kizuna_reports::ledger::Reading;
use kizuna_reports::{municipal, Format};
use kizuna_schedule::{AnchorKind, TrackId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: sample DIR")?;
    let mut counters = MemoryCounters::default();
    let period = Period { from: "2026-04".parse()?, to: "2027-03".parse()? };
    let start = NaiveDate::from_ymd_opt(2026, 4, 1).ok_or("date")?;
    for n in 0..400u64 {
        let date = start + Days::new(n * 365 / 400);
        let (kind, anchor, track) = if n % 2 == 0 {
            (AnchorKind::Due, date + Days::new(180), TrackId::Maternity)
        } else {
            (AnchorKind::Birth, date - Days::new(20 + n * 3), TrackId::Baby)
        };
        let channel = if n % 3 == 0 { Channel::Line } else { Channel::Mail };
        let off = Standing { channel, kind, anchor, track: Some(track), active: false };
        let on = Standing { active: true, ..off };
        let mut changes = vec![(date, Event::Activated, Some(off), Some(on))];
        match n % 10 {
            0 => {
                changes.push((date + Days::new(45), Event::Unsubscribed(UnsubscribeVia::OneClick), Some(on), Some(off)))
            }
            1 => changes.push((date + Days::new(60), Event::Bounced, Some(on), Some(off))),
            _ => {}
        }
        for (date, event, before, after) in changes {
            let change = Change { municipality: "yumemino", date, event, before, after };
            counters.apply(updates_for(&change));
        }
    }
    let municipality = Municipality {
        id: "yumemino".to_owned(),
        name: "夢見野市".to_owned(),
        enabled: vec![TrackId::Maternity, TrackId::Baby, TrackId::Preschool],
        yearly_births: Some(420),
    };
    // "Now" is well after the last transition, so every later change is undone for the period.
    let now = period.to.next().next().next();
    let items = counters.report_items(&Reading {
        municipality: "yumemino",
        from: period.from,
        to: period.to,
        enabled: &municipality.enabled,
        now,
    });
    let ledger = Ledger::from_items(items)?;
    let report = municipal::report(&compute(&ledger, &municipality, period), "2027-04-01".parse()?);
    for format in Format::ALL {
        for path in kizuna_reports::write(&report, format, std::path::Path::new(&dir), "yumemino-2026")? {
            println!("{}", path.display());
        }
    }
    Ok(())
}
