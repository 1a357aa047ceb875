//! The subscription pages of one municipality (`site-theme/templates/subscribe/*.html`), written to
//! `<muni>/subscribe/<page>/index.html`: sign-up, sent, confirm, confirmed, manage, updated, stopped,
//! unsubscribe, unsubscribed, deleted and error. Japanese, accessible (labels, hints and errors tied
//! to their fields, headings) and working without JavaScript: plain forms posting to the API.
//!
//! The subscription API (`sender-lambda/src/api/`) answers form posts with `303` to these pages and
//! serves some of them itself, filling the markers it owns: `%%token%%` (hidden inputs of the
//! confirm, manage and unsubscribe forms), `%%archive_url%%` (the confirmed page's link to the current week or age),
//! `<!--kizuna:errors-->` and `<!--kizuna:error:<field>-->` (errors of a form shown again). Because
//! the API serves pages under `/api/`, every link here is absolute (from the municipality's base URL).

use kizuna_schedule::TrackId;
use tera::Context;

use crate::render::{BuildContext, MunicipalityView, OutputFile, RenderError, SiteView};
use crate::resolve::Edition;

/// The version of the consent text on the sign-up page (recorded with each subscription).
pub const CONSENT_VERSION: &str = "2026-11";

/// The pages: (directory and template name, title).
pub const PAGES: [(&str, &str); 11] = [
    ("signup", "メール配信の登録"),
    ("sent", "確認のメールを送りました"),
    ("confirm", "登録の確認"),
    ("confirmed", "登録が完了しました"),
    ("manage", "登録内容の確認・変更"),
    ("updated", "登録内容を変更しました"),
    ("stopped", "配信を停止しました"),
    ("unsubscribe", "配信の解除"),
    ("unsubscribed", "配信を解除しました"),
    ("deleted", "データを削除しました"),
    ("error", "リンクを開けませんでした"),
];

/// The site root of an archive base URL: `https://x/muni/` → `https://x/`.
fn parent_url(base_url: &str) -> String {
    let trimmed = base_url.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((parent, _)) if parent.contains("://") && !parent.ends_with('/') => format!("{parent}/"),
        _ => base_url.to_owned(),
    }
}

/// Renders the subscription pages of a municipality.
pub fn render_subscribe_pages(build: BuildContext<'_>, edition: &Edition) -> Result<Vec<OutputFile>, RenderError> {
    let site = &build.content.site.value;
    let mut context = Context::new();
    context.insert("site", &SiteView::of(site));
    context.insert("muni", &MunicipalityView::of(edition));
    context.insert("root", &parent_url(&edition.base_url));
    context.insert("muni_root", &edition.base_url);
    context.insert("api", &edition.api_base_url);
    context.insert("consent_version", CONSENT_VERSION);
    context.insert("email_domain", edition.email.from.rsplit_once('@').map_or("", |(_, domain)| domain));
    context.insert("accepts_due", &edition.tracks.contains(&TrackId::Maternity));
    let mut files = Vec::with_capacity(PAGES.len());
    for (slug, title) in PAGES {
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
    fn the_site_root_is_the_parent_of_the_municipality() {
        assert_eq!(parent_url("https://kizuna.example.jp/hikari/"), "https://kizuna.example.jp/");
        assert_eq!(parent_url("https://kizuna.example.jp/"), "https://kizuna.example.jp/");
    }
}
