//! The LINE half of the delivery contract (issue 17): a municipality's `line:` settings, the payload
//! files the generator writes (`line/sections/<id>.json`, `line/system/<kind>.json`), the closed list
//! of markers only the sender fills, the chat's fixed words, and the Messaging API's limits.
//!
//! A payload is `{"messages": [...]}` holding LINE message objects exactly as
//! `POST /v2/bot/message/push` (and `/reply`) takes them, so the sender fills markers and passes the
//! objects through without knowing their shape. The limits are checked on both sides with the same
//! code: the generator refuses a section that cannot be pushed (with its file:line), the sender
//! combines the day's sections with [`compose_push`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod system;
pub use system::{LineCommand, LineFile, LineParts, SystemLine};

/// At most this many message objects in one push or reply.
pub const MAX_MESSAGES_PER_PUSH: usize = 5;
/// A text message's limit, in UTF-16 code units (how LINE counts text).
pub const MAX_TEXT_UNITS: usize = 5_000;
/// A template message's `altText` limit (characters).
pub const MAX_ALT_TEXT_CHARS: usize = 400;
/// A buttons template's `text` limit without image or title (characters).
pub const MAX_BUTTONS_TEXT_CHARS: usize = 160;
/// A buttons template's number of actions.
pub const MAX_BUTTONS_ACTIONS: usize = 4;
/// An action's `label` limit (characters).
pub const MAX_ACTION_LABEL_CHARS: usize = 20;
/// A URI action's `uri` limit (characters), after the sender filled its marker.
pub const MAX_URI_CHARS: usize = 1_000;
/// A message action's `text` limit (characters).
pub const MAX_ACTION_TEXT_CHARS: usize = 300;

/// The archive pages only a town with LINE has, `<muni>/subscribe/<slug>/`: the registration form
/// the greeting links to (it posts to the API) …
pub const REGISTER_PAGE_SLUG: &str = "line";
/// … and the page the API sends a family to once registered (「登録しました」).
pub const REGISTERED_PAGE_SLUG: &str = "line-registered";

/// The longest add-friend URL (LINE's are under 60 characters; the QR code stays easy to scan).
pub const MAX_ADD_FRIEND_URL_CHARS: usize = 200;

/// The `line:` block of `municipality.yaml`, copied to `schedule.json` (`municipality.line`).
/// A municipality without it has no LINE channel: no payloads, no button, no QR code.
/// Channel id, secret and access token are never here: they live in Secrets Manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineSettings {
    /// The official account's basic id, e.g. `@123abcde`.
    pub basic_id: String,
    /// Where the add-friend button leads (`https://lin.ee/…` or `https://line.me/R/ti/p/@…`);
    /// the QR code encodes it.
    pub add_friend_url: String,
}

/// What is wrong with a [`LineSettings`] (the generator adds the file and line).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineSettingsError {
    /// The basic id is not `@` followed by 1–20 ASCII letters, digits, `.`, `_` or `-`.
    #[error(
        "line.basic_id「{0}」はLINE公式アカウントのベーシックID（@から始まる英数字、例: @123abcde）ではありません"
    )]
    BasicId(String),
    /// The add-friend URL is not an https URL of LINE (or longer than [`MAX_ADD_FRIEND_URL_CHARS`]).
    #[error(
        "line.add_friend_url「{0}」は友だち追加のURL（https://lin.ee/… または https://line.me/R/ti/p/… ）ではありません"
    )]
    AddFriendUrl(String),
}

impl LineSettings {
    /// Checks the basic id and that the add-friend URL is LINE's own (a QR code pointing anywhere
    /// else would send families to a stranger).
    pub fn check(&self) -> Result<(), LineSettingsError> {
        let id = self.basic_id.strip_prefix('@').unwrap_or_default();
        let id_ok = (1..=20).contains(&id.len())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !id_ok {
            return Err(LineSettingsError::BasicId(self.basic_id.clone()));
        }
        let url = &self.add_friend_url;
        let url_ok = ["https://lin.ee/", "https://line.me/R/ti/p/", "https://page.line.me/"]
            .iter()
            .any(|prefix| url.len() > prefix.len() && url.starts_with(prefix))
            && url.len() <= MAX_ADD_FRIEND_URL_CHARS
            && url.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
        if !url_ok {
            return Err(LineSettingsError::AddFriendUrl(url.clone()));
        }
        Ok(())
    }
}

/// A LINE message object, as the push and reply APIs take it (the subset Kizuna writes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LineMessage {
    /// A text message; LINE links the URLs in it.
    Text {
        /// The text (at most [`MAX_TEXT_UNITS`] UTF-16 units once filled).
        text: String,
    },
    /// A template message (buttons): a short text with up to four buttons.
    Template {
        /// What notifications and old clients show.
        #[serde(rename = "altText")]
        alt_text: String,
        /// The buttons.
        template: LineTemplate,
    },
}

/// A template (the one kind Kizuna writes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LineTemplate {
    /// `"type": "buttons"`.
    Buttons(ButtonsTemplate),
}

/// A buttons template, without image or title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonsTemplate {
    /// At most [`MAX_BUTTONS_TEXT_CHARS`].
    pub text: String,
    /// One to [`MAX_BUTTONS_ACTIONS`] buttons.
    pub actions: Vec<LineAction>,
}

/// A button's action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LineAction {
    /// Opens a URL (a page of the archive or the API).
    Uri {
        /// The button's words.
        label: String,
        /// The URL or a URL marker ([`LineMarker::in_uri`]).
        uri: String,
    },
    /// Sends `text` as the family's own message (the chat's fixed words, [`LineCommand`]).
    Message {
        /// The button's words.
        label: String,
        /// What is sent.
        text: String,
    },
}

/// A payload file: `line/sections/<id>.json` or `line/system/<kind>.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinePayload {
    /// The message objects, in order.
    pub messages: Vec<LineMessage>,
}

/// The markers only the sender fills, in texts and URIs of payloads (a closed list, like
/// [`crate::MAIL_MARKERS`]; anything else between `%%` is left as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineMarker {
    /// The greeting by nickname (「はなさん」), or nothing. Texts only.
    Nickname,
    /// The archive's landing page of the municipality.
    ArchiveUrl,
    /// The manage page with a fresh manage token.
    ManageUrl,
    /// The unsubscribe page with the subscription's unsubscribe token.
    UnsubscribeUrl,
    /// `<muni>/subscribe/line/?token=…` with a registration token (greeting only).
    RegisterUrl,
    /// The reader's own survey link (a survey invitation only): the same marker as the mail's
    /// [`crate::survey::SURVEY_URL_MARKER`]. It differs per section, so [`compose_push`] fills it
    /// from each section's [`PushSection::survey_url`], not [`LineMarkerValues`].
    SurveyUrl,
}

impl LineMarker {
    /// Every marker.
    pub const ALL: [LineMarker; 6] = [
        LineMarker::Nickname,
        LineMarker::ArchiveUrl,
        LineMarker::ManageUrl,
        LineMarker::UnsubscribeUrl,
        LineMarker::RegisterUrl,
        LineMarker::SurveyUrl,
    ];

    /// The marker as written in payloads, e.g. `%%manage_url%%`.
    pub fn token(self) -> &'static str {
        match self {
            LineMarker::Nickname => "%%nickname%%",
            LineMarker::ArchiveUrl => "%%archive_url%%",
            LineMarker::ManageUrl => "%%manage_url%%",
            LineMarker::UnsubscribeUrl => "%%unsubscribe_url%%",
            LineMarker::RegisterUrl => "%%register_url%%",
            LineMarker::SurveyUrl => crate::survey::SURVEY_URL_MARKER,
        }
    }

    /// Whether it may stand (alone) as a URI action's `uri`.
    pub fn in_uri(self) -> bool {
        self != LineMarker::Nickname
    }

    /// The most characters (and UTF-16 units) its value may take: the build checks texts with
    /// every marker at this length, so a filled payload never exceeds LINE's limits.
    pub fn max_len(self) -> usize {
        match self {
            // 「さん」 after a nickname of at most NICKNAME_MAX_CHARS characters, each at most 2 units.
            LineMarker::Nickname => crate::forms::NICKNAME_MAX_CHARS * 2 + 2,
            _ => 500,
        }
    }
}

/// The values of the markers for one subscription (a URL marker without a value is left empty,
/// except [`LineMarker::SurveyUrl`], which only [`compose_push`] fills).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineMarkerValues {
    /// Values by marker.
    pub values: BTreeMap<LineMarker, String>,
}

impl LineMarkerValues {
    /// Sets one marker's value (control characters removed: a nickname cannot add lines).
    pub fn with(mut self, marker: LineMarker, value: &str) -> Self {
        self.values.insert(marker, value.chars().filter(|c| !c.is_control()).collect());
        self
    }

    fn fill(&self, text: &str) -> String {
        LineMarker::ALL.iter().fold(text.to_owned(), |text, marker| {
            let value = self.values.get(marker).map(String::as_str);
            // Filling the push's markers must not blank an invitation's link before it is composed.
            if !text.contains(marker.token()) || (*marker == LineMarker::SurveyUrl && value.is_none()) {
                text
            } else {
                text.replace(marker.token(), value.unwrap_or_default())
            }
        })
    }
}

/// A payload that breaks a Messaging API limit or the marker rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineLimitError {
    /// No message at all, or more than one push holds.
    #[error("LINEのメッセージが{0}件あります（1回に送れるのは1〜{MAX_MESSAGES_PER_PUSH}件）")]
    MessageCount(usize),
    /// A text longer than LINE takes (markers counted at their longest).
    #[error("LINEのメッセージ{index}件目の本文が{units}文字あります（上限{MAX_TEXT_UNITS}文字、差し込みを最長として数えます）")]
    TextTooLong {
        /// 1-based.
        index: usize,
        /// UTF-16 units, markers at their longest.
        units: usize,
    },
    /// A template field over its limit or empty.
    #[error("LINEのメッセージ{index}件目の{field}が長すぎるか空です（上限{max}文字）")]
    Field {
        /// 1-based.
        index: usize,
        /// `altText`, `text`, `label`, `uri`, `actions`.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// A survey invitation in the day's push without the reader's own link to put in it.
    #[error("LINEのメッセージ{index}件目のアンケートの案内に、回答用のリンクがありません")]
    SurveyLinkMissing {
        /// 1-based, the section's first message in the push before texts were joined.
        index: usize,
    },
    /// A nickname marker in a URI, or a URI that is neither https nor one URL marker.
    #[error("LINEのメッセージ{index}件目のボタンのURL「{uri}」は https のURLか差し込み（%%manage_url%% など）ではありません")]
    Uri {
        /// 1-based.
        index: usize,
        /// The URI as written.
        uri: String,
    },
}

fn filled_units(text: &str, utf16: bool) -> usize {
    let count = |s: &str| if utf16 { s.encode_utf16().count() } else { s.chars().count() };
    let mut total = count(text);
    for marker in LineMarker::ALL {
        let n = text.matches(marker.token()).count();
        total = total - n * count(marker.token()) + n * marker.max_len();
    }
    total
}

impl LinePayload {
    /// Checks every limit of one push, counting each marker at its longest value.
    pub fn check(&self) -> Result<(), LineLimitError> {
        if self.messages.is_empty() || self.messages.len() > MAX_MESSAGES_PER_PUSH {
            return Err(LineLimitError::MessageCount(self.messages.len()));
        }
        for (i, message) in self.messages.iter().enumerate() {
            check_message(i + 1, message)?;
        }
        Ok(())
    }

    /// The payload with every marker filled (the sender's last step before the push).
    pub fn fill(&self, values: &LineMarkerValues) -> LinePayload {
        self.map_texts(|text| values.fill(text))
    }

    /// The payload with `f` applied to every text, alt text, button text and URI (where markers may stand).
    fn map_texts(&self, f: impl Fn(&str) -> String) -> LinePayload {
        let messages = self
            .messages
            .iter()
            .map(|message| match message {
                LineMessage::Text { text } => LineMessage::Text { text: f(text) },
                LineMessage::Template { alt_text, template: LineTemplate::Buttons(template) } => {
                    LineMessage::Template {
                        alt_text: f(alt_text),
                        template: LineTemplate::Buttons(ButtonsTemplate {
                            text: f(&template.text),
                            actions: template
                                .actions
                                .iter()
                                .map(|action| match action {
                                    LineAction::Uri { label, uri } => {
                                        LineAction::Uri { label: label.clone(), uri: f(uri) }
                                    }
                                    LineAction::Message { .. } => action.clone(),
                                })
                                .collect(),
                        }),
                    }
                }
            })
            .collect();
        LinePayload { messages }
    }
}

fn check_message(index: usize, message: &LineMessage) -> Result<(), LineLimitError> {
    let field = |field, max, value: &str| {
        let n = filled_units(value, false);
        if n == 0 || n > max {
            Err(LineLimitError::Field { index, field, max })
        } else {
            Ok(())
        }
    };
    match message {
        LineMessage::Text { text } => {
            let units = filled_units(text, true);
            if units == 0 || units > MAX_TEXT_UNITS {
                return Err(LineLimitError::TextTooLong { index, units });
            }
        }
        LineMessage::Template { alt_text, template: LineTemplate::Buttons(template) } => {
            field("altText", MAX_ALT_TEXT_CHARS, alt_text)?;
            field("text", MAX_BUTTONS_TEXT_CHARS, &template.text)?;
            if template.actions.is_empty() || template.actions.len() > MAX_BUTTONS_ACTIONS {
                return Err(LineLimitError::Field { index, field: "actions", max: MAX_BUTTONS_ACTIONS });
            }
            for action in &template.actions {
                match action {
                    LineAction::Uri { label, uri } => {
                        field("label", MAX_ACTION_LABEL_CHARS, label)?;
                        let marker = LineMarker::ALL.iter().any(|m| m.in_uri() && uri == m.token());
                        let https = uri.starts_with("https://") && !uri.contains("%%") && uri.len() <= MAX_URI_CHARS;
                        if !(marker || https) {
                            return Err(LineLimitError::Uri { index, uri: uri.clone() });
                        }
                    }
                    LineAction::Message { label, text } => {
                        field("label", MAX_ACTION_LABEL_CHARS, label)?;
                        field("text", MAX_ACTION_TEXT_CHARS, text)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// One section of the day's push: its payload and, for a survey invitation, the reader's own
/// link (the sender signs it per reader and per survey: `kizuna-sender`'s `domain::survey`).
/// A plain `&LinePayload` is a section without a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushSection<'a> {
    /// The section as the generator wrote it.
    pub payload: &'a LinePayload,
    /// The value of [`LineMarker::SurveyUrl`] in this section.
    pub survey_url: Option<&'a str>,
}

impl<'a> PushSection<'a> {
    /// A survey invitation with the reader's own link.
    pub fn invitation(payload: &'a LinePayload, survey_url: &'a str) -> Self {
        PushSection { payload, survey_url: Some(survey_url) }
    }

    /// The section's messages with its survey link in place (control characters removed, like
    /// every marker value); an invitation without a link is refused rather than sent linkless.
    fn messages(&self, index: usize) -> Result<Vec<LineMessage>, LineLimitError> {
        let token = LineMarker::SurveyUrl.token();
        let carries = serde_json::to_string(self.payload).is_ok_and(|json| json.contains(token));
        if !carries {
            return Ok(self.payload.messages.clone());
        }
        let url = self.survey_url.ok_or(LineLimitError::SurveyLinkMissing { index })?;
        let url: String = url.chars().filter(|c| !c.is_control()).collect();
        // Only the survey link: the push's other markers are filled afterwards, for the whole push.
        Ok(self.payload.map_texts(|text| text.replace(token, &url)).messages)
    }
}

impl<'a> From<&'a LinePayload> for PushSection<'a> {
    fn from(payload: &'a LinePayload) -> Self {
        PushSection { payload, survey_url: None }
    }
}

/// The day's push from its sections in schedule order: their messages in order, each survey
/// invitation with the reader's own link ([`PushSection`]); when there are more than
/// [`MAX_MESSAGES_PER_PUSH`], neighbouring texts are joined (blank line between) while they stay
/// within [`MAX_TEXT_UNITS`]. Each section fits alone (the build checks it); a day of several long
/// entries that still does not fit is an error the sender reports. Markers other than the survey
/// link are left for the sender to fill over the whole push ([`LinePayload::fill`]).
pub fn compose_push<'a, S>(sections: &[S]) -> Result<LinePayload, LineLimitError>
where
    S: Copy + Into<PushSection<'a>>,
{
    let mut messages: Vec<LineMessage> = Vec::new();
    for section in sections {
        let section: PushSection<'a> = (*section).into();
        messages.extend(section.messages(messages.len() + 1)?);
    }
    while messages.len() > MAX_MESSAGES_PER_PUSH {
        // Join the pair of neighbouring texts with the smallest sum, to leave room for the rest.
        let best = messages
            .windows(2)
            .enumerate()
            .filter_map(|(i, pair)| match pair {
                [LineMessage::Text { text: a }, LineMessage::Text { text: b }] => {
                    let units = filled_units(a, true) + 2 + filled_units(b, true);
                    (units <= MAX_TEXT_UNITS).then_some((units, i))
                }
                _ => None,
            })
            .min();
        let Some((_, i)) = best else { return Err(LineLimitError::MessageCount(messages.len())) };
        if let [LineMessage::Text { text: a }, LineMessage::Text { text: b }] = &messages[i..=i + 1] {
            messages[i] = LineMessage::Text { text: format!("{a}\n\n{b}") };
        }
        messages.remove(i + 1);
    }
    let push = LinePayload { messages };
    push.check()?;
    Ok(push)
}

#[cfg(test)]
mod tests;
