//! Reading 原稿確認 back: a row marked OK with who and when becomes a sign-off of the hash it shows
//! — which must still be the hash of the text the town sends, or the reviewer read another text;
//! 修正依頼 rows are listed with their comments.

use std::path::Path;

use super::normalize::{free_text, one_line, parse_date};
use super::read::{Cell, Grid};
use super::signoff::{self, Manuscript, Signoff};
use super::workbook::{cell_ref, review_col, REVIEW_SHEET};
use kizuna_schedule::CalendarDate;

/// What 原稿確認 said.
#[derive(Clone, Debug, Default)]
pub struct Review {
    /// Ids signed off by this workbook.
    pub signed: Vec<String>,
    /// 修正依頼: (id, comment).
    pub requests: Vec<(String, String)>,
    /// The new `signoff.yaml` text, when it changes.
    pub file: Option<String>,
}

/// Reads the sheet against the manuscripts the town sends now and the sign-offs at `path`.
pub fn read(grid: &Grid, manuscripts: &[Manuscript], path: &Path, problems: &mut Vec<String>) -> Option<Review> {
    let mut signoffs = match signoff::read(path) {
        Ok(signoffs) => signoffs,
        Err(error) => {
            problems.push(error.to_string());
            return None;
        }
    };
    let before = signoffs.clone();
    let mut review = Review::default();
    for row in 1..=grid.last_row {
        let verdict = one_line(&grid.get(row, review_col::VERDICT).text());
        if verdict.is_empty() {
            continue;
        }
        let at = |column| cell_ref(REVIEW_SHEET, row, column);
        let id = one_line(&grid.get(row, review_col::ID).text());
        let Some(manuscript) = manuscripts.iter().find(|m| m.id == id) else {
            problems.push(format!(
                "{}: 原稿「{id}」はこの自治体から届きません。IDを書き出したときのままにしてください",
                at(review_col::ID)
            ));
            continue;
        };
        let comment = free_text(&grid.get(row, review_col::COMMENT).text());
        match verdict.as_str() {
            "OK" | "ok" | "Ok" => {}
            "修正依頼" => {
                review.requests.push((id, comment));
                continue;
            }
            other => {
                problems.push(format!(
                    "{}: 確認「{other}」は選べません。OK か 修正依頼 を選んでください",
                    at(review_col::VERDICT)
                ));
                continue;
            }
        }
        let hash = one_line(&grid.get(row, review_col::HASH).text());
        if hash != manuscript.hash {
            problems.push(format!(
                "{}: この原稿は書き出した後に変わっています（ハッシュ {hash} → {}）。新しく書き出したブックで確認し直してください",
                at(review_col::HASH),
                manuscript.hash
            ));
            continue;
        }
        let by = one_line(&grid.get(row, review_col::REVIEWER).text());
        if by.is_empty() {
            problems.push(format!("{}: 確認者が空欄です。確認した方の名前を書いてください", at(review_col::REVIEWER)));
        }
        let date = match grid.get(row, review_col::DATE) {
            Cell::Date(date) => Some(*date),
            cell => parse_date(&cell.text()),
        };
        if date.is_none() {
            problems.push(format!(
                "{}: 確認日が日付として読めません。2027/3/1 のように書いてください",
                at(review_col::DATE)
            ));
        }
        if let (false, Some(date)) = (by.is_empty(), date) {
            signoffs.insert(id.clone(), Signoff { hash, by, date: CalendarDate(date) });
            review.signed.push(id);
        }
    }
    if signoffs != before {
        review.file = Some(signoff::render(&signoffs));
    }
    Some(review)
}
