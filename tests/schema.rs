//! The checked-in JSON Schema is generated from the IR types; this fails when it is stale.
//! Regenerate with `MPBAKE_BLESS=1 cargo test --test schema`.

use std::path::PathBuf;

#[test]
fn schema_file_matches_the_ir_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/spec.schema.json");
    let generated = format!("{}\n", serde_json::to_string_pretty(&mpbake::ir::json_schema()).expect("schema serializes"));
    if std::env::var_os("MPBAKE_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(on_disk == generated, "schemas/spec.schema.json is stale: run MPBAKE_BLESS=1 cargo test --test schema");
}

#[test]
fn schema_describes_targets_and_platforms() {
    let schema = mpbake::ir::json_schema();
    let defs = &schema["$defs"];
    assert!(defs["Target"]["properties"]["platforms"].is_object(), "{schema}");
    assert_eq!(defs["Platform"]["type"], "string");
    assert!(defs["FileSelection"]["properties"]["sources"].is_object());
}
