//! `subscribers import FILE.csv`: validate every row first, then import.
//!
//! The file has the header `email,municipality,kind,date` (`kind` is `due` or `birth`, `date` is
//! `YYYY-MM-DD`). Every row is checked before anything is written; any bad row stops the import
//! (each listed with its line number and reason) unless `--skip-invalid`. Imported rows are active.
//! Each row is stored with its uniqueness item (e-mail hash + municipality + kind + date), so
//! importing the same file again creates no duplicates — which is also why re-running an import
//! that stopped half-way is safe.
//!
//! Files come as municipalities' Excel writes them: UTF-8 (with or without a BOM) or Shift_JIS
//! (CP932, Japanese Excel's default for "CSV"), with CRLF line ends; line numbers count lines of
//! the file as an editor shows them. Dates follow the sign-up API's rule ([`crate::domain::anchor_date`]).

use std::collections::BTreeSet;
use std::io::Read;

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

use crate::adapters::dynamo::{NewSubscription, PutOutcome, SubscriptionStore};
use crate::domain::anchor_date::{self, DateProblem};
use crate::domain::model::SubscriptionStatus;

/// A valid row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// The line in the file (1 is the header).
    pub line: u64,
    /// The trimmed address.
    pub email: String,
    /// The municipality id.
    pub municipality: String,
    /// Due or birth.
    pub kind: AnchorKind,
    /// The anchor date.
    pub date: NaiveDate,
}

/// A bad row: its line and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// The line in the file.
    pub line: u64,
    /// What is wrong (never the address itself).
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// The checked file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedFile {
    /// Valid rows, in file order.
    pub rows: Vec<ImportRow>,
    /// Bad rows, in file order.
    pub bad: Vec<BadRow>,
    /// The file was Shift_JIS (CP932), not UTF-8.
    pub shift_jis: bool,
}

/// A file that cannot be read as CSV at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// Reading the file failed.
    #[error("cannot read the file")]
    Read(#[from] std::io::Error),
    /// Neither UTF-8 nor Shift_JIS (CP932).
    #[error(
        "the file is neither UTF-8 nor Shift_JIS (CP932) text. \
         文字コードを判別できません。Excel で開き、「名前を付けて保存」→ ファイルの種類「CSV UTF-8（コンマ区切り）」で保存し直してください"
    )]
    Encoding,
    /// The CSV structure is broken (an unclosed quote).
    #[error("CSV parse error")]
    Csv(#[from] csv::Error),
}

/// The text of a CSV file: UTF-8 (a BOM is dropped) or else Shift_JIS (CP932), with every line
/// end made `\n` — the csv reader counts a CRLF file's lines one short otherwise.
fn decode(bytes: &[u8]) -> Result<(String, bool), CsvError> {
    let (text, shift_jis) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.strip_prefix('\u{feff}').unwrap_or(text).to_owned(), false),
        Err(_) => {
            // encoding_rs's Shift_JIS is the WHATWG one, i.e. Microsoft's CP932 with its extensions.
            let text = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or(CsvError::Encoding)?;
            (text.into_owned(), true)
        }
    };
    Ok((text.replace("\r\n", "\n").replace('\r', "\n"), shift_jis))
}

/// The expected header.
pub const HEADER: [&str; 4] = ["email", "municipality", "kind", "date"];

/// Why an address is refused ([`crate::domain::address`]), or `None` when it is acceptable.
pub fn email_problem(email: &str) -> Option<String> {
    use crate::domain::address::{normalise, AddressProblem};
    let problem = match normalise(email).err()? {
        AddressProblem::Empty => "email is empty",
        AddressProblem::TooLong => "email is longer than 254 characters",
        AddressProblem::NotAscii => "email has characters other than ASCII letters, digits and symbols",
        AddressProblem::NoAt => "email has no `@`",
        AddressProblem::LocalLength => "email: the part before `@` must have 1–64 characters",
        AddressProblem::LocalCharacters => "email: the part before `@` has characters mail servers do not accept",
        AddressProblem::CarrierDots => {
            "email: a dot at the start or end of the part before `@`, or two dots in a row, breaks RFC 5322 \
             (古い携帯キャリアのアドレスに多い形式です。別のアドレスをご登録ください)"
        }
        AddressProblem::Domain => "email: the domain after `@` is not valid",
    };
    Some(problem.to_owned())
}

fn municipality_problem(id: &str, known: Option<&BTreeSet<String>>) -> Option<String> {
    if !kizuna_schedule::MunicipalityId::is_valid(id) {
        return Some(format!("municipality `{id}` is not an id (lower-case letters, digits and `-`)"));
    }
    if let Some(known) = known {
        if !known.contains(id) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            return Some(format!("municipality `{id}` is not in the schedules ({})", list.join(", ")));
        }
    }
    None
}

/// Reads and checks a CSV file; `known` restricts municipalities, `today` bounds the dates by the
/// sign-up rule ([`anchor_date`]).
pub fn check_csv(
    mut input: impl Read,
    known: Option<&BTreeSet<String>>,
    today: NaiveDate,
) -> Result<CheckedFile, CsvError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let (text, shift_jis) = decode(&bytes)?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut checked = CheckedFile { shift_jis, ..CheckedFile::default() };
    if header != HEADER {
        checked.bad.push(BadRow {
            line: 1,
            reason: format!("the header must be `{}`, found `{}`", HEADER.join(","), header.join(",")),
        });
        return Ok(checked);
    }
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 4 {
            checked.bad.push(BadRow { line, reason: format!("expected 4 fields, found {}", record.len()) });
            continue;
        }
        let (email, municipality, kind, date) = (&record[0], &record[1], &record[2], &record[3]);
        let mut reasons = Vec::new();
        reasons.extend(email_problem(email));
        reasons.extend(municipality_problem(municipality, known));
        let kind = match kind.parse::<AnchorKind>() {
            Ok(kind) => Some(kind),
            Err(_) => {
                reasons.push(format!("kind `{kind}` must be `due` or `birth`"));
                None
            }
        };
        let date = match kind {
            Some(kind) => anchor_date::check(kind, date, today),
            None => anchor_date::parse(date),
        }
        .map_err(|problem| reasons.push(date_reason(date, problem)))
        .ok();
        match (reasons.is_empty(), kind, date) {
            (true, Some(kind), Some(date)) => checked.rows.push(ImportRow {
                line,
                email: email.to_owned(),
                municipality: municipality.to_owned(),
                kind,
                date,
            }),
            _ => checked.bad.push(BadRow { line, reason: reasons.join("; ") }),
        }
    }
    Ok(checked)
}

/// A date problem in the words of the import's report.
fn date_reason(date: &str, problem: DateProblem) -> String {
    use anchor_date::{BIRTH_YEARS_BEFORE, DUE_DAYS_AFTER, DUE_DAYS_BEFORE};
    match problem {
        DateProblem::Shape | DateProblem::NoSuchDay => format!("date `{date}` is not a date (YYYY-MM-DD)"),
        DateProblem::DueTooEarly => format!(
            "a due date more than {DUE_DAYS_BEFORE} days ago is not a pregnancy any more (import the birth date)"
        ),
        DateProblem::DueTooLate => {
            format!("a due date more than {DUE_DAYS_AFTER} days ahead is not a pregnancy yet")
        }
        DateProblem::BirthInFuture => "a birth date cannot be in the future".to_owned(),
        DateProblem::BirthTooOld => {
            format!("a birth date more than {BIRTH_YEARS_BEFORE} years ago is past every track")
        }
    }
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    /// New subscriptions.
    pub created: usize,
    /// Rows already present (same address, municipality, kind and date).
    pub duplicates: usize,
    /// Bad rows skipped with `--skip-invalid`.
    pub skipped: usize,
}

/// An import that stopped: how far it got, and why. Re-running the same file is safe, because
/// rows already stored are recognised by their uniqueness item and counted as present.
#[derive(Debug, thiserror::Error)]
#[error(
    "the import stopped after {done} of {total} rows ({created} new, {duplicates} already present); \
     re-running the same file is safe: rows already imported are recognised and not stored twice"
)]
pub struct ImportStopped {
    /// Rows stored or found present before the failure (every earlier row of the file is done).
    pub done: usize,
    /// Distinct rows to import.
    pub total: usize,
    /// New subscriptions among `done`.
    pub created: usize,
    /// Rows among `done` that were already present.
    pub duplicates: usize,
    /// What failed.
    #[source]
    pub cause: crate::BoxError,
}

/// How often an import reports its progress, in rows.
pub const PROGRESS_EVERY: usize = 500;

/// Imports checked rows as active subscriptions, in file order; duplicates are counted, not
/// stored. Each import counts as a registration in the reports' counters (in `deliveries`), and
/// every row of a municipality adds to the same counter item: DynamoDB would cancel concurrent
/// transactions on it as conflicts, so rows are written one at a time (moto, which the tests use,
/// is not safe under concurrent transactions either). `progress(done, total)` is called every
/// [`PROGRESS_EVERY`] rows.
pub async fn import_rows(
    store: &SubscriptionStore,
    hasher: &crate::domain::links::EmailHasher,
    rows: &[ImportRow],
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportCounts, ImportStopped> {
    // The same row twice in one file is one subscription.
    let mut seen = BTreeSet::new();
    let unique: Vec<&ImportRow> = rows
        .iter()
        .filter(|row| seen.insert((hasher.hash(&row.email), row.municipality.clone(), row.kind, row.date)))
        .collect();
    let repeated = rows.len() - unique.len();
    let total = unique.len();
    let (mut created, mut present) = (0, 0);
    for row in unique {
        let subscription = NewSubscription {
            id: uuid::Uuid::new_v4().to_string(),
            municipality: row.municipality.clone(),
            email: row.email.clone(),
            email_hash: hasher.hash(&row.email),
            anchor_kind: row.kind,
            anchor_date: row.date,
            status: SubscriptionStatus::Active,
            nickname: None,
            consent_version: "import".to_owned(),
        };
        match store.put_new(&subscription).await {
            Ok(PutOutcome::Created) => created += 1,
            Ok(PutOutcome::Duplicate) => present += 1,
            Err(cause) => {
                return Err(ImportStopped { done: created + present, total, created, duplicates: present, cause })
            }
        }
        let done = created + present;
        if done % PROGRESS_EVERY == 0 && done < total {
            progress(done, total);
        }
    }
    Ok(ImportCounts { created, duplicates: present + repeated, skipped: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
    }

    #[test]
    fn good_and_bad_rows_are_told_apart_with_line_numbers() {
        let csv = "email,municipality,kind,date\n\
                   hanako@example.jp,hikari,due,2027-03-01\n\
                   a..b@docomo.ne.jp,hikari,due,2027-03-01\n\
                   taro@example.jp,Hikari,birth,2026-13-01\n\
                   jiro@example.jp,hikari,twins,2026-1-5\n\
                   saburo@example.jp,hikari,birth,2027-01-01\n\
                   shiro@example.jp,hikari,birth,2026-11-26\n";
        let checked = check_csv(csv.as_bytes(), None, today()).expect("csv");
        assert_eq!(checked.rows.len(), 2);
        assert_eq!(checked.rows[0].line, 2);
        assert_eq!(checked.rows[1].line, 7);
        let lines: Vec<u64> = checked.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(checked.bad[0].reason.contains("RFC 5322"));
        assert!(checked.bad[1].reason.contains("municipality `Hikari`"));
        assert!(checked.bad[1].reason.contains("date `2026-13-01`"));
        assert!(checked.bad[2].reason.contains("kind `twins`"));
        assert!(checked.bad[2].reason.contains("date `2026-1-5`"));
        assert!(checked.bad[3].reason.contains("future"));
        assert!(!checked.bad.iter().any(|b| b.reason.contains("docomo.ne.jp")), "addresses are not repeated");
    }

    #[test]
    fn shift_jis_files_with_crlf_report_the_lines_an_editor_shows() {
        // As Japanese Excel saves "CSV": CP932, CRLF. Bad rows on lines 3, 6 and 10.
        let mut text = String::from("email,municipality,kind,date\r\n");
        for line in 2..=10 {
            let row = match line {
                3 => "花子@example.jp,hikari,birth,2026-05-01".to_owned(),
                6 => "rokuro@example.jp,hikari,出生,2026-05-01".to_owned(),
                10 => "juro@example.jp,ひかり,birth,2026-05-01".to_owned(),
                _ => format!("row{line}@example.jp,hikari,birth,2026-05-01"),
            };
            text.push_str(&row);
            text.push_str("\r\n");
        }
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable && std::str::from_utf8(&bytes).is_err(), "the fixture is real CP932");
        let checked = check_csv(&bytes[..], None, today()).expect("CP932 is accepted");
        assert!(checked.shift_jis);
        assert_eq!(checked.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 6, 10]);
        assert!(checked.bad[1].reason.contains("kind `出生`"), "{}", checked.bad[1].reason);
        assert_eq!(checked.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4, 5, 7, 8, 9]);

        let utf8_bom = format!("\u{feff}{text}");
        let checked = check_csv(utf8_bom.as_bytes(), None, today()).expect("UTF-8 with a BOM");
        assert!(!checked.shift_jis);
        assert_eq!(checked.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 6, 10]);
    }

    #[test]
    fn undecodable_files_are_refused_with_a_japanese_hint() {
        let error = check_csv(&b"email,municipality,kind,date\n\xff\xfe\x80\n"[..], None, today()).expect_err("binary");
        assert!(error.to_string().contains("CSV UTF-8"), "{error}");
    }

    #[test]
    fn dates_follow_the_sign_up_rule() {
        let csv = "email,municipality,kind,date\n\
                   a@example.jp,hikari,birth,1900-01-01\n\
                   b@example.jp,hikari,due,2015-01-01\n\
                   c@example.jp,hikari,due,2027-09-03\n\
                   d@example.jp,hikari,due,2027-09-02\n\
                   e@example.jp,hikari,birth,2008-11-26\n";
        let checked = check_csv(csv.as_bytes(), None, today()).expect("csv");
        let today = today();
        for bad in &checked.bad {
            let row = csv.lines().nth(bad.line as usize - 1).expect("line");
            let kind = if row.contains(",due,") { AnchorKind::Due } else { AnchorKind::Birth };
            let date = row.rsplit(',').next().expect("date");
            assert!(anchor_date::check(kind, date, today).is_err(), "the API refuses {row} too");
        }
        assert_eq!(checked.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(checked.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![5, 6]);
    }

    #[test]
    fn a_wrong_header_is_one_bad_row() {
        let checked =
            check_csv("mail,muni,kind,date\nx@y.jp,a,due,2027-01-01\n".as_bytes(), None, today()).expect("csv");
        assert_eq!(checked.rows, vec![]);
        assert_eq!(checked.bad[0].line, 1);
    }

    #[test]
    fn unknown_municipalities_are_refused_when_schedules_are_known() {
        let known: BTreeSet<String> = ["hikari".to_owned()].into();
        let checked =
            check_csv("email,municipality,kind,date\nx@y.jp,mirai,due,2027-01-01\n".as_bytes(), Some(&known), today())
                .expect("csv");
        assert!(checked.bad[0].reason.contains("not in the schedules (hikari)"));
    }

    #[test]
    fn carrier_addresses_breaking_rfc_5322_are_explained() {
        assert!(email_problem("a.@ezweb.ne.jp").is_some_and(|p| p.contains("キャリア")));
        assert!(email_problem(".a@ezweb.ne.jp").is_some());
        assert_eq!(email_problem("a.b+c@softbank.ne.jp"), None);
        assert!(email_problem("a@localhost").is_some());
        assert!(email_problem("a b@example.jp").is_some());
    }
}
