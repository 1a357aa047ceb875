//! Reports for municipalities (issue 19): registrations, 配信中, 解除率・停止率 and deliveries,
//! computed from counters the sender keeps in the same DynamoDB transaction as every lifecycle
//! transition — never from a Scan — and written as HTML for staff (inline SVG charts, print CSS),
//! xlsx and CSV (UTF-8 with BOM).
//!
//! Pure and AWS-free, a crate of its own so that the chart and workbook dependencies stay out of
//! everything that does not make reports:
//! - [`counters`]: what a transition or a delivery adds to which counter; [`ledger`]: reading them back;
//! - [`figures`]: the report's numbers from the counters; [`stages`]: 配信中 by track at a month end;
//! - [`report`]: the report as plain values (sections, tables, charts) that other parts extend;
//! - [`survey`]: reader survey results (per question, by stage and channel) and the national roll-up;
//! - [`municipal`]: the municipality report; [`html`], [`xlsx`], [`csv`] render any [`Report`].

pub mod chart;
pub mod counters;
pub mod csv;
pub mod figures;
pub mod html;
pub mod ledger;
pub mod month;
pub mod municipal;
pub mod report;
pub mod stages;
pub mod survey;
pub mod xlsx;

use std::path::{Path, PathBuf};

pub use month::Month;
pub use report::{Cell, Chart, Report, Row, Section, Table};

/// A report that could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// plotters could not draw a chart.
    #[error("グラフを描けませんでした: {0}")]
    Chart(String),
    /// A chart names a table the report does not have (a programming error in a section).
    #[error("グラフの元の表 {0} がありません")]
    UnknownTable(String),
    /// The workbook could not be written.
    #[error("xlsx を作れませんでした: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// A file could not be written.
    #[error("{path} に書き込めませんでした: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One HTML page.
    Html,
    /// One workbook.
    Xlsx,
    /// One CSV file per table.
    Csv,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Html, Format::Xlsx, Format::Csv];
}

/// The files of a report in one format: (file name, bytes). CSV files are `<stem>-<table id>.csv`.
pub fn render(report: &Report, format: Format, stem: &str) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    Ok(match format {
        Format::Html => vec![(format!("{stem}.html"), html::render(report)?.into_bytes())],
        Format::Xlsx => vec![(format!("{stem}.xlsx"), xlsx::render(report)?)],
        Format::Csv => report.tables().map(|t| (format!("{stem}-{}.csv", t.id), csv::render(t).into_bytes())).collect(),
    })
}

/// Writes a report's files into `dir`, each through a temporary file and a rename, so a reader
/// never sees half a file. Returns the paths written.
pub fn write(report: &Report, format: Format, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
    let files = render(report, format, stem)?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_owned(), source })?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(&name);
        let temporary = dir.join(format!(".{name}.tmp"));
        let io = |source| ReportError::Io { path: path.clone(), source };
        std::fs::write(&temporary, &bytes).map_err(io)?;
        std::fs::rename(&temporary, &path).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}
