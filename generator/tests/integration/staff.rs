//! The 年度更新 workbook and 原稿確認 through the real path: export with rust_xlsxwriter, the
//! workbook edited and saved again as an office worker would, import with calamine, the YAML
//! written; sign-off recorded per municipality and required by a production build.
//! (LibreOffice Calc's round trip is in tests/office.rs.)

use std::fs;

use crate::staff_support::*;
use kizuna_generator::build;
use kizuna_generator::staff::atomic;
use kizuna_generator::staff::import::{self, ChangeKind};
use kizuna_generator::staff::workbook::{col, review_col, GUIDE_SHEET, LOCAL_SHEET, NEW_SHEET, REVIEW_SHEET};

/// Rows of 自治体情報, sorted by id: the expired item is not exported.
const BOSHI: u32 = 1;
const BOUSAI: u32 = 2;
const KENSHIN: u32 = 3;

fn kinds(plan: &import::Plan) -> Vec<(String, ChangeKind, Vec<&'static str>)> {
    plan.changes.iter().map(|c| (c.id.clone(), c.kind, c.fields.clone())).collect()
}

fn problems_of(root: &std::path::Path, bytes: &[u8]) -> Vec<String> {
    plan(root, bytes).expect_err("the workbook must be refused")
}

#[test]
fn round_trip_without_edits_changes_nothing() {
    let dir = fixture_copy();
    let before = snapshot(dir.path());
    for bytes in [export_bytes(dir.path()), resave(&export_bytes(dir.path()), &Save::default())] {
        let plan = plan(dir.path(), &bytes).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(plan.fiscal_year, 2027);
        assert!(plan.writes.is_empty(), "{:?}", plan.writes.keys());
        let listed: Vec<_> = kinds(&plan).into_iter().map(|(id, kind, _)| (id, kind)).collect();
        assert_eq!(
            listed,
            ["boshi-techo", "bousai", "kenshin-1y6m", "shusseitodoke"]
                .map(|s| (format!("local/{s}"), ChangeKind::Unchanged))
                .to_vec()
        );
        atomic::write_all(&Default::default()).expect("nothing to write");
    }
    assert_eq!(snapshot(dir.path()), before, "a round trip without edits is byte-identical");
}

#[test]
fn edits_in_every_sheet_become_exactly_those_changes() {
    let dir = fixture_copy();
    let local = dir.path().join("content/municipalities/testcity/local");
    let untouched = fs::read(local.join("shusseitodoke.yaml")).expect("read");
    let kenshin_before = fs::read_to_string(local.join("kenshin-1y6m.yaml")).expect("read");
    let edited = resave(
        &export_bytes(dir.path()),
        &Save {
            edits: vec![
                (LOCAL_SHEET, BOSHI, col::TITLE, text("母子健康手帳の交付（2027年度）")),
                (LOCAL_SHEET, BOSHI, col::UNTIL, text("令和10年3月31日")),
                (LOCAL_SHEET, BOUSAI, col::NEXT_YEAR, text("終了")),
                (LOCAL_SHEET, KENSHIN, col::BODY, text("保健センターで行います。\n\n予約は不要です。")),
                (LOCAL_SHEET, KENSHIN, col::WORDS, text("１歳７か月")),
                (LOCAL_SHEET, KENSHIN, col::DEPARTMENT, text("健康推進課")),
                (NEW_SHEET, 1, col::CATEGORY, text("子育てひろば")),
                (NEW_SHEET, 1, col::TITLE, text("ひろばの新しい曜日")),
                (NEW_SHEET, 1, col::BODY, text("毎週水曜日も開きます。")),
                (NEW_SHEET, 1, col::WORDS, text("生後60日目")),
                (NEW_SHEET, 1, col::FROM, text("2027/4/1")),
                (NEW_SHEET, 1, col::UNTIL, text("2028/3/31")),
            ],
            ..Save::default()
        },
    );
    let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(
        kinds(&plan),
        vec![
            ("local/boshi-techo".into(), ChangeKind::Changed, vec!["タイトル", "有効期間 終了"]),
            ("local/bousai".into(), ChangeKind::Unchanged, vec![]),
            ("local/kenshin-1y6m".into(), ChangeKind::Changed, vec!["本文", "いつ届くか", "担当課"]),
            ("local/shusseitodoke".into(), ChangeKind::Unchanged, vec![]),
            ("local/new-2027-01".into(), ChangeKind::New, vec![]),
        ],
        "bousai already ends with the current fiscal year (2027-03-31), so 終了 changes nothing"
    );
    let writes = plan.writes.iter().map(|(p, t)| (p.clone(), t.clone().into_bytes())).collect();
    atomic::write_all(&writes).expect("write");
    let kenshin = fs::read_to_string(local.join("kenshin-1y6m.yaml")).expect("read");
    assert_eq!(
        kenshin,
        kenshin_before
            .replace("  保健センターで行います。\n", "  保健センターで行います。\n\n  予約は不要です。\n")
            .replace("when: { age: 1y6m }", "when: { age: 1y7m }")
            .replace("review: { status: reviewed }", "department: 健康推進課\nreview: { status: draft }")
    );
    let boshi = fs::read_to_string(local.join("boshi-techo.yaml")).expect("read");
    assert!(boshi.contains("title: 母子健康手帳の交付（2027年度）\n"), "{boshi}");
    assert!(boshi.contains("valid: { from: 2026-04-01, until: 2028-03-31 }\n"), "{boshi}");
    assert!(boshi.contains("review: { status: draft }"), "a changed text is no longer reviewed: {boshi}");
    let new = fs::read_to_string(local.join("new-2027-01.yaml")).expect("read");
    assert_eq!(
        new,
        "category: 子育てひろば\ntitle: ひろばの新しい曜日\nbody: |\n  毎週水曜日も開きます。\nvalid: { from: 2027-04-01, until: 2028-03-31 }\nwhen: { day: 60 }\nreview: { status: draft }\n"
    );
    assert_eq!(fs::read(local.join("shusseitodoke.yaml")).expect("read"), untouched);
    // The written content is valid and loads again: a second import of the same workbook is no change.
    let again = crate::staff_support::plan(dir.path(), &resave(&export_bytes(dir.path()), &Save::default()))
        .expect("valid after import");
    assert!(again.writes.is_empty());
}

#[test]
fn ending_an_item_ends_it_with_the_current_fiscal_year() {
    let dir = fixture_copy();
    let edited = resave(
        &export_bytes(dir.path()),
        &Save { edits: vec![(LOCAL_SHEET, 4, col::NEXT_YEAR, text("終了"))], ..Save::default() },
    );
    let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    let change = plan.changes.iter().find(|c| c.id == "local/shusseitodoke").expect("listed");
    assert_eq!((change.kind, change.fields.clone()), (ChangeKind::Ended, vec!["有効期間 終了"]));
    let text = plan.writes.values().next().expect("one file");
    assert!(text.contains("valid: { until: 2027-03-31 }\n"), "{text}");
}

#[test]
fn every_row_problem_is_reported_at_its_cell_in_japanese_and_nothing_is_written() {
    let dir = fixture_copy();
    let before = snapshot(dir.path());
    let edited = resave(
        &export_bytes(dir.path()),
        &Save {
            edits: vec![
                (LOCAL_SHEET, BOSHI, col::CATEGORY, text("乳児健診")),
                (LOCAL_SHEET, BOSHI, col::FROM, text("2027/13/1")),
                (LOCAL_SHEET, BOUSAI, col::TRACKS, text("maternity、adult")),
                (LOCAL_SHEET, BOUSAI, col::NEXT_YEAR, text("やめる")),
                (LOCAL_SHEET, KENSHIN, col::WORDS, text("来月ごろ")),
                (LOCAL_SHEET, KENSHIN, col::TITLE, Value::Empty),
                (LOCAL_SHEET, 4, col::FROM, text("2028/4/1")),
                (LOCAL_SHEET, 4, col::UNTIL, text("2027/3/31")),
                (NEW_SHEET, 1, col::ID, text("boshi-techo")),
                (NEW_SHEET, 2, col::ID, text("Neue Sache")),
                (NEW_SHEET, 2, col::CATEGORY, text("防災")),
                (NEW_SHEET, 2, col::BODY, Value::Empty),
                (NEW_SHEET, 2, col::WORDS, text("妊娠50週0日")),
                (NEW_SHEET, 3, col::CATEGORY, text("防災")),
                (NEW_SHEET, 3, col::TITLE, text("地域の防災訓練")),
                (NEW_SHEET, 3, col::BODY, text("参加しましょう。")),
                // 対象 for an announcement must be tracks the town uses: school is not one of them.
                (NEW_SHEET, 3, col::WORDS, text("2027年9月1日")),
                (NEW_SHEET, 3, col::TRACKS, text("school")),
                (GUIDE_SHEET, 1, 1, text("来年")),
            ],
            ..Save::default()
        },
    );
    let problems = problems_of(dir.path(), &edited);
    let expect = [
        ("自治体情報!B2:", "区分「乳児健診」は使えません"),
        ("自治体情報!H2:", "「2027/13/1」は日付として読めません"),
        ("自治体情報!G3:", "対象「adult」はありません"),
        ("自治体情報!J3:", "来年度「やめる」は選べません"),
        ("自治体情報!E4:", "「来月ごろ」は届く時期として読めません"),
        ("自治体情報!C4:", "タイトルを1行で書いてください"),
        ("自治体情報!I5:", "有効期間の終了（2027-03-31）が開始（2028-04-01）より前です"),
        ("新規!A2:", "ID「boshi-techo」はすでにあります"),
        ("新規!A3:", "ID「Neue Sache」は使えません"),
        ("新規!D3:", "本文が空欄です"),
        ("新規!E3:", "「妊娠50週0日」は届く時期として正しくありません"),
        ("新規!G4:", "school"),
        ("記入のしかた!B2:", "年度が読めません"),
    ];
    for (cell, message) in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(cell) && p.contains(message)),
            "expected {cell} {message} in {problems:#?}"
        );
    }
    assert_eq!(snapshot(dir.path()), before, "nothing is written when anything is wrong");
}

#[test]
fn a_workbook_of_another_shape_is_refused_with_what_to_do_never_a_panic() {
    let dir = fixture_copy();
    let exported = export_bytes(dir.path());
    let cases: Vec<(Save, &str)> = vec![
        (Save { hidden_rows: vec![(LOCAL_SHEET, 2)], ..Save::default() }, "自治体情報: 行 3 が非表示です"),
        (Save { merged: vec![(LOCAL_SHEET, 1, 2, 2, 2)], ..Save::default() }, "自治体情報!C2:C3 が結合されています"),
        (
            Save { extra_sheets: vec!["Sheet1"], ..Save::default() },
            "シート「Sheet1」はこのブックにないはずのシートです",
        ),
        (Save { renames: vec![(NEW_SHEET, "新規項目")], ..Save::default() }, "シート「新規」がありません"),
        (
            Save { deleted_columns: vec![(LOCAL_SHEET, col::TRACKS)], ..Save::default() },
            "自治体情報!G1: 見出しが「対象」ではなく「有効期間 開始」です",
        ),
        (
            Save {
                edits: vec![(LOCAL_SHEET, BOSHI, col::TITLE, Value::Formula("=\"手帳\"&\"の交付\"".into()))],
                ..Save::default()
            },
            "自治体情報!C2 に数式",
        ),
        (
            Save { edits: vec![(GUIDE_SHEET, 0, 1, text("othertown"))], ..Save::default() },
            "このブックは「othertown」のものです",
        ),
    ];
    for (save, expected) in cases {
        let problems = problems_of(dir.path(), &resave(&exported, &save));
        assert!(problems.iter().any(|p| p.contains(expected)), "expected 「{expected}」 in {problems:#?}");
    }
    let not_a_workbook = problems_of(dir.path(), b"id,title\nboshi-techo,x\n");
    assert!(not_a_workbook[0].contains("Excelのブック（.xlsx）として読めません"), "{not_a_workbook:?}");
}

#[test]
fn a_workbook_in_the_1904_date_system_reads_the_same_dates() {
    let dir = fixture_copy();
    let same = resave(&export_bytes(dir.path()), &Save { date1904: true, ..Save::default() });
    let unchanged = plan(dir.path(), &same).unwrap_or_else(|p| panic!("{p:#?}"));
    assert!(unchanged.writes.is_empty(), "{:#?}", unchanged.writes);
    let later = Value::Date(chrono::NaiveDate::from_ymd_opt(2028, 3, 31).expect("date"));
    let edited = resave(
        &export_bytes(dir.path()),
        &Save { edits: vec![(LOCAL_SHEET, KENSHIN, col::UNTIL, later)], date1904: true, ..Save::default() },
    );
    let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    let text = plan.writes.values().next().expect("one change");
    assert!(text.contains("valid: { from: 2026-04-01, until: 2028-03-31 }"), "{text}");
}

#[test]
fn dates_are_read_as_date_cells_text_and_full_width_digits() {
    let dir = fixture_copy();
    for value in [
        Value::Date(chrono::NaiveDate::from_ymd_opt(2028, 3, 31).expect("date")),
        text("2028/3/31"),
        text("令和10年3月31日"),
        text("２０２８年３月３１日"),
        Value::Number(46_843.0),
    ] {
        let edited = resave(
            &export_bytes(dir.path()),
            &Save { edits: vec![(LOCAL_SHEET, KENSHIN, col::UNTIL, value.clone())], ..Save::default() },
        );
        let plan = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{value:?}: {p:#?}"));
        let text = plan.writes.values().next().unwrap_or_else(|| panic!("{value:?}: no change"));
        assert!(text.contains("valid: { from: 2026-04-01, until: 2028-03-31 }"), "{value:?}: {text}");
    }
}

/// Marks every manuscript of 原稿確認 OK, signed by 山田.
fn sign_everything(bytes: &[u8], rows: u32) -> Vec<u8> {
    let mut edits = Vec::new();
    for row in 1..=rows {
        edits.push((REVIEW_SHEET, row, review_col::VERDICT, text("OK")));
        edits.push((REVIEW_SHEET, row, review_col::REVIEWER, text("こども家庭課 山田")));
        edits.push((REVIEW_SHEET, row, review_col::DATE, text("2027/2/10")));
    }
    resave(bytes, &Save { edits, ..Save::default() })
}

#[test]
fn sign_off_is_recorded_per_town_required_in_production_and_lost_when_a_base_text_changes() {
    let dir = fixture_copy();
    let content = dir.path().join("content");
    // A production build refuses drafts; the fixture's drafts are marked reviewed for this test.
    for entry in walkdir::WalkDir::new(&content).into_iter().map(|e| e.expect("walk")) {
        if entry.file_type().is_file() {
            let text = fs::read_to_string(entry.path()).expect("read");
            fs::write(entry.path(), text.replace("{ status: draft }", "{ status: reviewed, by: テスト }"))
                .expect("write");
        }
    }
    let mut production = options(dir.path());
    production.production = true;
    let missing = build::prepare(&production).expect_err("no sign-off yet").to_string();
    assert!(missing.contains("原稿確認が済んでいない原稿が") && missing.contains("maternity/12w3d"), "{missing}");

    let manuscripts = load(dir.path()).manuscripts;
    let signed = sign_everything(&export_bytes(dir.path()), manuscripts.len() as u32);
    let plan = plan(dir.path(), &signed).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(plan.signed.len(), manuscripts.len());
    let writes = plan.writes.iter().map(|(p, t)| (p.clone(), t.clone().into_bytes())).collect();
    atomic::write_all(&writes).expect("write");
    let signoff = fs::read_to_string(content.join("municipalities/testcity/signoff.yaml")).expect("signoff.yaml");
    assert!(signoff.contains("maternity/12w3d: { hash: \""), "{signoff}");
    assert!(signoff.contains("by: こども家庭課 山田, date: 2027-02-10 }"), "{signoff}");
    build::prepare(&production).unwrap_or_else(|d| panic!("signed off, yet:\n{d}"));

    let base = content.join("tracks/maternity/12w3d.yaml");
    let text = fs::read_to_string(&base).expect("read");
    fs::write(&base, text.replacen("body: |\n", "body: |\n  一文を足しました。\n", 1)).expect("write");
    let changed = build::prepare(&production).expect_err("the base text changed").to_string();
    assert!(changed.contains("確認後に文面が変わった原稿が 1 件あります: maternity/12w3d"), "{changed}");
}

#[test]
fn a_stale_hash_or_a_missing_reviewer_is_refused_at_its_cell() {
    let dir = fixture_copy();
    let exported = export_bytes(dir.path());
    let edited = resave(
        &exported,
        &Save {
            edits: vec![
                (REVIEW_SHEET, 1, review_col::VERDICT, text("OK")),
                (REVIEW_SHEET, 1, review_col::HASH, text("0000000000000000")),
                (REVIEW_SHEET, 1, review_col::REVIEWER, text("山田")),
                (REVIEW_SHEET, 1, review_col::DATE, text("2027/2/10")),
                (REVIEW_SHEET, 2, review_col::VERDICT, text("OK")),
                (REVIEW_SHEET, 3, review_col::VERDICT, text("修正依頼")),
                (REVIEW_SHEET, 3, review_col::COMMENT, text("電話番号を確認してください")),
            ],
            ..Save::default()
        },
    );
    let problems = problems_of(dir.path(), &edited);
    assert!(
        problems.iter().any(|p| p.starts_with("原稿確認!D2:") && p.contains("書き出した後に変わっています")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.starts_with("原稿確認!G3:") && p.contains("確認者が空欄です")), "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("原稿確認!H3:") && p.contains("確認日")), "{problems:#?}");
}

#[test]
fn the_kizuna_local_commands_export_show_the_change_and_write_or_refuse() {
    let dir = fixture_copy();
    let kizuna = |args: &[&str]| {
        let theme = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme");
        std::process::Command::new(env!("CARGO_BIN_EXE_kizuna"))
            .args(args)
            .arg("--content")
            .arg(dir.path().join("content"))
            .arg("--theme")
            .arg(theme)
            .args(["--today", "2026-11-26", "--municipality", TOWN])
            .output()
            .expect("run kizuna")
    };
    let workbook = dir.path().join("testcity-2027.xlsx");
    let workbook_arg = workbook.to_str().expect("utf-8 path");
    let exported = kizuna(&["local", "export", "-o", workbook_arg]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let before = snapshot(&dir.path().join("content"));

    let edited = resave(
        &fs::read(&workbook).expect("exported workbook"),
        &Save {
            edits: vec![(LOCAL_SHEET, KENSHIN, col::TITLE, text("1歳6か月児健康診査"))], ..Save::default()
        },
    );
    fs::write(&workbook, &edited).expect("write");
    let dry = kizuna(&["local", "import", workbook_arg, "--dry-run"]);
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(
        out.contains("変更なし   local/boshi-techo") && out.contains("変更     local/kenshin-1y6m（タイトル）"),
        "{out}"
    );
    assert_eq!(snapshot(&dir.path().join("content")), before, "--dry-run writes nothing");

    let written = kizuna(&["local", "import", workbook_arg]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let kenshin = dir.path().join("content/municipalities/testcity/local/kenshin-1y6m.yaml");
    assert!(fs::read_to_string(&kenshin).expect("read").contains("title: 1歳6か月児健康診査\n"));

    let broken =
        resave(&edited, &Save { edits: vec![(LOCAL_SHEET, BOSHI, col::FROM, text("いつか"))], ..Save::default() });
    fs::write(&workbook, broken).expect("write");
    let before = snapshot(&dir.path().join("content"));
    let refused = kizuna(&["local", "import", workbook_arg]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(err.contains("エラー: 自治体情報!H2: 「いつか」は日付として読めません"), "{err}");
    assert!(err.contains("何も書き込んでいません"), "{err}");
    assert_eq!(snapshot(&dir.path().join("content")), before);
}

#[test]
fn the_short_and_changed_review_views_show_only_the_towns_text_and_what_changed_since_sign_off() {
    let dir = fixture_copy();
    let town = load(dir.path());
    // Everything signed off as it is, except maternity/20w0d (signed off with another text).
    let mut signoffs = kizuna_generator::staff::signoff::Signoffs::new();
    for manuscript in &town.manuscripts {
        let hash =
            if manuscript.id == "maternity/20w0d" { "0123456789abcdef".to_owned() } else { manuscript.hash.clone() };
        let date = kizuna_schedule::CalendarDate(today());
        signoffs
            .insert(manuscript.id.clone(), kizuna_generator::staff::signoff::Signoff { hash, by: "山田".into(), date });
    }
    fs::write(town.dir.join("signoff.yaml"), kizuna_generator::staff::signoff::render(&signoffs)).expect("write");

    let out = dir.path().join("public");
    let mut options = options(dir.path());
    options.municipalities.clear();
    let prepared = build::prepare(&options).unwrap_or_else(|d| panic!("{d}"));
    let mut sink = kizuna_generator::output::DirectorySink::new(&out, true);
    build::build(&prepared, &options, Some(&out), &mut sink).expect("build");
    sink.commit().expect("commit");
    let page = |path: &str| fs::read_to_string(out.join(TOWN).join(path)).expect("review page");

    let changed = page("review/changed/index.html");
    assert!(changed.contains("maternity/20w0d・下書き・原稿確認：前回の確認から変更"), "{changed}");
    assert!(!changed.contains("maternity/12w3d"), "signed-off manuscripts are not in the changed view");
    let own = page("review/own/index.html");
    for id in ["maternity/12w4d", "local/kenshin-1y6m", "local/bousai", "local/boshi-techo"] {
        assert!(own.contains(id), "{id} is the town's own text");
    }
    assert!(!own.contains("maternity/20w0d"), "a base message without local text is not in the short view");
    let all = page("review/index.html");
    // Delivery order: the own 1歳6か月 item sits after 生後14日 (day-014) in the baby part.
    let (day14, kenshin) = (all.find("baby/day-014").expect("day 14"), all.find("local/kenshin-1y6m").expect("1y6m"));
    assert!(day14 < kenshin);
    assert_eq!(all.matches("class=\"signoff-block\"").count(), 3);
}

/// The XML of one part of a workbook.
fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut text = String::new();
    archive.by_name(name).expect("part").read_to_string(&mut text).expect("read");
    text
}

#[test]
fn the_export_has_drop_downs_locked_ids_a_frozen_header_and_a4_landscape_print_setup() {
    let dir = fixture_copy();
    let bytes = export_bytes(dir.path());
    let workbook = part(&bytes, "xl/workbook.xml");
    for sheet in [LOCAL_SHEET, NEW_SHEET, REVIEW_SHEET, GUIDE_SHEET] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{workbook}");
    }
    assert!(workbook.contains("_xlnm.Print_Titles"), "the header row repeats on every printed page");
    let local = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(local.contains("<pane ySplit=\"1\"") && local.contains("state=\"frozen\""), "frozen header");
    assert!(local.contains("<sheetProtection"), "locked cells (id, machine timing) are protected");
    assert!(local.contains("paperSize=\"9\"") && local.contains("orientation=\"landscape\""), "A4 landscape");
    assert!(local.contains("<oddHeader>&amp;Lてすと市　地域情報&amp;R2027年度</oddHeader>"), "{local}");
    assert!(local.contains("<dataValidation type=\"list\"") && local.contains("母子健康手帳"), "区分 drop-down");
    assert!(local.contains("\"継続,変更,終了\""), "来年度 drop-down");
    let strings = part(&bytes, "xl/sharedStrings.xml");
    for words in
        ["1歳6か月", "生後14日目", "2027年1月10日", "のメッセージに添えて（maternity/12w3d）", "when: { age: 1y6m }"]
    {
        assert!(strings.contains(words), "{words} in the timing columns");
    }
}
