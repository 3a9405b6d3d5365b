//! Store integration tests: tickets, workflow rules, search in English and Chinese, SLA filters,
//! samples, export and import.

use stepwise::store::sla::{SlaLevel, SlaTarget};
use stepwise::store::{
    Category, ExportFormat, Grade, NewTicket, SlaFilter, Status, Store, StoreError, TicketFields, TicketFilter,
    event_kind,
};

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
    assert_eq!(first.priority, stepwise::store::Priority::Urgent);
    let history = store.history(first.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, event_kind::CREATED);
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
    let kinds: Vec<String> = store.history(ticket.id).unwrap().into_iter().map(|entry| entry.kind).collect();
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
    assert!(matches!(store.escalate(ticket.id, "more", "me", T0), Err(StoreError::Rule(_))));
    let last = store.history(ticket.id).unwrap().pop().unwrap();
    assert_eq!(last.kind, "escalated");
    assert_eq!(last.payload["reason"], "vendor bug");
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
    assert_eq!(history.last().unwrap().kind, event_kind::IMPORTED);
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
    use stepwise::store::NetworkSettings;
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.network_settings().unwrap(), NetworkSettings::default());
    let saved = store
        .set_network_settings(&NetworkSettings {
            session_port: 47_000,
            advertised_host: " helpdesk.example.com ".into(),
        })
        .unwrap();
    assert_eq!(saved.advertised_host, "helpdesk.example.com");
    assert_eq!(store.network_settings().unwrap(), saved);
    for bad in ["two words", "user@host", "host/path"] {
        let err =
            store.set_network_settings(&NetworkSettings { session_port: 1, advertised_host: bad.into() }).unwrap_err();
        assert!(err.to_string().contains("not a host name"), "{err}");
    }
    assert_eq!(store.network_settings().unwrap(), saved, "a refused change keeps what was saved");
}

#[test]
fn a_reported_time_outside_the_plausible_range_is_refused_and_nothing_is_created() {
    use stepwise::store::FieldError;
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
