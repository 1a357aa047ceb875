//! Reader surveys in the sender's domain (issue 20): the invitations a schedule implies, the
//! personal link of an invitation — a signed token that lets one subscription answer one survey
//! once, until the survey closes, without the answer ever naming who answered — and the section
//! of the day's delivery that carries it.
//!
//! **Token**: `v.<key id>.<municipality>.<survey>.<stage>.<channel>.<ballot>.<expiry>.<signature>`
//! — stage a [`StageBucket`] id, channel `mail` or `line`, expiry in Unix seconds (the end of the
//! survey's last day, JST), signature the unpadded base64url HMAC-SHA256 under the link key of
//! `kizuna-survey/1|<key id>|<municipality>|<survey>|<stage>|<channel>|<ballot>|<expiry>`.
//!
//! **Ballot**: the keyed one-way hash that refuses a second answer — the signing link key's HMAC
//! of `kizuna-survey-ballot/1|<municipality>|<survey>|<subscription id>`. A subscription is
//! invited to a survey once (its delivery record `survey/<id>` is written at most once), so its one
//! token carries its one ballot; a key rotation cannot give it a second. The token carries the
//! ballot, never the subscription id: the answer endpoint cannot learn who answered, and the
//! stored answer keeps only the ballot, the stage and the channel.

use chrono::NaiveDate;
use kizuna_schedule::survey::{StageBucket, SurveyEntry, INVITATION_ENTRY_PREFIX, SURVEY_URL_MARKER};
use kizuna_schedule::{AnchorKind, MailSection, ScheduleDocument, ScheduleEntry};

use super::links::{LinkError, LinkKeys};
use super::model::{Channel, Recipient};

/// The purpose code of survey tokens (distinct from `u`, `m` and `c`).
const PURPOSE: &str = "v";

/// What a verified survey token allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyClaims {
    /// The municipality id.
    pub municipality: String,
    /// The survey id.
    pub survey: String,
    /// The reader's stage when invited.
    pub stage: StageBucket,
    /// The channel of the invitation.
    pub channel: Channel,
    /// The keyed hash that refuses a second answer.
    pub ballot: String,
}

/// Why a survey token is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SurveyTokenError {
    /// Not a survey token, or damaged.
    #[error("malformed survey token")]
    Malformed,
    /// Signed with an unknown key or not by us.
    #[error("survey token not signed by us")]
    Forged,
    /// The survey has closed.
    #[error("the survey has closed")]
    Closed,
}

impl From<LinkError> for SurveyTokenError {
    fn from(error: LinkError) -> Self {
        match error {
            LinkError::Malformed => SurveyTokenError::Malformed,
            LinkError::Expired => SurveyTokenError::Closed,
            _ => SurveyTokenError::Forged,
        }
    }
}

/// Unix seconds at the end of `day` in Japan (the next day's 00:00 JST).
pub fn end_of_japan_day(day: NaiveDate) -> i64 {
    let next = day.succ_opt().unwrap_or(day);
    next.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()) - 9 * 3_600
}

fn id_ok(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn payload(kid: &str, parts: &[&str]) -> String {
    format!("kizuna-survey/1|{kid}|{}", parts.join("|"))
}

/// The invitation token of one subscription for one survey.
#[allow(clippy::too_many_arguments)] // Each part is one field of the token; a struct would only rename them.
pub fn survey_token(
    keys: &LinkKeys,
    municipality: &str,
    survey: &SurveyEntry,
    subscription_id: &str,
    kind: AnchorKind,
    anchor: NaiveDate,
    date: NaiveDate,
    channel: Channel,
) -> String {
    let stage = StageBucket::of(kind, anchor, date).as_str();
    let ballot = keys.keyed_hash(&format!("kizuna-survey-ballot/1|{municipality}|{}|{subscription_id}", survey.id));
    let expiry = end_of_japan_day(survey.open.until).to_string();
    let parts = [municipality, survey.id.as_str(), stage, channel.as_str(), ballot.as_str(), expiry.as_str()];
    let (kid, signature) = keys.sign(|kid| payload(kid, &parts));
    format!("{PURPOSE}.{kid}.{}.{signature}", parts.join("."))
}

/// Verifies a survey token at `now` (Unix seconds); its text is compared exactly as received.
pub fn verify_survey_token(keys: &LinkKeys, token: &str, now: i64) -> Result<SurveyClaims, SurveyTokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [PURPOSE, kid, municipality, survey, stage, channel, ballot, expiry, signature] = parts[..] else {
        return Err(SurveyTokenError::Malformed);
    };
    let stage: StageBucket = stage.parse().map_err(|_| SurveyTokenError::Malformed)?;
    let channel = Channel::parse(channel).ok_or(SurveyTokenError::Malformed)?;
    if !id_ok(municipality) || !id_ok(survey) || ballot.is_empty() {
        return Err(SurveyTokenError::Malformed);
    }
    let parts = [municipality, survey, stage.as_str(), channel.as_str(), ballot, expiry];
    keys.verify_signature(kid, &payload(kid, &parts), signature)?;
    let expires: i64 = expiry.parse().map_err(|_| SurveyTokenError::Malformed)?;
    if expires < now {
        return Err(SurveyTokenError::Closed);
    }
    Ok(SurveyClaims {
        municipality: municipality.to_owned(),
        survey: survey.to_owned(),
        stage,
        channel,
        ballot: ballot.to_owned(),
    })
}

/// The schedule with one entry `survey/<id>` per survey ([`SurveyEntry::invitation_entry`]), so
/// invitations are planned, reserved, recorded and sent like every section of the day. Applied
/// once, when a schedule is loaded; a schedule already holding them is returned unchanged.
pub fn with_invitations(mut document: ScheduleDocument) -> ScheduleDocument {
    let enabled = document.municipality.enabled_tracks();
    let missing: Vec<ScheduleEntry> = document
        .surveys
        .iter()
        .map(|survey| survey.invitation_entry(&enabled))
        .filter(|entry| !document.entries.iter().any(|e| e.id == entry.id))
        .collect();
    document.entries.extend(missing);
    document
}

/// The survey an entry invites to, when it is an invitation (`survey/<id>`).
pub fn invited_survey<'a>(document: &'a ScheduleDocument, entry_id: &str) -> Option<&'a SurveyEntry> {
    let id = entry_id.strip_prefix(INVITATION_ENTRY_PREFIX)?;
    document.surveys.iter().find(|survey| survey.id == id)
}

/// An invitation section with the reader's own link at [`SURVEY_URL_MARKER`]: the HTML part gets
/// it HTML-escaped, the text part as it is. Sections that are not invitations carry no marker
/// and come back unchanged.
pub fn personal_section(section: &MailSection, url: &str) -> MailSection {
    let clean: String = url.chars().filter(|c| !c.is_control()).collect();
    let escaped = clean.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    MailSection {
        title: section.title.clone(),
        html: section.html.replace(SURVEY_URL_MARKER, &escaped),
        text: section.text.replace(SURVEY_URL_MARKER, &clean),
    }
}

/// The personal link of an invitation: the API's survey page with the reader's token.
#[allow(clippy::too_many_arguments)] // One value per part of the link; a struct would only rename them.
pub fn invitation_url(
    keys: &LinkKeys,
    document: &ScheduleDocument,
    survey: &SurveyEntry,
    subscription_id: &str,
    kind: AnchorKind,
    anchor: NaiveDate,
    date: NaiveDate,
    channel: Channel,
) -> String {
    let municipality = &document.municipality;
    let token = survey_token(keys, &municipality.id, survey, subscription_id, kind, anchor, date, channel);
    format!("{}{}?token={token}", municipality.api_base_url, kizuna_schedule::forms::SURVEY_ANSWER.route)
}

/// The personal link of an invitation entry for one recipient on `channel`, issued at `now` (Unix
/// seconds; the stage is the recipient's on that Japan date) — `None` when `entry_id` is not an
/// invitation. Mail puts it in the section ([`personal_section`]); LINE gives it to the push as
/// the section's [`kizuna_schedule::line::PushSection::survey_url`].
pub fn recipient_invitation_url(
    keys: &LinkKeys,
    document: &ScheduleDocument,
    entry_id: &str,
    recipient: &Recipient,
    now: i64,
    channel: Channel,
) -> Option<String> {
    let survey = invited_survey(document, entry_id)?;
    let today =
        chrono::DateTime::from_timestamp(now, 0).map_or_else(kizuna_schedule::japan_today, kizuna_schedule::japan_date);
    let (kind, anchor) = (recipient.anchor_kind, recipient.anchor_date);
    Some(invitation_url(keys, document, survey, &recipient.subscription_id, kind, anchor, today, channel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_schedule::survey::{OpenPeriod, SurveyScope};
    use kizuna_schedule::{CalendarDate, ReviewStatus, Rule, TrackId};

    const SECRET: &str = "k1:0123456789abcdef0123456789abcdef";

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn survey() -> SurveyEntry {
        SurveyEntry {
            id: "reader-2026".into(),
            scope: SurveyScope::National,
            title: "t".into(),
            when: Rule::Date(CalendarDate(date("2027-01-20"))),
            tracks: Some(vec![TrackId::Baby]),
            open: OpenPeriod { from: date("2027-01-20"), until: date("2027-02-28") },
            url: "u".into(),
            section: "mail/sections/survey/reader-2026.json".into(),
            hash: "sha256:00".into(),
            line: None,
            review: ReviewStatus::Draft,
            questions: Vec::new(),
        }
    }

    fn token(keys: &LinkKeys, subscription: &str) -> String {
        let born = date("2026-10-01");
        survey_token(
            keys,
            "hikari",
            &survey(),
            subscription,
            AnchorKind::Birth,
            born,
            date("2027-01-20"),
            Channel::Mail,
        )
    }

    #[test]
    fn a_token_names_the_survey_stage_channel_and_ballot_but_not_the_subscription() {
        let keys = LinkKeys::parse(SECRET).expect("keys");
        let token = token(&keys, "3f2a9c00-1111-2222-3333-444455556666");
        assert!(!token.contains("3f2a9c00"), "{token}");
        let now = end_of_japan_day(date("2027-02-28"));
        let claims = verify_survey_token(&keys, &token, now).expect("valid until the end of the last day");
        assert_eq!((claims.municipality.as_str(), claims.survey.as_str()), ("hikari", "reader-2026"));
        assert_eq!((claims.stage, claims.channel), (StageBucket::Age0, Channel::Mail));
        let again = verify_survey_token(&keys, &token_for_other(&keys), now).expect("other");
        assert_ne!(claims.ballot, again.ballot, "one ballot per subscription");
        assert_eq!(claims.ballot, verify_survey_token(&keys, &token, now).expect("same").ballot);
        assert_eq!(verify_survey_token(&keys, &token, now + 1), Err(SurveyTokenError::Closed));
    }

    fn token_for_other(keys: &LinkKeys) -> String {
        token(keys, "other")
    }

    #[test]
    fn changed_damaged_and_foreign_tokens_are_refused() {
        let keys = LinkKeys::parse(SECRET).expect("keys");
        let token = token(&keys, "s1");
        let now = end_of_japan_day(date("2027-01-20"));
        let older = token.replace(".age-0.", ".age-6-plus.");
        assert_eq!(verify_survey_token(&keys, &older, now), Err(SurveyTokenError::Forged));
        assert_eq!(verify_survey_token(&keys, "v.k1.hikari", now), Err(SurveyTokenError::Malformed));
        assert_eq!(
            verify_survey_token(&keys, &token.replace(".mail.", ".fax."), now),
            Err(SurveyTokenError::Malformed)
        );
        let stranger = LinkKeys::parse("k1:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz").expect("keys");
        assert_eq!(verify_survey_token(&stranger, &token, now), Err(SurveyTokenError::Forged));
        let manage = keys.token(crate::domain::links::Purpose::Manage, "s1", now);
        assert_eq!(verify_survey_token(&keys, &manage, now), Err(SurveyTokenError::Malformed));
    }

    #[test]
    fn the_personal_link_is_escaped_for_html_and_plain_in_text() {
        let section = MailSection {
            title: "t".into(),
            html: format!("<a href=\"{SURVEY_URL_MARKER}\">答える</a>"),
            text: format!("答える：{SURVEY_URL_MARKER}"),
        };
        let personal = personal_section(&section, "https://x.example/api/survey-answers?token=a&b=\"c\"\n");
        assert_eq!(
            personal.html,
            "<a href=\"https://x.example/api/survey-answers?token=a&amp;b=&quot;c&quot;\">答える</a>"
        );
        assert_eq!(personal.text, "答える：https://x.example/api/survey-answers?token=a&b=\"c\"");
    }
}
