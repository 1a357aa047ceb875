//! Property tests: `delivery_date` and `anchors_on` agree for every rule kind over 1990–2060.
//!
//! For any anchor `a` and date `d`: `d == rule.delivery_date(a)` exactly when `a` lies in
//! `rule.anchors_on(d)`. Dates are drawn near each other so that both outcomes occur often.

use chrono::{Days, NaiveDate};
use kizuna_schedule::{Rule, SchoolGrade};
use proptest::prelude::*;

fn date_between(first: &str, last: &str) -> impl Strategy<Value = NaiveDate> {
    let first: NaiveDate = first.parse().expect("date");
    let last: NaiveDate = last.parse().expect("date");
    (0..=(last - first).num_days() as u64).prop_map(move |offset| first + Days::new(offset))
}

fn rule_from_json(json: serde_json::Value) -> Rule {
    serde_json::from_value(json).expect("generated rule is valid")
}

fn any_rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        (4u8..=41, 0u8..=6).prop_map(|(w, d)| rule_from_json(serde_json::json!({ "pregnancy": format!("{w}w{d}d") }))),
        (1u32..=7000).prop_map(|n| rule_from_json(serde_json::json!({ "day": n }))),
        (0u8..=18, 0u8..=11, 0u8..=30)
            .prop_filter("an age needs years or months", |(y, m, _)| *y > 0 || *m > 0)
            .prop_map(|(y, m, d)| rule_from_json(serde_json::json!({ "age": format!("{y}y{m}m{d}d") }))),
        (1u32..=18).prop_map(|n| rule_from_json(serde_json::json!({ "birthday": n }))),
        (0usize..SchoolGrade::ALL.len(), date_between("2028-01-01", "2028-12-31"))
            .prop_filter("no February 29", |(_, d)| d.format("%m-%d").to_string() != "02-29")
            .prop_map(|(grade, d)| {
                let year = serde_json::to_value(SchoolGrade::ALL[grade]).expect("grade");
                rule_from_json(serde_json::json!({ "school": { "year": year, "date": d.format("%m-%d").to_string() } }))
            }),
        date_between("1990-01-01", "2080-12-31")
            .prop_map(|d| rule_from_json(serde_json::json!({ "date": d.to_string() }))),
    ]
}

fn in_ranges(rule: &Rule, date: NaiveDate, anchor: NaiveDate) -> bool {
    rule.anchors_on(date).iter().any(|range| range.contains(anchor))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn the_delivery_date_lies_in_anchors_on(rule in any_rule(), anchor in date_between("1990-01-01", "2060-12-31")) {
        let delivered = rule.delivery_date(anchor).expect("in range");
        prop_assert!(in_ranges(&rule, delivered, anchor), "{rule}: {anchor} -> {delivered} not in {:?}", rule.anchors_on(delivered));
    }

    #[test]
    fn anchors_on_holds_exactly_the_anchors_delivered_that_day(
        rule in any_rule(),
        anchor in date_between("1990-01-01", "2060-12-31"),
        shift in -40i64..=40,
    ) {
        let delivered = rule.delivery_date(anchor).expect("in range");
        let date = delivered + chrono::Duration::days(shift);
        prop_assert_eq!(date == delivered, in_ranges(&rule, date, anchor), "{} anchor {} date {}", rule, anchor, date);
        // Every anchor in every range, and none just outside, is delivered on `date`.
        for range in rule.anchors_on(date) {
            if range.len_days() > 400 {
                continue; // `date:` rules answer every anchor
            }
            for a in range.iter_days() {
                prop_assert_eq!(rule.delivery_date(a), Some(date), "{} anchor {}", rule, a);
            }
            for outside in [range.start.pred_opt(), range.end.succ_opt()].into_iter().flatten() {
                prop_assert_ne!(rule.delivery_date(outside), Some(date), "{} anchor {}", rule, outside);
            }
        }
    }
}

#[test]
fn month_end_and_leap_day_births_agree_exhaustively() {
    // Every birth date of a full leap cycle against every age in months up to 19 years.
    let first: NaiveDate = "2023-01-01".parse().expect("date");
    for offset in 0..(366 + 3 * 365) {
        let born = first + Days::new(offset);
        for months in 1..(19 * 12) {
            let rule = rule_from_json(serde_json::json!({ "age": format!("{}y{}m", months / 12, months % 12) }));
            let delivered = rule.delivery_date(born).expect("in range");
            assert!(in_ranges(&rule, delivered, born), "{rule}: {born} -> {delivered}");
        }
    }
}
