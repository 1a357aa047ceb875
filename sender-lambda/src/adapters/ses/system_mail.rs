//! Transactional mails: the generator's `mail/system/<kind>.json` frame, its markers filled
//! (`%%manage_url%%` is the confirmation link in the confirmation mail and the manage link in the
//! others; `%%nickname%%` the greeting), sent as raw MIME through the same [`Mailer`] as the daily
//! mails. Mails that belong to a running subscription carry `List-Unsubscribe` (RFC 8058).

use kizuna_schedule::{MailFrame, ScheduleDocument, SystemMail};
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::MessageBuilder;

use crate::adapters::ses::compose::{fill, strip_controls, MarkerValues};
use crate::domain::links::{LinkKeys, Purpose};
use crate::domain::model::Subscription;
use crate::ports::channel::ComposedMail;
use crate::ports::channel::{Mailer, SendErrorKind};
use crate::BoxError;

/// The greeting placed at `%%nickname%%`.
pub fn greeting(nickname: Option<&str>) -> String {
    nickname.map(|name| format!("{name}さん")).unwrap_or_default()
}

/// Composes one transactional mail for a subscription.
pub fn compose_system_mail(
    schedule: &ScheduleDocument,
    frame: &MailFrame,
    kind: SystemMail,
    subscription: &Subscription,
    links: &LinkKeys,
    now: i64,
) -> Result<ComposedMail, BoxError> {
    let api = &schedule.municipality.api_base_url;
    let id = &subscription.id;
    let manage_url = match kind {
        SystemMail::Confirm => format!("{api}confirm?token={}", links.token(Purpose::Confirm, id, now)),
        _ => format!("{api}manage?token={}", links.token(Purpose::Manage, id, now)),
    };
    let unsubscribe_url = format!("{api}unsubscribe?token={}", links.token(Purpose::Unsubscribe, id, now));
    let values = MarkerValues {
        sections: String::new(),
        unsubscribe_url: unsubscribe_url.clone(),
        manage_url,
        nickname: greeting(subscription.nickname.as_deref()),
        archive_url: schedule.municipality.archive_base_url.clone(),
    };
    let html = fill(&frame.html, &values, true);
    let text = fill(&frame.text, &values, false);
    let municipality = &schedule.municipality;
    let from = strip_controls(&municipality.email.from);
    let to = strip_controls(&subscription.email);
    let subject = strip_controls(&frame.subject);
    let domain = from.rsplit_once('@').map_or("kizuna.invalid", |(_, domain)| domain);
    let message_id = format!("{}.{now}@{domain}", uuid::Uuid::new_v4().simple());
    let mut builder = MessageBuilder::new()
        .from(Address::new_address(Some(strip_controls(&municipality.email.from_name)), from.clone()))
        .to(Address::new_address(None::<String>, to.clone()))
        .reply_to(Address::new_address(None::<String>, strip_controls(&municipality.email.reply_to)))
        .subject(subject.clone())
        .message_id(MessageId::new(message_id))
        .date(Date::new(now));
    if matches!(kind, SystemMail::Welcome | SystemMail::BirthRegistered | SystemMail::BirthReminder) {
        builder = builder
            .header("List-Unsubscribe", URL::new(unsubscribe_url))
            .header("List-Unsubscribe-Post", Raw::new("List-Unsubscribe=One-Click"));
    }
    let raw = builder.text_body(text).html_body(html).write_to_vec()?;
    Ok(ComposedMail { from, to, subject, raw })
}

/// Sends a composed mail, retrying throttling and transient errors a few times.
pub async fn send_with_retries<M: Mailer + Sync>(mailer: &M, mail: &ComposedMail) -> Result<String, BoxError> {
    let mut attempt: u32 = 0;
    loop {
        match mailer.send(mail).await {
            Ok(id) => return Ok(id),
            Err(error) if matches!(error.kind, SendErrorKind::Throttled | SendErrorKind::Transient) && attempt < 4 => {
                tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(50..=200) << attempt)).await;
                attempt += 1;
            }
            Err(error) => return Err(Box::new(error)),
        }
    }
}
