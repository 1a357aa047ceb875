//! One CSV file per table, UTF-8 with a byte-order mark so that Excel on Japanese Windows opens it
//! as UTF-8 rather than Shift_JIS; fields quoted as RFC 4180 says, lines ending in CRLF.

use crate::report::Table;

/// The byte-order mark Excel looks for.
pub const BOM: &str = "\u{feff}";

/// The table as CSV text (with the BOM).
pub fn render(table: &Table) -> String {
    let mut out = String::from(BOM);
    push_line(&mut out, table.columns.iter().map(String::as_str));
    for row in &table.rows {
        let cells: Vec<String> = row.cells.iter().map(|c| c.display()).collect();
        push_line(&mut out, std::iter::once(row.label.as_str()).chain(cells.iter().map(String::as_str)));
    }
    out
}

fn push_line<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (index, field) in fields.enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}
