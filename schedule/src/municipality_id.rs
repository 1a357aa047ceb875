//! A municipality id (`hikari`, `minato-ku`): the one rule the generator (content folders and
//! stems), the sender's API, its published-site reader and the subscriber import apply — lower-case
//! ASCII letters, digits and `-`, starting with a letter or digit, at most 64 bytes. It names
//! folders, S3 prefixes and key parts, so nothing else may pass.

use std::fmt;
use std::str::FromStr;

/// Why a text is not a municipality id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityIdError {
    /// Nothing at all.
    #[error("the municipality id is empty")]
    Empty,
    /// Longer than [`MunicipalityId::MAX_LEN`].
    #[error("the municipality id is longer than 64 characters")]
    TooLong,
    /// A character other than `a`–`z`, `0`–`9` and `-`, or a leading `-`.
    #[error("`{0}` is not a municipality id (lower-case letters, digits and `-`, not starting with `-`)")]
    Shape(String),
}

/// A checked municipality id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MunicipalityId(String);

impl MunicipalityId {
    /// The longest id accepted, in bytes (all characters are ASCII).
    pub const MAX_LEN: usize = 64;

    /// Parses an id.
    ///
    /// ```
    /// use kizuna_schedule::MunicipalityId;
    /// assert_eq!(MunicipalityId::parse("minato-ku").unwrap().as_str(), "minato-ku");
    /// assert!(MunicipalityId::parse("Hikari").is_err());
    /// assert!(MunicipalityId::parse("-x").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, MunicipalityIdError> {
        if text.is_empty() {
            return Err(MunicipalityIdError::Empty);
        }
        if text.len() > Self::MAX_LEN {
            return Err(MunicipalityIdError::TooLong);
        }
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if text.starts_with('-') || !text.bytes().all(allowed) {
            return Err(MunicipalityIdError::Shape(text.to_owned()));
        }
        Ok(MunicipalityId(text.to_owned()))
    }

    /// Whether a text is a municipality id.
    pub fn is_valid(text: &str) -> bool {
        Self::parse(text).is_ok()
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl FromStr for MunicipalityId {
    type Err = MunicipalityIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MunicipalityId::parse(text)
    }
}

impl fmt::Display for MunicipalityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MunicipalityId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_rule() {
        for good in ["hikari", "minato-ku", "a", "13101", "x-1-y", &"a".repeat(64)] {
            assert!(MunicipalityId::is_valid(good), "{good}");
        }
        assert_eq!(MunicipalityId::parse(""), Err(MunicipalityIdError::Empty));
        assert_eq!(MunicipalityId::parse(&"a".repeat(65)), Err(MunicipalityIdError::TooLong));
        for bad in ["Hikari", "-hikari", "hi kari", "ひかり", "hi_kari", "../x", "a/b", "a.b"] {
            assert!(matches!(MunicipalityId::parse(bad), Err(MunicipalityIdError::Shape(_))), "{bad}");
        }
    }
}
