//! The committed JSON Schema of `schedule.json` must match the Rust types.
//!
//! After changing the types, regenerate it with
//! `KIZUNA_BLESS_SCHEMA=1 cargo test -p kizuna-schedule --test schema_is_current`.

use std::path::PathBuf;

#[test]
fn committed_schema_matches_the_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/kizuna-schedule-1.schema.json");
    let generated = kizuna_schedule::schedule_json_schema();
    if std::env::var_os("KIZUNA_BLESS_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `KIZUNA_BLESS_SCHEMA=1 cargo test -p kizuna-schedule --test schema_is_current` and commit it",
        path.display()
    );
}
