//! Japanese calendar math shared by every timing rule.
//!
//! All Kizuna dates are Japan dates (Asia/Tokyo, UTC+9, no daylight saving time). This module owns
//! the conversion from a UTC instant to the Japan date, month arithmetic with month-end clamping
//! (the way municipal vaccination guides count "one month after January 31"), the Japanese school
//! year (April 1 – March 31) and inclusive date ranges.

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Japan Standard Time. Japan has no daylight saving time, so a fixed offset is exact.
pub fn jst() -> FixedOffset {
    // 9 hours is always a valid offset; `east_opt` only fails beyond ±24 h.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("UTC+9 is a valid offset"))
}

/// The Japan date at a UTC instant: Lambda runs in UTC, families live in JST.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use kizuna_schedule::calendar::japan_date;
/// let instant = Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap();
/// assert_eq!(japan_date(instant).to_string(), "2026-11-26");
/// ```
pub fn japan_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&jst()).date_naive()
}

/// Today's date in Japan.
pub fn japan_today() -> NaiveDate {
    japan_date(Utc::now())
}

/// `date` plus whole months, clamped to the end of a shorter month (Jan 31 + 1 month = Feb 28/29).
///
/// Always computed from the original date, never month by month, so Jan 31 + 2 months is Mar 31.
pub fn add_months_clamped(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// The `years`-th anniversary of `date`; a Feb 29 date falls on Feb 28 in common years.
pub fn anniversary(date: NaiveDate, years: u32) -> Option<NaiveDate> {
    add_months_clamped(date, years.checked_mul(12)?)
}

/// `date` plus a number of days (negative allowed), or `None` past chrono's range.
pub fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}

/// Number of days in a month.
pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = add_months_clamped(first, 1)?;
    u32::try_from((next - first).num_days()).ok()
}

/// The Japanese school (and fiscal) year a date belongs to, named by the calendar year of its April.
///
/// 2027-03-31 belongs to school year 2026; 2027-04-01 to school year 2027.
pub fn school_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The school cohort of a child: the school year containing the day before the birth date.
///
/// Under the law a person reaches an age on the day before the birthday, so children born on April 1
/// enter school with those born the previous April 2 onwards (学校教育法 17条).
pub fn school_cohort(birth: NaiveDate) -> Option<i32> {
    Some(school_year_of(birth.pred_opt()?))
}

/// April 1 of a school year.
pub fn school_year_start(school_year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(school_year, 4, 1)
}

/// March 31 that ends a school year.
pub fn school_year_end(school_year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(school_year.checked_add(1)?, 3, 31)
}

/// An inclusive range of dates (`start..=end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct DateRange {
    /// First date in the range.
    pub start: NaiveDate,
    /// Last date in the range (inclusive).
    pub end: NaiveDate,
}

impl DateRange {
    /// A range of the dates from `start` to `end`, both included; `None` when `end < start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<Self> {
        (start <= end).then_some(Self { start, end })
    }

    /// The range holding one date.
    pub fn single(date: NaiveDate) -> Self {
        Self { start: date, end: date }
    }

    /// Every date chrono can represent (the answer for `date:` rules, which ignore the anchor).
    pub fn everything() -> Self {
        Self { start: NaiveDate::MIN, end: NaiveDate::MAX }
    }

    /// Whether `date` lies in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// The number of dates in the range.
    pub fn len_days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The dates both ranges contain.
    pub fn intersect(&self, other: &DateRange) -> Option<DateRange> {
        DateRange::new(self.start.max(other.start), self.end.min(other.end))
    }

    /// Iterates over every date in the range.
    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }
}

/// Sorts ranges and merges those that overlap or touch, so each result can be read with one query.
pub fn merge_ranges(mut ranges: Vec<DateRange>) -> Vec<DateRange> {
    ranges.sort();
    let mut merged: Vec<DateRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if last.end >= range.start || last.end.succ_opt() == Some(range.start) => {
                last.end = last.end.max(range.end);
            }
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn utc_afternoon_is_already_tomorrow_in_japan() {
        let instant = Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).single().expect("valid");
        assert_eq!(japan_date(instant), d("2026-11-26"));
        let before = Utc.with_ymd_and_hms(2026, 11, 25, 14, 59, 59).single().expect("valid");
        assert_eq!(japan_date(before), d("2026-11-25"));
    }

    #[test]
    fn month_end_is_clamped_from_the_original_date() {
        assert_eq!(add_months_clamped(d("2027-01-31"), 1), Some(d("2027-02-28")));
        assert_eq!(add_months_clamped(d("2028-01-31"), 1), Some(d("2028-02-29")));
        assert_eq!(add_months_clamped(d("2027-01-31"), 2), Some(d("2027-03-31")));
        assert_eq!(anniversary(d("2024-02-29"), 1), Some(d("2025-02-28")));
        assert_eq!(anniversary(d("2024-02-29"), 4), Some(d("2028-02-29")));
    }

    #[test]
    fn school_cohort_puts_april_first_with_the_previous_year() {
        assert_eq!(school_cohort(d("2019-04-02")), Some(2019));
        assert_eq!(school_cohort(d("2020-04-01")), Some(2019));
        assert_eq!(school_cohort(d("2020-04-02")), Some(2020));
        assert_eq!(school_year_of(d("2027-03-31")), 2026);
    }

    #[test]
    fn adjacent_and_overlapping_ranges_merge() {
        let r = |a: &str, b: &str| DateRange::new(d(a), d(b)).expect("ordered");
        let merged = merge_ranges(vec![
            r("2026-01-05", "2026-01-06"),
            r("2026-01-01", "2026-01-02"),
            r("2026-01-03", "2026-01-03"),
            r("2026-01-10", "2026-01-12"),
            r("2026-01-11", "2026-01-11"),
        ]);
        assert_eq!(
            merged,
            vec![r("2026-01-01", "2026-01-03"), r("2026-01-05", "2026-01-06"), r("2026-01-10", "2026-01-12")]
        );
    }

    #[test]
    fn days_in_month_knows_leap_years() {
        assert_eq!(days_in_month(2028, 2), Some(29));
        assert_eq!(days_in_month(2100, 2), Some(28));
        assert_eq!(days_in_month(2027, 12), Some(31));
    }
}
