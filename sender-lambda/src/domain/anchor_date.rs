//! The anchor-date rules, one set for every way a due date or a birth date comes in (the sign-up
//! and manage API, and the operator's CSV import), so that a family the API would refuse cannot be
//! imported and the other way round. Each caller explains a [`DateProblem`] in its own words.
//!
//! - the text is `YYYY-MM-DD` exactly (chrono alone would also take `2026-1-5`) and a real date;
//! - a due date lies within [today − 13 days, today + 280 days]: two weeks late is still a
//!   pregnancy, more than 40 weeks ahead is not one yet;
//! - a birth date lies within [today − 18 years, today]: the tracks end with school age.

use chrono::{Duration, Months, NaiveDate};
use kizuna_schedule::AnchorKind;

/// The earliest due date accepted, in days before today.
pub const DUE_DAYS_BEFORE: i64 = 13;
/// The latest due date accepted, in days after today.
pub const DUE_DAYS_AFTER: i64 = 280;
/// The oldest birth date accepted, in years before today.
pub const BIRTH_YEARS_BEFORE: u32 = 18;

/// Why an anchor date cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// Not written `YYYY-MM-DD`.
    Shape,
    /// `YYYY-MM-DD`, but no such day (`2026-02-30`).
    NoSuchDay,
    /// A due date more than [`DUE_DAYS_BEFORE`] days ago (the child is probably born).
    DueTooEarly,
    /// A due date more than [`DUE_DAYS_AFTER`] days ahead.
    DueTooLate,
    /// A birth date after today.
    BirthInFuture,
    /// A birth date more than [`BIRTH_YEARS_BEFORE`] years ago.
    BirthTooOld,
}

/// Parses `YYYY-MM-DD` (a real calendar date, written exactly so).
pub fn parse(value: &str) -> Result<NaiveDate, DateProblem> {
    let shape = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shape {
        return Err(DateProblem::Shape);
    }
    value.parse().map_err(|_| DateProblem::NoSuchDay)
}

/// Judges an already parsed anchor date of `kind` on `today` (Japan date).
pub fn judge(kind: AnchorKind, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, DateProblem> {
    match kind {
        AnchorKind::Due if date < today - Duration::days(DUE_DAYS_BEFORE) => Err(DateProblem::DueTooEarly),
        AnchorKind::Due if date > today + Duration::days(DUE_DAYS_AFTER) => Err(DateProblem::DueTooLate),
        AnchorKind::Birth if date > today => Err(DateProblem::BirthInFuture),
        AnchorKind::Birth
            if date < today.checked_sub_months(Months::new(BIRTH_YEARS_BEFORE * 12)).unwrap_or(NaiveDate::MIN) =>
        {
            Err(DateProblem::BirthTooOld)
        }
        _ => Ok(date),
    }
}

/// Parses and judges an anchor date of `kind` on `today`.
pub fn check(kind: AnchorKind, value: &str, today: NaiveDate) -> Result<NaiveDate, DateProblem> {
    judge(kind, parse(value)?, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounds_are_inclusive() {
        let today: NaiveDate = "2026-11-26".parse().expect("date");
        assert_eq!(check(AnchorKind::Due, "2026-11-13", today), Ok("2026-11-13".parse().expect("date")));
        assert_eq!(check(AnchorKind::Due, "2026-11-12", today), Err(DateProblem::DueTooEarly));
        assert!(check(AnchorKind::Due, "2027-09-02", today).is_ok());
        assert_eq!(check(AnchorKind::Due, "2027-09-03", today), Err(DateProblem::DueTooLate));
        assert!(check(AnchorKind::Birth, "2008-11-26", today).is_ok());
        assert_eq!(check(AnchorKind::Birth, "2008-11-25", today), Err(DateProblem::BirthTooOld));
        assert_eq!(check(AnchorKind::Birth, "2026-11-27", today), Err(DateProblem::BirthInFuture));
        assert_eq!(check(AnchorKind::Birth, "2026-1-5", today), Err(DateProblem::Shape));
        assert_eq!(check(AnchorKind::Birth, "2026-02-30", today), Err(DateProblem::NoSuchDay));
    }
}
