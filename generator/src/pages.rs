//! The subscription pages of one municipality (`site-theme/templates/subscribe/*.html`), written to
//! `<muni>/subscribe/<page>/index.html`: sign-up, sent, confirm, confirmed, manage, updated, stopped,
//! unsubscribe, unsubscribed, deleted and error. Japanese, accessible (labels, hints and errors tied
//! to their fields, headings) and working without JavaScript: plain forms posting to the API.
//!
//! The subscription API (`sender-lambda/src/api/`) answers form posts with `303` to these pages and
//! serves some of them itself, filling the markers it owns (`markers` in templates, spelled by
//! `kizuna_schedule::PageMarker`; the pages and their slugs are `kizuna_schedule::SubscribePage`): `%%token%%` (hidden inputs of the
//! confirm, manage and unsubscribe forms), `%%archive_url%%` (the confirmed page's link to the current week or age),
//! `<!--kizuna:errors-->` and `<!--kizuna:error:<field>-->` (errors of a form shown again), and
//! `<!--kizuna:base-->`: links here are relative like the archive's (a local copy works), and the
//! API, serving a page under `/api/`, puts a `<base>` of the page's published address there.
//!
//! The forms' field names and values come from `kizuna_schedule::forms` ([`insert_form_context`]),
//! which the API reads its input with; the landing page's sign-up is the same partial.
//!
//! A town with a `line:` block also gets `subscribe/line/` (LINE registration, opened from the
//! chat's greeting) and, on the landing, sign-up and message pages, the add-friend button and QR
//! code ([`LineView`]).

use kizuna_schedule::forms::FormsView;
use std::collections::BTreeMap;

use kizuna_schedule::{AnchorKind, PageMarker, SubscribePage, TrackId};
use serde::Serialize;
use tera::Context;

use crate::render::{BuildContext, MunicipalityView, OutputFile, RenderError, SiteView};
use crate::resolve::{reference_anchor, Edition};

/// The version of the consent text on the sign-up page (recorded with each subscription): the
/// contract's, re-exported for tests of the pages.
pub use kizuna_schedule::forms::CONSENT_VERSION;

/// What every page with a form needs (the landing page's sign-up and the subscription pages): the
/// forms contract, the API, which dates the municipality takes, the sender's domain for the
/// carrier-mail guidance, and the level of the terms heading (`h2` on its own page, `h3` inside
/// the landing page's sign-up section).
pub(crate) fn insert_form_context(context: &mut Context, edition: &Edition, terms_heading: &str) {
    let forms = FormsView::default();
    context.insert("markers", &PageMarkersView::of(&forms));
    context.insert("forms", &forms);
    context.insert("api", &edition.api_base_url);
    context.insert("email_domain", edition.email.from.rsplit_once('@').map_or("", |(_, domain)| domain));
    context.insert("accepts_due", &edition.tracks.contains(&TrackId::Maternity));
    context.insert("terms_heading", terms_heading);
    context.insert("line", &LineView::of(edition));
}

/// The add-friend button and QR code of a town with LINE (`line` in templates; absent without).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct LineView {
    /// `@123abcde`.
    pub basic_id: String,
    /// The button's link, also the QR code's content.
    pub add_friend_url: String,
    /// The QR code as inline SVG.
    pub qr_svg: String,
}

impl LineView {
    /// `None` for a town without LINE. The settings were checked before rendering (LINE's own
    /// URLs, short), so the QR code cannot fail; if it did, the page shows the button alone.
    pub(crate) fn of(edition: &Edition) -> Option<LineView> {
        let line = edition.line.as_ref()?;
        let label = format!("{}のLINE公式アカウントを友だち追加するQRコード", edition.name);
        Some(LineView {
            basic_id: line.basic_id.clone(),
            add_friend_url: line.add_friend_url.clone(),
            qr_svg: crate::qr::svg(&line.add_friend_url, &label).unwrap_or_default(),
        })
    }
}

/// What a municipality sends, in words, for the landing page and the finder (a town that stops
/// at the 3rd birthday must not promise messages "to 18").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct SpanText {
    /// 「妊娠中から3歳の誕生日まで」
    pub span: String,
    /// 「妊娠4週0日から41週6日まで」, empty without the maternity track.
    pub due_span: String,
    /// 「生まれた日から3歳の誕生日まで」, empty without a track for children.
    pub birth_span: String,
}

impl SpanText {
    /// The span of the enabled tracks, ordered by their windows for one reference child.
    pub(crate) fn of(enabled: &[TrackId]) -> SpanText {
        // A child born mid-year: for an April 2 birthday (reference_anchor) the 6th birthday falls
        // after 年長, which is true of no other day.
        let reference = chrono::NaiveDate::from_ymd_opt(2020, 10, 1).unwrap_or_else(reference_anchor);
        let window = |t: &TrackId| t.window(reference).map(|w| (w.start, w.end)).unwrap_or_default();
        let children: Vec<TrackId> = enabled.iter().copied().filter(|t| t.anchor_kind() == AnchorKind::Birth).collect();
        let first = children.iter().min_by_key(|t| window(t).0).map(|t| t.window_words().0);
        let last = children.iter().max_by_key(|t| window(t).1).map(|t| t.window_words().1);
        let birth_span = match (first, last) {
            (Some(first), Some(last)) => format!("{first}から{last}まで"),
            _ => String::new(),
        };
        let due_span = if enabled.contains(&TrackId::Maternity) {
            // 「妊娠4週0日から41週6日まで」: the second 「妊娠」 is not repeated, as people write it.
            let (first, last) = TrackId::Maternity.window_words();
            format!("{first}から{}まで", last.strip_prefix("妊娠").unwrap_or(last))
        } else {
            String::new()
        };
        let span = match (due_span.is_empty(), last) {
            (false, Some(last)) => format!("妊娠中から{last}まで"),
            (false, None) => "妊娠中".to_owned(),
            (true, _) => birth_span.clone(),
        };
        SpanText { span, due_span, birth_span }
    }
}

/// A page's title (its `<h1>`); the pages themselves, and their slugs, are the contract's
/// [`SubscribePage`], so a page the API redirects to cannot be missing here.
pub fn page_title(page: SubscribePage) -> &'static str {
    match page {
        SubscribePage::Signup => "メール配信の登録",
        SubscribePage::Sent => "確認のメールを送りました",
        SubscribePage::Confirm => "登録の確認",
        SubscribePage::Confirmed => "登録が完了しました",
        SubscribePage::Manage => "登録内容の確認・変更",
        SubscribePage::Updated => "登録内容を変更しました",
        SubscribePage::Stopped => "配信を停止しました",
        SubscribePage::Unsubscribe => "配信の解除",
        SubscribePage::Unsubscribed => "配信を解除しました",
        SubscribePage::Deleted => "データを削除しました",
        SubscribePage::Error => "リンクを開けませんでした",
    }
}

/// The markers the API fills in the pages (`markers` in templates), spelled by the contract's
/// [`PageMarker`]: `error.<field>` is the error slot of each field of `forms` (same keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageMarkersView {
    token: &'static str,
    archive_url: &'static str,
    errors: &'static str,
    base: &'static str,
    error: BTreeMap<String, String>,
}

impl PageMarkersView {
    /// The markers of the forms of `forms`.
    pub fn of(forms: &FormsView) -> Self {
        // Every member of `forms` that is a field (it has a `name`) gets its error slot. A view
        // that would not serialize leaves the map empty, and the templates then fail to render
        // (an undefined `markers.error.<field>`) rather than write pages without their slots.
        let error = match serde_json::to_value(forms) {
            Ok(serde_json::Value::Object(members)) => members
                .iter()
                .filter_map(|(key, field)| {
                    let name = field.get("name")?.as_str()?;
                    Some((key.clone(), PageMarker::field_error(name)))
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        PageMarkersView {
            token: PageMarker::Token.as_str(),
            archive_url: PageMarker::ArchiveUrl.as_str(),
            errors: PageMarker::Errors.as_str(),
            base: PageMarker::Base.as_str(),
            error,
        }
    }
}

/// The pages of towns with LINE: (directory and template name, title).
pub const LINE_PAGES: [(&str, &str); 2] = [
    (kizuna_schedule::line::REGISTER_PAGE_SLUG, "LINEで受け取る登録"),
    (kizuna_schedule::line::REGISTERED_PAGE_SLUG, "LINEでの登録が完了しました"),
];

/// Renders the subscription pages of a municipality.
pub fn render_subscribe_pages(build: BuildContext<'_>, edition: &Edition) -> Result<Vec<OutputFile>, RenderError> {
    let site = &build.content.site.value;
    let mut context = Context::new();
    context.insert("site", &SiteView::of(site));
    context.insert("muni", &MunicipalityView::of(edition));
    // Relative, as the archive's links are: the pages then also work opened from a local copy, and
    // the API, when it serves one under /api/, adds a <base> naming the page's published address.
    context.insert("root", "../../../");
    context.insert("muni_root", "../../");
    insert_form_context(&mut context, edition, "h2");
    let pages = SubscribePage::ALL.map(|page| (page.slug(), page_title(page)));
    let mut files = Vec::with_capacity(pages.len() + LINE_PAGES.len());
    let line_pages = if edition.line.is_some() { &LINE_PAGES[..] } else { &[] };
    for &(slug, title) in pages.iter().chain(line_pages) {
        let mut page = context.clone();
        page.insert("page_title", title);
        let template = format!("subscribe/{slug}.html");
        let path = format!("{}/subscribe/{slug}/index.html", edition.id);
        let bytes = build.theme.tera.render(&template, &page).map_err(|error| RenderError {
            page: path.clone(),
            template: template.clone(),
            message: format!("{error:#}"),
        })?;
        files.push(OutputFile { path, bytes: bytes.into_bytes() });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_follows_the_enabled_tracks() {
        let town = SpanText::of(&[TrackId::Maternity, TrackId::Baby]);
        assert_eq!(town.span, "妊娠中から3歳の誕生日まで");
        assert_eq!(town.birth_span, "生まれた日から3歳の誕生日まで");
        assert_eq!(town.due_span, "妊娠4週0日から41週6日まで");
        let city = SpanText::of(&[TrackId::Baby, TrackId::Preschool, TrackId::School, TrackId::FirstGrade]);
        assert_eq!(city.birth_span, "生まれた日から高校3年生の3月31日まで");
        let children = SpanText::of(&[TrackId::Preschool, TrackId::SchoolEntry]);
        assert_eq!(children.span, "3歳の誕生日の翌日から年長の3月31日まで");
        assert!(children.due_span.is_empty());
    }
}
