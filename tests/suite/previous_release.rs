//! A database written by the previous release (fixtures/previous-release, made with the release
//! before the typed timeline: a headless demo session plus an import of a ticket whose timeline
//! holds every kind of event, one of them from a "newer" release) opens and reads identically:
//! exported now, it is byte for byte what that release exported from it.

use std::path::Path;

use stepwise::model::{ExportFormat, TicketId, TimelineEvent};
use stepwise::store::{DATABASE_FILE, Store};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous-release").join(name)
}

/// A copy of the fixture's data folder (opening may migrate; the fixture stays as it was made).
fn open_copy() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(DATABASE_FILE), dir.path().join(DATABASE_FILE)).unwrap();
    let store = Store::open(dir.path()).expect("the previous release's database opens");
    (dir, store)
}

#[test]
fn the_previous_releases_database_exports_byte_for_byte_as_it_did() {
    let expected = std::fs::read_to_string(fixture("export.json")).unwrap();
    let exported_at_ms = serde_json::from_str::<serde_json::Value>(&expected).unwrap()["exported_at_ms"]
        .as_i64()
        .expect("the export says when it was made");
    let (_dir, store) = open_copy();
    let mut out = Vec::new();
    store.export_tickets(ExportFormat::Json, &mut out, exported_at_ms).unwrap();
    let exported = String::from_utf8(out).unwrap();
    let (expected_lines, exported_lines): (Vec<_>, Vec<_>) = (expected.lines().collect(), exported.lines().collect());
    for (index, (then, now)) in expected_lines.iter().zip(&exported_lines).enumerate() {
        assert_eq!(then, now, "line {} differs", index + 1);
    }
    assert_eq!(expected_lines.len(), exported_lines.len());
}

#[test]
fn every_event_of_the_previous_release_reads_typed() {
    let (_dir, store) = open_copy();
    let mut unreadable = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for ticket_id in [TicketId(1), TicketId(2)] {
        for entry in store.history(ticket_id).unwrap() {
            kinds.insert(entry.event.kind());
            if let TimelineEvent::Unreadable { kind, .. } = &entry.event {
                unreadable.push(kind.clone());
            }
        }
    }
    assert_eq!(unreadable, ["recording_saved"], "only the newer release's event is kept unread");
    assert!(kinds.len() >= 36, "the fixture covers the event kinds: {kinds:?}");
}
