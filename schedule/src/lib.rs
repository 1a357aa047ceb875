//! # kizuna-schedule — the timing contract
//!
//! Everything Kizuna's generator and sender must agree on, and nothing else:
//!
//! - [`rule`]: the timing rules (`pregnancy`, `day`, `age`, `birthday`, `school`, `date`), mapping an
//!   anchor date to a delivery date and back;
//! - [`track`]: the tracks, their windows and cadences, and which tracks a subscription is in;
//! - [`calendar`]: Japan dates (JST "today"), month arithmetic, school years, date ranges;
//! - [`delivery_time`]: a municipality's delivery time of day, parsed once for generator and sender;
//! - [`document`]: the `schedule.json` types the generator writes and the sender reads;
//! - [`line`]: the LINE channel's settings, payload files, markers, chat words and limits;
//! - [`survey`]: reader surveys — who is invited when, the answer form, stage buckets;
//! - [`forms`]: the subscription forms' field names, accepted values and labels (pages and API);
//! - [`channel`]: the delivery channels (mail, LINE); [`html`]: HTML escaping for the sender and reports;
//! - [`markers`]: the mail-shell and subscribe-page markers and page slugs the sender fills;
//! - [`municipality_id`]: the one rule for a municipality id (folder name, URL segment, key).
//!
//! It has no I/O and no knowledge of YAML content, templates or AWS.

pub mod calendar;
pub mod channel;
pub mod delivery_time;
pub mod document;
pub mod forms;
pub mod html;
pub mod line;
pub mod markers;
pub mod municipality_id;
pub mod rule;
pub mod survey;
pub mod track;

pub use calendar::{japan_date, japan_today, merge_ranges, DateRange};
pub use channel::Channel;
pub use delivery_time::{DeliveryTime, DeliveryTimeError};
pub use document::*;
pub use markers::{MailMarker, PageMarker, SubscribePage, MAIL_MARKERS};
pub use municipality_id::{MunicipalityId, MunicipalityIdError};
pub use rule::{
    Age, AnchorKind, BirthdayNumber, CalendarDate, DayOfLife, GestationalAge, MonthDay, Rule, RuleError, SchoolDay,
    SchoolGrade,
};
pub use track::{owning_addon, tracks_on, CadenceBand, Gap, TrackId};
