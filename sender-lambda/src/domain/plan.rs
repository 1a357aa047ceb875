//! Pure planning: one Japan date + one municipality's schedule + a [`RecipientSource`] → the day's
//! mails, one per subscription, each with its sections in order. No I/O besides the source.
//!
//! 1. Every entry due on the date becomes a *matcher*: its anchor kind, the anchor ranges that
//!    receive it ([`Rule::anchors_on`]; for `date:` announcements the anchors whose track window
//!    contains the date, see [`track_anchor_range`]) and the tracks its recipients must currently be
//!    in (the entry's track, or a local entry's `tracks`), restricted to the municipality's enabled
//!    tracks. Local entries outside their `valid` range on the date, attached local sections outside
//!    theirs, tracks not enabled, school-track entries an enabled add-on owns ([`owning_addon`]:
//!    the generator already leaves them out, but an older schedule may list them) and — unless
//!    drafts are allowed — draft entries are left out.
//! 2. Per anchor kind, the matchers' ranges are merged ([`merge_ranges`]) and each merged range is
//!    one query to the source (the sparse `by_anchor` index: never a scan). Merged ranges do not
//!    overlap, so a subscription is read at most once.
//! 3. Each recipient gets the matchers whose ranges contain its anchor and whose tracks it is in
//!    ([`tracks_on`]); track messages first (main tracks before add-ons), then local entries, each in
//!    schedule order. The subject is the first section's, so a track message's when there is one.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Bound;

use chrono::NaiveDate;
use kizuna_schedule::{
    calendar::add_days, merge_ranges, owning_addon, tracks_on, AnchorKind, DateRange, EntryTrack, LocalSection,
    ReviewStatus, Rule, ScheduleDocument, ScheduleEntry, TrackId,
};

use crate::domain::model::{Recipient, SubscriptionStatus};
use crate::ports::recipients::{RecipientPage, RecipientQuery, RecipientSource};
use crate::BoxError;

/// Options of planning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Send entries whose review status is `draft` (`KIZUNA_ALLOW_DRAFT=1`, demos and tests).
    pub allow_draft: bool,
}

/// One section of a planned mail: a schedule entry and the attached local sections that apply.
///
/// It borrows them from the schedule it was planned from, so a section can never point at an entry
/// of another schedule, or past the end of this one (plain indexes could).
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedSection<'a> {
    /// The schedule entry.
    pub entry: &'a ScheduleEntry,
    /// The entry's attached local sections valid on the date, in order.
    pub local: Vec<&'a LocalSection>,
}

impl PlannedSection<'_> {
    /// The entry id (the delivery record's sort key).
    pub fn entry_id(&self) -> &str {
        &self.entry.id
    }
}

/// One mail: a recipient and its sections, in order (never empty).
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedMail<'a> {
    /// Who receives it.
    pub recipient: Recipient,
    /// What it is made of.
    pub sections: Vec<PlannedSection<'a>>,
}

impl PlannedMail<'_> {
    /// The entry ids, in section order.
    pub fn entry_ids(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.entry_id().to_owned()).collect()
    }
}

/// What planning one municipality and date found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayPlan<'a> {
    /// The municipality id.
    pub municipality: String,
    /// The Japan delivery date.
    pub date: NaiveDate,
    /// One mail per receiving subscription, in query order.
    pub mails: Vec<PlannedMail<'a>>,
    /// The queries made, in order.
    pub queries: Vec<RecipientQuery>,
    /// Items the source returned (including any that were not active).
    pub items_read: usize,
    /// Entries due on the date that were left out because they are drafts.
    pub drafts_refused: Vec<String>,
}

/// An entry due on the date, ready to be matched against recipients.
#[derive(Clone, Debug)]
struct Matcher<'a> {
    entry: &'a ScheduleEntry,
    kind: AnchorKind,
    ranges: Vec<DateRange>,
    tracks: Vec<TrackId>,
    local: Vec<&'a LocalSection>,
    /// Local entries after track messages, add-ons after main tracks, then schedule order.
    order: (bool, bool, usize),
}

/// How far back and forward [`track_anchor_range`] searches: no track lasts longer than 20 years.
const SEARCH_BACK_DAYS: i64 = 366 * 20;
const SEARCH_FORWARD_DAYS: i64 = 366;

/// The anchors whose window of `track` contains `date`, as one inclusive range (or `None`).
///
/// Window starts and ends never decrease as the anchor grows (days, clamped anniversaries and school
/// cohorts are all monotonic), so the set is an interval, found by two binary searches.
pub fn track_anchor_range(track: TrackId, date: NaiveDate) -> Option<DateRange> {
    let lo = add_days(date, -SEARCH_BACK_DAYS)?;
    let hi = add_days(date, SEARCH_FORWARD_DAYS)?;
    let span = (hi - lo).num_days();
    let at = |offset: i64| add_days(lo, offset);
    // First anchor whose window ends on or after the date.
    let first = partition_point(span, |offset| at(offset).and_then(|a| track.window(a)).is_none_or(|w| w.end < date));
    // First anchor whose window starts after the date; the one before is the last candidate.
    let after_last =
        partition_point(span, |offset| at(offset).and_then(|a| track.window(a)).is_some_and(|w| w.start <= date));
    if first >= after_last {
        return None;
    }
    let range = DateRange::new(at(first)?, at(after_last - 1)?)?;
    // Guard the monotonicity assumption at both ends.
    let contains = |a: NaiveDate| track.window(a).is_some_and(|w| w.contains(date));
    (contains(range.start) && contains(range.end)).then_some(range)
}

/// The number of leading offsets in `0..=span` for which `pred` holds (it must hold for a prefix).
fn partition_point(span: i64, pred: impl Fn(i64) -> bool) -> i64 {
    let (mut lo, mut hi) = (0_i64, span + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The tracks whose current subscribers a local entry goes to, among the enabled ones.
fn local_audience(entry: &ScheduleEntry, enabled: &[TrackId]) -> Vec<TrackId> {
    let kind = entry.when.anchor_kind();
    let mut tracks: Vec<TrackId> = match &entry.tracks {
        Some(tracks) => tracks.iter().copied().filter(|t| enabled.contains(t)).collect(),
        None => enabled.to_vec(),
    };
    tracks.retain(|t| kind.is_none_or(|k| t.anchor_kind() == k));
    tracks.sort_unstable();
    tracks.dedup();
    tracks
}

/// The matchers of one entry on `date` (one per anchor kind it reaches), or none.
fn matchers_for<'a>(
    index: usize,
    entry: &'a ScheduleEntry,
    date: NaiveDate,
    enabled: &[TrackId],
    options: PlanOptions,
    drafts: &mut Vec<String>,
) -> Vec<Matcher<'a>> {
    let (audience, is_local, is_addon) = match entry.track {
        EntryTrack::Track(track) => {
            if !enabled.contains(&track) || owning_addon(track, &entry.when, enabled).is_some() {
                return Vec::new();
            }
            (vec![track], false, track.is_addon())
        }
        EntryTrack::Local => {
            if entry.valid.is_some_and(|valid| !valid.contains(date)) {
                return Vec::new();
            }
            (local_audience(entry, enabled), true, false)
        }
    };
    let mut matchers = Vec::new();
    for kind in [AnchorKind::Due, AnchorKind::Birth] {
        let tracks: Vec<TrackId> = audience.iter().copied().filter(|t| t.anchor_kind() == kind).collect();
        if tracks.is_empty() || entry.when.anchor_kind().is_some_and(|k| k != kind) {
            continue;
        }
        let windows = merge_ranges(tracks.iter().filter_map(|t| track_anchor_range(*t, date)).collect());
        let ranges: Vec<DateRange> = match entry.when {
            Rule::Date(day) if day.0 != date => Vec::new(),
            Rule::Date(_) => windows,
            rule => merge_ranges(
                rule.anchors_on(date)
                    .iter()
                    .flat_map(|range| windows.iter().filter_map(move |w| w.intersect(range)))
                    .collect(),
            ),
        };
        if ranges.is_empty() {
            continue;
        }
        let local =
            entry.local.iter().filter(|section| section.valid.is_none_or(|valid| valid.contains(date))).collect();
        matchers.push(Matcher { entry, kind, ranges, tracks, local, order: (is_local, is_addon, index) });
    }
    if !matchers.is_empty() && entry.review == ReviewStatus::Draft && !options.allow_draft {
        drafts.push(entry.id.clone());
        return Vec::new();
    }
    matchers
}

/// One municipality's entries due on one Japan date, ready to be matched against recipients: what
/// the planner fans out (its [`DayPlanner::queries`], one group each) and what a worker uses to turn
/// the recipients of one query into mails ([`DayPlanner::mails_for`]). Pure: no I/O.
#[derive(Clone, Debug)]
pub struct DayPlanner<'a> {
    schedule: &'a ScheduleDocument,
    date: NaiveDate,
    enabled: Vec<TrackId>,
    by_kind: BTreeMap<AnchorKind, Vec<Matcher<'a>>>,
    drafts_refused: Vec<String>,
}

impl<'a> DayPlanner<'a> {
    /// Prepares the matchers of every entry due on `date`.
    pub fn new(schedule: &'a ScheduleDocument, date: NaiveDate, options: PlanOptions) -> Self {
        let enabled = schedule.municipality.enabled_tracks();
        let mut drafts_refused = Vec::new();
        let mut by_kind: BTreeMap<AnchorKind, Vec<Matcher>> = BTreeMap::new();
        for (index, entry) in schedule.entries.iter().enumerate() {
            for matcher in matchers_for(index, entry, date, &enabled, options, &mut drafts_refused) {
                by_kind.entry(matcher.kind).or_default().push(matcher);
            }
        }
        for matchers in by_kind.values_mut() {
            matchers.sort_by_key(|m| m.order);
        }
        DayPlanner { schedule, date, enabled, by_kind, drafts_refused }
    }

    /// The schedule planned.
    pub fn schedule(&self) -> &'a ScheduleDocument {
        self.schedule
    }

    /// The Japan delivery date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// Entries due on the date that were left out because they are drafts.
    pub fn drafts_refused(&self) -> &[String] {
        &self.drafts_refused
    }

    /// The reads of the day: per anchor kind, the merged anchor ranges (they never overlap, so a
    /// subscription is read at most once).
    pub fn queries(&self) -> Vec<RecipientQuery> {
        let municipality = &self.schedule.municipality.id;
        self.by_kind
            .iter()
            .flat_map(|(kind, matchers)| {
                merge_ranges(matchers.iter().flat_map(|m| m.ranges.iter().copied()).collect())
                    .into_iter()
                    .map(move |range| RecipientQuery { municipality: municipality.clone(), kind: *kind, range })
            })
            .collect()
    }

    /// The mails of the recipients one query returned (recipients with nothing due are left out).
    pub fn mails_for(&self, query: &RecipientQuery, recipients: Vec<Recipient>) -> Vec<PlannedMail<'a>> {
        let Some(matchers) = self.by_kind.get(&query.kind) else { return Vec::new() };
        let municipality = &self.schedule.municipality.id;
        let mut mails = Vec::new();
        for recipient in recipients {
            if recipient.status != SubscriptionStatus::Active
                || recipient.anchor_kind != query.kind
                || &recipient.municipality != municipality
                || !query.range.contains(recipient.anchor_date)
            {
                continue;
            }
            let current = tracks_on(query.kind, recipient.anchor_date, self.date, &self.enabled);
            let sections: Vec<PlannedSection> = matchers
                .iter()
                .filter(|m| {
                    m.ranges.iter().any(|r| r.contains(recipient.anchor_date))
                        && m.tracks.iter().any(|t| current.contains(t))
                })
                .map(|m| PlannedSection { entry: m.entry, local: m.local.clone() })
                .collect();
            if !sections.is_empty() {
                mails.push(PlannedMail { recipient, sections });
            }
        }
        mails
    }
}

/// Plans one municipality's mails for one Japan date (every query read in full).
///
/// Errors only when the source fails; the schedule itself is trusted to be valid `kizuna-schedule/2`.
pub async fn plan_day<'a, S: RecipientSource>(
    schedule: &'a ScheduleDocument,
    date: NaiveDate,
    source: &S,
    options: PlanOptions,
) -> Result<DayPlan<'a>, BoxError> {
    let planner = DayPlanner::new(schedule, date, options);
    let mut plan = DayPlan {
        municipality: schedule.municipality.id.clone(),
        date,
        drafts_refused: planner.drafts_refused.clone(),
        ..DayPlan::default()
    };
    for query in planner.queries() {
        let recipients = source.recipients(&query).await?;
        plan.items_read += recipients.len();
        plan.mails.extend(planner.mails_for(&query, recipients));
        plan.queries.push(query);
    }
    Ok(plan)
}

/// An in-memory [`RecipientSource`] for tests and benchmarks: subscriptions indexed like `by_anchor`
/// (only active ones are visible), with a log of the queries made.
#[derive(Debug, Default)]
pub struct MemoryRecipients {
    index: BTreeMap<(String, AnchorKind), BTreeMap<(NaiveDate, String), Recipient>>,
    queries: std::sync::Mutex<Vec<RecipientQuery>>,
}

impl MemoryRecipients {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a subscription; only active ones are indexed, as in the sparse index.
    pub fn insert(&mut self, recipient: Recipient) {
        let key = (recipient.municipality.clone(), recipient.anchor_kind);
        let sort = (recipient.anchor_date, recipient.subscription_id.clone());
        for bucket in self.index.values_mut() {
            bucket.retain(|_, r| r.subscription_id != recipient.subscription_id);
        }
        if recipient.status == SubscriptionStatus::Active {
            self.index.entry(key).or_default().insert(sort, recipient);
        }
    }

    /// Adds subscriptions known to be new (no search for an older version: for large fixtures).
    pub fn insert_new(&mut self, recipient: Recipient) {
        if recipient.status == SubscriptionStatus::Active {
            let key = (recipient.municipality.clone(), recipient.anchor_kind);
            let sort = (recipient.anchor_date, recipient.subscription_id.clone());
            self.index.entry(key).or_default().insert(sort, recipient);
        }
    }

    /// The queries made so far.
    pub fn queries(&self) -> Vec<RecipientQuery> {
        self.queries.lock().map(|q| q.clone()).unwrap_or_default()
    }
}

impl RecipientSource for MemoryRecipients {
    fn page(
        &self,
        query: &RecipientQuery,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<RecipientPage, BoxError>> + Send {
        if let Ok(mut log) = self.queries.lock() {
            log.push(query.clone());
        }
        let limit = limit.max(1);
        let start = match after.and_then(|a| a.split_once('#')) {
            Some((date, id)) => match date.parse::<NaiveDate>() {
                Ok(date) => Bound::Excluded((date, id.to_owned())),
                Err(_) => Bound::Unbounded,
            },
            None => Bound::Included((query.range.start, String::new())),
        };
        let mut recipients: Vec<Recipient> = self
            .index
            .get(&(query.municipality.clone(), query.kind))
            .map(|bucket| {
                bucket
                    .range((start, Bound::Unbounded))
                    .skip_while(|((date, _), _)| *date < query.range.start)
                    .take_while(|((date, _), _)| *date <= query.range.end)
                    .take(limit + 1)
                    .map(|(_, r)| r.clone())
                    .collect()
            })
            .unwrap_or_default();
        let more = recipients.len() > limit;
        recipients.truncate(limit);
        let next = if more { recipients.last().map(Recipient::cursor) } else { None };
        std::future::ready(Ok(RecipientPage { recipients, next, calls: 1 }))
    }

    fn recipients(&self, query: &RecipientQuery) -> impl Future<Output = Result<Vec<Recipient>, BoxError>> + Send {
        if let Ok(mut log) = self.queries.lock() {
            log.push(query.clone());
        }
        let found = self
            .index
            .get(&(query.municipality.clone(), query.kind))
            .map(|bucket| {
                let start = (query.range.start, String::new());
                bucket
                    .range(start..)
                    .take_while(|((date, _), _)| *date <= query.range.end)
                    .map(|(_, r)| r.clone())
                    .collect()
            })
            .unwrap_or_default();
        std::future::ready(Ok(found))
    }
}
