//! The LINE channel's transactional messages, the chat's fixed words and how `schedule.json`
//! lists the payload files (see [`super`]).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LineMarker;

/// The transactional LINE messages (`line/system/<kind>.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SystemLine {
    /// Reply to `follow` (not yet registered): a button to [`LineMarker::RegisterUrl`].
    Greeting,
    /// Pushed after registration.
    Welcome,
    /// The birth was registered.
    BirthRegistered,
    /// Stopped from the manage page (not a loss).
    Stopped,
    /// Stopped after a loss: one gentle confirmation, nothing more.
    StoppedLoss,
    /// Unsubscribed.
    Unsubscribed,
    /// 41w6d reached without a birth registration.
    BirthReminder,
    /// Reply to [`LineCommand::Manage`]: the manage link.
    Manage,
    /// Reply to [`LineCommand::Stop`]: the unsubscribe and manage links.
    Stop,
    /// Reply to `follow` with `isUnblocked` when a blocked subscription resumes.
    Resumed,
    /// Reply to any other message: this account does not answer chats; the contact point.
    Help,
}

impl SystemLine {
    /// Every transactional LINE message.
    pub const ALL: [SystemLine; 11] = [
        SystemLine::Greeting,
        SystemLine::Welcome,
        SystemLine::BirthRegistered,
        SystemLine::Stopped,
        SystemLine::StoppedLoss,
        SystemLine::Unsubscribed,
        SystemLine::BirthReminder,
        SystemLine::Manage,
        SystemLine::Stop,
        SystemLine::Resumed,
        SystemLine::Help,
    ];

    /// The kebab-case id, also the file stem under `line/system/`.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemLine::Greeting => "greeting",
            SystemLine::Welcome => "welcome",
            SystemLine::BirthRegistered => "birth-registered",
            SystemLine::Stopped => "stopped",
            SystemLine::StoppedLoss => "stopped-loss",
            SystemLine::Unsubscribed => "unsubscribed",
            SystemLine::BirthReminder => "birth-reminder",
            SystemLine::Manage => "manage",
            SystemLine::Stop => "stop",
            SystemLine::Resumed => "resumed",
            SystemLine::Help => "help",
        }
    }

    /// The markers its payload may carry (the build refuses others: a greeting has no manage
    /// link to fill, a stop reply no registration token).
    pub fn markers(self) -> &'static [LineMarker] {
        use LineMarker::*;
        match self {
            SystemLine::Greeting => &[RegisterUrl, ArchiveUrl],
            SystemLine::Help => &[ArchiveUrl],
            SystemLine::StoppedLoss | SystemLine::Unsubscribed => &[Nickname, ArchiveUrl],
            _ => &[Nickname, ArchiveUrl, ManageUrl, UnsubscribeUrl],
        }
    }
}

/// The chat's fixed words: a family's text message equal to one (after trimming) is a command;
/// the rich menu, if the operator sets one, sends the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LineCommand {
    /// 登録内容の確認・変更 → [`SystemLine::Manage`].
    Manage,
    /// 配信停止 → [`SystemLine::Stop`].
    Stop,
}

impl LineCommand {
    /// Every command.
    pub const ALL: [LineCommand; 2] = [LineCommand::Manage, LineCommand::Stop];

    /// The words that trigger it.
    pub fn words(self) -> &'static str {
        match self {
            LineCommand::Manage => "登録内容の確認・変更",
            LineCommand::Stop => "配信停止",
        }
    }

    /// The command a message's text is, if any.
    pub fn parse(text: &str) -> Option<LineCommand> {
        LineCommand::ALL.into_iter().find(|c| c.words() == text.trim())
    }

    /// Its reply.
    pub fn reply(self) -> SystemLine {
        match self {
            LineCommand::Manage => SystemLine::Manage,
            LineCommand::Stop => SystemLine::Stop,
        }
    }
}

/// A published payload file and its hash, relative to `schedule.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineFile {
    /// e.g. `line/sections/maternity/12w3d.json`.
    pub path: String,
    /// `sha256:<hex>` of its bytes ([`crate::content_hash`]).
    pub hash: String,
}

/// `schedule.json`'s `line`: the transactional payloads (present exactly when
/// `municipality.line` is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineParts {
    /// One file per transactional message.
    pub system: BTreeMap<SystemLine, LineFile>,
}
