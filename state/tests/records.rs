//! Every persisted record version still decodes. Fixture files under `fixtures/vN/` are the
//! on-disk contract of version N: never edit them; add `fixtures/vN+1/` with a new version.

use state::records::{JournalEntry, RunRecord};

#[test]
fn v1_run_record_decodes() {
    let r: RunRecord =
        serde_json::from_str(include_str!("fixtures/v1/run_record.json")).expect("v1 run record");
    assert_eq!(r.v, 1);
    assert_eq!(r.status, "completed");
    assert_eq!(r.alert["host"]["name"], "WS-01");
}

#[test]
fn every_v1_journal_event_decodes_and_round_trips() {
    let text = include_str!("fixtures/v1/journal.jsonl");
    let mut kinds = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let e: JournalEntry = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("fixtures/v1/journal.jsonl:{}: {err}", i + 1));
        let back: serde_json::Value = serde_json::to_value(&e).unwrap();
        let orig: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(back, orig, "line {} changes when re-encoded", i + 1);
        kinds.insert(orig["event"].as_str().unwrap().to_owned());
    }
    // One fixture line per event kind: a new kind needs a fixture line.
    assert_eq!(kinds.len(), 11, "{kinds:?}");
}

#[test]
fn v1_audit_export_verifies() {
    let entries: Vec<state::audit::AuditEntry> = include_str!("fixtures/v1/audit.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("v1 audit entry"))
        .collect();
    assert!(entries.len() >= 3);
    assert!(state::audit::verify_chain(&entries).is_none());
}
