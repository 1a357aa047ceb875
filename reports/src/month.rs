//! Calendar months and Japanese fiscal years (年度, April to March), the periods reports speak in.
//!
//! Counters are keyed by the Japan date of the transition (Asia/Tokyo), so a month here is a
//! Japan calendar month; `kizuna_schedule::japan_date` turns an instant into that date.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

/// A month that could not be read; the message is Japanese (staff type these on the command line).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」は年月として読めません。2026-04 のように YYYY-MM で指定してください")]
pub struct MonthError(pub String);

impl Month {
    /// The month `year`-`month` (1–12), if it is one.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    /// The month a date lies in.
    pub fn of(date: NaiveDate) -> Month {
        Month { year: date.year(), month: date.month() }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month number, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day (where 配信中 is measured).
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// The month before.
    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    /// Every month from `self` to `last`, both included (empty when `last` comes first).
    pub fn through(self, last: Month) -> Vec<Month> {
        let mut months = Vec::new();
        let mut month = self;
        while month <= last {
            months.push(month);
            month = month.next();
        }
        months
    }

    /// The fiscal year (年度) the month belongs to: April 2026 – March 2027 is 2026年度.
    pub fn fiscal_year(self) -> i32 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }

    /// April to March of a fiscal year.
    pub fn fiscal_year_months(fiscal_year: i32) -> (Month, Month) {
        (Month { year: fiscal_year, month: 4 }, Month { year: fiscal_year + 1, month: 3 })
    }

    /// `2026年4月`
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s.split_once('-').and_then(|(year, month)| {
            let digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
            if !digits(year, 4) || !digits(month, 2) {
                return None;
            }
            Month::new(year.parse().ok()?, month.parse().ok()?)
        });
        parsed.ok_or_else(|| MonthError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_start_in_april() {
        let march: Month = "2027-03".parse().expect("month");
        let april: Month = "2026-04".parse().expect("month");
        assert_eq!(march.fiscal_year(), 2026);
        assert_eq!(april.fiscal_year(), 2026);
        assert_eq!(Month::fiscal_year_months(2026), (april, march));
        assert_eq!(april.through(march).len(), 12);
    }

    #[test]
    fn month_ends_and_bad_input() {
        let feb: Month = "2028-02".parse().expect("month");
        assert_eq!(feb.last_day().to_string(), "2028-02-29");
        assert_eq!(feb.previous().next(), feb);
        for bad in ["2026-13", "2026-4", "26-04", "2026/04", ""] {
            let err = bad.parse::<Month>().expect_err(bad);
            assert!(err.to_string().contains("YYYY-MM"), "{err}");
        }
    }
}
