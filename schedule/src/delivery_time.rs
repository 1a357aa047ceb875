//! A municipality's delivery time: the Japan time of day after which the day's messages go out.
//!
//! Written `HH:MM` in `municipality.yaml` and `schedule.json`; parsed once here, so the generator
//! (which refuses a bad value with file:line) and the sender (which must never guess one) apply the
//! same rule. Runs are hourly, so only whole and half hours are accepted: `06:30` is sent by the
//! first run after 06:30 (07:00), which is what staff expect from "after 06:30"; `06:17` would
//! promise a precision the service does not have.

use chrono::{NaiveTime, Timelike};

/// Why a delivery time was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryTimeError {
    /// Not `HH:MM` with two digits each (e.g. `7:00`, `07:00:00`, `午前7時`).
    #[error("`{0}` is not a time HH:MM (e.g. \"07:00\")")]
    Shape(String),
    /// `HH:MM`, but not a time of day (`24:00`, `07:60`).
    #[error("`{0}` is not a time of day (00:00–23:59)")]
    Range(String),
    /// A time of day that is not on the hour or half hour.
    #[error("`{0}` is not on the hour or half hour (runs are hourly: write e.g. \"07:00\" or \"07:30\")")]
    Minute(String),
}

/// A delivery time of day in Japan, on the hour or half hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryTime(NaiveTime);

impl DeliveryTime {
    /// Parses `HH:MM`.
    ///
    /// ```
    /// use kizuna_schedule::DeliveryTime;
    /// assert_eq!(DeliveryTime::parse("06:30").unwrap().to_string(), "06:30");
    /// assert!(DeliveryTime::parse("6:30").is_err());
    /// assert!(DeliveryTime::parse("06:17").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, DeliveryTimeError> {
        let shape = text.len() == 5
            && text.bytes().enumerate().all(|(i, b)| if i == 2 { b == b':' } else { b.is_ascii_digit() });
        if !shape {
            return Err(DeliveryTimeError::Shape(text.to_owned()));
        }
        let time = NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| DeliveryTimeError::Range(text.to_owned()))?;
        if time.minute() % 30 != 0 {
            return Err(DeliveryTimeError::Minute(text.to_owned()));
        }
        Ok(DeliveryTime(time))
    }

    /// The time of day.
    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl std::fmt::Display for DeliveryTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl std::str::FromStr for DeliveryTime {
    type Err = DeliveryTimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DeliveryTime::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_and_half_hours_written_hh_mm_are_delivery_times() {
        for good in ["00:00", "06:30", "07:00", "23:30"] {
            assert_eq!(DeliveryTime::parse(good).map(|t| t.to_string()).as_deref(), Ok(good));
        }
        assert_eq!(DeliveryTime::parse("7:00"), Err(DeliveryTimeError::Shape("7:00".into())));
        assert_eq!(DeliveryTime::parse("07:00:00"), Err(DeliveryTimeError::Shape("07:00:00".into())));
        assert_eq!(DeliveryTime::parse("０７:００"), Err(DeliveryTimeError::Shape("０７:００".into())));
        assert_eq!(DeliveryTime::parse("24:00"), Err(DeliveryTimeError::Range("24:00".into())));
        assert_eq!(DeliveryTime::parse("07:60"), Err(DeliveryTimeError::Range("07:60".into())));
        // The old check (`minute 0 or 30 or second 0`) accepted these: seconds are always 0 in HH:MM.
        assert_eq!(DeliveryTime::parse("07:15"), Err(DeliveryTimeError::Minute("07:15".into())));
        assert_eq!(DeliveryTime::parse("06:59"), Err(DeliveryTimeError::Minute("06:59".into())));
    }
}
