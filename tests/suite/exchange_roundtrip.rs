//! Every export re-imports exactly: random tickets (with text that looks like spreadsheet
//! formulas, Chinese, quotes and line breaks, and random workflow histories) → CSV and JSON →
//! import into a fresh store → the same tickets.

use proptest::prelude::*;
use stepwise::model::{
    Category, ExportFormat, Grade, NewTicket, Status, Ticket, TicketFields, TicketId, TimelineEvent,
};
use stepwise::store::Store;

const MIN: i64 = 60_000;
const T0: i64 = 1_795_000_000_000;

/// Text a person might type, including cells a spreadsheet would run as formulas.
fn text() -> impl Strategy<Value = String> {
    "[=+@'\\-]?[a-zA-Z0-9 打印机脱机\"',;=+\\-@\t\r\n]{0,12}"
}

fn required_text() -> impl Strategy<Value = String> {
    (text(), "[a-zA-Z打印]{1,3}").prop_map(|(text, tail)| format!("{text}{tail}"))
}

fn grade() -> impl Strategy<Value = Grade> {
    prop::sample::select(vec![Grade::Low, Grade::Medium, Grade::High])
}

/// One workflow action on a ticket.
#[derive(Clone, Debug)]
enum Action {
    Assign(String),
    Move(Status),
    Note(String),
    Resolution(String),
    Escalate(String),
    Rate(i64, String),
}

fn action() -> impl Strategy<Value = Action> {
    let status = prop::sample::select(vec![
        Status::Assigned,
        Status::InProgress,
        Status::WaitingOnUser,
        Status::Resolved,
        Status::Closed,
        Status::New,
    ]);
    prop_oneof![
        required_text().prop_map(Action::Assign),
        status.prop_map(Action::Move),
        required_text().prop_map(Action::Note),
        required_text().prop_map(Action::Resolution),
        required_text().prop_map(Action::Escalate),
        (1i64..=5, text()).prop_map(|(rating, comment)| Action::Rate(rating, comment)),
    ]
}

#[derive(Clone, Debug)]
struct Spec {
    fields: TicketFields,
    category: Category,
    urgency: Grade,
    impact: Grade,
    actions: Vec<Action>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let fields = (required_text(), required_text(), text(), text(), required_text(), text(), text()).prop_map(
        |(title, requester_name, department, contact, description, expectation, business_impact)| TicketFields {
            title,
            requester_name,
            department,
            contact,
            description,
            expectation,
            business_impact,
            ..TicketFields::default()
        },
    );
    let category = prop::sample::select(Category::ALL.to_vec());
    (fields, category, grade(), grade(), prop::collection::vec(action(), 0..8))
        .prop_map(|(fields, category, urgency, impact, actions)| Spec { fields, category, urgency, impact, actions })
}

/// A store holding the tickets of `specs`; actions the workflow refuses are simply not taken.
fn build(specs: &[Spec]) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let mut at = T0;
    for spec in specs {
        let new = NewTicket {
            fields: spec.fields.clone(),
            category: spec.category,
            urgency: spec.urgency,
            impact: spec.impact,
            reported_at_ms: Some(at - 5 * MIN),
        };
        let id = store.create_ticket(&new, "陈伟", at).unwrap().id;
        for action in &spec.actions {
            at += MIN;
            let _ = match action {
                Action::Assign(name) => store.assign(id, Some(name), "陈伟", at).map(|_| ()),
                Action::Move(to) => store.change_status(id, *to, "陈伟", at).map(|_| ()),
                Action::Note(text) => store.add_note(id, text, "=陈伟", at),
                Action::Resolution(text) => store.set_resolution(id, text, "陈伟", at).map(|_| ()),
                Action::Escalate(reason) => store.escalate(id, reason, "陈伟", at).map(|_| ()),
                Action::Rate(rating, comment) => store.set_satisfaction(id, *rating, comment, "王丽", at).map(|_| ()),
            };
        }
        at += MIN;
    }
    store
}

fn tickets(store: &Store) -> Vec<Ticket> {
    let (_, rows) = store.first_page(&Default::default(), 1000, T0).unwrap();
    let mut tickets: Vec<Ticket> = rows.into_iter().map(|row| store.ticket(row.id).unwrap()).collect();
    tickets.sort_by(|a, b| a.number.cmp(&b.number));
    tickets
}

/// `format` export of `source`, imported into a fresh store a day later.
fn round_trip(source: &Store, format: ExportFormat) -> Store {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if format == ExportFormat::Csv { "t.csv" } else { "t.json" });
    let exported = source.export_to_path(format, &path, T0 + 24 * 60 * MIN).unwrap();
    let mut target = Store::open_in_memory().unwrap();
    let report = target.import_from_path(&path, "importer", T0 + 24 * 60 * MIN).unwrap();
    assert_eq!(report.imported, exported);
    target
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn every_export_reimports_exactly(specs in prop::collection::vec(spec(), 1..5)) {
        let source = build(&specs);
        let originals = tickets(&source);

        // JSON: everything, including the SLA clock, notes and the timeline.
        let json = round_trip(&source, ExportFormat::Json);
        let copies = tickets(&json);
        prop_assert_eq!(copies.len(), originals.len());
        for (copy, original) in copies.iter().zip(&originals) {
            let strip_id = |ticket: &Ticket| Ticket { id: TicketId(0), ..ticket.clone() };
            prop_assert_eq!(strip_id(copy), strip_id(original));
            let notes = |store: &Store, id| {
                store.notes(id).unwrap().into_iter().map(|note| (note.at_ms, note.author, note.text)).collect::<Vec<_>>()
            };
            prop_assert_eq!(notes(&json, copy.id), notes(&source, original.id));
            let history = |store: &Store, id| {
                store
                    .history(id)
                    .unwrap()
                    .into_iter()
                    .filter(|entry| entry.imported.is_some() || !matches!(entry.event, TimelineEvent::Imported { .. }))
                    .map(|entry| (entry.seq, entry.at_ms, entry.actor, entry.event.to_stored()))
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(history(&json, copy.id), history(&source, original.id));
        }

        // CSV: every column it carries (no notes, no timeline; the SLA clock is rebuilt).
        let csv = round_trip(&source, ExportFormat::Csv);
        let copies = tickets(&csv);
        prop_assert_eq!(copies.len(), originals.len());
        for (copy, original) in copies.iter().zip(&originals) {
            let carried = |ticket: &Ticket| Ticket { id: TicketId(0), sla: original.sla, ..ticket.clone() };
            prop_assert_eq!(carried(copy), carried(original));
        }
    }
}
