//! The parts of the staff's cycle that need real office software (installed by scripts/office.sh,
//! which scripts/test.sh runs before `cargo test`): the 年度更新 workbook opened and saved again by
//! LibreOffice Calc imports exactly as exported. A missing soffice fails with how to install it.

use std::path::Path;
use std::process::Command;

use crate::staff_support::*;
use kizuna_generator::staff::import::ChangeKind;
use kizuna_generator::staff::workbook::{col, LOCAL_SHEET, NEW_SHEET};

fn soffice() -> &'static str {
    let found = Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "LibreOffice (soffice) is missing: run scripts/office.sh (apt-get install -y --no-install-recommends libreoffice-calc)"
    );
    "soffice"
}

/// `soffice --headless --convert-to xlsx`: LibreOffice Calc opens the workbook and saves it as .xlsx.
fn through_libreoffice(work: &Path, bytes: &[u8]) -> Vec<u8> {
    let input = work.join("in").join("workbook.xlsx");
    std::fs::create_dir_all(input.parent().expect("parent")).expect("mkdir");
    std::fs::write(&input, bytes).expect("write");
    let out = work.join("out");
    let profile = format!("-env:UserInstallation=file://{}", work.join("profile").display());
    let status = Command::new(soffice())
        .args([
            profile.as_str(),
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("run soffice");
    assert!(status.status.success(), "soffice failed: {}", String::from_utf8_lossy(&status.stderr));
    std::fs::read(out.join("workbook.xlsx")).expect("LibreOffice wrote the workbook")
}

#[test]
fn a_workbook_saved_by_libreoffice_calc_imports_identically() {
    let dir = fixture_copy();
    let work = tempfile::tempdir().expect("tempdir");
    let before = snapshot(dir.path());
    let saved = through_libreoffice(work.path(), &export_bytes(dir.path()));
    let unchanged = plan(dir.path(), &saved).unwrap_or_else(|p| panic!("{p:#?}"));
    assert!(unchanged.writes.is_empty(), "{:#?}", unchanged.writes);
    assert!(unchanged.changes.iter().all(|c| c.kind == ChangeKind::Unchanged), "{:#?}", unchanged.changes);
    assert_eq!(snapshot(dir.path()), before);

    // Edited, then saved by LibreOffice: the same change as from Excel's copy.
    let edited = resave(
        &export_bytes(dir.path()),
        &Save {
            edits: vec![
                (LOCAL_SHEET, 3, col::UNTIL, Value::Date(chrono::NaiveDate::from_ymd_opt(2028, 3, 31).expect("date"))),
                (NEW_SHEET, 1, col::CATEGORY, text("防災")),
                (NEW_SHEET, 1, col::TITLE, text("防災訓練")),
                (NEW_SHEET, 1, col::BODY, text("一行目\n\n二行目")),
                (NEW_SHEET, 1, col::WORDS, text("2027年9月1日")),
                (NEW_SHEET, 1, col::TRACKS, text("maternity, baby")),
            ],
            ..Save::default()
        },
    );
    let direct = plan(dir.path(), &edited).unwrap_or_else(|p| panic!("{p:#?}"));
    let via_calc = plan(dir.path(), &through_libreoffice(work.path(), &edited)).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(via_calc.writes, direct.writes);
    assert_eq!(direct.writes.len(), 2);
}

fn tool(name: &str, package: &str) -> String {
    let path = if name == "chromium" {
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
    } else {
        name.to_owned()
    };
    let found = Command::new(&path).arg("--version").output().is_ok_and(|o| o.status.success())
        || Command::new(&path).arg("-v").output().is_ok_and(|o| o.status.success());
    assert!(found, "{name} is missing: run scripts/office.sh (apt-get install -y {package})");
    path
}

fn pdf_text(pdf: &Path, page: usize) -> String {
    let output = Command::new(tool("pdftotext", "poppler-utils"))
        .args(["-layout", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_review_document_prints_on_a4_with_page_numbers_and_a_sign_off_block_per_part() {
    let dir = fixture_copy();
    let out = dir.path().join("public");
    let mut options = options(dir.path());
    options.municipalities.clear();
    let prepared = kizuna_generator::build::prepare(&options).unwrap_or_else(|d| panic!("{d}"));
    let mut sink = kizuna_generator::output::DirectorySink::new(&out, true);
    kizuna_generator::build::build(&prepared, &options, Some(&out), &mut sink).expect("build");
    sink.commit().expect("commit");

    let pdf = dir.path().join("review.pdf");
    let page = out.join(TOWN).join("review/index.html");
    let printed = Command::new(tool("chromium", "chromium"))
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", dir.path().join("chromium").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium");
    assert!(pdf.exists(), "Chromium printed nothing: {}", String::from_utf8_lossy(&printed.stderr));

    let info = Command::new(tool("pdfinfo", "poppler-utils")).arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("(A4)"), "not A4:\n{info}");
    let pages: usize =
        info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).expect("page count");
    assert!(pages >= 3, "contents and one part per track: {pages} pages");
    for number in 1..=pages {
        let text = pdf_text(&pdf, number);
        // The footer is "N / M" (pdftotext may drop the spaces).
        assert!(
            text.replace(' ', "").contains(&format!("{number}/{pages}")),
            "page {number} has no page number:\n{text}"
        );
    }
    let all: String = (1..=pages).map(|n| pdf_text(&pdf, n)).collect();
    assert!(all.contains("目次"), "{all}");
    // One sign-off block per part: maternity, baby and the dated announcements.
    assert_eq!(all.matches("確認者").count(), 3, "{all}");
    assert!(all.contains("【独自】"), "the town's own text is marked");
}
