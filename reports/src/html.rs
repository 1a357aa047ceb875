//! The report as one self-contained HTML page for staff: headings, definitions, an inline SVG chart
//! with its table right below (JIS X 8341-3 / WCAG AA: `lang`, landmarks, captions, `scope`d headers,
//! contrast), and print CSS so it reads on A4 paper.

use std::fmt::Write as _;

use crate::report::{Cell, Report, Section, Table};
use crate::{chart, ReportError};

/// Escapes text for HTML element content and quoted attributes (the contract's one escape).
pub use kizuna_schedule::html::escape_html as escape;

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1rem; line-height: 1.7; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #005ea0; margin-top: 2.5rem; }
.subtitle { margin: 0; color: #333; }
nav ol { padding-left: 1.5rem; }
a { color: #00528c; }
a:focus, a:hover { outline: 3px solid #c05200; outline-offset: 2px; }
dl.definitions { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.definitions dt { font-weight: bold; }
dl.definitions dd { margin: 0; }
figure { margin: 1.5rem 0 .5rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-weight: bold; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid #767676; padding: .25rem .6rem; }
thead th { background: #e8f0f7; }
td { text-align: right; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-before: page; }
  section:first-of-type h2 { break-before: auto; }
  figure, table { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Renders the whole page.
pub fn render(report: &Report) -> Result<String, ReportError> {
    let mut out = String::new();
    let title = escape(&report.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    for line in &report.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(line));
    }
    out.push_str("</header>\n<nav aria-label=\"目次\">\n<ol>\n");
    for section in &report.sections {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", escape(&section.id), escape(&section.heading));
    }
    out.push_str("</ol>\n</nav>\n<main>\n");
    for section in &report.sections {
        render_section(&mut out, report, section)?;
    }
    out.push_str("</main>\n</body>\n</html>\n");
    Ok(out)
}

fn render_section(out: &mut String, report: &Report, section: &Section) -> Result<(), ReportError> {
    let id = escape(&section.id);
    let _ = writeln!(out, "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>", escape(&section.heading));
    for paragraph in &section.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", escape(paragraph));
    }
    if !section.definitions.is_empty() {
        out.push_str("<dl class=\"definitions\">\n");
        for (term, definition) in &section.definitions {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(definition));
        }
        out.push_str("</dl>\n");
    }
    for table in &section.tables {
        for chart in section.charts.iter().filter(|c| c.table == table.id) {
            let source = report.table(&chart.table).ok_or_else(|| ReportError::UnknownTable(chart.table.clone()))?;
            let _ = writeln!(
                out,
                "<figure>\n<figcaption>{}（数値は下の表「{}」）</figcaption>\n{}\n</figure>",
                escape(&chart.title),
                escape(&source.caption),
                chart::svg(chart, source)?
            );
        }
        render_table(out, table);
    }
    out.push_str("</section>\n");
    Ok(())
}

fn render_table(out: &mut String, table: &Table) {
    let _ = write!(
        out,
        "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-labelledby=\"{id}-caption\">\n\
         <table id=\"{id}\">\n<caption id=\"{id}-caption\">{}</caption>\n<thead><tr>",
        escape(&table.caption),
        id = escape(&table.id)
    );
    for column in &table.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(column));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(&row.label));
        for cell in &row.cells {
            let align = if matches!(cell, Cell::Text(_)) { " style=\"text-align:left\"" } else { "" };
            let _ = write!(out, "<td{align}>{}</td>", escape(&cell.display()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}
