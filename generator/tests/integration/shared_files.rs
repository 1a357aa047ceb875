//! Files shared by every archive (the national search bundle, issue 22) through the real
//! directory writer: stored once and hard-linked, still ordinary files to anyone who copies one
//! archive alone, never changed under another archive by a later build, and copied where a link
//! cannot be made.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use kizuna_generator::output::{DirectorySink, SharedFile, Sink, WriteSummary};
use kizuna_generator::render::OutputFile;

use crate::support::copy_tree;

const TOWNS: [&str; 3] = ["a", "b", "c"];

fn shared(town: &str, bundle: &[(&str, Arc<[u8]>)]) -> Vec<SharedFile> {
    bundle
        .iter()
        .map(|(name, bytes)| SharedFile { path: format!("{town}/national/{name}"), bytes: Arc::clone(bytes) })
        .collect()
}

fn own(town: &str) -> Vec<OutputFile> {
    vec![OutputFile { path: format!("{town}/index.html"), bytes: format!("<h1>{town}</h1>").into_bytes() }]
}

/// Writes every town with the shared `bundle` and commits.
fn write(out: &Path, bundle: &[(&str, Arc<[u8]>)]) -> WriteSummary {
    let mut sink = DirectorySink::new(out, true);
    for town in TOWNS {
        sink.accept_with_shared(town, own(town), &shared(town, bundle)).expect("accept");
    }
    sink.commit().expect("commit")
}

fn bundle(version: &str) -> Vec<(&'static str, Arc<[u8]>)> {
    vec![
        ("pagefind.js", Arc::from(format!("api {version}").into_bytes())),
        ("fragment/ja_1.pf_fragment", Arc::from(format!("fragment {version}").into_bytes())),
    ]
}

#[test]
fn a_shared_file_is_stored_once_and_every_archive_links_to_it() {
    let out = tempfile::tempdir().expect("tempdir");
    let summary = write(out.path(), &bundle("1"));
    assert_eq!((summary.produced, summary.written, summary.linked), (9, 9, 4), "{summary:?}");
    for name in ["pagefind.js", "fragment/ja_1.pf_fragment"] {
        let metas: Vec<fs::Metadata> =
            TOWNS.iter().map(|t| fs::metadata(out.path().join(t).join("national").join(name)).expect("meta")).collect();
        assert!(metas.iter().all(|m| m.ino() == metas[0].ino() && m.nlink() == 3), "{name} is one file");
    }

    // An unchanged rebuild writes nothing.
    let again = write(out.path(), &bundle("1"));
    assert_eq!((again.written, again.unchanged, again.removed), (0, 9, 0), "{again:?}");

    // One archive copied alone is whole: ordinary files with the bytes.
    let alone = tempfile::tempdir().expect("tempdir");
    copy_tree(&out.path().join("b"), alone.path());
    assert_eq!(fs::read(alone.path().join("national/pagefind.js")).expect("copied"), b"api 1");
    assert_eq!(fs::metadata(alone.path().join("national/pagefind.js")).expect("meta").nlink(), 1);

    // A new bundle replaces every copy (through new files: the old inode is left to its readers).
    let old = fs::metadata(out.path().join("a/national/pagefind.js")).expect("meta").ino();
    let kept = out.path().join("kept-by-a-reader");
    fs::hard_link(out.path().join("a/national/pagefind.js"), &kept).expect("link");
    let changed = write(out.path(), &bundle("2"));
    assert_eq!((changed.written, changed.linked, changed.unchanged), (6, 4, 3), "{changed:?}");
    for town in TOWNS {
        let path = out.path().join(town).join("national/pagefind.js");
        assert_eq!(fs::read(&path).expect("read"), b"api 2", "{town}");
        assert_ne!(fs::metadata(&path).expect("meta").ino(), old);
    }
    assert_eq!(fs::read(&kept).expect("read"), b"api 1", "a build never writes into a file in place");
}

#[test]
fn a_copy_replaced_or_edited_in_the_output_is_rewritten() {
    let out = tempfile::tempdir().expect("tempdir");
    write(out.path(), &bundle("1"));
    let path = |town: &str, name: &str| out.path().join(town).join(name);
    let shared_inode = fs::metadata(path("a", "national/pagefind.js")).expect("meta").ino();

    // b's copy replaced by a new file with other bytes (no longer the shared inode), and c's own
    // page edited in place: a rebuild compares them and writes both back.
    fs::remove_file(path("b", "national/pagefind.js")).expect("remove");
    fs::write(path("b", "national/pagefind.js"), "api 1, edited").expect("replace");
    fs::write(path("c", "index.html"), "<h1>edited</h1>").expect("edit");
    let again = write(out.path(), &bundle("1"));
    assert_eq!((again.written, again.linked, again.unchanged), (2, 1, 7), "{again:?}");
    assert_eq!(fs::read(path("b", "national/pagefind.js")).expect("read"), b"api 1");
    assert_eq!(fs::read(path("c", "index.html")).expect("read"), b"<h1>c</h1>");
    let metas: Vec<fs::Metadata> =
        TOWNS.iter().map(|t| fs::metadata(path(t, "national/pagefind.js")).expect("meta")).collect();
    assert!(metas.iter().all(|m| m.ino() == shared_inode), "b's copy is linked to the others again");

    // The shared file edited in place: every archive's copy (one inode) has other bytes now, and
    // the first archive's is read and compared, so all three are rewritten.
    fs::write(path("a", "national/fragment/ja_1.pf_fragment"), "fragment 1, edited").expect("edit");
    let third = write(out.path(), &bundle("1"));
    assert_eq!((third.written, third.unchanged), (3, 6), "{third:?}");
    for town in TOWNS {
        assert_eq!(fs::read(path(town, "national/fragment/ja_1.pf_fragment")).expect("read"), b"fragment 1", "{town}");
    }
}

#[test]
fn a_link_in_a_folder_on_the_way_is_refused() {
    let out = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    write(out.path(), &bundle("1"));
    // A folder deep inside one archive, and one folder of another archive's own pages, made links
    // to a folder outside: the folders of a batch are checked once, every one of them still is.
    for (link, town, files) in [("b/national/fragment", "b", own("b")), ("c", "c", own("c"))] {
        let path = out.path().join(link);
        fs::remove_dir_all(&path).expect("remove the folder");
        std::os::unix::fs::symlink(elsewhere.path(), &path).expect("symlink");
        let mut sink = DirectorySink::new(out.path(), true);
        let error = sink.accept_with_shared(town, files, &shared(town, &bundle("2"))).expect_err("refused");
        let name = Path::new(link).file_name().expect("name").to_string_lossy().into_owned();
        assert!(error.to_string().contains(&format!("{name} is a symbolic link")), "{error}");
        sink.abort();
        fs::remove_file(&path).expect("unlink");
    }
    assert_eq!(fs::read_dir(elsewhere.path()).expect("list").count(), 0, "nothing written outside");
}

#[test]
fn a_copy_is_written_where_the_file_cannot_be_linked() {
    let out = tempfile::tempdir().expect("tempdir");
    let bundle = bundle("1");
    let mut sink = DirectorySink::new(out.path(), true);
    sink.accept_with_shared("a", own("a"), &shared("a", &bundle)).expect("accept a");
    // The copy the others would link to is gone (as on another file system, or past the link limit).
    fs::remove_file(out.path().join(".kizuna-staging/a/national/pagefind.js")).expect("remove the staged original");
    sink.accept_with_shared("b", own("b"), &shared("b", &bundle)).expect("accept b");
    let summary = sink.commit().expect("commit");
    assert_eq!(summary.linked, 1, "only the fragment could be linked: {summary:?}");
    let copy = out.path().join("b/national/pagefind.js");
    assert_eq!(fs::read(&copy).expect("read"), b"api 1");
    assert_eq!(fs::metadata(&copy).expect("meta").nlink(), 1);
}

#[test]
fn a_failed_build_leaves_no_shared_file_behind() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut sink = DirectorySink::new(out.path(), true);
    sink.accept_with_shared("a", own("a"), &shared("a", &bundle("1"))).expect("accept");
    sink.abort();
    let left: Vec<_> = walkdir::WalkDir::new(out.path())
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
