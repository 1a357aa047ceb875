//! How the API fills the subscription pages the generator published for one request: markers,
//! the error summary and field errors, the values sent, the `<base>` of a served page; which
//! sign-ups a municipality takes, and the archive page of the family's current week or age. Every
//! value is HTML-escaped.

use chrono::NaiveDate;
use kizuna_schedule::{forms, tracks_on, AnchorKind, ScheduleDocument, TrackId};

use crate::adapters::ses::compose::escape_html;
use crate::http::input::{FieldError, Fields};

/// Whether a municipality takes sign-ups of this kind: due dates need the maternity track; birth
/// dates need an enabled track of children the child is in (or will be in) on `today`.
pub fn accepts(schedule: &ScheduleDocument, kind: AnchorKind, anchor: NaiveDate, today: NaiveDate) -> bool {
    let enabled = schedule.municipality.enabled_tracks();
    match kind {
        AnchorKind::Due => enabled.contains(&TrackId::Maternity),
        AnchorKind::Birth => enabled
            .iter()
            .filter(|t| t.anchor_kind() == AnchorKind::Birth)
            .filter_map(|t| t.window(anchor))
            .any(|window| window.end >= today),
    }
}

/// The archive page for the family's current week or age: the latest entry of their current
/// tracks on or before `today` (up to about two months back), else the next one, else the archive.
pub fn current_archive_url(
    schedule: &ScheduleDocument,
    kind: AnchorKind,
    anchor: NaiveDate,
    today: NaiveDate,
) -> String {
    let enabled = schedule.municipality.enabled_tracks();
    let entry_on = |date: NaiveDate| {
        if tracks_on(kind, anchor, date, &enabled).is_empty() {
            return None;
        }
        schedule
            .deliveries_for(kind, anchor, date)
            .into_iter()
            .find(|d| matches!(d.entry.track, kizuna_schedule::EntryTrack::Track(_)))
            .map(|d| d.entry.url.clone())
    };
    let back = (0..=62).filter_map(|days| today.checked_sub_days(chrono::Days::new(days)));
    let forward = (1..=62).filter_map(|days| today.checked_add_days(chrono::Days::new(days)));
    back.chain(forward).find_map(entry_on).unwrap_or_else(|| schedule.municipality.archive_base_url.clone())
}

/// Fills a page's markers and, for a form shown again, its errors and the values sent.
pub fn fill_page(
    page: &str,
    token: Option<&str>,
    archive_url: Option<&str>,
    errors: &[FieldError],
    fields: Option<&Fields>,
) -> String {
    let mut html = page.replace("%%token%%", &escape_html(token.unwrap_or_default()));
    html = html.replace("%%archive_url%%", &escape_html(archive_url.unwrap_or_default()));
    if !errors.is_empty() {
        let mut summary = String::from(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">\
             <h2>入力内容を確認してください</h2><ul>",
        );
        for error in errors {
            let field = escape_html(&error.field);
            summary.push_str(&format!("<li><a href=\"#field-{field}\">{}</a></li>", escape_html(&error.message)));
            html = html.replace(
                &format!("<!--kizuna:error:{}-->", error.field),
                &format!("<p class=\"field-error\" id=\"error-{field}\">{}</p>", escape_html(&error.message)),
            );
            let hint = format!("aria-describedby=\"hint-{}\"", error.field);
            let described = if html.contains(&hint) {
                html = html.replace(&hint, &format!("aria-describedby=\"error-{field} hint-{field}\""));
                String::new()
            } else {
                format!(" aria-describedby=\"error-{field}\"")
            };
            html = html.replace(
                &format!("id=\"field-{}\"", error.field),
                &format!("id=\"field-{field}\" aria-invalid=\"true\"{described}"),
            );
        }
        summary.push_str("</ul></div>");
        html = html.replace("<!--kizuna:errors-->", &summary);
    }
    if let Some(fields) = fields {
        let shown_again = [forms::EMAIL, forms::NICKNAME, forms::DUE_DATE, forms::BIRTH_DATE, forms::DATE];
        for name in shown_again.map(|field| field.name) {
            if let Ok(Some(value)) = fields.text(name, name) {
                html = html.replace(
                    &format!("name=\"{name}\" value=\"\""),
                    &format!("name=\"{name}\" value=\"{}\"", escape_html(&value)),
                );
            }
        }
    }
    html
}

/// Sets the `<base>` of a page the API serves to the page's published address ([`BASE_MARKER`]).
pub fn with_base(page: &str, page_url: &str) -> String {
    page.replacen(BASE_MARKER, &format!("<base href=\"{}\">", escape_html(page_url)), 1)
}

/// Where the generator leaves room for the `<base>` of a served page.
pub const BASE_MARKER: &str = "<!--kizuna:base-->";

/// A minimal page for errors when no municipality is known (a forged or unreadable link).
pub fn fallback_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>{message}</p>\
         <p>メールのリンクをもう一度開くか、お住まいの市区町村の子育て担当窓口にお問い合わせください。</p></main></body></html>\n",
        title = escape_html(title),
        message = escape_html(message)
    )
}
