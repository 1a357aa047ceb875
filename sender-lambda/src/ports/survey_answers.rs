//! The port of reader survey answers (issue 20): answer sheets stored without anything that
//! identifies the reader, a keyed ballot that refuses a second answer, and invitation counts.

use std::future::Future;

use kizuna_schedule::survey::{Answers, StageBucket};

use crate::domain::model::Channel;
use crate::BoxError;

/// One answer sheet to store: no subscription id, no contact data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAnswerSheet {
    /// The municipality id.
    pub municipality: String,
    /// The survey id.
    pub survey: String,
    /// The keyed one-way hash of (municipality, survey, subscription): only to refuse a second answer.
    pub ballot: String,
    /// The reader's stage when invited.
    pub stage: StageBucket,
    /// The channel of the invitation.
    pub channel: Channel,
    /// The answers.
    pub answers: Answers,
}

/// A stored sheet as results read it (the ballot is not returned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSheet {
    /// The reader's stage when invited.
    pub stage: StageBucket,
    /// The channel of the invitation.
    pub channel: Channel,
    /// The answers.
    pub answers: Answers,
}

/// Whether a sheet was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Stored.
    Stored,
    /// The ballot has answered already; nothing was stored.
    AlreadyAnswered,
}

/// Everything stored about one survey of one municipality.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyRecords {
    /// Every answer sheet.
    pub sheets: Vec<StoredSheet>,
    /// Invitations sent, by stage and channel.
    pub invitations: Vec<(StageBucket, Channel, i64)>,
}

/// Where survey answers and invitation counts live (DynamoDB, or memory in tests).
pub trait SurveyAnswers {
    /// Stores a sheet unless its ballot has answered already (one conditional write).
    fn put_answer(&self, sheet: &NewAnswerSheet) -> impl Future<Output = Result<AnswerOutcome, BoxError>> + Send;

    /// Counts `n` invitations sent.
    fn count_invitations(
        &self,
        municipality: &str,
        survey: &str,
        stage: StageBucket,
        channel: Channel,
        n: i64,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Every sheet and invitation count of one survey (one Query, paged; never a Scan).
    fn records(&self, municipality: &str, survey: &str)
        -> impl Future<Output = Result<SurveyRecords, BoxError>> + Send;
}
