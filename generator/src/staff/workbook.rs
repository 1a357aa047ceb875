//! The layout of the staff workbook, shared by [`super::export`] and [`super::import`]: sheet
//! names, columns, and a local item as one row.
//!
//! Both sides read these constants, so a column cannot be written in one place and read from
//! another.

use chrono::NaiveDate;
use kizuna_schedule::TrackId;

use super::timing::Timing;
use crate::content::LocalFile;

/// The local items the town has (one row each).
pub const LOCAL_SHEET: &str = "自治体情報";
/// New items for the coming fiscal year (same columns).
pub const NEW_SHEET: &str = "新規";
/// Every manuscript the town sends, for sign-off.
pub const REVIEW_SHEET: &str = "原稿確認";
/// How to fill in the workbook; also carries the municipality and fiscal year.
pub const GUIDE_SHEET: &str = "記入のしかた";
/// Every sheet, in order.
pub const SHEETS: [&str; 4] = [LOCAL_SHEET, NEW_SHEET, REVIEW_SHEET, GUIDE_SHEET];

/// Columns of 自治体情報 and 新規, in order, with what each means (for 記入のしかた).
pub const LOCAL_COLUMNS: [(&str, &str); 12] = [
    ("ID", "項目の名前（英小文字・数字・-）。既存の行は変更できません。新規の行では空欄にすると自動で付けます。"),
    ("区分", "一覧から選びます（母子健康手帳、乳幼児健診など）。"),
    ("タイトル", "メールとアーカイブに表示される見出しです。1行で書きます。"),
    ("本文", "お知らせの本文です。セル内で改行できます（Alt+Enter）。空行で段落を分けます。"),
    ("いつ届くか", "届く時期を下の「届く時期の書き方」の形で書きます。"),
    (
        "届く時期（機械用）",
        "システムが使う形です。変更できません（「いつ届くか」を書き換えると、そちらが使われます）。",
    ),
    ("対象", "日付で届くお知らせの対象（maternity, baby など、読点で区切る）。それ以外は空欄です。"),
    ("有効期間 開始", "この日から届きます（日付。空欄は期限なし）。ふつうは年度の初日（4月1日）です。"),
    ("有効期間 終了", "この日まで届きます（日付。空欄は期限なし）。ふつうは年度の末日（3月31日）です。"),
    (
        "来年度",
        "継続・変更・終了から選びます。継続はこの行の内容のまま続けます（書き換えた所はすぐに変わります）。変更は今の文面を今年度末（3月31日）まで残し、この行の文面を4月1日からの新しい項目にします。終了を選ぶと今年度末で終わります。",
    ),
    ("担当課", "内容を確認する課（公開されません）。"),
    ("メモ", "課内の申し送り（公開されません）。"),
];

/// Column index of each field in [`LOCAL_COLUMNS`].
pub mod col {
    /// ID.
    pub const ID: u16 = 0;
    /// 区分.
    pub const CATEGORY: u16 = 1;
    /// タイトル.
    pub const TITLE: u16 = 2;
    /// 本文.
    pub const BODY: u16 = 3;
    /// いつ届くか.
    pub const WORDS: u16 = 4;
    /// 届く時期（機械用）.
    pub const MACHINE: u16 = 5;
    /// 対象.
    pub const TRACKS: u16 = 6;
    /// 有効期間 開始.
    pub const FROM: u16 = 7;
    /// 有効期間 終了.
    pub const UNTIL: u16 = 8;
    /// 来年度.
    pub const NEXT_YEAR: u16 = 9;
    /// 担当課.
    pub const DEPARTMENT: u16 = 10;
    /// メモ.
    pub const MEMO: u16 = 11;
}

/// Columns of 原稿確認.
pub const REVIEW_COLUMNS: [&str; 8] =
    ["ID", "いつ届くか", "タイトル", "ハッシュ", "確認", "コメント", "確認者", "確認日"];

/// Column index of each field in [`REVIEW_COLUMNS`].
pub mod review_col {
    /// The message id.
    pub const ID: u16 = 0;
    /// The hash of the exact text.
    pub const HASH: u16 = 3;
    /// OK / 修正依頼.
    pub const VERDICT: u16 = 4;
    /// The reviewer's comment.
    pub const COMMENT: u16 = 5;
    /// Who reviewed.
    pub const REVIEWER: u16 = 6;
    /// When.
    pub const DATE: u16 = 7;
}

/// The verdicts of 原稿確認.
pub const VERDICTS: [&str; 2] = ["OK", "修正依頼"];

/// The cells of 記入のしかた that say whose workbook this is: (label row, value column).
pub const META_MUNICIPALITY: (u32, u16) = (0, 1);
/// The fiscal year cell of 記入のしかた.
pub const META_FISCAL_YEAR: (u32, u16) = (1, 1);

/// 来年度: what happens to an item in the coming fiscal year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextYear {
    /// 継続: goes on (as edited in the row).
    Continue,
    /// 変更: the old text until March 31, the row's text as a new item from April 1 (see
    /// [`super::split`]).
    Change,
    /// 終了: ends with the current fiscal year.
    End,
}

impl NextYear {
    /// Every choice, as the drop-down lists them.
    pub const ALL: [NextYear; 3] = [NextYear::Continue, NextYear::Change, NextYear::End];

    /// The word in the sheet.
    pub fn label(self) -> &'static str {
        match self {
            NextYear::Continue => "継続",
            NextYear::Change => "変更",
            NextYear::End => "終了",
        }
    }

    /// The choice a cell names.
    pub fn parse(text: &str) -> Option<NextYear> {
        NextYear::ALL.into_iter().find(|n| n.label() == text)
    }
}

/// A local item as one row of 自治体情報 or 新規.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalRow {
    /// The file stem (`local/<stem>`).
    pub id: String,
    /// 区分.
    pub category: String,
    /// タイトル.
    pub title: String,
    /// 本文, without trailing line ends.
    pub body: String,
    /// いつ届くか.
    pub timing: Option<Timing>,
    /// 対象 (only for items with their own `tracks:`).
    pub tracks: Vec<TrackId>,
    /// 有効期間 開始.
    pub from: Option<NaiveDate>,
    /// 有効期間 終了.
    pub until: Option<NaiveDate>,
    /// 担当課.
    pub department: String,
    /// メモ.
    pub memo: String,
}

impl LocalRow {
    /// The row of a local file, as the export writes it.
    pub fn from_file(stem: &str, file: &LocalFile) -> LocalRow {
        let timing = match (&file.attach_to, file.when) {
            (Some(target), _) => Some(Timing::AttachTo(target.clone())),
            (None, Some(rule)) => Some(Timing::When(rule)),
            (None, None) => None,
        };
        LocalRow {
            id: stem.to_owned(),
            category: file.category.clone(),
            title: file.title.clone(),
            body: super::normalize::free_text(&file.body),
            timing,
            tracks: file.tracks.clone().unwrap_or_default(),
            from: file.valid.and_then(|v| v.from).map(|d| d.0),
            until: file.valid.and_then(|v| v.until).map(|d| d.0),
            department: file.department.clone().unwrap_or_default(),
            memo: file.memo.as_deref().map(super::normalize::free_text).unwrap_or_default(),
        }
    }
}

/// The first day of a fiscal year (April 1).
pub fn fiscal_year_start(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 4, 1)
}

/// The last day of a fiscal year (March 31 of the next calendar year).
pub fn fiscal_year_end(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year.checked_add(1)?, 3, 31)
}

/// A cell reference as staff see it: `自治体情報!F12` for (row 11, column 5).
pub fn cell_ref(sheet: &str, row: u32, column: u16) -> String {
    format!("{sheet}!{}{}", column_letters(column), row + 1)
}

/// `A`, `B`, … `Z`, `AA`, … for a 0-based column.
pub fn column_letters(column: u16) -> String {
    let mut letters = Vec::new();
    let mut n = u32::from(column) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_use_excel_letters() {
        assert_eq!(cell_ref(LOCAL_SHEET, 11, col::MACHINE), "自治体情報!F12");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
    }
}
