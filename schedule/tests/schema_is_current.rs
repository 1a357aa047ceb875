//! The committed JSON Schemas of `schedule.json` and of the LINE payload files must match the Rust types.
//!
//! After changing the types, regenerate them with
//! `KIZUNA_BLESS_SCHEMA=1 cargo test -p kizuna-schedule --test schema_is_current`.

use std::path::PathBuf;

fn check(file: &str, generated: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema").join(file);
    if std::env::var_os("KIZUNA_BLESS_SCHEMA").is_some() {
        std::fs::write(&path, generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `KIZUNA_BLESS_SCHEMA=1 cargo test -p kizuna-schedule --test schema_is_current` and commit it",
        path.display()
    );
}

#[test]
fn committed_schema_matches_the_types() {
    check("kizuna-schedule-2.schema.json", &kizuna_schedule::schedule_json_schema());
}

#[test]
fn committed_line_payload_schema_matches_the_types() {
    check("kizuna-line-payload-1.schema.json", &kizuna_schedule::line_payload_json_schema());
}
