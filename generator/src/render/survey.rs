//! The reader surveys of one municipality (DESIGN.md §5, issue 20): for each survey the answer
//! page `surveys/<id>/`, its thank-you page `surveys/<id>/thanks/`, the refusal page
//! `surveys/<id>/refused/` (second answer, closed survey, bad link — the API writes the reason at
//! `<!--kizuna:errors-->`), and the invitation section `mail/sections/survey/<id>.json` carrying
//! [`SURVEY_URL_MARKER`]; `schedule.json` lists the survey from its hash (`super::schedule`).
//!
//! The answer page works without JavaScript: a plain form posting to the API. Its token is the
//! `%%token%%` marker, filled by the API when it serves the page from the invitation link; opened
//! from the archive without one, the page still shows the questions, and a post is refused there.

use std::collections::BTreeMap;

use kizuna_schedule::survey::{Choice, QuestionKind, INVITATION_ENTRY_PREFIX, SURVEY_URL_MARKER, TEXT_MAX_CHARS};
use kizuna_schedule::{MailSection, Validity};
use serde::Serialize;

use super::mail::section_path;
use super::{json_bytes, render_template, validity_label, OutputFile, RenderError, Renderer};
use crate::markdown;
use crate::survey::ResolvedSurvey;

/// The invitation's entry and section id, `survey/<id>`.
pub(super) fn invitation_id(survey: &str) -> String {
    format!("{INVITATION_ENTRY_PREFIX}{survey}")
}

/// The survey page, relative to the municipality's root.
pub(super) fn survey_path(survey: &str) -> String {
    format!("surveys/{survey}/")
}

/// The survey files of a municipality.
pub(super) struct SurveyOutput {
    /// Answer, thank-you and refusal pages.
    pub(super) pages: Vec<OutputFile>,
    /// Invitation sections.
    pub(super) sections: Vec<OutputFile>,
    /// The hash of each invitation section, by its path below the municipality.
    pub(super) hashes: BTreeMap<String, String>,
}

/// A survey as its templates see it.
#[derive(Serialize)]
struct SurveyView<'a> {
    id: &'a str,
    title: &'a str,
    introduction_html: String,
    introduction_mail_html: String,
    introduction_text: String,
    /// 「2027年1月20日〜2027年2月28日」
    open_label: String,
    questions: Vec<QuestionView<'a>>,
}

/// One question as the templates see it.
#[derive(Serialize)]
struct QuestionView<'a> {
    /// The form field name.
    field: String,
    kind: QuestionKind,
    text: &'a str,
    required: bool,
    choices: &'a [Choice],
}

impl<'a> SurveyView<'a> {
    fn of(survey: &'a ResolvedSurvey) -> Self {
        let open = Validity { from: Some(survey.open.from), until: Some(survey.open.until) };
        SurveyView {
            id: &survey.id,
            title: &survey.title,
            introduction_html: markdown::to_html(&survey.introduction),
            introduction_mail_html: markdown::to_mail_html(&survey.introduction),
            introduction_text: markdown::to_text(&survey.introduction).trim_end().to_owned(),
            open_label: validity_label(&open).unwrap_or_default(),
            questions: survey
                .questions
                .iter()
                .map(|q| QuestionView {
                    field: q.field_name(),
                    kind: q.kind,
                    text: &q.text,
                    required: q.required,
                    choices: &q.choices,
                })
                .collect(),
        }
    }
}

impl Renderer<'_> {
    /// Renders every survey of the edition.
    pub(super) fn surveys(&self) -> Result<SurveyOutput, RenderError> {
        let mut output = SurveyOutput { pages: Vec::new(), sections: Vec::new(), hashes: BTreeMap::new() };
        for survey in &self.edition.surveys {
            let view = SurveyView::of(survey);
            let dir = survey_path(&survey.id);
            let pages = [
                (format!("{dir}index.html"), "survey/form.html", 2, survey.title.as_str()),
                (format!("{dir}thanks/index.html"), "survey/thanks.html", 3, "ご回答ありがとうございました"),
                (format!("{dir}refused/index.html"), "survey/refused.html", 3, "回答を受け付けられませんでした"),
            ];
            for (path, template, depth, title) in pages {
                output.pages.push(self.page(&path, template, depth, |context| {
                    context.insert("page_title", title);
                    context.insert("survey", &view);
                    context.insert("max_chars", &TEXT_MAX_CHARS);
                })?);
            }
            let section = self.invitation(survey, &view)?;
            output
                .hashes
                .insert(section_path(&invitation_id(&survey.id)), kizuna_schedule::content_hash(&section.bytes));
            output.sections.push(section);
        }
        Ok(output)
    }

    /// The invitation, a section of the day's delivery; the sender puts the reader's own link at
    /// [`SURVEY_URL_MARKER`] (a template without it would invite readers to nowhere).
    fn invitation(&self, survey: &ResolvedSurvey, view: &SurveyView<'_>) -> Result<OutputFile, RenderError> {
        let tera = &self.build.theme.tera;
        let path = format!("{}/{}", self.edition.id, section_path(&invitation_id(&survey.id)));
        let mut context = self.base.clone();
        context.insert("survey", view);
        let part = |template: &str| -> Result<String, RenderError> {
            let text = String::from_utf8_lossy(&render_template(tera, template, &context, &path)?).trim().to_owned();
            if !text.contains(SURVEY_URL_MARKER) {
                return Err(RenderError {
                    page: path.clone(),
                    template: template.to_owned(),
                    message: format!("the invitation must carry {SURVEY_URL_MARKER} (the reader's own link)"),
                });
            }
            Ok(text)
        };
        let section = MailSection {
            title: survey.title.clone(),
            html: part("mail/survey.html")?,
            text: part("mail/survey.txt")?,
        };
        Ok(OutputFile { bytes: json_bytes(&section, &path)?, path })
    }
}
