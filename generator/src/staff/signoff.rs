//! 原稿確認: the manuscripts a town sends, the hash of each exact text, and the sign-off recorded
//! per municipality in `content/municipalities/<id>/signoff.yaml` (message id → hash, who, when).
//!
//! A sign-off binds to the hash of the text as the town sends it (placeholders filled), so any
//! change of a base message, an override or a local item invalidates it; a production build asks
//! for a current sign-off of every manuscript of the tracks the town uses, and of nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kizuna_schedule::CalendarDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::timing::{self, Timing};
use crate::catalogue::{self as msg, Text};
use crate::resolve::{Edition, Placement};

/// The sign-off file's name inside a municipality folder.
pub const SIGNOFF_FILE: &str = "signoff.yaml";

/// One manuscript the town sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manuscript {
    /// `maternity/08w0d` or `local/kenshin-3sai`.
    pub id: String,
    /// いつ届くか, in words.
    pub when: String,
    /// The title as sent.
    pub title: String,
    /// Hash of the exact text as sent.
    pub hash: String,
    /// The town's own text (a local item or an override).
    pub own: bool,
}

/// One recorded sign-off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signoff {
    /// The hash of the text signed off.
    pub hash: String,
    /// Who signed off (確認者).
    pub by: String,
    /// When (確認日).
    pub date: CalendarDate,
}

/// `signoff.yaml`: message id → sign-off.
pub type Signoffs = BTreeMap<String, Signoff>;

/// Why the sign-off file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignoffError {
    /// It could not be read.
    #[error("{path}: 読み込めません: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// It is not valid YAML of the expected form.
    #[error("{path}: 形式が正しくありません（{message}）。kizuna local import で書き直してください")]
    Parse {
        /// The file.
        path: PathBuf,
        /// serde_yaml's message.
        message: String,
    },
}

/// The hash of a text as sent: SHA-256 over its parts, 16 hex digits (enough to tell versions apart).
pub fn text_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Every manuscript of an edition: the messages of its tracks in delivery order, each followed by
/// the local sections it carries, and the local items of their own in their place.
pub fn manuscripts(edition: &Edition) -> Vec<Manuscript> {
    let mut list = Vec::new();
    for message in &edition.messages {
        list.push(Manuscript {
            id: message.id.clone(),
            when: message.rule.long_label(),
            title: message.title.clone(),
            hash: text_hash(&[&message.title, &message.body, message.to_partner.as_deref().unwrap_or_default()]),
            own: message.overridden,
        });
        for &section in &message.sections {
            let item = &edition.local[section];
            let when = timing::words(&Timing::AttachTo(message.id.clone()), Some(&message.title));
            list.push(local_manuscript(item, when, &message.id));
        }
    }
    for item in &edition.local {
        if let Placement::Own { rule, .. } = &item.placement {
            list.push(local_manuscript(item, timing::words(&Timing::When(*rule), None), &rule.to_string()));
        }
    }
    list
}

fn local_manuscript(item: &crate::resolve::LocalItem, when: String, place: &str) -> Manuscript {
    Manuscript {
        id: item.id.clone(),
        when,
        title: item.title.clone(),
        hash: text_hash(&[&item.title, &item.body, place]),
        own: true,
    }
}

/// The sign-off file of a municipality folder.
pub fn signoff_path(municipality_dir: &Path) -> PathBuf {
    municipality_dir.join(SIGNOFF_FILE)
}

/// Reads `signoff.yaml`; a missing file is no sign-off at all.
pub fn read(path: &Path) -> Result<Signoffs, SignoffError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Signoffs::new()),
        Err(source) => return Err(SignoffError::Read { path: path.to_path_buf(), source }),
    };
    if text.trim().is_empty() {
        return Ok(Signoffs::new());
    }
    serde_yaml::from_str(&text)
        .map_err(|error| SignoffError::Parse { path: path.to_path_buf(), message: error.to_string() })
}

/// The text of `signoff.yaml`.
pub fn render(signoffs: &Signoffs) -> String {
    let mut text = String::from("# 原稿確認の記録（kizuna local import が書きます。手で編集しないでください）\n");
    for (id, signoff) in signoffs {
        text.push_str(&format!(
            "{id}: {{ hash: \"{}\", by: {}, date: {} }}\n",
            signoff.hash,
            super::yaml::flow_scalar(&signoff.by),
            signoff.date
        ));
    }
    text
}

/// What a production build still needs: manuscripts without a sign-off of their current text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Missing {
    /// Never signed off.
    pub unsigned: Vec<String>,
    /// Signed off, but the text changed since.
    pub changed: Vec<String>,
}

impl Missing {
    /// Whether everything is signed off.
    pub fn is_empty(&self) -> bool {
        self.unsigned.is_empty() && self.changed.is_empty()
    }
}

/// Compares the manuscripts with the recorded sign-offs.
pub fn missing(manuscripts: &[Manuscript], signoffs: &Signoffs) -> Missing {
    let mut missing = Missing::default();
    for manuscript in manuscripts {
        match signoffs.get(&manuscript.id) {
            None => missing.unsigned.push(manuscript.id.clone()),
            Some(signoff) if signoff.hash != manuscript.hash => missing.changed.push(manuscript.id.clone()),
            Some(_) => {}
        }
    }
    missing
}

/// For a production build: an error on the town's `signoff.yaml` for every manuscript without a
/// current sign-off (the list names them, first ones first).
pub fn require(
    content: &crate::content::Content,
    municipality: &crate::content::MunicipalityContent,
    date: chrono::NaiveDate,
    diagnostics: &mut crate::diagnostics::Diagnostics,
) {
    let dir = content.root.join("municipalities").join(&municipality.id);
    let shown = municipality.file.path.with_file_name(SIGNOFF_FILE);
    let signoffs = match read(&signoff_path(&dir)) {
        Ok(signoffs) => signoffs,
        Err(error) => {
            diagnostics.error(&shown, None, Text::new(&msg::SIGNOFF_UNREADABLE).arg("error", error));
            return;
        }
    };
    let manuscripts = super::town::manuscripts_on(content, municipality, date);
    let missing = missing(&manuscripts, &signoffs);
    let list = |ids: &[String]| {
        let mut shown: Vec<&str> = ids.iter().take(20).map(String::as_str).collect();
        if ids.len() > 20 {
            shown.push("…");
        }
        shown.join(", ")
    };
    if !missing.unsigned.is_empty() {
        let text =
            Text::new(&msg::SIGNOFF_MISSING).arg("count", missing.unsigned.len()).arg("ids", list(&missing.unsigned));
        diagnostics.error(&shown, None, text);
    }
    if !missing.changed.is_empty() {
        let text =
            Text::new(&msg::SIGNOFF_CHANGED).arg("count", missing.changed.len()).arg("ids", list(&missing.changed));
        diagnostics.error(&shown, None, text);
    }
}
