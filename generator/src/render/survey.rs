//! The reader surveys of one municipality (DESIGN.md §5, issue 20): for each survey the answer
//! page `surveys/<id>/`, its thank-you page `surveys/<id>/thanks/`, the refusal page
//! `surveys/<id>/refused/` (second answer, closed survey, bad link — the API writes the reason at
//! `<!--kizuna:errors-->`), the invitation section `mail/sections/survey/<id>.json` carrying
//! [`SURVEY_URL_MARKER`], and the `surveys` list of `schedule.json`.
//!
//! The answer page works without JavaScript: a plain form posting to the API. Its token is the
//! `%%token%%` marker, filled by the API when it serves the page from the invitation link; opened
//! from the archive without one, the page still shows the questions, and a post is refused there.

use kizuna_schedule::survey::{Question, SurveyEntry, SURVEY_URL_MARKER, TEXT_MAX_CHARS};
use kizuna_schedule::{MailSection, Validity};
use serde::Serialize;

use super::{json_bytes, render_template, validity_label, OutputFile, RenderError, Renderer};
use crate::markdown;
use crate::survey::ResolvedSurvey;

/// The survey files of a municipality and what `schedule.json` lists about them.
pub(super) struct SurveyOutput {
    /// Pages and invitation sections.
    pub files: Vec<OutputFile>,
    /// `schedule.json`'s `surveys`.
    pub entries: Vec<SurveyEntry>,
}

/// One question as the templates use it.
#[derive(Serialize)]
struct QuestionView<'a> {
    #[serde(flatten)]
    question: &'a Question,
    /// The form field name.
    field: String,
}

impl Renderer<'_> {
    /// Renders every survey of the edition.
    pub(super) fn surveys(&self) -> Result<SurveyOutput, RenderError> {
        let mut output = SurveyOutput { files: Vec::new(), entries: Vec::new() };
        for survey in &self.edition.surveys {
            let open = Validity { from: Some(survey.open.from), until: Some(survey.open.until) };
            let view = serde_json::json!({
                "id": survey.id,
                "title": survey.title,
                "introduction_html": markdown::to_html(&survey.introduction),
                "introduction_mail_html": markdown::to_mail_html(&survey.introduction),
                "introduction_text": markdown::to_text(&survey.introduction).trim_end(),
                "open_label": validity_label(&open).unwrap_or_default(),
                "questions": survey.questions.iter()
                    .map(|question| QuestionView { question, field: question.field_name() })
                    .collect::<Vec<_>>(),
            });
            let dir = format!("surveys/{}", survey.id);
            let pages = [
                (format!("{dir}/index.html"), "survey/form.html", 2, survey.title.clone()),
                (
                    format!("{dir}/thanks/index.html"),
                    "survey/thanks.html",
                    3,
                    "ご回答ありがとうございました".to_owned(),
                ),
                (
                    format!("{dir}/refused/index.html"),
                    "survey/refused.html",
                    3,
                    "回答を受け付けられませんでした".to_owned(),
                ),
            ];
            for (path, template, depth, title) in pages {
                output.files.push(self.page(&path, template, depth, |context| {
                    context.insert("page_title", &title);
                    context.insert("survey", &view);
                    context.insert("max_chars", &TEXT_MAX_CHARS);
                })?);
            }
            let section = self.invitation(survey, &view)?;
            output.entries.push(SurveyEntry {
                id: survey.id.clone(),
                scope: survey.scope,
                title: survey.title.clone(),
                when: survey.when,
                tracks: survey.tracks.clone(),
                open: survey.open,
                url: self.url(&format!("{dir}/")),
                section: section.path.trim_start_matches(&format!("{}/", self.edition.id)).to_owned(),
                hash: kizuna_schedule::content_hash(&section.bytes),
                review: survey.review,
                questions: survey.questions.clone(),
            });
            output.files.push(section);
        }
        Ok(output)
    }

    /// The invitation, a section of the day's delivery; the sender puts the reader's own link at
    /// [`SURVEY_URL_MARKER`] (a template without it would invite readers to nowhere).
    fn invitation(&self, survey: &ResolvedSurvey, view: &serde_json::Value) -> Result<OutputFile, RenderError> {
        let tera = &self.build.theme.tera;
        let path = format!("{}/mail/sections/survey/{}.json", self.edition.id, survey.id);
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
