//! The LINE webhook of one municipality's official account: what each event does.
//!
//! 1. The `x-line-signature` is checked over the raw bytes with the channel secret **before** the
//!    body is parsed; a missing, forged or stale signature answers 401 and changes nothing.
//! 2. A body that is not a webhook request answers 400; unknown event types, group events and
//!    standby-mode events are acknowledged and ignored.
//! 3. Each event is handled once: its `webhookEventId` is remembered for 7 days (a redelivery or a
//!    retry of the same event is acknowledged and skipped). When handling fails, the id is
//!    forgotten again and the answer is 500, so LINE's redelivery gets another chance.
//! 4. `follow` → the friend is recorded and the greeting (`line/system/greeting.json`) is replied
//!    with a registration link: a signed, single-use ticket valid 24 h binding user id, channel and
//!    municipality. `follow` with `isUnblocked` resumes a subscription only if it was `blocked`
//!    (reply `resumed`); otherwise it is a new greeting. `unfollow` → the friend's subscription is
//!    `blocked` at once. A text equal to one of the fixed words replies the manage or stop links;
//!    any other text replies the `help` payload.
//!
//! Logs carry event types and counts, never a user id, token or text.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::Utc;
use kizuna_schedule::line::{LineCommand, LineMarker, LineMarkerValues, LinePayload, SystemLine};

use crate::adapters::dynamo::line_state::{DynamoLineState, RegistrationTicket, TICKET_HOURS};
use crate::adapters::line::channels::LineChannels;
use crate::adapters::line::webhook::{parse_events, signature_is_valid, Event, EventMeta};
use crate::domain::links::{LinkKeys, Purpose};
use crate::BoxError;

/// The municipality as the webhook needs it (read from its published `schedule.json`).
#[derive(Clone, Debug)]
pub struct LineMunicipality {
    /// The municipality id.
    pub id: String,
    /// The archive's base URL, ending in `/` (`…/hikari/`).
    pub archive_base_url: String,
    /// The subscription API's base URL, ending in `/` (manage and unsubscribe links).
    pub api_base_url: String,
    /// Its transactional LINE payloads, hash-checked.
    pub system: BTreeMap<SystemLine, LinePayload>,
}

/// What the webhook needs of subscriptions (the subscriptions adapter implements it).
pub trait LineSubscriptions {
    /// Marks an active subscription `blocked` (no-op for any other status).
    fn block(&self, subscription_id: &str) -> impl Future<Output = Result<(), BoxError>> + Send;
    /// Resumes a `blocked` subscription; `false` when it is in any other status.
    fn resume_if_blocked(&self, subscription_id: &str) -> impl Future<Output = Result<bool, BoxError>> + Send;
    /// Whether the subscription still has a manage page (active or blocked, not ended): only then
    /// the chat's fixed words answer with its links.
    fn is_receiving(&self, subscription_id: &str) -> impl Future<Output = Result<bool, BoxError>> + Send;
}

/// The answer to LINE and what was done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebhookOutcome {
    /// The HTTP status answered.
    pub status: u16,
    /// Events handled now.
    pub handled: usize,
    /// Events seen before (redeliveries).
    pub duplicates: usize,
    /// Events ignored (unknown types, groups, standby).
    pub ignored: usize,
    /// Whether the signature was missing or wrong (counted for the alarm).
    pub signature_failed: bool,
}

/// The webhook use case.
#[derive(Debug)]
pub struct LineWebhook<'a, S> {
    /// The channels (credentials, tokens, the API client).
    pub channels: &'a LineChannels,
    /// The friends, handled events and tickets.
    pub state: &'a DynamoLineState,
    /// Subscriptions.
    pub subscriptions: &'a S,
    /// Signs registration, manage and unsubscribe tokens.
    pub links: &'a LinkKeys,
}

impl<S: LineSubscriptions + Sync> LineWebhook<'_, S> {
    /// Handles one webhook request of `municipality`.
    pub async fn handle(
        &self,
        municipality: &LineMunicipality,
        body: &[u8],
        signature: Option<&str>,
    ) -> WebhookOutcome {
        let credentials = match self.channels.credentials(&municipality.id).await {
            Ok(credentials) => credentials,
            Err(error) => {
                tracing::error!(municipality = %municipality.id, %error, "LINE webhook: no channel credentials");
                return WebhookOutcome { status: 500, ..WebhookOutcome::default() };
            }
        };
        if !signature_is_valid(&credentials.channel_secret, body, signature) {
            tracing::warn!(municipality = %municipality.id, "LINE webhook: signature missing or wrong");
            return WebhookOutcome { status: 401, signature_failed: true, ..WebhookOutcome::default() };
        }
        let Ok(events) = parse_events(body) else {
            return WebhookOutcome { status: 400, ..WebhookOutcome::default() };
        };
        let mut outcome = WebhookOutcome { status: 200, ..WebhookOutcome::default() };
        for event in events {
            let Some(meta) = meta(&event) else {
                outcome.ignored += 1;
                continue;
            };
            match self.state.first_time(&credentials.channel_id, &meta.event_id).await {
                Ok(true) => {}
                Ok(false) => {
                    outcome.duplicates += 1;
                    continue;
                }
                Err(error) => {
                    tracing::error!(%error, "LINE webhook: cannot record the event");
                    outcome.status = 500;
                    continue;
                }
            }
            if let Err(error) = self.event(municipality, &credentials.channel_id, &event).await {
                tracing::error!(municipality = %municipality.id, %error, "LINE webhook: event failed");
                // Forget it so LINE's redelivery is handled; if that fails too, it is reported.
                if let Err(error) = self.state.forget(&credentials.channel_id, &meta.event_id).await {
                    tracing::error!(%error, "LINE webhook: cannot forget a failed event");
                }
                outcome.status = 500;
                continue;
            }
            outcome.handled += 1;
        }
        tracing::info!(
            municipality = %municipality.id,
            handled = outcome.handled,
            duplicates = outcome.duplicates,
            ignored = outcome.ignored,
            "LINE webhook"
        );
        outcome
    }

    async fn event(&self, municipality: &LineMunicipality, channel_id: &str, event: &Event) -> Result<(), BoxError> {
        match event {
            Event::Follow { meta, reply_token, unblocked } => {
                let friend = self.state.friend(channel_id, &meta.user_id).await?;
                self.state.set_following(channel_id, &meta.user_id, true).await?;
                let linked = friend.and_then(|f| f.subscription_id);
                if let (true, Some(id)) = (*unblocked, &linked) {
                    if self.subscriptions.resume_if_blocked(id).await? {
                        let values = self.values(municipality, Some(id)).await?;
                        return self.reply(municipality, reply_token, SystemLine::Resumed, &values).await;
                    }
                }
                self.greet(municipality, channel_id, &meta.user_id, reply_token).await
            }
            Event::Unfollow { meta } => {
                let friend = self.state.friend(channel_id, &meta.user_id).await?;
                self.state.set_following(channel_id, &meta.user_id, false).await?;
                match friend.and_then(|f| f.subscription_id) {
                    Some(id) => self.subscriptions.block(&id).await,
                    None => Ok(()),
                }
            }
            Event::Text { meta, reply_token, text } => {
                let mut linked = self.state.friend(channel_id, &meta.user_id).await?.and_then(|f| f.subscription_id);
                if let Some(id) = &linked {
                    if !self.subscriptions.is_receiving(id).await? {
                        linked = None;
                    }
                }
                let kind = match (LineCommand::parse(text), &linked) {
                    (Some(command), Some(_)) => command.reply(),
                    // Not registered (or the link expired): 登録内容の確認・変更 brings a new
                    // registration link, as the registration page promises.
                    (Some(LineCommand::Manage), None) => {
                        return self.greet(municipality, channel_id, &meta.user_id, reply_token).await;
                    }
                    _ => SystemLine::Help,
                };
                let values = self.values(municipality, linked.as_deref()).await?;
                self.reply(municipality, reply_token, kind, &values).await
            }
            Event::Ignored => Ok(()),
        }
    }

    /// Answers with the greeting and a registration link (a new ticket, 24 h, usable once).
    async fn greet(
        &self,
        municipality: &LineMunicipality,
        channel_id: &str,
        user_id: &str,
        reply_token: &str,
    ) -> Result<(), BoxError> {
        let ticket = RegistrationTicket {
            id: uuid::Uuid::new_v4().to_string(),
            municipality: municipality.id.clone(),
            channel_id: channel_id.to_owned(),
            user_id: user_id.to_owned(),
            expires_at: Utc::now() + chrono::Duration::hours(TICKET_HOURS),
        };
        self.state.put_ticket(&ticket).await?;
        let token = self.links.token(Purpose::LineRegister, &ticket.id, Utc::now().timestamp());
        let register = format!("{}subscribe/line/?token={token}", municipality.archive_base_url);
        let values = LineMarkerValues::default()
            .with(LineMarker::RegisterUrl, &register)
            .with(LineMarker::ArchiveUrl, &municipality.archive_base_url);
        self.reply(municipality, reply_token, SystemLine::Greeting, &values).await
    }

    async fn values(
        &self,
        municipality: &LineMunicipality,
        subscription: Option<&str>,
    ) -> Result<LineMarkerValues, BoxError> {
        let receiving = match subscription {
            Some(id) if self.subscriptions.is_receiving(id).await? => Some(id),
            _ => None,
        };
        Ok(marker_values(municipality, self.links, receiving, Utc::now().timestamp()))
    }

    async fn reply(
        &self,
        municipality: &LineMunicipality,
        reply_token: &str,
        kind: SystemLine,
        values: &LineMarkerValues,
    ) -> Result<(), BoxError> {
        let payload = municipality
            .system
            .get(&kind)
            .ok_or_else(|| format!("line/system/{}.json is not published", kind.as_str()))?
            .fill(values);
        let token = self.channels.access_token(&municipality.id).await?;
        self.channels.api().reply(&token, reply_token, &serde_json::to_value(&payload.messages)?).await?;
        Ok(())
    }
}

/// The markers of a transactional LINE message: the archive link, and the manage and unsubscribe
/// links (fresh tokens issued at `now`) of a subscription that still has them.
pub fn marker_values(
    municipality: &LineMunicipality,
    links: &LinkKeys,
    subscription: Option<&str>,
    now: i64,
) -> LineMarkerValues {
    let urls = (municipality.archive_base_url.as_str(), municipality.api_base_url.as_str());
    crate::domain::links::line_marker_values(urls, links, subscription, None, now)
}

fn meta(event: &Event) -> Option<&EventMeta> {
    match event {
        Event::Follow { meta, .. } | Event::Unfollow { meta } | Event::Text { meta, .. } => Some(meta),
        Event::Ignored => None,
    }
}
