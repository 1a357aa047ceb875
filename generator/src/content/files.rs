//! The typed files of `content/` as written (DESIGN.md §4): serde reads each YAML file into one
//! of these, refusing unknown keys so a misspelt key is reported instead of ignored.

use kizuna_schedule::{CalendarDate, Contact, EmailSettings, ReviewStatus, Rule, TrackId};
use serde::Deserialize;

/// `content/site.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// The archive's title.
    pub title: String,
    /// One sentence about the archive.
    #[serde(default)]
    pub description: String,
    /// Shown on every page and mail: general information, see a professional.
    pub disclaimer: String,
    /// The shared topic vocabulary.
    pub topics: Vec<String>,
}

/// `content/tracks/<track>/track.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackFile {
    /// Display name.
    pub name: String,
    /// A few sentences for the landing page.
    pub description: String,
}

/// Review status as written: `{ status: draft }` or `{ status: reviewed, by: … }`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// draft | reviewed
    pub status: ReviewStatus,
    /// Who supervised (監修), for reviewed content.
    #[serde(default)]
    pub by: Option<String>,
}

/// A message: `content/tracks/<track>/<stem>.yaml` or an override.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageFile {
    /// When it is delivered.
    pub when: Rule,
    /// Title and mail subject.
    pub title: String,
    /// Topics from the site vocabulary.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Markdown body.
    pub body: String,
    /// Optional section for partners and family.
    #[serde(default)]
    pub to_partner: Option<String>,
    /// Review status.
    pub review: Review,
}

/// `content/municipalities/<id>/municipality.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityFile {
    /// 6-digit local-government code.
    pub code: String,
    /// Name, e.g. ゆめみ野市.
    pub name: String,
    /// Prefecture.
    pub prefecture: String,
    /// The service's name.
    pub service_name: String,
    /// Markdown for the landing page.
    #[serde(default)]
    pub description: Option<String>,
    /// Enabled tracks.
    pub tracks: Vec<TrackId>,
    /// Enabled add-ons.
    #[serde(default)]
    pub addons: Vec<TrackId>,
    /// `HH:MM` JST.
    pub delivery_time: String,
    /// Sender addresses.
    pub email: EmailSettings,
    /// Archive settings.
    pub site: SiteSettings,
    /// Subscription API settings.
    pub api: ApiSettings,
    /// Contact point.
    pub contact: Contact,
    /// The LINE official account (issue 17); a town without it has no LINE channel.
    #[serde(default)]
    pub line: Option<kizuna_schedule::line::LineSettings>,
    /// Births a year, for 登録率 in the municipality's reports (issue 19).
    #[serde(default)]
    pub yearly_births: Option<u32>,
    /// The national reader surveys the town does not run (issue 20).
    #[serde(default)]
    pub surveys: Option<crate::survey_settings::SurveySettings>,
}

/// `site:` of a municipality.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    /// Where the archive is published, ending with `/`.
    pub base_url: String,
    /// `#rrggbb`, used with white text.
    pub theme_color: String,
}

/// `api:` of a municipality.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// The subscription API, ending with `/`.
    pub base_url: String,
}

/// `valid:` as written.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidityFile {
    /// First valid date.
    #[serde(default)]
    pub from: Option<CalendarDate>,
    /// Last valid date.
    #[serde(default)]
    pub until: Option<CalendarDate>,
}

/// `content/municipalities/<id>/local/<stem>.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFile {
    /// One of [`crate::validate::CATEGORIES`].
    pub category: String,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Optional validity (usually the fiscal year).
    #[serde(default)]
    pub valid: Option<ValidityFile>,
    /// `track/stem` of the message it is a section of.
    #[serde(default)]
    pub attach_to: Option<String>,
    /// Its own rule (or one identical to a base message's).
    #[serde(default)]
    pub when: Option<Rule>,
    /// For `date:` announcements: who receives it.
    #[serde(default)]
    pub tracks: Option<Vec<TrackId>>,
    /// Optional topics.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The department in charge (担当課), kept for the yearly workbook; not published.
    #[serde(default)]
    pub department: Option<String>,
    /// Staff's note (メモ), kept for the yearly workbook; not published.
    #[serde(default)]
    pub memo: Option<String>,
    /// Review status.
    pub review: Review,
}
