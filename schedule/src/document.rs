//! The delivery contract between the generator and the sender: `schedule.json` (`kizuna-schedule/2`)
//! and the `current.json` pointer that makes publishing atomic.
//!
//! The generator writes one [`ScheduleDocument`] per municipality; the sender reads it and the
//! section files it names, checking each file against its SHA-256 `hash`. Version 2 added the LINE
//! channel ([`crate::line`]): `municipality.line`, `line` and each entry's and section's `line` file. The JSON Schema in
//! `schedule/schema/` is generated from these types ([`schedule_json_schema`]) and a test keeps the
//! committed copy current.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::line::{LineFile, LineParts, LineSettings};
use crate::rule::{AnchorKind, Rule, RuleError};
use crate::survey::SurveyEntry;
use crate::track::{owning_addon, tracks_on, TrackId};

/// The value of [`ScheduleDocument::schema`].
pub const SCHEDULE_SCHEMA: &str = "kizuna-schedule/2";
/// The value of [`CurrentPointer::schema`].
pub const CURRENT_SCHEMA: &str = "kizuna-current/1";

/// One municipality's delivery schedule (`public/<muni>/schedule.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDocument {
    /// Always `kizuna-schedule/2`.
    pub schema: String,
    /// Which build produced it.
    pub build: BuildInfo,
    /// The municipality's settings the sender needs.
    pub municipality: MunicipalityInfo,
    /// Where the mail frame and the transactional mails are, relative to this file.
    pub mail: MailParts,
    /// The transactional LINE payloads; present exactly when `municipality.line` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LineParts>,
    /// Every deliverable entry, in delivery order of their rules.
    ///
    /// Entries an enabled add-on owns ([`owning_addon`]) are left out by the generator: the simplest
    /// contract is that what is listed is what may be sent. Readers still apply the same test,
    /// because a schedule published before the rule existed (or edited by hand) may list them, and a
    /// family must not get the school track's 小1 message next to the add-on's in one mail.
    pub entries: Vec<ScheduleEntry>,
    /// The reader surveys the municipality runs (読者アンケート): who is invited when, and the
    /// questions the answer API reads. Absent when there are none, so a schedule without surveys
    /// reads the same as before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<SurveyEntry>,
}

/// The content hash of a published file, as `schedule.json` records it: `sha256:<lowercase hex>`
/// of the file's exact bytes. The generator writes it; the sender refuses a section whose bytes do
/// not match (a half-published build). Defined here, once, so both sides agree by construction.
///
/// ```
/// assert_eq!(
///     kizuna_schedule::content_hash(b"abc"),
///     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The build that produced a schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildInfo {
    /// `<UTC timestamp>-<content hash prefix>`, e.g. `20261126T050000Z-3f2a9c`.
    pub id: String,
    /// True only for `kizuna build --production`, which refuses draft content.
    pub production: bool,
}

/// The municipality as the sender sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInfo {
    /// Directory id, e.g. `yumemino`.
    pub id: String,
    /// 6-digit local-government code.
    pub code: String,
    /// ゆめみ野市
    pub name: String,
    /// The service's name in mails and pages.
    pub service_name: String,
    /// Enabled tracks.
    pub tracks: Vec<TrackId>,
    /// Enabled add-on tracks.
    pub addons: Vec<TrackId>,
    /// Local time (JST) after which the day's mails go out, `HH:MM`.
    pub delivery_time: String,
    /// Sender addresses.
    pub email: EmailSettings,
    /// Where the archive is published, ending with `/`.
    pub archive_base_url: String,
    /// Where the subscription API is, ending with `/`.
    pub api_base_url: String,
    /// The municipality's contact point.
    pub contact: Contact,
    /// The LINE official account, when the municipality has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LineSettings>,
    /// Births a year (`yearly_births` in `municipality.yaml`): the denominator of 登録率 in the
    /// municipality's reports; absent when the municipality did not give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yearly_births: Option<u32>,
}

impl MunicipalityInfo {
    /// Every enabled track, add-ons included.
    pub fn enabled_tracks(&self) -> Vec<TrackId> {
        self.tracks.iter().chain(&self.addons).copied().collect()
    }

    /// The parsed [`MunicipalityInfo::delivery_time`] (an error, never a guess, when it is not one).
    pub fn parsed_delivery_time(&self) -> Result<crate::DeliveryTime, crate::DeliveryTimeError> {
        crate::DeliveryTime::parse(&self.delivery_time)
    }
}

/// Sender addresses of a municipality.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// The From address (a verified SES identity).
    pub from: String,
    /// The display name of the sender.
    pub from_name: String,
    /// Where replies go.
    pub reply_to: String,
}

/// A municipality's contact point (こども家庭センター by default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name of the office.
    pub name: String,
    /// Phone number.
    pub phone: String,
    /// Opening hours.
    pub hours: String,
    /// Web page.
    pub url: String,
}

/// The mail frame and the transactional mails, as paths relative to the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailParts {
    /// `mail/shell.json`
    pub shell: String,
    /// One path per transactional mail.
    pub system: BTreeMap<SystemMail, String>,
}

/// The transactional mails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SystemMail {
    /// Confirm the address (double opt-in).
    Confirm,
    /// Welcome after confirmation.
    Welcome,
    /// The birth was registered.
    BirthRegistered,
    /// The subscription was stopped.
    Stopped,
    /// Stopped after a loss: one gentle confirmation, nothing more.
    StoppedLoss,
    /// Unsubscribed.
    Unsubscribed,
    /// 41w6d reached without a birth registration.
    BirthReminder,
}

impl SystemMail {
    /// Every transactional mail.
    pub const ALL: [SystemMail; 7] = [
        SystemMail::Confirm,
        SystemMail::Welcome,
        SystemMail::BirthRegistered,
        SystemMail::Stopped,
        SystemMail::StoppedLoss,
        SystemMail::Unsubscribed,
        SystemMail::BirthReminder,
    ];

    /// The kebab-case id, also the file stem under `mail/system/`.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemMail::Confirm => "confirm",
            SystemMail::Welcome => "welcome",
            SystemMail::BirthRegistered => "birth-registered",
            SystemMail::Stopped => "stopped",
            SystemMail::StoppedLoss => "stopped-loss",
            SystemMail::Unsubscribed => "unsubscribed",
            SystemMail::BirthReminder => "birth-reminder",
        }
    }
}

/// Which series an entry belongs to: a track, or the municipality's own local information.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EntryTrack {
    /// A message of a track.
    Track(TrackId),
    /// A local item or announcement; its recipients are those currently in its `tracks`.
    Local,
}

impl fmt::Display for EntryTrack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryTrack::Track(track) => track.fmt(f),
            EntryTrack::Local => f.write_str("local"),
        }
    }
}

impl FromStr for EntryTrack {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "local" {
            Ok(EntryTrack::Local)
        } else {
            s.parse().map(EntryTrack::Track)
        }
    }
}

impl TryFrom<String> for EntryTrack {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<EntryTrack> for String {
    fn from(value: EntryTrack) -> String {
        value.to_string()
    }
}

impl JsonSchema for EntryTrack {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EntryTrack".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut ids: Vec<&str> = TrackId::ALL.iter().map(|t| t.as_str()).collect();
        ids.push("local");
        schemars::json_schema!({ "type": "string", "enum": ids })
    }
}

/// Whether a manuscript has been reviewed (監修) or is still a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    /// Not yet medically supervised; refused by production builds and by the sender by default.
    Draft,
    /// Reviewed.
    Reviewed,
}

/// The dates an item of local information is valid (both ends included; either may be open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Validity {
    /// First valid date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last valid date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

impl Validity {
    /// Whether the item may be shown or sent on `date`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= date) && self.until.is_none_or(|until| date <= until)
    }
}

/// One deliverable message: a track message (with its local sections) or a local item of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    /// `maternity/12w3d` or `local/boshi-techo`.
    pub id: String,
    /// The track, or `local`.
    pub track: EntryTrack,
    /// For local entries: subscriptions currently in one of these tracks receive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackId>>,
    /// When it is delivered.
    pub when: Rule,
    /// The mail subject (the message title).
    pub subject: String,
    /// The archive page of the message.
    pub url: String,
    /// The section file, relative to the schedule.
    pub section: String,
    /// `sha256:<hex>` of the section file's bytes.
    pub hash: String,
    /// The same section as LINE messages (municipalities with LINE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LineFile>,
    /// Review status; drafts are refused unless the sender allows drafts.
    pub review: ReviewStatus,
    /// Local information shown as sections of this message, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local: Vec<LocalSection>,
    /// For local entries: when they may be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<Validity>,
}

/// Local information attached to a message as one of its sections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalSection {
    /// `local/<stem>`
    pub id: String,
    /// The section file, relative to the schedule.
    pub section: String,
    /// `sha256:<hex>` of the section file's bytes.
    pub hash: String,
    /// The same section as LINE messages (municipalities with LINE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LineFile>,
    /// When it may be sent; an expired section is left out of the mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<Validity>,
}

/// One section file (`mail/sections/<id>.json`): a message or a local item as mail parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailSection {
    /// The heading.
    pub title: String,
    /// HTML with inline styles, to be placed at `%%sections%%` in the shell's HTML.
    pub html: String,
    /// Plain text, to be placed at `%%sections%%` in the shell's text.
    pub text: String,
}

/// The mail frame (`mail/shell.json`) and the transactional mails (`mail/system/<kind>.json`).
///
/// Bodies carry the markers `%%sections%%`, `%%unsubscribe_url%%`, `%%manage_url%%`, `%%nickname%%`
/// and `%%archive_url%%`, which only the sender fills (escaped per part).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailFrame {
    /// Subject for transactional mails; empty for the shell (the subject is the first section's).
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
}

/// `current.json`: the pointer to the published build, switched last so readers never see half a build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentPointer {
    /// Always `kizuna-current/1`.
    pub schema: String,
    /// The build id.
    pub build: String,
    /// The prefix holding the build, e.g. `builds/20261126T050000Z-3f2a9c/`.
    pub prefix: String,
}

/// One entry a subscription receives on a date, with the local sections valid that day.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery<'a> {
    /// The entry.
    pub entry: &'a ScheduleEntry,
    /// Its local sections valid on the date, in order.
    pub local: Vec<&'a LocalSection>,
}

impl ScheduleDocument {
    /// What a subscription with this anchor receives on `date`, in schedule order (DESIGN.md §3–§4).
    ///
    /// A track entry goes to subscriptions currently in that (enabled) track; a local entry to those
    /// currently in one of its `tracks`; entries and sections outside their `valid` dates are left
    /// out, and so are track entries an enabled add-on owns ([`owning_addon`]). Review status is
    /// the caller's policy.
    pub fn deliveries_for(&self, kind: AnchorKind, anchor: NaiveDate, date: NaiveDate) -> Vec<Delivery<'_>> {
        let enabled = self.municipality.enabled_tracks();
        let in_tracks = tracks_on(kind, anchor, date, &enabled);
        if in_tracks.is_empty() {
            return Vec::new();
        }
        self.entries
            .iter()
            .filter(|entry| entry.when.anchor_kind().is_none_or(|k| k == kind))
            .filter(|entry| match entry.track {
                EntryTrack::Track(track) => {
                    in_tracks.contains(&track) && owning_addon(track, &entry.when, &enabled).is_none()
                }
                EntryTrack::Local => entry.tracks.as_deref().unwrap_or_default().iter().any(|t| in_tracks.contains(t)),
            })
            .filter(|entry| entry.valid.is_none_or(|valid| valid.contains(date)))
            .filter(|entry| entry.when.delivery_date(anchor) == Some(date))
            .map(|entry| Delivery {
                entry,
                local: entry.local.iter().filter(|l| l.valid.is_none_or(|v| v.contains(date))).collect(),
            })
            .collect()
    }
}

/// The JSON Schema of the LINE payload files (`line/sections/*.json`, `line/system/*.json`), as
/// committed under `schedule/schema/`.
pub fn line_payload_json_schema() -> String {
    let schema = schemars::schema_for!(crate::line::LinePayload);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of `schedule.json`, as committed under `schedule/schema/`.
pub fn schedule_json_schema() -> String {
    let schema = schemars::schema_for!(ScheduleDocument);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
