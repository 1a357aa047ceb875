//! Vectors that keep the browser's date rules (`site-theme/static/kizuna-dates.js`, used by the
//! landing page's 「わたしのメッセージ」 finder) in agreement with kizuna-schedule.
//!
//! This test computes, with kizuna-schedule only, delivery dates of every kind of rule for tricky
//! and spread-out anchors, track windows, `tracks_on`, the stage label of a family on a date, and
//! what a family receives from the fixture municipality (`ScheduleDocument::deliveries_for`, as the
//! sender does) — and compares them with the committed `tests/browser/vectors.json`, which
//! `tests/browser/vectors.test.js` runs the JavaScript against. After changing the rules, rewrite
//! the file with `KIZUNA_UPDATE_VECTORS=1 cargo test -p kizuna-generator --test integration js_vectors`.

use std::fs;
use std::io;
use std::path::PathBuf;

use chrono::{Days, NaiveDate};
use kizuna_generator::build;
use kizuna_generator::output::Sink;
use kizuna_generator::render::OutputFile;
use kizuna_schedule::calendar::add_months_clamped;
use kizuna_schedule::{tracks_on, AnchorKind, Rule, ScheduleDocument, TrackId};
use serde_json::{json, Value};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/browser/vectors.json")
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn rule(json: Value) -> Rule {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// One rule of each kind and shape, with the edge cases of each.
fn rules() -> Vec<Value> {
    let mut rules: Vec<Value> = ["4w0d", "7w4d", "12w3d", "39w6d", "40w0d", "41w6d"]
        .into_iter()
        .map(|age| json!({ "pregnancy": age }))
        .collect();
    rules.extend([1, 14, 100, 101, 365, 366, 1000, 7000].map(|day| json!({ "day": day })));
    rules.extend(
        ["1m", "2m", "5m", "11m", "1y", "1y1m", "1y3m", "1y6m", "1y0m10d", "2y11m30d", "3y1m15d", "18y"]
            .map(|age| json!({ "age": age })),
    );
    rules.extend([1, 3, 4, 6, 18].map(|n| json!({ "birthday": n })));
    for (year, date) in [
        ("年少", "04-01"),
        ("年長", "10-15"),
        ("年長", "03-31"),
        ("小1", "04-06"),
        ("小1", "02-01"),
        ("小1", "01-01"),
        ("小6", "12-31"),
        ("中1", "04-08"),
        ("高3", "03-01"),
        ("高3", "02-28"),
    ] {
        rules.push(json!({ "school": { "year": year, "date": date } }));
    }
    rules.push(json!({ "date": "2027-01-10" }));
    rules
}

/// Month ends, leap days, the April 1/2 school-cohort boundary, year ends, centuries — and a
/// deterministic spread over 1990–2060.
fn anchors() -> Vec<NaiveDate> {
    let mut anchors: Vec<NaiveDate> = [
        "2024-02-29",
        "2024-02-28",
        "2024-03-01",
        "2023-03-01",
        "2027-01-31",
        "2026-01-30",
        "2026-08-31",
        "2020-04-01",
        "2020-04-02",
        "2019-04-02",
        "2021-03-31",
        "2026-12-31",
        "2027-01-01",
        "2000-02-29",
        "1999-12-31",
        "2099-12-31",
        "2100-02-28",
        "2026-11-26",
        "2027-06-07",
        "2025-05-31",
    ]
    .into_iter()
    .map(d)
    .collect();
    let mut state: u64 = 0x4b69_7a75_6e61;
    let first = d("1990-01-01");
    for _ in 0..40 {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        anchors.push(first + Days::new((state >> 33) % 25_567));
    }
    anchors
}

/// 「妊娠12週3日」 / 「生後100日目」 / 「1歳3か月10日」 from kizuna-schedule's own rules: the rule
/// whose delivery date for this anchor is `today`.
fn stage_label(kind: AnchorKind, anchor: NaiveDate, today: NaiveDate) -> Option<String> {
    let found = match kind {
        AnchorKind::Due => {
            let days = (today - (anchor - Days::new(280))).num_days();
            (28..=293).contains(&days).then(|| rule(json!({ "pregnancy": format!("{}w{}d", days / 7, days % 7) })))
        }
        AnchorKind::Birth => {
            let day = (today - anchor).num_days() + 1;
            if day < 1 {
                None
            } else if day <= 100 {
                Some(rule(json!({ "day": day })))
            } else {
                let months = (0..)
                    .take_while(|m| add_months_clamped(anchor, *m).is_some_and(|date| date <= today))
                    .last()
                    .unwrap_or_default();
                let start = add_months_clamped(anchor, months).unwrap_or(anchor);
                let days = (today - start).num_days();
                (months / 12 <= 18)
                    .then(|| rule(json!({ "age": format!("{}y{}m{}d", months / 12, months % 12, days) })))
            }
        }
    }?;
    assert_eq!(found.delivery_date(anchor), Some(today), "{found} for {anchor}");
    Some(found.label())
}

/// Collects a build's files in memory.
#[derive(Default)]
struct Collect(Vec<OutputFile>);

impl Sink for Collect {
    fn accept(&mut self, _batch: &str, files: Vec<OutputFile>) -> io::Result<()> {
        self.0.extend(files);
        Ok(())
    }
}

/// The fixture municipality's finder.json, and what families with some anchors receive from its
/// schedule.json, day by day, as the sender computes it.
fn fixture_deliveries() -> (Value, Vec<Value>) {
    let options = crate::support::options_with_search(&crate::support::fixture());
    let prepared = build::prepare(&options).unwrap_or_else(|e| panic!("fixture is invalid:\n{e}"));
    let mut sink = Collect::default();
    build::build(&prepared, &options, None, &mut sink).expect("build");
    let file = |path: &str| {
        let file = sink.0.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} not built"));
        serde_json::from_slice::<Value>(&file.bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let finder = file("testcity/finder.json");
    let schedule: ScheduleDocument = serde_json::from_value(file("testcity/schedule.json")).expect("schedule");
    let mut cases = Vec::new();
    for (kind, anchor) in [
        (AnchorKind::Due, "2027-06-07"),
        (AnchorKind::Due, "2027-01-05"),
        (AnchorKind::Birth, "2025-08-01"),
        (AnchorKind::Birth, "2025-12-01"),
        (AnchorKind::Birth, "2026-11-01"),
        (AnchorKind::Birth, "2024-02-29"),
    ] {
        let anchor = d(anchor);
        let mut received = Vec::new();
        for date in (anchor - Days::new(300)).iter_days().take(1500) {
            for delivery in schedule.deliveries_for(kind, anchor, date) {
                received.push(json!({ "date": date.to_string(), "id": delivery.entry.id }));
            }
        }
        assert!(!received.is_empty(), "{anchor} receives nothing: a useless vector");
        cases.push(json!({ "kind": kind, "anchor": anchor.to_string(), "received": received }));
    }
    (finder, cases)
}

fn vectors() -> Value {
    let rules = rules();
    let parsed: Vec<Rule> = rules.iter().cloned().map(rule).collect();
    let anchors = anchors();
    let deliveries: Vec<Value> = anchors
        .iter()
        .map(|anchor| {
            let windows: serde_json::Map<String, Value> = TrackId::ALL
                .iter()
                .map(|t| {
                    let w = t.window(*anchor).expect("window");
                    (t.as_str().to_owned(), json!([w.start.to_string(), w.end.to_string()]))
                })
                .collect();
            json!({
                "anchor": anchor.to_string(),
                "delivery": parsed.iter().map(|r| r.delivery_date(*anchor).expect("in range").to_string()).collect::<Vec<_>>(),
                "windows": windows,
            })
        })
        .collect();
    let mut stages = Vec::new();
    let mut tracks = Vec::new();
    let offsets: [i64; 24] = [
        -300, -253, -252, -200, -1, 0, 1, 13, 27, 98, 99, 100, 101, 180, 365, 366, 500, 1095, 1096, 2190, 2191, 4000,
        6000, 6940,
    ];
    for anchor in anchors.iter().take(24) {
        for offset in offsets {
            let Some(date) = kizuna_schedule::calendar::add_days(*anchor, offset) else { continue };
            for kind in [AnchorKind::Due, AnchorKind::Birth] {
                stages.push(json!({
                    "kind": kind, "anchor": anchor.to_string(), "today": date.to_string(),
                    "label": stage_label(kind, *anchor, date),
                }));
                tracks.push(json!({
                    "kind": kind, "anchor": anchor.to_string(), "date": date.to_string(),
                    "tracks": tracks_on(kind, *anchor, date, &TrackId::ALL),
                }));
            }
        }
    }
    let (finder, received) = fixture_deliveries();
    json!({
        "about": "Written by generator/tests/js_vectors.rs from kizuna-schedule; checked by tests/browser/vectors.test.js. Do not edit by hand.",
        "rules": rules,
        "anchors": deliveries,
        "stages": stages,
        "tracks_on": tracks,
        "finder": { "index": finder, "cases": received },
    })
}

#[test]
fn committed_vectors_match_kizuna_schedule() {
    let mut text = serde_json::to_string(&vectors()).expect("serializes");
    text.push('\n');
    let path = vectors_path();
    if std::env::var_os("KIZUNA_UPDATE_VECTORS").is_some() {
        fs::write(&path, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is missing or out of date with kizuna-schedule: rewrite it with \
         `KIZUNA_UPDATE_VECTORS=1 cargo test -p kizuna-generator --test integration js_vectors`, then run the \
         JavaScript tests (scripts/browser-test.sh)",
        path.display()
    );
}

#[test]
fn stage_labels_follow_the_rules_families_read() {
    assert_eq!(stage_label(AnchorKind::Due, d("2027-06-07"), d("2026-11-26")).as_deref(), Some("妊娠12週3日"));
    assert_eq!(stage_label(AnchorKind::Birth, d("2026-01-01"), d("2026-04-10")).as_deref(), Some("生後100日目"));
    assert_eq!(stage_label(AnchorKind::Birth, d("2026-01-01"), d("2026-04-11")).as_deref(), Some("生後3か月10日"));
    assert_eq!(stage_label(AnchorKind::Birth, d("2025-01-31"), d("2026-02-28")).as_deref(), Some("1歳1か月"));
    assert_eq!(stage_label(AnchorKind::Birth, d("2024-02-29"), d("2026-02-28")).as_deref(), Some("2歳"));
    assert_eq!(stage_label(AnchorKind::Birth, d("2026-01-01"), d("2025-12-31")), None);
    assert_eq!(stage_label(AnchorKind::Due, d("2027-06-07"), d("2027-06-21")), None);
}
