//! Reading counters back: what a report reads ([`Reading`]), counter items as a Query returns them
//! ([`CounterItem`]) parsed into a municipality's [`Ledger`], and [`MemoryCounters`], the in-memory twin of the counter items. The
//! names read here are the ones [`crate::counters`] writes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kizuna_schedule::{AnchorKind, TrackId};

use crate::counters::{counter_pk, read_ranges, Channel, CounterUpdate, DeliveryOutcome, Event, Outcome};
use crate::month::Month;
use crate::stages::Levels;

/// Where a report reads: the municipality, the months reported, the tracks it enabled and the
/// current month (nothing changed after it). Every counter source (the in-memory twin here,
/// DynamoDB in the sender) takes this one description.
#[derive(Clone, Copy, Debug)]
pub struct Reading<'a> {
    /// The municipality id.
    pub municipality: &'a str,
    /// The first month reported.
    pub from: Month,
    /// The last month reported.
    pub to: Month,
    /// Its enabled tracks.
    pub enabled: &'a [TrackId],
    /// The current month.
    pub now: Month,
}

impl Reading<'_> {
    /// The sort-key ranges under the municipality's counter key ([`read_ranges`]).
    pub fn ranges(&self) -> Vec<(String, String)> {
        read_ranges(self.from, self.to, self.enabled, self.now)
    }
}

/// Counter items in memory, as DynamoDB's `ADD` leaves them: the in-memory twin of the counters
/// table (tests, examples, the sender's in-memory adapter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryCounters {
    items: BTreeMap<(String, String), BTreeMap<String, i64>>,
}

impl MemoryCounters {
    /// Applies one transaction's updates.
    pub fn apply(&mut self, updates: impl IntoIterator<Item = CounterUpdate>) {
        for update in updates {
            let item = self.items.entry((update.pk, update.sk)).or_default();
            for (name, amount) in update.adds {
                *item.entry(name).or_default() += amount;
            }
        }
    }

    /// The items under `pk` whose sort key lies in `from..=to`, as a Query returns them.
    pub fn query(&self, pk: &str, from: &str, to: &str) -> Vec<CounterItem> {
        let range = (pk.to_owned(), from.to_owned())..=(pk.to_owned(), to.to_owned());
        self.items
            .range(range)
            .map(|((_, sk), values)| CounterItem { sk: sk.clone(), values: values.clone() })
            .collect()
    }

    /// What `reading` reads ([`Reading::ranges`]).
    pub fn report_items(&self, reading: &Reading<'_>) -> Vec<CounterItem> {
        let pk = counter_pk(reading.municipality);
        reading.ranges().iter().flat_map(|(a, b)| self.query(&pk, a, b)).collect()
    }

    /// How many items there are in all.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was counted yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The dimensions of a flow counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dims {
    /// Channel.
    pub channel: Channel,
    /// Anchor kind.
    pub kind: AnchorKind,
    /// Track at the moment (`None`: in none).
    pub track: Option<TrackId>,
}

/// One month's flows, read back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthFlows {
    /// Transitions by event and dimensions.
    pub events: BTreeMap<(Event, Dims), i64>,
    /// Starts and ends of receiving by outcome and dimensions.
    pub outcomes: BTreeMap<(Outcome, Dims), i64>,
    /// The month's change of 配信中 by channel and anchor kind.
    pub active: BTreeMap<(Channel, AnchorKind), i64>,
}

impl MonthFlows {
    /// The sum of an outcome over all dimensions that `keep` accepts.
    pub fn outcome(&self, outcome: Outcome, keep: impl Fn(&Dims) -> bool) -> i64 {
        self.outcomes.iter().filter(|((o, d), _)| *o == outcome && keep(d)).map(|(_, n)| n).sum()
    }

    /// The sum of an event over all dimensions.
    pub fn event(&self, event: Event) -> i64 {
        self.events.iter().filter(|((e, _), _)| *e == event).map(|(_, n)| n).sum()
    }
}

/// One delivery counter: date, outcome, channel, track.
pub type DeliveryKey = (NaiveDate, DeliveryOutcome, Channel, Option<TrackId>);

/// A counter item as read back: its sort key and numeric attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterItem {
    /// Sort key.
    pub sk: String,
    /// Numeric attributes (others are not counters and are left out by the reader).
    pub values: BTreeMap<String, i64>,
}

/// A municipality's counters, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Flows by month.
    pub months: BTreeMap<Month, MonthFlows>,
    /// Active subscriptions now, by anchor (as far as read).
    pub active_now: Levels,
    /// The same counts' changes by month.
    pub history: BTreeMap<Month, Levels>,
    /// Deliveries.
    pub deliveries: BTreeMap<DeliveryKey, i64>,
}

/// A counter item or attribute this version cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("集計項目 {sk} の {attribute} を読めません（このバージョンの集計形式ではありません）")]
pub struct LedgerError {
    /// The item's sort key.
    pub sk: String,
    /// The attribute (empty when the key itself is unreadable).
    pub attribute: String,
}

impl Ledger {
    /// Parses counter items of one municipality; unknown keys or attributes are errors, not zeros.
    pub fn from_items(items: impl IntoIterator<Item = CounterItem>) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::default();
        for item in items {
            ledger.add_item(&item).map_err(|attribute| LedgerError { sk: item.sk.clone(), attribute })?;
        }
        Ok(ledger)
    }

    fn add_item(&mut self, item: &CounterItem) -> Result<(), String> {
        let parts: Vec<&str> = item.sk.split('#').collect();
        match parts.as_slice() {
            ["M", month] => {
                let flows = self.months.entry(parse_month(month)?).or_default();
                for (name, value) in &item.values {
                    add_flow(flows, name, *value).ok_or_else(|| name.clone())?;
                }
            }
            ["A", kind] => add_months(&mut self.active_now, kind, &item.values)?,
            ["A", kind, anchor_month] => add_days(&mut self.active_now, kind, anchor_month, &item.values)?,
            ["H", month, kind] => add_months(self.history.entry(parse_month(month)?).or_default(), kind, &item.values)?,
            ["H", month, kind, anchor_month] => {
                let levels = self.history.entry(parse_month(month)?).or_default();
                add_days(levels, kind, anchor_month, &item.values)?;
            }
            ["D", date] => {
                let date: NaiveDate = date.parse().map_err(|_| String::new())?;
                for (name, value) in &item.values {
                    let key = parse_delivery(date, name).ok_or_else(|| name.clone())?;
                    *self.deliveries.entry(key).or_default() += value;
                }
            }
            _ => return Err(String::new()),
        }
        Ok(())
    }
}

fn parse_month(value: &str) -> Result<Month, String> {
    value.parse().map_err(|_| String::new())
}

fn parse_track(value: &str) -> Option<Option<TrackId>> {
    if value == "-" {
        Some(None)
    } else {
        value.parse().ok().map(Some)
    }
}

fn parse_dims(channel: &str, kind: &str, track: &str) -> Option<Dims> {
    Some(Dims { channel: Channel::parse(channel)?, kind: kind.parse().ok()?, track: parse_track(track)? })
}

fn add_flow(flows: &mut MonthFlows, name: &str, value: i64) -> Option<()> {
    let parts: Vec<&str> = name.split('#').collect();
    match parts.as_slice() {
        ["ev", event, channel, kind, track] => {
            let key = (Event::parse(event)?, parse_dims(channel, kind, track)?);
            *flows.events.entry(key).or_default() += value;
        }
        ["active", channel, kind] => {
            *flows.active.entry((Channel::parse(channel)?, kind.parse().ok()?)).or_default() += value;
        }
        [outcome, channel, kind, track] => {
            let outcome = Outcome::ALL.into_iter().find(|o| o.as_str() == *outcome)?;
            *flows.outcomes.entry((outcome, parse_dims(channel, kind, track)?)).or_default() += value;
        }
        _ => return None,
    }
    Some(())
}

fn parse_kind(kind: &str) -> Result<AnchorKind, String> {
    kind.parse().map_err(|_| String::new())
}

/// `m<YYYY-MM>` attributes: counts by anchor month.
fn add_months(levels: &mut Levels, kind: &str, values: &BTreeMap<String, i64>) -> Result<(), String> {
    let kind = parse_kind(kind)?;
    for (name, value) in values {
        let month: Month = name.strip_prefix('m').and_then(|m| m.parse().ok()).ok_or_else(|| name.clone())?;
        *levels.months.entry((kind, month)).or_default() += value;
    }
    Ok(())
}

/// `d<DD>` attributes of one anchor month: counts by anchor date.
fn add_days(levels: &mut Levels, kind: &str, anchor_month: &str, values: &BTreeMap<String, i64>) -> Result<(), String> {
    let kind = parse_kind(kind)?;
    let anchor_month = parse_month(anchor_month)?;
    for (name, value) in values {
        let day = name.strip_prefix('d').and_then(|d| d.parse::<u32>().ok()).ok_or_else(|| name.clone())?;
        let date =
            NaiveDate::from_ymd_opt(anchor_month.year(), anchor_month.month(), day).ok_or_else(|| name.clone())?;
        *levels.days.entry((kind, date)).or_default() += value;
    }
    Ok(())
}

fn parse_delivery(date: NaiveDate, name: &str) -> Option<DeliveryKey> {
    let parts: Vec<&str> = name.split('#').collect();
    let [outcome, channel, track] = parts.as_slice() else { return None };
    Some((date, DeliveryOutcome::parse(outcome)?, Channel::parse(channel)?, parse_track(track)?))
}
