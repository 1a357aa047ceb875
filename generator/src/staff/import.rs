//! `kizuna local import`: the workbook back into the town's YAML, all of it or nothing.
//!
//! Every row is read ([`super::rows`]), the proposed files are validated with the same rules as
//! `kizuna check` (problems mapped back from file:line to sheet!cell), the change is shown item by
//! item, and only then are the changed files written, together ([`super::atomic::write_all`]). A row nobody
//! touched leaves its file byte for byte as it was.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::read::{read_workbook, Grid};
use super::rows::{check_header, local_titles, read_row, ReadRow};
use super::signoff::{self, Manuscript, Signoffs};
use super::split::{ended, free_id, split, splits};
use super::timing::{self, Timing};
use super::workbook::{
    cell_ref, col, LocalRow, NextYear, GUIDE_SHEET, LOCAL_SHEET, META_FISCAL_YEAR, META_MUNICIPALITY, NEW_SHEET,
    REVIEW_COLUMNS, REVIEW_SHEET,
};
use super::yaml::{block, flow_scalar, line, set_key};
use crate::catalogue::Lang;
use crate::content::{Content, KeyLines, Loaded, LocalFile, MunicipalityContent};
use crate::diagnostics::Severity;
use crate::validate::{self, ValidationOptions};

/// What an import reads.
#[derive(Debug)]
pub struct ImportInput<'a> {
    /// All content.
    pub content: &'a Content,
    /// The town, as it is now.
    pub municipality: &'a MunicipalityContent,
    /// Every manuscript the town sends now (for 原稿確認).
    pub manuscripts: &'a [Manuscript],
    /// The workbook's bytes.
    pub bytes: &'a [u8],
}

/// What happens to one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// 新規.
    New,
    /// 変更.
    Changed,
    /// 終了.
    Ended,
    /// 変更なし.
    Unchanged,
}

impl ChangeKind {
    /// The word shown.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::New => "新規",
            ChangeKind::Changed => "変更",
            ChangeKind::Ended => "終了",
            ChangeKind::Unchanged => "変更なし",
        }
    }
}

/// One item's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `local/<stem>`.
    pub id: String,
    /// What happens.
    pub kind: ChangeKind,
    /// The columns that changed.
    pub fields: Vec<&'static str>,
}

/// An import ready to write.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The fiscal year of the workbook.
    pub fiscal_year: i32,
    /// Item by item, in sheet order.
    pub changes: Vec<Change>,
    /// Sign-offs recorded (message id, reviewer) and correction requests (message id, comment).
    pub signed: Vec<String>,
    /// 修正依頼: (message id, comment).
    pub requests: Vec<(String, String)>,
    /// Files to write: absolute path → new text.
    pub writes: BTreeMap<PathBuf, String>,
}

/// Reads, checks and plans an import; `Err` lists every problem (nothing is written then).
pub fn plan(input: &ImportInput<'_>, municipality_dir: &Path) -> Result<Plan, Vec<String>> {
    let grids = read_workbook(input.bytes)?;
    let mut problems = Vec::new();
    let titles = local_titles();
    check_header(&grids[LOCAL_SHEET], LOCAL_SHEET, &titles, &mut problems);
    check_header(&grids[NEW_SHEET], NEW_SHEET, &titles, &mut problems);
    check_header(&grids[REVIEW_SHEET], REVIEW_SHEET, &REVIEW_COLUMNS, &mut problems);
    // With columns moved, no cell can be trusted: stop here. Other problems are all collected.
    if !problems.is_empty() {
        return Err(problems);
    }
    let fiscal_year = read_meta(&grids[GUIDE_SHEET], &input.municipality.id, &mut problems).unwrap_or_default();
    let rows = read_rows(input, &grids, &mut problems);
    let plan =
        Plan { fiscal_year, changes: Vec::new(), signed: Vec::new(), requests: Vec::new(), writes: BTreeMap::new() };
    let taken = input.municipality.local.keys().cloned().collect();
    let mut planned = Planned { plan, proposed: BTreeMap::new(), taken };
    let mut counter = 0;
    for mut read in rows {
        match input.municipality.local.get(&read.item.id) {
            Some(existing) if read.sheet == LOCAL_SHEET => {
                // The file as loaded (it may be a .yml), relative to the content folder's parent.
                let target = input.content.root.parent().unwrap_or(&input.content.root).join(&existing.path);
                if let Err(problem) = planned.existing(read, existing, target, municipality_dir) {
                    problems.push(problem);
                }
            }
            _ => {
                if read.item.id.is_empty() {
                    read.item.id = loop {
                        counter += 1;
                        let candidate = format!("new-{fiscal_year}-{counter:02}");
                        if !planned.taken.contains(&candidate) {
                            break candidate;
                        }
                    };
                }
                let target = municipality_dir.join("local").join(format!("{}.yaml", read.item.id));
                let text = new_file(&read.item);
                let change =
                    Change { id: format!("local/{}", read.item.id), kind: ChangeKind::New, fields: Vec::new() };
                planned.record(read, change, target, text);
            }
        }
    }
    let Planned { mut plan, proposed, .. } = planned;
    validate_proposed(input, &proposed, &mut problems);
    let signoffs_path = signoff::signoff_path(municipality_dir);
    let review = super::review_sheet::read(&grids[REVIEW_SHEET], input.manuscripts, &signoffs_path, &mut problems);
    if let Some(review) = review {
        plan.signed = review.signed;
        plan.requests = review.requests;
        if let Some(text) = review.file {
            plan.writes.insert(signoffs_path, text);
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// The plan as the rows add to it: each item's row and text (validated together at the end) and
/// the ids in use.
struct Planned {
    plan: Plan,
    proposed: BTreeMap<String, (ReadRow, String)>,
    taken: BTreeSet<String>,
}

impl Planned {
    /// One item's change; its file `path` is written unless the item is unchanged.
    fn record(&mut self, row: ReadRow, change: Change, path: PathBuf, text: String) {
        if change.kind != ChangeKind::Unchanged {
            self.plan.writes.insert(path, text.clone());
        }
        self.taken.insert(row.item.id.clone());
        self.plan.changes.push(change);
        self.proposed.insert(row.item.id.clone(), (row, text));
    }

    /// A row of 自治体情報 for an existing item, whose file is `target`: unchanged, changed or
    /// ended in place, or split at the fiscal year (来年度 = 変更 of published text).
    fn existing(
        &mut self,
        mut read: ReadRow,
        existing: &Loaded<LocalFile>,
        target: PathBuf,
        municipality_dir: &Path,
    ) -> Result<(), String> {
        let fiscal_year = self.plan.fiscal_year;
        let original = LocalRow::from_file(&read.item.id, &existing.value);
        let text = std::fs::read_to_string(&target)
            .map_err(|error| format!("{}: 読み込めません（{error}）", target.display()))?;
        if read.next_year == Some(NextYear::End) {
            read.item.until = ended(read.item.until, fiscal_year);
        }
        if splits(&original, &read, fiscal_year) {
            let new_id = free_id(&format!("{}-{fiscal_year}", read.item.id), &self.taken);
            for (row, change, text) in split(text, &original, &read, fiscal_year, new_id) {
                let path = match change.kind {
                    ChangeKind::New => municipality_dir.join("local").join(format!("{}.yaml", row.item.id)),
                    _ => target.clone(),
                };
                self.record(row, change, path, text);
            }
            return Ok(());
        }
        let fields = changed_fields(&original, &read.item);
        let kind = match (fields.is_empty(), read.next_year) {
            (true, _) => ChangeKind::Unchanged,
            (false, Some(NextYear::End)) => ChangeKind::Ended,
            (false, _) => ChangeKind::Changed,
        };
        let text = if fields.is_empty() { text } else { edit(&text, &original, &read.item) };
        let change = Change { id: format!("local/{}", read.item.id), kind, fields };
        self.record(read, change, target, text);
        Ok(())
    }
}

fn read_meta(grid: &Grid, municipality: &str, problems: &mut Vec<String>) -> Option<i32> {
    let id = grid.get(META_MUNICIPALITY.0, META_MUNICIPALITY.1).text();
    if id.trim() != municipality {
        problems.push(format!(
            "{}: このブックは「{}」のものです。--municipality {municipality} のブックを読み込んでください",
            cell_ref(GUIDE_SHEET, META_MUNICIPALITY.0, META_MUNICIPALITY.1),
            id.trim()
        ));
    }
    let year = super::normalize::one_line(&grid.get(META_FISCAL_YEAR.0, META_FISCAL_YEAR.1).text()).parse().ok();
    if year.is_none() {
        problems.push(format!(
            "{}: 年度が読めません。書き出したときの年度（2027 など）に戻してください",
            cell_ref(GUIDE_SHEET, META_FISCAL_YEAR.0, META_FISCAL_YEAR.1)
        ));
    }
    year
}

/// Every non-blank row of 自治体情報 and 新規 that reads cleanly; problems for the others.
fn read_rows(input: &ImportInput<'_>, grids: &BTreeMap<String, Grid>, problems: &mut Vec<String>) -> Vec<ReadRow> {
    let mut rows = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for sheet in [LOCAL_SHEET, NEW_SHEET] {
        let grid = &grids[sheet];
        for row in 1..=grid.last_row {
            if grid.row_is_blank(row) {
                continue;
            }
            let id = super::normalize::one_line(&grid.get(row, col::ID).text());
            let existing = input.municipality.local.get(&id);
            if sheet == LOCAL_SHEET && existing.is_none() {
                problems.push(format!(
                    "{}: ID「{id}」の項目はありません。IDは変更できません。新しい項目は「{NEW_SHEET}」に書いてください",
                    cell_ref(sheet, row, col::ID)
                ));
                continue;
            }
            if sheet == NEW_SHEET && existing.is_some() {
                problems.push(format!(
                    "{}: ID「{id}」はすでにあります。別のIDにするか空欄にしてください",
                    cell_ref(sheet, row, col::ID)
                ));
                continue;
            }
            if !id.is_empty() {
                if let Some(first) = seen.insert(id.clone(), cell_ref(sheet, row, col::ID)) {
                    problems.push(format!(
                        "{}: ID「{id}」が {first} と重複しています。行を1つにしてください",
                        cell_ref(sheet, row, col::ID)
                    ));
                    continue;
                }
            }
            let original = existing.map(|file| LocalRow::from_file(&id, &file.value)).and_then(|row| row.timing);
            let words = original.as_ref().map(|timing| exported_words(input.content, timing));
            let original = original.as_ref().zip(words.as_deref());
            if let Some(read) = read_row(grid, sheet, row, original, problems) {
                rows.push(read);
            }
        }
    }
    rows
}

/// The words the export wrote for a timing.
pub fn exported_words(content: &Content, timing: &Timing) -> String {
    let title = match timing {
        Timing::AttachTo(id) => content.message(id).map(|(_, m)| m.value.title.as_str()),
        Timing::When(_) => None,
    };
    timing::words(timing, title)
}

pub(super) fn changed_fields(before: &LocalRow, after: &LocalRow) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let checks: [(&'static str, bool); 9] = [
        ("区分", before.category != after.category),
        ("タイトル", before.title != after.title),
        ("本文", before.body != after.body),
        ("いつ届くか", before.timing != after.timing),
        ("対象", before.tracks != after.tracks),
        ("有効期間 開始", before.from != after.from),
        ("有効期間 終了", before.until != after.until),
        ("担当課", before.department != after.department),
        ("メモ", before.memo != after.memo),
    ];
    for (name, changed) in checks {
        if changed {
            fields.push(name);
        }
    }
    fields
}

fn valid_value(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Option<String> {
    let parts: Vec<String> = [("from", from), ("until", until)]
        .iter()
        .filter_map(|(key, date)| date.map(|d| format!("{key}: {d}")))
        .collect();
    (!parts.is_empty()).then(|| line("valid", &format!("{{ {} }}", parts.join(", "))))
}

fn timing_keys(timing: Option<&Timing>) -> (Option<String>, Option<String>) {
    match timing {
        Some(Timing::When(rule)) => (Some(line("when", &format!("{{ {rule} }}"))), None),
        Some(Timing::AttachTo(id)) => (None, Some(line("attach_to", id))),
        None => (None, None),
    }
}

fn optional_line(key: &str, value: &str) -> Option<String> {
    (!value.is_empty()).then(|| if value.contains('\n') { block(key, value) } else { line(key, &flow_scalar(value)) })
}

fn tracks_line(tracks: &[kizuna_schedule::TrackId]) -> Option<String> {
    let names: Vec<&str> = tracks.iter().map(|t| t.as_str()).collect();
    (!tracks.is_empty()).then(|| line("tracks", &format!("[{}]", names.join(", "))))
}

/// The file text with only the changed keys rewritten; a new text goes back to draft (a review
/// claim covers only the text that was reviewed).
pub(super) fn edit(text: &str, before: &LocalRow, after: &LocalRow) -> String {
    let mut text = text.to_owned();
    if before.category != after.category {
        text = set_key(&text, "category", Some(&line("category", &flow_scalar(&after.category))));
    }
    if before.title != after.title {
        text = set_key(&text, "title", Some(&line("title", &flow_scalar(&after.title))));
    }
    if before.body != after.body {
        text = set_key(&text, "body", Some(&block("body", &after.body)));
    }
    if before.timing != after.timing {
        let (when, attach_to) = timing_keys(after.timing.as_ref());
        text = set_key(&text, "when", when.as_deref());
        text = set_key(&text, "attach_to", attach_to.as_deref());
    }
    if before.tracks != after.tracks {
        text = set_key(&text, "tracks", tracks_line(&after.tracks).as_deref());
    }
    if (before.from, before.until) != (after.from, after.until) {
        text = set_key(&text, "valid", valid_value(after.from, after.until).as_deref());
    }
    if before.department != after.department {
        text = set_key(&text, "department", optional_line("department", &after.department).as_deref());
    }
    if before.memo != after.memo {
        text = set_key(&text, "memo", optional_line("memo", &after.memo).as_deref());
    }
    if (&before.title, &before.body, &before.timing) != (&after.title, &after.body, &after.timing) {
        text = set_key(&text, "review", Some("review: { status: draft }\n"));
    }
    text
}

/// A new item's file, in the order DESIGN.md §4 shows; always a draft until reviewed.
pub(super) fn new_file(item: &LocalRow) -> String {
    let (when, attach_to) = timing_keys(item.timing.as_ref());
    let parts = [
        Some(line("category", &flow_scalar(&item.category))),
        Some(line("title", &flow_scalar(&item.title))),
        Some(block("body", &item.body)),
        valid_value(item.from, item.until),
        when,
        attach_to,
        tracks_line(&item.tracks),
        optional_line("department", &item.department),
        optional_line("memo", &item.memo),
        Some("review: { status: draft }\n".to_owned()),
    ];
    parts.into_iter().flatten().collect()
}

/// Runs `kizuna check`'s rules over the town as it would be after the import; each problem in a
/// file the import writes is reported at its row's cell.
fn validate_proposed(
    input: &ImportInput<'_>,
    proposed: &BTreeMap<String, (ReadRow, String)>,
    problems: &mut Vec<String>,
) {
    let mut municipality = input.municipality.clone();
    let local_dir = input.municipality.file.path.parent().map(|p| p.join("local")).unwrap_or_default();
    let mut places: HashMap<PathBuf, (&ReadRow, KeyLines)> = HashMap::new();
    for (stem, (row, text)) in proposed {
        let path = local_dir.join(format!("{stem}.yaml"));
        match serde_yaml::from_str::<LocalFile>(text) {
            Ok(value) => {
                let lines = KeyLines::index(text);
                places.insert(path.clone(), (row, lines.clone()));
                municipality.local.insert(stem.clone(), Loaded { path, lines, value });
            }
            Err(error) => problems.push(format!(
                "{}: この行からYAMLを作れませんでした（{error}）。開発担当に連絡してください",
                cell_ref(row.sheet, row.row, col::ID)
            )),
        }
    }
    let mut diagnostics = crate::diagnostics::Diagnostics::default();
    let options = ValidationOptions { production: false, today: None };
    validate::validate_municipality(input.content, &municipality, options, &mut HashMap::new(), &mut diagnostics);
    for diagnostic in diagnostics.sorted() {
        if diagnostic.severity != Severity::Error {
            continue;
        }
        // The workbook is the staff's: its problems are always told in Japanese.
        let hint = diagnostic.hint(Lang::Ja).map(|h| format!("（{h}）")).unwrap_or_default();
        match places.get(&diagnostic.file) {
            Some((row, lines)) => {
                let key = diagnostic.line.and_then(|l| lines_key(lines, l));
                problems.push(format!(
                    "{}: {}{hint}",
                    cell_ref(row.sheet, row.row, key_column(key.as_deref())),
                    diagnostic.message(Lang::Ja)
                ));
            }
            None => problems.push(format!("{diagnostic}")),
        }
    }
}

fn lines_key(lines: &KeyLines, line: usize) -> Option<String> {
    ["category", "title", "body", "valid", "when", "attach_to", "tracks", "department", "memo", "topics", "review"]
        .into_iter()
        .find(|key| lines.line(key) == Some(line))
        .map(str::to_owned)
}

fn key_column(key: Option<&str>) -> u16 {
    match key {
        Some("category") => col::CATEGORY,
        Some("title") => col::TITLE,
        Some("body") => col::BODY,
        Some("when" | "attach_to") => col::WORDS,
        Some("tracks") => col::TRACKS,
        Some("valid") => col::FROM,
        Some("department") => col::DEPARTMENT,
        Some("memo") => col::MEMO,
        _ => col::ID,
    }
}

/// The lines `kizuna local import` prints: one per item, then the 原稿確認 results.
pub fn summary(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    for change in &plan.changes {
        let fields =
            if change.fields.is_empty() { String::new() } else { format!("（{}）", change.fields.join("、")) };
        lines.push(format!("{:<6} {}{fields}", change.kind.label(), change.id));
    }
    for id in &plan.signed {
        lines.push(format!("確認OK  {id}"));
    }
    for (id, comment) in &plan.requests {
        lines.push(format!("修正依頼 {id}: {comment}"));
    }
    lines
}

/// The sign-offs as they will be after the import (for tests and the CLI summary).
pub fn signoffs_after(plan: &Plan, path: &Path) -> Option<Signoffs> {
    plan.writes.get(path).and_then(|text| serde_yaml::from_str(text).ok())
}
