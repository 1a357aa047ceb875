//! Tests of [`super`]: the design example, add-on ownership and validity.
use super::*;

#[test]
fn design_example_parses() {
    let json = r#"{ "schema": "kizuna-schedule/2",
      "build": { "id": "20261126T050000Z-3f2a9c", "production": false },
      "municipality": { "id": "hikari", "code": "999001", "name": "ひかり市", "service_name": "ひかり子育てきずなメール",
        "tracks": ["maternity", "baby"], "addons": ["school-entry"], "delivery_time": "07:00",
        "email": { "from": "kizuna@hikari.example.jp", "from_name": "x", "reply_to": "y" },
        "archive_base_url": "https://kizuna.example.jp/hikari/", "api_base_url": "https://kizuna.example.jp/api/",
        "contact": { "name": "a", "phone": "b", "hours": "c", "url": "d" } },
      "mail": { "shell": "mail/shell.json", "system": { "confirm": "mail/system/confirm.json" } },
      "entries": [
        { "id": "maternity/12w3d", "track": "maternity", "when": { "pregnancy": "12w3d" }, "subject": "s",
          "url": "https://kizuna.example.jp/hikari/maternity/12w3d/", "section": "mail/sections/maternity/12w3d.json",
          "hash": "sha256:00", "review": "draft",
          "local": [ { "id": "local/boshi-techo", "section": "mail/sections/local/boshi-techo.json", "hash": "sha256:01",
                       "valid": { "from": "2026-04-01", "until": "2027-03-31" } } ] },
        { "id": "local/bousai-day", "track": "local", "tracks": ["maternity", "baby"], "when": { "date": "2027-09-01" },
          "subject": "s", "url": "u", "section": "mail/sections/local/bousai-day.json", "hash": "sha256:02", "review": "reviewed" } ] }"#;
    let document: ScheduleDocument = serde_json::from_str(json).expect("design example parses");
    assert_eq!(document.entries[1].track, EntryTrack::Local);
    assert_eq!(document.entries[0].local[0].valid.expect("valid").until, Some("2027-03-31".parse().expect("date")));
    let again: ScheduleDocument =
        serde_json::from_str(&serde_json::to_string(&document).expect("serializes")).expect("round trip");
    assert_eq!(again, document);
}

/// A school-age schedule with the school track's 小1 entry next to the first-grade add-on's.
fn school_schedule(addons: &[&str]) -> ScheduleDocument {
    let entry = |id: &str, track: &str, when: serde_json::Value| {
        serde_json::json!({ "id": id, "track": track, "when": when, "subject": id, "url": "u",
            "section": format!("mail/sections/{id}.json"), "hash": "sha256:00", "review": "draft" })
    };
    let sho1 = serde_json::json!({ "school": { "year": "小1", "date": "04-06" } });
    serde_json::from_value(serde_json::json!({ "schema": SCHEDULE_SCHEMA,
        "build": { "id": "b", "production": false },
        "municipality": { "id": "m", "code": "999999", "name": "n", "service_name": "s",
            "tracks": ["school"], "addons": addons, "delivery_time": "07:00",
            "email": { "from": "a@example.jp", "from_name": "x", "reply_to": "b@example.jp" },
            "archive_base_url": "https://example.jp/m/", "api_base_url": "https://example.jp/api/",
            "contact": { "name": "a", "phone": "b", "hours": "c", "url": "d" } },
        "mail": { "shell": "mail/shell.json", "system": {} },
        "entries": [
            entry("first-grade/sho1-0406", "first-grade", sho1.clone()),
            entry("school/sho1-0406", "school", sho1),
            entry("school/birthday-07", "school", serde_json::json!({ "birthday": 7 })),
        ] }))
    .expect("schedule")
}

#[test]
fn an_enabled_addon_takes_the_place_of_the_school_tracks_message_of_its_year() {
    let ids = |document: &ScheduleDocument, date: &str| -> Vec<String> {
        let born = "2019-05-10".parse().expect("date");
        let deliveries = document.deliveries_for(AnchorKind::Birth, born, date.parse().expect("date"));
        deliveries.iter().map(|d| d.entry.id.clone()).collect()
    };
    let with_addon = school_schedule(&["first-grade"]);
    assert_eq!(ids(&with_addon, "2026-04-06"), vec!["first-grade/sho1-0406".to_owned()]);
    assert_eq!(ids(&with_addon, "2026-05-10"), vec!["school/birthday-07".to_owned()], "birthdays stay");
    let without = school_schedule(&[]);
    assert_eq!(ids(&without, "2026-04-06"), vec!["school/sho1-0406".to_owned()]);
    let entry_only = school_schedule(&["school-entry"]);
    assert_eq!(ids(&entry_only, "2026-04-06"), vec!["school/sho1-0406".to_owned()], "年長 is not 小1");
}

#[test]
fn validity_includes_both_ends() {
    let valid = Validity { from: "2026-04-01".parse().ok(), until: "2027-03-31".parse().ok() };
    assert!(valid.contains("2026-04-01".parse().expect("date")));
    assert!(valid.contains("2027-03-31".parse().expect("date")));
    assert!(!valid.contains("2027-04-01".parse().expect("date")));
    assert!(Validity::default().contains("1999-01-01".parse().expect("date")));
}
