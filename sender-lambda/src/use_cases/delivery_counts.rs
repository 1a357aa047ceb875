//! The counts of a delivery ([`crate::use_cases::delivery`]): per outcome, and sent / failed / in
//! doubt per channel, added up over groups and municipalities by [`crate::use_cases::daily_run`].

use crate::domain::model::Channel as ChannelId;
use crate::use_cases::delivery::Outcome;

/// Counts of one delivery, added up over municipalities by [`crate::use_cases::daily_run`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounts {
    /// Mails SES accepted.
    pub sent: usize,
    /// Mails with every entry already recorded.
    pub already_sent: usize,
    /// Mails refused by the subscription check (stopped, unsubscribed, anchor changed).
    pub refused: usize,
    /// Mails that failed (permanent errors, retries exhausted, store errors, in doubt, not attempted).
    pub failed: usize,
    /// Of `failed`: mails whose outcome is unknown, left `sending`.
    pub in_doubt: usize,
    /// Send attempts that were throttled (and retried).
    pub throttled: usize,
    /// Of `failed`: mails left for a later run (released after retries, or not reserved).
    pub retry: usize,
    /// Mails not started because the worker's deadline came (left for the continuation).
    pub deferred: usize,
    /// Delivery records found `sending` for over an hour: reported, never resent.
    pub stale_sending: usize,
    /// Of `in_doubt`: LINE pushes left in doubt with their retry key (a later run retries them).
    pub in_doubt_retry: usize,
    /// Families of a channel this deployment does not deliver (LINE without LINE configured).
    pub unserved: usize,
    /// The mail families' counts.
    pub mail: ChannelCounts,
    /// The LINE families' counts.
    pub line: ChannelCounts,
}

/// The counts of one channel (a part of [`DeliveryCounts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChannelCounts {
    /// Accepted by the provider.
    pub sent: usize,
    /// Failed (permanent, left for a later run, in doubt).
    pub failed: usize,
    /// Of `failed`: outcome unknown.
    pub in_doubt: usize,
}

impl std::ops::AddAssign for ChannelCounts {
    fn add_assign(&mut self, other: Self) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.in_doubt += other.in_doubt;
    }
}

impl DeliveryCounts {
    /// The counts of one channel.
    pub fn of(&mut self, channel: ChannelId) -> &mut ChannelCounts {
        match channel {
            ChannelId::Mail => &mut self.mail,
            ChannelId::Line => &mut self.line,
        }
    }
}

impl std::ops::AddAssign for DeliveryCounts {
    fn add_assign(&mut self, other: Self) {
        self.in_doubt_retry += other.in_doubt_retry;
        self.unserved += other.unserved;
        self.mail += other.mail;
        self.line += other.line;
        self.sent += other.sent;
        self.already_sent += other.already_sent;
        self.refused += other.refused;
        self.failed += other.failed;
        self.in_doubt += other.in_doubt;
        self.throttled += other.throttled;
        self.retry += other.retry;
        self.deferred += other.deferred;
        self.stale_sending += other.stale_sending;
    }
}

impl DeliveryCounts {
    /// Adds one mail's outcome on its channel.
    pub(crate) fn add(&mut self, channel: ChannelId, outcome: Outcome) {
        match outcome {
            Outcome::Sent => {
                self.sent += 1;
                self.of(channel).sent += 1;
            }
            Outcome::AlreadySent => self.already_sent += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Failed => {
                self.failed += 1;
                self.of(channel).failed += 1;
            }
            Outcome::InDoubt(retried) => {
                self.failed += 1;
                self.in_doubt += 1;
                self.in_doubt_retry += usize::from(retried);
                self.of(channel).failed += 1;
                self.of(channel).in_doubt += 1;
            }
            Outcome::Retry => {
                self.failed += 1;
                self.retry += 1;
                self.of(channel).failed += 1;
            }
            Outcome::Deferred => self.deferred += 1,
            Outcome::Unserved => self.unserved += 1,
        }
    }
}
