//! Municipality reports (issue 19): for each municipality of the published schedules, the counters
//! of a period read through [`CounterSource`] (never a Scan), the figures and the report made by
//! `kizuna-reports`, rendered in the asked formats. The CLI writes the files to a directory
//! (`kizuna-sender report`), the monthly Lambda to the private reports bucket.

use chrono::NaiveDate;
use kizuna_reports::figures::{compute, Figures, Municipality, Period};
use kizuna_reports::{municipal, Format, Report};
use kizuna_schedule::MunicipalityInfo;

use crate::ports::counters::CounterSource;
use crate::BoxError;

/// One rendered report.
#[derive(Debug)]
pub struct MadeReport {
    /// The municipality id, or `all` for the roll-up.
    pub municipality: String,
    /// File name → bytes (`<id>-<from>_<to>.html`, `.xlsx`, `-<table>.csv`).
    pub files: Vec<(String, Vec<u8>)>,
}

/// What a reporting pass did.
#[derive(Debug, Default)]
pub struct Reports {
    /// Every report, in order.
    pub made: Vec<MadeReport>,
    /// Counter items read in all (the cost: it does not grow with subscribers).
    pub items_read: usize,
}

/// The file stem of a report: `<id>-<from>_<to>` (`<id>-<month>` for one month).
pub fn stem(id: &str, period: Period) -> String {
    if period.from == period.to {
        format!("{id}-{}", period.from)
    } else {
        format!("{id}-{}_{}", period.from, period.to)
    }
}

fn render(report: &Report, formats: &[Format], stem: &str) -> Result<Vec<(String, Vec<u8>)>, BoxError> {
    let mut files = Vec::new();
    for format in formats {
        files.extend(kizuna_reports::render(report, *format, stem)?);
    }
    Ok(files)
}

/// Makes the reports of `period` for `municipalities` (each its own), plus the operator's
/// roll-up when `rollup` is set.
pub async fn make_reports(
    counters: &impl CounterSource,
    municipalities: &[&MunicipalityInfo],
    period: Period,
    formats: &[Format],
    rollup: bool,
    generated_on: NaiveDate,
) -> Result<Reports, BoxError> {
    let mut reports = Reports::default();
    let mut all: Vec<Figures> = Vec::new();
    for info in municipalities {
        let (ledger, read) = counters.ledger(&info.id, period.from, period.to).await?;
        reports.items_read += read;
        let figures = compute(&ledger, &Municipality::from(*info), period);
        let report = municipal::report(&figures, generated_on);
        let files = render(&report, formats, &stem(&info.id, period))?;
        reports.made.push(MadeReport { municipality: info.id.clone(), files });
        all.push(figures);
    }
    if rollup {
        let report = municipal::rollup(&all, generated_on);
        let files = render(&report, formats, &stem("all", period))?;
        reports.made.push(MadeReport { municipality: "all".to_owned(), files });
    }
    Ok(reports)
}
