//! A municipality's choice of national reader surveys (issue 20): the `surveys:` block of
//! `municipality.yaml`.
//!
//! ```yaml
//! surveys:
//!   opt_out: [reader-2026]   # the national surveys this town does not run
//! # or
//! surveys:
//!   opt_out: all             # no national survey at all
//! ```
//!
//! A town runs every national survey unless it opts out; its own surveys
//! (`municipalities/<m>/surveys/<id>.yaml` with a new id) are run because it wrote them. An
//! opted-out survey gets no pages, no invitation and no entry in the town's `schedule.json`, so
//! the sender never invites its families and the API refuses an answer for it (the survey is
//! unknown there). Validation names the line of `surveys:` and suggests the nearest national id
//! for a slip (「もしかして」).

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::catalogue::{self as msg, Text};
use crate::content::{Content, MunicipalityContent};
use crate::diagnostics::Diagnostics;

/// The `surveys:` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    /// The national surveys the town does not run.
    #[serde(default)]
    pub opt_out: OptOut,
}

/// `opt_out:` — `all`, or a list of national survey ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptOut {
    /// Every national survey, present and future.
    All,
    /// These ids (the empty list runs every national survey).
    Surveys(Vec<String>),
}

impl Default for OptOut {
    fn default() -> Self {
        OptOut::Surveys(Vec::new())
    }
}

impl OptOut {
    /// Whether the national survey `id` is left out.
    pub fn excludes(&self, id: &str) -> bool {
        match self {
            OptOut::All => true,
            OptOut::Surveys(ids) => ids.iter().any(|i| i == id),
        }
    }
}

// A hand-written visitor rather than `#[serde(untagged)]`: a wrong value then says what is
// expected instead of "did not match any variant".
impl<'de> Deserialize<'de> for OptOut {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OptOutVisitor;
        impl<'de> Visitor<'de> for OptOutVisitor {
            type Value = OptOut;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`all` or a list of national survey ids, e.g. [reader-2026]")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<OptOut, E> {
                if value == "all" {
                    Ok(OptOut::All)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(value), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OptOut, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<String>()? {
                    ids.push(id);
                }
                Ok(OptOut::Surveys(ids))
            }
        }
        deserializer.deserialize_any(OptOutVisitor)
    }
}

/// The opt-out of a municipality (nothing when it has no `surveys:` block).
pub fn opt_out(municipality: &MunicipalityContent) -> OptOut {
    municipality.file.value.surveys.as_ref().map(|s| s.opt_out.clone()).unwrap_or_default()
}

/// Checks a municipality's `surveys:` block: each opted-out id names a national survey, and the
/// town writes no extra questions for a survey it does not run.
pub fn validate(content: &Content, municipality: &MunicipalityContent, diagnostics: &mut Diagnostics) {
    let file = &municipality.file;
    let line = file.lines.line_or_top("surveys");
    let opt_out = opt_out(municipality);
    if let OptOut::Surveys(ids) = &opt_out {
        let known: Vec<&str> = content.surveys.keys().map(String::as_str).collect();
        for id in ids.iter().filter(|id| !content.surveys.contains_key(*id)) {
            let text = Text::new(&msg::SURVEY_OPT_OUT_UNKNOWN)
                .arg("id", id)
                .arg("known", if known.is_empty() { "（なし）".to_owned() } else { known.join(", ") })
                .suggest(msg::nearest(id, known.iter().copied()));
            diagnostics.error(&file.path, line, text);
        }
    }
    let extras = municipality.surveys.iter().filter(|(id, _)| content.surveys.contains_key(*id));
    for (id, extra) in extras.filter(|(id, _)| opt_out.excludes(id)) {
        let text = Text::new(&msg::SURVEY_OPT_OUT_EXTRA).arg("id", id).arg("municipality", file.path.display());
        diagnostics.error(&extra.path, Some(1), text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<SurveySettings, serde_yaml::Error> {
        serde_yaml::from_str(yaml)
    }

    #[test]
    fn opt_out_is_all_or_a_list_of_ids() {
        assert_eq!(parse("opt_out: all").expect("all").opt_out, OptOut::All);
        let some = parse("opt_out: [reader-2026, other]").expect("list").opt_out;
        assert!(some.excludes("reader-2026") && some.excludes("other") && !some.excludes("reader-2027"));
        assert!(OptOut::All.excludes("anything"));
        assert!(!parse("{}").expect("default").opt_out.excludes("reader-2026"), "runs every survey by default");
        let wrong = parse("opt_out: none").expect_err("not all").to_string();
        assert!(wrong.contains("`all` or a list of national survey ids"), "{wrong}");
        assert!(parse("opt_in: all").is_err(), "unknown keys are refused");
    }
}
