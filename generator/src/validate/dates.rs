//! Whether a town's local information carries over into the fiscal year: a forgotten yearly update
//! (年度更新) is the failure staff cannot see, since every mail still goes out, only without its
//! local sections.
//!
//! Judged on the yearly items (sections and own rules; dated announcements come and go by design),
//! at a fiscal-year boundary: the information valid on its eve has *run out* on the day after when
//! none of it is still valid and fewer than half as many items are (a new year's items written one
//! by one count, a lone early item does not). From April 1 a run-out year is an error; in the
//! 60 days before April 1 a coming run-out is a warning.

use chrono::{Duration, NaiveDate};
use kizuna_schedule::Rule;

use crate::catalogue::{self as msg, Text};
use crate::content::MunicipalityContent;
use crate::diagnostics::Diagnostics;

/// How long before April 1 the coming fiscal year's information is asked for.
pub const WARN_DAYS_BEFORE_FISCAL_YEAR: i64 = 60;

type Validity = (Option<NaiveDate>, Option<NaiveDate>);

/// Reports a town whose yearly local information ran out at the last April 1, or will at the next.
pub fn town_local_dates(municipality: &MunicipalityContent, today: NaiveDate, diagnostics: &mut Diagnostics) {
    let validities: Vec<Validity> = municipality
        .local
        .values()
        .filter(|item| !matches!(item.value.when, Some(Rule::Date(_))))
        .map(|item| {
            let valid = item.value.valid.unwrap_or_default();
            (valid.from.map(|d| d.0), valid.until.map(|d| d.0))
        })
        .collect();
    let file = &municipality.file;
    let (line, name) = (file.lines.line_or_top("name"), &file.value.name);
    let year = kizuna_schedule::calendar::school_year_of(today);
    let (Some(start), Some(next_start)) =
        (NaiveDate::from_ymd_opt(year, 4, 1), NaiveDate::from_ymd_opt(year + 1, 4, 1))
    else {
        return;
    };
    let eve = start - Duration::days(1);
    if let Some((before, now)) = run_out(&validities, eve, today) {
        let text = Text::new(&msg::LOCAL_ALL_EXPIRED)
            .arg("name", name)
            .arg("eve", eve)
            .arg("before", before)
            .arg("today", today)
            .arg("now", now);
        diagnostics.error(&file.path, line, text);
    } else if next_start - today <= Duration::days(WARN_DAYS_BEFORE_FISCAL_YEAR) {
        if let Some((now, next)) = run_out(&validities, today, next_start) {
            let text = Text::new(&msg::LOCAL_NONE_NEXT_YEAR)
                .arg("name", name)
                .arg("now", now)
                .arg("year", year + 1)
                .arg("start", next_start)
                .arg("next", next);
            diagnostics.warning(&file.path, line, text);
        }
    }
}

/// `(valid on earlier, valid on later)` when the information of `earlier` has run out on `later`.
fn run_out(validities: &[Validity], earlier: NaiveDate, later: NaiveDate) -> Option<(usize, usize)> {
    let valid_on =
        |(from, until): &Validity, day: NaiveDate| from.is_none_or(|f| f <= day) && until.is_none_or(|u| day <= u);
    let before = validities.iter().filter(|v| valid_on(v, earlier)).count();
    let after = validities.iter().filter(|v| valid_on(v, later)).count();
    let carried = validities.iter().any(|v| valid_on(v, earlier) && valid_on(v, later));
    (before > 0 && !carried && after * 2 < before).then_some((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn a_year_runs_out_unless_its_information_carries_over_or_is_renewed() {
        let old = (Some(date("2026-04-01")), Some(date("2027-03-31")));
        let new = (Some(date("2027-04-01")), Some(date("2028-03-31")));
        let (eve, first) = (date("2027-03-31"), date("2027-04-01"));
        assert_eq!(run_out(&[old, old, old], eve, first), Some((3, 0)));
        assert_eq!(run_out(&[old, old, old, new], eve, first), Some((3, 1)), "one early item is not a renewal");
        assert_eq!(run_out(&[old, old, new, new], eve, first), None, "renewed item by item");
        assert_eq!(run_out(&[old, old, (Some(date("2026-04-01")), None)], eve, first), None, "carried over");
        assert_eq!(run_out(&[], eve, first), None, "a town without local information");
    }
}
