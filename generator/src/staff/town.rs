//! One town as the staff commands see it: its content, its folder and the manuscripts it sends.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::signoff::{self, Manuscript};
use crate::build::{self, BuildOptions};
use crate::content::{Content, MunicipalityContent};
use crate::diagnostics::Diagnostics;
use crate::resolve;

/// A loaded, validated town.
#[derive(Debug)]
pub struct Town {
    /// All content.
    pub content: Content,
    /// The town's folder, loaded.
    pub municipality: MunicipalityContent,
    /// `content/municipalities/<id>/`.
    pub dir: PathBuf,
    /// Every manuscript it sends (judged on `today`), in delivery order.
    pub manuscripts: Vec<Manuscript>,
}

/// Loads and validates the content, then the town `id`; `Err` carries every problem found.
pub fn load(options: &BuildOptions, id: &str) -> Result<Town, Diagnostics> {
    let prepared = build::prepare(options)?;
    let mut diagnostics = Diagnostics::default();
    let Some(municipality) = prepared.content.load_municipality(id, &mut diagnostics) else {
        return Err(diagnostics);
    };
    let manuscripts = manuscripts_on(&prepared.content, &municipality, options.build_date);
    let dir = prepared.content.root.join("municipalities").join(id);
    Ok(Town { content: prepared.content, municipality, dir, manuscripts })
}

/// The manuscripts a town sends, judged on `date`.
pub fn manuscripts_on(content: &Content, municipality: &MunicipalityContent, date: NaiveDate) -> Vec<Manuscript> {
    signoff::manuscripts(&resolve::resolve(content, municipality, date, None))
}
