//! Imported history in the console: the ticket view marks every imported timeline entry and
//! note with the file, the importer and the time, through the accessibility tree.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable};
use stepwise::model::ExportFormat;
use stepwise::model::{Category, EngineerProfile, Grade, NewTicket, TicketFields};
use stepwise::store::Store;
use stepwise::ui::Lang;
use support::{T0, console, settle};

const HOUR: i64 = 3_600_000;

#[test]
fn imported_history_is_marked_with_its_file_importer_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("branch-office.json");
    let mut source = Store::open_in_memory().unwrap();
    let new = NewTicket {
        fields: TicketFields {
            title: "Scanner jams".into(),
            requester_name: "王丽".into(),
            description: "paper jams at page 2".into(),
            ..TicketFields::default()
        },
        category: Category::Hardware,
        urgency: Grade::Low,
        impact: Grade::Low,
        reported_at_ms: None,
    };
    let ticket = source.create_ticket(&new, "Branch desk", T0 - 2 * HOUR).unwrap();
    source.add_note(ticket.id, "roller worn out", "Branch desk", T0 - HOUR).unwrap();
    source.export_to_path(ExportFormat::Json, &file, T0 - HOUR).unwrap();

    let data = dir.path().join("console");
    {
        let mut store = Store::open(&data).unwrap();
        store.set_engineer_profile(&EngineerProfile { name: "Li Wei".into(), team: "Service desk".into() }).unwrap();
        store.import_from_path(&file, "Li Wei", T0).unwrap();
    }
    let mut desk = console(&data, Lang::En);
    let row = format!("{} Scanner jams", ticket.number);
    settle(&mut desk, "the imported ticket listed", |h| h.query_by_role_and_label(Role::Button, &row).is_some());
    desk.get_by_role_and_label(Role::Button, &row).click();
    settle(&mut desk, "the ticket open", |h| h.query_all_by_label_contains("roller worn out").next().is_some());
    let marks: Vec<String> = desk
        .query_all_by_label_contains("imported")
        .filter_map(|node| node.accesskit_node().value())
        .filter(|text| text.starts_with("imported from"))
        .collect();
    // The note, and the timeline's created and note entries; not the import entry itself.
    assert_eq!(marks.len(), 3, "{marks:?}");
    for mark in &marks {
        assert!(mark.contains("branch-office.json") && mark.contains("by Li Wei"), "{mark}");
    }
    desk.get_by_label("imported the ticket");
}
