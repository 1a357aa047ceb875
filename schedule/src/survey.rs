//! Reader surveys (読者アンケート): what `schedule.json` lists about them, who is invited on which
//! day, how an answer form is read, and the stage buckets answers are counted in.
//!
//! The generator writes one [`SurveyEntry`] per survey a municipality runs (a national survey with
//! the town's extra questions appended, or the town's own); the sender invites readers on the
//! survey's day ([`SurveyEntry::invites`]) with a section carrying [`SURVEY_URL_MARKER`], and the
//! API reads the posted form with [`SurveyEntry::read_answers`] — the same question ids, choice ids
//! and limits the generator wrote the form from, so page and API cannot drift apart.
//!
//! Answers are stored without anything that identifies the reader: the municipality, the survey,
//! the answers, the reader's [`StageBucket`] and the channel.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::calendar::anniversary;
use crate::document::{EntryTrack, ReviewStatus, ScheduleEntry, Validity};
use crate::line::LineFile;
use crate::rule::{AnchorKind, Rule};
use crate::track::{tracks_on, TrackId};

/// The longest free-text answer, in characters.
pub const TEXT_MAX_CHARS: usize = 400;
/// The points of a scale question (1 = the low end, 5 = the high end).
pub const SCALE_POINTS: usize = 5;
/// The marker in a survey invitation section (mail and LINE) that the sender replaces with the
/// reader's personal link (the survey page with a signed token). Only invitation sections carry it.
pub const SURVEY_URL_MARKER: &str = "%%survey_url%%";
/// The prefix of an invitation's entry id ([`SurveyEntry::invitation_entry`]): `survey/<id>`.
pub const INVITATION_ENTRY_PREFIX: &str = "survey/";
/// The prefix of a question's form field name: question `reading` is posted as `q-reading`.
pub const QUESTION_FIELD_PREFIX: &str = "q-";

/// Whether a survey is the programme's (asked in every town that runs it, rolled up nationally)
/// or one municipality's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SurveyScope {
    /// `content/surveys/<id>.yaml`
    National,
    /// `content/municipalities/<m>/surveys/<id>.yaml`
    Municipal,
}

/// Where a question comes from: the national survey (its answers are rolled up over
/// municipalities) or the municipality (its extra questions, or its own survey).
pub type QuestionOrigin = SurveyScope;

/// The kind of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// One choice (radio buttons).
    Single,
    /// Any number of choices (check boxes).
    Multiple,
    /// Five points, low to high; the choices are the five labels.
    Scale,
    /// Free text of at most [`TEXT_MAX_CHARS`] characters.
    Text,
}

impl QuestionKind {
    /// The Japanese name, for staff.
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "単一回答",
            QuestionKind::Multiple => "複数回答",
            QuestionKind::Scale => "5段階",
            QuestionKind::Text => "自由記述",
        }
    }
}

/// One answer choice; its id is its 1-based position, which is what the form posts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// `1`, `2`, …
    pub id: String,
    /// What the reader reads.
    pub label: String,
}

impl Choice {
    /// Choices with ids `1`…`n` in the given order.
    pub fn numbered<S: AsRef<str>>(labels: &[S]) -> Vec<Choice> {
        labels
            .iter()
            .enumerate()
            .map(|(n, label)| Choice { id: (n + 1).to_string(), label: label.as_ref().to_owned() })
            .collect()
    }
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique within the survey: lowercase ASCII letters, digits and `-`.
    pub id: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// The question as the reader reads it.
    pub text: String,
    /// The choices (none for free text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Whether an answer must be given.
    #[serde(default)]
    pub required: bool,
    /// National (rolled up over municipalities) or the municipality's own.
    pub origin: QuestionOrigin,
}

impl Question {
    /// The form field name (`q-<id>`).
    pub fn field_name(&self) -> String {
        format!("{QUESTION_FIELD_PREFIX}{}", self.id)
    }
}

/// The days a survey takes answers (both ends included, Japan dates). Invitations go out only on
/// days inside it, and the token of an invitation expires at the end of `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub until: NaiveDate,
}

impl OpenPeriod {
    /// Whether `date` is inside the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.until
    }
}

/// One survey a municipality runs, as `schedule.json` lists it (`surveys`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyEntry {
    /// The file stem, e.g. `satisfaction-2026`; answers and invitations are keyed by it.
    pub id: String,
    /// National or the municipality's own.
    pub scope: SurveyScope,
    /// The title.
    pub title: String,
    /// When readers are invited: a rule like a message's.
    pub when: Rule,
    /// For `date` rules: readers currently in one of these tracks are invited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackId>>,
    /// When answers are taken.
    pub open: OpenPeriod,
    /// The survey page in the archive.
    pub url: String,
    /// The invitation section (mail), relative to the schedule; it carries [`SURVEY_URL_MARKER`].
    pub section: String,
    /// `sha256:<hex>` of the section file's bytes.
    pub hash: String,
    /// The same invitation as LINE messages (municipalities with LINE); it carries
    /// [`crate::line::LineMarker::SurveyUrl`], filled by [`crate::line::compose_push`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LineFile>,
    /// Review status of the survey's wording.
    pub review: ReviewStatus,
    /// Every question, national ones first.
    pub questions: Vec<Question>,
}

impl SurveyEntry {
    /// Whether a subscription with this anchor is invited on `date`: the date is inside the open
    /// period, and it is the rule's day for the anchor (a `date` rule: the subscription is
    /// currently in one of `tracks`) while the subscription is in an enabled track.
    pub fn invites(&self, kind: AnchorKind, anchor: NaiveDate, date: NaiveDate, enabled: &[TrackId]) -> bool {
        if !self.open.contains(date) {
            return false;
        }
        let in_tracks = tracks_on(kind, anchor, date, enabled);
        if in_tracks.is_empty() || self.when.anchor_kind().is_some_and(|k| k != kind) {
            return false;
        }
        if let Rule::Date(_) = self.when {
            let tracks = self.tracks.as_deref().unwrap_or_default();
            if !tracks.iter().any(|t| in_tracks.contains(t)) {
                return false;
            }
        }
        self.when.delivery_date(anchor) == Some(date)
    }

    /// The invitation as a schedule entry `survey/<id>`: an announcement-like entry to the
    /// readers [`Self::invites`] names (valid during the open period; a `date` rule goes to its
    /// `tracks`, another rule to every track of `enabled` with its anchor kind). The sender adds these to
    /// the entries it plans, so an invitation is reserved, recorded and sent at most once like any
    /// section of the day's delivery, by whatever channel the reader has.
    pub fn invitation_entry(&self, enabled: &[TrackId]) -> ScheduleEntry {
        let tracks = match (&self.tracks, self.when.anchor_kind()) {
            (Some(tracks), _) => tracks.clone(),
            (None, kind) => enabled.iter().copied().filter(|t| kind.is_none_or(|k| t.anchor_kind() == k)).collect(),
        };
        ScheduleEntry {
            id: format!("{INVITATION_ENTRY_PREFIX}{}", self.id),
            track: EntryTrack::Local,
            tracks: Some(tracks),
            when: self.when,
            subject: self.title.clone(),
            url: self.url.clone(),
            section: self.section.clone(),
            hash: self.hash.clone(),
            line: self.line.clone(),
            review: self.review,
            local: Vec::new(),
            valid: Some(Validity { from: Some(self.open.from), until: Some(self.open.until) }),
        }
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Reads a posted answer form: `fields` are the (name, value) pairs of every field other than
    /// the token, in order. Every problem is reported, in Japanese, naming the question; nothing
    /// is taken from a form with a problem.
    pub fn read_answers(&self, fields: &[(&str, &str)]) -> Result<Answers, Vec<AnswerProblem>> {
        let mut problems = Vec::new();
        let mut given: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in fields {
            let question = name.strip_prefix(QUESTION_FIELD_PREFIX).and_then(|id| self.question(id));
            match question {
                Some(question) => given.entry(question.id.as_str()).or_default().push(value),
                None => problems.push(AnswerProblem::new(name, "このアンケートにない項目が送られました。")),
            }
        }
        let mut answers = BTreeMap::new();
        for question in &self.questions {
            let values: Vec<&str> = given
                .get(question.id.as_str())
                .map(|v| v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            match read_one(question, &values) {
                Ok(Some(answer)) => {
                    answers.insert(question.id.clone(), answer);
                }
                Ok(None) => {}
                Err(message) => problems.push(AnswerProblem::new(&question.field_name(), message)),
            }
        }
        if problems.is_empty() {
            Ok(Answers(answers))
        } else {
            Err(problems)
        }
    }
}

fn read_one(question: &Question, values: &[&str]) -> Result<Option<Answer>, String> {
    let text = &question.text;
    if values.is_empty() {
        return if question.required { Err(format!("「{text}」にお答えください。")) } else { Ok(None) };
    }
    match question.kind {
        QuestionKind::Text => {
            let [value] = values else { return Err(format!("「{text}」の回答が重複しています。")) };
            let chars = value.chars().count();
            if chars > TEXT_MAX_CHARS {
                return Err(format!("「{text}」は{TEXT_MAX_CHARS}文字以内でお書きください（いまは{chars}文字です）。"));
            }
            Ok(Some(Answer::Text((*value).to_owned())))
        }
        QuestionKind::Single | QuestionKind::Scale | QuestionKind::Multiple => {
            if question.kind != QuestionKind::Multiple && values.len() > 1 {
                return Err(format!("「{text}」は一つだけ選んでください。"));
            }
            let mut ids: Vec<String> = Vec::with_capacity(values.len());
            for value in values {
                if !question.choices.iter().any(|c| c.id == *value) {
                    return Err(format!("「{text}」の選択肢にない回答が送られました。"));
                }
                if !ids.iter().any(|id| id == value) {
                    ids.push((*value).to_owned());
                }
            }
            ids.sort_by_key(|id| id.parse::<usize>().unwrap_or(usize::MAX));
            Ok(Some(Answer::Choices(ids)))
        }
    }
}

/// A problem with one field of an answer form, in Japanese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerProblem {
    /// The field name (`q-<id>`, or the unknown name sent).
    pub field: String,
    /// What is wrong, for the reader.
    pub message: String,
}

impl AnswerProblem {
    fn new(field: &str, message: impl Into<String>) -> Self {
        AnswerProblem { field: field.to_owned(), message: message.into() }
    }
}

impl fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One question's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// The chosen choice ids, in choice order (one for single and scale questions).
    Choices(Vec<String>),
    /// Free text.
    Text(String),
}

/// The answers of one form, by question id; questions left blank are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, Answer>);

/// The reader's stage when invited, the only thing about the reader an answer keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StageBucket {
    /// 妊娠期
    Pregnancy,
    /// 0歳
    Age0,
    /// 1–2歳
    Age1To2,
    /// 3–5歳
    Age3To5,
    /// 6歳以上
    Age6Plus,
}

impl StageBucket {
    /// Every bucket, youngest first.
    pub const ALL: [StageBucket; 5] =
        [StageBucket::Pregnancy, StageBucket::Age0, StageBucket::Age1To2, StageBucket::Age3To5, StageBucket::Age6Plus];

    /// The bucket of a subscription with this anchor on `date`: a due date is 妊娠期; a birth date
    /// counts completed years, birthdays computed as the rules do (Feb 29 → Feb 28).
    pub fn of(kind: AnchorKind, anchor: NaiveDate, date: NaiveDate) -> StageBucket {
        if kind == AnchorKind::Due {
            return StageBucket::Pregnancy;
        }
        let years = (1..=6u32).take_while(|n| anniversary(anchor, *n).is_some_and(|b| b <= date)).count();
        match years {
            0 => StageBucket::Age0,
            1 | 2 => StageBucket::Age1To2,
            3..=5 => StageBucket::Age3To5,
            _ => StageBucket::Age6Plus,
        }
    }

    /// The id stored with an answer.
    pub fn as_str(self) -> &'static str {
        match self {
            StageBucket::Pregnancy => "pregnancy",
            StageBucket::Age0 => "age-0",
            StageBucket::Age1To2 => "age-1-2",
            StageBucket::Age3To5 => "age-3-5",
            StageBucket::Age6Plus => "age-6-plus",
        }
    }

    /// The Japanese label of reports.
    pub fn label(self) -> &'static str {
        match self {
            StageBucket::Pregnancy => "妊娠期",
            StageBucket::Age0 => "0歳",
            StageBucket::Age1To2 => "1–2歳",
            StageBucket::Age3To5 => "3–5歳",
            StageBucket::Age6Plus => "6歳以上",
        }
    }
}

impl std::str::FromStr for StageBucket {
    type Err = UnknownStageBucket;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StageBucket::ALL.into_iter().find(|b| b.as_str() == s).ok_or(UnknownStageBucket)
    }
}

/// A value that is not a [`StageBucket::as_str`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown stage bucket")]
pub struct UnknownStageBucket;

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn survey() -> SurveyEntry {
        serde_json::from_value(serde_json::json!({
            "id": "satisfaction-2026", "scope": "national", "title": "t", "when": { "age": "4m" },
            "open": { "from": "2027-01-01", "until": "2027-03-31" }, "url": "u",
            "section": "mail/sections/survey/satisfaction-2026.json", "hash": "sha256:00", "review": "draft",
            "questions": [
                { "id": "overall", "kind": "scale", "text": "満足度", "required": true, "origin": "national",
                  "choices": Choice::numbered(&["1", "2", "3", "4", "5"]) },
                { "id": "topics", "kind": "multiple", "text": "役立った話題", "origin": "national",
                  "choices": Choice::numbered(&["成長", "健康", "地域"]) },
                { "id": "comment", "kind": "text", "text": "ご意見", "origin": "municipal" }
            ] }))
        .expect("survey")
    }

    #[test]
    fn invites_on_the_rule_day_inside_the_open_period_only() {
        let survey = survey();
        let enabled = [TrackId::Baby];
        // Born 2026-10-15: 4m is 2027-02-15.
        let born = date("2026-10-15");
        assert!(survey.invites(AnchorKind::Birth, born, date("2027-02-15"), &enabled));
        assert!(!survey.invites(AnchorKind::Birth, born, date("2027-02-16"), &enabled));
        assert!(!survey.invites(AnchorKind::Due, born, date("2027-02-15"), &enabled), "due anchors are not aged");
        // Born 2026-07-15: 4m is 2026-11-15, before the survey opens.
        assert!(!survey.invites(AnchorKind::Birth, date("2026-07-15"), date("2026-11-15"), &enabled));
        assert!(!survey.invites(AnchorKind::Birth, born, date("2027-02-15"), &[TrackId::Maternity]), "not enabled");
    }

    #[test]
    fn a_date_survey_invites_the_current_readers_of_its_tracks() {
        let mut survey = survey();
        survey.when = serde_json::from_value(serde_json::json!({ "date": "2027-02-01" })).expect("rule");
        survey.tracks = Some(vec![TrackId::Maternity]);
        let enabled = [TrackId::Maternity, TrackId::Baby];
        assert!(survey.invites(AnchorKind::Due, date("2027-05-01"), date("2027-02-01"), &enabled));
        assert!(!survey.invites(AnchorKind::Birth, date("2026-05-01"), date("2027-02-01"), &enabled));
        assert!(!survey.invites(AnchorKind::Due, date("2027-05-01"), date("2027-02-02"), &enabled));
    }

    #[test]
    fn the_invitation_entry_reaches_exactly_the_invited() {
        let mut survey = survey();
        let mut dated = survey.clone();
        dated.id = "dated".into();
        dated.when = serde_json::from_value(serde_json::json!({ "date": "2027-02-01" })).expect("rule");
        dated.tracks = Some(vec![TrackId::Maternity]);
        survey.section = "mail/sections/survey/satisfaction-2026.json".into();
        let mut document: crate::ScheduleDocument = serde_json::from_value(serde_json::json!({
            "schema": crate::SCHEDULE_SCHEMA, "build": { "id": "b", "production": false },
            "municipality": { "id": "m", "code": "999999", "name": "n", "service_name": "s",
                "tracks": ["maternity", "baby"], "addons": [], "delivery_time": "07:00",
                "email": { "from": "a@example.jp", "from_name": "x", "reply_to": "b@example.jp" },
                "archive_base_url": "https://example.jp/m/", "api_base_url": "https://example.jp/api/",
                "contact": { "name": "a", "phone": "b", "hours": "c", "url": "d" } },
            "mail": { "shell": "mail/shell.json", "system": {} }, "entries": [] }))
        .expect("document");
        let enabled = document.municipality.enabled_tracks();
        document.entries = vec![survey.invitation_entry(&enabled), dated.invitation_entry(&enabled)];
        let anchors = ["2026-09-20", "2026-10-15", "2026-12-31", "2027-03-01", "2027-05-01", "2027-06-30"];
        let days = ["2026-12-31", "2027-01-01", "2027-02-01", "2027-02-15", "2027-03-31", "2027-04-01"];
        for kind in [AnchorKind::Due, AnchorKind::Birth] {
            for anchor in anchors.map(date) {
                for day in days.map(date) {
                    let sent: Vec<String> =
                        document.deliveries_for(kind, anchor, day).iter().map(|d| d.entry.id.clone()).collect();
                    let expected: Vec<String> = [&survey, &dated]
                        .iter()
                        .filter(|s| s.invites(kind, anchor, day, &enabled))
                        .map(|s| format!("survey/{}", s.id))
                        .collect();
                    assert_eq!(sent, expected, "{kind:?} {anchor} {day}");
                }
            }
        }
    }

    #[test]
    fn answers_are_read_by_question_and_every_problem_is_named() {
        let survey = survey();
        let answers = survey
            .read_answers(&[("q-overall", "5"), ("q-topics", "3"), ("q-topics", "1"), ("q-comment", " ありがとう ")])
            .expect("answers");
        assert_eq!(answers.0["overall"], Answer::Choices(vec!["5".into()]));
        assert_eq!(answers.0["topics"], Answer::Choices(vec!["1".into(), "3".into()]));
        assert_eq!(answers.0["comment"], Answer::Text("ありがとう".into()));

        let long = "あ".repeat(TEXT_MAX_CHARS + 1);
        let problems =
            survey.read_answers(&[("q-overall", "6"), ("q-comment", &long), ("q-other", "x")]).expect_err("problems");
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("選択肢にない")));
        assert!(messages.iter().any(|m| m.contains("400文字以内") && m.contains("401文字")));
        assert!(messages.iter().any(|m| m.contains("ない項目")));

        let missing = survey.read_answers(&[]).expect_err("overall is required");
        assert_eq!(missing[0].field, "q-overall");
        assert!(survey.read_answers(&[("q-overall", "1"), ("q-overall", "2")]).is_err(), "one point only");
        let exact = "あ".repeat(TEXT_MAX_CHARS);
        assert!(survey.read_answers(&[("q-overall", "1"), ("q-comment", &exact)]).is_ok());
    }

    #[test]
    fn stage_buckets_count_completed_years() {
        let born = date("2024-02-29");
        let of = |d: &str| StageBucket::of(AnchorKind::Birth, born, date(d));
        assert_eq!(of("2024-02-29"), StageBucket::Age0);
        assert_eq!(of("2025-02-27"), StageBucket::Age0);
        assert_eq!(of("2025-02-28"), StageBucket::Age1To2, "Feb 29 births turn one on Feb 28");
        assert_eq!(of("2027-02-28"), StageBucket::Age3To5);
        assert_eq!(of("2030-02-28"), StageBucket::Age6Plus);
        assert_eq!(StageBucket::of(AnchorKind::Due, born, date("2023-12-01")), StageBucket::Pregnancy);
        for bucket in StageBucket::ALL {
            assert_eq!(bucket.as_str().parse::<StageBucket>(), Ok(bucket));
        }
    }
}
