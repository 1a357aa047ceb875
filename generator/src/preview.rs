//! `kizuna preview`: what a family with a given due date or birth date receives, day by day.
//!
//! It renders the municipality's schedule in memory and asks the schedule itself
//! ([`kizuna_schedule::ScheduleDocument::deliveries_for`]), exactly as the sender does.

use chrono::NaiveDate;
use kizuna_schedule::{AnchorKind, ScheduleDocument};
use serde::Serialize;

/// One item of one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreviewItem {
    /// YYYY-MM-DD.
    pub date: String,
    /// Entry or local section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// 「妊娠12週3日」, or the announcement date.
    pub label: String,
}

/// Everything received between `from` and `to` (inclusive), sorted by date then id.
pub fn preview(
    document: &ScheduleDocument,
    titles: &dyn Fn(&str) -> String,
    kind: AnchorKind,
    anchor: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<PreviewItem> {
    let mut items = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        for delivery in document.deliveries_for(kind, anchor, date) {
            let label = delivery.entry.when.long_label();
            items.push(PreviewItem {
                date: date.to_string(),
                id: delivery.entry.id.clone(),
                title: delivery.entry.subject.clone(),
                label: label.clone(),
            });
            for local in delivery.local {
                items.push(PreviewItem {
                    date: date.to_string(),
                    id: local.id.clone(),
                    title: titles(&local.id),
                    label: label.clone(),
                });
            }
        }
    }
    items.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    items
}
