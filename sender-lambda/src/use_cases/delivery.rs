//! Delivery of planned mails: reserve, send, record — at most once per subscription and entry.
//!
//! For each mail:
//! 1. [`DeliveryStore::reserve`]: one transaction putting a `sending` record per entry (only if
//!    absent) and checking that the subscription is still active with the planned `anchor_version`.
//!    Entries already recorded (a re-run, an overlapping run, a changed due date) are dropped from the
//!    mail; if none remain the mail counts as *already sent*; if the subscription changed it is
//!    *refused* and nothing is sent.
//! 2. [`Channel::send`] (the mail is first rendered by [`Channel::render`]), paced by a [`Pacer`] (the account's rate split over the workers) and retried
//!    on throttling and transient errors with exponential backoff and full jitter.
//! 3. The records become `sent` with the provider's message id, or `failed` with the error code for
//!    a permanent (per-recipient) error — recorded, never retried, and the run goes on. When the
//!    provider definitely did not take the mail (throttled to the end, account-level errors) the
//!    records are released so the next run sends it; when the outcome is unknown (a timeout) they
//!    stay `sending` — *in doubt*: a mail is reported and never resent; a LINE push, whose retry key
//!    was stored with the reservation, is retried by a later run with that key (LINE answers 409
//!    if it had accepted it, and the delivery is recorded sent).
//!
//! One plan, two channels: each family is delivered by its own channel ([`Channel::serves`]); an
//! account-level error (SES paused, LINE's monthly quota) stops that channel only, for the rest of
//! the municipality's delivery, and is reported ([`DeliveryReport::stopped`]).
//!
//! Logs carry subscription ids, entry ids and error codes only: no address, anchor date or token.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::sync::Mutex;
use tokio::time::Instant;

use kizuna_reports::counters::DeliveryOutcome;

use crate::domain::model::Channel as ChannelId;
use crate::domain::plan::{DayPlan, PlannedMail};
use crate::ports::channel::{Channel, DayContent, SendError, SendErrorKind};
use crate::ports::clock::{self, Deadline};
use crate::ports::deliveries::{DeliveryStore, ReserveOutcome, ReserveRequest};

/// Spaces calls evenly at a maximum rate (every attempt counts, retries included).
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    /// A pacer allowing `per_second` calls per second (at least one call every 1000 s).
    pub fn new(per_second: f64) -> Self {
        let per_second = if per_second.is_finite() { per_second.max(0.001) } else { 1_000_000.0 };
        Pacer { interval: Duration::from_secs_f64(1.0 / per_second), next: Mutex::new(Instant::now()) }
    }

    /// Waits for the next slot.
    pub async fn wait(&self) {
        let slot = self.slot(Instant::now()).await;
        tokio::time::sleep_until(slot).await;
    }

    /// Takes the next slot as of `now`: the earliest free one, never before `now` (an idle pacer
    /// does not make up for lost time).
    pub async fn slot(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().await;
        let slot = (*next).max(now);
        *next = slot + self.interval;
        slot
    }
}

/// Delivery settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeliveryOptions {
    /// Mails in flight at once.
    pub concurrency: usize,
    /// Attempts per mail for throttling and transient errors.
    pub max_attempts: u32,
    /// First backoff ceiling; doubled per attempt.
    pub base_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            concurrency: 8,
            max_attempts: 12,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl DeliveryOptions {
    /// Full-jitter backoff before attempt `attempt + 1`: uniform in `0..=min(max, base·2^attempt)`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.base_backoff.saturating_mul(2_u32.saturating_pow(attempt.min(20))).min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

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
    fn add(&mut self, channel: ChannelId, outcome: Outcome) {
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

/// What happened to one mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    AlreadySent,
    Refused,
    Failed,
    /// Outcome unknown; `true` when a later run retries it with its stored key.
    InDoubt(bool),
    /// A family of a channel this deployment does not deliver.
    Unserved,
    /// Failed, but a later run should send it (released, or never reserved).
    Retry,
    /// Not started: the deadline came.
    Deferred,
}

/// What [`Delivery::deliver_mails`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The counts.
    pub counts: DeliveryCounts,
    /// When the deadline stopped the delivery: the index of the first mail not done (deferred, or
    /// released because of the deadline); every mail before it is finished.
    pub resume_at: Option<usize>,
    /// Channels an account-level error stopped, with its code (`line-429-quota`, …).
    pub stopped: Vec<(ChannelId, String)>,
}

/// The municipality, date and build of one delivery, and when to stop.
#[derive(Debug)]
struct Run<'a> {
    municipality: &'a str,
    date: chrono::NaiveDate,
    build: &'a str,
    stop_at: Option<&'a Deadline>,
}

/// Counters and stops shared by the mails of one delivery.
#[derive(Debug, Default)]
struct Stats {
    throttled: AtomicUsize,
    stale_sending: AtomicUsize,
    /// Per channel (mail, LINE): an account-level error stopped it.
    abort: [AtomicBool; 2],
    stopped: StdMutex<Vec<(ChannelId, String)>>,
}

impl Stats {
    fn abort(&self, channel: ChannelId) -> &AtomicBool {
        &self.abort[usize::from(channel == ChannelId::Line)]
    }

    fn stop(&self, channel: ChannelId, code: &str) {
        if !self.abort(channel).swap(true, Ordering::Relaxed) {
            self.stopped.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((channel, code.to_owned()));
        }
    }
}

/// Everything [`Delivery::deliver_plan`] needs besides the plan.
#[derive(Debug)]
pub struct Delivery<'a, S, M> {
    /// The delivery records.
    pub store: &'a S,
    /// The mail service.
    pub mailer: &'a M,
    /// The rate limit shared by every municipality of the run.
    pub pacer: &'a Pacer,
    /// Concurrency and retries.
    pub options: DeliveryOptions,
}

impl<S: DeliveryStore + Sync, M: Channel + Sync> Delivery<'_, S, M> {
    /// Delivers every mail of a plan; never stops on a per-recipient error.
    pub async fn deliver_plan(&self, plan: &DayPlan<'_>, content: &DayContent<'_>) -> DeliveryCounts {
        self.deliver_mails(&plan.municipality, plan.date, &plan.mails, content, None).await.counts
    }

    /// Delivers mails of one municipality and date, in order; no mail starts at or after `stop_at`
    /// (the worker's deadline less a margin), and retries stop then too. Never stops on a
    /// per-recipient error.
    pub async fn deliver_mails(
        &self,
        municipality: &str,
        date: chrono::NaiveDate,
        mails: &[PlannedMail<'_>],
        content: &DayContent<'_>,
        stop_at: Option<&Deadline>,
    ) -> DeliveryReport {
        self.deliver_mails_stopped(municipality, date, mails, content, stop_at, &[]).await
    }

    /// [`Delivery::deliver_mails`] with some channels already stopped for this municipality (an
    /// earlier group hit LINE's monthly quota): their families are left for a later run.
    pub async fn deliver_mails_stopped(
        &self,
        municipality: &str,
        date: chrono::NaiveDate,
        mails: &[PlannedMail<'_>],
        content: &DayContent<'_>,
        stop_at: Option<&Deadline>,
        stopped: &[ChannelId],
    ) -> DeliveryReport {
        let stats = Stats::default();
        for channel in stopped {
            stats.abort(*channel).store(true, Ordering::Relaxed);
        }
        let run = Run { municipality, date, build: content.schedule.build.id.as_str(), stop_at };
        // Indexes, not `(index, &mail)` pairs: a closure taking a reference trips rustc's check that
        // the whole future is `Send` ("FnOnce is not general enough"), which the local API needs.
        let mut outcomes: Vec<(usize, Outcome)> = stream::iter(0..mails.len())
            .map(|index| {
                let (run, stats, mail) = (&run, &stats, &mails[index]);
                async move { (index, self.deliver_one(run, mail, content, stats).await) }
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        outcomes.sort_by_key(|(index, _)| *index);
        let mut counts = DeliveryCounts {
            throttled: stats.throttled.into_inner(),
            stale_sending: stats.stale_sending.into_inner(),
            ..DeliveryCounts::default()
        };
        for (index, outcome) in &outcomes {
            counts.add(mails[*index].recipient.channel(), *outcome);
        }
        let stopped = clock::passed(stop_at);
        let resume_at = if stopped {
            outcomes.iter().find(|(_, o)| matches!(o, Outcome::Deferred | Outcome::Retry)).map(|(index, _)| *index)
        } else {
            None
        };
        let stopped = stats.stopped.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        DeliveryReport { counts, resume_at, stopped }
    }

    async fn deliver_one(
        &self,
        run: &Run<'_>,
        mail: &PlannedMail<'_>,
        content: &DayContent<'_>,
        stats: &Stats,
    ) -> Outcome {
        // Long on purpose: this is the state machine itself, one arm per outcome, read top to bottom.
        let id = mail.recipient.subscription_id.as_str();
        let channel = mail.recipient.channel();
        if !self.mailer.serves(channel) {
            tracing::warn!(subscription = id, channel = channel.as_str(), "no adapter for this channel: not delivered");
            return Outcome::Unserved;
        }
        let abort = stats.abort(channel);
        if abort.load(Ordering::Relaxed) {
            return Outcome::Retry;
        }
        if clock::passed(run.stop_at) {
            return Outcome::Deferred;
        }
        // Made before the reservation and stored with it, so a later run retries with the same key.
        let fresh_key = self.mailer.retries_in_doubt(channel).then(|| uuid::Uuid::new_v4().to_string());
        let request = ReserveRequest {
            municipality: run.municipality,
            date: run.date,
            build: run.build,
            recipient: &mail.recipient,
            entries: mail.entry_ids(),
            retry_key: fresh_key.as_deref(),
        };
        let reservation = match self.store.reserve(&request).await {
            Ok(reservation) => reservation,
            Err(error) => {
                tracing::error!(subscription = id, error = %error, "reservation failed");
                return Outcome::Retry;
            }
        };
        for entry in &reservation.stale_sending {
            stats.stale_sending.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                subscription = id,
                entry = %entry,
                "delivery record left `sending` for over an hour: reported, not resent"
            );
        }
        let retry_key = reservation.retry_key;
        let reserved = match reservation.outcome {
            ReserveOutcome::Reserved(entries) => entries,
            ReserveOutcome::AlreadySent => {
                tracing::info!(subscription = id, "already sent");
                return Outcome::AlreadySent;
            }
            ReserveOutcome::Refused => {
                tracing::info!(subscription = id, "refused: subscription no longer active or its anchor changed");
                return Outcome::Refused;
            }
        };
        let mut mail = mail.clone();
        if reserved.len() != mail.sections.len() {
            tracing::info!(subscription = id, kept = reserved.len(), "some entries were already sent");
            mail.sections.retain(|section| reserved.iter().any(|entry| entry == section.entry_id()));
        }
        let composed = match self.mailer.render(content, &mail) {
            Ok(composed) => composed,
            Err(error) => {
                tracing::error!(subscription = id, error = %error, "cannot render");
                self.release(id, &reserved).await;
                return Outcome::Retry;
            }
        };
        let mut attempt = 0;
        let result = loop {
            if abort.load(Ordering::Relaxed) {
                break Err(SendError { kind: SendErrorKind::Fatal, code: "RunAborted".to_owned() });
            }
            if attempt > 0 && clock::passed(run.stop_at) {
                break Err(SendError { kind: SendErrorKind::Throttled, code: "DeadlineReached".to_owned() });
            }
            match self.mailer.pacer(&composed) {
                Some(pacer) => pacer.wait().await,
                None => self.pacer.wait().await,
            }
            match self.mailer.send(&composed, retry_key.as_deref()).await {
                Ok(message_id) => break Ok(message_id),
                Err(error)
                    if matches!(error.kind, SendErrorKind::Throttled | SendErrorKind::Transient)
                        && attempt + 1 < self.options.max_attempts =>
                {
                    if error.kind == SendErrorKind::Throttled {
                        stats.throttled.fetch_add(1, Ordering::Relaxed);
                    }
                    tracing::debug!(subscription = id, code = %error.code, attempt, "retrying");
                    tokio::time::sleep(self.options.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(error) => break Err(error),
            }
        };
        let outcome = self.record(id, &reserved, result, (channel, retry_key.is_some()), stats).await;
        let counted = match outcome {
            Outcome::Sent => Some(DeliveryOutcome::Sent),
            Outcome::Failed => Some(DeliveryOutcome::Failed),
            // Counted once: a push a later run retries is counted by that run.
            Outcome::InDoubt(false) => Some(DeliveryOutcome::InDoubt),
            _ => None,
        };
        if let Some(counted) = counted {
            let update = crate::domain::counters::delivery(&mail.recipient, run.date, counted);
            if let Err(error) = self.store.count(&update).await {
                tracing::error!(subscription = id, error = %error, "delivered, but not counted for the reports");
            }
        }
        outcome
    }

    /// Records a send's result on the reserved entries; what the mail came to. `sent_by` is the
    /// channel and whether the delivery carries a stored retry key.
    async fn record(
        &self,
        id: &str,
        reserved: &[String],
        result: Result<String, SendError>,
        sent_by: (ChannelId, bool),
        stats: &Stats,
    ) -> Outcome {
        let (channel, keyed) = sent_by;
        match result {
            Ok(message_id) => {
                if let Err(error) = self.store.mark_sent(id, reserved, &message_id).await {
                    tracing::error!(subscription = id, error = %error, "sent, but the records stay `sending`");
                }
                tracing::info!(subscription = id, entries = ?reserved, "sent");
                Outcome::Sent
            }
            Err(error) => match error.kind {
                SendErrorKind::Permanent => {
                    tracing::warn!(subscription = id, code = %error.code, "permanent send error, recorded");
                    if let Err(store) = self.store.mark_failed(id, reserved, &error.code).await {
                        tracing::error!(subscription = id, error = %store, "cannot record the failure");
                    }
                    Outcome::Failed
                }
                SendErrorKind::InDoubt if keyed => {
                    tracing::warn!(subscription = id, code = %error.code, "outcome unknown: left `sending` with its retry key, a later run retries it");
                    Outcome::InDoubt(true)
                }
                SendErrorKind::InDoubt => {
                    tracing::error!(subscription = id, code = %error.code, "outcome unknown: left `sending`, not resent");
                    Outcome::InDoubt(false)
                }
                SendErrorKind::Fatal => {
                    if error.code != "RunAborted" {
                        tracing::error!(channel = channel.as_str(), code = %error.code, "account-level send error: stopping this channel's run");
                        stats.stop(channel, &error.code);
                    }
                    self.release(id, reserved).await;
                    Outcome::Retry
                }
                SendErrorKind::Throttled | SendErrorKind::Transient => {
                    tracing::warn!(subscription = id, code = %error.code, "not sent: released for a later run");
                    self.release(id, reserved).await;
                    Outcome::Retry
                }
            },
        }
    }

    async fn release(&self, id: &str, entries: &[String]) {
        if let Err(error) = self.store.release(id, entries).await {
            tracing::error!(subscription = id, error = %error, "cannot release: records stay `sending`");
        }
    }
}
