//! The report as plain values: a [`Report`] of [`Section`]s, each with definitions, [`Table`]s and
//! [`Chart`]s drawn from those tables. The renderers (HTML, xlsx, CSV) know nothing of what the
//! figures mean, so another part (e.g. surveys) adds its own sections and gets all three outputs.

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The title (the HTML `<h1>`, the workbook's first line).
    pub title: String,
    /// Lines under the title: the municipality, the period, when it was made.
    pub subtitle: Vec<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// One section: a heading, what it says, and its tables and charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// An id for anchors (ASCII, unique in the report).
    pub id: String,
    /// The heading.
    pub heading: String,
    /// Paragraphs before the tables.
    pub paragraphs: Vec<String>,
    /// Terms and their definitions, printed in the report.
    pub definitions: Vec<(String, String)>,
    /// The tables.
    pub tables: Vec<Table>,
    /// The charts, each drawn from one of the tables.
    pub charts: Vec<Chart>,
}

/// A table: the one truth behind a chart, a worksheet and a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// An id (ASCII, unique in the report): the CSV file's name and the HTML anchor.
    pub id: String,
    /// The caption (also the worksheet's name, shortened to Excel's 31 characters).
    pub caption: String,
    /// Column headings, the first one heading the row labels.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// One row: a label and one cell per remaining column.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The row's label (its `<th scope="row">`).
    pub label: String,
    /// The cells.
    pub cells: Vec<Cell>,
}

/// A cell's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A count.
    Count(i64),
    /// A share (0.073 = 7.3 %); `None` where it is undefined (nothing to divide by).
    Share(Option<f64>),
    /// Text.
    Text(String),
}

impl Cell {
    /// How the cell reads in HTML and CSV.
    pub fn display(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Share(Some(share)) => format!("{:.1}%", share * 100.0),
            Cell::Share(None) => "—".to_owned(),
            Cell::Text(text) => text.clone(),
        }
    }

    /// The value a chart plots.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Count(n) => Some(*n as f64),
            Cell::Share(share) => share.map(|s| s * 100.0),
            Cell::Text(_) => None,
        }
    }
}

/// A line chart of some columns of a table over its rows (usually months).
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The figure's caption.
    pub title: String,
    /// The id of the table it is drawn from (the reader's way to the exact numbers).
    pub table: String,
    /// Which columns (indexes into `Table::cells`, i.e. not counting the label column) are lines.
    pub series: Vec<usize>,
    /// The unit of the y axis (人, 通, %).
    pub unit: String,
}

impl Report {
    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.sections.iter().flat_map(|s| &s.tables).find(|t| t.id == id)
    }

    /// Every table, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections.iter().flat_map(|s| &s.tables)
    }
}

impl Section {
    /// This section inside another report: its id, its tables' ids (and so the CSV file names) and
    /// its charts' table references prefixed with `prefix`, so two embedded reports never share an
    /// id, and its heading and table captions led by `title` so a reader of one table knows whose
    /// it is.
    pub fn embedded(mut self, prefix: &str, title: &str) -> Section {
        self.id = format!("{prefix}{}", self.id);
        self.heading = format!("{title}：{}", self.heading);
        for table in &mut self.tables {
            table.id = format!("{prefix}{}", table.id);
            table.caption = format!("{title}：{}", table.caption);
        }
        for chart in &mut self.charts {
            chart.table = format!("{prefix}{}", chart.table);
        }
        self
    }
}
