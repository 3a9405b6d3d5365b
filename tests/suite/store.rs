//! Store integration tests: tickets, workflow rules, search in English and Chinese, SLA filters,
//! samples, export and import.

#[cfg(target_os = "linux")]
use crate::unwritable;

use stepwise::model::{Category, Grade, NewTicket, Status, TicketFields, TicketRule};
use stepwise::model::{ChatAuthor, HistoryEntry, TimelineEvent};
use stepwise::model::{ExportFormat, SlaFilter, TicketFilter};
use stepwise::model::{SlaLevel, SlaTarget};
use stepwise::store::{Store, StoreError};

/// The stored payload of an entry, as written to the database.
fn payload(entry: &HistoryEntry) -> serde_json::Value {
    entry.event.to_stored().1
}

const MIN: i64 = 60_000;
const T0: i64 = 1_795_000_000_000;

fn form(title: &str, description: &str) -> NewTicket {
    NewTicket {
        fields: TicketFields {
            title: title.into(),
            requester_name: "王丽".into(),
            department: "财务部".into(),
            description: description.into(),
            ..TicketFields::default()
        },
        category: Category::Network,
        urgency: Grade::High,
        impact: Grade::Medium,
        reported_at_ms: None,
    }
}

fn search(store: &Store, text: &str) -> Vec<String> {
    let filter = TicketFilter { text: text.into(), ..TicketFilter::default() };
    store.list_tickets(&filter, 0, 100, T0).unwrap().into_iter().map(|row| row.title).collect()
}

#[test]
fn create_numbers_and_history() {
    let mut store = Store::open_in_memory().unwrap();
    let first = store.create_ticket(&form("VPN 连接失败", "提示“无法建立隧道”"), "陈伟", T0).unwrap();
    let second = store.create_ticket(&form("Printer offline", "Shows 'offline'"), "陈伟", T0 + 1).unwrap();
    assert!(first.number.starts_with("T-") && first.number.ends_with("-0001"), "{}", first.number);
    assert!(second.number.ends_with("-0002"));
    assert_eq!(first.priority, stepwise::model::Priority::Urgent);
    let history = store.history(first.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event.kind(), "created");
    assert_eq!(history[0].actor, "陈伟");
    assert_eq!(history[0].seq, 1);
}

#[test]
fn form_validation_lists_every_problem() {
    let mut store = Store::open_in_memory().unwrap();
    let mut bad = form("", "");
    bad.fields.requester_name = " ".into();
    let Err(StoreError::InvalidFields(errors)) = store.create_ticket(&bad, "me", T0) else { panic!("accepted") };
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(store.ticket_count().unwrap(), 0);
}

#[test]
fn search_finds_chinese_and_english() {
    let mut store = Store::open_in_memory().unwrap();
    store.create_ticket(&form("打印机脱机", "三楼的打印机显示脱机"), "me", T0).unwrap();
    store.create_ticket(&form("VPN fails to connect", "FortiClient error -14"), "me", T0).unwrap();
    let wifi = store.create_ticket(&form("无线网络经常掉线", "会议室信号弱"), "me", T0).unwrap();
    store.add_note(wifi.id, "已更换 AP 固件", "me", T0).unwrap();
    assert_eq!(search(&store, "打印机"), ["打印机脱机"]);
    assert_eq!(search(&store, "打印"), ["打印机脱机"], "two-character Chinese words must match");
    assert_eq!(search(&store, "forticlient"), ["VPN fails to connect"], "case-insensitive");
    assert_eq!(search(&store, "固件"), ["无线网络经常掉线"], "notes are searchable");
    assert_eq!(search(&store, "王丽 掉线"), ["无线网络经常掉线"], "all terms must match");
    assert!(search(&store, "100%_\"").is_empty(), "special characters are literal");
    assert_eq!(search(&store, "").len(), 3);
}

#[test]
fn status_rules_and_history() {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&form("Outlook crashes", "on start"), "陈伟", T0).unwrap();
    let err = store.change_status(ticket.id, Status::Resolved, "陈伟", T0).unwrap_err();
    assert!(matches!(err, StoreError::InvalidTransition { .. }), "{err}");
    let err = store.change_status(ticket.id, Status::Assigned, "陈伟", T0).unwrap_err();
    assert!(err.to_string().contains("assignee"), "{err}");
    let ticket = store.change_status(ticket.id, Status::InProgress, "陈伟", T0 + MIN).unwrap();
    assert_eq!(ticket.assignee.as_deref(), Some("陈伟"), "taking a ticket assigns it");
    let err = store.change_status(ticket.id, Status::Resolved, "陈伟", T0).unwrap_err();
    assert!(err.to_string().contains("resolution"), "{err}");
    store.set_resolution(ticket.id, "Rebuilt the mail profile", "陈伟", T0 + 2 * MIN).unwrap();
    store.change_status(ticket.id, Status::Resolved, "陈伟", T0 + 3 * MIN).unwrap();
    store.change_status(ticket.id, Status::Closed, "陈伟", T0 + 4 * MIN).unwrap();
    let reopened = store.change_status(ticket.id, Status::InProgress, "陈伟", T0 + 5 * MIN).unwrap();
    assert_eq!(reopened.status, Status::InProgress);
    let kinds: Vec<String> = store.history(ticket.id).unwrap().into_iter().map(|entry| entry.event.kind()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "status_changed",
            "assignee_changed",
            "resolution_set",
            "status_changed",
            "status_changed",
            "status_changed"
        ]
    );
}

#[test]
fn waiting_on_user_pauses_sla_and_filters_follow() {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&form("ERP login error", "ORA-28000"), "me", T0).unwrap();
    let at_risk = TicketFilter { sla: SlaFilter::AtRiskOrBreached, ..TicketFilter::default() };
    let breached = TicketFilter { sla: SlaFilter::Breached, ..TicketFilter::default() };
    assert_eq!(store.count_tickets(&at_risk, T0 + 5 * MIN).unwrap(), 0);
    assert_eq!(store.count_tickets(&at_risk, T0 + 13 * MIN).unwrap(), 1, "urgent: 15 min response, at risk under 20 %");
    assert_eq!(store.count_tickets(&breached, T0 + 16 * MIN).unwrap(), 1);
    let ticket = store.change_status(ticket.id, Status::InProgress, "me", T0 + 10 * MIN).unwrap();
    let ticket = store.change_status(ticket.id, Status::WaitingOnUser, "me", T0 + 20 * MIN).unwrap();
    let reading = ticket.sla.read(T0 + 1000 * MIN, store.policy());
    assert!(reading.paused);
    assert_eq!(reading.target, SlaTarget::Resolution);
    assert_eq!(reading.remaining_ms, 220 * MIN);
    assert_eq!(reading.level, SlaLevel::OnTrack);
    assert_eq!(store.count_tickets(&breached, T0 + 1000 * MIN).unwrap(), 0, "a paused clock does not breach");
}

#[test]
fn sidebar_order_is_by_sla_urgency() {
    let mut store = Store::open_in_memory().unwrap();
    let mut normal = form("Normal", "n");
    normal.urgency = Grade::Low;
    normal.impact = Grade::Low;
    store.create_ticket(&normal, "me", T0).unwrap();
    store.create_ticket(&form("Urgent later", "u"), "me", T0 + 5 * MIN).unwrap();
    store.create_ticket(&form("Urgent first", "u"), "me", T0).unwrap();
    let titles: Vec<String> =
        store.list_tickets(&TicketFilter::default(), 0, 10, T0).unwrap().into_iter().map(|row| row.title).collect();
    assert_eq!(titles, ["Urgent first", "Urgent later", "Normal"]);
    let page: Vec<String> =
        store.list_tickets(&TicketFilter::default(), 1, 1, T0).unwrap().into_iter().map(|row| row.title).collect();
    assert_eq!(page, ["Urgent later"]);
}

#[test]
fn escalation_needs_a_reason_and_stops_at_tier_three() {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&form("DB timeout", "report"), "me", T0).unwrap();
    assert!(store.escalate(ticket.id, "  ", "me", T0).is_err());
    assert_eq!(store.escalate(ticket.id, "needs DBA", "me", T0).unwrap().tier, 2);
    assert_eq!(store.escalate(ticket.id, "vendor bug", "me", T0).unwrap().tier, 3);
    assert!(matches!(
        store.escalate(ticket.id, "more", "me", T0),
        Err(StoreError::TicketRule(TicketRule::HighestTier { max_tier: 3 }))
    ));
    let last = store.history(ticket.id).unwrap().pop().unwrap();
    assert_eq!(last.event.kind(), "escalated");
    assert_eq!(payload(&last)["reason"], "vendor bug");
}

#[test]
fn samples_load_in_both_languages_with_sla_mix() {
    let mut store = Store::open_in_memory().unwrap();
    let now = T0;
    let count = store.load_sample_tickets(now).unwrap();
    assert!((20..=50).contains(&count), "{count}");
    assert!(!search(&store, "打印机").is_empty());
    assert!(!search(&store, "VPN").is_empty());
    let breached = TicketFilter { sla: SlaFilter::Breached, ..TicketFilter::default() };
    let at_risk = TicketFilter { sla: SlaFilter::AtRiskOrBreached, ..TicketFilter::default() };
    let breached_count = store.count_tickets(&breached, now).unwrap();
    assert!(breached_count > 0);
    assert!(store.count_tickets(&at_risk, now).unwrap() > breached_count);
    assert!(store.assignees().unwrap().len() >= 3);
}

#[test]
fn many_or_few_matches_give_the_same_urgency_order_as_the_unfiltered_list() {
    let mut store = Store::open_in_memory().unwrap();
    let batch: Vec<(NewTicket, i64)> = (0..2_600)
        .map(|i| {
            let title = match i {
                _ if i % 13 == 0 => format!("Scanner jams {i}"),
                _ if i % 10 != 9 => format!("Printer offline room{}", i % 40),
                _ => format!("VPN drops {i}"),
            };
            let mut new = form(&title, "details");
            new.urgency = [Grade::Low, Grade::Medium, Grade::High][i % 3];
            (new, T0 + ((i as i64 * 37) % 1_000) * MIN)
        })
        .collect();
    store.create_tickets(&batch, "me").unwrap();
    let everything = store.list_tickets(&TicketFilter::default(), 0, 10_000, T0).unwrap();
    assert_eq!(everything.len(), 2_600);
    // "printer" matches over 2 000 tickets (the page walks the urgency index), "scanner" 200
    // (the matches are looked up), "room12 of" intersects the trigram and the short index, and
    // "jams" with a priority filter needs a counting query.
    for (text, expected_matches) in [("printer", 2_001..2_600), ("scanner", 150..250), ("room12 of", 20..80)] {
        let word = text.split_whitespace().next().unwrap();
        let want: Vec<_> = everything
            .iter()
            .filter(|row| {
                let title = row.title.to_lowercase();
                // Terms of one or two characters match the start of a word.
                text.split_whitespace().all(|term| match term.len() {
                    1 | 2 => title.split_whitespace().any(|word| word.starts_with(term)),
                    _ => title.contains(term),
                })
            })
            .cloned()
            .collect();
        assert!(expected_matches.contains(&want.len()), "{word}: {}", want.len());
        let filter = TicketFilter { text: text.into(), ..TicketFilter::default() };
        let (total, page) = store.first_page(&filter, 100, T0).unwrap();
        assert_eq!(total as usize, want.len(), "{text}");
        assert_eq!(page, want[..want.len().min(100)], "{text}: first page in urgency order");
        let later = store.list_tickets(&filter, 100, 100, T0).unwrap();
        assert_eq!(later, want[want.len().min(100)..want.len().min(200)], "{text}: second page");
    }
    let high = TicketFilter { text: "jams".into(), priority: Some(everything[0].priority), ..TicketFilter::default() };
    let (total, page) = store.first_page(&high, 100, T0).unwrap();
    let want: Vec<_> =
        everything.iter().filter(|row| row.title.contains("jams") && row.priority == everything[0].priority).collect();
    assert_eq!(total as usize, want.len());
    assert_eq!(page.iter().collect::<Vec<_>>(), want[..want.len().min(100)]);
}

#[test]
fn the_first_page_and_its_count_agree_with_separate_queries() {
    let mut store = Store::open_in_memory().unwrap();
    store.load_sample_tickets(T0).unwrap();
    let filters = ["", "打印", "打印机", "VPN", "outlook", "no such words here", "a"]
        .into_iter()
        .map(|text| TicketFilter { text: text.into(), ..TicketFilter::default() })
        .chain([TicketFilter { text: "the".into(), sla: SlaFilter::AtRiskOrBreached, ..TicketFilter::default() }]);
    for filter in filters {
        for limit in [1, 5, 100] {
            let (total, page) = store.first_page(&filter, limit, T0).unwrap();
            assert_eq!(total, store.count_tickets(&filter, T0).unwrap(), "count of {filter:?}");
            assert_eq!(page, store.list_tickets(&filter, 0, limit, T0).unwrap(), "page of {filter:?}, limit {limit}");
        }
    }
}

#[test]
fn json_export_import_round_trip_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = Store::open(&dir.path().join("a")).unwrap();
    source.load_sample_tickets(T0).unwrap();
    let path = dir.path().join("tickets.json");
    let exported = source.export_to_path(ExportFormat::Json, &path, T0).unwrap();
    let mut target = Store::open(&dir.path().join("b")).unwrap();
    let report = target.import_from_path(&path, "importer", T0).unwrap();
    assert_eq!(report.imported, exported);
    let some = source.list_tickets(&TicketFilter::default(), 0, 1, T0).unwrap().remove(0);
    let original = source.ticket(some.id).unwrap();
    let copy = target.ticket_by_number(&original.number).unwrap();
    assert_eq!(copy.fields, original.fields);
    assert_eq!(copy.sla, original.sla);
    let history = target.history(copy.id).unwrap();
    assert_eq!(history.len(), source.history(original.id).unwrap().len() + 1);
    assert_eq!(history.last().unwrap().event.kind(), "imported");
    // Importing again skips every ticket that already exists.
    let again = target.import_from_path(&path, "importer", T0).unwrap();
    assert_eq!((again.imported, again.skipped_existing.len()), (0, exported));
    // New numbers of the same day come after imported ones.
    let fresh = target.create_ticket(&form("after import", "x"), "me", T0).unwrap();
    assert!(target.ticket_by_number(&fresh.number).is_ok());
}

#[test]
fn csv_export_import_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = Store::open_in_memory().unwrap();
    source.load_sample_tickets(T0).unwrap();
    let path = dir.path().join("tickets.csv");
    let exported = source.export_to_path(ExportFormat::Csv, &path, T0).unwrap();
    let mut target = Store::open_in_memory().unwrap();
    assert_eq!(target.import_from_path(&path, "me", T0).unwrap().imported, exported);
    assert_eq!(search(&target, "打印").len(), search(&source, "打印").len());
}

#[test]
fn a_bad_import_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    store.load_sample_tickets(T0).unwrap();
    let path = dir.path().join("tickets.json");
    store.export_to_path(ExportFormat::Json, &path, T0).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("\"tier\": 1", "\"tier\": 99", 1);
    std::fs::write(&path, broken).unwrap();
    let mut target = Store::open_in_memory().unwrap();
    let err = target.import_from_path(&path, "me", T0).unwrap_err();
    assert!(err.to_string().contains("tier 99"), "{err}");
    assert_eq!(target.ticket_count().unwrap(), 0);
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    assert!(matches!(target.import_from_path(&path, "me", T0), Err(StoreError::Import(_))));
    std::fs::write(&path, "{\"format\": \"something-else\", \"version\": 1, \"exported_at_ms\": 0, \"tickets\": []}")
        .unwrap();
    assert!(target.import_from_path(&path, "me", T0).unwrap_err().to_string().contains("unknown format"));
}

#[test]
fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let number = {
        let mut store = Store::open(dir.path()).unwrap();
        store.create_ticket(&form("persist me", "x"), "me", T0).unwrap().number
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.ticket_by_number(&number).unwrap().fields.title, "persist me");
}

#[test]
fn network_settings_are_checked_and_kept() {
    use stepwise::model::NetworkSettings;
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.network_settings().unwrap(), NetworkSettings::default());
    let saved = store
        .set_network_settings(&NetworkSettings {
            session_port: 47_000,
            advertised_host: " helpdesk.example.com ".into(),
            turn_url: " turn:relay.example.com:3478 ".into(),
            turn_username: "desk".into(),
            turn_secret: "s3cret".into(),
            turn_shared_secret: false,
        })
        .unwrap();
    assert_eq!(saved.advertised_host, "helpdesk.example.com");
    assert_eq!(saved.turn_url, "turn:relay.example.com:3478");
    assert!(!format!("{saved:?}").contains("s3cret"), "the relay secret stays out of Debug");
    let bad_relay = NetworkSettings { turn_url: "http://relay".into(), ..NetworkSettings::default() };
    assert!(store.set_network_settings(&bad_relay).unwrap_err().to_string().contains("relay server"));
    assert_eq!(store.network_settings().unwrap(), saved);
    for bad in ["two words", "user@host", "host/path"] {
        let err = store
            .set_network_settings(&NetworkSettings {
                session_port: 1,
                advertised_host: bad.into(),
                ..NetworkSettings::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("not a host name"), "{err}");
    }
    assert_eq!(store.network_settings().unwrap(), saved, "a refused change keeps what was saved");
}

/// A JSON export of one ticket with a note and a status move, as a value to tamper with.
fn exported_one_ticket(dir: &std::path::Path) -> serde_json::Value {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&form("Printer offline", "shows offline"), "陈伟", T0).unwrap();
    store.change_status(ticket.id, Status::InProgress, "陈伟", T0 + MIN).unwrap();
    store.add_note(ticket.id, "checked the cable", "陈伟", T0 + 2 * MIN).unwrap();
    let path = dir.join("one.json");
    store.export_to_path(ExportFormat::Json, &path, T0 + 3 * MIN).unwrap();
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Imports `file` into a fresh store at `T0 + 10 min`; the error text if refused (nothing then
/// may have been written).
fn import_value(dir: &std::path::Path, file: &serde_json::Value) -> Result<Store, String> {
    let path = dir.join("tampered.json");
    std::fs::write(&path, serde_json::to_string(file).unwrap()).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    match store.import_from_path(&path, "importer", T0 + 10 * MIN) {
        Ok(_) => Ok(store),
        Err(err) => {
            assert!(matches!(err, StoreError::Import(_)), "{err:?}");
            assert_eq!(store.ticket_count().unwrap(), 0, "a refused import writes nothing");
            Err(err.to_string())
        }
    }
}

#[test]
fn forged_history_times_and_durations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let original = exported_one_ticket(dir.path());
    assert!(import_value(dir.path(), &original).is_ok(), "the untouched export imports");
    let forge = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut file = original.clone();
        edit(&mut file["tickets"][0]);
        import_value(dir.path(), &file).err().unwrap_or_else(|| panic!("accepted {}", file["tickets"][0]))
    };
    const YEAR_2100_MS: i64 = 4_102_444_800_000;
    let consent = |at_ms: i64| serde_json::json!({ "seq": 9, "at_ms": at_ms, "actor": "user", "kind": "consent_granted", "payload": {} });
    // Consent granted before the ticket existed.
    let why = forge(&|t| t["history"].as_array_mut().unwrap().push(consent(T0 - 60 * MIN)));
    assert!(why.contains("consent_granted") && why.contains("before"), "{why}");
    // A session ending in 2100.
    let why = forge(&|t| {
        let ended = serde_json::json!({ "seq": 9, "at_ms": YEAR_2100_MS, "actor": "x", "kind": "session_ended", "payload": {} });
        t["history"].as_array_mut().unwrap().push(ended);
    });
    assert!(why.contains("session_ended") && why.contains("in the future"), "{why}");
    // A note by anybody, dated 1970.
    let why = forge(&|t| {
        t["notes"].as_array_mut().unwrap().push(serde_json::json!({ "at_ms": 0, "author": "CEO", "text": "approved" }));
    });
    assert!(why.contains("a note") && why.contains("1970"), "{why}");
    // Timestamps and durations far outside any plausible range.
    let why = forge(&|t| t["updated_at_ms"] = i64::MAX.into());
    assert!(why.contains("updated_at") && why.contains("in the future"), "{why}");
    let why = forge(&|t| t["sla"]["resolution_target_ms"] = i64::MAX.into());
    assert!(why.contains("resolution target"), "{why}");
    let why = forge(&|t| t["sla"]["paused_total_ms"] = i64::MAX.into());
    assert!(why.contains("paused"), "{why}");
    let why = forge(&|t| t["created_at_ms"] = i64::MIN.into());
    assert!(why.contains("created_at"), "{why}");
    let why = forge(&|t| t["sla"]["responded_at_ms"] = (T0 - 60 * MIN).into());
    assert!(why.contains("first response"), "{why}");
}

#[test]
fn imported_history_and_notes_keep_their_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let file = exported_one_ticket(dir.path());
    let path = dir.path().join("from-branch-office.json");
    std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
    let mut store = Store::open(&dir.path().join("data")).unwrap();
    store.import_from_path(&path, "李娜", T0 + 10 * MIN).unwrap();
    let ticket = store.list_tickets(&TicketFilter::default(), 0, 10, T0 + 10 * MIN).unwrap().remove(0);
    let history = store.history(ticket.id).unwrap();
    let (marker, from_file) = history.split_last().unwrap();
    assert_eq!(from_file.len(), 4, "created, status, assignee, note: {from_file:?}");
    for entry in from_file {
        let origin = entry.imported.as_ref().unwrap_or_else(|| panic!("not marked imported: {entry:?}"));
        assert_eq!(origin.file, path.display().to_string());
        assert_eq!(origin.importer, "李娜");
        assert_eq!(origin.imported_at_ms, T0 + 10 * MIN);
    }
    assert_eq!(marker.event.kind(), "imported");
    assert!(marker.imported.is_none(), "the import itself happened here");
    assert_eq!(payload(marker)["importer"], "李娜");
    let notes = store.notes(ticket.id).unwrap();
    assert_eq!(notes[0].imported.as_ref().map(|origin| origin.importer.as_str()), Some("李娜"));
    // What happens here afterwards is not imported; the marks survive reopening.
    store.add_note(ticket.id, "called the user", "陈伟", T0 + 11 * MIN).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("data")).unwrap();
    assert!(store.notes(ticket.id).unwrap()[1].imported.is_none());
    assert!(store.history(ticket.id).unwrap().last().unwrap().imported.is_none());
    assert!(store.history(ticket.id).unwrap()[0].imported.is_some());
}

#[test]
fn the_same_number_twice_in_one_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = exported_one_ticket(dir.path());
    let copy = file["tickets"][0].clone();
    file["tickets"].as_array_mut().unwrap().push(copy);
    let why = import_value(dir.path(), &file).expect_err("a duplicate was accepted");
    assert!(why.contains("appears twice") && why.contains("ticket 2") && why.contains("ticket 1"), "{why}");
}

#[test]
fn csv_cells_that_start_a_formula_are_neutralised_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        ("=cmd|' /C calc'!A0", "+SUM(A1:A9)", "@HYPERLINK(\"http://evil\",\"x\")"),
        ("-2+3", "\t=1+1", "\r=1+1"),
        ("'quoted already", "plain", "''=twice"),
    ];
    let mut file = exported_one_ticket(dir.path());
    let template = file["tickets"][0].clone();
    file["tickets"] = serde_json::Value::Array(
        hostile
            .iter()
            .enumerate()
            .map(|(index, (title, requester, description))| {
                let mut ticket = template.clone();
                ticket["number"] = format!("T-20261119-{:04}", index + 1).into();
                ticket["title"] = (*title).into();
                ticket["requester_name"] = (*requester).into();
                ticket["description"] = (*description).into();
                ticket["assignee"] = "=HYPERLINK(1)".into();
                ticket
            })
            .collect(),
    );
    let source = import_value(dir.path(), &file).unwrap();
    let path = dir.path().join("tickets.csv");
    source.export_to_path(ExportFormat::Csv, &path, T0).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula cell exported as is: {cell:?}");
        }
    }
    let mut target = Store::open_in_memory().unwrap();
    assert_eq!(target.import_from_path(&path, "me", T0 + 10 * MIN).unwrap().imported, 3);
    let titles = |store: &Store| {
        let mut rows: Vec<_> = store
            .list_tickets(&TicketFilter::default(), 0, 10, T0)
            .unwrap()
            .into_iter()
            .map(|row| {
                let ticket = store.ticket(row.id).unwrap();
                (ticket.fields.title, ticket.fields.requester_name, ticket.fields.description, ticket.assignee)
            })
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(titles(&target), titles(&source), "the import restores every cell");
}

#[test]
fn a_read_only_store_exports_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let written = {
        let mut store = Store::open(&data).unwrap();
        store.load_sample_tickets(T0).unwrap();
        let path = dir.path().join("writable.json");
        store.export_to_path(ExportFormat::Json, &path, T0).unwrap();
        std::fs::read(path).unwrap()
    };
    let before = std::fs::read(data.join(stepwise::store::DATABASE_FILE)).unwrap();
    let mut store = Store::open_read_only(&data).unwrap();
    let path = dir.path().join("read-only.json");
    store.export_to_path(ExportFormat::Json, &path, T0).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), written, "the same export as from a writable store");
    let err = store.create_ticket(&form("not allowed", "x"), "me", T0).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    drop(store);
    assert_eq!(std::fs::read(data.join(stepwise::store::DATABASE_FILE)).unwrap(), before, "nothing changed");
    let empty = dir.path().join("empty");
    assert!(matches!(Store::open_read_only(&empty), Err(StoreError::CannotOpen { .. })));
    assert!(!empty.exists(), "reading creates nothing");
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join(stepwise::store::DATABASE_FILE);
    let sidecar = |suffix: &str| data.join(format!("{}{suffix}", stepwise::store::DATABASE_FILE));
    {
        let mut store = Store::open(&data).unwrap();
        store.create_ticket(&form("private", "x"), "me", T0).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&sidecar("-wal")), 0o600, "the WAL holds recent tickets too");
        assert_eq!(mode(&sidecar("-shm")), 0o600);
    }
    // Files an older version left open to every account are tightened on the next start.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(store.ticket_count().unwrap(), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_data_folder_that_cannot_be_written_still_exports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let expected = {
        let mut store = Store::open(&data).unwrap();
        store.load_sample_tickets(T0).unwrap();
        let path = dir.path().join("writable.json");
        store.export_to_path(ExportFormat::Json, &path, T0).unwrap();
        std::fs::read(path).unwrap()
    };
    let Some(_locked) = unwritable::UnwritableFolder::new(&data) else {
        assert!(std::env::var_os("STEPWISE_REQUIRE_CHATTR").is_none(), "chattr +i is not available here");
        eprintln!("skipped: cannot make a folder unwritable here (chattr +i)");
        return;
    };
    let err = Store::open(&data).expect_err("a folder that cannot be written opened for writing");
    assert!(matches!(err, StoreError::CannotOpen { .. } | StoreError::ReadOnly { .. }), "{err:?}");
    let mut store = Store::open_or_read_only(&data).unwrap();
    assert!(store.warnings().iter().any(|warning| warning.contains("cannot be written")), "{:?}", store.warnings());
    let path = dir.path().join("read-only.json");
    store.export_to_path(ExportFormat::Json, &path, T0).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    assert!(store.create_ticket(&form("no", "x"), "me", T0).is_err(), "writes are refused");
}

#[test]
fn a_long_timeline_is_read_a_page_at_a_time_newest_first() {
    let mut store = Store::open_in_memory().unwrap();
    let ticket = store.create_ticket(&form("VPN", "drops"), "陈伟", T0).unwrap();
    let line = TimelineEvent::Chat { from: ChatAuthor::User, id: None, sent_at_ms: None, text: "line".into() };
    for n in 0..1_000 {
        store.append_event(ticket.id, (stepwise::model::ActorKind::User, "王丽"), &line, T0 + n).unwrap();
    }
    assert_eq!(store.history_len(ticket.id).unwrap(), 1_001);
    let newest = store.history_page(ticket.id, None, 200).unwrap();
    assert_eq!(newest.len(), 200);
    assert!(newest.windows(2).all(|pair| pair[0].seq < pair[1].seq), "oldest first within the page");
    assert_eq!(newest.last().unwrap().seq, store.history(ticket.id).unwrap().last().unwrap().seq);
    let older = store.history_page(ticket.id, Some(newest[0].seq), 200).unwrap();
    assert_eq!(older.len(), 200);
    assert_eq!(older.last().unwrap().seq + 1, newest[0].seq, "pages meet without a gap");
    assert_eq!(store.history_page_count_before(ticket.id, older[0].seq).unwrap(), 601);
}

#[test]
fn a_reported_time_outside_the_plausible_range_is_refused_and_nothing_is_created() {
    use stepwise::model::FieldError;
    let mut store = Store::open_in_memory().unwrap();
    let year_1900_ms = -2_208_988_800_000;
    for (at_ms, what) in [(year_1900_ms, "1900-01-01"), (T0 + 60 * MIN, "an hour ahead")] {
        let new =
            NewTicket { reported_at_ms: Some(at_ms), ..form("VPN 连接失败", "提示“无法建立隧道”") };
        match store.create_ticket(&new, "陈伟", T0) {
            Err(StoreError::InvalidFields(errors)) => {
                assert_eq!(errors, vec![FieldError::ReportedAtOutOfRange], "{what}");
                assert!(StoreError::InvalidFields(errors).to_string().contains("2000-01-01"), "the limit is named");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    let listed = store.list_tickets(&TicketFilter::default(), 0, 100, T0).unwrap();
    assert!(listed.is_empty(), "nothing was created");
    let yesterday = NewTicket { reported_at_ms: Some(T0 - 24 * 60 * MIN), ..form("VPN 连接失败", "隧道") };
    assert_eq!(store.create_ticket(&yesterday, "陈伟", T0).unwrap().reported_at_ms, T0 - 24 * 60 * MIN);
}
