//! Reading a staff workbook with calamine, as Excel or LibreOffice Calc saved it, into plain cell
//! values — refusing, with the place and what to do, what the import cannot trust: a file that is
//! not a workbook, missing, renamed or extra sheets, hidden rows or sheets, merged cells and formulas.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, SheetVisible, Xlsx};
use chrono::NaiveDate;

use super::workbook::{cell_ref, column_letters, SHEETS};

/// One cell's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A number (also a date typed as a plain number).
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
    /// Anything else (TRUE/FALSE, #N/A): shown as it was.
    Other(String),
}

impl Cell {
    /// The cell as text, as staff see it (numbers without a needless `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) | Cell::Other(text) => text.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(date) => date.format("%Y/%m/%d").to_string(),
        }
    }

    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim_matches([' ', '\u{3000}', '\n', '\r', '\t']).is_empty(),
            _ => false,
        }
    }
}

/// A sheet as a grid of cells, (row, column) from A1 = (0, 0).
#[derive(Clone, Debug, Default)]
pub struct Grid {
    cells: BTreeMap<(u32, u16), Cell>,
    /// The last row that has anything.
    pub last_row: u32,
}

impl Grid {
    /// The cell at (row, column).
    pub fn get(&self, row: u32, column: u16) -> &Cell {
        self.cells.get(&(row, column)).unwrap_or(&Cell::Empty)
    }

    /// Whether a row has no value at all.
    pub fn row_is_blank(&self, row: u32) -> bool {
        self.cells.range((row, 0)..=(row, u16::MAX)).all(|(_, cell)| cell.is_blank())
    }
}

/// What is wrong with the workbook's layout: missing, extra or hidden sheets, merged cells.
fn layout_problems(workbook: &mut Xlsx<Cursor<&[u8]>>, names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for expected in SHEETS {
        if !names.iter().any(|name| name == expected) {
            problems.push(format!(
                "シート「{expected}」がありません。シート名を変えた場合は「{expected}」に戻してください"
            ));
        }
    }
    for name in names {
        if !SHEETS.contains(&name.as_str()) {
            problems.push(format!(
                "シート「{name}」はこのブックにないはずのシートです。削除するか、名前を変えたシートなら元の名前に戻してください"
            ));
        }
    }
    for sheet in workbook.sheets_metadata() {
        if sheet.visible != SheetVisible::Visible && SHEETS.contains(&sheet.name.as_str()) {
            problems.push(format!("シート「{}」が非表示です。再表示してから保存してください", sheet.name));
        }
    }
    if let Err(error) = workbook.load_merged_regions() {
        problems.push(format!("セルの結合を読み取れません（{error}）"));
    }
    for (sheet, _, dimensions) in workbook.merged_regions() {
        if SHEETS.contains(&sheet.as_str()) {
            problems.push(format!(
                "{}:{}{} が結合されています。セルの結合を解除してください",
                cell_ref(sheet, dimensions.start.0, dimensions.start.1 as u16),
                column_letters(dimensions.end.1 as u16),
                dimensions.end.0 + 1
            ));
        }
    }
    problems
}

/// The sheets of a workbook by name, or every problem that makes it unreadable.
pub fn read_workbook(bytes: &[u8]) -> Result<BTreeMap<String, Grid>, Vec<String>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| {
        vec![format!(
            "このファイルはExcelのブック（.xlsx）として読めません（{error}）。kizuna local export で作ったブックを、Excel または LibreOffice Calc で「Excel ブック (.xlsx)」として保存してください"
        )]
    })?;
    let names = workbook.sheet_names();
    let mut problems = layout_problems(&mut workbook, &names);
    let hidden = hidden_rows(bytes);
    let mut grids = BTreeMap::new();
    for name in SHEETS.iter().filter(|s| names.iter().any(|n| n == *s)) {
        for row in hidden.get(*name).into_iter().flatten() {
            problems.push(format!(
                "{}: 行 {} が非表示です。再表示して内容を確かめてから保存してください",
                name,
                row + 1
            ));
        }
        if let Ok(formulas) = workbook.worksheet_formula(name) {
            for (row, column, formula) in formulas.used_cells() {
                if !formula.is_empty() {
                    let (top, left) = formulas.start().unwrap_or((0, 0));
                    problems.push(format!(
                        "{} に数式（={formula}）があります。数式ではなく値を入力してください",
                        cell_ref(name, top + row as u32, (left + column as u32) as u16)
                    ));
                }
            }
        }
        match workbook.worksheet_range(name) {
            Ok(range) => {
                let (top, left) = range.start().unwrap_or((0, 0));
                let mut grid = Grid::default();
                for (row, column, data) in range.used_cells() {
                    let (row, column) = (top + row as u32, (left + column as u32) as u16);
                    grid.last_row = grid.last_row.max(row);
                    grid.cells.insert((row, column), cell(data));
                }
                grids.insert((*name).to_owned(), grid);
            }
            Err(error) => problems.push(format!("シート「{name}」を読めません（{error}）")),
        }
    }
    if problems.is_empty() {
        Ok(grids)
    } else {
        Err(problems)
    }
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Float(n) => Cell::Number(*n),
        Data::Int(n) => Cell::Number(*n as f64),
        // calamine applies the workbook's date system (1900 or 1904) when converting.
        Data::DateTime(value) => {
            value.as_datetime().map_or_else(|| Cell::Other(value.to_string()), |d| Cell::Date(d.date()))
        }
        Data::DateTimeIso(text) => {
            text.get(..10).and_then(|d| d.parse().ok()).map_or_else(|| Cell::Text(text.clone()), Cell::Date)
        }
        Data::Bool(value) => Cell::Other(if *value { "TRUE".to_owned() } else { "FALSE".to_owned() }),
        Data::DurationIso(text) => Cell::Other(text.clone()),
        Data::Error(error) => Cell::Other(format!("#{error:?}")),
    }
}

/// Hidden rows per sheet name (0-based), read from the sheet XML: calamine does not report them,
/// and a hidden row would be imported without anyone having seen it.
fn hidden_rows(bytes: &[u8]) -> BTreeMap<String, Vec<u32>> {
    let mut result = BTreeMap::new();
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return result };
    let mut read = |path: &str| -> Option<String> {
        let mut text = String::new();
        archive.by_name(path).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let (Some(workbook), Some(relations)) = (read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels")) else {
        return result;
    };
    let targets: BTreeMap<String, String> = elements(&relations, "Relationship")
        .filter_map(|e| Some((attribute(e, "Id")?, attribute(e, "Target")?)))
        .collect();
    for sheet in elements(&workbook, "sheet") {
        let (Some(name), Some(id)) = (attribute(sheet, "name"), attribute(sheet, "r:id")) else { continue };
        let Some(target) = targets.get(&id) else { continue };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_owned(),
            None => format!("xl/{target}"),
        };
        let Some(xml) = read(&path) else { continue };
        let rows: Vec<u32> = elements(&xml, "row")
            .filter(|row| matches!(attribute(row, "hidden").as_deref(), Some("1" | "true")))
            .filter_map(|row| attribute(row, "r")?.parse::<u32>().ok())
            .map(|r| r.saturating_sub(1))
            .collect();
        if !rows.is_empty() {
            result.insert(unescape(&name), rows);
        }
    }
    result
}

/// The start tags `<name …>` of an XML text (attributes only; enough for these flat files).
fn elements<'x>(xml: &'x str, name: &str) -> std::vec::IntoIter<&'x str> {
    let open = format!("<{name}");
    let mut tags = Vec::new();
    for (at, _) in xml.match_indices(open.as_str()) {
        let rest = &xml[at + open.len()..];
        if rest.starts_with([' ', '>', '/', '\n', '\t', '\r']) {
            tags.push(&rest[..rest.find('>').unwrap_or(rest.len())]);
        }
    }
    tags.into_iter()
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let pattern = format!(" {name}=\"");
    let at = tag.find(&pattern).or_else(|| tag.find(&format!("\n{name}=\"")))? + pattern.len();
    let value = &tag[at..];
    Some(value[..value.find('"')?].to_owned())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}
