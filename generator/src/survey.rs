//! Reader surveys (読者アンケート) as content: `content/surveys/<id>.yaml` (national, run in every
//! municipality) and `content/municipalities/<m>/surveys/<id>.yaml` — either the town's own survey
//! or, when a national survey has the same id, extra questions appended to it.
//!
//! A survey file:
//!
//! ```yaml
//! title: 読者アンケート（2026年度）
//! introduction: |        # Markdown subset, like a message body
//!   いつもお読みいただき、ありがとうございます。…
//! when: { age: 4m }      # or pregnancy: 30w0d, or { date: 2027-02-01 } with tracks: [maternity, baby]
//! open: { from: 2027-01-05, until: 2027-03-31 }
//! questions:
//!   - id: reading
//!     kind: single       # single | multiple | scale (five choices, low to high) | text (≤ 400 characters)
//!     text: メールが届いたら、読んでいますか
//!     choices: [届いたら必ず読む, だいたい読む, ときどき読む, ほとんど読まない]
//!     required: true
//! review: { status: draft }
//! ```
//!
//! An extra-questions file holds only `questions` and `review`. Validation reports every problem
//! with file and line, in Japanese for the staff who write these; [`resolve`] turns a
//! municipality's files into the [`kizuna_schedule::survey`] contract's questions.

use std::collections::BTreeSet;
use std::path::Path;

use kizuna_schedule::survey::{Choice, OpenPeriod, Question, QuestionKind, SurveyScope, SCALE_POINTS};
use kizuna_schedule::{CalendarDate, ReviewStatus, Rule, TrackId};
use serde::Deserialize;

use crate::catalogue::{self as msg, Text};
use crate::content::{is_valid_stem, Content, Loaded, MunicipalityContent, Review};
use crate::diagnostics::Diagnostics;
use crate::markdown;

/// The most questions a survey may have (national and extra together): readers answer on a phone.
pub const MAX_QUESTIONS: usize = 30;
/// The most choices of a single or multiple choice question.
pub const MAX_CHOICES: usize = 20;
/// The longest question or choice text, in characters.
pub const MAX_QUESTION_CHARS: usize = 200;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest introduction, in characters.
pub const MAX_INTRODUCTION_CHARS: usize = 2_000;

/// A survey file as written; which keys are required depends on whether it adds to a national one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyFile {
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// Markdown shown above the questions and in the invitation.
    #[serde(default)]
    pub introduction: Option<String>,
    /// When readers are invited.
    #[serde(default)]
    pub when: Option<Rule>,
    /// For `date` rules: whose current readers are invited.
    #[serde(default)]
    pub tracks: Option<Vec<TrackId>>,
    /// The days answers are taken.
    #[serde(default)]
    pub open: Option<OpenFile>,
    /// The questions.
    pub questions: Vec<QuestionFile>,
    /// Review status of the wording.
    #[serde(default)]
    pub review: Option<Review>,
}

/// `open:` as written.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenFile {
    /// First day.
    pub from: CalendarDate,
    /// Last day.
    pub until: CalendarDate,
}

/// One question as written; choice ids are their 1-based positions.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFile {
    /// Unique within the survey.
    pub id: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// The question.
    pub text: String,
    /// The choices (five for a scale, low to high; none for free text).
    #[serde(default)]
    pub choices: Vec<String>,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
}

/// A survey as one municipality runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSurvey {
    /// The id (file stem).
    pub id: String,
    /// National or the town's own.
    pub scope: SurveyScope,
    /// The title.
    pub title: String,
    /// Markdown introduction.
    pub introduction: String,
    /// When readers are invited.
    pub when: Rule,
    /// For `date` rules.
    pub tracks: Option<Vec<TrackId>>,
    /// When answers are taken.
    pub open: OpenPeriod,
    /// Draft when the national file or the town's extra is a draft.
    pub review: ReviewStatus,
    /// National questions first, then the town's.
    pub questions: Vec<Question>,
}

/// Validates the national surveys.
pub fn validate_national(content: &Content, production: bool, diagnostics: &mut Diagnostics) {
    let base = display_base(content);
    for file in content.surveys.values() {
        check_full(base, file, production, diagnostics);
    }
}

/// Validates a municipality's survey files (its own surveys, and extras against their national
/// one) and its `surveys:` settings.
pub fn validate_municipal(
    content: &Content,
    municipality: &MunicipalityContent,
    production: bool,
    diagnostics: &mut Diagnostics,
) {
    crate::survey_settings::validate(content, municipality, diagnostics);
    let base = display_base(content);
    for (id, file) in &municipality.surveys {
        match content.surveys.get(id) {
            Some(national) => check_extra(base, file, national, production, diagnostics),
            None => check_full(base, file, production, diagnostics),
        }
    }
}

/// Every survey a municipality runs, sorted by id: the national ones it does not opt out of
/// ([`crate::survey_settings`]), with its extra questions, and its own.
pub fn resolve(content: &Content, municipality: &MunicipalityContent) -> Vec<ResolvedSurvey> {
    let opt_out = crate::survey_settings::opt_out(municipality);
    let mut surveys = Vec::new();
    for (id, national) in content.surveys.iter().filter(|(id, _)| !opt_out.excludes(id)) {
        let extra = municipality.surveys.get(id);
        if let Some(mut survey) = resolve_full(id, &national.value, SurveyScope::National) {
            if let Some(extra) = extra {
                survey.questions.extend(extra.value.questions.iter().map(|q| question(q, SurveyScope::Municipal)));
                if extra.value.review.as_ref().is_none_or(|r| r.status == ReviewStatus::Draft) {
                    survey.review = ReviewStatus::Draft;
                }
            }
            surveys.push(survey);
        }
    }
    for (id, own) in municipality.surveys.iter().filter(|(id, _)| !content.surveys.contains_key(*id)) {
        surveys.extend(resolve_full(id, &own.value, SurveyScope::Municipal));
    }
    surveys.sort_by(|a, b| a.id.cmp(&b.id));
    surveys
}

fn resolve_full(id: &str, file: &SurveyFile, scope: SurveyScope) -> Option<ResolvedSurvey> {
    let open = file.open?;
    Some(ResolvedSurvey {
        id: id.to_owned(),
        scope,
        title: file.title.clone()?,
        introduction: file.introduction.clone().unwrap_or_default(),
        when: file.when?,
        tracks: file.tracks.clone(),
        open: OpenPeriod { from: open.from.0, until: open.until.0 },
        review: file.review.as_ref().map_or(ReviewStatus::Draft, |r| r.status),
        questions: file.questions.iter().map(|q| question(q, scope)).collect(),
    })
}

fn question(file: &QuestionFile, origin: SurveyScope) -> Question {
    Question {
        id: file.id.clone(),
        kind: file.kind,
        text: file.text.trim().to_owned(),
        choices: Choice::numbered(&file.choices.iter().map(|c| c.trim()).collect::<Vec<_>>()),
        required: file.required,
        origin,
    }
}

/// A survey of its own (national or a town's): every key but `tracks` is required.
fn check_full(base: &Path, file: &Loaded<SurveyFile>, production: bool, diagnostics: &mut Diagnostics) {
    let (value, lines, path) = (&file.value, &file.lines, file.path.as_path());
    match &value.title {
        None => diagnostics.error(path, Some(1), Text::new(&msg::SURVEY_TITLE_MISSING)),
        Some(title) => one_line(path, lines.line_or_top("title"), "title", title, MAX_TITLE_CHARS, diagnostics),
    }
    match &value.introduction {
        None => diagnostics.error(path, Some(1), Text::new(&msg::SURVEY_INTRODUCTION_MISSING)),
        Some(text) => {
            let line = lines.line_or_top("introduction");
            if text.trim().is_empty() || text.chars().count() > MAX_INTRODUCTION_CHARS {
                let problem = Text::new(&msg::SURVEY_INTRODUCTION_LENGTH).arg("max", MAX_INTRODUCTION_CHARS);
                diagnostics.error(path, line, problem);
            }
            for problem in markdown::problems(text, "introduction") {
                diagnostics.error(path, line, problem);
            }
        }
    }
    check_when(value, file, diagnostics);
    check_questions(base, file, &[], diagnostics);
    check_review(file, production, diagnostics);
}

fn check_when(value: &SurveyFile, file: &Loaded<SurveyFile>, diagnostics: &mut Diagnostics) {
    let (lines, path) = (&file.lines, file.path.as_path());
    let when_line = lines.line_or_top("when");
    match (&value.when, &value.tracks) {
        (None, _) => diagnostics.error(path, Some(1), Text::new(&msg::SURVEY_WHEN_MISSING)),
        (Some(Rule::Date(_)), None) => diagnostics.error(path, when_line, Text::new(&msg::SURVEY_DATE_NEEDS_TRACKS)),
        (Some(Rule::Date(_)), Some(tracks)) if tracks.is_empty() => {
            diagnostics.error(path, lines.line_or_top("tracks"), Text::new(&msg::SURVEY_TRACKS_EMPTY))
        }
        (Some(rule), Some(_)) if !matches!(rule, Rule::Date(_)) => {
            let text = Text::new(&msg::SURVEY_TRACKS_ONLY_FOR_DATE).arg("rule", rule.long_label());
            diagnostics.error(path, lines.line_or_top("tracks"), text)
        }
        _ => {}
    }
    match (value.open, value.when) {
        (None, _) => diagnostics.error(path, Some(1), Text::new(&msg::SURVEY_OPEN_MISSING)),
        (Some(open), _) if open.from > open.until => {
            let text = Text::new(&msg::SURVEY_OPEN_REVERSED).arg("from", open.from).arg("until", open.until);
            diagnostics.error(path, lines.line_or_top("open"), text)
        }
        (Some(open), Some(Rule::Date(date))) if date.0 < open.from.0 || open.until.0 < date.0 => {
            let text = Text::new(&msg::SURVEY_DATE_OUTSIDE_OPEN)
                .arg("date", date)
                .arg("from", open.from)
                .arg("until", open.until);
            diagnostics.error(path, when_line, text)
        }
        _ => {}
    }
}

/// The town's extra questions for a national survey: only `questions` and `review` may be given.
fn check_extra(
    base: &Path,
    file: &Loaded<SurveyFile>,
    national: &Loaded<SurveyFile>,
    production: bool,
    diagnostics: &mut Diagnostics,
) {
    let (value, lines, path) = (&file.value, &file.lines, file.path.as_path());
    let given = [
        ("title", value.title.is_some()),
        ("introduction", value.introduction.is_some()),
        ("when", value.when.is_some()),
        ("tracks", value.tracks.is_some()),
        ("open", value.open.is_some()),
    ];
    for (key, _) in given.iter().filter(|(_, given)| *given) {
        let text = Text::new(&msg::SURVEY_EXTRA_KEY).arg("national", national.path.display()).arg("key", key);
        diagnostics.error(path, lines.line_or_top(key), text);
    }
    let taken: Vec<&str> = national.value.questions.iter().map(|q| q.id.as_str()).collect();
    if taken.len() + value.questions.len() > MAX_QUESTIONS {
        let text = Text::new(&msg::SURVEY_TOO_MANY_WITH_NATIONAL).arg("max", MAX_QUESTIONS);
        diagnostics.error(path, lines.line_or_top("questions"), text);
    }
    check_questions(base, file, &taken, diagnostics);
    check_review(file, production, diagnostics);
}

fn check_review(file: &Loaded<SurveyFile>, production: bool, diagnostics: &mut Diagnostics) {
    let status = file.value.review.as_ref().map(|r| r.status);
    if status.is_none() {
        diagnostics.error(&file.path, Some(1), Text::new(&msg::SURVEY_REVIEW_MISSING));
    } else if production && status == Some(ReviewStatus::Draft) {
        diagnostics.error(&file.path, file.lines.line_or_top("review"), Text::new(&msg::SURVEY_DRAFT_IN_PRODUCTION));
    }
}

fn check_questions(base: &Path, file: &Loaded<SurveyFile>, taken: &[&str], diagnostics: &mut Diagnostics) {
    let path = file.path.as_path();
    let questions = &file.value.questions;
    // `Loaded` keeps the lines of top-level keys only; the file is read again (it is small, and a
    // failure only costs the line numbers of its questions) for the line of each list item.
    let text = std::fs::read_to_string(base.join(path)).unwrap_or_default();
    let starts = question_lines(&text, questions.len());
    let top = file.lines.line_or_top("questions");
    if questions.is_empty() {
        diagnostics.error(path, top, Text::new(&msg::SURVEY_NO_QUESTIONS));
    }
    if questions.len() > MAX_QUESTIONS {
        let text = Text::new(&msg::SURVEY_TOO_MANY_QUESTIONS).arg("max", MAX_QUESTIONS).arg("count", questions.len());
        diagnostics.error(path, top, text);
    }
    let mut seen: BTreeSet<&str> = taken.iter().copied().collect();
    for (n, question) in questions.iter().enumerate() {
        let line = starts.get(n).copied().or(top);
        let id = question.id.as_str();
        let about = |entry| Text::new(entry).arg("n", n + 1).arg("id", id);
        if !is_valid_stem(id) {
            diagnostics.error(path, line, about(&msg::SURVEY_QUESTION_ID));
        } else if !seen.insert(id) {
            let entry =
                if taken.contains(&id) { &msg::SURVEY_QUESTION_NATIONAL_ID } else { &msg::SURVEY_QUESTION_DUPLICATE };
            diagnostics.error(path, line, about(entry));
        }
        let field = format!("questions[{}].text", n + 1);
        one_line(path, line, &field, &question.text, MAX_QUESTION_CHARS, diagnostics);
        check_choices(path, line, n + 1, question, diagnostics);
    }
}

fn check_choices(path: &Path, line: Option<usize>, n: usize, question: &QuestionFile, diagnostics: &mut Diagnostics) {
    let count = question.choices.len();
    let about = |entry| Text::new(entry).arg("n", n).arg("id", &question.id);
    match question.kind {
        QuestionKind::Text if count > 0 => diagnostics.error(path, line, about(&msg::SURVEY_TEXT_WITH_CHOICES)),
        QuestionKind::Scale if count != SCALE_POINTS => {
            diagnostics.error(path, line, about(&msg::SURVEY_SCALE_CHOICES).arg("count", count))
        }
        QuestionKind::Single | QuestionKind::Multiple if !(2..=MAX_CHOICES).contains(&count) => {
            diagnostics.error(path, line, about(&msg::SURVEY_CHOICE_COUNT).arg("max", MAX_CHOICES).arg("count", count))
        }
        _ => {}
    }
    let mut labels = BTreeSet::new();
    for choice in &question.choices {
        one_line(path, line, &format!("questions[{n}].choices"), choice, MAX_QUESTION_CHARS, diagnostics);
        if !labels.insert(choice.trim()) {
            diagnostics.error(path, line, about(&msg::SURVEY_CHOICE_DUPLICATE).arg("choice", choice.trim()));
        }
    }
}

fn one_line(path: &Path, line: Option<usize>, field: &str, text: &str, limit: usize, diagnostics: &mut Diagnostics) {
    let count = text.chars().take(limit + 1).count();
    if text.trim().is_empty() {
        diagnostics.error(path, line, Text::new(&msg::SURVEY_FIELD_EMPTY).arg("field", field));
    } else if count > limit {
        diagnostics.error(path, line, Text::new(&msg::SURVEY_FIELD_TOO_LONG).arg("field", field).arg("max", limit));
    } else if text.trim().contains('\n') || text.chars().any(char::is_control) {
        diagnostics.error(path, line, Text::new(&msg::SURVEY_FIELD_ONE_LINE).arg("field", field));
    }
}

/// Shown paths are relative to the content directory's parent (`content/surveys/…`).
fn display_base(content: &Content) -> &Path {
    content.root.parent().unwrap_or(&content.root)
}

/// The line of each item of the top-level `questions:` list: lines starting with `- ` at the
/// indentation of the first item.
fn question_lines(text: &str, expected: usize) -> Vec<usize> {
    let mut in_questions = false;
    let mut indent = None;
    let mut lines = Vec::with_capacity(expected);
    for (number, line) in text.lines().enumerate() {
        let starts_key = line.chars().next().is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-');
        if starts_key {
            in_questions = line.starts_with("questions:");
            continue;
        }
        let trimmed = line.trim_start();
        let depth = line.len() - trimmed.len();
        if in_questions && trimmed.starts_with("- ") && indent.is_none_or(|i| i == depth) {
            indent = Some(depth);
            lines.push(number + 1);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_lines_are_the_items_of_the_questions_list() {
        let text = "title: t\nquestions:\n  - id: a\n    kind: single\n    choices:\n      - x\n      - y\n  - id: b\nreview: {}\n";
        assert_eq!(question_lines(text, 2), vec![3, 8]);
    }
}
