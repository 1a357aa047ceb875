//! Timing rules: when a message is delivered, relative to a family's anchor date.
//!
//! Every message has exactly one [`Rule`]. A rule maps an anchor date (the due date for pregnancy
//! rules, the birth date for the others) to the delivery date ([`Rule::delivery_date`]) and, for
//! the sender, maps a delivery date back to every anchor that receives the message on it
//! ([`Rule::anchors_on`]). The two directions agree exactly; the property tests check it over
//! seventy years of dates.
//!
//! The YAML and JSON forms are single-key maps:
//!
//! | form | meaning | example: anchor → delivery |
//! | --- | --- | --- |
//! | `{ pregnancy: 12w3d }` | 妊娠12週3日, the due date being 40w0d | due 2027-06-07 → 2026-11-26 |
//! | `{ day: 100 }` | 生後100日目, the birth date being day 1 | born 2026-01-01 → 2026-04-10 |
//! | `{ age: 1y3m }` | 1歳3か月, month ends clamped | born 2026-01-31 → 2027-04-30 |
//! | `{ birthday: 3 }` | the 3rd birthday, Feb 29 → Feb 28 | born 2024-02-29 → 2027-02-28 |
//! | `{ school: { year: 小1, date: 04-06 } }` | that day of the 小1 school year | born 2019-04-02 → 2026-04-06 |
//! | `{ date: 2027-01-10 }` | that date (announcements) | any → 2027-01-10 |

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::calendar::{self, add_days, add_months_clamped, days_in_month, DateRange};

/// What a rule counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnchorKind {
    /// The due date (出産予定日), 40w0d.
    Due,
    /// The birth date, 生後1日目.
    Birth,
}

impl AnchorKind {
    /// The id used in keys and JSON: `due` or `birth`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnchorKind::Due => "due",
            AnchorKind::Birth => "birth",
        }
    }

    /// The Japanese name of the anchor.
    pub fn label(self) -> &'static str {
        match self {
            AnchorKind::Due => "出産予定日",
            AnchorKind::Birth => "誕生日",
        }
    }
}

impl FromStr for AnchorKind {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "due" => Ok(AnchorKind::Due),
            "birth" => Ok(AnchorKind::Birth),
            other => Err(RuleError(format!("unknown anchor kind `{other}`: expected `due` or `birth`"))),
        }
    }
}

/// A rule that could not be parsed; the message names the value and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub(crate) String);

/// When a message is delivered. See the module documentation for the forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RuleForm", into = "RuleForm")]
pub enum Rule {
    /// A day of pregnancy, `12w3d`: delivered on due date − 280 + 7·12 + 3 days.
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"pregnancy":"12w3d"}"#).unwrap();
    /// let due = "2027-06-07".parse().unwrap();
    /// assert_eq!(rule.delivery_date(due).unwrap().to_string(), "2026-11-26");
    /// assert_eq!(rule.label(), "妊娠12週3日");
    /// ```
    Pregnancy(GestationalAge),
    /// 生後N日目: the birth date is day 1, so `day: 100` is birth date + 99 days (お食い初め).
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"day":100}"#).unwrap();
    /// let born = "2026-01-01".parse().unwrap();
    /// assert_eq!(rule.delivery_date(born).unwrap().to_string(), "2026-04-10");
    /// assert_eq!(rule.label(), "生後100日目");
    /// ```
    Day(DayOfLife),
    /// An age in years, months and days, computed from the birth date with month ends clamped.
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"age":"1m"}"#).unwrap();
    /// let born = "2027-01-31".parse().unwrap();
    /// assert_eq!(rule.delivery_date(born).unwrap().to_string(), "2027-02-28");
    /// ```
    Age(Age),
    /// The N-th birthday; children born on Feb 29 celebrate on Feb 28 in common years.
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"birthday":3}"#).unwrap();
    /// let born = "2024-02-29".parse().unwrap();
    /// assert_eq!(rule.delivery_date(born).unwrap().to_string(), "2027-02-28");
    /// assert_eq!(rule.label(), "3歳の誕生日");
    /// ```
    Birthday(BirthdayNumber),
    /// A month-day of one Japanese school year of the child's cohort.
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"school":{"year":"小1","date":"04-06"}}"#).unwrap();
    /// // Born April 1: enters school with the previous year's April-2-onwards children.
    /// assert_eq!(rule.delivery_date("2020-04-01".parse().unwrap()).unwrap().to_string(), "2026-04-06");
    /// assert_eq!(rule.delivery_date("2020-04-02".parse().unwrap()).unwrap().to_string(), "2027-04-06");
    /// ```
    School(SchoolDay),
    /// A calendar date, for municipal announcements; the anchor does not matter.
    ///
    /// ```
    /// # use kizuna_schedule::Rule;
    /// let rule: Rule = serde_json::from_str(r#"{"date":"2027-01-10"}"#).unwrap();
    /// assert_eq!(rule.delivery_date("2000-01-01".parse().unwrap()).unwrap().to_string(), "2027-01-10");
    /// ```
    Date(CalendarDate),
}

/// The written form of a rule: a map with exactly one key. serde_yaml writes enums as YAML tags,
/// so rules go through this struct to read and write the same `{ day: 100 }` form in YAML and JSON.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Rule", description = "A timing rule: exactly one of the keys")]
struct RuleForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pregnancy: Option<GestationalAge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    day: Option<DayOfLife>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    age: Option<Age>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    birthday: Option<BirthdayNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    school: Option<SchoolDay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<CalendarDate>,
}

impl TryFrom<RuleForm> for Rule {
    type Error = RuleError;
    fn try_from(form: RuleForm) -> Result<Self, Self::Error> {
        let rules = [
            form.pregnancy.map(Rule::Pregnancy),
            form.day.map(Rule::Day),
            form.age.map(Rule::Age),
            form.birthday.map(Rule::Birthday),
            form.school.map(Rule::School),
            form.date.map(Rule::Date),
        ];
        let mut given = rules.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(rule), None) => Ok(rule),
            _ => Err(RuleError(
                "a rule needs exactly one of `pregnancy`, `day`, `age`, `birthday`, `school` or `date`".to_owned(),
            )),
        }
    }
}

impl From<Rule> for RuleForm {
    fn from(rule: Rule) -> Self {
        let mut form = RuleForm::default();
        match rule {
            Rule::Pregnancy(v) => form.pregnancy = Some(v),
            Rule::Day(v) => form.day = Some(v),
            Rule::Age(v) => form.age = Some(v),
            Rule::Birthday(v) => form.birthday = Some(v),
            Rule::School(v) => form.school = Some(v),
            Rule::Date(v) => form.date = Some(v),
        }
        form
    }
}

impl JsonSchema for Rule {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Rule")
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = RuleForm::json_schema(generator);
        schema.insert("minProperties".to_owned(), 1.into());
        schema.insert("maxProperties".to_owned(), 1.into());
        schema
    }
}

impl Rule {
    /// The anchor the rule counts from; `None` for `date:` rules.
    pub fn anchor_kind(&self) -> Option<AnchorKind> {
        match self {
            Rule::Pregnancy(_) => Some(AnchorKind::Due),
            Rule::Day(_) | Rule::Age(_) | Rule::Birthday(_) | Rule::School(_) => Some(AnchorKind::Birth),
            Rule::Date(_) => None,
        }
    }

    /// The date a family with this anchor receives the message; `None` only past chrono's range.
    pub fn delivery_date(&self, anchor: NaiveDate) -> Option<NaiveDate> {
        match *self {
            Rule::Pregnancy(age) => add_days(anchor, i64::from(age.days_since_lmp()) - 280),
            Rule::Day(day) => add_days(anchor, i64::from(day.0) - 1),
            Rule::Age(age) => add_days(add_months_clamped(anchor, age.total_months())?, i64::from(age.days)),
            Rule::Birthday(n) => calendar::anniversary(anchor, u32::from(n.0)),
            Rule::School(school) => {
                let cohort = calendar::school_cohort(anchor)?;
                school.date.in_school_year(cohort.checked_add(school.year.years_after_cohort())?)
            }
            Rule::Date(date) => Some(date.0),
        }
    }

    /// Every anchor date whose delivery date is `date`, as inclusive ranges (usually zero or one).
    pub fn anchors_on(&self, date: NaiveDate) -> Vec<DateRange> {
        let range = match *self {
            Rule::Pregnancy(age) => add_days(date, 280 - i64::from(age.days_since_lmp())).map(DateRange::single),
            Rule::Day(day) => add_days(date, 1 - i64::from(day.0)).map(DateRange::single),
            Rule::Age(age) => {
                add_days(date, -i64::from(age.days)).and_then(|target| months_preimage(target, age.total_months()))
            }
            Rule::Birthday(n) => months_preimage(date, u32::from(n.0) * 12),
            Rule::School(school) => {
                let school_year = calendar::school_year_of(date);
                let matches = school.date.month == date.month() && school.date.day == date.day();
                let cohort = school_year - school.year.years_after_cohort();
                matches
                    .then(|| {
                        let first = NaiveDate::from_ymd_opt(cohort, 4, 2)?;
                        let last = NaiveDate::from_ymd_opt(cohort.checked_add(1)?, 4, 1)?;
                        DateRange::new(first, last)
                    })
                    .flatten()
            }
            Rule::Date(day) => (day.0 == date).then(DateRange::everything),
        };
        range.into_iter().collect()
    }

    /// The label families read: 「妊娠12週3日」「生後100日目」「1歳3か月」「3歳の誕生日」「小1」.
    pub fn label(&self) -> String {
        match self {
            Rule::Pregnancy(age) => format!("妊娠{}週{}日", age.weeks, age.days),
            Rule::Day(day) => format!("生後{}日目", day.0),
            Rule::Age(age) => age.label(),
            Rule::Birthday(n) => format!("{}歳の誕生日", n.0),
            Rule::School(school) => school.year.label().to_owned(),
            Rule::Date(date) => format!("{}年{}月{}日", date.0.year(), date.0.month(), date.0.day()),
        }
    }

    /// A longer label for tables of contents and headings: 「小1・4月6日」 for school rules,
    /// 「生後232日目（7か月）」 after 生後100日目 (families count ages in months by then), else
    /// [`Rule::label`].
    pub fn long_label(&self) -> String {
        match self {
            Rule::School(school) => {
                format!("{}・{}月{}日", school.year.label(), school.date.month, school.date.day)
            }
            Rule::Day(day) if day.0 > 100 => format!("生後{}日目（{}）", day.0, day.approximate_age()),
            _ => self.label(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Pregnancy(age) => write!(f, "pregnancy: {age}"),
            Rule::Day(day) => write!(f, "day: {}", day.0),
            Rule::Age(age) => write!(f, "age: {age}"),
            Rule::Birthday(n) => write!(f, "birthday: {}", n.0),
            Rule::School(school) => write!(f, "school: {{ year: {}, date: {} }}", school.year.label(), school.date),
            Rule::Date(date) => write!(f, "date: {}", date.0),
        }
    }
}

/// Every birth date B in the month `months` before `target`'s month with `B + months = target`.
///
/// Month addition clamps to the month end, so a month-end target may have several preimages
/// (Jan 29–31 all reach Feb 28 in a common year) and some targets have none (nothing reaches Mar 30
/// from February).
fn months_preimage(target: NaiveDate, months: u32) -> Option<DateRange> {
    let month_index = target.year() * 12 + target.month0() as i32 - i32::try_from(months).ok()?;
    let (year, month) = (month_index.div_euclid(12), month_index.rem_euclid(12) as u32 + 1);
    let source_days = days_in_month(year, month)?;
    let target_days = days_in_month(target.year(), target.month())?;
    let first_day = target.day();
    if first_day > source_days {
        return None;
    }
    let last_day = if first_day == target_days { source_days } else { first_day };
    DateRange::new(NaiveDate::from_ymd_opt(year, month, first_day)?, NaiveDate::from_ymd_opt(year, month, last_day)?)
}

fn parse_number<T: FromStr>(text: &str, what: &str, value: &str) -> Result<T, RuleError> {
    text.parse().map_err(|_| RuleError(format!("`{value}` is not a valid {what}")))
}

/// Declares a newtype whose serde and JSON Schema form is a string with a pattern.
macro_rules! string_form {
    ($type:ty, $name:literal, $pattern:literal, $description:literal) => {
        impl JsonSchema for $type {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "pattern": $pattern, "description": $description })
            }
        }
        impl TryFrom<String> for $type {
            type Error = RuleError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.to_string()
            }
        }
    };
}

/// A day of pregnancy from 4w0d to 41w6d (`12w3d` = 妊娠12週3日). Naegele: the due date is 40w0d.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GestationalAge {
    weeks: u8,
    days: u8,
}

impl GestationalAge {
    /// The first day the maternity track covers.
    pub const FIRST: GestationalAge = GestationalAge { weeks: 4, days: 0 };
    /// The last day the maternity track covers.
    pub const LAST: GestationalAge = GestationalAge { weeks: 41, days: 6 };

    /// A gestational age, checked against 4w0d…41w6d.
    pub fn new(weeks: u8, days: u8) -> Result<Self, RuleError> {
        let age = GestationalAge { weeks, days };
        if days > 6 {
            return Err(RuleError(format!("`{weeks}w{days}d`: days run from 0 to 6 (7 days make a week)")));
        }
        if age < Self::FIRST || age > Self::LAST {
            return Err(RuleError(format!("`{age}` is out of range: pregnancy rules run from 4w0d to 41w6d")));
        }
        Ok(age)
    }

    /// Completed weeks.
    pub fn weeks(self) -> u8 {
        self.weeks
    }

    /// Days past the completed weeks (0–6).
    pub fn days(self) -> u8 {
        self.days
    }

    /// Days since the last menstrual period (0w0d = 0; the due date is 280).
    pub fn days_since_lmp(self) -> u16 {
        u16::from(self.weeks) * 7 + u16::from(self.days)
    }

    /// The file stem conventionally used for this day: `04w0d`, `12w3d`.
    pub fn stem(self) -> String {
        format!("{:02}w{}d", self.weeks, self.days)
    }
}

impl fmt::Display for GestationalAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}w{}d", self.weeks, self.days)
    }
}

impl FromStr for GestationalAge {
    type Err = RuleError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let shape = || RuleError(format!("`{value}` is not a pregnancy day: write weeks and days like `12w3d`"));
        let (weeks, rest) = value.split_once('w').ok_or_else(shape)?;
        let days = rest.strip_suffix('d').ok_or_else(shape)?;
        if weeks.is_empty() || days.is_empty() || !weeks.bytes().chain(days.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        let weeks: u8 = parse_number(weeks, "number of weeks", value)?;
        let days: u8 = parse_number(days, "number of days", value)?;
        GestationalAge::new(weeks, days)
    }
}

string_form!(GestationalAge, "GestationalAge", "^[0-9]{1,2}w[0-6]d$", "妊娠N週M日, 4w0d to 41w6d");

/// 生後N日目, from 1 (the birth date) to [`DayOfLife::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "u32", into = "u32")]
pub struct DayOfLife(#[schemars(range(min = 1, max = 7000))] u16);

impl DayOfLife {
    /// The largest day number: past the end of 高3 for every child.
    pub const MAX: u16 = 7000;

    /// The day number (1 = the birth date).
    pub fn get(self) -> u16 {
        self.0
    }

    /// The completed months of age on this day, counted as N × 12 / 365.25: the same as the
    /// calendar count for every birth date except within a day of a month boundary, which is
    /// precise enough for a 「（7か月）」 beside the exact day. Counting N (not the N − 1 days of
    /// age) makes the first birthday, 生後366日目 in a common year, read 「1歳」.
    pub fn approximate_months(self) -> u32 {
        // × 100 keeps it in integers.
        u32::from(self.0) * 1200 / 36_525
    }

    /// 「7か月」 or 「1歳3か月」: [`DayOfLife::approximate_months`] as families say an age.
    pub fn approximate_age(self) -> String {
        match self.approximate_months() {
            months if months < 12 => format!("{months}か月"),
            months if months % 12 == 0 => format!("{}歳", months / 12),
            months => format!("{}歳{}か月", months / 12, months % 12),
        }
    }
}

impl TryFrom<u32> for DayOfLife {
    type Error = RuleError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match u16::try_from(value) {
            Ok(day @ 1..=Self::MAX) => Ok(DayOfLife(day)),
            _ => Err(RuleError(format!(
                "`day: {value}` is out of range: 生後N日目 runs from 1 (the birth date) to {}",
                Self::MAX
            ))),
        }
    }
}

impl From<DayOfLife> for u32 {
    fn from(value: DayOfLife) -> u32 {
        u32::from(value.0)
    }
}

/// An age such as `1y3m`, `2y`, `5m` or `1y0m10d`: whole months from the birth date, then days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Age {
    years: u8,
    months: u8,
    days: u8,
}

impl Age {
    /// Total whole months (years × 12 + months).
    pub fn total_months(self) -> u32 {
        u32::from(self.years) * 12 + u32::from(self.months)
    }

    /// Years, months and days as written.
    pub fn parts(self) -> (u8, u8, u8) {
        (self.years, self.months, self.days)
    }

    fn label(self) -> String {
        let mut label = if self.years > 0 { format!("{}歳", self.years) } else { "生後".to_owned() };
        if self.years == 0 || self.months > 0 || self.days > 0 {
            label.push_str(&format!("{}か月", self.months));
        }
        if self.days > 0 {
            label.push_str(&format!("{}日", self.days));
        }
        label
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.years > 0 {
            write!(f, "{}y", self.years)?;
        }
        if self.months > 0 || (self.years > 0 && self.days > 0) {
            write!(f, "{}m", self.months)?;
        }
        if self.days > 0 {
            write!(f, "{}d", self.days)?;
        }
        Ok(())
    }
}

impl FromStr for Age {
    type Err = RuleError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let shape = || {
            RuleError(format!(
                "`{value}` is not an age: write years, months and days like `1y3m`, `2y`, `5m` or `1y0m10d`"
            ))
        };
        let mut parts = [None::<u8>; 3];
        let mut rest = value;
        let mut next_slot = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let unit = rest.as_bytes().get(digits).copied().ok_or_else(shape)?;
            let slot = match unit {
                b'y' => 0,
                b'm' => 1,
                b'd' => 2,
                _ => return Err(shape()),
            };
            if digits == 0 || slot < next_slot {
                return Err(shape());
            }
            parts[slot] = Some(parse_number(&rest[..digits], "age", value)?);
            next_slot = slot + 1;
            rest = &rest[digits + 1..];
        }
        let [years, months, days] = parts.map(Option::unwrap_or_default);
        if parts == [None; 3] {
            return Err(shape());
        }
        if years > 18 {
            return Err(RuleError(format!("`{value}`: years run from 0 to 18")));
        }
        if months > 11 {
            return Err(RuleError(format!("`{value}`: months run from 0 to 11 (write 12 months as `1y`)")));
        }
        if days > 30 {
            return Err(RuleError(format!("`{value}`: days run from 0 to 30")));
        }
        if years == 0 && months == 0 {
            return Err(RuleError(format!("`{value}`: an age needs years or months; use `day:` for the first month")));
        }
        Ok(Age { years, months, days })
    }
}

string_form!(Age, "Age", "^([0-9]+y)?([0-9]+m)?([0-9]+d)?$", "an age: years (0-18), months (0-11), days (0-30)");

/// The N-th birthday, 1 to 18.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "u32", into = "u32")]
pub struct BirthdayNumber(#[schemars(range(min = 1, max = 18))] u8);

impl BirthdayNumber {
    /// Which birthday.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u32> for BirthdayNumber {
    type Error = RuleError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match u8::try_from(value) {
            Ok(n @ 1..=18) => Ok(BirthdayNumber(n)),
            _ => Err(RuleError(format!("`birthday: {value}` is out of range: birthdays run from 1 to 18"))),
        }
    }
}

impl From<BirthdayNumber> for u32 {
    fn from(value: BirthdayNumber) -> u32 {
        u32::from(value.0)
    }
}

/// A month-day of one Japanese school year: `{ year: 小1, date: 04-06 }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolDay {
    /// The school year of the child's cohort.
    pub year: SchoolGrade,
    /// The month and day within that school year (April 1 – March 31).
    pub date: MonthDay,
}

/// The Japanese school grades, from the first kindergarten year to the last high-school year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum SchoolGrade {
    /// 年少 (3-year-old class)
    #[serde(rename = "年少")]
    Nensho,
    /// 年中
    #[serde(rename = "年中")]
    Nenchu,
    /// 年長
    #[serde(rename = "年長")]
    Nencho,
    /// 小1
    #[serde(rename = "小1")]
    Sho1,
    /// 小2
    #[serde(rename = "小2")]
    Sho2,
    /// 小3
    #[serde(rename = "小3")]
    Sho3,
    /// 小4
    #[serde(rename = "小4")]
    Sho4,
    /// 小5
    #[serde(rename = "小5")]
    Sho5,
    /// 小6
    #[serde(rename = "小6")]
    Sho6,
    /// 中1
    #[serde(rename = "中1")]
    Chu1,
    /// 中2
    #[serde(rename = "中2")]
    Chu2,
    /// 中3
    #[serde(rename = "中3")]
    Chu3,
    /// 高1
    #[serde(rename = "高1")]
    Ko1,
    /// 高2
    #[serde(rename = "高2")]
    Ko2,
    /// 高3
    #[serde(rename = "高3")]
    Ko3,
}

impl SchoolGrade {
    /// Every grade in order.
    pub const ALL: [SchoolGrade; 15] = [
        SchoolGrade::Nensho,
        SchoolGrade::Nenchu,
        SchoolGrade::Nencho,
        SchoolGrade::Sho1,
        SchoolGrade::Sho2,
        SchoolGrade::Sho3,
        SchoolGrade::Sho4,
        SchoolGrade::Sho5,
        SchoolGrade::Sho6,
        SchoolGrade::Chu1,
        SchoolGrade::Chu2,
        SchoolGrade::Chu3,
        SchoolGrade::Ko1,
        SchoolGrade::Ko2,
        SchoolGrade::Ko3,
    ];

    /// School years between the cohort year and this grade's year: 年少 is 4, 小1 is 7, 高3 is 18.
    pub fn years_after_cohort(self) -> i32 {
        4 + self as i32
    }

    /// The grade's name: 「小1」.
    pub fn label(self) -> &'static str {
        const LABELS: [&str; 15] = [
            "年少", "年中", "年長", "小1", "小2", "小3", "小4", "小5", "小6", "中1", "中2", "中3", "高1", "高2", "高3",
        ];
        LABELS[self as usize]
    }
}

/// A month and day, `MM-DD`, that exists in every year (so not `02-29`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// The month (1–12).
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u32 {
        self.day
    }

    /// This month-day in a school year: April–December in its first calendar year, January–March in the next.
    pub fn in_school_year(self, school_year: i32) -> Option<NaiveDate> {
        let year = if self.month >= 4 { school_year } else { school_year.checked_add(1)? };
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl FromStr for MonthDay {
    type Err = RuleError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let shape = || RuleError(format!("`{value}` is not a month-day: write it as MM-DD, like `04-06`"));
        let (month, day) = value.split_once('-').ok_or_else(shape)?;
        if month.len() != 2 || day.len() != 2 {
            return Err(shape());
        }
        let month: u32 = parse_number(month, "month", value)?;
        let day: u32 = parse_number(day, "day", value)?;
        if (month, day) == (2, 29) {
            return Err(RuleError(format!(
                "`{value}`: February 29 does not exist in every school year; use 02-28 or 03-01"
            )));
        }
        // 2028 is a leap year, so this accepts every real month-day except Feb 29 (refused above).
        NaiveDate::from_ymd_opt(2028, month, day)
            .map(|_| MonthDay { month, day })
            .ok_or_else(|| RuleError(format!("`{value}` is not a date: months run 01–12 and days to the month's end")))
    }
}

string_form!(MonthDay, "MonthDay", "^[0-9]{2}-[0-9]{2}$", "month-day MM-DD within a school year");

/// A calendar date `YYYY-MM-DD` whose parse errors name the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CalendarDate(pub NaiveDate);

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CalendarDate {
    type Err = RuleError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let well_formed = value.len() == 10
            && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !well_formed {
            return Err(RuleError(format!("`{value}` is not a date: write it as YYYY-MM-DD")));
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(CalendarDate)
            .map_err(|_| RuleError(format!("`{value}` is not a calendar date (that day does not exist)")))
    }
}

string_form!(CalendarDate, "CalendarDate", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "a calendar date YYYY-MM-DD");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn rule(yaml: &str) -> Rule {
        serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
    }

    fn rule_error(yaml: &str) -> String {
        match serde_yaml::from_str::<Rule>(yaml) {
            Ok(rule) => panic!("{yaml} parsed as {rule:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn yaml_forms_round_trip() {
        for (yaml, json) in [
            ("{ pregnancy: 12w3d }", r#"{"pregnancy":"12w3d"}"#),
            ("{ day: 100 }", r#"{"day":100}"#),
            ("{ age: 1y3m }", r#"{"age":"1y3m"}"#),
            ("{ age: 2y }", r#"{"age":"2y"}"#),
            ("{ age: 5m }", r#"{"age":"5m"}"#),
            ("{ age: 1y0m10d }", r#"{"age":"1y0m10d"}"#),
            ("{ birthday: 3 }", r#"{"birthday":3}"#),
            ("{ school: { year: 小1, date: 04-06 } }", r#"{"school":{"year":"小1","date":"04-06"}}"#),
            ("{ date: 2027-01-10 }", r#"{"date":"2027-01-10"}"#),
        ] {
            let parsed = rule(yaml);
            assert_eq!(serde_json::to_string(&parsed).expect("serializes"), json);
            assert_eq!(serde_json::from_str::<Rule>(json).expect("parses"), parsed);
        }
    }

    #[test]
    fn malformed_and_out_of_range_rules_name_the_value_and_the_range() {
        for (yaml, expected) in [
            ("{ pregnancy: 42w0d }", "`42w0d` is out of range: pregnancy rules run from 4w0d to 41w6d"),
            ("{ pregnancy: 3w6d }", "pregnancy rules run from 4w0d to 41w6d"),
            ("{ pregnancy: 3w7d }", "`3w7d`: days run from 0 to 6"),
            ("{ pregnancy: twelve }", "`twelve` is not a pregnancy day"),
            ("{ day: 0 }", "`day: 0` is out of range: 生後N日目 runs from 1 (the birth date) to 7000"),
            ("{ day: 7001 }", "runs from 1 (the birth date) to 7000"),
            ("{ age: 1y12m }", "`1y12m`: months run from 0 to 11"),
            ("{ age: 3m1y }", "`3m1y` is not an age"),
            ("{ age: 10d }", "an age needs years or months"),
            ("{ birthday: 19 }", "birthdays run from 1 to 18"),
            ("{ school: { year: 小7, date: 04-06 } }", "unknown variant `小7`"),
            ("{ school: { year: 小1, date: 02-29 } }", "February 29 does not exist in every school year"),
            ("{ school: { year: 小1, date: 13-01 } }", "`13-01` is not a date"),
            ("{ date: 2027-02-30 }", "`2027-02-30` is not a calendar date"),
            ("{ date: 2027/01/10 }", "`2027/01/10` is not a date: write it as YYYY-MM-DD"),
            ("{ weekly: 3 }", "unknown field `weekly`"),
            ("{ day: 3, birthday: 1 }", "a rule needs exactly one of"),
        ] {
            let message = rule_error(yaml);
            assert!(message.contains(expected), "{yaml}: {message}");
        }
    }

    #[test]
    fn pregnancy_rule_counts_from_the_due_date_as_40w0d() {
        let due = d("2027-06-01");
        assert_eq!(rule("{ pregnancy: 40w0d }").delivery_date(due), Some(due));
        assert_eq!(rule("{ pregnancy: 4w0d }").delivery_date(due), Some(d("2026-09-22")));
        assert_eq!(rule("{ pregnancy: 41w6d }").delivery_date(due), Some(d("2027-06-14")));
        // A due date early in January puts early weeks in the previous year.
        assert_eq!(rule("{ pregnancy: 39w0d }").delivery_date(d("2027-01-03")), Some(d("2026-12-27")));
        assert_eq!(rule("{ pregnancy: 4w0d }").label(), "妊娠4週0日");
        assert_eq!(rule("{ pregnancy: 41w6d }").label(), "妊娠41週6日");
    }

    #[test]
    fn day_100_is_the_birth_date_plus_99() {
        let born = d("2026-01-01");
        assert_eq!(rule("{ day: 1 }").delivery_date(born), Some(born));
        assert_eq!(rule("{ day: 14 }").delivery_date(born), Some(d("2026-01-14")));
        assert_eq!(rule("{ day: 100 }").delivery_date(born), Some(d("2026-04-10")));
        assert_eq!(rule("{ day: 100 }").label(), "生後100日目");
        assert_eq!(rule("{ day: 100 }").long_label(), "生後100日目");
    }

    #[test]
    fn days_after_100_are_labelled_with_the_age_in_months_too() {
        assert_eq!(rule("{ day: 232 }").long_label(), "生後232日目（7か月）");
        assert_eq!(rule("{ day: 232 }").label(), "生後232日目");
        assert_eq!(rule("{ day: 101 }").long_label(), "生後101日目（3か月）");
        assert_eq!(rule("{ day: 366 }").long_label(), "生後366日目（1歳）");
        assert_eq!(rule("{ day: 1000 }").long_label(), "生後1000日目（2歳8か月）");
        // Away from month boundaries the count is what every birth date gives.
        let born = d("2026-01-31");
        for (day, months) in [(232_u16, 7), (680, 22), (1000, 32)] {
            let date = Rule::Day(DayOfLife(day)).delivery_date(born).expect("date");
            let exact =
                (0..=40).rev().find(|m| crate::calendar::add_months_clamped(born, *m).is_some_and(|x| x <= date));
            assert_eq!(exact, Some(months), "day {day}");
            assert_eq!(DayOfLife(day).approximate_months(), months, "day {day}");
        }
    }

    #[test]
    fn january_31_plus_one_month_is_the_end_of_february() {
        assert_eq!(rule("{ age: 1m }").delivery_date(d("2027-01-31")), Some(d("2027-02-28")));
        assert_eq!(rule("{ age: 1m }").delivery_date(d("2028-01-31")), Some(d("2028-02-29")));
        assert_eq!(rule("{ age: 2m }").delivery_date(d("2027-01-31")), Some(d("2027-03-31")));
        assert_eq!(rule("{ age: 1y1m }").delivery_date(d("2027-01-31")), Some(d("2028-02-29")));
        // Jan 29, 30 and 31 all reach Feb 28 in a common year: the inverse is a range.
        assert_eq!(
            rule("{ age: 1m }").anchors_on(d("2027-02-28")),
            vec![DateRange::new(d("2027-01-28"), d("2027-01-31")).expect("ordered")]
        );
        // Nothing born in February reaches March 30 one month later.
        assert_eq!(rule("{ age: 1m }").anchors_on(d("2027-03-30")), vec![]);
        assert_eq!(rule("{ age: 1y0m10d }").delivery_date(d("2027-01-31")), Some(d("2028-02-10")));
        assert_eq!(rule("{ age: 1y3m }").label(), "1歳3か月");
        assert_eq!(rule("{ age: 2y }").label(), "2歳");
        assert_eq!(rule("{ age: 5m }").label(), "生後5か月");
    }

    #[test]
    fn february_29_birthdays_fall_on_february_28_in_common_years() {
        let born = d("2024-02-29");
        assert_eq!(rule("{ birthday: 1 }").delivery_date(born), Some(d("2025-02-28")));
        assert_eq!(rule("{ birthday: 4 }").delivery_date(born), Some(d("2028-02-29")));
        assert_eq!(rule("{ age: 1y }").delivery_date(born), Some(d("2025-02-28")));
        assert_eq!(rule("{ age: 1y6m }").delivery_date(born), Some(d("2025-08-29")));
        assert_eq!(
            rule("{ birthday: 1 }").anchors_on(d("2025-02-28")),
            vec![DateRange::new(d("2024-02-28"), d("2024-02-29")).expect("ordered")]
        );
        assert_eq!(rule("{ birthday: 3 }").label(), "3歳の誕生日");
    }

    #[test]
    fn children_born_april_first_start_school_a_year_before_those_born_april_second() {
        let entrance = rule("{ school: { year: 小1, date: 04-06 } }");
        assert_eq!(entrance.delivery_date(d("2019-04-02")), Some(d("2026-04-06")));
        assert_eq!(entrance.delivery_date(d("2020-04-01")), Some(d("2026-04-06")));
        assert_eq!(entrance.delivery_date(d("2020-04-02")), Some(d("2027-04-06")));
        assert_eq!(
            entrance.anchors_on(d("2026-04-06")),
            vec![DateRange::new(d("2019-04-02"), d("2020-04-01")).expect("ordered")]
        );
        // February of 小1 is in the calendar year after its April.
        let february = rule("{ school: { year: 小1, date: 02-01 } }");
        assert_eq!(february.delivery_date(d("2019-04-02")), Some(d("2027-02-01")));
        assert_eq!(
            rule("{ school: { year: 高3, date: 03-01 } }").delivery_date(d("2019-04-02")),
            Some(d("2038-03-01"))
        );
        assert_eq!(entrance.label(), "小1");
        assert_eq!(entrance.long_label(), "小1・4月6日");
    }

    #[test]
    fn date_rules_ignore_the_anchor() {
        let announcement = rule("{ date: 2027-01-10 }");
        assert_eq!(announcement.delivery_date(d("1990-01-01")), Some(d("2027-01-10")));
        assert_eq!(announcement.anchors_on(d("2027-01-10")), vec![DateRange::everything()]);
        assert_eq!(announcement.anchors_on(d("2027-01-11")), vec![]);
        assert_eq!(announcement.anchor_kind(), None);
        assert_eq!(announcement.label(), "2027年1月10日");
    }
}
