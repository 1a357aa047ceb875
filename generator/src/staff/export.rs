//! `kizuna local export`: the town's local information as an Excel workbook for the yearly update
//! (年度更新), written with rust_xlsxwriter.
//!
//! Sheets: 自治体情報 (one row per item), 新規 (new items), 原稿確認 (every manuscript the town sends,
//! for sign-off) and 記入のしかた (what every column means; it also names the municipality and the
//! fiscal year, which the import checks). Only the cells staff may change are unlocked; the id and
//! the machine timing are locked so a row always finds its file again.

use rust_xlsxwriter::{
    Color, DataValidation, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::signoff::Manuscript;
use super::timing::{self, Timing};
use super::workbook::{
    col, fiscal_year_start, LocalRow, NextYear, GUIDE_SHEET, LOCAL_COLUMNS, LOCAL_SHEET, META_FISCAL_YEAR,
    META_MUNICIPALITY, NEW_SHEET, REVIEW_COLUMNS, REVIEW_SHEET, VERDICTS,
};
use crate::content::{Content, MunicipalityContent};
use crate::validate::CATEGORIES;

/// Rows 新規 offers for new items (with drop-downs and unlocked cells).
const NEW_ROWS: u32 = 50;

/// What the workbook is made of.
#[derive(Debug)]
pub struct ExportInput<'a> {
    /// All content (for the titles of the messages sections attach to).
    pub content: &'a Content,
    /// The town.
    pub municipality: &'a MunicipalityContent,
    /// The fiscal year being prepared (the one after today's by default).
    pub fiscal_year: i32,
    /// Every manuscript the town sends, in delivery order (for 原稿確認).
    pub manuscripts: &'a [Manuscript],
}

/// The rows of 自治体情報: every item still valid in the current fiscal year or later.
pub fn exported_rows(municipality: &MunicipalityContent, fiscal_year: i32) -> Vec<LocalRow> {
    let current_start = fiscal_year_start(fiscal_year - 1);
    municipality
        .local
        .iter()
        .map(|(stem, file)| LocalRow::from_file(stem, &file.value))
        .filter(|row| row.until.is_none() || current_start.is_none() || row.until >= current_start)
        .collect()
}

/// Writes the workbook into memory.
pub fn export(input: &ExportInput<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let name = &input.municipality.file.value.name;
    let header = format!("&L{name}　地域情報&R{}年度", input.fiscal_year);

    let sheet = workbook.add_worksheet();
    sheet.set_name(LOCAL_SHEET)?;
    local_sheet(sheet, &formats, &header)?;
    let rows = exported_rows(input.municipality, input.fiscal_year);
    for (index, row) in rows.iter().enumerate() {
        write_row(sheet, &formats, input.content, index as u32 + 1, row)?;
    }
    add_validations(sheet, rows.len().max(1) as u32)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(NEW_SHEET)?;
    local_sheet(sheet, &formats, &header)?;
    add_validations(sheet, NEW_ROWS)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(REVIEW_SHEET)?;
    review_sheet(sheet, &formats, &header, input.manuscripts)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(GUIDE_SHEET)?;
    guide_sheet(sheet, &formats, &input.municipality.id, input.fiscal_year)?;
    workbook.save_to_buffer()
}

struct Formats {
    header: Format,
    locked: Format,
    text: Format,
    wrapped: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xFFE8CC))
                .set_text_wrap(),
            locked: cell.clone().set_background_color(Color::RGB(0xEEEEEE)).set_text_wrap(),
            text: cell.clone().set_unlocked(),
            wrapped: cell.clone().set_unlocked().set_text_wrap(),
            date: cell.set_unlocked().set_num_format("yyyy/m/d"),
        }
    }
}

/// Header, widths, frozen header row, protection and print setup of 自治体情報 and 新規.
fn local_sheet(sheet: &mut Worksheet, formats: &Formats, header: &str) -> Result<(), XlsxError> {
    const WIDTHS: [f64; 12] = [20.0, 14.0, 28.0, 60.0, 22.0, 24.0, 16.0, 12.0, 12.0, 8.0, 16.0, 24.0];
    for (column, ((title, _), width)) in LOCAL_COLUMNS.iter().zip(WIDTHS).enumerate() {
        let column = column as u16;
        sheet.write_string_with_format(0, column, *title, &formats.header)?;
        sheet.set_column_width(column, width)?;
        let editable = !matches!(column, col::ID | col::MACHINE);
        let format = match column {
            col::BODY | col::MEMO | col::TITLE | col::WORDS => &formats.wrapped,
            col::FROM | col::UNTIL => &formats.date,
            _ if editable => &formats.text,
            _ => &formats.locked,
        };
        sheet.set_column_format(column, format)?;
    }
    print_setup(sheet, header)
}

fn print_setup(sheet: &mut Worksheet, header: &str) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    sheet.protect();
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_header(header);
    sheet.set_footer("&C&P / &N");
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    formats: &Formats,
    content: &Content,
    row: u32,
    item: &LocalRow,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, col::ID, &item.id, &formats.locked)?;
    sheet.write_string_with_format(row, col::CATEGORY, &item.category, &formats.text)?;
    sheet.write_string_with_format(row, col::TITLE, &item.title, &formats.wrapped)?;
    sheet.write_string_with_format(row, col::BODY, &item.body, &formats.wrapped)?;
    if let Some(timing) = &item.timing {
        let title = match timing {
            Timing::AttachTo(id) => content.message(id).map(|(_, m)| m.value.title.as_str()),
            Timing::When(_) => None,
        };
        sheet.write_string_with_format(row, col::WORDS, timing::words(timing, title), &formats.wrapped)?;
        sheet.write_string_with_format(row, col::MACHINE, timing::machine(timing), &formats.locked)?;
    }
    let tracks: Vec<&str> = item.tracks.iter().map(|t| t.as_str()).collect();
    sheet.write_string_with_format(row, col::TRACKS, tracks.join(", "), &formats.text)?;
    for (column, date) in [(col::FROM, item.from), (col::UNTIL, item.until)] {
        if let Some(date) = date {
            let value = ExcelDateTime::from_ymd(
                u16::try_from(chrono::Datelike::year(&date)).unwrap_or(1900),
                chrono::Datelike::month(&date) as u8,
                chrono::Datelike::day(&date) as u8,
            )?;
            sheet.write_datetime_with_format(row, column, &value, &formats.date)?;
        }
    }
    sheet.write_string_with_format(row, col::NEXT_YEAR, NextYear::Continue.label(), &formats.text)?;
    sheet.write_string_with_format(row, col::DEPARTMENT, &item.department, &formats.text)?;
    sheet.write_string_with_format(row, col::MEMO, &item.memo, &formats.wrapped)?;
    Ok(())
}

/// Drop-downs for 区分 and 来年度 on rows 1..=rows.
fn add_validations(sheet: &mut Worksheet, rows: u32) -> Result<(), XlsxError> {
    let categories = DataValidation::new().allow_list_strings(&CATEGORIES)?;
    sheet.add_data_validation(1, col::CATEGORY, rows, col::CATEGORY, &categories)?;
    let choices: Vec<&str> = NextYear::ALL.iter().map(|n| n.label()).collect();
    let next_year = DataValidation::new().allow_list_strings(&choices)?;
    sheet.add_data_validation(1, col::NEXT_YEAR, rows, col::NEXT_YEAR, &next_year)?;
    Ok(())
}

fn review_sheet(
    sheet: &mut Worksheet,
    formats: &Formats,
    header: &str,
    manuscripts: &[Manuscript],
) -> Result<(), XlsxError> {
    const WIDTHS: [f64; 8] = [24.0, 20.0, 36.0, 18.0, 10.0, 30.0, 16.0, 12.0];
    for (column, (title, width)) in REVIEW_COLUMNS.iter().zip(WIDTHS).enumerate() {
        let column = column as u16;
        sheet.write_string_with_format(0, column, *title, &formats.header)?;
        sheet.set_column_width(column, width)?;
        let format = match column {
            0..=3 => &formats.locked,
            7 => &formats.date,
            _ => &formats.wrapped,
        };
        sheet.set_column_format(column, format)?;
    }
    for (index, manuscript) in manuscripts.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string_with_format(row, 0, &manuscript.id, &formats.locked)?;
        sheet.write_string_with_format(row, 1, &manuscript.when, &formats.locked)?;
        sheet.write_string_with_format(row, 2, &manuscript.title, &formats.locked)?;
        sheet.write_string_with_format(row, 3, &manuscript.hash, &formats.locked)?;
    }
    let verdicts = DataValidation::new().allow_list_strings(&VERDICTS)?;
    let last = manuscripts.len().max(1) as u32;
    sheet.add_data_validation(1, super::workbook::review_col::VERDICT, last, 4, &verdicts)?;
    print_setup(sheet, header)
}

fn guide_sheet(sheet: &mut Worksheet, formats: &Formats, id: &str, fiscal_year: i32) -> Result<(), XlsxError> {
    sheet.set_column_width(0, 22.0)?;
    sheet.set_column_width(1, 90.0)?;
    sheet.write_string_with_format(META_MUNICIPALITY.0, 0, "自治体ID", &formats.header)?;
    sheet.write_string_with_format(META_MUNICIPALITY.0, META_MUNICIPALITY.1, id, &formats.locked)?;
    sheet.write_string_with_format(META_FISCAL_YEAR.0, 0, "年度", &formats.header)?;
    sheet.write_number_with_format(META_FISCAL_YEAR.0, META_FISCAL_YEAR.1, f64::from(fiscal_year), &formats.locked)?;
    let mut row = 3;
    let mut line = |sheet: &mut Worksheet, a: &str, b: &str| -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, 0, a, &formats.locked)?;
        sheet.write_string_with_format(row, 1, b, &formats.locked)?;
        row += 1;
        Ok(())
    };
    line(
        sheet,
        "この表の使い方",
        &format!("{fiscal_year}年度の地域情報を確認し、変わるところを書き込んで返送してください。"),
    )?;
    line(
        sheet,
        "",
        &format!(
            "「{LOCAL_SHEET}」は今ある項目、「{NEW_SHEET}」は新しい項目、「{REVIEW_SHEET}」は届く原稿の確認です。"
        ),
    )?;
    line(
        sheet,
        "",
        "灰色のセルは変更できません。行や列の追加・削除、シート名の変更、セルの結合、数式は使わないでください。",
    )?;
    line(sheet, "", "")?;
    line(sheet, "列", "書き方")?;
    for (title, meaning) in LOCAL_COLUMNS {
        line(sheet, title, meaning)?;
    }
    line(sheet, "", "")?;
    line(sheet, "届く時期の書き方", "例")?;
    for (form, example) in TIMING_VOCABULARY {
        line(sheet, form, example)?;
    }
    line(sheet, "", "")?;
    line(sheet, "日付の書き方", "2027/4/1、2027年4月1日、令和9年4月1日のどれでも読めます（全角数字も可）。")?;
    line(sheet, REVIEW_SHEET, "各原稿を読み、「確認」に OK か 修正依頼 を選び、確認者・確認日を書きます。修正依頼はコメントに内容を書きます。")?;
    sheet.protect();
    Ok(())
}

/// The timing vocabulary, explained in 記入のしかた.
const TIMING_VOCABULARY: [(&str, &str); 7] = [
    ("妊娠○週○日", "妊娠8週0日 — 出産予定日から数えた妊娠週数の日に届きます"),
    ("生後○日目", "生後75日目 — 生まれた日を1日目として数えます"),
    ("○歳○か月", "1歳6か月、生後4か月 — 誕生日から数えた月齢の日に届きます"),
    ("○歳の誕生日", "3歳の誕生日"),
    ("学年の○月○日", "年長の10月1日、小1の4月6日 — その学年の年度のその日に届きます"),
    ("○年○月○日", "2027年9月1日 — その日に「対象」の全員に届くお知らせです"),
    (
        "「…」のメッセージに添えて（ID）",
        "「妊娠16週」のメッセージに添えて（maternity/16w0d）— そのメッセージの中に載ります",
    ),
];
