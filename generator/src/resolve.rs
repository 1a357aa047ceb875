//! Resolving content for one municipality: which messages it sends, where its local information
//! goes, which overrides apply, and what is current on the build date (DESIGN.md §4).
//!
//! School-track messages of a school year an enabled add-on owns ([`owning_addon`]) are left out
//! here, once, so every page, table of contents, feed and `schedule.json` agrees.
//!
//! The result, [`Edition`], is a plain value with every text already filled with the
//! municipality's placeholders and ordered for delivery; rendering reads nothing else.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use kizuna_schedule::{owning_addon, AnchorKind, Contact, EmailSettings, ReviewStatus, Rule, TrackId, Validity};

use crate::content::{Content, Loaded, LocalFile, MessageFile, MunicipalityContent};
use crate::placeholders::{self, Values};

/// The reference anchor used to put rules in a life order: a due date and a birth date on the same
/// day, the first of a school cohort, so that pregnancy comes first and school rules line up.
pub fn reference_anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 4, 2).unwrap_or_default()
}

/// Where a local item is shown, and whether it is current on the build date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Currency {
    /// Valid on the build date.
    Current,
    /// Becomes valid later (shown, marked as upcoming).
    Upcoming,
    /// No longer valid (not shown, not scheduled).
    Expired,
}

/// One municipality's resolved archive and schedule.
#[derive(Clone, Debug)]
pub struct Edition {
    /// Directory id.
    pub id: String,
    /// Name, e.g. ゆめみ野市.
    pub name: String,
    /// 6-digit code.
    pub code: String,
    /// 都道府県.
    pub prefecture: String,
    /// The service's name.
    pub service_name: String,
    /// Landing-page text (Markdown).
    pub description: Option<String>,
    /// Births a year (for the reports' 登録率).
    pub yearly_births: Option<u32>,
    /// Enabled tracks, add-ons last.
    pub tracks: Vec<TrackId>,
    /// Enabled add-ons.
    pub addons: Vec<TrackId>,
    /// `HH:MM`.
    pub delivery_time: String,
    /// Sender addresses.
    pub email: EmailSettings,
    /// Archive base URL ending with `/`.
    pub base_url: String,
    /// API base URL ending with `/`.
    pub api_base_url: String,
    /// `#rrggbb`.
    pub theme_color: String,
    /// Contact point.
    pub contact: Contact,
    /// The LINE official account, when the town has one.
    pub line: Option<kizuna_schedule::line::LineSettings>,
    /// Track messages, by track in life order.
    pub messages: Vec<Message>,
    /// Local items (current or upcoming), in life order.
    pub local: Vec<LocalItem>,
    /// Reader surveys the municipality runs (national ones with its extra questions, and its own).
    pub surveys: Vec<crate::survey::ResolvedSurvey>,
}

/// A message as this municipality sends it.
#[derive(Clone, Debug)]
pub struct Message {
    /// `track/stem`.
    pub id: String,
    /// Its track.
    pub track: TrackId,
    /// File stem.
    pub stem: String,
    /// When it is delivered.
    pub rule: Rule,
    /// Title, filled.
    pub title: String,
    /// Topics.
    pub topics: Vec<String>,
    /// Markdown body, filled.
    pub body: String,
    /// Markdown for partners, filled.
    pub to_partner: Option<String>,
    /// Review status.
    pub review: ReviewStatus,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// Replaced by this municipality's override.
    pub overridden: bool,
    /// Indexes into [`Edition::local`] of its sections, in order.
    pub sections: Vec<usize>,
    /// Delivery date for the reference anchor (for ordering).
    pub order: NaiveDate,
}

/// How a local item is delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A section of this message id.
    Section(String),
    /// An entry of its own, to subscriptions currently in these tracks.
    Own {
        /// Its rule.
        rule: Rule,
        /// Recipients: those currently in one of these tracks.
        tracks: Vec<TrackId>,
    },
}

/// A local item as this municipality publishes it.
#[derive(Clone, Debug)]
pub struct LocalItem {
    /// `local/<stem>`.
    pub id: String,
    /// File stem.
    pub stem: String,
    /// Category.
    pub category: String,
    /// Title, filled.
    pub title: String,
    /// Markdown body, filled.
    pub body: String,
    /// Topics.
    pub topics: Vec<String>,
    /// Validity.
    pub valid: Validity,
    /// Current or upcoming on the build date.
    pub currency: Currency,
    /// Where it goes.
    pub placement: Placement,
    /// Review status.
    pub review: ReviewStatus,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// For ordering: the delivery date for the reference anchor, or the announcement date.
    pub order: NaiveDate,
}

impl Edition {
    /// The messages of one track, in order.
    pub fn track_messages(&self, track: TrackId) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(move |m| m.track == track)
    }

    /// Every enabled track, add-ons included.
    pub fn enabled(&self) -> Vec<TrackId> {
        self.tracks.iter().chain(&self.addons).copied().collect()
    }
}

/// A message file a municipality sends: the base message or its override.
#[derive(Clone, Copy, Debug)]
pub struct SentMessage<'a> {
    /// Its track.
    pub track: TrackId,
    /// File stem.
    pub stem: &'a str,
    /// The file sent: the municipality's override, else the base message.
    pub file: &'a Loaded<MessageFile>,
    /// Whether `file` is an override.
    pub overridden: bool,
}

/// The message files a municipality sends, track by track in `enabled` order: base messages or
/// their overrides, without those an enabled add-on owns ([`owning_addon`]: they are not in the
/// archive, its tables of contents or schedule.json).
pub fn sent_messages<'a>(
    content: &'a Content,
    municipality: &'a MunicipalityContent,
    enabled: &[TrackId],
) -> Vec<SentMessage<'a>> {
    let mut sent = Vec::new();
    for track in enabled {
        let Some(track_content) = content.tracks.get(track) else { continue };
        for (stem, base) in &track_content.messages {
            let override_file = municipality.overrides.get(&format!("{track}/{stem}"));
            let file = override_file.unwrap_or(base);
            if owning_addon(*track, &file.value.when, enabled).is_none() {
                sent.push(SentMessage { track: *track, stem, file, overridden: override_file.is_some() });
            }
        }
    }
    sent
}

/// Resolves one municipality. Content must have passed validation.
pub fn resolve(
    content: &Content,
    municipality: &MunicipalityContent,
    build_date: NaiveDate,
    base_url: Option<&str>,
) -> Edition {
    let file = &municipality.file.value;
    let values = Values::of(&file.name, &file.service_name, &file.contact);
    let fill_markdown = |text: &str| placeholders::fill_markdown(text, &values);
    let reference = reference_anchor();
    let mut enabled: Vec<TrackId> = file.tracks.iter().chain(&file.addons).copied().collect();
    enabled.sort_unstable_by_key(|t| TrackId::ALL.iter().position(|a| a == t));

    let mut messages = messages(content, municipality, &enabled, &values);
    let by_id: BTreeMap<String, usize> = messages.iter().enumerate().map(|(i, m)| (m.id.clone(), i)).collect();
    // The first message with a rule wins: insert in reverse so earlier ones overwrite later ones.
    let by_rule: HashMap<Rule, usize> = messages.iter().enumerate().rev().map(|(i, m)| (m.rule, i)).collect();

    let mut local: Vec<LocalItem> = municipality
        .local
        .iter()
        .filter_map(|(stem, item)| {
            local_item(stem, item, &enabled, build_date, reference, &by_id, &by_rule, &messages, &values)
        })
        .collect();
    local.sort_by(|a, b| (a.order, &a.stem).cmp(&(b.order, &b.stem)));
    for (index, item) in local.iter().enumerate() {
        if let Placement::Section(message_id) = &item.placement {
            if let Some(&message) = by_id.get(message_id) {
                messages[message].sections.push(index);
            }
        }
    }

    let (base_url, api_base_url) = origins(municipality, base_url);
    Edition {
        id: municipality.id.clone(),
        name: file.name.clone(),
        code: file.code.clone(),
        prefecture: file.prefecture.clone(),
        service_name: file.service_name.clone(),
        description: file.description.as_deref().map(fill_markdown),
        yearly_births: file.yearly_births,
        tracks: file.tracks.clone(),
        addons: file.addons.clone(),
        delivery_time: file.delivery_time.clone(),
        email: file.email.clone(),
        base_url,
        api_base_url,
        theme_color: file.site.theme_color.clone(),
        contact: file.contact.clone(),
        line: file.line.clone(),
        messages,
        local,
        surveys: crate::survey::resolve(content, municipality),
    }
}

/// The messages `municipality` sends (base or its overrides), placeholders filled, in track order
/// and then by delivery date for the reference anchor.
fn messages(
    content: &Content,
    municipality: &MunicipalityContent,
    enabled: &[TrackId],
    values: &Values,
) -> Vec<Message> {
    let reference = reference_anchor();
    // Titles are one-line text; bodies are Markdown, where values must stay literal text.
    let fill = |text: &str| placeholders::fill(text, values);
    let fill_markdown = |text: &str| placeholders::fill_markdown(text, values);
    let mut messages = Vec::new();
    for sent in sent_messages(content, municipality, enabled) {
        let (track, stem, value) = (sent.track, sent.stem, &sent.file.value);
        messages.push(Message {
            order: value.when.delivery_date(reference).unwrap_or(reference),
            id: format!("{track}/{stem}"),
            track,
            stem: stem.to_owned(),
            rule: value.when,
            title: fill(&value.title),
            topics: value.topics.clone(),
            body: fill_markdown(&value.body),
            to_partner: value.to_partner.as_deref().map(fill_markdown),
            review: value.review.status,
            reviewed_by: value.review.by.clone(),
            overridden: sent.overridden,
            sections: Vec::new(),
        });
    }
    messages.sort_by(|a, b| (a.track_rank(), a.order, &a.stem).cmp(&(b.track_rank(), b.order, &b.stem)));
    messages
}

/// The archive's and the API's base URLs: the municipality's own, or both under `base_url`.
fn origins(municipality: &MunicipalityContent, base_url: Option<&str>) -> (String, String) {
    let file = &municipality.file.value;
    // Publishing under another origin moves the API with it: the archive and `/api/` share one
    // origin (CloudFront in production, `scripts/demo.sh` locally), so forms keep posting home.
    match base_url {
        Some(root) => {
            let root = root.trim_end_matches('/');
            (format!("{root}/{}/", municipality.id), format!("{root}/api/"))
        }
        None => (file.site.base_url.clone(), file.api.base_url.clone()),
    }
}

impl Message {
    fn track_rank(&self) -> usize {
        TrackId::ALL.iter().position(|t| *t == self.track).unwrap_or(usize::MAX)
    }
}

#[allow(clippy::too_many_arguments)] // one call site; the arguments are the resolution context
fn local_item(
    stem: &str,
    item: &Loaded<LocalFile>,
    enabled: &[TrackId],
    build_date: NaiveDate,
    reference: NaiveDate,
    by_id: &BTreeMap<String, usize>,
    by_rule: &HashMap<Rule, usize>,
    messages: &[Message],
    values: &Values,
) -> Option<LocalItem> {
    let value = &item.value;
    let valid = Validity {
        from: value.valid.and_then(|v| v.from).map(|d| d.0),
        until: value.valid.and_then(|v| v.until).map(|d| d.0),
    };
    let currency = if valid.until.is_some_and(|until| until < build_date) {
        Currency::Expired
    } else if valid.from.is_some_and(|from| from > build_date) {
        Currency::Upcoming
    } else {
        Currency::Current
    };
    if currency == Currency::Expired {
        return None;
    }
    let (placement, order) = match (&value.attach_to, value.when) {
        (Some(target), _) => {
            let order = by_id.get(target).map_or(reference, |&i| messages[i].order);
            (Placement::Section(target.clone()), order)
        }
        (None, Some(rule)) => match by_rule.get(&rule) {
            Some(&index) => (Placement::Section(messages[index].id.clone()), messages[index].order),
            None => {
                let tracks = match (&value.tracks, rule.anchor_kind()) {
                    (Some(tracks), _) => tracks.clone(),
                    (None, kind) => enabled.iter().copied().filter(|t| Some(t.anchor_kind()) == kind).collect(),
                };
                let order = match rule {
                    Rule::Date(date) => date.0,
                    _ => rule.delivery_date(reference).unwrap_or(reference),
                };
                (Placement::Own { rule, tracks }, order)
            }
        },
        (None, None) => return None,
    };
    Some(LocalItem {
        id: format!("local/{stem}"),
        stem: stem.to_owned(),
        category: value.category.clone(),
        title: placeholders::fill(&value.title, values),
        body: placeholders::fill_markdown(&value.body, values),
        topics: value.topics.clone(),
        valid,
        currency,
        placement,
        review: value.review.status,
        reviewed_by: value.review.by.clone(),
        order,
    })
}

/// The anchor kind of an own local entry, for grouping (`None` for announcements).
pub fn placement_anchor(placement: &Placement) -> Option<AnchorKind> {
    match placement {
        Placement::Section(_) => None,
        Placement::Own { rule, .. } => rule.anchor_kind(),
    }
}
