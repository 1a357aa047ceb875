//! `subscribers import FILE.csv`: validate every row first, then import.
//!
//! The file has the header `email,municipality,kind,date` (`kind` is `due` or `birth`, `date` is
//! `YYYY-MM-DD`). Every row is checked before anything is written; any bad row stops the import
//! (each listed with its line number and reason) unless `--skip-invalid`. Imported rows are active.
//! Each row is stored with its uniqueness item (e-mail hash + municipality + kind + date), so
//! importing the same file again creates no duplicates.

use std::collections::BTreeSet;
use std::io::Read;

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;

use crate::dynamo::{put_subscription, NewSubscription, PutOutcome};
use crate::model::SubscriptionStatus;

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
}

/// The expected header.
pub const HEADER: [&str; 4] = ["email", "municipality", "kind", "date"];

/// Why an address is refused ([`crate::address`]), or `None` when it is acceptable.
pub fn email_problem(email: &str) -> Option<String> {
    use crate::address::{normalise, AddressProblem};
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
    let shape = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !shape {
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

/// Reads and checks a CSV file; `known` restricts municipalities, `today` bounds the dates
/// (a birth date may not be in the future, a due date at most 300 days ahead).
pub fn check_csv(
    input: impl Read,
    known: Option<&BTreeSet<String>>,
    today: NaiveDate,
) -> Result<CheckedFile, csv::Error> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut checked = CheckedFile::default();
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
        let date = match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            // chrono also accepts `2026-1-5`; only the canonical form is allowed.
            Ok(parsed) if parsed.format("%Y-%m-%d").to_string() == date => Some(parsed),
            _ => {
                reasons.push(format!("date `{date}` is not a date (YYYY-MM-DD)"));
                None
            }
        };
        if let (Some(kind), Some(date)) = (kind, date) {
            match kind {
                AnchorKind::Birth if date > today => reasons.push("a birth date cannot be in the future".to_owned()),
                AnchorKind::Due if (date - today).num_days() > 300 => {
                    reasons.push("a due date more than 300 days ahead is not a pregnancy yet".to_owned())
                }
                _ => {}
            }
        }
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

/// Imports checked rows as active subscriptions (a few at a time); duplicates are counted, not stored.
pub async fn import_rows(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    hasher: &crate::links::EmailHasher,
    rows: &[ImportRow],
) -> Result<ImportCounts, crate::BoxError> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    // The same row twice in one file is one subscription (and must not race with itself).
    let mut seen = BTreeSet::new();
    let unique: Vec<&ImportRow> = rows
        .iter()
        .filter(|row| seen.insert((hasher.hash(&row.email), row.municipality.clone(), row.kind, row.date)))
        .collect();
    let repeated = rows.len() - unique.len();
    let outcomes: Vec<PutOutcome> = stream::iter(unique)
        .map(|row| {
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
            async move { put_subscription(client, table, &subscription).await }
        })
        .buffered(16)
        .try_collect()
        .await?;
    let created = outcomes.iter().filter(|o| **o == PutOutcome::Created).count();
    Ok(ImportCounts { created, duplicates: outcomes.len() - created + repeated, skipped: 0 })
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
