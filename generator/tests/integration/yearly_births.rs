//! `yearly_births` in `municipality.yaml` (issue 19): carried into `schedule.json` for the
//! reports' 登録率, and refused with its line when it is 0 or not a number.

use std::fs;

use kizuna_generator::build;
use kizuna_schedule::ScheduleDocument;

use crate::support::{assert_reported, build_into, fixture_copy, options, write};

const MUNICIPALITY: &str = "municipalities/testcity/municipality.yaml";

fn with_births(value: &str) -> tempfile::TempDir {
    let content = fixture_copy();
    let text = fs::read_to_string(content.path().join(MUNICIPALITY)).expect("read");
    write(content.path(), MUNICIPALITY, &format!("{text}yearly_births: {value}\n"));
    content
}

#[test]
fn yearly_births_reach_the_schedule() {
    let content = with_births("420");
    let out = tempfile::tempdir().expect("tempdir");
    build_into(content.path(), out.path());
    let text = fs::read_to_string(out.path().join("testcity/schedule.json")).expect("schedule.json");
    let document: ScheduleDocument = serde_json::from_str(&text).expect("schedule parses");
    assert_eq!(document.municipality.yearly_births, Some(420));
}

#[test]
fn zero_or_words_are_refused_with_their_line() {
    for (value, needle) in [("0", "`yearly_births` is 0"), ("たくさん", "yearly_births")] {
        let content = with_births(value);
        let problems = match build::prepare(&options(content.path())) {
            Ok(_) => panic!("yearly_births: {value} should be refused"),
            Err(problems) => problems,
        };
        assert_reported(&problems, MUNICIPALITY, Some(14), needle);
    }
}
