//! The markers the generator leaves in its output for the sender to fill, and the subscription
//! pages' slugs: named once here, so the generator's templates, the contract tests and the sender
//! agree on every spelling.
//!
//! - [`MailMarker`]: in the mail shell and the transactional mails (`%%nickname%%` …), filled per
//!   mail and escaped per part;
//! - [`PageMarker`]: in the subscription pages (`%%token%%`, `<!--kizuna:errors-->` …), filled per
//!   request;
//! - [`SubscribePage`]: the pages under `<muni>/subscribe/<slug>/`.

/// A marker of the mail shell and the transactional mails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailMarker {
    /// The day's sections (HTML or text, verbatim).
    Sections,
    /// The one-click unsubscribe link.
    UnsubscribeUrl,
    /// The manage link (the confirmation link in the confirmation mail).
    ManageUrl,
    /// The greeting (`はなさん`), empty when no nickname was given.
    Nickname,
    /// The archive page of the mail's first section.
    ArchiveUrl,
}

impl MailMarker {
    /// Every mail marker.
    pub const ALL: [MailMarker; 5] = [
        MailMarker::Sections,
        MailMarker::UnsubscribeUrl,
        MailMarker::ManageUrl,
        MailMarker::Nickname,
        MailMarker::ArchiveUrl,
    ];

    /// The name between the `%%`s.
    pub const fn name(self) -> &'static str {
        match self {
            MailMarker::Sections => "sections",
            MailMarker::UnsubscribeUrl => "unsubscribe_url",
            MailMarker::ManageUrl => "manage_url",
            MailMarker::Nickname => "nickname",
            MailMarker::ArchiveUrl => "archive_url",
        }
    }

    /// The marker as written (`%%nickname%%`).
    pub const fn as_str(self) -> &'static str {
        match self {
            MailMarker::Sections => "%%sections%%",
            MailMarker::UnsubscribeUrl => "%%unsubscribe_url%%",
            MailMarker::ManageUrl => "%%manage_url%%",
            MailMarker::Nickname => "%%nickname%%",
            MailMarker::ArchiveUrl => "%%archive_url%%",
        }
    }

    /// The marker named `name` (the text between the `%%`s).
    pub fn from_name(name: &str) -> Option<Self> {
        MailMarker::ALL.into_iter().find(|marker| marker.name() == name)
    }
}

/// The markers only the sender fills in mails, as written.
pub const MAIL_MARKERS: [&str; 5] = [
    MailMarker::Sections.as_str(),
    MailMarker::UnsubscribeUrl.as_str(),
    MailMarker::ManageUrl.as_str(),
    MailMarker::Nickname.as_str(),
    MailMarker::ArchiveUrl.as_str(),
];

/// A marker of the subscription pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageMarker {
    /// The signed token of the confirm, manage and unsubscribe forms (a hidden input's value).
    Token,
    /// The confirmed page's link to the family's current week or age.
    ArchiveUrl,
    /// Where the error summary of a form shown again goes.
    Errors,
    /// Where the `<base>` of a page the API serves goes.
    Base,
}

impl PageMarker {
    /// The marker as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            PageMarker::Token => "%%token%%",
            PageMarker::ArchiveUrl => "%%archive_url%%",
            PageMarker::Errors => "<!--kizuna:errors-->",
            PageMarker::Base => "<!--kizuna:base-->",
        }
    }

    /// Where one field's error message goes (`<!--kizuna:error:<field>-->`).
    pub fn field_error(field: &str) -> String {
        format!("<!--kizuna:error:{field}-->")
    }
}

/// A page of `<muni>/subscribe/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubscribePage {
    /// The sign-up form.
    Signup,
    /// "Check your mail".
    Sent,
    /// "Complete the sign-up?": the confirmation link's page, a button posting the token.
    Confirm,
    /// Confirmed, with a link to the current week or age.
    Confirmed,
    /// Register the birth, change the due date, stop, delete.
    Manage,
    /// The change was saved.
    Updated,
    /// Stopped.
    Stopped,
    /// "Really unsubscribe?"
    Unsubscribe,
    /// Unsubscribed.
    Unsubscribed,
    /// Data deleted.
    Deleted,
    /// Something went wrong (an invalid or expired link).
    Error,
}

impl SubscribePage {
    /// Every page.
    pub const ALL: [SubscribePage; 11] = [
        SubscribePage::Signup,
        SubscribePage::Sent,
        SubscribePage::Confirm,
        SubscribePage::Confirmed,
        SubscribePage::Manage,
        SubscribePage::Updated,
        SubscribePage::Stopped,
        SubscribePage::Unsubscribe,
        SubscribePage::Unsubscribed,
        SubscribePage::Deleted,
        SubscribePage::Error,
    ];

    /// The directory name under `subscribe/`.
    pub fn slug(self) -> &'static str {
        match self {
            SubscribePage::Signup => "signup",
            SubscribePage::Sent => "sent",
            SubscribePage::Confirm => "confirm",
            SubscribePage::Confirmed => "confirmed",
            SubscribePage::Manage => "manage",
            SubscribePage::Updated => "updated",
            SubscribePage::Stopped => "stopped",
            SubscribePage::Unsubscribe => "unsubscribe",
            SubscribePage::Unsubscribed => "unsubscribed",
            SubscribePage::Deleted => "deleted",
            SubscribePage::Error => "error",
        }
    }

    /// The page with this slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        SubscribePage::ALL.into_iter().find(|page| page.slug() == slug)
    }

    /// Its path under a municipality's output: `subscribe/<slug>/index.html`.
    pub fn path(self) -> String {
        format!("subscribe/{}/index.html", self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_spellings_and_slugs_round_trip() {
        for marker in MailMarker::ALL {
            assert_eq!(MailMarker::from_name(marker.name()), Some(marker));
            assert_eq!(marker.as_str(), format!("%%{}%%", marker.name()));
        }
        for page in SubscribePage::ALL {
            assert_eq!(SubscribePage::from_slug(page.slug()), Some(page));
        }
        assert_eq!(PageMarker::field_error("email"), "<!--kizuna:error:email-->");
        assert_eq!(SubscribePage::Manage.path(), "subscribe/manage/index.html");
    }
}
