//! LINE registration: `POST /api/line/register`, posted by `<muni>/subscribe/line/` (the page the
//! chat's greeting links to, form `forms::LINE_SIGN_UP`).
//!
//! The token is a signed link token (`Purpose::LineRegister`) naming a registration ticket that
//! the webhook stored at `follow`; the ticket binds the LINE user id, its channel and the
//! municipality, works 24 h and is taken (deleted) once. In order:
//! 1. the token is verified and the ticket read (forged, expired or already used → a Japanese page,
//!    nothing stored);
//! 2. the fields are checked; errors answer the LINE page again with the token and the errors (the
//!    ticket is not taken, so the family can correct and send again);
//! 3. the ticket is taken (a second, concurrent post loses here), an **active** subscription with
//!    the LINE user as recipient is stored (no confirmation: the link reached only that chat), the
//!    friend is linked to it and the welcome (`line/system/welcome.json`) is pushed, then today's
//!    message if one is due (through the delivery reservation, so the morning run skips it).
//!
//! Logs carry the subscription id only: never the user id, the token or the date.

use kizuna_schedule::line::{SystemLine, REGISTERED_PAGE_SLUG, REGISTER_PAGE_SLUG};

use super::signup::{Family, FamilyCheck};
use super::*;
use crate::adapters::dynamo::line_state::{DynamoLineState, RegistrationTicket};
use crate::adapters::dynamo::subscription_items::{line_identity, NewSubscription};
use crate::adapters::dynamo::subscriptions::PutOutcome;
use crate::adapters::line::channels::LineChannels;
use crate::adapters::line::push::push_system;
use crate::domain::model::LineRecipient;

/// What the API needs for LINE registrations: the channels (to push the welcome) and the
/// webhook's state (tickets and friends).
#[derive(Debug)]
pub struct ApiLine {
    /// The municipalities' LINE channels.
    pub channels: LineChannels,
    /// Tickets and friends.
    pub state: DynamoLineState,
}

/// The LINE counterpart of a transactional mail (`Confirm` has none: a LINE family never confirms
/// an address).
pub(super) fn system_line(kind: kizuna_schedule::SystemMail) -> Option<SystemLine> {
    use kizuna_schedule::SystemMail;
    match kind {
        SystemMail::Confirm => None,
        SystemMail::Welcome => Some(SystemLine::Welcome),
        SystemMail::BirthRegistered => Some(SystemLine::BirthRegistered),
        SystemMail::Stopped => Some(SystemLine::Stopped),
        SystemMail::StoppedLoss => Some(SystemLine::StoppedLoss),
        SystemMail::Unsubscribed => Some(SystemLine::Unsubscribed),
        SystemMail::BirthReminder => Some(SystemLine::BirthReminder),
    }
}

const LINE_TOKEN_MESSAGE: &str = "この登録用リンクは使えません（24時間の有効期限が過ぎたか、すでに使われています）。\
     LINEのトークで友だち追加をやり直すと、新しいリンクが届きます。";

impl<M: Mailer + Sync, S: Subscriptions + Sync, P: PublishedSite + Sync, D: DeliveryStore + Sync> Api<M, S, P, D> {
    pub(super) async fn line_register(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        use forms::DATE;
        fields.only(&forms::LINE_SIGN_UP.names())?;
        let line = self.line.as_ref().ok_or_else(|| Failure::new(404, "path", "LINEでの登録は利用できません。"))?;
        let token = fields.text(TOKEN.name, TOKEN.label)?;
        let ticket = self.line_ticket(line, token.as_deref(), now).await?;
        let schedule = self.schedule_of(&ticket.municipality).await?;
        let today = japan_date(now);
        let family = FamilyCheck::read(fields, today);
        let mut errors: Vec<FieldError> = family.errors().collect();
        errors.extend(family.refused_by(&schedule.document, today));
        let (Some(Family { kind, date, nickname, consent_version }), true) = (family.into_family(), errors.is_empty())
        else {
            return self.line_page_again(face, &schedule, token.as_deref(), errors, fields).await;
        };
        // Taken only now: a form with errors keeps the link working.
        let ticket = match line.state.take_ticket(&ticket.id, now).await.map_err(|e| Failure::internal(&e))? {
            Some(ticket) => ticket,
            None => return Err(Failure::new(410, TOKEN.name, LINE_TOKEN_MESSAGE)),
        };
        let recipient = LineRecipient { channel_id: ticket.channel_id.clone(), user_id: ticket.user_id.clone() };
        let new = NewSubscription {
            id: uuid::Uuid::new_v4().to_string(),
            municipality: ticket.municipality.clone(),
            email: String::new(),
            email_hash: self.hasher.hash(&line_identity(&recipient)),
            anchor_kind: kind,
            anchor_date: date,
            status: SubscriptionStatus::Active,
            nickname,
            consent_version,
        };
        match self.store.put_new_line(&new, &recipient).await.map_err(|e| Failure::internal(&e))? {
            PutOutcome::Created => {}
            PutOutcome::Duplicate => {
                return Err(Failure::new(409, DATE.name, "このLINEアカウントでは、同じ日付ですでに登録されています。"))
            }
        }
        line.state
            .link_subscription(&recipient.channel_id, &recipient.user_id, &new.id)
            .await
            .map_err(|e| Failure::internal(&e))?;
        tracing::info!(subscription = %new.id, "LINE subscription registered");
        self.push_system(&schedule, SystemLine::Welcome, (&new.id, new.nickname.as_deref()), &recipient, now).await;
        // Today's message, if one is due, after the welcome (reserved like the morning run's).
        match self.store.get(&new.id).await {
            Ok(Some(subscription)) => self.deliver_today(&schedule, &subscription, today).await,
            Ok(None) => tracing::error!(subscription = %new.id, "registered, but not found for today's message"),
            Err(error) => tracing::error!(subscription = %new.id, error = %error, "cannot read it for today's message"),
        }
        match face {
            Face::Json => Ok(ApiResponse::json(200, &serde_json::json!({ "status": "active" }))),
            // The archive's 「登録しました」 page of LINE towns, as the other forms end on theirs.
            _ => Ok(ApiResponse::see_other(&self.slug_url(&schedule, REGISTERED_PAGE_SLUG))),
        }
    }

    /// The ticket a registration token names, still unused and unexpired.
    async fn line_ticket(
        &self,
        line: &ApiLine,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RegistrationTicket, Failure> {
        let refused = |status| Failure::new(status, TOKEN.name, LINE_TOKEN_MESSAGE);
        let token = token.filter(|t| t.len() <= 200).ok_or_else(|| refused(400))?;
        let claims = match self.links.verify(token, now.timestamp()) {
            Ok(claims) if claims.purpose == Purpose::LineRegister => claims,
            Ok(_) => return Err(refused(403)),
            Err(LinkError::Expired) => return Err(refused(410)),
            Err(LinkError::Malformed) => return Err(refused(400)),
            Err(_) => return Err(refused(403)),
        };
        match line.state.ticket(&claims.subscription_id, now).await {
            Ok(Some(ticket)) => Ok(ticket),
            Ok(None) => Err(refused(410)),
            Err(error) => Err(Failure::internal(&error)),
        }
    }

    /// The LINE page again with the token, the errors and the values sent (JSON: the first error).
    async fn line_page_again(
        &self,
        face: Face,
        schedule: &LoadedSchedule,
        token: Option<&str>,
        errors: Vec<FieldError>,
        fields: &Fields,
    ) -> Outcome {
        let failure = Failure { status: 400, errors, page: None, values: Some(fields.clone()) };
        if face == Face::Json {
            return Err(failure);
        }
        let page = format!("subscribe/{REGISTER_PAGE_SLUG}/index.html");
        let Some(html) = self.site.file(schedule, &page).await.map_err(|e| Failure::internal(&e))? else {
            return Err(failure);
        };
        let html = pages::with_base(&html, &self.slug_url(schedule, REGISTER_PAGE_SLUG));
        Ok(ApiResponse::html(400, pages::fill_page(&html, token, None, &failure.errors, failure.values.as_ref())))
    }

    /// Pushes a transactional LINE message (`line/system/<kind>.json`, markers filled) to a
    /// subscription's LINE user; a failure is logged (the change stands, as with a system mail).
    pub(super) async fn push_system(
        &self,
        schedule: &LoadedSchedule,
        kind: SystemLine,
        subscription: (&str, Option<&str>),
        recipient: &LineRecipient,
        now: DateTime<Utc>,
    ) {
        let (id, _) = subscription;
        let result = match self.line.as_ref() {
            Some(line) => {
                push_system(&line.channels, schedule, kind, subscription, recipient, &self.links, now.timestamp()).await
            }
            None => Err("LINE is not configured".into()),
        };
        match result {
            Ok(()) => tracing::info!(subscription = %id, message = kind.as_str(), "LINE message pushed"),
            Err(error) => {
                tracing::error!(subscription = %id, message = kind.as_str(), error = %error, "LINE message failed")
            }
        }
    }
}
