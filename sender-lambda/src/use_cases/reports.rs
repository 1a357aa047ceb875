//! Municipality reports (issue 19): for each municipality of the published schedules, the counters
//! of a period read through [`CounterSource`] (never a Scan), the figures and the report made by
//! `kizuna-reports`, and the results of the reader surveys open during the period (issue 20: read by
//! key from the survey answers table, free text in the staff workbook only), rendered in the asked
//! formats. The CLI writes the files to a directory (`kizuna-sender report`), the monthly Lambda to
//! the private reports bucket.

use chrono::NaiveDate;
use kizuna_reports::figures::{compute, Figures, Municipality, Period};
use kizuna_reports::survey::{embed, national_roll_up, AnswerSheet, Invitations, SurveyResults};
use kizuna_reports::{municipal, Format, Month, Report, Section};
use kizuna_schedule::survey::{SurveyEntry, SurveyScope};
use kizuna_schedule::ScheduleDocument;

use crate::ports::counters::CounterSource;
use crate::ports::survey_answers::SurveyAnswers;
use crate::BoxError;
use kizuna_reports::ledger::Reading;

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

fn render(public: &Report, staff: &Report, formats: &[Format], stem: &str) -> Result<Vec<(String, Vec<u8>)>, BoxError> {
    let mut files = Vec::new();
    for format in formats {
        // Free-text survey answers are for staff: in the workbook only, never in HTML or CSV.
        let report = if *format == Format::Xlsx { staff } else { public };
        files.extend(kizuna_reports::render(report, *format, stem)?);
    }
    Ok(files)
}

/// Whether a survey was open during the period: its results (to date — an answer carries no date,
/// so they are the survey's totals when the report is made) belong in that period's report.
fn open_during(survey: &SurveyEntry, period: Period) -> bool {
    survey.open.from <= period.to.last_day() && survey.open.until >= period.from.first_day()
}

/// Every survey of a municipality open during the period, with its answers and invitations read
/// by key (one Query of the survey's partition each, never a Scan).
async fn survey_results<'a>(
    surveys: &impl SurveyAnswers,
    document: &'a ScheduleDocument,
    period: Period,
) -> Result<Vec<SurveyResults<'a>>, BoxError> {
    let mut results = Vec::new();
    for survey in document.surveys.iter().filter(|s| open_during(s, period)) {
        let records = surveys.records(&document.municipality.id, &survey.id).await?;
        let mut invitations = Invitations::new();
        for (stage, channel, n) in records.invitations {
            *invitations.entry((stage, channel)).or_default() += n;
        }
        let sheets = records
            .sheets
            .into_iter()
            .map(|s| AnswerSheet { stage: s.stage, channel: s.channel, answers: s.answers })
            .collect();
        results.push(SurveyResults { municipality: document.municipality.name.clone(), survey, sheets, invitations });
    }
    Ok(results)
}

/// Makes the reports of `period` for the municipalities of `schedules` (each its own, with the
/// results of its surveys open during the period), plus the operator's roll-up when `rollup` is
/// set (with each national survey's roll-up over the towns that asked its national questions).
pub async fn make_reports(
    counters: &impl CounterSource,
    surveys: &impl SurveyAnswers,
    schedules: &[&ScheduleDocument],
    period: Period,
    formats: &[Format],
    rollup: bool,
    generated_on: NaiveDate,
) -> Result<Reports, BoxError> {
    let mut reports = Reports::default();
    let mut all: Vec<Figures> = Vec::new();
    let mut all_surveys: Vec<SurveyResults<'_>> = Vec::new();
    for document in schedules {
        let info = &document.municipality;
        let municipality = Municipality::from(info);
        // Changes up to the month after today's count as "later" too: a transition at the turn of
        // the month is not missed.
        let now = Month::of(generated_on).next();
        let reading =
            Reading { municipality: &info.id, from: period.from, to: period.to, enabled: &municipality.enabled, now };
        let (ledger, read) = counters.ledger(reading).await?;
        reports.items_read += read;
        let figures = compute(&ledger, &municipality, period);
        let mut public = municipal::report(&figures, generated_on);
        let mut staff = public.clone();
        for results in survey_results(surveys, document, period).await? {
            public.sections.extend(results.embedded_sections(false, generated_on));
            staff.sections.extend(results.embedded_sections(true, generated_on));
            all_surveys.push(results);
        }
        let files = render(&public, &staff, formats, &stem(&info.id, period))?;
        reports.made.push(MadeReport { municipality: info.id.clone(), files });
        all.push(figures);
    }
    if rollup {
        let mut report = municipal::rollup(&all, generated_on);
        report.sections.extend(national_sections(&all_surveys, generated_on));
        let files = render(&report, &report, formats, &stem("all", period))?;
        reports.made.push(MadeReport { municipality: "all".to_owned(), files });
    }
    Ok(reports)
}

/// The national roll-up (統合データ) of every national survey in `results`, as sections.
fn national_sections(results: &[SurveyResults<'_>], generated_on: NaiveDate) -> Vec<Section> {
    let mut ids: Vec<&str> =
        results.iter().filter(|r| r.survey.scope == SurveyScope::National).map(|r| r.survey.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut sections = Vec::new();
    for id in ids {
        let same: Vec<SurveyResults<'_>> = results.iter().filter(|r| r.survey.id == id).cloned().collect();
        if let Some(report) = national_roll_up(&same, generated_on) {
            let title = format!("{}（全国集計）", same[0].survey.title);
            sections.extend(embed(report, &format!("national-{id}"), &title));
        }
    }
    sections
}
