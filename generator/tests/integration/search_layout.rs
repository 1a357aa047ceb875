//! The shared national search index (issue 22) through a real build: the base messages are
//! indexed once, with neutral words for the placeholders, and the same bundle is copied into every
//! archive; each archive indexes only its own pages (local items, overrides) and says in
//! `search.json` which national pages the browser must leave out. The browser side is
//! `tests/browser/search-shared.test.js`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use crate::support::{fixture_copy, options, write};
use kizuna_generator::build;
use kizuna_generator::output::DirectorySink;

fn build_with_search(content: &Path, out: &Path) {
    let mut options = options(content);
    options.search = true;
    let prepared = build::prepare(&options).unwrap_or_else(|d| panic!("fixture is invalid:\n{d}"));
    let mut sink = DirectorySink::new(out, true);
    build::build(&prepared, &options, Some(out), &mut sink).expect("build");
    sink.commit().expect("commit");
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let name = entry.path().strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
            (name, fs::read(entry.path()).expect("read"))
        })
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("json")
}

/// The text of every Pagefind fragment (gzip-compressed JSON) in a bundle folder, without the
/// zero-width spaces Pagefind puts between Japanese words.
fn fragments(bundle: &Path) -> String {
    let mut text = String::new();
    for (name, bytes) in files(&bundle.join("fragment")) {
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut decoded)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        text.push_str(&decoded);
    }
    text.replace('\u{200b}', "")
}

#[test]
fn base_messages_are_indexed_once_and_each_archive_indexes_only_its_own_pages() {
    let content = fixture_copy();
    // A second town: the same settings, no local information, no override.
    let settings = fs::read_to_string(content.path().join("municipalities/testcity/municipality.yaml")).expect("read");
    write(
        content.path(),
        "municipalities/othertown/municipality.yaml",
        &settings.replace("999901", "999902").replace("てすと市", "ほかの町").replace("/testcity/", "/othertown/"),
    );
    let out = tempfile::tempdir().expect("tempdir");
    build_with_search(content.path(), out.path());

    // One national bundle, byte for byte the same in both archives, with every base message.
    let national = files(&out.path().join("testcity/pagefind-national"));
    assert_eq!(national, files(&out.path().join("othertown/pagefind-national")));
    assert!(national.contains_key("pagefind.js"), "each archive can host its search alone");
    // Stored once on disk: each file of one archive's copy is the other's (hard links).
    for name in national.keys() {
        use std::os::unix::fs::MetadataExt;
        let inode =
            |town: &str| fs::metadata(out.path().join(town).join("pagefind-national").join(name)).expect("meta").ino();
        assert_eq!(inode("testcity"), inode("othertown"), "{name}");
    }
    let entry = json(&out.path().join("testcity/pagefind-national/pagefind-entry.json"));
    assert_eq!(entry["languages"]["ja"]["page_count"], 5, "{entry}");
    // Placeholders read as neutral words there, never as one town's settings.
    let text = fragments(&out.path().join("testcity/pagefind-national"));
    assert!(text.contains("お住まいの市区町村"), "{text}");
    assert!(!text.contains("てすと市") && !text.contains("ほかの町"), "{text}");

    // testcity's own bundle: its override and its local pages, no base message.
    let config = json(&out.path().join("testcity/search.json"));
    assert_eq!(config["national"], "pagefind-national/");
    assert_eq!(config["own"], "pagefind/");
    assert_eq!(config["tracks"], serde_json::json!(["maternity", "baby", "local"]));
    assert_eq!(config["excluded"], serde_json::json!(["maternity/12w4d"]));
    let own = json(&out.path().join("testcity/pagefind/pagefind-entry.json"));
    assert_eq!(own["languages"]["ja"]["page_count"], 5, "12w4d and the four current local pages: {own}");
    let own_files = files(&out.path().join("testcity/pagefind"));
    assert!(!own_files.contains_key("pagefind.js"), "the search API comes with the national bundle");
    let own_text = fragments(&out.path().join("testcity/pagefind"));
    assert!(own_text.contains("/maternity/12w4d/") && own_text.contains("/local/bousai/"), "{own_text}");
    assert!(!own_text.contains("/maternity/12w3d/"), "a base message is not indexed again: {own_text}");

    // othertown sends every base message as it is: nothing of its own, nothing left out.
    let config = json(&out.path().join("othertown/search.json"));
    assert_eq!(config.get("own"), None, "{config}");
    assert_eq!(config["excluded"], serde_json::json!([]));
    assert!(!out.path().join("othertown/pagefind").exists());
}
