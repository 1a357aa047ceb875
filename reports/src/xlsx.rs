//! The report's tables as one workbook: a first sheet with the title and every section's text and
//! definitions, then one sheet per table, numbers as numbers (shares formatted as percentages) so
//! staff can go on calculating with them.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::report::{Cell, Report, Table};

/// Excel's longest sheet name.
const SHEET_NAME_CHARS: usize = 31;

/// The workbook's bytes.
pub fn render(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let cover = workbook.add_worksheet();
    cover.set_name("概要")?;
    cover.set_column_width(0, 24)?;
    cover.set_column_width(1, 90)?;
    cover.write_string_with_format(0, 0, &report.title, &bold)?;
    let mut row = 1;
    for line in &report.subtitle {
        cover.write_string(row, 0, line)?;
        row += 1;
    }
    for section in &report.sections {
        row += 1;
        cover.write_string_with_format(row, 0, &section.heading, &bold)?;
        row += 1;
        for paragraph in &section.paragraphs {
            cover.write_string(row, 0, paragraph)?;
            row += 1;
        }
        for (term, definition) in &section.definitions {
            cover.write_string_with_format(row, 0, term, &bold)?;
            cover.write_string(row, 1, definition)?;
            row += 1;
        }
    }
    let mut names = vec!["概要".to_owned()];
    for table in report.tables() {
        let name = sheet_name(&table.caption, &names);
        names.push(name.clone());
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        write_table(sheet, table, &bold)?;
    }
    workbook.save_to_buffer()
}

fn write_table(sheet: &mut Worksheet, table: &Table, bold: &Format) -> Result<(), XlsxError> {
    let percent = Format::new().set_num_format("0.0%");
    sheet.write_string_with_format(0, 0, &table.caption, bold)?;
    for (col, heading) in (0u16..).zip(&table.columns) {
        sheet.write_string_with_format(1, col, heading, bold)?;
        sheet.set_column_width(col, if col == 0 { 16 } else { 14 })?;
    }
    for (row, values) in (2u32..).zip(&table.rows) {
        sheet.write_string(row, 0, &values.label)?;
        for (col, cell) in (1u16..).zip(&values.cells) {
            match cell {
                Cell::Count(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Share(Some(share)) => {
                    sheet.write_number_with_format(row, col, *share, &percent)?;
                }
                Cell::Share(None) => {
                    sheet.write_string(row, col, "—")?;
                }
                Cell::Text(text) => {
                    sheet.write_string(row, col, text)?;
                }
            }
        }
    }
    Ok(())
}

/// A sheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique in the workbook.
fn sheet_name(caption: &str, taken: &[String]) -> String {
    let clean: String =
        caption.chars().map(|c| if "[]:*?/\\".contains(c) { '・' } else { c }).take(SHEET_NAME_CHARS).collect();
    let mut name = clean.clone();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("({n})");
        name = clean.chars().take(SHEET_NAME_CHARS - suffix.chars().count()).collect::<String>() + &suffix;
        n += 1;
    }
    name
}
