//! The LINE implementation of the delivery [`Channel`]: a family's day as one push.
//!
//! - **render**: the day's LINE payloads of the family's sections (each entry's, then its attached
//!   local sections', in plan order, hash-checked by [`crate::adapters::site::Sections`]) combined
//!   by [`compose_push`] into at most five message objects — a survey invitation with the family's
//!   own link (`crate::domain::survey`) — with the markers filled (nickname,
//!   archive, manage and unsubscribe links; sections carry none today, so this is a guard that a
//!   future marker can never reach a family unfilled) and the first text opened with the
//!   family's nickname (「はなさん」) when it has one;
//! - **send**: one `POST /v2/bot/message/push` to the family's user id on its municipality's
//!   channel (stateless token from the channel's secret), with the retry key the delivery stored
//!   at reservation; paced by the channel's own pacer.
//!
//! [`push_system`] pushes a transactional message (welcome, confirmations, the birth reminder).
//!
//! LINE's errors become the delivery's kinds: rate 429 → throttled (paced retry), monthly quota
//! 429 → fatal for the municipality's LINE run, 5xx → transient, 401 → the token is forgotten and
//! the push retried with a new one, other 4xx → permanent, no answer → in doubt (retried by a later
//! run with the same key, which LINE answers with 409 if it had accepted it).

use std::sync::Arc;

use kizuna_schedule::line::{
    compose_push, LineLimitError, LineMessage, LinePayload, PushSection, SystemLine, MAX_TEXT_UNITS,
};

use super::channels::{ChannelError, LineChannels};
use super::client::{LineError, LineErrorKind, PushAccepted};
use crate::adapters::site::published::line_municipality;
use crate::adapters::site::LoadedSchedule;
use crate::domain::links::{line_marker_values, LinkKeys};
use crate::domain::model;
use crate::domain::plan::PlannedMail;
use crate::domain::survey;
use crate::ports::channel::{Channel, DayContent, SendError, SendErrorKind};
use crate::use_cases::delivery::Pacer;

/// One family's push, ready to send.
pub struct LinePushMessage {
    /// The municipality (whose channel it goes through).
    pub municipality: String,
    /// The LINE user id (personal data: never logged).
    user_id: String,
    /// The message objects (1–5), markers filled.
    pub messages: serde_json::Value,
    pacer: Arc<Pacer>,
}

impl std::fmt::Debug for LinePushMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinePushMessage").field("municipality", &self.municipality).finish_non_exhaustive()
    }
}

/// Why a family's push could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum LineRenderError {
    /// The recipient is not a LINE family (a routing bug).
    #[error("not a LINE recipient")]
    NotLine,
    /// A section's LINE payload was not loaded.
    #[error("the LINE payload of {0} is not loaded")]
    MissingPayload(String),
    /// The day's sections do not fit one push (the build checks each entry with its local sections).
    #[error("the day's LINE sections do not fit one push: {0}")]
    Limits(#[from] LineLimitError),
    /// The messages could not be written as JSON.
    #[error("cannot write the push: {0}")]
    Json(#[from] serde_json::Error),
}

/// The LINE channel over every municipality's official account.
#[derive(Debug)]
pub struct LinePush<'a> {
    /// The municipalities' channels (credentials, tokens, pacers).
    pub channels: &'a LineChannels,
}

impl LinePush<'_> {
    /// The payloads of a family's sections, in order, each survey invitation with the family's own
    /// link (`links`: one per planned section, [`Self::survey_links`]).
    fn payloads<'d>(
        day: &'d DayContent<'_>,
        mail: &PlannedMail<'_>,
        links: &'d [Option<String>],
    ) -> Result<Vec<PushSection<'d>>, LineRenderError> {
        let mut payloads = Vec::new();
        for (section, link) in mail.sections.iter().zip(links) {
            let files = std::iter::once((section.entry.line.as_ref(), &section.entry.id, link.as_deref()))
                .chain(section.local.iter().map(|local| (local.line.as_ref(), &local.id, None)));
            for (file, id, survey_url) in files {
                let payload = file
                    .and_then(|file| day.sections.line.get(&file.path))
                    .ok_or_else(|| LineRenderError::MissingPayload(id.clone()))?;
                payloads.push(PushSection { payload, survey_url });
            }
        }
        Ok(payloads)
    }

    /// The family's own survey link of each planned section that is an invitation (channel `line`).
    fn survey_links(day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Vec<Option<String>> {
        let (schedule, recipient) = (day.schedule, &mail.recipient);
        mail.sections
            .iter()
            .map(|s| {
                survey::recipient_invitation_url(
                    day.links,
                    schedule,
                    s.entry_id(),
                    recipient,
                    day.now,
                    model::Channel::Line,
                )
            })
            .collect()
    }
}

/// Pushes a transactional LINE message (`line/system/<kind>.json`, hash-checked, markers filled:
/// nickname, archive, manage and unsubscribe links of `subscription` = (id, nickname)) to a LINE
/// family, on its municipality's channel: the LINE counterpart of a system mail (welcome, stop
/// confirmations, the birth reminder).
pub async fn push_system(
    channels: &LineChannels,
    schedule: &LoadedSchedule,
    kind: SystemLine,
    subscription: (&str, Option<&str>),
    recipient: &model::LineRecipient,
    links: &LinkKeys,
    now: i64,
) -> Result<(), crate::BoxError> {
    let (id, nickname) = subscription;
    let municipality = line_municipality(schedule).await?.ok_or("the municipality has no LINE")?;
    let payload =
        municipality.system.get(&kind).ok_or_else(|| format!("line/system/{}.json is not published", kind.as_str()))?;
    let urls = (municipality.archive_base_url.as_str(), municipality.api_base_url.as_str());
    let values = line_marker_values(urls, links, Some(id), nickname, now);
    let messages = serde_json::to_value(&payload.fill(&values).messages)?;
    let token = channels.access_token(&municipality.id).await?;
    let key = uuid::Uuid::new_v4().to_string();
    channels.pacer(&municipality.id).wait().await;
    channels.api().push(&token, &recipient.user_id, &messages, &key).await?;
    Ok(())
}

/// Starts the first text with 「はなさん」, as the registration page promises (sections carry no
/// nickname marker: the manuscript is the same for every family). Left out when it would make the
/// text longer than LINE takes — the message matters more than the greeting.
fn greet(push: &mut LinePayload, nickname: &str) {
    let nickname: String = nickname.chars().filter(|c| !c.is_control()).collect();
    if nickname.trim().is_empty() {
        return;
    }
    let first = push.messages.iter_mut().find_map(|message| match message {
        LineMessage::Text { text } => Some(text),
        LineMessage::Template { .. } => None,
    });
    if let Some(text) = first {
        let greeted = format!("{nickname}さん\n{text}");
        if greeted.encode_utf16().count() <= MAX_TEXT_UNITS {
            *text = greeted;
        }
    }
}

/// LINE's error as the delivery's kind and code.
fn send_error(error: &LineError) -> SendError {
    let kind = match error.kind {
        LineErrorKind::RateLimited => SendErrorKind::Throttled,
        LineErrorKind::QuotaExhausted => SendErrorKind::Fatal,
        LineErrorKind::Transient => SendErrorKind::Transient,
        LineErrorKind::Unauthorized => SendErrorKind::Fatal,
        LineErrorKind::Permanent => SendErrorKind::Permanent,
        LineErrorKind::InDoubt => SendErrorKind::InDoubt,
    };
    SendError { kind, code: error.code() }
}

impl Channel for LinePush<'_> {
    type Message = LinePushMessage;
    type RenderError = LineRenderError;

    fn channel(&self) -> model::Channel {
        model::Channel::Line
    }

    fn retries_in_doubt(&self, channel: model::Channel) -> bool {
        channel == model::Channel::Line
    }

    fn render(&self, day: &DayContent<'_>, mail: &PlannedMail<'_>) -> Result<LinePushMessage, LineRenderError> {
        let recipient = &mail.recipient;
        let line = recipient.line.as_ref().ok_or(LineRenderError::NotLine)?;
        let links = Self::survey_links(day, mail);
        let push = compose_push(&Self::payloads(day, mail, &links)?)?;
        let municipality = &day.schedule.municipality;
        let values = line_marker_values(
            (&municipality.archive_base_url, &municipality.api_base_url),
            day.links,
            Some(&recipient.subscription_id),
            recipient.nickname.as_deref(),
            day.now,
        );
        let mut push = push.fill(&values);
        if let Some(nickname) = recipient.nickname.as_deref() {
            greet(&mut push, nickname);
        }
        Ok(LinePushMessage {
            municipality: municipality.id.clone(),
            user_id: line.user_id.clone(),
            messages: serde_json::to_value(push.messages)?,
            pacer: self.channels.pacer(&municipality.id),
        })
    }

    fn pacer(&self, message: &LinePushMessage) -> Option<Arc<Pacer>> {
        Some(message.pacer.clone())
    }

    async fn send(&self, message: &LinePushMessage, retry_key: Option<&str>) -> Result<String, SendError> {
        let municipality = &message.municipality;
        let token = self.channels.access_token(municipality).await.map_err(|error| match error {
            ChannelError::Credentials { .. } => {
                tracing::error!(municipality = %municipality, error = %error, "LINE channel unusable");
                SendError { kind: SendErrorKind::Fatal, code: "line-credentials".to_owned() }
            }
            ChannelError::Line(error) => send_error(&error),
        })?;
        // The delivery always reserves a LINE push with a key; a fresh one is only a safe fallback.
        let fallback;
        let key = match retry_key {
            Some(key) => key,
            None => {
                fallback = uuid::Uuid::new_v4().to_string();
                &fallback
            }
        };
        match self.channels.api().push(&token, &message.user_id, &message.messages, key).await {
            Ok(PushAccepted::Sent(id)) => Ok(id),
            Ok(PushAccepted::AlreadyAccepted(id)) => {
                tracing::info!(municipality = %municipality, "LINE had accepted this push before (409): delivered once");
                Ok(id)
            }
            Err(error) if error.kind == LineErrorKind::Unauthorized => {
                // A token LINE no longer takes: the next attempt issues a fresh one.
                self.channels.forget_token(municipality).await;
                Err(SendError { kind: SendErrorKind::Transient, code: error.code() })
            }
            Err(error) => Err(send_error(&error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_errors_map_to_the_delivery_kinds() {
        let error = |kind, status| LineError { kind, status, message: String::new() };
        let quota = send_error(&error(LineErrorKind::QuotaExhausted, Some(429)));
        assert_eq!((quota.kind, quota.code.as_str()), (SendErrorKind::Fatal, "line-429-quota"));
        assert_eq!(send_error(&error(LineErrorKind::RateLimited, Some(429))).kind, SendErrorKind::Throttled);
        assert_eq!(send_error(&error(LineErrorKind::Transient, Some(500))).kind, SendErrorKind::Transient);
        assert_eq!(send_error(&error(LineErrorKind::Permanent, Some(400))).kind, SendErrorKind::Permanent);
        assert_eq!(send_error(&error(LineErrorKind::InDoubt, None)).kind, SendErrorKind::InDoubt);
    }

    #[test]
    fn the_nickname_greets_the_first_text_only_when_it_fits() {
        let text = |t: &str| LineMessage::Text { text: t.to_owned() };
        let mut push = LinePayload { messages: vec![text("【妊娠12週3日】"), text("二つ目")] };
        greet(&mut push, "はな\n");
        assert_eq!(push.messages, vec![text("はなさん\n【妊娠12週3日】"), text("二つ目")]);
        let full = "あ".repeat(MAX_TEXT_UNITS - 2);
        let mut long = LinePayload { messages: vec![text(&full)] };
        greet(&mut long, "はな");
        assert_eq!(long.messages, vec![text(&full)], "no greeting past LINE's limit");
    }
}
