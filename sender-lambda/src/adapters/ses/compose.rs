//! The raw MIME of one daily mail: the municipality's shell with the day's sections, its markers
//! filled and escaped per part, and the headers large mailbox providers require.
//!
//! - The sections' `html` go, in order, to `%%sections%%` of the shell's HTML, their `text` (separated
//!   by a blank line) to the shell's text. Section parts are complete (the generator renders their
//!   headings); only the shell's own markers are filled, in one pass, so nothing inside a section is
//!   ever treated as a marker.
//! - Marker values (links, nickname, archive URL) have CR, LF and other control characters removed,
//!   and are HTML-escaped in the HTML part.
//! - Headers: `From` (display name, UTF-8 encoded), `To`, `Reply-To`, UTF-8 `Subject`,
//!   `List-Unsubscribe: <https://…/unsubscribe?token=…>` and `List-Unsubscribe-Post:
//!   List-Unsubscribe=One-Click` (RFC 8058); the body is `multipart/alternative` text + HTML.
//! - Every mail carries a fresh manage link (30 days) and the never-expiring unsubscribe link.

use kizuna_schedule::{MailFrame, MailMarker, MailSection};
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::MessageBuilder;

use crate::domain::links::Purpose;
use crate::domain::model::{Channel, Recipient};
use crate::domain::plan::PlannedMail;
use crate::domain::survey;
pub use crate::ports::channel::ComposedMail;
use crate::ports::channel::DayContent;

/// Why a mail could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A section of the plan was not loaded (a bug: [`Sections::load_for`] loads them all).
    #[error("section {0} is not loaded")]
    MissingSection(String),
    /// The mail has no sections.
    #[error("a mail needs at least one section")]
    Empty,
    /// The MIME writer failed.
    #[error("cannot write MIME: {0}")]
    Mime(#[from] std::io::Error),
}

/// Removes CR, LF and every other control character (header and marker safety).
pub fn strip_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// Escapes text for HTML content and attribute values (the contract's one escape).
pub use kizuna_schedule::html::escape_html;

/// The values of the shell's markers for one mail (unescaped; [`fill`] escapes them).
#[derive(Clone, Debug, Default)]
pub struct MarkerValues {
    /// The day's sections, already in the part's format (inserted verbatim).
    pub sections: String,
    /// One-click unsubscribe URL.
    pub unsubscribe_url: String,
    /// Manage URL with a fresh 30-day token.
    pub manage_url: String,
    /// How the family wants to be addressed (empty when not given).
    pub nickname: String,
    /// The archive page of the first section.
    pub archive_url: String,
}

/// Fills `%%marker%%`s of a shell part in one pass; `html` selects HTML escaping of the values.
///
/// Unknown `%%…%%` sequences are left as they are (the generator validates its shell).
pub fn fill(template: &str, values: &MarkerValues, html: bool) -> String {
    let value = |raw: &str| {
        let clean = strip_controls(raw);
        if html {
            escape_html(&clean)
        } else {
            clean
        }
    };
    let mut out = String::with_capacity(template.len() + values.sections.len());
    let mut rest = template;
    while let Some(start) = rest.find("%%") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_end =
            after.find("%%").filter(|&end| after[..end].chars().all(|c| c.is_ascii_lowercase() || c == '_') && end > 0);
        let replacement = name_end.and_then(|end| MailMarker::from_name(&after[..end])).map(|marker| match marker {
            MailMarker::Sections => values.sections.clone(),
            MailMarker::UnsubscribeUrl => value(&values.unsubscribe_url),
            MailMarker::ManageUrl => value(&values.manage_url),
            MailMarker::Nickname => value(&values.nickname),
            MailMarker::ArchiveUrl => value(&values.archive_url),
        });
        match (name_end, replacement) {
            (Some(end), Some(replacement)) => {
                out.push_str(&replacement);
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("%%");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The mail channel's view of a day's content: its composer.
pub type Composer<'a> = DayContent<'a>;

impl Composer<'_> {
    fn section(&self, path: &str) -> Result<&MailSection, ComposeError> {
        self.sections.by_path.get(path).ok_or_else(|| ComposeError::MissingSection(path.to_owned()))
    }

    /// The one-click unsubscribe URL of a subscription (also the `List-Unsubscribe` target).
    pub fn unsubscribe_url(&self, subscription_id: &str) -> String {
        let token = self.links.token(Purpose::Unsubscribe, subscription_id, self.now);
        format!("{}unsubscribe?token={token}", self.schedule.municipality.api_base_url)
    }

    /// The manage URL with a fresh token.
    pub fn manage_url(&self, subscription_id: &str) -> String {
        let token = self.links.token(Purpose::Manage, subscription_id, self.now);
        format!("{}manage?token={token}", self.schedule.municipality.api_base_url)
    }

    /// The invitation section with the reader's own survey link, when `entry_id` is an invitation.
    fn survey_invitation(&self, entry_id: &str, recipient: &Recipient, section: &MailSection) -> Option<MailSection> {
        let url =
            survey::recipient_invitation_url(self.links, self.schedule, entry_id, recipient, self.now, Channel::Mail)?;
        Some(survey::personal_section(section, &url))
    }

    /// Composes one planned mail.
    pub fn compose(&self, mail: &PlannedMail) -> Result<ComposedMail, ComposeError> {
        let first = mail.sections.first().ok_or(ComposeError::Empty)?;
        let first_entry = first.entry;
        let mut html_sections = String::new();
        let mut text_sections: Vec<String> = Vec::new();
        for planned in &mail.sections {
            let paths = std::iter::once(planned.entry.section.as_str())
                .chain(planned.local.iter().map(|local| local.section.as_str()));
            for path in paths {
                let section = self.section(path)?;
                // A survey invitation carries the reader's own link (`crate::domain::survey`).
                let personal = self.survey_invitation(planned.entry_id(), &mail.recipient, section);
                let section = personal.as_ref().unwrap_or(section);
                html_sections.push_str(&section.html);
                text_sections.push(section.text.trim_end_matches('\n').to_owned());
            }
        }
        let id = &mail.recipient.subscription_id;
        let unsubscribe_url = self.unsubscribe_url(id);
        let mut values = MarkerValues {
            sections: html_sections,
            unsubscribe_url: unsubscribe_url.clone(),
            manage_url: self.manage_url(id),
            nickname: mail.recipient.nickname.clone().unwrap_or_default(),
            archive_url: first_entry.url.clone(),
        };
        let shell: &MailFrame = &self.sections.shell;
        let html = fill(&shell.html, &values, true);
        values.sections = text_sections.join("\n\n");
        let text = fill(&shell.text, &values, false);

        let municipality = &self.schedule.municipality;
        let from = strip_controls(&municipality.email.from);
        let to = strip_controls(&mail.recipient.email);
        let subject = strip_controls(&first_entry.subject);
        let domain = from.rsplit_once('@').map_or("kizuna.invalid", |(_, domain)| domain);
        let message_id = format!("{}.{}@{domain}", uuid::Uuid::new_v4().simple(), self.now);
        let raw = MessageBuilder::new()
            .from(Address::new_address(Some(strip_controls(&municipality.email.from_name)), from.clone()))
            .to(Address::new_address(None::<String>, to.clone()))
            .reply_to(Address::new_address(None::<String>, strip_controls(&municipality.email.reply_to)))
            .subject(subject.clone())
            .message_id(MessageId::new(message_id))
            .date(Date::new(self.now))
            .header("List-Unsubscribe", URL::new(unsubscribe_url))
            .header("List-Unsubscribe-Post", Raw::new("List-Unsubscribe=One-Click"))
            .text_body(text)
            .html_body(html)
            .write_to_vec()?;
        Ok(ComposedMail { from, to, subject, raw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_escaped_per_part_and_filled_once() {
        let values = MarkerValues {
            sections: "<p>%%nickname%%</p>".into(),
            unsubscribe_url: "https://x/u?token=a&b".into(),
            manage_url: "https://x/m\r\nBcc: evil@example.com".into(),
            nickname: "<はな>".into(),
            archive_url: "https://x/a".into(),
        };
        let html =
            fill("%%nickname%%さん %%sections%% <a href=\"%%unsubscribe_url%%\">x</a> %%manage_url%%", &values, true);
        assert_eq!(
            html,
            "&lt;はな&gt;さん <p>%%nickname%%</p> <a href=\"https://x/u?token=a&amp;b\">x</a> https://x/mBcc: evil@example.com"
        );
        let text = fill("%%nickname%%さん %%manage_url%% 100%% %%unknown%% %%", &values, false);
        assert_eq!(text, "<はな>さん https://x/mBcc: evil@example.com 100%% %%unknown%% %%");
    }

    #[test]
    fn html_escape_covers_quotes() {
        assert_eq!(escape_html(r#"a&b<c>"d"'e'"#), "a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;");
    }
}
