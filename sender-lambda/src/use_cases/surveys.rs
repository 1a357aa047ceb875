//! Reader surveys (issue 20): the personal invitation link of a delivery, and answering.
//!
//! An answer is taken only from a survey token this sender signed ([`verify_survey_token`]) for a
//! survey the municipality's schedule lists, while it is open, with a form the survey's questions
//! accept ([`SurveyEntry::read_answers`]) and a ballot that has not answered yet. Every refusal has
//! its Japanese page and stores nothing. The stored sheet keeps the municipality, the survey, the
//! answers, the stage and the channel — never the subscription.

use chrono::{DateTime, Utc};
use kizuna_schedule::survey::{AnswerProblem, StageBucket, SurveyEntry};
use kizuna_schedule::ScheduleDocument;

use crate::domain::links::LinkKeys;
use crate::domain::model;
use crate::domain::plan::PlannedMail;
use crate::domain::survey::{invited_survey, verify_survey_token, SurveyClaims, SurveyTokenError};
use crate::ports::channel::{Channel, DayContent, SendError};
use crate::ports::survey_answers::{AnswerOutcome, NewAnswerSheet, SurveyAnswers};
use crate::BoxError;

/// Why an answer was not taken; nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or a damaged one.
    BadLink,
    /// A token this sender did not sign.
    Forged,
    /// The survey is closed, or no longer listed.
    Closed,
    /// This reader has answered already.
    AlreadyAnswered,
    /// The form has problems (unknown choices, over-long text, …), each for its field.
    Invalid(Vec<AnswerProblem>),
}

impl Refusal {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadLink => 400,
            Refusal::Forged => 403,
            Refusal::Closed => 410,
            Refusal::AlreadyAnswered => 409,
            Refusal::Invalid(_) => 422,
        }
    }

    /// What the reader reads.
    pub fn message(&self) -> String {
        match self {
            Refusal::BadLink => {
                "リンクが正しくありません。ご案内のメッセージにあるリンクから、もう一度開いてください。".to_owned()
            }
            Refusal::Forged => {
                "このリンクは確認できませんでした。ご案内のメッセージにあるリンクから開いてください。".to_owned()
            }
            Refusal::Closed => "このアンケートの回答期間は終わりました。ご協力ありがとうございました。".to_owned(),
            Refusal::AlreadyAnswered => {
                "このアンケートには、すでにお答えいただいています。ありがとうございました。".to_owned()
            }
            Refusal::Invalid(problems) => problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "),
        }
    }
}

impl From<SurveyTokenError> for Refusal {
    fn from(error: SurveyTokenError) -> Self {
        match error {
            SurveyTokenError::Malformed => Refusal::BadLink,
            SurveyTokenError::Forged => Refusal::Forged,
            SurveyTokenError::Closed => Refusal::Closed,
        }
    }
}

/// A survey token whose municipality and survey are known, before the form is read.
#[derive(Clone, Debug)]
pub struct Ballot<'a> {
    /// The survey.
    pub survey: &'a SurveyEntry,
    /// What the token says.
    pub claims: SurveyClaims,
}

/// Checks a survey token against the municipality's schedule at `now`: signed by us, for a survey
/// the schedule lists, not closed.
pub fn open_ballot<'a>(
    keys: &LinkKeys,
    token: &str,
    schedule: &'a ScheduleDocument,
    now: DateTime<Utc>,
) -> Result<Ballot<'a>, Refusal> {
    let claims = verify_survey_token(keys, token, now.timestamp())?;
    if claims.municipality != schedule.municipality.id {
        return Err(Refusal::Forged);
    }
    let survey = schedule.surveys.iter().find(|s| s.id == claims.survey).ok_or(Refusal::Closed)?;
    // The token expires when the survey closes; a survey closed early (its `until` moved in a
    // newer build) closes its tokens too. Its start is not checked: a token exists only because
    // an invitation went out on a day inside the period.
    if kizuna_schedule::japan_date(now) > survey.open.until {
        return Err(Refusal::Closed);
    }
    Ok(Ballot { survey, claims })
}

/// The municipality id a survey token names (to find its schedule), without trusting it yet.
pub fn token_municipality(token: &str) -> Option<&str> {
    token.split('.').nth(2)
}

/// Takes an answer: the form's question fields (`q-…`, the token left out) are read with the
/// survey's questions and stored once per ballot.
pub async fn answer<S: SurveyAnswers>(
    store: &S,
    ballot: &Ballot<'_>,
    fields: &[(&str, &str)],
) -> Result<Result<(), Refusal>, BoxError> {
    let answers = match ballot.survey.read_answers(fields) {
        Ok(answers) => answers,
        Err(problems) => return Ok(Err(Refusal::Invalid(problems))),
    };
    let sheet = NewAnswerSheet {
        municipality: ballot.claims.municipality.clone(),
        survey: ballot.claims.survey.clone(),
        ballot: ballot.claims.ballot.clone(),
        stage: ballot.claims.stage,
        channel: ballot.claims.channel,
        answers,
    };
    Ok(match store.put_answer(&sheet).await? {
        AnswerOutcome::Stored => Ok(()),
        AnswerOutcome::AlreadyAnswered => Err(Refusal::AlreadyAnswered),
    })
}

/// One invitation a message carries, counted when the message is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// The municipality id.
    pub municipality: String,
    /// The survey id.
    pub survey: String,
    /// The reader's stage.
    pub stage: StageBucket,
    /// The channel.
    pub channel: model::Channel,
}

/// A delivery channel that counts the survey invitations it sends (the response rate's
/// denominator): it renders and sends through `inner`, and after a send the provider accepted,
/// adds each invitation of the message to `store`. Counted when sent — a mail refused or in doubt
/// is not an invitation anyone could answer.
#[derive(Debug)]
pub struct CountingInvitations<'a, C, A> {
    /// The channel that renders and sends.
    pub inner: &'a C,
    /// Where invitations are counted.
    pub store: &'a A,
}

impl<C, A> Channel for CountingInvitations<'_, C, A>
where
    C: Channel + Sync,
    A: SurveyAnswers + Sync,
{
    type Message = (C::Message, Vec<Invitation>);
    type RenderError = C::RenderError;

    fn channel(&self) -> model::Channel {
        self.inner.channel()
    }

    fn serves(&self, channel: model::Channel) -> bool {
        self.inner.serves(channel)
    }

    fn retries_in_doubt(&self, channel: model::Channel) -> bool {
        self.inner.retries_in_doubt(channel)
    }

    fn pacer(&self, message: &Self::Message) -> Option<std::sync::Arc<crate::use_cases::delivery::Pacer>> {
        self.inner.pacer(&message.0)
    }

    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<Self::Message, Self::RenderError> {
        let message = self.inner.render(day, mail)?;
        let today = chrono::DateTime::from_timestamp(day.now, 0)
            .map_or_else(kizuna_schedule::japan_today, kizuna_schedule::japan_date);
        let recipient = &mail.recipient;
        let invitations = mail
            .sections
            .iter()
            .filter_map(|section| invited_survey(day.schedule, section.entry_id()))
            .map(|survey| Invitation {
                municipality: day.schedule.municipality.id.clone(),
                survey: survey.id.clone(),
                stage: StageBucket::of(recipient.anchor_kind, recipient.anchor_date, today),
                channel: recipient.channel(),
            })
            .collect();
        Ok((message, invitations))
    }

    async fn send(&self, message: &Self::Message, retry_key: Option<&str>) -> Result<String, SendError> {
        let id = self.inner.send(&message.0, retry_key).await?;
        for invitation in &message.1 {
            let counted = self
                .store
                .count_invitations(
                    &invitation.municipality,
                    &invitation.survey,
                    invitation.stage,
                    invitation.channel,
                    1,
                )
                .await;
            if let Err(error) = counted {
                // The mail went: it must not be resent for a counter. The response rate is then
                // slightly high, and the log says by how much.
                tracing::error!(survey = %invitation.survey, error = %error, "invitation sent but not counted");
            }
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use chrono::NaiveDate;
    use kizuna_schedule::survey::{Answer, Choice, OpenPeriod, Question, QuestionKind, SurveyScope};
    use kizuna_schedule::{AnchorKind, CalendarDate, ReviewStatus, Rule, TrackId};

    use super::*;
    use crate::domain::survey::survey_token;
    use crate::ports::survey_answers::{StoredSheet, SurveyRecords};

    /// The in-memory twin of [`SurveyAnswers`]: one map per survey, one sheet per ballot.
    #[derive(Debug, Default)]
    struct MemoryAnswers {
        sheets: Mutex<BTreeMap<(String, String, String), StoredSheet>>,
    }

    impl SurveyAnswers for MemoryAnswers {
        async fn put_answer(&self, sheet: &NewAnswerSheet) -> Result<AnswerOutcome, BoxError> {
            let mut sheets = self.sheets.lock().map_err(|_| "poisoned")?;
            let key = (sheet.municipality.clone(), sheet.survey.clone(), sheet.ballot.clone());
            if sheets.contains_key(&key) {
                return Ok(AnswerOutcome::AlreadyAnswered);
            }
            sheets.insert(
                key,
                StoredSheet { stage: sheet.stage, channel: sheet.channel, answers: sheet.answers.clone() },
            );
            Ok(AnswerOutcome::Stored)
        }

        async fn count_invitations(
            &self,
            _: &str,
            _: &str,
            _: StageBucket,
            _: model::Channel,
            _: i64,
        ) -> Result<(), BoxError> {
            Ok(())
        }

        async fn records(&self, municipality: &str, survey: &str) -> Result<SurveyRecords, BoxError> {
            let sheets = self.sheets.lock().map_err(|_| "poisoned")?;
            let sheets =
                sheets.iter().filter(|((m, s, _), _)| m == municipality && s == survey).map(|(_, v)| v.clone());
            Ok(SurveyRecords { sheets: sheets.collect(), invitations: Vec::new() })
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn schedule() -> ScheduleDocument {
        let survey = SurveyEntry {
            id: "reader".into(),
            scope: SurveyScope::National,
            title: "t".into(),
            when: Rule::Date(CalendarDate(date("2027-01-20"))),
            tracks: Some(vec![TrackId::Baby]),
            open: OpenPeriod { from: date("2027-01-20"), until: date("2027-02-28") },
            url: "u".into(),
            section: "s".into(),
            hash: "h".into(),
            line: None,
            review: ReviewStatus::Draft,
            questions: vec![Question {
                id: "reading".into(),
                kind: QuestionKind::Single,
                text: "読んでいますか".into(),
                choices: Choice::numbered(&["はい", "いいえ"]),
                required: true,
                origin: SurveyScope::National,
            }],
        };
        let mut document: ScheduleDocument = serde_json::from_value(serde_json::json!({
            "schema": kizuna_schedule::SCHEDULE_SCHEMA, "build": { "id": "b", "production": false },
            "municipality": { "id": "hikari", "code": "999999", "name": "n", "service_name": "s",
                "tracks": ["baby"], "addons": [], "delivery_time": "07:00",
                "email": { "from": "a@example.jp", "from_name": "x", "reply_to": "b@example.jp" },
                "archive_base_url": "https://example.jp/hikari/", "api_base_url": "https://example.jp/api/",
                "contact": { "name": "a", "phone": "b", "hours": "c", "url": "d" } },
            "mail": { "shell": "mail/shell.json", "system": {} }, "entries": [] }))
        .expect("document");
        document.surveys = vec![survey];
        document
    }

    #[tokio::test]
    async fn one_answer_per_ballot_and_nothing_stored_from_a_refused_form() {
        let keys = LinkKeys::parse("k1:0123456789abcdef0123456789abcdef").expect("keys");
        let document = schedule();
        let survey = &document.surveys[0];
        let token = survey_token(
            &keys,
            "hikari",
            survey,
            "sub-1",
            AnchorKind::Birth,
            date("2026-12-01"),
            date("2027-01-20"),
            model::Channel::Mail,
        );
        let now = "2027-01-21T00:00:00Z".parse().expect("instant");
        let store = MemoryAnswers::default();
        let ballot = open_ballot(&keys, &token, &document, now).expect("open");
        let refused = answer(&store, &ballot, &[("q-reading", "3")]).await.expect("store");
        assert!(matches!(refused, Err(Refusal::Invalid(_))));
        assert!(store.records("hikari", "reader").await.expect("records").sheets.is_empty());
        assert_eq!(answer(&store, &ballot, &[("q-reading", "1")]).await.expect("store"), Ok(()));
        assert_eq!(answer(&store, &ballot, &[("q-reading", "2")]).await.expect("store"), Err(Refusal::AlreadyAnswered));
        let records = store.records("hikari", "reader").await.expect("records");
        assert_eq!(records.sheets.len(), 1);
        assert_eq!(records.sheets[0].answers.0["reading"], Answer::Choices(vec!["1".into()]));
        assert_eq!(records.sheets[0].stage, StageBucket::Age0);
        let closed = "2027-03-01T00:00:00Z".parse().expect("instant");
        assert_eq!(open_ballot(&keys, &token, &document, closed).map(|_| ()), Err(Refusal::Closed));
    }
}
