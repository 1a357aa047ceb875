//! The survey answer endpoint (issue 20), `/api/survey-answers`:
//!
//! - `GET ?token=…` (the invitation's link) serves the survey's page from the archive with the
//!   token in its hidden field (`%%token%%`), so the form works without JavaScript;
//! - `POST` (urlencoded, the page's form) takes the answers: `303` to the survey's thank-you page;
//!   a form with problems is shown again with each problem at its question (`422`); a second
//!   answer (`409`), a closed survey (`410`), a forged (`403`) or damaged (`400`) link get the
//!   survey's refusal page with the reason — and nothing is stored.
//!
//! The form is read here rather than by [`Fields`](super::input::Fields): a multiple-choice
//! question sends its name once per ticked box, and a survey may have more fields than a
//! subscription form.

use chrono::{DateTime, Utc};
use kizuna_schedule::forms::TOKEN;

use super::input::{percent_decode, FieldError};
use super::{pages, query_param, Api, ApiResponse, Failure, Outcome};
use crate::adapters::site::LoadedSchedule;
use crate::ports::channel::Mailer;
use crate::ports::deliveries::DeliveryStore;
use crate::ports::published_site::PublishedSite;
use crate::ports::subscriptions::Subscriptions;
use crate::use_cases::surveys::{answer, open_ballot, token_municipality, Refusal};
use crate::BoxError;

/// The most fields an answer form may send (questions × choices, generously).
const MAX_FIELDS: usize = 400;

/// The survey pages the API serves.
#[derive(Clone, Copy, Debug)]
enum SurveyPage {
    Form,
    Thanks,
    Refused,
}

impl SurveyPage {
    fn relative(self, survey: &str) -> String {
        match self {
            SurveyPage::Form => format!("surveys/{survey}/"),
            SurveyPage::Thanks => format!("surveys/{survey}/thanks/"),
            SurveyPage::Refused => format!("surveys/{survey}/refused/"),
        }
    }
}

/// The (name, value) pairs of an urlencoded body, repeated names kept, in order.
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, FieldError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| FieldError::new("body", "文字コードが正しくありません（UTF-8 で送ってください）。"))?;
    let pairs: Vec<&str> = text.split('&').filter(|p| !p.is_empty()).collect();
    if pairs.len() > MAX_FIELDS {
        return Err(FieldError::new("body", "項目が多すぎます。"));
    }
    pairs
        .into_iter()
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

impl<M: Mailer + Sync, S: Subscriptions + Sync, P: PublishedSite + Sync, D: DeliveryStore + Sync> Api<M, S, P, D> {
    /// Where a survey page is published (its `<base>`, and the 303 target).
    fn survey_page_url(&self, schedule: &LoadedSchedule, survey: &str, page: SurveyPage) -> String {
        let municipality = &schedule.document.municipality;
        match &self.config.archive_origin {
            Some(origin) => format!("{}/{}/{}", origin.trim_end_matches('/'), municipality.id, page.relative(survey)),
            None => format!("{}{}", municipality.archive_base_url, page.relative(survey)),
        }
    }

    /// A survey page with its `<base>`, the token and any errors filled.
    async fn survey_page(
        &self,
        schedule: &LoadedSchedule,
        survey: &str,
        page: SurveyPage,
        token: Option<&str>,
        errors: &[FieldError],
    ) -> Result<Option<String>, BoxError> {
        let relative = format!("{}index.html", page.relative(survey));
        let Some(html) = self.site.file(schedule, &relative).await? else { return Ok(None) };
        let html = pages::with_base(&html, &self.survey_page_url(schedule, survey, page));
        Ok(Some(pages::fill_page(&html, token, None, errors, None)))
    }

    /// A refusal, on the survey's refusal page when the token names a known survey.
    async fn survey_refused(
        &self,
        schedule: Option<&LoadedSchedule>,
        survey: Option<&str>,
        refusal: &Refusal,
    ) -> Outcome {
        let error = FieldError::new(TOKEN.name, refusal.message());
        if let (Some(schedule), Some(survey)) = (schedule, survey) {
            if let Some(html) = self
                .survey_page(schedule, survey, SurveyPage::Refused, None, std::slice::from_ref(&error))
                .await
                .map_err(|e| Failure::internal(&e))?
            {
                return Ok(ApiResponse::html(refusal.status(), html));
            }
        }
        Ok(ApiResponse::html(
            refusal.status(),
            pages::fallback_page("回答を受け付けられませんでした", &refusal.message()),
        ))
    }

    /// The municipality's schedule a token names (`None` for an unknown one or a damaged token).
    async fn survey_schedule(&self, token: &str) -> Result<Option<LoadedSchedule>, Failure> {
        match token_municipality(token) {
            Some(municipality) => self.site.schedule(municipality).await.map_err(|e| Failure::internal(&e)),
            None => Ok(None),
        }
    }

    /// `GET /api/survey-answers?token=…`: the survey page for this reader.
    pub(super) async fn survey_form(&self, query: &str, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?.unwrap_or_default();
        let Some(schedule) = self.survey_schedule(&token).await? else {
            return self.survey_refused(None, None, &Refusal::BadLink).await;
        };
        let ballot = match open_ballot(&self.links, &token, &schedule.document, now) {
            Ok(ballot) => ballot,
            Err(refusal) => return self.survey_refused(Some(&schedule), token.split('.').nth(3), &refusal).await,
        };
        let survey = ballot.survey.id.clone();
        match self.survey_page(&schedule, &survey, SurveyPage::Form, Some(&token), &[]).await {
            Ok(Some(html)) => Ok(ApiResponse::html(200, html)),
            Ok(None) => Err(Failure::internal(&BoxError::from("survey page missing"))),
            Err(error) => Err(Failure::internal(&error)),
        }
    }

    /// `POST /api/survey-answers`: takes the answers of one reader, once.
    pub(super) async fn survey_answer(&self, body: &[u8], now: DateTime<Utc>) -> Outcome {
        let pairs = form_pairs(body)?;
        let token = pairs.iter().find(|(name, _)| name == TOKEN.name).map(|(_, v)| v.clone()).unwrap_or_default();
        let Some(schedule) = self.survey_schedule(&token).await? else {
            return self.survey_refused(None, None, &Refusal::BadLink).await;
        };
        let ballot = match open_ballot(&self.links, &token, &schedule.document, now) {
            Ok(ballot) => ballot,
            Err(refusal) => return self.survey_refused(Some(&schedule), token.split('.').nth(3), &refusal).await,
        };
        let survey = ballot.survey.id.clone();
        let answers: Vec<(&str, &str)> =
            pairs.iter().filter(|(name, _)| name != TOKEN.name).map(|(n, v)| (n.as_str(), v.as_str())).collect();
        match answer(&self.surveys, &ballot, &answers).await.map_err(|e| Failure::internal(&e))? {
            Ok(()) => {
                tracing::info!(survey = %survey, "survey answered");
                Ok(ApiResponse::see_other(&self.survey_page_url(&schedule, &survey, SurveyPage::Thanks)))
            }
            Err(Refusal::Invalid(problems)) => {
                let errors: Vec<FieldError> =
                    problems.iter().map(|p| FieldError::new(&p.field, p.message.clone())).collect();
                match self.survey_page(&schedule, &survey, SurveyPage::Form, Some(&token), &errors).await {
                    Ok(Some(html)) => Ok(ApiResponse::html(422, html)),
                    Ok(None) => Err(Failure::internal(&BoxError::from("survey page missing"))),
                    Err(error) => Err(Failure::internal(&error)),
                }
            }
            Err(refusal) => self.survey_refused(Some(&schedule), Some(&survey), &refusal).await,
        }
    }
}
