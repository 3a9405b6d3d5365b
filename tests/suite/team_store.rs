//! The team-desk store suite, run against both backends: SQLite in a temporary folder and a
//! fresh PostgreSQL database per test (`STEPWISE_TEST_DATABASE_URL`, e.g. from
//! `scripts/pg-test-cluster.sh start`). Without the variable the PostgreSQL half is skipped
//! with a message, except under `CI=true`, where it fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use stepwise::model::{
    ActorKind, Category, DeskNoticeKind, DeskQuery, Escalation, Grade, NewEngineer, NewTicket, Status, TicketChange,
    TicketFields, TicketFilter, TicketId, TimelineEvent,
};
use stepwise::protocol::StepOutcome;
use stepwise::store::desk::TicketDesk;
use stepwise::store::team::{ListenerEvent, TeamConfig, TeamListener, TeamStore, TokenSignature};
use stepwise::store::{SharedSettings, Store, StoreError};

const NOW_MS: i64 = 1_800_000_000_000;

type Desk = Box<dyn TicketDesk + Send>;

/// Opens consoles on one database.
trait Backend {
    fn open(&self) -> Desk;
}

struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    fn open(&self) -> Desk {
        Box::new(Store::open(self.0.path()).expect("open the SQLite store"))
    }
}

/// A fresh database on the test server, dropped at the end.
struct Postgres {
    admin_url: String,
    name: String,
    config: TeamConfig,
}

impl Backend for Postgres {
    fn open(&self) -> Desk {
        Box::new(TeamStore::connect(&self.config).expect("connect to the team database"))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The test server's URL; `None` (skip) only outside CI.
fn server_url() -> Option<String> {
    match std::env::var("STEPWISE_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but STEPWISE_TEST_DATABASE_URL is not set: start scripts/pg-test-cluster.sh")
        }
        _ => {
            eprintln!("skipping the PostgreSQL half: STEPWISE_TEST_DATABASE_URL is not set");
            None
        }
    }
}

fn postgres_backend() -> Option<Postgres> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let admin_url = server_url()?;
    let name = format!("stepwise_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect to the test server");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let (base, _) = admin_url.rsplit_once('/').expect("the URL names a database");
    let config = TeamConfig::new(&format!("{base}/{name}"));
    Some(Postgres { admin_url, name, config })
}

fn sqlite_backend() -> Sqlite {
    Sqlite(tempfile::tempdir().expect("temp dir"))
}

/// Declares the test `name` for both backends, running `body(&backend)`.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::sqlite_backend());
            }
            #[test]
            fn postgres() {
                if let Some(backend) = super::postgres_backend() {
                    super::$name(&backend);
                }
            }
        }
    };
}

fn new_ticket(title: &str, description: &str) -> NewTicket {
    NewTicket {
        fields: TicketFields {
            title: title.to_owned(),
            requester_name: "王丽".to_owned(),
            description: description.to_owned(),
            ..TicketFields::default()
        },
        category: Category::Hardware,
        urgency: Grade::Medium,
        impact: Grade::Medium,
        reported_at_ms: None,
    }
}

fn search(desk: &mut Desk, text: &str) -> Vec<String> {
    let query = DeskQuery::from(TicketFilter { text: text.to_owned(), ..TicketFilter::default() });
    let listing = desk.desk_first_page(&query, 50, NOW_MS).expect("search");
    let (total, page) = (listing.total, listing.rows);
    assert_eq!(usize::try_from(total).unwrap(), page.len(), "count and page agree for {text:?}");
    let mut titles: Vec<String> = page.into_iter().map(|row| row.title).collect();
    titles.sort();
    titles
}

fn create_and_search(backend: &dyn Backend) {
    let mut desk = backend.open();
    for (title, description) in [
        ("打印机脱机", "三楼的打印机无法打印"),
        ("网络很慢", "VPN 无法连接 (-14)"),
        ("Printer offline", "The PC says the printer is offline"),
        ("Z盘 missing", "mapped drive gone"),
    ] {
        let ticket = desk.desk_create(&new_ticket(title, description), "Li Wei", NOW_MS).unwrap();
        assert_eq!(ticket.version.0, 1);
        assert_eq!(desk.ticket_at(ticket.ticket.id).unwrap(), ticket);
    }
    assert_eq!(search(&mut desk, "打印"), ["打印机脱机"], "a two-character Chinese word");
    assert_eq!(search(&mut desk, "印"), ["打印机脱机"], "one Chinese character");
    assert_eq!(search(&mut desk, "网络"), ["网络很慢"]);
    assert_eq!(search(&mut desk, "无法连接"), ["网络很慢"], "a long Chinese word");
    assert_eq!(search(&mut desk, "PRINTER"), ["Printer offline"], "case-insensitive");
    assert_eq!(search(&mut desk, "pc"), ["Printer offline"], "a two-letter word prefix");
    assert_eq!(search(&mut desk, "vpn"), ["网络很慢"]);
    assert_eq!(search(&mut desk, "Z盘"), ["Z盘 missing"], "a short term mixing scripts");
    assert!(search(&mut desk, "打印 网络").is_empty(), "every term must match");
    assert!(search(&mut desk, "scanner").is_empty());
    let printer = search_ids(&mut desk, "Printer")[0];
    desk.desk_add_note(printer, "换了硒鼓", "Li Wei", NOW_MS + 1).unwrap();
    assert_eq!(search(&mut desk, "硒鼓"), ["Printer offline"], "notes are searched");
    let all = desk.desk_first_page(&DeskQuery::default(), 2, NOW_MS).unwrap();
    assert_eq!((all.total, all.rows.len()), (4, 2), "the count is of all matches, the page is limited");
    let rows = desk.summaries(&[printer, TicketId(999_999)]).unwrap();
    assert_eq!(rows.iter().map(|row| row.id).collect::<Vec<_>>(), [printer]);
}
both!(create_and_search);

fn search_ids(desk: &mut Desk, text: &str) -> Vec<TicketId> {
    let query = DeskQuery::from(TicketFilter { text: text.to_owned(), ..TicketFilter::default() });
    desk.desk_first_page(&query, 50, NOW_MS).unwrap().rows.into_iter().map(|row| row.id).collect()
}

fn fields_with(base: &TicketFields, name: &str, value: &str) -> TicketChange {
    let mut fields = base.clone();
    *fields.field_mut(name).expect("a known field") = value.to_owned();
    TicketChange::Fields(Box::new(fields))
}

fn conflicts_are_shown_field_by_field(backend: &dyn Backend) {
    let (mut mine, mut theirs) = (backend.open(), backend.open());
    let read = mine.desk_create(&new_ticket("Old title", "desc"), "A", NOW_MS).unwrap();
    let id = read.ticket.id;
    let changed = theirs
        .change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "title", "Their title"), "B", NOW_MS + 1)
        .unwrap();
    assert_eq!(changed.ticket.version.0, 2);
    assert_eq!(changed.merged_over, None);
    let err = mine
        .change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "title", "My title"), "A", NOW_MS + 2)
        .unwrap_err();
    let StoreError::Conflict { current, fields } = err else { panic!("expected a conflict, got {err:?}") };
    assert_eq!(current.0, 2);
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(
        (fields[0].field.as_str(), fields[0].base.as_str(), fields[0].theirs.as_str(), fields[0].mine.as_str()),
        ("title", "Old title", "Their title", "My title")
    );
    assert_eq!(mine.ticket_at(id).unwrap().ticket.fields.title, "Their title", "nothing was overwritten");
    // Another field, from the same stale read: applied on top of theirs.
    let merged =
        mine.change_ticket_at(id, read.version, &TicketChange::Status(Status::InProgress), "A", NOW_MS + 3).unwrap();
    assert_eq!(merged.merged_over.map(|version| version.0), Some(2));
    assert_eq!(merged.ticket.ticket.fields.title, "Their title");
    assert_eq!(merged.ticket.ticket.status, Status::InProgress);
    assert_eq!(merged.ticket.version.0, 3);
    // The engineer chose theirs-then-mine: resubmitting against the current version wins.
    let chosen = mine
        .change_ticket_at(
            id,
            merged.ticket.version,
            &fields_with(&merged.ticket.ticket.fields, "title", "My title"),
            "A",
            NOW_MS + 4,
        )
        .unwrap();
    assert_eq!(chosen.ticket.ticket.fields.title, "My title");
}
both!(conflicts_are_shown_field_by_field);

fn only_changed_fields_are_saved(backend: &dyn Backend) {
    let (mut a, mut b) = (backend.open(), backend.open());
    let read = a.desk_create(&new_ticket("Title", "desc"), "A", NOW_MS).unwrap();
    let id = read.ticket.id;
    // Both edit the whole form from the same read, each changing one field.
    a.change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "department", "IT"), "A", NOW_MS + 1)
        .unwrap();
    b.change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "location", "3F"), "B", NOW_MS + 2).unwrap();
    let now = a.ticket_at(id).unwrap();
    assert_eq!((now.ticket.fields.department.as_str(), now.ticket.fields.location.as_str()), ("IT", "3F"));
    assert_eq!(now.version.0, 3);
    let history = a.desk_history_page(id, None, 100).unwrap();
    let changed: Vec<String> = history
        .iter()
        .filter_map(|entry| match &entry.event {
            TimelineEvent::FieldChanged { field, .. } => Some(field.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(changed, ["department", "location"]);
}
both!(only_changed_fields_are_saved);

fn engineer(desk: &mut Desk, name: &str, team: &str, tier: i64, skills: &[Category]) -> stepwise::model::Engineer {
    let new = NewEngineer { name: name.to_owned(), team: team.to_owned(), tier, skills: skills.to_vec() };
    desk.add_engineer(&new, "correct horse battery", NOW_MS).expect("add an engineer")
}

fn claiming_is_atomic(backend: &dyn Backend) {
    let mut setup = backend.open();
    let li = engineer(&mut setup, "Li Wei", "Desk", 1, &[]);
    let wang = engineer(&mut setup, "Wang Fang", "Desk", 1, &[]);
    let ids: Vec<TicketId> = (0..8)
        .map(|index| {
            setup.desk_create(&new_ticket(&format!("Claim {index}"), "desc"), "intake", NOW_MS).unwrap().ticket.id
        })
        .collect();
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = [li.id, wang.id]
        .into_iter()
        .map(|engineer| {
            let mut desk = backend.open();
            let (ids, barrier) = (ids.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                ids.iter()
                    .map(|id| {
                        barrier.wait();
                        match desk.claim(*id, engineer, NOW_MS + 1) {
                            Ok(ticket) => {
                                assert_eq!(ticket.assignee_id, Some(engineer));
                                true
                            }
                            Err(StoreError::AlreadyClaimed { .. }) => false,
                            Err(other) => panic!("claim failed: {other}"),
                        }
                    })
                    .collect::<Vec<bool>>()
            })
        })
        .collect();
    let results: Vec<Vec<bool>> = threads.into_iter().map(|thread| thread.join().unwrap()).collect();
    for (index, id) in ids.iter().enumerate() {
        assert!(results[0][index] ^ results[1][index], "exactly one engineer wins ticket {id}");
        let ticket = setup.ticket_at(*id).unwrap();
        let winner = if results[0][index] { &li } else { &wang };
        assert_eq!(ticket.ticket.assignee.as_deref(), Some(winner.name.as_str()));
        assert_eq!((ticket.ticket.status, ticket.team.as_deref()), (Status::Assigned, Some("Desk")));
    }
    let mine = DeskQuery { assigned_to: Some(li.id), ..DeskQuery::default() };
    let claimed_by_li = results[0].iter().filter(|won| **won).count();
    assert_eq!(setup.desk_first_page(&mine, 50, NOW_MS).unwrap().total, i64::try_from(claimed_by_li).unwrap());
}
both!(claiming_is_atomic);

fn the_timeline_is_insert_only(backend: &dyn Backend) {
    let mut setup = backend.open();
    let read = setup.desk_create(&new_ticket("Timeline", "desc"), "A", NOW_MS).unwrap();
    let id = read.ticket.id;
    let threads: Vec<_> = (0..2)
        .map(|console| {
            let mut desk = backend.open();
            std::thread::spawn(move || {
                for index in 0..10 {
                    let event = TimelineEvent::NoteAdded { text: format!("console {console} entry {index}") };
                    desk.desk_append_event(id, (ActorKind::Engineer, "E"), &event, NOW_MS + index).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // A note written from a stale read never conflicts.
    setup
        .change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "title", "Changed"), "B", NOW_MS)
        .unwrap();
    setup.change_ticket_at(id, read.version, &TicketChange::Note("still welcome".into()), "A", NOW_MS + 20).unwrap();
    let history = setup.desk_history_page(id, None, 1000).unwrap();
    let seqs: Vec<i64> = history.iter().map(|entry| entry.seq).collect();
    assert_eq!(seqs, (1..=i64::try_from(history.len()).unwrap()).collect::<Vec<_>>(), "consecutive, no gaps");
    assert_eq!(history.len(), 1 + 20 + 1 + 1, "created, 20 entries, the title change, the note");
    assert_eq!(setup.desk_notes(id).unwrap().last().map(|note| note.text.as_str()), Some("still welcome"));
}
both!(the_timeline_is_insert_only);

/// A session started from a ticket, its join, end and the user's survey are kept on that
/// ticket in the desk's own database (on a team desk: where every console sees them).
fn sessions_and_surveys_stay_with_the_ticket(backend: &dyn Backend) {
    use stepwise::model::{SurveyOutcome, SurveyRecord};
    use stepwise::protocol::{Answer, SurveyAnswers};
    let mut desk = backend.open();
    let id = desk.desk_create(&new_ticket("Session", "desc"), "A", NOW_MS).unwrap().ticket.id;
    let other = desk.desk_create(&new_ticket("Other", "desc"), "A", NOW_MS).unwrap().ticket.id;
    let session = desk.log_session_start(id, "A", NOW_MS + 1_000).unwrap();
    desk.log_session_joined(session, NOW_MS + 2_000).unwrap();
    desk.log_session_joined(session, NOW_MS + 9_000).unwrap();
    desk.log_session_end(session, "engineer_ended", NOW_MS + 62_000).unwrap();
    desk.log_session_end(session, "user_ended", NOW_MS + 70_000).unwrap();
    let sessions = desk.ticket_sessions(id).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!((sessions[0].joined_at_ms, sessions[0].ended_at_ms), (Some(NOW_MS + 2_000), Some(NOW_MS + 62_000)));
    assert_eq!(sessions[0].end_reason.as_deref(), Some("engineer_ended"));
    assert!(desk.ticket_sessions(other).unwrap().is_empty());
    assert!(matches!(desk.log_session_start(TicketId(999_999), "A", NOW_MS), Err(StoreError::TicketNotFound(_))));

    let answers =
        SurveyAnswers { solved: Answer::Yes, rating: 5, explanations_clear: Answer::Partly, comment: "谢谢".into() };
    let survey = SurveyRecord {
        session_id: session,
        ticket_id: id,
        asked_at_ms: NOW_MS + 62_000,
        settled_at_ms: NOW_MS + 80_000,
        outcome: SurveyOutcome::Answered(answers.clone()),
    };
    let wrong_ticket = SurveyRecord { ticket_id: other, ..survey.clone() };
    assert!(desk.log_survey(&wrong_ticket, "Wang").is_err(), "a session of another ticket");
    let seq = desk.log_survey(&survey, "Wang").unwrap();
    assert_eq!(desk.ticket_surveys(id).unwrap(), vec![survey.clone()]);
    let last = desk.desk_history_page(id, None, 10).unwrap().pop().unwrap();
    assert_eq!((last.seq, &last.event), (seq, &TimelineEvent::SurveyAnswered(answers)));
    assert_eq!((last.actor_kind, last.actor.as_str()), (ActorKind::User, "Wang"));
    let again = SurveyRecord { outcome: SurveyOutcome::NotAnswered { reason: "closed".into() }, ..survey };
    assert!(desk.log_survey(&again, "Wang").is_err(), "one survey per session");
    assert_eq!(desk.desk_history_page(id, None, 10).unwrap().last().map(|entry| entry.seq), Some(seq));
    assert!(desk.ticket_surveys(other).unwrap().is_empty());
}
both!(sessions_and_surveys_stay_with_the_ticket);

fn recording_saved(path: &str) -> TimelineEvent {
    TimelineEvent::RecordingSaved { duration_ms: 61_000, bytes: 4_096, hash_head: "ab12".into(), path: path.into() }
}

/// A recording's row goes with its ticket (and its session) into the desk's database, with its
/// timeline entry; retention lists it once it ran out; deleting leaves a tombstone.
fn recordings_stay_with_the_ticket(backend: &dyn Backend) {
    use stepwise::store::recordings::DeleteReason;
    let mut desk = backend.open();
    let id = desk.desk_create(&new_ticket("Recorded", "desc"), "A", NOW_MS).unwrap().ticket.id;
    let other = desk.desk_create(&new_ticket("Other", "desc"), "A", NOW_MS).unwrap().ticket.id;
    let session = desk.log_session_start(id, "A", NOW_MS).unwrap();
    let foreign_session = desk.log_session_start(other, "A", NOW_MS).unwrap();
    let (seq, row) = desk.log_recording(id, Some(session), &recording_saved("/rec/one.swrec"), 90, NOW_MS).unwrap();
    assert_eq!((row.ticket_id, row.session_id, row.bytes), (id, Some(session), 4_096));
    let last = desk.desk_history_page(id, None, 10).unwrap().pop().unwrap();
    assert_eq!((last.seq, &last.event, last.actor_kind), (seq, &recording_saved("/rec/one.swrec"), ActorKind::System));
    let (_, second) =
        desk.log_recording(id, Some(foreign_session), &recording_saved("/rec/two.swrec"), 90, NOW_MS).unwrap();
    assert_eq!(second.session_id, None, "a session of another ticket is not this recording's");
    assert!(desk.log_recording(id, None, &TimelineEvent::NoteAdded { text: "x".into() }, 90, NOW_MS).is_err());
    assert_eq!(desk.ticket_recordings(id).unwrap(), vec![row.clone(), second.clone()]);
    assert!(desk.ticket_recordings(other).unwrap().is_empty());
    assert_eq!(desk.recording_here(row.id).unwrap(), Some(row.clone()));

    let after_retention = row.retention_until_ms + 1;
    let expired: Vec<i64> = desk.expired_recordings_here(after_retention).unwrap().iter().map(|it| it.id).collect();
    assert_eq!(expired, vec![row.id, second.id]);
    assert!(desk.expired_recordings_here(row.retention_until_ms - 1).unwrap().is_empty());

    let (ticket, tombstone_seq, tombstone) =
        desk.remove_recording(row.id, (ActorKind::Engineer, "A"), DeleteReason::ByHand, NOW_MS + 5).unwrap();
    assert_eq!(ticket, id);
    assert!(matches!(tombstone, TimelineEvent::RecordingDeleted { ref reason, .. } if reason == "by_hand"));
    assert_eq!(desk.desk_history_page(id, None, 10).unwrap().last().map(|entry| entry.seq), Some(tombstone_seq));
    assert_eq!(desk.ticket_recordings(id).unwrap(), vec![second]);
    assert!(desk.remove_recording(row.id, (ActorKind::Engineer, "A"), DeleteReason::ByHand, NOW_MS).is_err());
}
both!(recordings_stay_with_the_ticket);

/// On a team database a recording is deleted only on the computer that holds its file: the
/// others are told where it is, and retention there does not list it.
#[test]
fn postgres_a_recording_is_deleted_only_where_its_file_is() {
    use stepwise::store::recordings::DeleteReason;
    let Some(backend) = postgres_backend() else { return };
    let mut desk = backend.open();
    let id = desk.desk_create(&new_ticket("Recorded", "desc"), "A", NOW_MS).unwrap().ticket.id;
    let (_, row) = desk.log_recording(id, None, &recording_saved("/rec/far.swrec"), 1, NOW_MS).unwrap();
    let mut admin = postgres::Client::connect(&backend.config.url, postgres::NoTls).unwrap();
    admin.execute("UPDATE recordings SET host = 'desk-07' WHERE id = $1", &[&row.id]).unwrap();
    let refused = desk.recording_here(row.id).unwrap_err().to_string();
    assert!(refused.contains("desk-07"), "{refused}");
    assert!(desk.expired_recordings_here(row.retention_until_ms + 1).unwrap().is_empty());
    assert!(desk.remove_recording(row.id, (ActorKind::Engineer, "A"), DeleteReason::ByHand, NOW_MS).is_err());
    assert_eq!(desk.ticket_recordings(id).unwrap().len(), 1, "still listed for the team");
}

fn engineers_sign_in(backend: &dyn Backend) {
    let mut desk = backend.open();
    let li = engineer(&mut desk, "Li Wei", "Network", 2, &[Category::Network, Category::Network]);
    assert_eq!(li.skills, [Category::Network]);
    assert_eq!(desk.sign_in("Li Wei", "correct horse battery").unwrap(), li);
    assert!(matches!(desk.sign_in("Li Wei", "wrong password"), Err(StoreError::SignInRefused)));
    assert!(matches!(desk.sign_in("Nobody", "correct horse battery"), Err(StoreError::SignInRefused)));
    let again = NewEngineer { name: " Li Wei ".into(), team: String::new(), tier: 1, skills: Vec::new() };
    assert!(matches!(desk.add_engineer(&again, "another password", NOW_MS), Err(StoreError::EngineerExists(_))));
    assert!(matches!(
        desk.add_engineer(&NewEngineer { name: "X".into(), ..again }, "short", NOW_MS),
        Err(StoreError::Engineer(_))
    ));
    assert_eq!(desk.engineers().unwrap(), [li]);
}
both!(engineers_sign_in);

fn routing_presence_and_escalation(backend: &dyn Backend) {
    let mut desk = backend.open();
    let busy = engineer(&mut desk, "Busy Network", "Desk", 1, &[Category::Network]);
    let free = engineer(&mut desk, "Free Network", "Desk", 1, &[Category::Network]);
    let other = engineer(&mut desk, "Free Hardware", "Desk", 1, &[Category::Hardware]);
    let tier2 = engineer(&mut desk, "Second Tier", "Experts", 2, &[Category::Network]);
    let mut network = new_ticket("VPN down", "desc");
    network.category = Category::Network;
    let taken = desk.desk_create(&network, "intake", NOW_MS).unwrap();
    desk.claim(taken.ticket.id, busy.id, NOW_MS).unwrap();
    let open = desk.desk_create(&network, "intake", NOW_MS).unwrap();
    let names: Vec<String> = desk
        .suggest_assignees(open.ticket.id)
        .unwrap()
        .into_iter()
        .map(|suggestion| suggestion.engineer.name)
        .collect();
    assert_eq!(names, [free.name.as_str(), busy.name.as_str(), other.name.as_str(), tier2.name.as_str()]);

    desk.heartbeat(open.ticket.id, free.id, NOW_MS).unwrap();
    desk.heartbeat(open.ticket.id, other.id, NOW_MS - 60_000).unwrap();
    let viewers = desk.viewers(open.ticket.id, NOW_MS + 1_000).unwrap();
    assert_eq!(
        viewers.iter().map(|viewer| viewer.engineer).collect::<Vec<_>>(),
        [free.id],
        "stale heartbeats are gone"
    );
    desk.leave(open.ticket.id, free.id, NOW_MS + 2_000).unwrap();
    assert!(desk.viewers(open.ticket.id, NOW_MS + 2_000).unwrap().is_empty());

    let claimed = desk.ticket_at(taken.ticket.id).unwrap();
    let escalation = Escalation { team: Some("Experts".into()), reason: "needs the firewall team".into() };
    let handed = desk.escalate_to(taken.ticket.id, claimed.version, &escalation, &busy.name, NOW_MS + 3_000).unwrap();
    let ticket = &handed.ticket;
    assert_eq!(
        (ticket.ticket.tier, ticket.team.as_deref(), ticket.ticket.assignee.as_deref()),
        (2, Some("Experts"), None)
    );
    assert_eq!(ticket.ticket.status, Status::New);
    let experts = DeskQuery { team: Some("Experts".into()), ..DeskQuery::default() };
    assert_eq!(desk.desk_first_page(&experts, 10, NOW_MS).unwrap().total, 1, "the receiving team sees it");
    desk.claim(taken.ticket.id, tier2.id, NOW_MS + 4_000).unwrap();
}
both!(routing_presence_and_escalation);

/// Waits up to `timeout` for an event that `wanted` accepts.
fn wait_for(
    events: &std::sync::mpsc::Receiver<ListenerEvent>,
    timeout: Duration,
    wanted: impl Fn(&ListenerEvent) -> bool,
) -> Option<ListenerEvent> {
    let deadline = Instant::now() + timeout;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) if wanted(&event) => return Some(event),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[test]
fn postgres_changes_reach_another_console() {
    let Some(backend) = postgres_backend() else { return };
    let mut desk = backend.open();
    let (_listener, events) = TeamListener::spawn(backend.config.clone()).unwrap();
    assert!(wait_for(&events, Duration::from_secs(10), |event| *event == ListenerEvent::Connected).is_some());
    let created = desk.desk_create(&new_ticket("Live", "desc"), "Li Wei", NOW_MS).unwrap();
    let notice = wait_for(&events, Duration::from_secs(5), |event| matches!(event, ListenerEvent::Notice(_)));
    let Some(ListenerEvent::Notice(notice)) = notice else { panic!("no notice within 5 s") };
    assert_eq!(
        (notice.ticket, notice.kind, notice.version),
        (created.ticket.id, DeskNoticeKind::Created, Some(created.version))
    );
    desk.change_ticket_at(
        created.ticket.id,
        created.version,
        &TicketChange::Status(Status::InProgress),
        "Li Wei",
        NOW_MS,
    )
    .unwrap();
    let changed = wait_for(
        &events,
        Duration::from_secs(5),
        |event| matches!(event, ListenerEvent::Notice(notice) if notice.kind == DeskNoticeKind::Changed),
    );
    assert!(changed.is_some(), "the change is announced");
}

/// A console's edits and notes commit without a notice (the server serialises notifying
/// commits) and its own listener sends the notices: they reach a colleague all the same, and
/// after that listener stops, the store sends them itself.
#[test]
fn postgres_notices_sent_after_the_write_reach_another_console() {
    let Some(backend) = postgres_backend() else { return };
    let mut desk = TeamStore::connect(&backend.config).unwrap();
    let own = TeamListener::spawn_with(backend.config.clone(), |_| {}).unwrap();
    desk.notify_through(own.outbox());
    let (_colleague, events) = TeamListener::spawn(backend.config.clone()).unwrap();
    assert!(wait_for(&events, Duration::from_secs(10), |event| *event == ListenerEvent::Connected).is_some());
    let created = desk.desk_create(&new_ticket("Deferred", "desc"), "Li Wei", NOW_MS).unwrap();
    let read = desk.ticket_at(created.ticket.id).unwrap();
    let mut fields = read.ticket.fields.clone();
    fields.location = "Room 301".into();
    let edited = desk
        .change_ticket_at(created.ticket.id, read.version, &TicketChange::Fields(Box::new(fields)), "Li Wei", NOW_MS)
        .unwrap();
    let heard = |version: stepwise::model::TicketVersion, kind: DeskNoticeKind| {
        move |event: &ListenerEvent| {
            matches!(event, ListenerEvent::Notice(notice)
                if notice.ticket == created.ticket.id && notice.version == Some(version) && notice.kind == kind)
        }
    };
    assert!(
        wait_for(&events, Duration::from_secs(5), heard(edited.ticket.version, DeskNoticeKind::Changed)).is_some(),
        "the edit is announced by the console's listener"
    );
    own.stop();
    desk.desk_add_note(created.ticket.id, "checked the cable", "Li Wei", NOW_MS).unwrap();
    let noted = desk.ticket_at(created.ticket.id).unwrap().version;
    assert!(
        wait_for(&events, Duration::from_secs(5), heard(noted, DeskNoticeKind::Commented)).is_some(),
        "with its listener gone, the store announces the note itself"
    );
}

#[test]
fn postgres_connection_loss_is_reported_then_the_store_reconnects() {
    let Some(backend) = postgres_backend() else { return };
    let mut store = TeamStore::connect(&backend.config).unwrap();
    let created = store.desk_create(&new_ticket("Loss", "desc"), "A", NOW_MS).unwrap();
    let (_listener, events) = TeamListener::spawn(backend.config.clone()).unwrap();
    assert!(wait_for(&events, Duration::from_secs(10), |event| *event == ListenerEvent::Connected).is_some());
    // Statements this connection prepared (reading a ticket, a page) die with it.
    store.ticket_at(created.ticket.id).unwrap();
    store.desk_first_page(&DeskQuery::default(), 10, NOW_MS).unwrap();
    let pid = store.backend_pid().unwrap();
    let mut admin = postgres::Client::connect(&backend.admin_url, postgres::NoTls).unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&backend.name],
        )
        .unwrap();
    let edit = fields_with(&created.ticket.fields, "title", "Kept and retried");
    let err = store.change_ticket_at(created.ticket.id, created.version, &edit, "A", NOW_MS + 1).unwrap_err();
    assert!(matches!(err, StoreError::ConnectionLost(_)), "{err:?}");
    // The next call reconnects; the kept edit is retried against the version it was read at.
    let retried = store.change_ticket_at(created.ticket.id, created.version, &edit, "A", NOW_MS + 2).unwrap();
    assert_eq!(retried.ticket.ticket.fields.title, "Kept and retried");
    assert_ne!(store.backend_pid().unwrap(), pid, "a new connection");
    // The new connection prepares them afresh.
    assert_eq!(store.ticket_at(created.ticket.id).unwrap().ticket.fields.title, "Kept and retried");
    assert_eq!(store.desk_first_page(&DeskQuery::default(), 10, NOW_MS).unwrap().total, 1);
    assert!(wait_for(&events, Duration::from_secs(10), |event| matches!(event, ListenerEvent::Lost(_))).is_some());
    assert!(
        wait_for(&events, Duration::from_secs(15), |event| *event == ListenerEvent::Connected).is_some(),
        "the listener reconnects by itself"
    );
}

#[test]
fn postgres_a_table_altered_under_a_prepared_statement_is_read_as_before() {
    let Some(backend) = postgres_backend() else { return };
    let mut store = TeamStore::connect(&backend.config).unwrap();
    let created = store.desk_create(&new_ticket("Altered", "desc"), "A", NOW_MS).unwrap();
    // Prepared on this connection.
    store.ticket_at(created.ticket.id).unwrap();
    store.desk_first_page(&DeskQuery::default(), 10, NOW_MS).unwrap();
    // Someone changes a column's type: the server refuses the prepared plans once.
    let (server, _) = backend.admin_url.rsplit_once('/').unwrap();
    let mut admin = postgres::Client::connect(&format!("{server}/{}", backend.name), postgres::NoTls).unwrap();
    admin.batch_execute("ALTER TABLE tickets ALTER COLUMN title TYPE varchar(500)").unwrap();
    assert_eq!(store.ticket_at(created.ticket.id).unwrap().ticket.fields.title, "Altered");
    let page = store.desk_first_page(&DeskQuery::default(), 10, NOW_MS).unwrap();
    assert_eq!(page.rows.len(), 1);
    let edit = fields_with(&created.ticket.fields, "location", "Room 2");
    let changed = store.change_ticket_at(created.ticket.id, created.version, &edit, "A", NOW_MS + 1).unwrap();
    assert_eq!(changed.ticket.ticket.fields.location, "Room 2");
}

#[test]
fn postgres_migrate_copies_a_desk_into_an_empty_team_database_only() {
    let Some(backend) = postgres_backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut local = Store::open(dir.path()).unwrap();
    let first = local.create_ticket(&new_ticket("打印机脱机", "desc"), "Li Wei", NOW_MS).unwrap();
    local.create_ticket(&new_ticket("VPN", "desc"), "Li Wei", NOW_MS).unwrap();
    local.add_note(first.id, "换了硒鼓", "Li Wei", NOW_MS + 1).unwrap();
    local.set_shared_canned_phrases("en", &["One moment please".to_owned()]).unwrap();
    let mut team = TeamStore::connect(&backend.config).unwrap();
    let report = team.migrate_from(&local).unwrap();
    assert_eq!((report.tickets, report.notes, report.timeline_entries), (2, 1, 3), "two created, one note");
    assert!(report.settings >= 1);
    let copied = search_ids(&mut (Box::new(TeamStore::connect(&backend.config).unwrap()) as Desk), "硒鼓");
    assert_eq!(copied.len(), 1, "notes are searchable after the copy");
    let mut desk: Desk = Box::new(team);
    let ticket = desk.ticket_at(copied[0]).unwrap();
    assert_eq!(
        (ticket.ticket.number.as_str(), ticket.ticket.fields.title.as_str()),
        (first.number.as_str(), "打印机脱机")
    );
    let next = desk.desk_create(&new_ticket("Next", "desc"), "A", NOW_MS + 2).unwrap();
    assert_ne!(next.ticket.number, first.number, "numbering continues after the copied tickets");
    let mut again = TeamStore::connect(&backend.config).unwrap();
    assert!(matches!(again.migrate_from(&local), Err(StoreError::TeamNotEmpty(3))));
}

#[test]
fn postgres_a_common_word_lists_the_most_urgent_matches_and_says_there_are_more() {
    use stepwise::store::team::COMMON_SEARCH_CAP;
    let Some(backend) = postgres_backend() else { return };
    let mut store = TeamStore::connect(&backend.config).unwrap();
    // 900 printer tickets of every urgency, 300 about the VPN, 5 about both.
    let grades = [Grade::Low, Grade::Medium, Grade::High];
    let batch: Vec<(NewTicket, i64)> = (0..1_205)
        .map(|index| {
            let (title, description) = match index {
                0..900 => (format!("Printer jam {index}"), "Paper stuck in tray"),
                900..1_200 => (format!("VPN drops {index}"), "Tunnel closes"),
                _ => (format!("Printer over VPN {index}"), "Both"),
            };
            let mut new = new_ticket(&title, description);
            new.urgency = grades[index % 3];
            new.impact = grades[(index / 3) % 3];
            (new, NOW_MS - 3_600_000 + index as i64 * 1_000)
        })
        .collect();
    store.create_tickets(&batch, "intake").unwrap();
    store.refresh_statistics().unwrap();

    // The truth: every ticket in urgency order, those with "printer" in the title.
    let everything = store.desk_first_page(&DeskQuery::default(), 10_000, NOW_MS).unwrap();
    assert_eq!(everything.total, 1_205);
    let printers: Vec<TicketId> =
        everything.rows.iter().filter(|row| row.title.starts_with("Printer")).map(|row| row.id).collect();
    assert_eq!(printers.len(), 905);

    let query = DeskQuery::from(TicketFilter { text: "printer".into(), ..TicketFilter::default() });
    let listing = store.desk_first_page(&query, 100, NOW_MS).unwrap();
    assert!(listing.more_than_total, "a common word lists the page and says there are more");
    assert_eq!(listing.total, 100, "the first page's walk stops one match after the page");
    let first: Vec<TicketId> = listing.rows.iter().map(|row| row.id).collect();
    assert_eq!(first, printers[..100], "the most urgent matches, in the desk's order");
    // Scrolled to the end, the sidebar asks for the next page: the walk goes on, to the cap.
    let second: Vec<TicketId> =
        store.desk_page(&query, 100, 100, NOW_MS).unwrap().into_iter().map(|row| row.id).collect();
    assert_eq!(second, printers[100..usize::try_from(COMMON_SEARCH_CAP).unwrap()]);
    assert!(store.desk_page(&query, COMMON_SEARCH_CAP, 100, NOW_MS).unwrap().is_empty(), "nothing past the cap");
    let small = store.desk_first_page(&query, 20, NOW_MS).unwrap();
    assert_eq!((small.total, small.more_than_total, small.rows.len()), (20, true, 20));

    // Two common words that rarely meet: the walk gives up and the index counts exactly.
    let both = DeskQuery::from(TicketFilter { text: "printer vpn".into(), ..TicketFilter::default() });
    let listing = store.desk_first_page(&both, 100, NOW_MS).unwrap();
    assert!(!listing.more_than_total);
    assert_eq!(listing.total, 5);
    assert!(listing.rows.iter().all(|row| row.title.starts_with("Printer over VPN")));
}

/// A team database of the schema before token signatures (version 4), with tickets and notes,
/// is brought up to date by the next console: every row gets its tokens' signature, the
/// urgency index carries it, and a common word is listed as before.
#[test]
fn postgres_an_older_team_database_gets_its_tickets_signed() {
    let Some(backend) = postgres_backend() else { return };
    let mut store = TeamStore::connect(&backend.config).unwrap();
    let batch: Vec<(NewTicket, i64)> = (0..1_000)
        .map(|index| {
            let title =
                if index % 2 == 0 { format!("Printer jam {index}") } else { format!("打印机 卡纸 {index}") };
            (new_ticket(&title, "Paper stuck"), NOW_MS - 3_600_000 + index)
        })
        .collect();
    store.create_tickets(&batch, "intake").unwrap();
    let noted = store.desk_first_page(&DeskQuery::default(), 1, NOW_MS).unwrap().rows[0].id;
    store.desk_add_note(noted, "Toner replaced, VPN reset", "A", NOW_MS).unwrap();
    drop(store);
    // Back to version 4, as an older build left it.
    let mut client = postgres::Client::connect(&backend.config.url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "DROP INDEX tickets_by_urgency_signed; DROP TRIGGER tickets_tokens_unsigned ON tickets; \
             DROP FUNCTION stepwise_tokens_unsigned(); ALTER TABLE tickets DROP COLUMN search_signature; \
             CREATE INDEX tickets_by_urgency ON tickets (urgency_key, id); UPDATE schema_version SET version = 4;",
        )
        .unwrap();

    let mut store = TeamStore::connect(&backend.config).unwrap();
    let rows = client.query("SELECT search_tokens, search_signature FROM tickets", &[]).unwrap();
    assert_eq!(rows.len(), 1_000);
    for row in &rows {
        let tokens: Vec<String> = row.get(0);
        assert_eq!(row.get::<_, TokenSignature>(1), TokenSignature::of(&tokens));
    }
    let indexes: Vec<String> = client
        .query("SELECT indexname FROM pg_indexes WHERE tablename = 'tickets'", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(indexes.contains(&"tickets_by_urgency_signed".to_owned()), "{indexes:?}");
    assert!(!indexes.contains(&"tickets_by_urgency".to_owned()), "{indexes:?}");

    store.refresh_statistics().unwrap();
    for (word, matching) in [("printer", 500), ("打印机", 500)] {
        let query = DeskQuery::from(TicketFilter { text: word.into(), ..TicketFilter::default() });
        let listing = store.desk_first_page(&query, 100, NOW_MS).unwrap();
        assert!(listing.more_than_total, "{word}: a common word is listed by the walk");
        assert!(listing.total < matching);
        assert_eq!(listing.rows.len(), 100);
    }
    let mut desk: Desk = Box::new(store);
    let found = search_ids(&mut desk, "toner");
    assert_eq!(found, vec![noted], "the note's words are signed too");
}

/// A console of an older build, still running against the upgraded database, writes tokens
/// without a signature: its rows get every bit set, so a common-word walk still reads and finds
/// them (never passes them over), and the signing writes of this build are left alone.
#[test]
fn postgres_tokens_written_without_a_signature_are_never_passed_over() {
    let Some(backend) = postgres_backend() else { return };
    let mut store = TeamStore::connect(&backend.config).unwrap();
    let batch: Vec<(NewTicket, i64)> =
        (0..1_000).map(|index| (new_ticket(&format!("Printer jam {index}"), "Paper stuck"), NOW_MS + index)).collect();
    store.create_tickets(&batch, "intake").unwrap();
    let mut client = postgres::Client::connect(&backend.config.url, postgres::NoTls).unwrap();
    // An older build's note: search text and tokens grow, the signature is not touched.
    let updated = client
        .execute(
            "UPDATE tickets SET search_text = search_text || E'\\nmouse stuck', \
             search_tokens = search_tokens || ARRAY['mou', 'ous', 'use'] WHERE id % 2 = 0",
            &[],
        )
        .unwrap();
    assert_eq!(updated, 500);
    // An older build's new ticket: no signature at all.
    client
        .execute(
            "INSERT INTO tickets (number, title, requester_name, category, urgency, impact, priority, status, \
                 reported_at_ms, created_at_ms, updated_at_ms, sla_started_at_ms, sla_response_target_ms, \
                 sla_resolution_target_ms, urgency_key, search_text, search_tokens) \
             SELECT number || '-old', title, requester_name, category, urgency, impact, priority, status, \
                 reported_at_ms, created_at_ms, updated_at_ms, sla_started_at_ms, sla_response_target_ms, \
                 sla_resolution_target_ms, urgency_key, search_text, search_tokens FROM tickets WHERE id = 1",
            &[],
        )
        .unwrap();
    let unsigned: i64 = client
        .query_one("SELECT count(*) FROM tickets WHERE search_signature = repeat('1', 1024)::bit(1024)", &[])
        .unwrap()
        .get(0);
    assert_eq!(unsigned, 501, "the 500 updated rows and the inserted one have every bit set");

    store.refresh_statistics().unwrap();
    let query = DeskQuery::from(TicketFilter { text: "mouse".into(), ..TicketFilter::default() });
    let listing = store.desk_first_page(&query, 100, NOW_MS).unwrap();
    assert!(listing.more_than_total, "a common word is listed by the walk");
    assert_eq!(listing.rows.len(), 100);
    assert!(listing.rows.iter().all(|row| row.id.0 % 2 == 0));
    // This build's own note keeps signing the row it writes.
    let signed = store.desk_first_page(&DeskQuery::default(), 1, NOW_MS).unwrap().rows[0].id;
    let signed = if signed.0 % 2 == 0 { TicketId(signed.0 + 1) } else { signed };
    store.desk_add_note(signed, "Toner replaced", "A", NOW_MS).unwrap();
    let row =
        client.query_one("SELECT search_tokens, search_signature FROM tickets WHERE id = $1", &[&signed.0]).unwrap();
    let tokens: Vec<String> = row.get(0);
    assert_eq!(row.get::<_, TokenSignature>(1), TokenSignature::of(&tokens));
}

/// The console's store thread on a team database: a session started from a team ticket, the
/// user's survey and the recording land on that ticket in the team database — none of it in the
/// console's own file — and the recording is deleted by hand with its file.
#[test]
fn postgres_a_team_tickets_session_survey_and_recording_are_the_teams() {
    use std::sync::mpsc::{Receiver, channel};
    use stepwise::app::store_worker::{StoreRequest, StoreWorker};
    use stepwise::model::{NewEngineer, TeamDatabaseSettings};
    use stepwise::protocol::{Answer, EndReason, SessionEvent, SurveyAnswers, SurveyReply};
    use stepwise::transport::TransportEvent;
    use stepwise::ui::{StoreCommand, UiEvent};

    fn until(events: &Receiver<UiEvent>, what: &str, done: impl Fn(&UiEvent) -> bool) -> UiEvent {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = events.recv_timeout(left).unwrap_or_else(|_| panic!("no {what} within 30 s"));
            if let UiEvent::ActionFailed(why) | UiEvent::TranscriptWriteFailed { reason: why, .. } = &event {
                panic!("{what}: {why}");
            }
            if done(&event) {
                return event;
            }
        }
    }

    let Some(backend) = postgres_backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (sender, events) = channel();
    let settings = TeamDatabaseSettings { url: backend.config.url.clone(), tls: false };
    let worker =
        StoreWorker::spawn_with_database(dir.path().to_path_buf(), Some(settings), sender, Arc::new(|| {}), || NOW_MS);
    until(&events, "the store", |event| matches!(event, UiEvent::StoreOpened(_)));
    let engineer = NewEngineer { name: "Li".into(), team: "Desk".into(), tier: 1, skills: Vec::new() };
    worker.send(StoreRequest::Command(StoreCommand::AddEngineer {
        engineer,
        password: "correct horse".into(),
        sign_in: true,
    }));
    until(&events, "sign-in", |event| matches!(event, UiEvent::SignedIn(_)));
    worker.send(StoreRequest::Command(StoreCommand::CreateTicket(new_ticket("VPN drops", "desc"))));
    let UiEvent::TicketLoaded { detail, .. } =
        until(&events, "the new ticket", |event| matches!(event, UiEvent::TicketLoaded { .. }))
    else {
        unreachable!()
    };
    let ticket_id = detail.ticket.id;

    let notice = stepwise::ui::SessionNotice::Started {
        link: "stepwise://127.0.0.1:4000/123456789".into(),
        code: "123 456 789".into(),
        address: "127.0.0.1:4000".into(),
        expires_at_ms: NOW_MS + 600_000,
        viewer: stepwise::ui::viewer::FrameSlot::default(),
        relay: false,
    };
    worker.send(StoreRequest::SessionStarted { ticket_id, port: 4000, notice });
    let session = |event: TransportEvent| StoreRequest::Session { ticket_id, event };
    worker.send(session(TransportEvent::Paired));
    worker.send(session(TransportEvent::Session(SessionEvent::Ended {
        reason: EndReason::EngineerEnded,
        by_peer: false,
    })));
    let answers =
        SurveyAnswers { solved: Answer::Yes, rating: 4, explanations_clear: Answer::Yes, comment: "好".into() };
    worker.send(session(TransportEvent::Session(SessionEvent::SurveyReplied(SurveyReply::Answered(answers.clone())))));
    let file = dir.path().join("team-ticket.swrec");
    std::fs::write(&file, b"recorded").unwrap();
    worker.send(StoreRequest::Recording {
        ticket_id,
        session_id: None,
        event: recording_saved(&file.display().to_string()),
    });
    let UiEvent::TicketLoaded { detail, .. } = until(
        &events,
        "the ticket with its recording",
        |event| matches!(event, UiEvent::TicketLoaded { detail, .. } if !detail.recordings.is_empty()),
    ) else {
        unreachable!()
    };
    let [session_row] = detail.sessions.as_slice() else { panic!("one session: {:?}", detail.sessions) };
    assert_eq!(session_row.end_reason.as_deref(), Some(EndReason::EngineerEnded.as_str()));
    assert!(session_row.joined_at_ms.is_some());
    assert_eq!(detail.surveys.len(), 1);
    assert_eq!(detail.surveys[0].answers(), Some(&answers));
    assert_eq!(detail.recordings[0].session_id, Some(session_row.id));
    let mut team = backend.open();
    assert_eq!(team.ticket_sessions(ticket_id).unwrap(), detail.sessions, "in the team database");
    assert!(
        team.desk_history_page(ticket_id, None, 100)
            .unwrap()
            .iter()
            .any(|entry| entry.event == TimelineEvent::SurveyAnswered(answers.clone()))
    );

    worker.send(StoreRequest::Command(StoreCommand::DeleteRecording { recording_id: detail.recordings[0].id }));
    let UiEvent::TicketLoaded { detail, .. } =
        until(&events, "the deletion", |event| matches!(event, UiEvent::TicketLoaded { changed: true, .. }))
    else {
        unreachable!()
    };
    assert!(detail.recordings.is_empty());
    assert!(!file.exists(), "the file is deleted");

    // A second recording is kept: retention deletes its file even when the console has gone back
    // to its own desk, and the team row goes (with a tombstone) when it opens the team desk again.
    let kept = dir.path().join("team-ticket-2.swrec");
    std::fs::write(&kept, b"recorded").unwrap();
    worker.send(StoreRequest::Recording {
        ticket_id,
        session_id: None,
        event: recording_saved(&kept.display().to_string()),
    });
    until(
        &events,
        "the second recording",
        |event| matches!(event, UiEvent::TicketLoaded { detail, .. } if detail.recordings.len() == 1),
    );
    drop(worker);

    let local = Store::open(dir.path()).unwrap();
    assert!(local.sessions_between(0, i64::MAX).unwrap().is_empty(), "nothing in the console's own file");
    assert!(local.surveys_between(0, i64::MAX).unwrap().is_empty());
    drop(local);

    /// The store thread's answer to a request sent after it opened: whatever it did at opening
    /// (retention) is done by then.
    fn opened(worker: &StoreWorker, events: &Receiver<UiEvent>) {
        until(events, "the store", |event| matches!(event, UiEvent::StoreOpened(_)));
        let (reply, answer) = channel();
        worker.send(StoreRequest::CurrentSession { ticket_id: TicketId(1), reply });
        answer.recv_timeout(Duration::from_secs(30)).expect("the store thread answers");
    }
    const LATER_MS: i64 = NOW_MS + 200 * 86_400_000;
    let (sender, events) = channel();
    let own_desk = StoreWorker::spawn(dir.path().to_path_buf(), sender, Arc::new(|| {}), || LATER_MS);
    opened(&own_desk, &events);
    assert!(!kept.exists(), "retention deleted the team recording's file on the console's own desk");
    drop(own_desk);
    assert_eq!(backend.open().ticket_recordings(ticket_id).unwrap().len(), 1, "the team row waits");

    let (sender, events) = channel();
    let settings = TeamDatabaseSettings { url: backend.config.url.clone(), tls: false };
    let team_desk =
        StoreWorker::spawn_with_database(dir.path().to_path_buf(), Some(settings), sender, Arc::new(|| {}), || {
            LATER_MS
        });
    opened(&team_desk, &events);
    let mut team = backend.open();
    assert!(team.ticket_recordings(ticket_id).unwrap().is_empty(), "the team row went by retention");
    let last = team.desk_history_page(ticket_id, None, 5).unwrap().pop().unwrap();
    assert!(matches!(&last.event, TimelineEvent::RecordingDeleted { reason, .. } if reason == "retention"));
}

/// A desk copied into a team database gives the same report there as on the console's own
/// file: sample tickets with their workflow moves, and sessions and surveys on some of them (the
/// migration copies those too).
#[test]
fn postgres_a_migrated_desk_reports_the_same_on_both_databases() {
    use stepwise::model::report::{Report, ReportQuery};
    use stepwise::model::{SurveyOutcome, SurveyRecord};
    use stepwise::protocol::{Answer, SurveyAnswers};
    let Some(backend) = postgres_backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut local = Store::open(dir.path()).unwrap();
    let now = NOW_MS;
    let loaded = local.load_sample_tickets(now - 3_600_000).unwrap();
    assert!(loaded > 20);
    for (index, ticket) in [1_i64, 3, 5, 8].into_iter().enumerate() {
        let ticket = TicketId(ticket);
        let started = now - 3_000_000 + i64::try_from(index).unwrap() * 60_000;
        let session = local.begin_session(ticket, if index % 2 == 0 { "陈伟" } else { "Li" }, started).unwrap();
        local.mark_session_joined(session, started + 20_000).unwrap();
        local.end_session(session, "engineer_ended", started + 600_000).unwrap();
        let outcome = if index == 2 {
            SurveyOutcome::NotAnswered { reason: "closed".into() }
        } else {
            SurveyOutcome::Answered(SurveyAnswers {
                solved: [Answer::Yes, Answer::Partly, Answer::No][index % 3],
                rating: u8::try_from(index + 2).unwrap(),
                explanations_clear: Answer::Yes,
                comment: String::new(),
            })
        };
        let survey = SurveyRecord {
            session_id: session,
            ticket_id: ticket,
            asked_at_ms: started + 600_000,
            settled_at_ms: started + 620_000,
            outcome,
        };
        local.record_survey(&survey, "王丽").unwrap();
    }
    // Guide steps answered in sessions (one of them outside the second query's range).
    let guides = local.list_guides("").unwrap();
    for (step, answer, at_ms) in [
        (0, StepOutcome::Done, now - 2_000_000),
        (1, StepOutcome::Stuck, now - 1_900_000),
        (1, StepOutcome::DidntWork, now - 60_000),
    ] {
        local.record_step_answer(guides[2].id, step, answer, at_ms).unwrap();
    }
    let mut team = TeamStore::connect(&backend.config).unwrap();
    let copied = team.migrate_from(&local).unwrap();
    assert_eq!((copied.sessions, copied.surveys, copied.guides), (4, 4, 6));

    for query in [
        ReportQuery { from_ms: now - 30 * 86_400_000, to_ms: now + 1, ..ReportQuery::default() },
        ReportQuery { from_ms: now - 7 * 86_400_000, to_ms: now - 3_600_000, ..ReportQuery::default() },
        ReportQuery {
            from_ms: now - 30 * 86_400_000,
            to_ms: now + 1,
            engineer: Some("陈伟".into()),
            utc_offset_minutes: 480,
            ..ReportQuery::default()
        },
    ] {
        let on_file = local.report(&query, now).unwrap();
        let mut inputs = team.report_inputs(&query).unwrap();
        local.add_console_report_parts(&query, &mut inputs).unwrap();
        let on_team = Report::compute(&query, &inputs, now);
        assert_eq!(on_team, on_file, "{query:?}");
        assert!(!inputs.tickets.is_empty() && !inputs.moves.is_empty());
        if query.to_ms > now {
            assert!(!inputs.guide_steps.is_empty(), "the team's guide answers are in the report");
        }
    }
}

/// One knowledge base for everyone on the desk: a guide saved at one console is listed and opened
/// at another, with the same answer counts; a save made on a stale copy is refused (nothing
/// overwritten); counts follow their steps when the guide is edited; team-wide words are shared.
fn guides_and_words_are_shared(backend: &dyn Backend) {
    let mut first = backend.open();
    let mut second = backend.open();
    let shipped = first.find_guides("").unwrap();
    assert_eq!(shipped.len(), 6, "the shipped guides are there from the start: {shipped:?}");
    assert_eq!(second.find_guides("无线").unwrap().len(), 1, "Chinese tag search");
    let wifi = second.find_guides("WI-FI").unwrap();
    assert!(!wifi.is_empty(), "letter case is ignored");

    let mut guide = first.open_guide(shipped[0].id).unwrap().guide;
    guide.id = stepwise::model::GuideId(0);
    guide.title = "VPN 断开 / VPN drops".into();
    let (id, revision) = first.keep_guide(&guide, None, NOW_MS).unwrap();
    guide.id = id;
    let opened = second.open_guide(id).unwrap();
    assert_eq!((opened.guide.clone(), opened.revision), (guide.clone(), revision), "the other console sees it");
    second.count_step_answer(id, 1, StepOutcome::Stuck, NOW_MS + 1).unwrap();
    first.count_step_answer(id, 1, StepOutcome::Stuck, NOW_MS + 2).unwrap();
    first.count_step_answer(id, 0, StepOutcome::Done, NOW_MS + 2).unwrap();
    let stats = first.open_guide(id).unwrap().stats;
    assert_eq!((stats[0].done, stats[1].stuck), (1, 2), "{stats:?}");

    // The second console saves (its edit swaps the first two steps); the first one's copy is
    // now stale and its save is refused.
    let mut theirs = second.open_guide(id).unwrap();
    theirs.guide.steps.swap(0, 1);
    let (_, newer) = second.keep_guide(&theirs.guide, Some(theirs.revision), NOW_MS + 3).unwrap();
    assert_ne!(newer, revision);
    let mut mine = guide.clone();
    mine.title = "Mine".into();
    let refused = first.keep_guide(&mine, Some(revision), NOW_MS + 4);
    assert!(matches!(refused, Err(StoreError::GuideChanged(_))), "{refused:?}");
    let now_there = first.open_guide(id).unwrap();
    assert_eq!(now_there.guide.title, "VPN 断开 / VPN drops", "nothing was overwritten");
    assert_eq!((now_there.stats[0].stuck, now_there.stats[1].done), (2, 1), "counts moved with their steps");

    first.drop_guide(id).unwrap();
    assert!(second.open_guide(id).is_err(), "deleted for everyone");
    second.count_step_answer(id, 0, StepOutcome::Done, NOW_MS + 5).unwrap();

    first.set_shared_canned_phrases("zh", &["请稍等".to_owned(), "  ".to_owned()]).unwrap();
    assert_eq!(second.shared_canned_phrases("zh").unwrap(), Some(vec!["请稍等".to_owned()]));
    let glossary = stepwise::model::Glossary::parse_lines("SSO = one sign-in for every app").unwrap();
    second.set_shared_glossary("en", &glossary).unwrap();
    assert_eq!(first.shared_glossary("en").unwrap(), glossary);
}
both!(guides_and_words_are_shared);

/// A team desk exports like the console's own file: a migrated desk gives the same JSON (notes
/// and timelines included) and CSV, byte for byte.
#[test]
fn postgres_a_team_desk_exports_what_the_file_exports() {
    use stepwise::model::ExportFormat;
    let Some(backend) = postgres_backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut local = Store::open(dir.path()).unwrap();
    local.load_sample_tickets(NOW_MS - 3_600_000).unwrap();
    local.add_note(TicketId(2), "=SUM(A1) 换了硒鼓", "Li Wei", NOW_MS).unwrap();
    TeamStore::connect(&backend.config).unwrap().migrate_from(&local).unwrap();
    let out = tempfile::tempdir().unwrap();
    for (format, name) in [(ExportFormat::Json, "desk.json"), (ExportFormat::Csv, "desk.csv")] {
        let (from_file, from_team) = (out.path().join(format!("file-{name}")), out.path().join(format!("team-{name}")));
        let count = local.export_to_path(format, &from_file, NOW_MS).unwrap();
        let mut team = TeamStore::connect(&backend.config).unwrap();
        assert_eq!(stepwise::store::export_desk_to_path(&mut team, format, &from_team, NOW_MS).unwrap(), count);
        let (file_bytes, team_bytes) = (std::fs::read(&from_file).unwrap(), std::fs::read(&from_team).unwrap());
        assert!(file_bytes.len() > 1_000);
        assert!(file_bytes == team_bytes, "{name} differs");
    }
}

/// A console on a team desk works from the team's knowledge base and words: it starts with the
/// team's canned phrases, a guide it saves is the team's (not in its own file), and a save over a
/// colleague's newer version is refused with a plain message.
#[test]
fn postgres_a_team_console_uses_the_teams_guides_and_words() {
    use std::sync::mpsc::{Receiver, channel};
    use stepwise::app::store_worker::{StoreRequest, StoreWorker};
    use stepwise::model::{Guide, GuideId, GuideStep, TeamDatabaseSettings};
    use stepwise::ui::{GuideView, Lang, StoreCommand, UiEvent};

    fn until(events: &Receiver<UiEvent>, what: &str, done: impl Fn(&UiEvent) -> bool) -> UiEvent {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = events.recv_timeout(left).unwrap_or_else(|_| panic!("no {what} within 30 s"));
            if done(&event) {
                return event;
            }
        }
    }

    let Some(backend) = postgres_backend() else { return };
    let mut colleague = backend.open();
    colleague.set_shared_canned_phrases("en", &["The team's phrase".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sender, events) = channel();
    let settings = TeamDatabaseSettings { url: backend.config.url.clone(), tls: false };
    let worker =
        StoreWorker::spawn_with_database(dir.path().to_path_buf(), Some(settings), sender, Arc::new(|| {}), || NOW_MS);
    let UiEvent::StoreOpened(info) = until(&events, "the store", |event| matches!(event, UiEvent::StoreOpened(_)))
    else {
        unreachable!()
    };
    assert_eq!(info.phrases(Lang::En), ["The team's phrase".to_owned()]);

    let guide = Guide {
        id: GuideId(0),
        title: "重置 VPN 令牌".into(),
        category: Category::Network,
        tags: vec!["vpn".into()],
        language: "zh".into(),
        steps: vec![GuideStep { instruction: "打开令牌应用".into(), ..GuideStep::default() }],
    };
    let view = GuideView::KnowledgeBase;
    worker.send(StoreRequest::Command(StoreCommand::SaveGuide { view, guide: guide.clone() }));
    let UiEvent::GuideSaved { guide_id, .. } =
        until(&events, "the saved guide", |event| matches!(event, UiEvent::GuideSaved { .. }))
    else {
        unreachable!()
    };
    assert_eq!(colleague.open_guide(guide_id).unwrap().guide.title, "重置 VPN 令牌", "on the team database");
    let own_file = Store::open_read_only(dir.path()).unwrap();
    assert!(own_file.list_guides("令牌").unwrap().is_empty(), "not in the console's own file");

    worker.send(StoreRequest::Command(StoreCommand::LoadGuide { view, guide_id }));
    until(&events, "the opened guide", |event| matches!(event, UiEvent::GuideLoaded { .. }));
    let mut theirs = colleague.open_guide(guide_id).unwrap();
    theirs.guide.title = "重置 VPN 令牌（新版）".into();
    colleague.keep_guide(&theirs.guide, Some(theirs.revision), NOW_MS + 1).unwrap();
    let mine = Guide { id: guide_id, title: "Mine".into(), ..guide };
    worker.send(StoreRequest::Command(StoreCommand::SaveGuide { view, guide: mine }));
    let UiEvent::ActionFailed(why) = until(&events, "the refusal", |event| matches!(event, UiEvent::ActionFailed(_)))
    else {
        unreachable!()
    };
    assert!(why.contains("changed by someone else"), "{why}");
    assert_eq!(colleague.open_guide(guide_id).unwrap().guide.title, "重置 VPN 令牌（新版）");

    // A colleague's new phrases and glossary reach the running console without a restart.
    colleague.set_shared_canned_phrases("zh", &["请稍等，我正在查看。".to_owned()]).unwrap();
    let glossary = stepwise::model::Glossary::parse_lines("DNS = 网址簿").unwrap();
    colleague.set_shared_glossary("zh", &glossary).unwrap();
    until(&events, "the colleague's words", |event| {
        matches!(event, UiEvent::SharedWordsChanged { glossaries, canned_phrases }
            if canned_phrases.contains(&(Lang::Zh, vec!["请稍等，我正在查看。".to_owned()]))
                && glossaries.contains(&(Lang::Zh, glossary.clone())))
    });
}

/// Notes and edits written in one statement (no lock held across round trips) keep the search
/// index exactly as a full rebuild from every note does, number their timeline entries
/// consecutively under concurrent writers, and lose nothing.
#[test]
fn postgres_one_statement_writes_index_and_number_like_the_locking_path() {
    let Some(backend) = postgres_backend() else { return };
    let mut desk = backend.open();
    let created = desk.desk_create(&new_ticket("Drucker offline", "desc"), "A", NOW_MS).unwrap();
    let id = created.ticket.id;
    let threads: Vec<_> = (0..3)
        .map(|console| {
            let mut desk = backend.open();
            std::thread::spawn(move || {
                for index in 0..15_i64 {
                    let read = desk.ticket_at(id).unwrap();
                    if index % 3 == 0 {
                        let value = format!("desk {console}-{index}");
                        let change = fields_with(&read.ticket.fields, "location", &value);
                        // A colleague may have changed the location since: that is a conflict.
                        match desk.change_ticket_at(id, read.version, &change, "E", NOW_MS + index) {
                            Ok(_) | Err(StoreError::Conflict { .. }) => {}
                            Err(other) => panic!("{other}"),
                        }
                    } else {
                        let text = format!("控制台 {console} Σημείωση {index} Printer-Queue");
                        desk.desk_add_note(id, &text, "E", NOW_MS + index).unwrap();
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let notes = desk.desk_notes(id).unwrap();
    assert_eq!(notes.len(), 3 * 10, "every note kept");
    let history = desk.desk_history_page(id, None, 1000).unwrap();
    let seqs: Vec<i64> = history.iter().map(|entry| entry.seq).collect();
    assert_eq!(seqs, (1..=i64::try_from(history.len()).unwrap()).collect::<Vec<_>>(), "consecutive, no gaps");
    assert!(search_ids(&mut desk, "控制台").contains(&id) && search_ids(&mut desk, "queue").contains(&id));

    // The search text, the tokens and the token signature (which must be the tokens' own: a
    // common-word walk passes over a row whose signature lacks a search token's bits).
    let index_of = |url: &str| -> (String, Vec<String>, TokenSignature) {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let sql = "SELECT search_text, search_tokens, search_signature FROM tickets WHERE id = $1";
        let row = client.query_one(sql, &[&id.0]).unwrap();
        let mut tokens: Vec<String> = row.get(1);
        tokens.sort();
        let signature: TokenSignature = row.get(2);
        assert_eq!(signature, TokenSignature::of(&tokens), "the signature is the tokens'");
        (row.get(0), tokens, signature)
    };
    let grown = index_of(&backend.config.url);
    // A title change rebuilds the whole index from every note (the locking path); changed back,
    // it must be the index the one-statement writes grew.
    let read = desk.ticket_at(id).unwrap();
    let renamed = desk.change_ticket_at(id, read.version, &fields_with(&read.ticket.fields, "title", "x"), "A", NOW_MS);
    let renamed = renamed.unwrap().ticket;
    let back = fields_with(&renamed.ticket.fields, "title", "Drucker offline");
    desk.change_ticket_at(id, renamed.version, &back, "A", NOW_MS).unwrap();
    assert_eq!(index_of(&backend.config.url), grown);
}
