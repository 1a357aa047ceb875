//! The report's figures, computed from a municipality's [`Ledger`]: monthly registrations and
//! endings, 配信中 at each month's end (by channel, anchor kind and track), retention over the
//! period (累計登録者, 解除率, 停止率, 読み続ける人の割合, 登録率) and deliveries.
//!
//! The ledger must hold every month flow item since the municipality's first transition (the
//! cumulative figures add them up) and the histogram items [`crate::stages::keys`] names.

use std::collections::BTreeMap;

use kizuna_schedule::{AnchorKind, TrackId};

use crate::counters::{Channel, DeliveryOutcome, Event, Ledger, MonthFlows, Outcome};
use crate::month::Month;
use crate::stages::active_by_track;

/// What the report needs to know about a municipality besides its counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Municipality {
    /// Its id.
    pub id: String,
    /// Its name (e.g. 夢見野市).
    pub name: String,
    /// The tracks it enabled (for 配信中 by track).
    pub enabled: Vec<TrackId>,
    /// Births a year (`municipality.yaml`), for 登録率.
    pub yearly_births: Option<u32>,
}

impl From<&kizuna_schedule::MunicipalityInfo> for Municipality {
    /// The municipality as the published `schedule.json` describes it.
    fn from(info: &kizuna_schedule::MunicipalityInfo) -> Self {
        Municipality {
            id: info.id.clone(),
            name: info.name.clone(),
            enabled: info.enabled_tracks(),
            yearly_births: info.yearly_births,
        }
    }
}

/// The months reported, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The first month.
    pub from: Month,
    /// The last month.
    pub to: Month,
}

/// One month's row.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthRow {
    /// The month.
    pub month: Month,
    /// New registrations, by track at registration.
    pub registered: BTreeMap<Option<TrackId>, i64>,
    /// 解除 during the month (net of LINE unblocks).
    pub unsubscribed: i64,
    /// 停止 during the month.
    pub stopped: i64,
    /// 完了 during the month.
    pub completed: i64,
    /// 累計登録者 at the month's end.
    pub cumulative: i64,
    /// 配信中 at the month's end, by channel and anchor kind.
    pub active: BTreeMap<(Channel, AnchorKind), i64>,
    /// 配信中 at the month's end by the track each subscription is in on that day.
    pub active_by_track: BTreeMap<Option<TrackId>, i64>,
}

impl MonthRow {
    fn empty(month: Month) -> MonthRow {
        MonthRow {
            month,
            registered: BTreeMap::new(),
            unsubscribed: 0,
            stopped: 0,
            completed: 0,
            cumulative: 0,
            active: BTreeMap::new(),
            active_by_track: BTreeMap::new(),
        }
    }

    /// New registrations in the month.
    pub fn registered_total(&self) -> i64 {
        self.registered.values().sum()
    }

    /// 配信中 at the month's end.
    pub fn active_total(&self) -> i64 {
        self.active.values().sum()
    }
}

/// Retention since the first registration, at the period's end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retention {
    /// 累計登録者.
    pub cumulative: i64,
    /// 配信中.
    pub active: i64,
    /// 完了.
    pub completed: i64,
    /// 解除.
    pub unsubscribed: i64,
    /// 停止.
    pub stopped: i64,
    /// New registrations within the period.
    pub registered_in_period: i64,
    /// 登録率, when the yearly births are known.
    pub registration_rate: Option<f64>,
}

impl Retention {
    fn share(&self, part: i64) -> Option<f64> {
        (self.cumulative > 0).then(|| part as f64 / self.cumulative as f64)
    }

    /// 解除率 = 解除 / 累計登録者.
    pub fn unsubscribe_rate(&self) -> Option<f64> {
        self.share(self.unsubscribed)
    }

    /// 停止率 = 停止 / 累計登録者.
    pub fn stop_rate(&self) -> Option<f64> {
        self.share(self.stopped)
    }

    /// 読み続ける人の割合 = (配信中 + 完了) / 累計登録者.
    pub fn keep_reading_rate(&self) -> Option<f64> {
        self.share(self.active + self.completed)
    }
}

/// Every figure of one municipality's report.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The municipality.
    pub municipality: Municipality,
    /// The months reported.
    pub period: Period,
    /// One row per month of the period.
    pub months: Vec<MonthRow>,
    /// Retention at the period's end.
    pub retention: Retention,
    /// Transitions within the period, by event.
    pub events: BTreeMap<Event, i64>,
    /// Deliveries by month, channel and outcome.
    pub deliveries: BTreeMap<(Month, Channel, DeliveryOutcome), i64>,
}

/// Computes the figures of `period` from a municipality's ledger.
pub fn compute(ledger: &Ledger, municipality: &Municipality, period: Period) -> Figures {
    let mut months = Vec::new();
    let first = ledger.months.keys().next().copied().unwrap_or(period.from).min(period.from);
    let mut running = MonthRow::empty(first.previous());
    for month in first.through(period.to) {
        let empty = MonthFlows::default();
        let flows = ledger.months.get(&month).unwrap_or(&empty);
        let row = month_row(month, flows, &running, ledger, municipality);
        if month >= period.from {
            months.push(row.clone());
        }
        running = row;
    }
    let mut events = BTreeMap::new();
    for flows in ledger.months.range(period.from..=period.to).map(|(_, flows)| flows) {
        for ((event, _), count) in &flows.events {
            *events.entry(*event).or_default() += count;
        }
    }
    let registered_in_period: i64 = months.iter().map(MonthRow::registered_total).sum();
    let period_months = period.from.through(period.to).len() as f64;
    let retention = Retention {
        cumulative: running.cumulative,
        active: running.active_total(),
        completed: cumulative_outcome(ledger, period.to, &[Outcome::Completed], &[Outcome::Reopened]),
        unsubscribed: cumulative_outcome(ledger, period.to, &[Outcome::EndedReader], &[Outcome::Resumed]),
        stopped: cumulative_outcome(ledger, period.to, &[Outcome::EndedStopped], &[]),
        registered_in_period,
        registration_rate: municipality
            .yearly_births
            .filter(|births| *births > 0 && period_months > 0.0)
            .map(|births| registered_in_period as f64 / (f64::from(births) * period_months / 12.0)),
    };
    let deliveries = ledger
        .deliveries
        .iter()
        .map(|((date, outcome, channel, _), count)| ((Month::of(*date), *channel, *outcome), *count))
        .filter(|((month, _, _), _)| (period.from..=period.to).contains(month))
        .fold(BTreeMap::new(), |mut sums, (key, count)| {
            *sums.entry(key).or_default() += count;
            sums
        });
    Figures { municipality: municipality.clone(), period, months, retention, events, deliveries }
}

fn month_row(month: Month, flows: &MonthFlows, before: &MonthRow, ledger: &Ledger, muni: &Municipality) -> MonthRow {
    let mut registered = BTreeMap::new();
    for ((outcome, dims), count) in &flows.outcomes {
        if *outcome == Outcome::Registered {
            *registered.entry(read_track(dims.track, &muni.enabled)).or_default() += count;
        }
    }
    let mut active = before.active.clone();
    for (key, change) in &flows.active {
        *active.entry(*key).or_default() += change;
    }
    let registered_total: i64 = registered.values().sum();
    MonthRow {
        month,
        cumulative: before.cumulative + registered_total,
        registered,
        unsubscribed: flows.outcome(Outcome::EndedReader, |_| true) - flows.outcome(Outcome::Resumed, |_| true),
        stopped: flows.outcome(Outcome::EndedStopped, |_| true),
        completed: flows.outcome(Outcome::Completed, |_| true) - flows.outcome(Outcome::Reopened, |_| true),
        active,
        active_by_track: active_by_track(&ledger.active_now, &ledger.history, month, &muni.enabled),
    }
}

/// The track a family reads, from the stage a flow was counted on: the counters keep the child's
/// stage by the main tracks' windows (the store does not read the schedule), and those windows do
/// not depend on which tracks a town enabled and never overlap, so the track read is the stage when
/// the town enabled it and none otherwise. A town that does not enable a track shows no figures
/// for it.
fn read_track(stage: Option<TrackId>, enabled: &[TrackId]) -> Option<TrackId> {
    stage.filter(|track| enabled.contains(track))
}

fn cumulative_outcome(ledger: &Ledger, to: Month, add: &[Outcome], subtract: &[Outcome]) -> i64 {
    ledger
        .months
        .range(..=to)
        .map(|(_, flows)| {
            let sum = |outcomes: &[Outcome]| outcomes.iter().map(|o| flows.outcome(*o, |_| true)).sum::<i64>();
            sum(add) - sum(subtract)
        })
        .sum()
}
