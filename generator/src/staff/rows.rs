//! One row of 自治体情報 or 新規 read back into a [`LocalRow`], every problem named by its cell in
//! Japanese with what to do.

use chrono::NaiveDate;
use kizuna_schedule::TrackId;

use super::normalize::{free_text, half_width, one_line, parse_date};
use super::read::{Cell, Grid};
use super::timing::{self, Timing};
use super::workbook::{cell_ref, col, LocalRow, NextYear, LOCAL_COLUMNS};
use crate::content::is_valid_stem;
use crate::validate::CATEGORIES;

/// A row as read: the item, what 来年度 says, and where it is.
#[derive(Clone, Debug)]
pub struct ReadRow {
    /// The sheet.
    pub sheet: &'static str,
    /// 0-based row.
    pub row: u32,
    /// The item as the row describes it.
    pub item: LocalRow,
    /// 来年度, when chosen.
    pub next_year: Option<NextYear>,
}

/// Checks that row 1 has the expected column titles (no column deleted, moved or renamed).
pub fn check_header(grid: &Grid, sheet: &str, titles: &[&str], problems: &mut Vec<String>) {
    for (column, title) in titles.iter().enumerate() {
        let shown = grid.get(0, column as u16).text();
        let found = one_line(&shown);
        if found != one_line(title) {
            problems.push(format!(
                "{}: 見出しが「{title}」ではなく「{}」です。列を削除・移動・改名しないでください（書き出したときの列に戻してください）",
                cell_ref(sheet, 0, column as u16),
                shown.trim()
            ));
        }
    }
}

/// Reads one row. `original` is the item's timing and words as exported (for rows of 自治体情報):
/// unchanged words keep the exact rule, so reading never reinterprets what staff did not touch.
pub fn read_row(
    grid: &Grid,
    sheet: &'static str,
    row: u32,
    original: Option<(&Timing, &str)>,
    problems: &mut Vec<String>,
) -> Option<ReadRow> {
    let before = problems.len();
    let at = |column: u16| cell_ref(sheet, row, column);
    let text = |column: u16| grid.get(row, column).text();

    let id = one_line(&text(col::ID));
    if !id.is_empty() && !is_valid_stem(&id) {
        problems.push(format!(
            "{}: ID「{id}」は使えません。英小文字・数字・-（ハイフン）だけで書くか、新規なら空欄にしてください",
            at(col::ID)
        ));
    }
    let category = one_line(&text(col::CATEGORY));
    if !CATEGORIES.contains(&category.as_str()) {
        problems.push(format!(
            "{}: 区分「{category}」は使えません。一覧（{}）から選んでください",
            at(col::CATEGORY),
            CATEGORIES.join("、")
        ));
    }
    let title = free_text(&text(col::TITLE));
    if title.is_empty() || title.contains('\n') {
        problems.push(format!("{}: タイトルを1行で書いてください", at(col::TITLE)));
    }
    let body = free_text(&text(col::BODY));
    if body.is_empty() {
        problems.push(format!("{}: 本文が空欄です。お知らせの本文を書いてください", at(col::BODY)));
    }
    let words = free_text(&text(col::WORDS));
    let timing = read_timing(&words, original, &at(col::WORDS), problems);
    let tracks = read_tracks(&text(col::TRACKS), &at(col::TRACKS), problems);
    let from = read_date(grid.get(row, col::FROM), &at(col::FROM), problems);
    let until = read_date(grid.get(row, col::UNTIL), &at(col::UNTIL), problems);
    if let (Some(from), Some(until)) = (from, until) {
        if from > until {
            problems.push(format!(
                "{}: 有効期間の終了（{until}）が開始（{from}）より前です。日付を確かめてください",
                at(col::UNTIL)
            ));
        }
    }
    let next_year = read_next_year(&one_line(&text(col::NEXT_YEAR)), &at(col::NEXT_YEAR), problems);
    let item = LocalRow {
        id,
        category,
        title,
        body,
        timing,
        tracks,
        from,
        until,
        department: one_line(&text(col::DEPARTMENT)),
        memo: free_text(&text(col::MEMO)),
    };
    (problems.len() == before).then_some(ReadRow { sheet, row, item, next_year })
}

/// When the item is delivered: the exported rule while its words are unchanged, else the words
/// parsed.
fn read_timing(words: &str, original: Option<(&Timing, &str)>, at: &str, problems: &mut Vec<String>) -> Option<Timing> {
    match original {
        Some((timing, exported)) if words == exported => Some(timing.clone()),
        _ if words.is_empty() => {
            problems.push(format!("{at}: いつ届くかが空欄です。「記入のしかた」の書き方で届く時期を書いてください"));
            None
        }
        _ => match timing::parse(words) {
            Ok(timing) => Some(timing),
            Err(message) => {
                problems.push(format!("{at}: {message}"));
                None
            }
        },
    }
}

/// 来年度 (継続・変更・終了), or nothing when the cell is empty.
fn read_next_year(text: &str, at: &str, problems: &mut Vec<String>) -> Option<NextYear> {
    if text.is_empty() {
        return None;
    }
    let parsed = NextYear::parse(text);
    if parsed.is_none() {
        problems.push(format!("{at}: 来年度「{text}」は選べません。継続・変更・終了のどれかを選んでください"));
    }
    parsed
}

fn read_tracks(text: &str, at: &str, problems: &mut Vec<String>) -> Vec<TrackId> {
    let text = half_width(text);
    let mut tracks = Vec::new();
    for part in text.split([',', '、', '，', ' ', '\n']).filter(|p| !p.is_empty()) {
        match part.parse::<TrackId>() {
            Ok(track) => tracks.push(track),
            Err(_) => {
                let known: Vec<&str> = TrackId::ALL.iter().map(|t| t.as_str()).collect();
                problems.push(format!(
                    "{at}: 対象「{part}」はありません。{} から選び、読点で区切ってください",
                    known.join("、")
                ));
            }
        }
    }
    tracks
}

/// Excel's serial day 0 in the 1900 date system (with its phantom 1900-02-29 already behind).
fn excel_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

fn read_date(cell: &Cell, at: &str, problems: &mut Vec<String>) -> Option<NaiveDate> {
    let date = match cell {
        Cell::Empty => return None,
        Cell::Text(text) if cell.is_blank() || text.trim().is_empty() => return None,
        Cell::Date(date) => Some(*date),
        Cell::Text(text) => parse_date(text),
        // A date typed into a cell formatted as a number: the serial, within years that make sense.
        Cell::Number(serial) if (36_526.0..=73_051.0).contains(serial) && serial.fract() == 0.0 => {
            excel_epoch().and_then(|epoch| epoch.checked_add_days(chrono::Days::new(*serial as u64)))
        }
        Cell::Number(_) | Cell::Other(_) => None,
    };
    if date.is_none() {
        problems.push(format!(
            "{at}: 「{}」は日付として読めません。2027/4/1、2027年4月1日、令和9年4月1日のように書いてください",
            cell.text()
        ));
    }
    date
}

/// The titles of the local sheets' columns.
pub fn local_titles() -> Vec<&'static str> {
    LOCAL_COLUMNS.iter().map(|(title, _)| *title).collect()
}
