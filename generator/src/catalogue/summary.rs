//! The lines `kizuna check` and `kizuna build` print around the problems: counts and coverage.
//! They are not problems, so the staff guide's list of messages leaves them out; so are the words
//! filled into problems (the edges of a track's window).

use super::{entries, Entry};

entries! {
    READINGS_CACHE_NOT_WRITABLE = "readings-cache-not-writable" {
        ja: "kizuna: 警告: 読みの辞書を {path} にキャッシュできません（{error}）。ビルドのたびに辞書を作り直します",
        ja_hint: "書き込めるフォルダーを環境変数 {env} に指定してください",
        en: "kizuna: warning: the compiled readings dictionary cannot be cached as {path} ({error}); every build compiles it again",
        en_hint: "set {env} to a folder that can be written",
    }
    NOTHING_WRITTEN = "nothing-written" {
        ja: "kizuna: エラー {errors} 件、警告 {warnings} 件。何も書き込んでいません",
        ja_hint: "",
        en: "kizuna: {errors} error(s), {warnings} warning(s); nothing was written",
        en_hint: "",
    }
    CHECK_FAILED = "check-failed" {
        ja: "kizuna check: エラー {errors} 件、警告 {warnings} 件",
        ja_hint: "",
        en: "kizuna check: {errors} error(s), {warnings} warning(s)",
        en_hint: "",
    }
    CHECK_SUMMARY = "check-summary" {
        ja: "自治体 {municipalities} 件、エラー {errors} 件、警告 {warnings} 件",
        ja_hint: "",
        en: "{municipalities} municipalities, {errors} error(s), {warnings} warning(s)",
        en_hint: "",
    }
    COVERAGE_HEADER = "coverage-header" {
        ja: "配信の間隔（4年分のすべての誕生日・出産予定日について）:",
        ja_hint: "",
        en: "coverage (every birth or due date of a 4-year cycle):",
        en_hint: "",
    }
    COVERAGE_LINE = "coverage-line" {
        ja: "  {track} {messages} 通  {state}",
        ja_hint: "",
        en: "  {track} {messages} messages  {state}",
        en_hint: "",
    }
    COVERAGE_COMPLETE = "coverage-complete" {
        ja: "間隔に問題なし",
        ja_hint: "",
        en: "complete",
        en_hint: "",
    }
    COVERAGE_PROBLEMS = "coverage-problems" {
        ja: "空きすぎ {gaps} か所、誕生日の抜け {birthdays} 件",
        ja_hint: "",
        en: "{gaps} gap(s), {birthdays} missing birthday(s)",
        en_hint: "",
    }
    FIX_NO_STYLE = "fix-no-style" {
        ja: "kizuna check --fix: 使える content/style.yaml がないため、何も変更していません",
        ja_hint: "",
        en: "kizuna check --fix: no valid content/style.yaml to apply; nothing was changed",
        en_hint: "",
    }
    /// A value shown as written where words of the catalogue could also stand.
    PLAIN = "plain" {
        ja: "{text}",
        ja_hint: "",
        en: "{text}",
        en_hint: "",
    }
    WINDOW_START = "window-start" {
        ja: "（期間のはじめ）",
        ja_hint: "",
        en: "(start of the window)",
        en_hint: "",
    }
    WINDOW_END = "window-end" {
        ja: "（期間の終わり）",
        ja_hint: "",
        en: "(end of the window)",
        en_hint: "",
    }
    FIX_SUMMARY = "fix-summary" {
        ja: "表記ルール: {files} ファイルで {replaced} か所を書き換えました",
        ja_hint: "",
        en: "house style: {replaced} replacement(s) in {files} file(s)",
        en_hint: "",
    }
}
