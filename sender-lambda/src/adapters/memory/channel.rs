//! The mail channel twin: captures every mail it accepts and answers each send from a script —
//! an error of a kind, or a delay (a send that outlives the caller's patience is how a timeout
//! looks) — so every branch of the delivery state machine can be driven.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::ports::channel::{ComposedMail, Mailer, SendError, SendErrorKind};

/// What one send does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// Accepted (the default when nothing is scripted).
    Accept,
    /// Refused with this kind and code.
    Fail(SendErrorKind, String),
    /// Waits this long first, then follows the next step (tokio time: pausable in tests).
    Delay(Duration, Box<Script>),
}

/// A mailer that captures mails and follows a script per recipient address.
#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<ComposedMail>>,
    scripts: Mutex<HashMap<String, VecDeque<Script>>>,
    attempts: AtomicUsize,
    accepted: AtomicUsize,
    bytes: AtomicUsize,
    /// Count only, keep nothing (benchmarks of a million mails).
    discard: bool,
}

impl MemoryMailer {
    /// A mailer that accepts everything.
    pub fn new() -> Self {
        MemoryMailer::default()
    }

    /// A mailer that accepts everything and only counts mails and bytes.
    pub fn discarding() -> Self {
        MemoryMailer { discard: true, ..MemoryMailer::default() }
    }

    /// The next sends to `to` follow these steps in order (then: accepted).
    pub fn script(&self, to: &str, steps: impl IntoIterator<Item = Script>) {
        self.scripts.lock().expect("lock").entry(to.to_owned()).or_default().extend(steps);
    }

    /// The mails accepted so far, in order.
    pub fn sent(&self) -> Vec<ComposedMail> {
        self.sent.lock().expect("lock").clone()
    }

    /// Mails accepted so far, and their raw bytes.
    pub fn accepted(&self) -> (usize, usize) {
        (self.accepted.load(Ordering::SeqCst), self.bytes.load(Ordering::SeqCst))
    }

    /// Every send attempt so far (accepted or not).
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<String, SendError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
        let mut step = self
            .scripts
            .lock()
            .map_err(|_| SendError { kind: SendErrorKind::Transient, code: "Poisoned".to_owned() })?
            .get_mut(&mail.to)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Script::Accept);
        loop {
            match step {
                Script::Accept => break,
                Script::Fail(kind, code) => return Err(SendError { kind, code }),
                Script::Delay(delay, next) => {
                    tokio::time::sleep(delay).await;
                    step = *next;
                }
            }
        }
        self.accepted.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(mail.raw.len(), Ordering::SeqCst);
        if !self.discard {
            let mut sent = self
                .sent
                .lock()
                .map_err(|_| SendError { kind: SendErrorKind::InDoubt, code: "Poisoned".to_owned() })?;
            sent.push(mail.clone());
        }
        Ok(format!("memory-{attempt}"))
    }
}
