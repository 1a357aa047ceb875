//! The counter model: which counter items and attributes a lifecycle transition or a delivery adds
//! to, and how counter items read back. Pure: the sender turns [`CounterUpdate`]s into DynamoDB
//! `Update` actions inside the transition's own transaction, and hands the items it reads back to
//! [`Ledger::from_items`]. See docs/reports.md for why counters and why they stay exact.
//!
//! Every item lives under `pk = COUNT#<municipality>`; its sort key says what it holds:
//!
//! | sort key | attributes (numbers, only ever `ADD`ed) |
//! | --- | --- |
//! | `M#<YYYY-MM>` | the month's flows: `ev#<event>#<channel>#<kind>#<track>` for every transition; `registered`, `resumed`, `ended_reader`, `ended_stopped`, `completed` (same dimensions) when a subscription starts or ends receiving; `active#<channel>#<kind>` the month's change of 配信中 |
//! | `A#<kind>` | the active subscriptions *now* by anchor month: `m<YYYY-MM>` |
//! | `A#<kind>#<YYYY-MM>` | the active subscriptions *now* by anchor date: `d<DD>` for each day of that anchor month |
//! | `H#<YYYY-MM>#<kind>`, `H#<YYYY-MM>#<kind>#<YYYY-MM>` | the same two levels' changes during one month (first month) |
//! | `D#<YYYY-MM-DD>` | the day's deliveries: `<outcome>#<channel>#<track>` |
//!
//! `<track>` is the subscription's track at the moment of the transition (`-` when it is in none,
//! e.g. before 妊娠4週0日). No attribute or key holds anything personal.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use kizuna_schedule::forms::StopReason;
use kizuna_schedule::{AnchorKind, TrackId};

pub use crate::ledger::{CounterItem, DeliveryKey, Dims, Ledger, LedgerError, MemoryCounters, MonthFlows};
use crate::month::Month;
pub use crate::stages::Levels;

/// How a subscription receives its messages (the contract's one channel enum).
pub use kizuna_schedule::Channel;

/// How a reader unsubscribed (解除).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnsubscribeVia {
    /// The link in a message, then the page's button.
    Link,
    /// RFC 8058 one-click from the mail client.
    OneClick,
    /// The JSON API.
    Api,
}

/// A lifecycle transition, as counted (the sender maps its own transitions onto these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    /// A sign-up awaiting confirmation.
    SignedUp,
    /// The subscription starts receiving: confirmed, or registered in the LINE chat.
    Activated,
    /// The birth was registered: due → birth.
    BirthRegistered,
    /// The due date or birth date was corrected.
    AnchorChanged,
    /// Stopped by the family with a reason (the manage form's reasons).
    Stopped(StopReason),
    /// Unsubscribed by the reader.
    Unsubscribed(UnsubscribeVia),
    /// The reader blocked the LINE account.
    Blocked,
    /// The reader unblocked it again.
    Unblocked,
    /// The address bounced for good.
    Bounced,
    /// The reader marked a message as spam.
    Complained,
    /// Past its last enabled track.
    Completed,
    /// The data was deleted (by the family, or by housekeeping).
    Deleted,
}

impl Event {
    /// Every event, in report order.
    pub const ALL: [Event; 20] = [
        Event::SignedUp,
        Event::Activated,
        Event::BirthRegistered,
        Event::AnchorChanged,
        Event::Stopped(StopReason::NotNeeded),
        Event::Stopped(StopReason::TooMany),
        Event::Stopped(StopReason::Moved),
        Event::Stopped(StopReason::Other),
        Event::Stopped(StopReason::Miscarriage),
        Event::Stopped(StopReason::Stillbirth),
        Event::Stopped(StopReason::InfantDeath),
        Event::Unsubscribed(UnsubscribeVia::Link),
        Event::Unsubscribed(UnsubscribeVia::OneClick),
        Event::Unsubscribed(UnsubscribeVia::Api),
        Event::Blocked,
        Event::Unblocked,
        Event::Bounced,
        Event::Complained,
        Event::Completed,
        Event::Deleted,
    ];

    /// The id in counter attributes (a stop carries the form's reason id: `stopped_moved`).
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Stopped(reason) => stop_id(reason),
            Event::SignedUp => "signed_up",
            Event::Activated => "activated",
            Event::BirthRegistered => "birth_registered",
            Event::AnchorChanged => "anchor_changed",
            Event::Unsubscribed(UnsubscribeVia::Link) => "unsubscribed_link",
            Event::Unsubscribed(UnsubscribeVia::OneClick) => "unsubscribed_one_click",
            Event::Unsubscribed(UnsubscribeVia::Api) => "unsubscribed_api",
            Event::Blocked => "blocked",
            Event::Unblocked => "unblocked",
            Event::Bounced => "bounced",
            Event::Complained => "complained",
            Event::Completed => "completed",
            Event::Deleted => "deleted",
        }
    }

    /// The name staff read.
    pub fn label(self) -> String {
        let label = match self {
            Event::Stopped(reason) => return format!("停止（{}）", reason.report_label()),
            Event::SignedUp => "仮登録",
            Event::Activated => "登録",
            Event::BirthRegistered => "出生登録",
            Event::AnchorChanged => "予定日・誕生日の変更",
            Event::Unsubscribed(UnsubscribeVia::Link) => "解除（リンク）",
            Event::Unsubscribed(UnsubscribeVia::OneClick) => "解除（ワンクリック）",
            Event::Unsubscribed(UnsubscribeVia::Api) => "解除（API）",
            Event::Blocked => "ブロック（LINE）",
            Event::Unblocked => "ブロック解除（LINE）",
            Event::Bounced => "不達",
            Event::Complained => "迷惑メール報告",
            Event::Completed => "完了",
            Event::Deleted => "データ削除",
        };
        label.to_owned()
    }

    pub(crate) fn parse(value: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == value)
    }

    /// Which ending a transition out of 配信中 is: the reader's own (解除), a reason or the system
    /// (停止), or the end of the tracks (完了).
    fn ending(self) -> Outcome {
        match self {
            Event::Unsubscribed(_) | Event::Blocked | Event::Deleted => Outcome::EndedReader,
            Event::Completed => Outcome::Completed,
            _ => Outcome::EndedStopped,
        }
    }
}

/// `stopped_<form reason id>`, with `_` for the id's `-` so attribute names split on `#` only.
fn stop_id(reason: StopReason) -> &'static str {
    match reason {
        StopReason::NotNeeded => "stopped_not_needed",
        StopReason::TooMany => "stopped_too_many",
        StopReason::Moved => "stopped_moved",
        StopReason::Other => "stopped_other",
        StopReason::Miscarriage => "stopped_miscarriage",
        StopReason::Stillbirth => "stopped_stillbirth",
        StopReason::InfantDeath => "stopped_infant_death",
    }
}

/// What a transition did to 配信中: the measures behind the report's definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Started receiving for the first time (累計登録者).
    Registered,
    /// Started receiving again after a LINE block (takes one back from 解除).
    Resumed,
    /// Ended by the reader (解除).
    EndedReader,
    /// Ended with a reason or by the system (停止).
    EndedStopped,
    /// Ended at the end of the tracks (完了).
    Completed,
    /// A completed pregnancy receiving again after a late birth registration (takes one back
    /// from 完了).
    Reopened,
}

impl Outcome {
    pub(crate) const ALL: [Outcome; 6] = [
        Outcome::Registered,
        Outcome::Resumed,
        Outcome::EndedReader,
        Outcome::EndedStopped,
        Outcome::Completed,
        Outcome::Reopened,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Registered => "registered",
            Outcome::Resumed => "resumed",
            Outcome::EndedReader => "ended_reader",
            Outcome::EndedStopped => "ended_stopped",
            Outcome::Completed => "completed",
            Outcome::Reopened => "reopened",
        }
    }
}

/// Where a subscription stands just before or just after a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Its channel.
    pub channel: Channel,
    /// Due or birth.
    pub kind: AnchorKind,
    /// The due date or birth date (only its day lands in a counter, never with anything else).
    pub anchor: NaiveDate,
    /// Its track on the transition's date, if any.
    pub track: Option<TrackId>,
    /// Whether it receives messages (配信中: status active).
    pub active: bool,
}

/// One transition of one subscription, as the counters need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change<'a> {
    /// The municipality id.
    pub municipality: &'a str,
    /// The Japan date of the transition.
    pub date: NaiveDate,
    /// What happened.
    pub event: Event,
    /// Before (`None` for a new sign-up).
    pub before: Option<Standing>,
    /// After (`None` once deleted).
    pub after: Option<Standing>,
}

/// What a delivery came to, as the run counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryOutcome {
    /// Accepted by SES or LINE.
    Sent,
    /// Refused for good.
    Failed,
    /// Reserved, but whether it went out is unknown; never resent.
    InDoubt,
}

impl DeliveryOutcome {
    /// Every outcome, in report order.
    pub const ALL: [DeliveryOutcome; 3] = [DeliveryOutcome::Sent, DeliveryOutcome::Failed, DeliveryOutcome::InDoubt];

    /// The id in counter attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Sent => "sent",
            DeliveryOutcome::Failed => "failed",
            DeliveryOutcome::InDoubt => "in_doubt",
        }
    }

    /// The name staff read.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Sent => "配信",
            DeliveryOutcome::Failed => "失敗",
            DeliveryOutcome::InDoubt => "未確認",
        }
    }

    pub(crate) fn parse(value: &str) -> Option<DeliveryOutcome> {
        DeliveryOutcome::ALL.into_iter().find(|o| o.as_str() == value)
    }
}

/// One counter item and what to add to its attributes (never zero, never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterUpdate {
    /// `COUNT#<municipality>`
    pub pk: String,
    /// See the module table.
    pub sk: String,
    /// Attribute name → amount to `ADD`.
    pub adds: BTreeMap<String, i64>,
}

/// `COUNT#<municipality>`: the partition of a municipality's counters.
pub fn counter_pk(municipality: &str) -> String {
    format!("COUNT#{municipality}")
}

/// The sort key of a month's flows.
pub fn month_sk(month: Month) -> String {
    format!("M#{month}")
}

/// The sort key of a day's deliveries.
pub fn delivery_sk(date: NaiveDate) -> String {
    format!("D#{}", date.format("%Y-%m-%d"))
}

/// The sort-key ranges (inclusive; a single key is a range of one) a report of `from`…`to` reads
/// under `pk = COUNT#<municipality>`: every month's flows up to `to` (the cumulative figures), the
/// period's deliveries, and the few histogram items that give 配信中 by track at each month end
/// ([`crate::stages::keys`]; `now` is the current month, after which nothing changed yet).
/// None of them holds an item per subscription, and the histogram items are set by the calendar
/// and the enabled tracks, so what a report reads never grows with subscribers.
pub fn read_ranges(from: Month, to: Month, enabled: &[TrackId], now: Month) -> Vec<(String, String)> {
    let mut ranges = vec![("M#".to_owned(), format!("M#{to}")), (format!("D#{from}-01"), format!("D#{to}-31"))];
    ranges.extend(crate::stages::keys(from, to, enabled, now).into_iter().map(|key| (key.clone(), key)));
    ranges
}

/// Sort key prefixes, for the reader's Queries.
pub mod prefix {
    /// Month flows.
    pub const MONTH: &str = "M#";
    /// The active histogram now.
    pub const ACTIVE: &str = "A#";
    /// The histogram's monthly changes.
    pub const HISTORY: &str = "H#";
    /// Daily deliveries.
    pub const DELIVERY: &str = "D#";
}

fn track_str(track: Option<TrackId>) -> &'static str {
    track.map_or("-", TrackId::as_str)
}

/// Collects adds per item, so one transaction never names an item twice (DynamoDB refuses that).
#[derive(Default)]
struct Adds(BTreeMap<String, BTreeMap<String, i64>>);

impl Adds {
    fn add(&mut self, sk: String, attribute: String, amount: i64) {
        *self.0.entry(sk).or_default().entry(attribute).or_default() += amount;
    }

    fn into_updates(self, pk: &str) -> Vec<CounterUpdate> {
        self.0
            .into_iter()
            .filter_map(|(sk, mut adds)| {
                adds.retain(|_, amount| *amount != 0);
                (!adds.is_empty()).then(|| CounterUpdate { pk: pk.to_owned(), sk, adds })
            })
            .collect()
    }
}

/// The counter updates of one transition, to be written in the transition's own transaction.
pub fn updates_for(change: &Change<'_>) -> Vec<CounterUpdate> {
    let month = Month::of(change.date);
    let month_key = month_sk(month);
    let mut adds = Adds::default();
    let Some(subject) = change.after.or(change.before) else {
        return Vec::new();
    };
    adds.add(month_key.clone(), dimensions(&format!("ev#{}", change.event.as_str()), &subject), 1);
    let was_active = change.before.is_some_and(|s| s.active);
    let is_active = change.after.is_some_and(|s| s.active);
    let outcome = match (was_active, is_active) {
        (false, true) if change.event == Event::Unblocked => Some(Outcome::Resumed),
        // Only a completed pregnancy (41w6d passed) can become active by a birth registration.
        (false, true) if change.event == Event::BirthRegistered => Some(Outcome::Reopened),
        (false, true) => Some(Outcome::Registered),
        (true, false) => Some(change.event.ending()),
        _ => None,
    };
    if let Some(outcome) = outcome {
        adds.add(month_key.clone(), dimensions(outcome.as_str(), &subject), 1);
    }
    for (standing, sign) in [(change.before, -1), (change.after, 1)] {
        let Some(standing) = standing.filter(|s| s.active) else { continue };
        let kind = standing.kind.as_str();
        adds.add(month_key.clone(), format!("active#{}#{kind}", standing.channel.as_str()), sign);
        // Who is active by anchor, in two levels (anchor month, anchor day): crate::stages.
        let anchor_month = Month::of(standing.anchor);
        let (by_month, by_day) = (format!("m{anchor_month}"), format!("d{:02}", standing.anchor.day()));
        adds.add(format!("A#{kind}"), by_month.clone(), sign);
        adds.add(format!("A#{kind}#{anchor_month}"), by_day.clone(), sign);
        adds.add(format!("H#{month}#{kind}"), by_month, sign);
        adds.add(format!("H#{month}#{kind}#{anchor_month}"), by_day, sign);
    }
    adds.into_updates(&counter_pk(change.municipality))
}

/// Several transitions' updates as one transaction's: one update per item (DynamoDB refuses a
/// transaction naming an item twice), amounts summed, zeros left out.
pub fn merge(updates: impl IntoIterator<Item = CounterUpdate>) -> Vec<CounterUpdate> {
    let mut by_pk: BTreeMap<String, Adds> = BTreeMap::new();
    for update in updates {
        let adds = by_pk.entry(update.pk).or_default();
        for (attribute, amount) in update.adds {
            adds.add(update.sk.clone(), attribute, amount);
        }
    }
    by_pk.into_iter().flat_map(|(pk, adds)| adds.into_updates(&pk)).collect()
}

/// The counter update of one delivery.
pub fn delivery_update(
    municipality: &str,
    date: NaiveDate,
    channel: Channel,
    track: Option<TrackId>,
    outcome: DeliveryOutcome,
    count: i64,
) -> CounterUpdate {
    let attribute = format!("{}#{}#{}", outcome.as_str(), channel.as_str(), track_str(track));
    CounterUpdate { pk: counter_pk(municipality), sk: delivery_sk(date), adds: BTreeMap::from([(attribute, count)]) }
}

fn dimensions(measure: &str, standing: &Standing) -> String {
    format!("{measure}#{}#{}#{}", standing.channel.as_str(), standing.kind.as_str(), track_str(standing.track))
}
