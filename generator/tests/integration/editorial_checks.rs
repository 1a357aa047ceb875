//! `kizuna check`'s editorial warnings on fixtures: a title or body repeated within 60 days for one
//! family, and the house style (`content/style.yaml`) with `--fix`.

use std::fs;
use std::process::Command;

use crate::support::{assert_reported, fixture_copy, prepare, theme, write};
use kizuna_generator::diagnostics::Diagnostics;
use kizuna_generator::{repeats, style};

fn message(when: &str, title: &str, body: &str) -> String {
    format!("when: {when}\ntitle: {title}\ntopics: [妊婦健診]\nbody: |\n  {body}\nreview: {{ status: draft }}\n")
}

#[test]
fn repeated_titles_and_bodies_within_60_days_are_reported_at_the_later_message() {
    let content = fixture_copy();
    let root = content.path();
    // 20w0d is titled 妊娠20週のころ; 24w0d repeats it 28 days later, 38w0d 126 days later.
    write(root, "tracks/maternity/24w0d.yaml", &message("{ pregnancy: 24w0d }", "妊娠20週のころ", "胎動のお話です。"));
    write(root, "tracks/maternity/38w0d.yaml", &message("{ pregnancy: 38w0d }", "妊娠20週のころ", "お産の準備です。"));
    let body = "両親学級では、沐浴の練習やお産の流れを学べます。パートナーと一緒に参加してみましょう。";
    write(root, "tracks/maternity/26w0d.yaml", &message("{ pregnancy: 26w0d }", "両親学級に行ってみよう", body));
    write(root, "tracks/maternity/30w0d.yaml", &message("{ pregnancy: 30w0d }", "ふたりで学ぶ", body));
    // A maternity message and a baby message with the same title, 40w0d and 生後14日目: 13 days apart
    // for a child born on the due date.
    write(root, "tracks/maternity/40w0d.yaml", &message("{ pregnancy: 40w0d }", "出生届の期限", "予定日です。"));
    let prepared = prepare(root);
    let mut diagnostics = Diagnostics::default();
    repeats::close_repeats(&prepared.content, 0.6, 60, &mut diagnostics);
    assert!(!diagnostics.has_errors());
    assert_reported(
        &diagnostics,
        "tracks/maternity/24w0d.yaml",
        Some(2),
        "/tracks/maternity/20w0d.yaml, and one family can receive both within 60 days (anchor 2023-01-01: 2022-08-14 and 2022-09-11",
    );
    assert_reported(&diagnostics, "tracks/maternity/30w0d.yaml", Some(4), "has a body 100% the same as ");
    assert_reported(
        &diagnostics,
        "tracks/baby/day-014.yaml",
        Some(2),
        "/tracks/maternity/40w0d.yaml, and one family can receive both within 60 days",
    );
    assert_reported(&diagnostics, "tracks/baby/day-014.yaml", Some(2), "in てすと市");
    let text = diagnostics.to_string();
    assert!(!text.contains("38w0d"), "126 days apart is not a repeat:\n{text}");
    assert_eq!(diagnostics.warning_count(), 3, "{text}");
}

#[test]
fn the_same_title_in_tracks_a_municipality_does_not_enable_is_not_a_repeat() {
    let content = fixture_copy();
    let root = content.path();
    write(root, "tracks/maternity/40w0d.yaml", &message("{ pregnancy: 40w0d }", "出生届の期限", "予定日です。"));
    let file = root.join("municipalities/testcity/municipality.yaml");
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, text.replace("tracks: [maternity, baby]", "tracks: [maternity]")).expect("write");
    fs::remove_file(root.join("municipalities/testcity/local/shusseitodoke.yaml")).ok();
    fs::remove_file(root.join("municipalities/testcity/local/kenshin-1y6m.yaml")).ok();
    let bousai = root.join("municipalities/testcity/local/bousai.yaml");
    let text = fs::read_to_string(&bousai).expect("read");
    fs::write(&bousai, text.replace("tracks: [maternity, baby]", "tracks: [maternity]")).expect("write");
    let prepared = prepare(root);
    let mut diagnostics = Diagnostics::default();
    repeats::close_repeats(&prepared.content, 0.6, 60, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics}");
}

const STYLE: &str = "rules:\n  - prefer: おなか\n    variants: [お腹]\n  - prefer: ＃\n    variants: [\"#\"]\n    before: [digit, kana]\n  - prefer: ことば\n    variants: [言葉]\n  - prefer: 子ども\n    variants: [子供]\n";

/// A message with variants in its title, body and to_partner — and the same strings where the house
/// style must not touch them: a comment, a `#` before a space, a URL fragment.
const BEFORE: &str = "# お腹 in a comment stays\nwhen: { pregnancy: 30w0d }\ntitle: お腹が張るとき # お腹 in a trailing comment stays\ntopics: [からだの変化]\nbody: |\n  見出しの # はそのまま\n\n  お腹の張りが続くときは #7119 や #いのちSOS へ。子供の言葉も。\n  [ページ](https://example.jp/page#7) と ＃8000。\n\nto_partner: \"お腹をさすって、#8000 も覚えて\"\nreview: { status: draft }\n";

const AFTER: &str = "# お腹 in a comment stays\nwhen: { pregnancy: 30w0d }\ntitle: おなかが張るとき # お腹 in a trailing comment stays\ntopics: [からだの変化]\nbody: |\n  見出しの # はそのまま\n\n  おなかの張りが続くときは ＃7119 や ＃いのちSOS へ。子どものことばも。\n  [ページ](https://example.jp/page#7) と ＃8000。\n\nto_partner: \"おなかをさすって、＃8000 も覚えて\"\nreview: { status: draft }\n";

#[test]
fn house_style_variants_are_warned_with_their_lines() {
    let content = fixture_copy();
    let root = content.path();
    write(root, "style.yaml", STYLE);
    write(root, "tracks/maternity/30w0d.yaml", BEFORE);
    let prepared = prepare(root);
    let house = prepared.content.style.as_ref().expect("style.yaml is loaded");
    let mut diagnostics = Diagnostics::default();
    style::check(house, &prepared.content.root, &mut diagnostics);
    let file = "tracks/maternity/30w0d.yaml";
    assert_reported(&diagnostics, file, Some(3), "「お腹」: the house style writes 「おなか」");
    assert_reported(&diagnostics, file, Some(8), "「#」: the house style writes 「＃」");
    assert_reported(&diagnostics, file, Some(8), "「子供」: the house style writes 「子ども」");
    assert_reported(&diagnostics, file, Some(8), "「言葉」: the house style writes 「ことば」");
    assert_reported(&diagnostics, file, Some(11), "「お腹」");
    // title 1, body line 8: お腹, #, #, 子供, 言葉; to_partner: お腹, #.
    assert_eq!(diagnostics.warning_count(), 8, "{diagnostics}");
}

#[test]
fn check_fix_rewrites_only_text_values_byte_for_byte_and_is_idempotent() {
    let content = fixture_copy();
    let root = content.path();
    write(root, "style.yaml", STYLE);
    write(root, "tracks/maternity/30w0d.yaml", BEFORE);
    let untouched = fs::read(root.join("tracks/maternity/12w3d.yaml")).expect("read");
    let fix = || {
        Command::new(env!("CARGO_BIN_EXE_kizuna"))
            .args(["check", "--fix", "--lang", "en", "--today", "2026-11-26", "--content"])
            .arg(root)
            .arg("--theme")
            .arg(theme())
            .output()
            .expect("run kizuna")
    };
    let first = fix();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("house style: 8 replacement(s) in 1 file(s)"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(fs::read_to_string(root.join("tracks/maternity/30w0d.yaml")).expect("read"), AFTER);
    assert_eq!(fs::read(root.join("tracks/maternity/12w3d.yaml")).expect("read"), untouched);
    let leftovers: Vec<_> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().ends_with(".kizuna-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let second = fix();
    assert!(String::from_utf8_lossy(&second.stdout).contains("house style: 0 replacement(s) in 0 file(s)"));
    assert_eq!(fs::read_to_string(root.join("tracks/maternity/30w0d.yaml")).expect("read"), AFTER);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!stderr.contains("the house style writes"), "{stderr}");
}

#[test]
fn a_fix_that_would_change_what_yaml_reads_is_refused() {
    let house = style::parse(STYLE, "style.yaml".as_ref()).expect("valid style");
    assert_eq!(house.fixed("title: お腹\nbody: |\n  本文\n").as_deref(), Some("title: おなか\nbody: |\n  本文\n"));
    assert_eq!(house.fixed("title: '#7119'\n").as_deref(), Some("title: '＃7119'\n"));
    // Unquoted, `#7119` after `title: ` is a YAML comment (the title is empty); rewriting it would
    // turn the comment into a value, so the file is left for a person.
    assert_eq!(house.fixed("title: #7119\n"), None);
}

#[test]
fn style_yaml_problems_are_errors_with_their_lines() {
    let cases = [
        ("rules:\n  - prefer: おなか\n    variants: [お腹]\n    colour: red\n", Some(4), "unknown field `colour`"),
        (
            "rules:\n  - prefer: おなか\n    variants: [お腹]\n  - prefer: 子ども\n    variants: [子]\n",
            Some(4),
            "the variant 「子」 occurs in the preferred form 「子ども」",
        ),
        (
            "rules:\n  - prefer: おなか\n    variants: [お腹]\n  - prefer: ぽんぽん\n    variants: [お腹]\n",
            Some(4),
            "the variant 「お腹」 is already listed on line 2",
        ),
        ("rules:\n  - prefer: ＃\n    variants: [\"#\"]\n    before: [kanji]\n", Some(4), "unknown variant `kanji`"),
        ("rules:\n  - prefer: \"\"\n    variants: [x]\n", Some(2), "`prefer` is empty"),
    ];
    for (text, line, needle) in cases {
        let content = fixture_copy();
        write(content.path(), "style.yaml", text);
        let problems = kizuna_generator::build::prepare(&crate::support::options(content.path())).expect_err("refused");
        assert_reported(&problems, "style.yaml", line, needle);
    }
}
