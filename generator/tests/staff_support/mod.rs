//! Shared by the staff-workbook tests: a fixture town in a temporary folder, export and import
//! through the library, and an "office worker" that opens a workbook, edits cells and saves it
//! again (calamine to read every cell, rust_xlsxwriter to write them back).

#![allow(dead_code)] // each test binary uses its own part

use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use kizuna_generator::build::BuildOptions;
use kizuna_generator::staff::{export, import, town};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub const TOWN: &str = "testcity";

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
}

/// The valid fixture copied into a temporary folder (`<tmp>/content`).
pub fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk fixture");
        let target = dir.path().join("content").join(entry.path().strip_prefix(&from).expect("inside"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
    dir
}

pub fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        content_dir: root.join("content"),
        theme_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../site-theme"),
        municipalities: vec![TOWN.to_owned()],
        base_url: None,
        production: false,
        build_date: today(),
        progress: false,
        search: false,
    }
}

pub fn load(root: &Path) -> town::Town {
    town::load(&options(root), TOWN).unwrap_or_else(|d| panic!("fixture is invalid:\n{d}"))
}

/// Exports the fixture town's workbook for fiscal year 2027.
pub fn export_bytes(root: &Path) -> Vec<u8> {
    let town = load(root);
    let input = export::ExportInput {
        content: &town.content,
        municipality: &town.municipality,
        fiscal_year: 2027,
        manuscripts: &town.manuscripts,
    };
    export::export(&input).expect("export")
}

/// Plans an import of `bytes` into the town under `root`.
pub fn plan(root: &Path, bytes: &[u8]) -> Result<import::Plan, Vec<String>> {
    let town = load(root);
    let input = import::ImportInput {
        content: &town.content,
        municipality: &town.municipality,
        manuscripts: &town.manuscripts,
        bytes,
    };
    import::plan(&input, &town.dir)
}

/// Every file under `root` with its bytes.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), fs::read(e.path()).expect("read")))
        .collect()
}

/// A value an office worker types.
#[derive(Clone, Debug)]
pub enum Value {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Formula(String),
    Empty,
}

pub fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

/// How the worker saves the workbook.
#[derive(Clone, Debug, Default)]
pub struct Save {
    /// (sheet, row, column) → value, 0-based.
    pub edits: Vec<(&'static str, u32, u16, Value)>,
    /// Sheets renamed (old → new).
    pub renames: Vec<(&'static str, &'static str)>,
    /// Sheets added.
    pub extra_sheets: Vec<&'static str>,
    /// (sheet, row) hidden.
    pub hidden_rows: Vec<(&'static str, u32)>,
    /// (sheet, first row, first col, last row, last col) merged.
    pub merged: Vec<(&'static str, u32, u16, u32, u16)>,
    /// (sheet, column) deleted (later columns move left).
    pub deleted_columns: Vec<(&'static str, u16)>,
    /// Sheets hidden.
    pub hidden_sheets: Vec<&'static str>,
    /// Saved in the 1904 date system (Excel for Mac's old default): date serials count from 1904-01-01.
    pub date1904: bool,
}

/// Opens `bytes`, applies `save`, and saves a new workbook (values only, as a worker's copy).
pub fn resave(bytes: &[u8], save: &Save) -> Vec<u8> {
    let mut source = Xlsx::new(Cursor::new(bytes.to_vec())).expect("readable workbook");
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy/m/d");
    for name in source.sheet_names() {
        let range = source.worksheet_range(&name).expect("sheet");
        let mut cells: BTreeMap<(u32, u16), Value> = BTreeMap::new();
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, column, data) in range.used_cells() {
            let value = match data {
                Data::String(s) => Value::Text(s.clone()),
                Data::Float(f) => Value::Number(*f),
                Data::Int(i) => Value::Number(*i as f64),
                Data::DateTime(d) => Value::Date(d.as_datetime().expect("date").date()),
                other => Value::Text(other.to_string()),
            };
            cells.insert((top + row as u32, (left + column as u32) as u16), value);
        }
        for (sheet, row, column, value) in &save.edits {
            if *sheet == name {
                cells.insert((*row, *column), value.clone());
            }
        }
        for (sheet, deleted) in &save.deleted_columns {
            if *sheet == name {
                cells = cells
                    .into_iter()
                    .filter(|((_, c), _)| c != deleted)
                    .map(|((r, c), v)| ((r, if c > *deleted { c - 1 } else { c }), v))
                    .collect();
            }
        }
        let new_name = save.renames.iter().find(|(old, _)| *old == name).map_or(name.as_str(), |(_, new)| new);
        let sheet = workbook.add_worksheet();
        sheet.set_name(new_name).expect("name");
        for ((row, column), value) in cells {
            match value {
                Value::Text(s) => sheet.write_string(row, column, s).map(|_| ()),
                Value::Number(n) => sheet.write_number(row, column, n).map(|_| ()),
                Value::Date(d) if save.date1904 => {
                    let epoch = NaiveDate::from_ymd_opt(1904, 1, 1).expect("epoch");
                    sheet.write_number_with_format(row, column, (d - epoch).num_days() as f64, &date_format).map(|_| ())
                }
                Value::Date(d) => {
                    let date = ExcelDateTime::parse_from_str(&d.to_string()).expect("date");
                    sheet.write_datetime_with_format(row, column, &date, &date_format).map(|_| ())
                }
                Value::Formula(f) => sheet.write_formula(row, column, f.as_str()).map(|_| ()),
                Value::Empty => Ok(()),
            }
            .expect("write cell");
        }
        for (sheet_name, row) in &save.hidden_rows {
            if *sheet_name == name {
                sheet.set_row_hidden(*row).expect("hide");
            }
        }
        if save.hidden_sheets.contains(&name.as_str()) {
            sheet.set_hidden(true);
        }
        for (sheet_name, r1, c1, r2, c2) in &save.merged {
            if *sheet_name == name {
                sheet.merge_range(*r1, *c1, *r2, *c2, "", &Format::new()).expect("merge");
            }
        }
    }
    for extra in &save.extra_sheets {
        workbook.add_worksheet().set_name(*extra).expect("name");
    }
    let bytes = workbook.save_to_buffer().expect("save");
    if save.date1904 {
        with_1904_dates(&bytes)
    } else {
        bytes
    }
}

/// The same workbook declaring the 1904 date system (`<workbookPr date1904="1">`).
fn with_1904_dates(bytes: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("entry");
        let name = file.name().to_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("read entry");
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(content).expect("utf-8");
            assert!(text.contains("<workbookPr "), "{text}");
            content = text.replace("<workbookPr ", "<workbookPr date1904=\"1\" ").into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
        out.write_all(&content).expect("write entry");
    }
    out.finish().expect("finish").into_inner()
}
