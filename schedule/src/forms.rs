//! The subscription forms' contract: every field name, the values a form sends and the API accepts,
//! and the Japanese words both sides show — defined once, so the pages the generator writes and the
//! subscription API that reads their posts cannot drift apart (issue 16: the landing page once sent
//! `consent=v1` that the API refused).
//!
//! The generator puts [`FormsView`] into every page's template context (`forms.email.name`,
//! `forms.reasons`, …); the API reads its input with the same [`Field`]s and checks each route's
//! body against [`Form::fields`]. Labels are also the words of the API's error messages, so a family
//! reads one vocabulary (生年月日, 呼び名) on the form and in what went wrong.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::AnchorKind;

/// A form field: its `name` attribute and its Japanese label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The `name` attribute (and JSON key).
    pub name: &'static str,
    /// The label a family reads, also used in the API's error messages.
    pub label: &'static str,
}

/// The municipality a sign-up is for (a hidden field).
pub const MUNICIPALITY: Field = Field { name: "municipality", label: "市区町村" };
/// The e-mail address.
pub const EMAIL: Field = Field { name: "email", label: "メールアドレス" };
/// Which date is given: [`AnchorKind::as_str`] (`due` or `birth`).
pub const KIND: Field = Field { name: "kind", label: "登録する日" };
/// The due date or the birth date of a sign-up.
pub const DATE: Field = Field { name: "date", label: "日付" };
/// How mails address the family (optional).
pub const NICKNAME: Field = Field { name: "nickname", label: "呼び名" };
/// The consent checkbox; it sends [`CONSENT_GIVEN`].
pub const CONSENT: Field = Field { name: "consent", label: "同意" };
/// The version of the terms the family agreed to (a hidden field carrying [`CONSENT_VERSION`]).
pub const CONSENT_VERSION_FIELD: Field = Field { name: "consent_version", label: "同意した文書の版" };
/// A field hidden from people; bots fill it in.
pub const HONEYPOT: Field = Field { name: "website", label: "ウェブサイト" };
/// The signed token of a mailed link (a hidden field).
pub const TOKEN: Field = Field { name: "token", label: "リンク" };
/// The child's birth date when the birth is registered.
pub const BIRTH_DATE: Field = Field { name: "birth_date", label: "お子さんの生年月日" };
/// A new due date.
pub const DUE_DATE: Field = Field { name: "due_date", label: "新しい出産予定日" };
/// Why the family stops: a [`StopReason::id`].
pub const REASON: Field = Field { name: "reason", label: "停止の理由" };
/// RFC 8058 one-click unsubscription (sent by mail programs, not by a page).
pub const ONE_CLICK: Field = Field { name: "List-Unsubscribe", label: "List-Unsubscribe" };

/// The value of [`ONE_CLICK`] (RFC 8058).
pub const ONE_CLICK_VALUE: &str = "One-Click";
/// What the consent checkbox sends when ticked (the HTML default for a checkbox).
pub const CONSENT_GIVEN: &str = "on";
/// Every consent value the API takes as "given" in a form (JSON sends `true`).
pub const CONSENT_ACCEPTED: [&str; 4] = [CONSENT_GIVEN, "true", "yes", "1"];
/// The version of the terms shown with the sign-up form, recorded with each subscription.
pub const CONSENT_VERSION: &str = "2026-11";
/// The longest nickname (characters).
pub const NICKNAME_MAX_CHARS: usize = 20;

/// A form the API serves: its route (relative to the API base URL) and every field it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Form {
    /// e.g. `subscriptions`, `due-date`.
    pub route: &'static str,
    /// Every field the route accepts (a form may leave optional ones out).
    pub fields: &'static [Field],
}

impl Form {
    /// The field names, for the API's "only these" check.
    pub fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }

    /// The path the API serves it at (`/api/<route>`).
    pub fn path(&self) -> String {
        format!("/api/{}", self.route)
    }
}

/// Sign-up (the landing page and `subscribe/signup/`).
pub const SIGN_UP: Form = Form {
    route: "subscriptions",
    fields: &[EMAIL, MUNICIPALITY, KIND, DATE, NICKNAME, CONSENT, CONSENT_VERSION_FIELD, HONEYPOT],
};
/// The confirmation link's button.
pub const CONFIRM: Form = Form { route: "confirm", fields: &[TOKEN] };
/// Register the birth (manage page).
pub const BIRTH: Form = Form { route: "birth", fields: &[TOKEN, BIRTH_DATE] };
/// Change the due date (manage page).
pub const CHANGE_DUE_DATE: Form = Form { route: "due-date", fields: &[TOKEN, DUE_DATE] };
/// Stop with a reason (manage page).
pub const STOP: Form = Form { route: "stop", fields: &[TOKEN, REASON] };
/// Delete everything (manage page).
pub const DELETE: Form = Form { route: "delete", fields: &[TOKEN] };
/// Unsubscribe (the unsubscribe page's button).
pub const UNSUBSCRIBE: Form = Form { route: "unsubscribe", fields: &[TOKEN] };
/// RFC 8058 one-click, posted by mail programs to the `List-Unsubscribe` URL (token in the query).
pub const ONE_CLICK_UNSUBSCRIBE: Form = Form { route: "unsubscribe", fields: &[ONE_CLICK] };

/// A reader survey's answer form (`<muni>/surveys/<id>/`): the token of the invitation link, and
/// one field per question named [`crate::survey::QUESTION_FIELD_PREFIX`]`<question id>` (the
/// survey's own, so they are not listed here; [`crate::survey::SurveyEntry::read_answers`] reads them).
pub const SURVEY_ANSWER: Form = Form { route: "survey-answers", fields: &[TOKEN] };

/// LINE registration (`<muni>/subscribe/line/`, opened from the chat's greeting): the signed token
/// of the link's query (it binds the LINE user, channel and municipality, so there is no address
/// and no municipality field), due or birth, the date, an optional nickname and consent.
pub const LINE_SIGN_UP: Form =
    Form { route: "line/register", fields: &[TOKEN, KIND, DATE, NICKNAME, CONSENT, CONSENT_VERSION_FIELD] };
/// The forms of the LINE channel's pages (only towns with a `line:` block have them).
pub const LINE_PAGE_FORMS: [Form; 1] = [LINE_SIGN_UP];

/// Every form posted from a page the generator writes for the mail channel.
pub const PAGE_FORMS: [Form; 7] = [SIGN_UP, CONFIRM, BIRTH, CHANGE_DUE_DATE, STOP, DELETE, UNSUBSCRIBE];

/// Why a family stops the mails. The losses stop at once with one gentle mail and never resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// 必要がなくなったため
    NotNeeded,
    /// メールが多いため
    TooMany,
    /// 引っ越しのため
    Moved,
    /// その他・答えたくない (the default choice)
    Other,
    /// 流産のため
    Miscarriage,
    /// 死産のため
    Stillbirth,
    /// お子さんが亡くなられたため
    InfantDeath,
}

impl StopReason {
    /// Every reason, in the order the manage page offers them (losses last, set apart).
    pub const ALL: [StopReason; 7] = [
        StopReason::NotNeeded,
        StopReason::TooMany,
        StopReason::Moved,
        StopReason::Other,
        StopReason::Miscarriage,
        StopReason::Stillbirth,
        StopReason::InfantDeath,
    ];

    /// The form value and stored id.
    pub fn id(self) -> &'static str {
        match self {
            StopReason::NotNeeded => "not-needed",
            StopReason::TooMany => "too-many",
            StopReason::Moved => "moved",
            StopReason::Other => "other",
            StopReason::Miscarriage => "miscarriage",
            StopReason::Stillbirth => "stillbirth",
            StopReason::InfantDeath => "infant-death",
        }
    }

    /// The choice as the manage page words it.
    pub fn label(self) -> &'static str {
        match self {
            StopReason::NotNeeded => "必要がなくなったため",
            StopReason::TooMany => "メールが多いため",
            StopReason::Moved => "引っ越しのため",
            StopReason::Other => "その他・答えたくない",
            StopReason::Miscarriage => "流産のため",
            StopReason::Stillbirth => "死産のため",
            StopReason::InfantDeath => "お子さんが亡くなられたため",
        }
    }

    /// A short name for staff reports (停止理由の集計).
    pub fn report_label(self) -> &'static str {
        match self {
            StopReason::NotNeeded => "必要なくなった",
            StopReason::TooMany => "メールが多い",
            StopReason::Moved => "転居",
            StopReason::Other => "その他",
            StopReason::Miscarriage => "流産",
            StopReason::Stillbirth => "死産",
            StopReason::InfantDeath => "乳児の死亡",
        }
    }

    /// Whether the reason is a loss (流産・死産・お子さんの死亡).
    pub fn is_loss(self) -> bool {
        matches!(self, StopReason::Miscarriage | StopReason::Stillbirth | StopReason::InfantDeath)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A value that is not a [`StopReason::id`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown stop reason")]
pub struct UnknownStopReason;

impl FromStr for StopReason {
    type Err = UnknownStopReason;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        StopReason::ALL.into_iter().find(|r| r.id() == value).ok_or(UnknownStopReason)
    }
}

/// One choice of [`KIND`] as the sign-up form offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KindChoice {
    /// The value (`due` or `birth`).
    pub value: &'static str,
    /// The choice's label.
    pub label: &'static str,
}

/// The choice of a due date.
pub const KIND_DUE: KindChoice = KindChoice { value: "due", label: "出産予定日（妊娠中の方）" };
/// The choice of a birth date.
pub const KIND_BIRTH: KindChoice = KindChoice { value: "birth", label: "お子さんの生年月日" };

impl KindChoice {
    /// The choice of an anchor kind.
    pub fn of(kind: AnchorKind) -> KindChoice {
        match kind {
            AnchorKind::Due => KIND_DUE,
            AnchorKind::Birth => KIND_BIRTH,
        }
    }
}

/// One stop reason as templates use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonView {
    /// The form value.
    pub value: &'static str,
    /// The choice's label.
    pub label: &'static str,
    /// Whether it is a loss (the page sets the losses apart, with a word of care).
    pub loss: bool,
    /// Whether the form preselects it ([`StopReason::Other`]: no one is made to give a reason).
    pub default: bool,
}

/// Everything templates need to write the forms, as one serializable value (`forms` in the context).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormsView {
    /// The hidden municipality field.
    pub municipality: Field,
    /// E-mail.
    pub email: Field,
    /// Due or birth.
    pub kind: Field,
    /// The sign-up date.
    pub date: Field,
    /// Nickname.
    pub nickname: Field,
    /// Its length limit.
    pub nickname_max: usize,
    /// The consent checkbox.
    pub consent: Field,
    /// The value the checkbox sends.
    pub consent_given: &'static str,
    /// The hidden consent-version field.
    pub consent_version_field: Field,
    /// The version of the terms.
    pub consent_version: &'static str,
    /// The honeypot.
    pub honeypot: Field,
    /// The token of mailed links.
    pub token: Field,
    /// The birth date of the birth registration.
    pub birth_date: Field,
    /// The new due date.
    pub due_date: Field,
    /// The stop reason.
    pub reason: Field,
    /// The due-date choice.
    pub kind_due: KindChoice,
    /// The birth-date choice.
    pub kind_birth: KindChoice,
    /// The stop reasons, in order.
    pub reasons: Vec<ReasonView>,
    /// Each form's route (relative to the API base URL), by purpose.
    pub routes: Routes,
}

/// The routes forms post to, relative to the API base URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Routes {
    /// Sign-up.
    pub sign_up: &'static str,
    /// Confirm.
    pub confirm: &'static str,
    /// Register the birth.
    pub birth: &'static str,
    /// Change the due date.
    pub due_date: &'static str,
    /// Stop.
    pub stop: &'static str,
    /// Delete.
    pub delete: &'static str,
    /// Unsubscribe.
    pub unsubscribe: &'static str,
    /// LINE registration.
    pub line_sign_up: &'static str,
    /// A survey's answers.
    pub survey_answer: &'static str,
}

impl Default for FormsView {
    fn default() -> Self {
        FormsView {
            municipality: MUNICIPALITY,
            email: EMAIL,
            kind: KIND,
            date: DATE,
            nickname: NICKNAME,
            nickname_max: NICKNAME_MAX_CHARS,
            consent: CONSENT,
            consent_given: CONSENT_GIVEN,
            consent_version_field: CONSENT_VERSION_FIELD,
            consent_version: CONSENT_VERSION,
            honeypot: HONEYPOT,
            token: TOKEN,
            birth_date: BIRTH_DATE,
            due_date: DUE_DATE,
            reason: REASON,
            kind_due: KIND_DUE,
            kind_birth: KIND_BIRTH,
            reasons: StopReason::ALL
                .iter()
                .map(|r| ReasonView {
                    value: r.id(),
                    label: r.label(),
                    loss: r.is_loss(),
                    default: *r == StopReason::Other,
                })
                .collect(),
            routes: Routes {
                sign_up: SIGN_UP.route,
                confirm: CONFIRM.route,
                birth: BIRTH.route,
                due_date: CHANGE_DUE_DATE.route,
                stop: STOP.route,
                delete: DELETE.route,
                unsubscribe: UNSUBSCRIBE.route,
                line_sign_up: LINE_SIGN_UP.route,
                survey_answer: SURVEY_ANSWER.route,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_round_trip_and_three_are_losses() {
        for reason in StopReason::ALL {
            assert_eq!(reason.id().parse::<StopReason>(), Ok(reason));
        }
        assert_eq!(StopReason::ALL.iter().filter(|r| r.is_loss()).count(), 3);
        assert!("v1".parse::<StopReason>().is_err());
    }

    #[test]
    fn the_checkbox_value_is_accepted_and_kinds_are_anchor_kinds() {
        assert!(CONSENT_ACCEPTED.contains(&CONSENT_GIVEN));
        assert_eq!(KindChoice::of(AnchorKind::Due).value, AnchorKind::Due.as_str());
        assert_eq!(KindChoice::of(AnchorKind::Birth).value, AnchorKind::Birth.as_str());
    }

    #[test]
    fn no_form_repeats_a_field_name() {
        for form in PAGE_FORMS.iter().chain(&LINE_PAGE_FORMS).chain([&ONE_CLICK_UNSUBSCRIBE]) {
            let mut names = form.names();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), form.fields.len(), "{}", form.route);
        }
    }
}
