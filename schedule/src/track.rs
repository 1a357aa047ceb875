//! Tracks: the message series a municipality can enable, fixed here so content cannot redefine them.
//!
//! A track has an anchor kind, a window (both ends included: a subscription is *in* the track on a
//! date inside its window) and a cadence (the largest allowed gap between consecutive messages, per
//! age band). `kizuna check` measures content coverage against the cadence with [`Track::gaps`].
//!
//! | id | window for anchor A | cadence |
//! | --- | --- | --- |
//! | `maternity` | 4w0d – 41w6d of due date A | every day |
//! | `baby` | 生後1日目 – 3rd birthday | daily to 生後100日目, ≤ 4 days to the 1st birthday, ≤ 8 to the 2nd, ≤ 15 to the 3rd |
//! | `preschool` | day after the 3rd birthday – 6th birthday | ≤ 31 days |
//! | `school` | day after the 6th birthday – Mar 31 of 高3 | ≤ 62 days |
//! | `school-entry` | the 年長 school year | ≤ 45 days |
//! | `first-grade` | the 小1 school year | ≤ 45 days |
//!
//! ```
//! use kizuna_schedule::TrackId;
//! let born = "2024-02-29".parse().unwrap();
//! let window = TrackId::Preschool.window(born).unwrap();
//! assert_eq!(window.start.to_string(), "2027-03-01");
//! assert_eq!(window.end.to_string(), "2030-02-28");
//! ```

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::calendar::{add_days, anniversary, school_cohort, school_year_end, school_year_start, DateRange};
use crate::rule::{AnchorKind, GestationalAge, Rule, RuleError, SchoolGrade};

/// The id of a track (kebab-case in YAML and JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TrackId {
    /// マタニティきずなメール: every day of pregnancy from 4w0d to 41w6d.
    Maternity,
    /// 子育てきずなメール (0〜2歳): from the birth date to the 3rd birthday.
    Baby,
    /// 3〜5歳きずなメール: the day after the 3rd birthday to the 6th birthday.
    Preschool,
    /// 学童期・思春期きずなメッセージ: the day after the 6th birthday to March 31 of 高3.
    School,
    /// 就学応援メッセージ (add-on): the 年長 school year.
    SchoolEntry,
    /// 小1メッセージ (add-on): the 小1 school year.
    FirstGrade,
}

/// A gap in a track's coverage: more days between two deliveries than its cadence allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The last date before the gap with a message (or the day before the window starts).
    pub after: NaiveDate,
    /// The next date with a message (or the day after the window ends).
    pub before: NaiveDate,
    /// Days from `after` to `before`.
    pub days: i64,
    /// The largest gap the cadence allows there.
    pub allowed: i64,
}

/// The largest allowed gap (in days) between consecutive messages, up to and including `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CadenceBand {
    /// Last date of the band.
    pub until: NaiveDate,
    /// Largest allowed gap in days; 1 means a message every day.
    pub max_gap_days: i64,
}

impl TrackId {
    /// Every track, in the order a child passes through them.
    pub const ALL: [TrackId; 6] = [
        TrackId::Maternity,
        TrackId::Baby,
        TrackId::Preschool,
        TrackId::SchoolEntry,
        TrackId::FirstGrade,
        TrackId::School,
    ];

    /// The id as written in content and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackId::Maternity => "maternity",
            TrackId::Baby => "baby",
            TrackId::Preschool => "preschool",
            TrackId::School => "school",
            TrackId::SchoolEntry => "school-entry",
            TrackId::FirstGrade => "first-grade",
        }
    }

    /// The default Japanese name of the track.
    pub fn name(self) -> &'static str {
        match self {
            TrackId::Maternity => "マタニティきずなメール",
            TrackId::Baby => "子育てきずなメール（0〜2歳）",
            TrackId::Preschool => "3〜5歳きずなメール",
            TrackId::School => "学童期・思春期きずなメッセージ",
            TrackId::SchoolEntry => "就学応援メッセージ",
            TrackId::FirstGrade => "小1メッセージ",
        }
    }

    /// What the track counts from.
    pub fn anchor_kind(self) -> AnchorKind {
        match self {
            TrackId::Maternity => AnchorKind::Due,
            _ => AnchorKind::Birth,
        }
    }

    /// Where the window starts and ends, in the words families use (「生まれた日」…「3歳の誕生日」),
    /// for pages that say what a municipality sends.
    pub fn window_words(self) -> (&'static str, &'static str) {
        match self {
            TrackId::Maternity => ("妊娠4週0日", "妊娠41週6日"),
            TrackId::Baby => ("生まれた日", "3歳の誕生日"),
            TrackId::Preschool => ("3歳の誕生日の翌日", "6歳の誕生日"),
            TrackId::School => ("6歳の誕生日の翌日", "高校3年生の3月31日"),
            TrackId::SchoolEntry => ("年長の4月1日", "年長の3月31日"),
            TrackId::FirstGrade => ("小学1年生の4月1日", "小学1年生の3月31日"),
        }
    }

    /// Add-ons are enabled with `addons:` rather than `tracks:`.
    pub fn is_addon(self) -> bool {
        matches!(self, TrackId::SchoolEntry | TrackId::FirstGrade)
    }

    /// The school year an add-on covers whole (and so owns where it is enabled): 年長 for
    /// `school-entry`, 小1 for `first-grade`; `None` for the main tracks.
    pub fn owned_school_year(self) -> Option<SchoolGrade> {
        match self {
            TrackId::SchoolEntry => Some(SchoolGrade::Nencho),
            TrackId::FirstGrade => Some(SchoolGrade::Sho1),
            _ => None,
        }
    }

    /// The dates a subscription with this anchor is in the track, both ends included.
    ///
    /// A worked example for each track:
    ///
    /// ```
    /// use kizuna_schedule::TrackId;
    /// let window = |track: TrackId, anchor: &str| {
    ///     let w = track.window(anchor.parse().unwrap()).unwrap();
    ///     (w.start.to_string(), w.end.to_string())
    /// };
    /// // Due 2027-06-07: 4w0d is 252 days before it, 41w6d 13 days after (266 days).
    /// assert_eq!(window(TrackId::Maternity, "2027-06-07"), ("2026-09-28".into(), "2027-06-20".into()));
    /// // Born 2026-01-31: 生後1日目 to the 3rd birthday.
    /// assert_eq!(window(TrackId::Baby, "2026-01-31"), ("2026-01-31".into(), "2029-01-31".into()));
    /// // The day after the 3rd birthday to the 6th birthday.
    /// assert_eq!(window(TrackId::Preschool, "2026-01-31"), ("2029-02-01".into(), "2032-01-31".into()));
    /// // The day after the 6th birthday to March 31 of 高3 (小1 in April 2032).
    /// assert_eq!(window(TrackId::School, "2026-01-31"), ("2032-02-01".into(), "2044-03-31".into()));
    /// // The 年長 school year, then the 小1 school year.
    /// assert_eq!(window(TrackId::SchoolEntry, "2026-01-31"), ("2031-04-01".into(), "2032-03-31".into()));
    /// assert_eq!(window(TrackId::FirstGrade, "2026-01-31"), ("2032-04-01".into(), "2033-03-31".into()));
    /// ```
    pub fn window(self, anchor: NaiveDate) -> Option<DateRange> {
        let birthday = |n: u32| anniversary(anchor, n);
        let cohort = || school_cohort(anchor);
        let (start, end) = match self {
            TrackId::Maternity => (
                add_days(anchor, i64::from(GestationalAge::FIRST.days_since_lmp()) - 280)?,
                add_days(anchor, i64::from(GestationalAge::LAST.days_since_lmp()) - 280)?,
            ),
            TrackId::Baby => (anchor, birthday(3)?),
            TrackId::Preschool => (birthday(3)?.succ_opt()?, birthday(6)?),
            TrackId::School => {
                let last_year = cohort()?.checked_add(SchoolGrade::Ko3.years_after_cohort())?;
                (birthday(6)?.succ_opt()?, school_year_end(last_year)?)
            }
            TrackId::SchoolEntry | TrackId::FirstGrade => {
                let grade = if self == TrackId::SchoolEntry { SchoolGrade::Nencho } else { SchoolGrade::Sho1 };
                let year = cohort()?.checked_add(grade.years_after_cohort())?;
                (school_year_start(year)?, school_year_end(year)?)
            }
        };
        DateRange::new(start, end)
    }

    /// The cadence bands for an anchor, in date order; the last band ends with the window.
    pub fn cadence(self, anchor: NaiveDate) -> Option<Vec<CadenceBand>> {
        let end = self.window(anchor)?.end;
        let band = |until, max_gap_days| CadenceBand { until, max_gap_days };
        Some(match self {
            TrackId::Maternity => vec![band(end, 1)],
            TrackId::Baby => vec![
                band(add_days(anchor, 99)?, 1),
                band(anniversary(anchor, 1)?, 4),
                band(anniversary(anchor, 2)?, 8),
                band(end, 15),
            ],
            TrackId::Preschool => vec![band(end, 31)],
            TrackId::School => vec![band(end, 62)],
            TrackId::SchoolEntry | TrackId::FirstGrade => vec![band(end, 45)],
        })
    }

    /// The birthdays the track must mark with a `birthday:` message.
    pub fn required_birthdays(self) -> RangeInclusive<u8> {
        match self {
            TrackId::Baby => 1..=3,
            TrackId::Preschool => 4..=6,
            TrackId::School => 7..=17,
            #[allow(clippy::reversed_empty_ranges)] // deliberately empty: these tracks have no birthdays
            TrackId::Maternity | TrackId::SchoolEntry | TrackId::FirstGrade => 1..=0,
        }
    }

    /// Gaps in the coverage of `deliveries` (the track's delivery dates for this anchor, any order).
    ///
    /// Points are the day before the window, every delivery inside the window, and the day after the
    /// window (when the next track or the end of the service begins); each gap between consecutive
    /// points must not exceed the cadence of the band containing the later point. A daily band
    /// therefore needs a message on every one of its days.
    pub fn gaps(self, anchor: NaiveDate, deliveries: &[NaiveDate]) -> Vec<Gap> {
        let (Some(window), Some(bands)) = (self.window(anchor), self.cadence(anchor)) else {
            return Vec::new();
        };
        let mut points: Vec<NaiveDate> = deliveries.iter().copied().filter(|d| window.contains(*d)).collect();
        points.extend(window.start.pred_opt());
        points.extend(window.end.succ_opt());
        points.sort_unstable();
        points.dedup();
        points
            .windows(2)
            .filter_map(|pair| {
                let (after, before) = (pair[0], pair[1]);
                let allowed = bands.iter().find(|band| before <= band.until).or(bands.last())?.max_gap_days;
                let days = (before - after).num_days();
                (days > allowed).then_some(Gap { after, before, days, allowed })
            })
            .collect()
    }
}

impl fmt::Display for TrackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TrackId {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrackId::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            let known: Vec<_> = TrackId::ALL.iter().map(|t| t.as_str()).collect();
            RuleError(format!("unknown track `{s}`: expected one of {}", known.join(", ")))
        })
    }
}

/// The enabled add-on that takes the place of a message of `track` timed by `rule`, if any.
///
/// **An enabled add-on owns its school year** (DESIGN.md §3): where `school-entry` (年長) or
/// `first-grade` (小1) is enabled, the `school` track's messages timed by that school year
/// (`school:` rules) are neither sent nor shown, so a family does not hear 「ご入学おめでとう」
/// twice in one mail. The school track's birthday (and any other) messages stay: only a `school:`
/// rule is tied to the school year, and a `school:` rule always falls inside the year it names.
/// The generator leaves such messages out of the archive and `schedule.json`; the sender's planning
/// and [`crate::ScheduleDocument::deliveries_for`] apply the same test, so all of them agree.
///
/// ```
/// use kizuna_schedule::{owning_addon, Rule, TrackId};
/// let sho1: Rule = serde_json::from_str(r#"{"school":{"year":"小1","date":"04-06"}}"#).unwrap();
/// let birthday: Rule = serde_json::from_str(r#"{"birthday":7}"#).unwrap();
/// let enabled = [TrackId::School, TrackId::FirstGrade];
/// assert_eq!(owning_addon(TrackId::School, &sho1, &enabled), Some(TrackId::FirstGrade));
/// assert_eq!(owning_addon(TrackId::School, &birthday, &enabled), None);
/// assert_eq!(owning_addon(TrackId::School, &sho1, &[TrackId::School]), None);
/// assert_eq!(owning_addon(TrackId::FirstGrade, &sho1, &enabled), None);
/// ```
pub fn owning_addon(track: TrackId, rule: &Rule, enabled: &[TrackId]) -> Option<TrackId> {
    let Rule::School(day) = rule else { return None };
    if track != TrackId::School {
        return None;
    }
    enabled.iter().copied().find(|addon| addon.owned_school_year() == Some(day.year))
}

/// The enabled tracks a subscription with this anchor is in on `date`.
///
/// ```
/// use kizuna_schedule::{tracks_on, AnchorKind, TrackId};
/// let born = "2020-05-10".parse().unwrap();
/// let enabled = [TrackId::Baby, TrackId::Preschool, TrackId::SchoolEntry];
/// let on = tracks_on(AnchorKind::Birth, born, "2026-05-01".parse().unwrap(), &enabled);
/// assert_eq!(on, vec![TrackId::Preschool, TrackId::SchoolEntry]);
/// ```
pub fn tracks_on(kind: AnchorKind, anchor: NaiveDate, date: NaiveDate, enabled: &[TrackId]) -> Vec<TrackId> {
    let mut tracks: Vec<TrackId> = enabled
        .iter()
        .copied()
        .filter(|t| t.anchor_kind() == kind && t.window(anchor).is_some_and(|w| w.contains(date)))
        .collect();
    tracks.sort_unstable();
    tracks.dedup();
    tracks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn window(track: TrackId, anchor: &str) -> (String, String) {
        let w = track.window(d(anchor)).expect("window");
        (w.start.to_string(), w.end.to_string())
    }

    #[test]
    fn windows_follow_the_design_table() {
        assert_eq!(window(TrackId::Maternity, "2027-06-01"), ("2026-09-22".into(), "2027-06-14".into()));
        assert_eq!(window(TrackId::Baby, "2024-02-29"), ("2024-02-29".into(), "2027-02-28".into()));
        assert_eq!(window(TrackId::Preschool, "2024-02-29"), ("2027-03-01".into(), "2030-02-28".into()));
        // Born April 2 2019: 小1 in April 2026, 高3 ends March 31 2038.
        assert_eq!(window(TrackId::School, "2019-04-02"), ("2025-04-03".into(), "2038-03-31".into()));
        // Born April 1 2020: the same cohort.
        assert_eq!(window(TrackId::School, "2020-04-01"), ("2026-04-02".into(), "2038-03-31".into()));
        assert_eq!(window(TrackId::SchoolEntry, "2020-04-01"), ("2025-04-01".into(), "2026-03-31".into()));
        assert_eq!(window(TrackId::FirstGrade, "2020-04-02"), ("2027-04-01".into(), "2028-03-31".into()));
    }

    #[test]
    fn daily_cadence_needs_every_day_including_the_last() {
        let due = d("2027-06-01");
        let window = TrackId::Maternity.window(due).expect("window");
        let every_day: Vec<NaiveDate> = window.iter_days().collect();
        assert_eq!(TrackId::Maternity.gaps(due, &every_day), vec![]);
        let without_last = &every_day[..every_day.len() - 1];
        let gaps = TrackId::Maternity.gaps(due, without_last);
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].days, 2);
    }

    #[test]
    fn baby_bands_tighten_before_day_100() {
        let born = d("2026-01-01");
        let mut dates: Vec<NaiveDate> = (0..100).filter_map(|i| add_days(born, i)).collect();
        // From day 101 every 4 days until the 1st birthday, then every 8, then every 15.
        let mut next = add_days(born, 103).expect("date");
        for (until, step) in [(anniversary(born, 1), 4), (anniversary(born, 2), 8), (anniversary(born, 3), 15)] {
            let until = until.expect("date");
            while next < until {
                dates.push(next);
                next = add_days(next, step).expect("date");
            }
            dates.push(until);
            next = add_days(until, step).expect("date");
        }
        assert_eq!(TrackId::Baby.gaps(born, &dates), vec![]);
        dates.retain(|day| *day != d("2026-02-19"));
        let gaps = TrackId::Baby.gaps(born, &dates);
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].allowed, 1);
    }

    #[test]
    fn tracks_on_follows_windows_and_enabled_tracks() {
        let born = d("2020-05-10");
        let all = TrackId::ALL;
        assert_eq!(tracks_on(AnchorKind::Birth, born, d("2023-05-10"), &all), vec![TrackId::Baby]);
        assert_eq!(tracks_on(AnchorKind::Birth, born, d("2023-05-11"), &all), vec![TrackId::Preschool]);
        assert_eq!(
            tracks_on(AnchorKind::Birth, born, d("2027-01-10"), &all),
            vec![TrackId::School, TrackId::SchoolEntry]
        );
        assert_eq!(
            tracks_on(AnchorKind::Birth, born, d("2027-04-10"), &all),
            vec![TrackId::School, TrackId::FirstGrade]
        );
        assert_eq!(tracks_on(AnchorKind::Birth, born, d("2027-01-10"), &[TrackId::Baby]), vec![]);
        assert_eq!(tracks_on(AnchorKind::Due, born, d("2020-05-10"), &all), vec![TrackId::Maternity]);
    }

    #[test]
    fn an_enabled_addon_owns_its_school_year_and_nothing_else() {
        let school = |year: &str, date: &str| -> Rule {
            serde_json::from_value(serde_json::json!({ "school": { "year": year, "date": date } })).expect("rule")
        };
        let both = [TrackId::School, TrackId::SchoolEntry, TrackId::FirstGrade];
        let owner = |rule: &Rule, enabled: &[TrackId]| owning_addon(TrackId::School, rule, enabled);
        assert_eq!(owner(&school("年長", "12-01"), &both), Some(TrackId::SchoolEntry));
        assert_eq!(owner(&school("小1", "04-06"), &both), Some(TrackId::FirstGrade));
        assert_eq!(owner(&school("小1", "03-20"), &[TrackId::School, TrackId::SchoolEntry]), None);
        assert_eq!(owner(&school("年長", "12-01"), &[TrackId::School, TrackId::FirstGrade]), None);
        assert_eq!(owner(&school("小2", "04-06"), &both), None, "other school years stay");
        let birthday: Rule = serde_json::from_value(serde_json::json!({ "birthday": 7 })).expect("rule");
        let age: Rule = serde_json::from_value(serde_json::json!({ "age": "6y1m" })).expect("rule");
        assert_eq!(owner(&birthday, &both), None, "birthday messages stay");
        assert_eq!(owner(&age, &both), None, "only school-year rules are owned");
        for track in [TrackId::SchoolEntry, TrackId::FirstGrade, TrackId::Preschool] {
            assert_eq!(owning_addon(track, &school("小1", "04-06"), &both), None, "{track} is never left out");
        }
    }

    #[test]
    fn track_ids_parse_and_reject_unknown_names() {
        assert_eq!("first-grade".parse::<TrackId>(), Ok(TrackId::FirstGrade));
        let error = "toddler".parse::<TrackId>().expect_err("unknown");
        assert!(error.to_string().contains("unknown track `toddler`: expected one of maternity, baby"));
    }
}
