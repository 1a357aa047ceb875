//! The LINE payloads of a municipality with a `line:` block (issue 17, DESIGN.md §5 and §6
//! "Channels"): `line/sections/<id>.json`, the same sections as the mail (label 【生後75日目】,
//! title, text, the archive link) as LINE text messages, and `line/system/<kind>.json`, the
//! transactional messages written from `site-theme/system-line.yaml`.
//!
//! Every payload is checked with the contract's own limits ([`LinePayload::check`]) and every
//! entry together with its local sections must make one push ([`compose_push`]): the build
//! refuses content that cannot be sent, with the file and line to shorten ([`check_edition`]),
//! before anything is written.

use std::collections::BTreeMap;
use std::path::Path;

use kizuna_schedule::line::{
    compose_push, ButtonsTemplate, LineAction, LineCommand, LineFile, LineLimitError, LineMarker, LineMessage,
    LineParts, LinePayload, LineSettingsError, LineTemplate, SystemLine, MAX_TEXT_UNITS,
};
use kizuna_schedule::survey::SurveyScope;
use kizuna_schedule::Validity;
use serde::Deserialize;

use crate::catalogue::{self as msg, Text};
use crate::content::{Content, MunicipalityContent};
use crate::diagnostics::Diagnostics;
use crate::markdown;
use crate::placeholders::{self, Values};
use crate::resolve::{Edition, LocalItem, Message, Placement};
use crate::survey::ResolvedSurvey;

/// The text of one transactional LINE message (`site-theme/system-line.yaml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemLineText {
    /// Paragraphs of the text message; may use the content placeholders and the kind's markers.
    pub paragraphs: Vec<String>,
    /// An optional buttons message after the text (its `text` is also its `altText`).
    #[serde(default)]
    pub buttons: Option<ButtonsTemplate>,
}

/// Every transactional LINE text, by kind.
pub type SystemLineTexts = BTreeMap<SystemLine, SystemLineText>;

/// Checks the texts of `system-line.yaml` once per build: every kind present, only known
/// placeholders and chat words, and only the markers its kind may carry. (LINE's limits are
/// checked per municipality, with its names filled in: [`check_edition`].)
pub fn check_texts(texts: &SystemLineTexts, file: &Path, diagnostics: &mut Diagnostics) {
    for kind in SystemLine::ALL {
        let Some(text) = texts.get(&kind) else {
            diagnostics.error(file, None, Text::new(&msg::LINE_TEXT_MISSING).arg("kind", kind.as_str()));
            continue;
        };
        let written = text.paragraphs.iter().chain(text.buttons.as_ref().map(|b| &b.text));
        for unknown in written.flat_map(|t| placeholders::unknown(t)) {
            let text = Text::new(&msg::LINE_TEXT_PLACEHOLDER).arg("kind", kind.as_str()).arg("name", unknown);
            diagnostics.error(file, None, text);
        }
        let payload = system_payload(text, &Values(Default::default()));
        let actions = text.buttons.iter().flat_map(|b| &b.actions);
        for action in actions {
            if let LineAction::Message { text: words, .. } = action {
                if LineCommand::parse(words).is_none() {
                    let known: Vec<&str> = LineCommand::ALL.iter().map(|c| c.words()).collect();
                    let text = Text::new(&msg::LINE_TEXT_COMMAND)
                        .arg("kind", kind.as_str())
                        .arg("words", words)
                        .arg("known", known.join("、"));
                    diagnostics.error(file, None, text);
                }
            }
        }
        let json = serde_json::to_string(&payload).unwrap_or_default();
        for marker in LineMarker::ALL {
            if json.contains(marker.token()) && !kind.markers().contains(&marker) {
                let allowed = kind.markers().iter().map(|m| m.token()).collect::<Vec<_>>().join(" ");
                let text = Text::new(&msg::LINE_TEXT_MARKER)
                    .arg("kind", kind.as_str())
                    .arg("marker", marker.token())
                    .arg("allowed", allowed);
                diagnostics.error(file, None, text);
            }
        }
    }
}

/// The placeholder values of a municipality.
pub fn values_of(edition: &Edition) -> Values {
    Values([
        edition.name.clone(),
        edition.service_name.clone(),
        edition.contact.name.clone(),
        edition.contact.phone.clone(),
        edition.contact.hours.clone(),
    ])
}

/// One transactional payload: the paragraphs as one text message, then the buttons, if any.
pub fn system_payload(text: &SystemLineText, values: &Values) -> LinePayload {
    let paragraphs: Vec<String> = text.paragraphs.iter().map(|p| placeholders::fill(p, values)).collect();
    let mut messages = vec![LineMessage::Text { text: paragraphs.join("\n\n") }];
    if let Some(buttons) = &text.buttons {
        let buttons =
            ButtonsTemplate { text: placeholders::fill(&buttons.text, values), actions: buttons.actions.clone() };
        messages
            .push(LineMessage::Template { alt_text: buttons.text.clone(), template: LineTemplate::Buttons(buttons) });
    }
    LinePayload { messages }
}

/// A section as LINE text: what the mail's plain-text section says, in the same order.
fn section_payload(header: &str, title: &str, body: &str, partner: Option<&str>, url: &str) -> LinePayload {
    let mut blocks: Vec<String> = vec![format!("{header}\n{title}")];
    blocks.extend(body.split("\n\n").map(str::trim).filter(|b| !b.is_empty()).map(str::to_owned));
    if let Some(partner) = partner {
        blocks.push(format!("◆パートナー・家族の方へ\n{}", partner.trim()));
    }
    blocks.push(format!("ウェブで読む：{url}"));
    // A long section continues in the next text message, split between paragraphs; a paragraph
    // longer than a message makes it too long (reported, never cut).
    let mut messages: Vec<String> = Vec::new();
    for block in blocks {
        match messages.last_mut() {
            Some(last) if units(last) + 2 + units(&block) <= MAX_TEXT_UNITS => {
                last.push_str("\n\n");
                last.push_str(&block);
            }
            _ => messages.push(block),
        }
    }
    LinePayload { messages: messages.into_iter().map(|text| LineMessage::Text { text }).collect() }
}

fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The LINE section of a message.
pub fn message_payload(edition: &Edition, message: &Message) -> LinePayload {
    let body = markdown::to_text(&message.body);
    let partner = message.to_partner.as_deref().map(markdown::to_text);
    let url = format!("{}{}/{}/", edition.base_url, message.track, message.stem);
    let header = format!("【{}】", message.rule.long_label());
    section_payload(&header, &message.title, body.trim_end(), partner.as_deref(), &url)
}

/// The LINE section of a local item.
pub fn local_payload(edition: &Edition, item: &LocalItem) -> LinePayload {
    let body = markdown::to_text(&item.body);
    let url = format!("{}local/{}/", edition.base_url, item.stem);
    let header = format!("【{}からのお知らせ・{}】", edition.name, item.category);
    section_payload(&header, &item.title, body.trim_end(), None, &url)
}

/// The words of the invitation's button (at most [`kizuna_schedule::line::MAX_ACTION_LABEL_CHARS`]).
const SURVEY_BUTTON_LABEL: &str = "アンケートに答える";

/// The LINE invitation of a survey, saying what the mail's invitation says: a text (title,
/// introduction, open period) and a button to the reader's own link, [`LineMarker::SurveyUrl`],
/// which the sender fills per reader ([`compose_push`]).
pub fn survey_payload(survey: &ResolvedSurvey) -> LinePayload {
    let introduction = markdown::to_text(&survey.introduction);
    let open = Validity { from: Some(survey.open.from), until: Some(survey.open.until) };
    let period = super::validity_label(&open).unwrap_or_default();
    let text = format!(
        "【アンケートへのご協力のお願い】\n{}\n\n{}\n\n回答の受付：{period}",
        survey.title,
        introduction.trim()
    );
    let until = super::japanese_date(survey.open.until);
    let buttons = ButtonsTemplate {
        text: format!("下のボタンから回答できます（{until}まで）。"),
        actions: vec![LineAction::Uri {
            label: SURVEY_BUTTON_LABEL.to_owned(),
            uri: LineMarker::SurveyUrl.token().to_owned(),
        }],
    };
    let alt_text = format!("アンケートのお願い：{}", survey.title);
    LinePayload {
        messages: vec![
            LineMessage::Text { text },
            LineMessage::Template { alt_text, template: LineTemplate::Buttons(buttons) },
        ],
    }
}

/// A sender's marker written in a section: sections carry none (the sender fills the markers of
/// the whole push, so a manuscript must not be able to pull a family's links into its text).
fn marker_in(payload: &LinePayload) -> Option<&'static str> {
    let json = serde_json::to_string(payload).unwrap_or_default();
    LineMarker::ALL.iter().map(|m| m.token()).find(|token| json.contains(token))
}

/// Why an entry cannot be pushed: its own payload, or with its local sections.
fn entry_problem(own: &LinePayload, locals: &[&LinePayload]) -> Option<LineLimitError> {
    if let Err(error) = own.check() {
        return Some(error);
    }
    let mut parts = vec![own];
    parts.extend(locals);
    compose_push(&parts).err()
}

/// Checks a municipality's LINE channel before anything is rendered: its `line:` settings, that the
/// theme has the LINE texts, and [`check_edition`] on its resolved edition (nothing for a town
/// without LINE).
pub fn check_municipality(
    content: &Content,
    municipality: &MunicipalityContent,
    theme: &crate::theme::Theme,
    build_date: chrono::NaiveDate,
    diagnostics: &mut Diagnostics,
) {
    let file = &municipality.file;
    let Some(settings) = &file.value.line else { return };
    if let Err(error) = settings.check() {
        let text = match error {
            LineSettingsError::BasicId(value) => Text::new(&msg::LINE_BASIC_ID).arg("value", value),
            LineSettingsError::AddFriendUrl(value) => Text::new(&msg::LINE_ADD_FRIEND_URL).arg("value", value),
        };
        diagnostics.error(&file.path, file.lines.line_or_top("line"), text);
        return;
    }
    if theme.system_line.is_empty() {
        let text = Text::new(&msg::LINE_TEXTS_MISSING).arg("municipality", &file.value.name);
        diagnostics.error(&theme.system_line_path, None, text);
        return;
    }
    let edition = crate::resolve::resolve(content, municipality, build_date, None);
    check_edition(content, municipality, &edition, (&theme.system_line, &theme.system_line_path), diagnostics);
}

/// Checks that every entry of a municipality with LINE makes one push, reporting each that does
/// not at the `body:` of its file (the override's, when the town overrides the message), that
/// the transactional messages, with this town's names filled in, and the survey invitations are
/// within LINE's limits.
pub fn check_edition<'a>(
    content: &'a Content,
    municipality: &'a MunicipalityContent,
    edition: &Edition,
    texts: (&SystemLineTexts, &Path),
    diagnostics: &mut Diagnostics,
) {
    let values = values_of(edition);
    for (kind, text) in texts.0 {
        if let Err(error) = system_payload(text, &values).check() {
            let text = Text::new(&msg::LINE_TEXT_TOO_LONG)
                .arg("municipality", &edition.name)
                .arg("kind", kind.as_str())
                .arg("detail", error);
            diagnostics.error(texts.1, None, text);
        }
    }
    let locals: Vec<LinePayload> = edition.local.iter().map(|item| local_payload(edition, item)).collect();
    // The problem of one entry: a marker in its text, or no push that holds it.
    let problem = |id: &str, own: &LinePayload, attached: &[&LinePayload], alone: bool| -> Option<Text> {
        if let Some(marker) = marker_in(own) {
            return Some(Text::new(&msg::LINE_SECTION_MARKER).arg("id", id).arg("marker", marker));
        }
        let error = if alone { own.check().err() } else { entry_problem(own, attached) }?;
        let with = if attached.is_empty() { "" } else { "（この日の地域のお知らせを含めて）" };
        Some(Text::new(&msg::LINE_CANNOT_PUSH).arg("id", id).arg("with", with).arg("detail", error))
    };
    // Where a body was written (the municipality's file when the manuscript cannot be found).
    let at_body = |found: Option<(&'a Path, Option<usize>)>| found.unwrap_or((municipality.file.path.as_path(), None));
    for message in &edition.messages {
        let attached: Vec<&LinePayload> = message.sections.iter().map(|&i| &locals[i]).collect();
        if let Some(text) = problem(&message.id, &message_payload(edition, message), &attached, false) {
            let loaded = municipality
                .overrides
                .get(&message.id)
                .or_else(|| content.tracks.get(&message.track).and_then(|t| t.messages.get(&message.stem)));
            let (file, line) = at_body(loaded.map(|l| (l.path.as_path(), l.lines.line_or_top("body"))));
            diagnostics.error(file, line, text);
        }
    }
    for (item, payload) in edition.local.iter().zip(&locals) {
        // Attached sections are checked with their message; a section of its own alone.
        let own = matches!(item.placement, Placement::Own { .. });
        let text = if own {
            problem(&item.id, payload, &[], true)
        } else {
            marker_in(payload).and_then(|_| problem(&item.id, payload, &[], false))
        };
        if let Some(text) = text {
            let found = municipality.local.get(&item.stem).map(|l| (l.path.as_path(), l.lines.line_or_top("body")));
            let (file, line) = at_body(found);
            diagnostics.error(file, line, text);
        }
    }
    check_surveys(content, municipality, edition, diagnostics);
}

/// Checks each survey invitation of a municipality with LINE against LINE's limits (its link
/// counted at its longest), reporting one that cannot be pushed at the `introduction:` of the file
/// that wrote it: the town's own survey file, else the national one.
fn check_surveys(
    content: &Content,
    municipality: &MunicipalityContent,
    edition: &Edition,
    diagnostics: &mut Diagnostics,
) {
    for survey in &edition.surveys {
        let Err(error) = survey_payload(survey).check() else { continue };
        let own = municipality.surveys.get(&survey.id).filter(|_| survey.scope == SurveyScope::Municipal);
        let loaded = own.or_else(|| content.surveys.get(&survey.id));
        let (file, line) = match loaded {
            Some(loaded) => (loaded.path.as_path(), loaded.lines.line_or_top("introduction")),
            None => (municipality.file.path.as_path(), None),
        };
        let id = super::survey::invitation_id(&survey.id);
        let text = Text::new(&msg::LINE_CANNOT_PUSH).arg("id", id).arg("with", "").arg("detail", error);
        diagnostics.error(file, line, text);
    }
}

/// A rendered payload file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadFile {
    /// Relative to the municipality, e.g. `line/sections/baby/day-075.json`.
    pub path: String,
    /// The JSON bytes.
    pub bytes: Vec<u8>,
}

impl PayloadFile {
    fn new(path: String, payload: &LinePayload) -> PayloadFile {
        let mut bytes = serde_json::to_vec_pretty(payload).unwrap_or_default();
        bytes.push(b'\n');
        PayloadFile { path, bytes }
    }

    /// How `schedule.json` lists it.
    pub fn reference(&self) -> LineFile {
        LineFile { path: self.path.clone(), hash: kizuna_schedule::content_hash(&self.bytes) }
    }
}

/// Every LINE payload of an edition: sections by entry id, and the transactional messages.
#[derive(Clone, Debug, Default)]
pub struct LineOutput {
    /// `line/sections/<id>.json` by message or local id.
    pub sections: BTreeMap<String, PayloadFile>,
    /// `line/system/<kind>.json`.
    pub system: BTreeMap<SystemLine, PayloadFile>,
}

impl LineOutput {
    /// `schedule.json`'s `line`.
    pub fn parts(&self) -> LineParts {
        LineParts { system: self.system.iter().map(|(kind, file)| (*kind, file.reference())).collect() }
    }

    /// The schedule's reference to the section of `id`, if there is one.
    pub fn section(&self, id: &str) -> Option<LineFile> {
        self.sections.get(id).map(PayloadFile::reference)
    }

    /// Lists the payloads in `schedule.json`: the town's `line:` settings, the transactional
    /// messages, each entry's and local section's file and each survey's invitation (nothing for
    /// a town without LINE).
    pub fn list_in(&self, document: &mut kizuna_schedule::ScheduleDocument, edition: &Edition) {
        let Some(settings) = &edition.line else { return };
        document.municipality.line = Some(settings.clone());
        document.line = Some(self.parts());
        for entry in &mut document.entries {
            entry.line = self.section(&entry.id);
            for local in &mut entry.local {
                local.line = self.section(&local.id);
            }
        }
        for survey in &mut document.surveys {
            survey.line = self.section(&super::survey::invitation_id(&survey.id));
        }
    }

    /// The files to write, below the output root.
    pub fn files(&self, municipality: &str) -> Vec<super::OutputFile> {
        let all = self.sections.values().chain(self.system.values());
        all.map(|file| super::OutputFile { path: format!("{municipality}/{}", file.path), bytes: file.bytes.clone() })
            .collect()
    }
}

/// Renders the payloads of an edition (nothing for a municipality without LINE). The limits were
/// checked by [`check_edition`] and [`check_texts`] before the build rendered anything.
pub fn render(edition: &Edition, texts: &SystemLineTexts) -> LineOutput {
    let values = &values_of(edition);
    if edition.line.is_none() {
        return LineOutput::default();
    }
    let mut output = LineOutput::default();
    for message in &edition.messages {
        let path = format!("line/sections/{}.json", message.id);
        output.sections.insert(message.id.clone(), PayloadFile::new(path, &message_payload(edition, message)));
    }
    for item in &edition.local {
        let path = format!("line/sections/{}.json", item.id);
        output.sections.insert(item.id.clone(), PayloadFile::new(path, &local_payload(edition, item)));
    }
    for survey in &edition.surveys {
        let id = super::survey::invitation_id(&survey.id);
        let path = format!("line/sections/{id}.json");
        output.sections.insert(id, PayloadFile::new(path, &survey_payload(survey)));
    }
    for (kind, text) in texts {
        let path = format!("line/system/{}.json", kind.as_str());
        output.system.insert(*kind, PayloadFile::new(path, &system_payload(text, values)));
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_reads_like_the_mail_and_long_ones_continue_between_paragraphs() {
        let short =
            section_payload("【生後75日目】", "見出し", "一段落目。\n\n二段落目。", Some("パートナーへ"), "https://x/");
        assert_eq!(
            short.messages,
            vec![LineMessage::Text {
                text: "【生後75日目】\n見出し\n\n一段落目。\n\n二段落目。\n\n◆パートナー・家族の方へ\nパートナーへ\n\nウェブで読む：https://x/"
                    .to_owned()
            }]
        );
        let paragraph = "あ".repeat(3_000);
        let long =
            section_payload("【生後75日目】", "見出し", &format!("{paragraph}\n\n{paragraph}"), None, "https://x/");
        assert_eq!(long.messages.len(), 2);
        assert!(long.check().is_ok());
        let huge = section_payload("【x】", "t", &"あ".repeat(MAX_TEXT_UNITS + 1), None, "https://x/");
        assert!(matches!(huge.check(), Err(LineLimitError::TextTooLong { .. })));
    }

    #[test]
    fn a_survey_invitation_is_a_text_and_a_button_to_the_readers_own_link() {
        let date = |d: &str| d.parse().expect("date");
        let mut survey = ResolvedSurvey {
            id: "reader".to_owned(),
            scope: SurveyScope::National,
            title: "読者アンケート".to_owned(),
            introduction: "いつも**ありがとう**ございます。".to_owned(),
            when: kizuna_schedule::Rule::Date(kizuna_schedule::CalendarDate(date("2027-01-20"))),
            tracks: None,
            open: kizuna_schedule::survey::OpenPeriod { from: date("2027-01-20"), until: date("2027-02-28") },
            review: kizuna_schedule::ReviewStatus::Draft,
            questions: Vec::new(),
        };
        let payload = survey_payload(&survey);
        assert!(payload.check().is_ok(), "{payload:?}");
        let LineMessage::Text { text } = &payload.messages[0] else { panic!("text first") };
        assert!(
            text.contains("読者アンケート\n\nいつもありがとうございます。") && text.contains("2027年2月28日"),
            "{text}"
        );
        let json = serde_json::to_string(&payload.messages[1]).expect("json");
        assert!(json.contains("\"uri\":\"%%survey_url%%\""), "{json}");
        // An introduction longer than one text message is refused, never cut.
        survey.introduction = "🍎".repeat(MAX_TEXT_UNITS / 2);
        assert!(matches!(survey_payload(&survey).check(), Err(LineLimitError::TextTooLong { index: 1, .. })));
    }

    #[test]
    fn an_entry_with_too_many_local_sections_for_one_push_is_a_problem() {
        let long = |c: &str| section_payload("【x】", "t", &c.repeat(2_600), None, "https://x/");
        let own = long("あ");
        let fits = [long("い")];
        assert!(entry_problem(&own, &fits.iter().collect::<Vec<_>>()).is_none());
        let many: Vec<LinePayload> = (0..5).map(|_| long("う")).collect();
        let refs: Vec<&LinePayload> = many.iter().collect();
        assert_eq!(entry_problem(&own, &refs), Some(LineLimitError::MessageCount(6)));
    }
}
