//! Reader survey answers in DynamoDB (issue 20), table `kizuna-survey-answers`:
//!
//! | pk | sk | attributes |
//! | --- | --- | --- |
//! | `<municipality>#<survey>` | `A#<ballot>` | `stage`, `channel`, `answers` (JSON) |
//! | `<municipality>#<survey>` | `I#<stage>#<channel>` | `count` (invitations sent, `ADD`) |
//!
//! No subscription id, address or date is stored: the ballot is a keyed one-way hash whose only
//! use is the condition `attribute_not_exists(sk)` that refuses a second answer. Results are one
//! Query of the survey's partition (paged), never a Scan.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use kizuna_schedule::survey::{Answers, StageBucket};

use crate::adapters::dynamo::keys::{PK, SK};
use crate::domain::model::Channel;
use crate::ports::survey_answers::{AnswerOutcome, NewAnswerSheet, StoredSheet, SurveyAnswers, SurveyRecords};
use crate::BoxError;

/// The survey answers table.
#[derive(Clone, Debug)]
pub struct DynamoSurveyAnswers {
    client: Client,
    table: String,
}

impl DynamoSurveyAnswers {
    /// The adapter over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoSurveyAnswers { client, table: table.into() }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

fn partition(municipality: &str, survey: &str) -> String {
    format!("{municipality}#{survey}")
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn text<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Result<&'a str, BoxError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| format!("survey item without {name}").into())
}

impl SurveyAnswers for DynamoSurveyAnswers {
    async fn put_answer(&self, sheet: &NewAnswerSheet) -> Result<AnswerOutcome, BoxError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(partition(&sheet.municipality, &sheet.survey)))
            .item(SK, s(format!("A#{}", sheet.ballot)))
            .item("stage", s(sheet.stage.as_str()))
            .item("channel", s(sheet.channel.as_str()))
            .item("answers", s(serde_json::to_string(&sheet.answers)?))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", SK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(AnswerOutcome::Stored),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(AnswerOutcome::AlreadyAnswered)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn count_invitations(
        &self,
        municipality: &str,
        survey: &str,
        stage: StageBucket,
        channel: Channel,
        n: i64,
    ) -> Result<(), BoxError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(partition(municipality, survey)))
            .key(SK, s(format!("I#{}#{}", stage.as_str(), channel.as_str())))
            .update_expression("ADD #c :n")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
            .send()
            .await?;
        Ok(())
    }

    async fn records(&self, municipality: &str, survey: &str) -> Result<SurveyRecords, BoxError> {
        let mut records = SurveyRecords::default();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(partition(municipality, survey)))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in page.items() {
                let sk = text(item, SK)?;
                if let Some(rest) = sk.strip_prefix("I#") {
                    let (stage, channel) = rest.split_once('#').ok_or("bad invitation key")?;
                    let count = item.get("count").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0);
                    records.invitations.push((
                        stage.parse().map_err(|_| "bad stage")?,
                        Channel::parse(channel).ok_or("bad channel")?,
                        count,
                    ));
                } else {
                    let answers: Answers = serde_json::from_str(text(item, "answers")?)?;
                    records.sheets.push(StoredSheet {
                        stage: text(item, "stage")?.parse().map_err(|_| "bad stage")?,
                        channel: Channel::parse(text(item, "channel")?).ok_or("bad channel")?,
                        answers,
                    });
                }
            }
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(records),
            }
        }
    }
}
