//! The `kizuna` binary on the project's own sample content and on fixtures.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs kizuna in a neutral locale (C.UTF-8), so that its messages are in the default language.
fn kizuna(args: &[&str]) -> std::process::Output {
    kizuna_cached(args, &Path::new(env!("CARGO_TARGET_TMPDIR")).join("kizuna-cache"))
}

/// [`kizuna`] with the readings dictionary cached in `cache` (never the real home's cache).
fn kizuna_cached(args: &[&str], cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kizuna"))
        .current_dir(project_root())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .env("KIZUNA_CACHE_DIR", cache)
        .args(args)
        .output()
        .expect("run kizuna")
}

#[test]
fn sample_content_passes_check_with_full_coverage() {
    // English (--lang en): the lines asserted are the English summary.
    let output = kizuna(&["check", "--today", "2026-11-26", "--lang", "en"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "kizuna check failed:\n{stdout}\n{stderr}");
    for track in ["maternity", "baby", "preschool", "school", "school-entry", "first-grade"] {
        let line = stdout.lines().find(|l| l.trim_start().starts_with(&format!("{track} "))).unwrap_or_default();
        assert!(line.ends_with("complete"), "{track}: {line:?}\n{stdout}");
    }
    let maternity = stdout.lines().find(|l| l.trim_start().starts_with("maternity ")).unwrap_or_default();
    assert!(maternity.contains(" 266 messages"), "{maternity}");
    assert!(stdout.contains("3 municipalities, 0 error(s)"), "{stdout}");
}

#[test]
fn preview_json_lists_a_familys_days_in_order() {
    // Due 2027-06-07: 2026-11-26 is 妊娠12週3日.
    let output = kizuna(&[
        "preview",
        "--today",
        "2026-11-26",
        "--municipality",
        "yumemino",
        "--due",
        "2027-06-07",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-28",
        "--json",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json array");
    let days: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| (i["date"].as_str().unwrap_or(""), i["id"].as_str().unwrap_or(""), i["label"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-26", "maternity/12w3d", "妊娠12週3日"),
            ("2026-11-27", "maternity/12w4d", "妊娠12週4日"),
            ("2026-11-28", "maternity/12w5d", "妊娠12週5日"),
        ]
    );
    assert!(items.iter().all(|i| !i["title"].as_str().unwrap_or("").is_empty()));
}

#[test]
fn preview_of_a_birth_shows_local_sections_and_announcements() {
    // Born 2026-12-28 in わたぼうし村: day 14 carries the village's 出生届 section.
    let output = kizuna(&[
        "preview",
        "--today",
        "2026-11-26",
        "--municipality",
        "watabooshi",
        "--birth",
        "2026-12-28",
        "--from",
        "2027-01-10",
        "--to",
        "2027-01-10",
        "--json",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json array");
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    assert!(ids.contains(&"baby/day-014"), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("local/")), "no local section on 生後14日目: {ids:?}");
}

#[test]
fn invalid_content_exits_non_zero_and_writes_nothing() {
    let content = tempfile::tempdir().expect("tempdir");
    std::fs::write(content.path().join("site.yaml"), "title: x\ndisclaimer: y\ntopics: [a]\nunknown: 1\n")
        .expect("write");
    let out = content.path().join("out");
    let output =
        kizuna(&["build", "--content", content.path().to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("site.yaml:4: 「unknown」という項目はここには書けません"), "{stderr}");
    assert!(stderr.contains("何も書き込んでいません"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_cache_folder_that_cannot_be_written_is_a_warning_in_japanese_and_the_build_goes_on() {
    let work = tempfile::tempdir().expect("tempdir");
    // A file where the folder should be: refused even to root (CI runs as root).
    let cache = work.path().join("cache");
    std::fs::write(&cache, "not a folder").expect("write");
    let content = project_root().join("generator/tests/fixtures/valid");
    let out = work.path().join("out");
    let args = ["build", "--today", "2026-11-26", "--content", content.to_str().expect("utf-8")];
    let output = kizuna_cached(&[&args[..], &["--out", out.to_str().expect("utf-8")]].concat(), &cache);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("kizuna: 警告: 読みの辞書を") && stderr.contains("キャッシュできません"), "{stderr}");
    assert!(stderr.contains("書き込めるフォルダーを環境変数 KIZUNA_CACHE_DIR に指定してください"), "{stderr}");
    assert!(out.join("testcity/pagefind/pagefind-entry.json").exists(), "the build indexed without the cache");
}

#[test]
fn help_explains_every_command() {
    let output = kizuna(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["build", "check", "preview", "serve"] {
        assert!(help.contains(command), "{help}");
    }
    let build_help = String::from_utf8_lossy(&kizuna(&["build", "--help"]).stdout).into_owned();
    assert!(build_help.contains("--production") && build_help.contains("refuses draft content"), "{build_help}");
}

#[test]
fn a_second_build_reads_the_dictionary_and_the_national_bundle_the_first_one_cached() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = work.path().join("cache");
    let content = project_root().join("generator/tests/fixtures/valid");
    let build = |out: &str| {
        let out = work.path().join(out);
        let args = ["build", "--today", "2026-11-26", "--content", content.to_str().expect("utf-8")];
        let output = kizuna_cached(&[&args[..], &["--out", out.to_str().expect("utf-8")]].concat(), &cache);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    let entries = |prefix: &str| -> Vec<PathBuf> {
        let listing = std::fs::read_dir(&cache).expect("the cache folder").map(|e| e.expect("entry").path());
        listing.filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix))).collect()
    };
    let dictionary = || {
        let found = entries("ipadic-");
        assert_eq!(found.len(), 1, "{found:?}");
        let metadata = found[0].metadata().expect("metadata");
        (found[0].clone(), metadata.ino(), metadata.len())
    };
    // National bundles of other content: one unused for 40 days, one used yesterday.
    let aged = |name: &str, days: u64| {
        let stamp = cache.join(name).join(".kizuna-search");
        std::fs::create_dir_all(stamp.parent().expect("folder")).expect("mkdir");
        std::fs::write(&stamp, "kizuna-search/3 other\n").expect("stamp");
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
        std::fs::File::options().write(true).open(&stamp).and_then(|f| f.set_modified(when)).expect("age");
        cache.join(name)
    };
    let (stale, recent) = (aged("national-0000", 40), aged("national-1111", 1));

    build("first");
    let first = dictionary();
    assert!(first.2 > 1_000_000, "a whole dictionary: {first:?}");
    let national: Vec<PathBuf> = entries("national-").into_iter().filter(|p| *p != recent).collect();
    let [national] = &national[..] else { panic!("one national bundle stored: {national:?}") };
    assert!(!stale.exists() && recent.exists(), "only the bundle unused for a month is removed");
    // Marked in the cache: a build that takes the bundle from there publishes the mark.
    let marked = national.join("pagefind-entry.json");
    std::fs::write(&marked, b"{\"marked\":true}").expect("mark");

    // Another output folder: the national bundle comes from the cache, and the municipality's own
    // index is made again with the readings read from the dictionary's entry (a compile would have
    // renamed a new file over it).
    build("second");
    assert_eq!(dictionary(), first);
    let read = |out: &str, path: &str| std::fs::read(work.path().join(out).join("testcity").join(path));
    assert_eq!(read("second", "pagefind-national/pagefind-entry.json").expect("copy"), b"{\"marked\":true}");
    assert_eq!(
        read("second", "pagefind/pagefind-entry.json").expect("own"),
        read("first", "pagefind/pagefind-entry.json").expect("own")
    );
}
