//! 来年度 = 変更 at the yearly update: a changed item is split at the fiscal year instead of being
//! rewritten in place — the old text stays valid until March 31 (this year's mails keep the text
//! that was signed off for them), the new text is a new item from April 1.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::import::{changed_fields, edit, new_file, Change, ChangeKind};
use super::rows::ReadRow;
use super::workbook::{fiscal_year_end, fiscal_year_start, LocalRow, NextYear};

/// `until` cut to the end of the fiscal year before `fiscal_year` (an item that ends, or the old
/// text of a split one).
pub(super) fn ended(until: Option<NaiveDate>, fiscal_year: i32) -> Option<NaiveDate> {
    let end = fiscal_year_end(fiscal_year - 1);
    if until.is_none() || until > end {
        end
    } else {
        until
    }
}

/// Whether a row is split at the fiscal year instead of rewritten in place: 来年度 = 変更 of what
/// families read (category, title, body, timing, tracks) in an item already valid before the new
/// year. This year's mails keep the text that was signed off for them.
pub(super) fn splits(original: &LocalRow, read: &ReadRow, fiscal_year: i32) -> bool {
    let (before, after) = (original, &read.item);
    let published_changed = (&before.category, &before.title, &before.body, &before.timing, &before.tracks)
        != (&after.category, &after.title, &after.body, &after.timing, &after.tracks);
    let started = fiscal_year_start(fiscal_year).is_some_and(|start| original.from.is_none_or(|from| from < start));
    read.next_year == Some(NextYear::Change) && published_changed && started
}

/// `base`, or `base-2`, `base-3` … whichever no item has.
pub(super) fn free_id(base: &str, taken: &BTreeSet<String>) -> String {
    (1..)
        .map(|n| if n == 1 { base.to_owned() } else { format!("{base}-{n}") })
        .find(|id| !taken.contains(id))
        .unwrap_or_default()
}

/// The two halves of a split row: the old item (its file, with its validity ended on March 31)
/// and a new item `new_id` with the row's text from April 1, as a new file (a draft: its text has
/// not been reviewed).
pub(super) fn split(
    text: String,
    original: &LocalRow,
    read: &ReadRow,
    fiscal_year: i32,
    new_id: String,
) -> [(ReadRow, Change, String); 2] {
    let mut old = read.clone();
    old.item = LocalRow { until: ended(original.until, fiscal_year), ..original.clone() };
    let old_fields = changed_fields(original, &old.item);
    let old_kind = if old_fields.is_empty() { ChangeKind::Unchanged } else { ChangeKind::Ended };
    let old_text = if old_fields.is_empty() { text } else { edit(&text, original, &old.item) };
    let old_change = Change { id: format!("local/{}", original.id), kind: old_kind, fields: old_fields };
    let mut new = read.clone();
    new.item.id = new_id;
    new.item.from = read.item.from.max(fiscal_year_start(fiscal_year));
    let new_change = Change {
        id: format!("local/{}", new.item.id),
        kind: ChangeKind::New,
        fields: changed_fields(original, &new.item),
    };
    let new_text = new_file(&new.item);
    [(old, old_change, old_text), (new, new_change, new_text)]
}
