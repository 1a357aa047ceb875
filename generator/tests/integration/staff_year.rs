//! The yearly update's edge of the fiscal year (issue 18): an item marked 来年度 = 変更 is split at
//! the fiscal year — its old text valid until March 31, the new one a new item from April 1 — and
//! 原稿確認 asks only for the manuscripts of the tracks the town uses.

use std::fs;

use crate::staff_support::*;
use kizuna_generator::staff::atomic;
use kizuna_generator::staff::import::{ChangeKind, Plan};
use kizuna_generator::staff::workbook::{col, LOCAL_SHEET};

/// Rows of 自治体情報, sorted by id (the expired item is not exported).
const BOSHI: u32 = 1;
const SHUSSEI: u32 = 4;

fn kinds(plan: &Plan) -> Vec<(String, ChangeKind, Vec<&'static str>)> {
    plan.changes.iter().map(|c| (c.id.clone(), c.kind, c.fields.clone())).collect()
}

fn write(plan: &Plan) {
    let writes = plan.writes.iter().map(|(p, t)| (p.clone(), t.clone().into_bytes())).collect();
    atomic::write_all(&writes).expect("write");
}

#[test]
fn a_changed_item_is_split_at_the_fiscal_year_instead_of_rewritten_in_place() {
    let dir = fixture_copy();
    let local = dir.path().join("content/municipalities/testcity/local");
    let boshi_before = fs::read(local.join("boshi-techo.yaml")).expect("read");
    let edited = resave(
        &export_bytes(dir.path()),
        &Save {
            edits: vec![
                (LOCAL_SHEET, BOSHI, col::NEXT_YEAR, text("変更")),
                (LOCAL_SHEET, BOSHI, col::TITLE, text("母子健康手帳の交付（2027年度）")),
                (LOCAL_SHEET, BOSHI, col::UNTIL, text("2028/3/31")),
                // No validity yet: the old text gets one that ends on March 31.
                (LOCAL_SHEET, SHUSSEI, col::NEXT_YEAR, text("変更")),
                (LOCAL_SHEET, SHUSSEI, col::BODY, text("市民課と各支所で受け付けます。")),
            ],
            ..Save::default()
        },
    );
    let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    let listed = kinds(&plan);
    for expected in [
        ("local/boshi-techo".to_owned(), ChangeKind::Unchanged, vec![]),
        ("local/boshi-techo-2027".to_owned(), ChangeKind::New, vec!["タイトル", "有効期間 開始", "有効期間 終了"]),
        ("local/shusseitodoke".to_owned(), ChangeKind::Ended, vec!["有効期間 終了"]),
        ("local/shusseitodoke-2027".to_owned(), ChangeKind::New, vec!["本文", "有効期間 開始"]),
    ] {
        assert!(listed.contains(&expected), "{expected:?} in {listed:#?}");
    }
    write(&plan);

    assert_eq!(fs::read(local.join("boshi-techo.yaml")).expect("read"), boshi_before, "this year's text stays");
    let boshi_new = fs::read_to_string(local.join("boshi-techo-2027.yaml")).expect("the new year's item");
    assert!(boshi_new.contains("title: 母子健康手帳の交付（2027年度）\n"), "{boshi_new}");
    assert!(boshi_new.contains("valid: { from: 2027-04-01, until: 2028-03-31 }\n"), "{boshi_new}");
    assert!(boshi_new.contains("attach_to: maternity/12w3d\n"), "{boshi_new}");
    assert!(boshi_new.contains("review: { status: draft }"), "a new text is not reviewed: {boshi_new}");

    let shussei_old = fs::read_to_string(local.join("shusseitodoke.yaml")).expect("read");
    assert!(shussei_old.contains("  市民課で受け付けます。\n"), "{shussei_old}");
    assert!(shussei_old.contains("valid: { until: 2027-03-31 }\n"), "{shussei_old}");
    let shussei_new = fs::read_to_string(local.join("shusseitodoke-2027.yaml")).expect("the new year's item");
    assert!(shussei_new.contains("  市民課と各支所で受け付けます。\n"), "{shussei_new}");
    assert!(shussei_new.contains("valid: { from: 2027-04-01 }\n"), "{shussei_new}");
    assert!(shussei_new.contains("when: { day: 14 }\n"), "{shussei_new}");

    // The written town is valid, and the next export lists both halves.
    let again = plan_again(dir.path());
    assert!(again.writes.is_empty(), "{:?}", again.writes.keys());
    let ids: Vec<String> = again.changes.iter().map(|c| c.id.clone()).collect();
    assert!(ids.contains(&"local/boshi-techo-2027".to_owned()) && ids.contains(&"local/boshi-techo".to_owned()));
}

fn plan_again(root: &std::path::Path) -> Plan {
    plan(root, &resave(&export_bytes(root), &Save::default())).unwrap_or_else(|p| panic!("{p:#?}"))
}

#[test]
fn a_change_marked_continue_is_still_made_in_place() {
    let dir = fixture_copy();
    let edited = resave(
        &export_bytes(dir.path()),
        &Save {
            edits: vec![(LOCAL_SHEET, BOSHI, col::TITLE, text("母子健康手帳の交付のご案内"))], ..Save::default()
        },
    );
    let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    assert!(kinds(&plan).contains(&("local/boshi-techo".to_owned(), ChangeKind::Changed, vec!["タイトル"])));
    assert!(!plan.changes.iter().any(|c| c.id.ends_with("-2027")), "継続 does not split");
}

#[test]
fn tracks_the_town_does_not_use_are_not_asked_for_sign_off() {
    let dir = fixture_copy();
    let content = dir.path().join("content");
    // A school track in the content, which the fixture town (maternity, baby) does not enable.
    let school = content.join("tracks/school");
    fs::create_dir_all(&school).expect("mkdir");
    fs::write(school.join("track.yaml"), "name: テスト・学童期\ndescription: テスト用の説明です。\n").expect("write");
    fs::write(
        school.join("birthday-07.yaml"),
        "when: { birthday: 7 }\ntitle: 7歳の誕生日\ntopics: [赤ちゃんの成長]\nbody: |\n  7歳です。\nreview: { status: draft }\n",
    )
    .expect("write");
    let town = load(dir.path());
    let ids: Vec<&str> = town.manuscripts.iter().map(|m| m.id.as_str()).collect();
    assert!(ids.contains(&"maternity/12w3d") && ids.contains(&"baby/day-001"), "{ids:?}");
    assert!(!ids.iter().any(|id| id.starts_with("school/")), "{ids:?}");

    // Enabled, the same track is asked for.
    let file = content.join("municipalities/testcity/municipality.yaml");
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, text.replace("tracks: [maternity, baby]", "tracks: [maternity, baby, school]")).expect("write");
    let town = load(dir.path());
    assert!(town.manuscripts.iter().any(|m| m.id == "school/birthday-07"));
}
