//! `kizuna check` speaks to staff (issue 18 §4): Japanese by default with file:line, 「もしかして」
//! for near names, a full-width colon at its own line, and the checks of local information's dates
//! — each asserted in the Japanese text staff read.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{fixture_copy, options, theme, write};
use chrono::NaiveDate;
use kizuna_generator::build;
use kizuna_generator::catalogue::Lang;
use kizuna_generator::diagnostics::{Diagnostics, Severity};

const TOWN: &str = "municipalities/testcity";

/// Every problem of the content as built on `today` (warnings too, when it builds).
fn problems_on(content: &Path, today: &str) -> Diagnostics {
    let mut options = options(content);
    options.build_date = today.parse::<NaiveDate>().expect("date");
    match build::prepare(&options) {
        Ok(prepared) => prepared.warnings,
        Err(problems) => problems,
    }
}

/// Asserts a problem of `severity` at `file_suffix`:`line` whose Japanese text contains `needle`.
fn assert_ja(problems: &Diagnostics, severity: Severity, file_suffix: &str, line: usize, needle: &str) {
    let found = problems.sorted().into_iter().any(|d| {
        d.severity == severity
            && d.file.to_string_lossy().ends_with(file_suffix)
            && d.line == Some(line)
            && d.to_string().contains(needle)
    });
    assert!(found, "expected {severity:?} {file_suffix}:{line} «{needle}» in:\n{problems}");
}

fn edit(root: &Path, file: &str, edit: impl FnOnce(String) -> String) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, edit(text)).expect("write");
}

#[test]
fn near_misses_of_categories_topics_and_track_ids_get_a_suggestion() {
    let content = fixture_copy();
    let root = content.path();
    edit(root, &format!("{TOWN}/local/kenshin-1y6m.yaml"), |t| {
        t.replace("category: 乳幼児健診", "category: 乳幼児検診")
    });
    edit(root, "tracks/maternity/12w3d.yaml", |t| t.replace("topics: [", "topics: [妊婦検診, "));
    let problems = problems_on(root, "2026-11-26");
    assert_ja(
        &problems,
        Severity::Error,
        "local/kenshin-1y6m.yaml",
        1,
        "区分「乳幼児検診」は使えません（もしかして「乳幼児健診」？）",
    );
    let topic_line = fs::read_to_string(root.join("tracks/maternity/12w3d.yaml"))
        .expect("read")
        .lines()
        .position(|l| l.starts_with("topics:"))
        .expect("topics line")
        + 1;
    assert_ja(
        &problems,
        Severity::Error,
        "tracks/maternity/12w3d.yaml",
        topic_line,
        "トピック「妊婦検診」は登録されていません（もしかして「妊婦健診」？）",
    );

    let content = fixture_copy();
    edit(content.path(), &format!("{TOWN}/municipality.yaml"), |t| t.replace("[maternity, baby]", "[maternity, bbay]"));
    let problems = problems_on(content.path(), "2026-11-26");
    assert_ja(&problems, Severity::Error, "testcity/municipality.yaml", 7, "「bbay」はここに書ける値ではありません");
    assert_ja(&problems, Severity::Error, "testcity/municipality.yaml", 7, "（もしかして「baby」？）");

    // A misspelt track folder and a misspelt message id of attach_to.
    let content = fixture_copy();
    let root = content.path();
    write(root, "tracks/matrnity/30w0d.yaml", "when: { pregnancy: 30w0d }\n");
    edit(root, &format!("{TOWN}/local/boshi-techo.yaml"), |t| t.replace("maternity/12w3d", "maternity/12w3"));
    let problems = problems_on(root, "2026-11-26");
    let shown = problems.to_string();
    assert!(shown.contains("「matrnity」というトラックはありません"), "{shown}");
    assert!(shown.contains("（もしかして「maternity」？）"), "{shown}");
    assert_ja(
        &problems,
        Severity::Error,
        "local/boshi-techo.yaml",
        6,
        "attach_to「maternity/12w3」というメッセージはありません（もしかして「maternity/12w3d」？）",
    );
}

#[test]
fn a_full_width_colon_is_reported_at_its_own_line_with_the_fix() {
    let content = fixture_copy();
    let root = content.path();
    edit(root, &format!("{TOWN}/local/bousai.yaml"), |t| t.replace("title: 防災", "title：防災"));
    let problems = problems_on(root, "2026-11-26");
    assert_ja(&problems, Severity::Error, "local/bousai.yaml", 2, "「title：」のコロンが全角です");
    let shown = problems.to_string();
    assert!(shown.contains("対処: 「title: 」のように半角のコロン（:）と半角スペースにしてください"), "{shown}");
    assert_eq!(problems.error_count(), 1, "only the colon, not YAML's complaint about a later line:\n{shown}");

    // Inside a flow map too, at its line.
    edit(root, &format!("{TOWN}/local/boshi-techo.yaml"), |t| t.replace("until: 2027", "until：2027"));
    let problems = problems_on(root, "2026-11-26");
    assert_ja(&problems, Severity::Error, "local/boshi-techo.yaml", 5, "「until：」のコロンが全角です");
}

#[test]
fn a_dated_announcement_outside_its_validity_is_an_error_and_a_past_one_a_warning() {
    let content = fixture_copy();
    let root = content.path();
    edit(root, &format!("{TOWN}/local/bousai.yaml"), |t| t.replace("date: 2027-01-10", "date: 2027-04-10"));
    let problems = problems_on(root, "2026-11-26");
    assert_ja(
        &problems,
        Severity::Error,
        "local/bousai.yaml",
        6,
        "お知らせの日付 2027-04-10 が、この地域情報の有効期間（2026-04-01〜2027-03-31）の外です",
    );

    let content = fixture_copy();
    let problems = problems_on(content.path(), "2027-01-11");
    assert!(!problems.has_errors(), "{problems}");
    assert_ja(
        &problems,
        Severity::Warning,
        "local/bousai.yaml",
        6,
        "お知らせの日付 2027-01-10 は、ビルドする日（2027-01-11）より前です",
    );
    assert!(
        !problems_on(content.path(), "2027-01-10").to_string().contains("より前です"),
        "the day itself is not past"
    );
}

#[test]
fn validity_off_the_fiscal_year_is_a_warning_for_yearly_items_only() {
    let content = fixture_copy();
    let root = content.path();
    edit(root, &format!("{TOWN}/local/boshi-techo.yaml"), |t| t.replace("from: 2026-04-01", "from: 2026-05-01"));
    let problems = problems_on(root, "2026-11-26");
    assert_ja(
        &problems,
        Severity::Warning,
        "local/boshi-techo.yaml",
        5,
        "有効期間（2026-05-01〜2027-03-31）が年度（4月1日〜3月31日）の区切りと合っていません",
    );
    let warnings: Vec<String> = problems.sorted().iter().map(|d| d.to_string()).collect();
    assert_eq!(warnings.iter().filter(|w| w.contains("区切り")).count(), 1, "{warnings:#?}");
}

/// The fixture where every yearly item ends on 2027-03-31 (出生届 gets a validity too).
fn town_with_one_year() -> tempfile::TempDir {
    let content = fixture_copy();
    edit(content.path(), &format!("{TOWN}/local/shusseitodoke.yaml"), |t| {
        t.replace("when: { day: 14 }", "valid: { from: 2026-04-01, until: 2027-03-31 }\nwhen: { day: 14 }")
    });
    content
}

#[test]
fn local_information_that_runs_out_at_the_fiscal_year_is_an_error_from_april_and_a_warning_before() {
    let content = town_with_one_year();
    let root = content.path();
    let after = problems_on(root, "2027-04-02");
    assert_ja(
        &after,
        Severity::Error,
        "testcity/municipality.yaml",
        2,
        "てすと市の地域情報は、2027-03-31 に有効だった 3 件がどれも 2027-04-02 には有効期間外です",
    );
    let before = problems_on(root, "2027-02-15");
    assert!(!before.has_errors(), "{before}");
    assert_ja(
        &before,
        Severity::Warning,
        "testcity/municipality.yaml",
        2,
        "てすと市の地域情報は、今日有効な 3 件がどれも 2027年度（2027-04-01から）には続きません",
    );
    let early = problems_on(root, "2027-01-15");
    assert!(!early.to_string().contains("には続きません"), "more than 60 days before April: {early}");

    // The yearly update done (two items carried into 2027年度): nothing to say.
    for file in ["boshi-techo", "kenshin-1y6m"] {
        edit(root, &format!("{TOWN}/local/{file}.yaml"), |t| t.replace("until: 2027-03-31", "until: 2028-03-31"));
    }
    for today in ["2027-02-15", "2027-04-02"] {
        let problems = problems_on(root, today);
        assert!(!problems.to_string().contains("地域情報は、"), "{today}: {problems}");
    }
}

#[test]
fn an_override_of_a_message_an_enabled_add_on_owns_is_reported_at_its_file() {
    let content = fixture_copy();
    let root = content.path();
    let message = |title: &str| {
        format!("when: {{ school: {{ year: 小1, date: 04-06 }} }}\ntitle: {title}\ntopics: [お金と手続き]\nbody: |\n  本文です。\nreview: {{ status: draft }}\n")
    };
    write(root, "tracks/school/track.yaml", "name: テスト・学童期\ndescription: テスト用の説明です。\n");
    write(root, "tracks/first-grade/track.yaml", "name: テスト・小1\ndescription: テスト用の説明です。\n");
    write(root, "tracks/school/sho1-0406.yaml", &message("学校の入学式"));
    write(
        root,
        "tracks/school/birthday-07.yaml",
        "when: { birthday: 7 }\ntitle: 7歳\ntopics: [お金と手続き]\nbody: |\n  7歳です。\nreview: { status: draft }\n",
    );
    write(root, "tracks/first-grade/sho1-0406.yaml", &message("ご入学おめでとう"));
    write(root, &format!("{TOWN}/overrides/school/sho1-0406.yaml"), &message("てすと市の入学式"));
    edit(root, &format!("{TOWN}/municipality.yaml"), |t| {
        t.replace("tracks: [maternity, baby]", "tracks: [maternity, baby, school]")
            .replace("addons: []", "addons: [first-grade]")
    });
    let problems = problems_on(root, "2026-11-26");
    assert_ja(
        &problems,
        Severity::Warning,
        "overrides/school/sho1-0406.yaml",
        1,
        "school/sho1-0406 の差し替えは送られません: この自治体では追加メッセージ first-grade がその学年を受け持つ",
    );

    // Without the add-on the override is sent, and nothing is said.
    edit(root, &format!("{TOWN}/municipality.yaml"), |t| t.replace("addons: [first-grade]", "addons: []"));
    assert!(!problems_on(root, "2026-11-26").to_string().contains("差し替えは送られません"));
}

/// `kizuna check` in a locale: Japanese unless LANG says English or --lang en is given.
fn check_output(content: &Path, lang_env: &str, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kizuna"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang_env)
        .args(["check", "--today", "2026-11-26", "--content"])
        .arg(content)
        .arg("--theme")
        .arg(theme())
        .args(extra)
        .output()
        .expect("run kizuna");
    assert!(!output.status.success(), "the content has an error");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_command_speaks_japanese_by_default_and_english_when_asked() {
    let content = fixture_copy();
    let root = content.path();
    edit(root, &format!("{TOWN}/local/kenshin-1y6m.yaml"), |t| {
        t.replace("category: 乳幼児健診", "category: 乳幼児検診")
    });
    let japanese = check_output(root, "ja_JP.UTF-8", &[]);
    assert!(japanese.contains("local/kenshin-1y6m.yaml:1: 区分「乳幼児検診」は使えません"), "{japanese}");
    assert!(japanese.contains("エラー 1 件"), "{japanese}");
    let neutral = check_output(root, "C.UTF-8", &[]);
    assert_eq!(neutral, japanese, "Japanese is the default");
    let english = check_output(root, "en_US.UTF-8", &[]);
    assert!(
        english.contains("local/kenshin-1y6m.yaml:1: unknown category `乳幼児検診` (did you mean `乳幼児健診`?)"),
        "{english}"
    );
    assert_eq!(check_output(root, "ja_JP.UTF-8", &["--lang", "en"]), english, "--lang en wins over the locale");
    let diagnostics = problems_on(root, "2026-11-26");
    assert_eq!(
        diagnostics.render(Lang::En),
        english.lines().take_while(|l| !l.starts_with("kizuna check")).map(|l| format!("{l}\n")).collect::<String>()
    );
}
