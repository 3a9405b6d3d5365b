//! The transcript is the truth: when the console cannot write a session's transcript (here a
//! data folder nobody can write to, root included), the session's code is never shown, so nobody
//! can join an unrecorded session, and the engineer is told why.

#![cfg(target_os = "linux")]

use crate::support;
use crate::unwritable;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use stepwise::store::Store;
use stepwise::ui::Lang;
use stepwise::ui::session::LinkPhase;
use support::{console, settle, settle_listed};

#[test]
fn an_unrecorded_session_never_shows_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ticket_id, number) = support::seed_printer_ticket(&data);
    let Some(_locked) = unwritable::UnwritableFolder::new(&data) else {
        assert!(std::env::var_os("STEPWISE_REQUIRE_CHATTR").is_none(), "chattr +i is not available here");
        eprintln!("skipped: cannot make a folder unwritable here (chattr +i)");
        return;
    };
    // The console still opens the tickets (read-only) ...
    let mut desk = console(&data, Lang::En);
    settle_listed(&mut desk, "ticket listed", 1);
    desk.get_by_role_and_label(Role::Button, &format!("{number} 打印机脱机")).click();
    settle(&mut desk, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));
    // ... but a session whose start cannot be recorded is not offered to anybody.
    desk.get_by_label("Start remote session").click();
    settle(&mut desk, "the failure explained", |h| {
        h.query_by_label_contains("The session transcript could not be saved (session_started)").is_some()
    });
    let _ = desk.try_run();
    let phase = desk.state().desk().session(ticket_id).map(|session| session.phase.clone());
    assert!(!matches!(phase, Some(LinkPhase::Waiting | LinkPhase::Connected)), "the code was shown: {phase:?}");
    assert!(desk.query_by_label_contains("stepwise://").is_none(), "the join link was shown");
    assert!(Store::open_read_only(&data).unwrap().history(ticket_id).unwrap().len() == 1, "nothing was written");
}
