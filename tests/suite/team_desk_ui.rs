//! Two consoles on one team database (a private PostgreSQL cluster, `scripts/pg-test-cluster.sh`,
//! URL in `STEPWISE_TEST_DATABASE_URL`), driven as engineers would: signing in, taking a ticket
//! (one wins, the other is told), a colleague's change arriving live, and a conflicting edit
//! settled field by field in the conflict dialog. Skipped with a message without a server,
//! except under `CI=true`, where a missing server fails.

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use stepwise::model::{Category, Grade, NewTicket, TeamDatabaseSettings, TicketFields};
use stepwise::store::desk::TicketDesk;
use stepwise::store::team::{TeamConfig, TeamStore};
use stepwise::ui::Lang;
use support::{ConsoleHarness, settle, type_into};

/// A fresh database on the test server; `None` (skip) only outside CI.
fn fresh_database() -> Option<String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let admin_url = match std::env::var("STEPWISE_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but STEPWISE_TEST_DATABASE_URL is not set: start scripts/pg-test-cluster.sh")
        }
        _ => {
            eprintln!("skipping: STEPWISE_TEST_DATABASE_URL is not set");
            return None;
        }
    };
    let name = format!("stepwise_ui_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect to the test server");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let (base, _) = admin_url.rsplit_once('/').expect("the URL names a database");
    Some(format!("{base}/{name}"))
}

fn team_console(dir: &std::path::Path, url: &str) -> ConsoleHarness {
    let options = stepwise::app::console::ConsoleOptions {
        database: Some(TeamDatabaseSettings { url: url.to_owned(), tls: false }),
        ..support::options(Lang::En)
    };
    support::console_with(dir, options)
}

fn has_label(harness: &ConsoleHarness, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

fn has_label_containing(harness: &ConsoleHarness, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Adds a new engineer from the sign-in modal.
fn join_directory(harness: &mut ConsoleHarness, name: &str, team: &str, new_directory: bool) {
    settle(harness, "the sign-in modal", |harness| has_label(harness, "Sign in to the team desk"));
    if !new_directory {
        harness.get_by_label("I am new: add me").click();
        harness.run();
    }
    type_into(harness, "Your name", name);
    type_into(harness, "Password", "correct horse battery");
    type_into(harness, "Team", team);
    harness.get_by_label("Add me to the directory").click();
    settle(harness, "signed in", |harness| !has_label(harness, "Sign in to the team desk"));
}

/// Runs frames on both consoles until `done` holds (each console's worker answers on its own
/// thread; a console whose frames are not run never shows what arrived).
fn settle_both(
    a: &mut ConsoleHarness,
    b: &mut ConsoleHarness,
    what: &str,
    done: impl Fn(&ConsoleHarness, &ConsoleHarness) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let _ = a.try_run();
        let _ = b.try_run();
        if done(a, b) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

fn open_row(harness: &mut ConsoleHarness, row: &str) {
    settle(harness, "the ticket in the list", |harness| harness.query_by_role_and_label(Role::Button, row).is_some());
    harness.get_by_role_and_label(Role::Button, row).click();
    settle(harness, "the ticket open", |harness| has_label(harness, "Save changes"));
}

#[test]
fn two_engineers_share_one_desk_take_a_ticket_once_and_settle_a_conflict_field_by_field() {
    let Some(url) = fresh_database() else { return };
    let number = {
        let mut seed = TeamStore::connect(&TeamConfig::new(&url)).expect("the team database");
        let new = NewTicket {
            fields: TicketFields {
                title: "打印机脱机".into(),
                requester_name: "Zhang Min".into(),
                description: "The printer shows offline".into(),
                ..TicketFields::default()
            },
            category: Category::Hardware,
            urgency: Grade::High,
            impact: Grade::Low,
            reported_at_ms: None,
        };
        seed.desk_create(&new, "intake", support::T0).expect("a ticket").ticket.number
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut chen = team_console(dir_a.path(), &url);
    join_directory(&mut chen, "Chen Wei", "Service desk", true);
    // Samples would land on everyone's desk: not offered on a team desk.
    chen.get_by_role_and_label(Role::Button, "Settings").click();
    chen.run();
    assert!(has_label(&chen, "Team database (shared desk on PostgreSQL)"), "the settings window is open");
    assert!(!has_label(&chen, "Load sample tickets"), "no samples on a team desk");
    chen.get_by_role_and_label(Role::Button, "Settings").click();
    settle(&mut chen, "settings closed", |harness| !has_label(harness, "Team database (shared desk on PostgreSQL)"));
    let mut li = team_console(dir_b.path(), &url);
    join_directory(&mut li, "Li Na", "Network", false);

    let row = format!("{number} 打印机脱机");
    open_row(&mut chen, &row);
    open_row(&mut li, &row);

    // Both click "Take" at once: one wins, the other is told who has it, and both consoles show
    // the winner without a reload.
    // One frame each, so both claims leave before either console can hear of the other's (a
    // longer run could apply the winner's live update first and hide Li's button).
    chen.get_by_label("Take this ticket").click();
    li.get_by_label("Take this ticket").click();
    chen.step();
    li.step();
    let told = |harness: &ConsoleHarness| has_label_containing(harness, "has already taken this ticket");
    let assigned = |harness: &ConsoleHarness| has_label_containing(harness, "Assignee: ");
    settle(&mut chen, "an assignee on Chen's console", assigned);
    settle(&mut li, "an assignee on Li's console", assigned);
    settle_both(&mut chen, &mut li, "the loser told", |chen, li| told(chen) || told(li));
    let winner = if told(&li) { "Chen Wei" } else { "Li Na" };
    assert!(told(&li) != told(&chen), "exactly one of the two is told");
    let winner_label = format!("Assignee: {winner}");
    settle(&mut chen, "the winner on Chen's console", |harness| has_label(harness, &winner_label));
    settle(&mut li, "the winner on Li's console", |harness| has_label(harness, &winner_label));

    // Both edit the title from the same version: Chen saves first; Li's save is refused with
    // the field shown (before, theirs, mine), Li keeps their own value.
    type_into(&mut li, "Title *", " (3rd floor)");
    type_into(&mut chen, "Title *", " — toner");
    chen.get_by_label("Save changes").click();
    settle(&mut chen, "Chen's title saved", |harness| has_label(harness, "打印机脱机 — toner"));
    li.get_by_label("Save changes").click();
    settle(&mut li, "the conflict dialog", |harness| has_label(harness, "A colleague changed this ticket first"));
    assert!(has_label(&li, "打印机脱机 — toner"), "the dialog shows their value");
    assert!(has_label(&li, "打印机脱机 (3rd floor)"), "the dialog shows mine");
    li.get_by_role_and_label(Role::RadioButton, "Mine").click();
    li.run();
    li.get_by_label("Save with these choices").click();
    settle(&mut li, "Li's title saved", |harness| {
        !has_label(harness, "A colleague changed this ticket first") && has_label(harness, "打印机脱机 (3rd floor)")
    });
    settle(&mut chen, "Chen sees Li's title", |harness| has_label_containing(harness, "打印机脱机 (3rd floor)"));
    // Nothing else was lost: the assignee stays.
    assert!(has_label(&li, &winner_label));

    // Chen's new chat phrase reaches Li's running console, with a notice, without a restart.
    let phrases_box = "Chat phrases (English), one per line";
    chen.get_by_role_and_label(Role::Button, "Settings").click();
    chen.run();
    type_into(&mut chen, phrases_box, "\nOne moment, I am checking the print queue.");
    chen.get_by_label("Save phrases").click_accesskit();
    settle(&mut chen, "Chen's phrases saved", |harness| has_label(harness, "Saved"));
    settle_both(&mut chen, &mut li, "Li told of the new phrases", |_, li| {
        has_label_containing(li, "A colleague changed the team's glossary or canned phrases")
    });
    li.get_by_role_and_label(Role::Button, "Settings").click();
    settle(&mut li, "Li's phrase box", |harness| harness.query_by_label(phrases_box).is_some());
    let shown = li.get_by_label(phrases_box).value().unwrap_or_default();
    assert!(shown.contains("One moment, I am checking the print queue."), "{shown}");
}

/// Reports on a team desk: a month of tickets, sessions and surveys copied into the team
/// database, then the Reports window of a signed-in console computes them from there (it was
/// refused before) and shows each chart's table.
#[test]
fn the_reports_window_reports_on_the_team_desk() {
    use stepwise::app::report_bench::fill_report_store;
    let Some(url) = fresh_database() else { return };
    let local = tempfile::tempdir().unwrap();
    let mut store = stepwise::store::Store::open(local.path()).unwrap();
    fill_report_store(&mut store, 200, support::T0).unwrap();
    let copied = TeamStore::connect(&TeamConfig::new(&url)).unwrap().migrate_from(&store).unwrap();
    assert!(copied.sessions > 0 && copied.surveys > 0, "{copied:?}");
    drop(store);

    let dir = tempfile::tempdir().unwrap();
    let mut desk = team_console(dir.path(), &url);
    join_directory(&mut desk, "Li Wei", "Service desk", true);
    settle(&mut desk, "the desk", |h| h.query_by_label("Reports").is_some());
    desk.get_by_label("Reports").click();
    settle(&mut desk, "the report computed", |h| h.query_by_label("Per engineer").is_some());
    assert!(desk.query_all_by_label("Maria Garcia").count() > 0, "an engineer's row from the team's sessions");
    assert!(desk.query_by_label("Responses in time").is_some(), "the SLA table");
    assert!(!has_label_containing(&desk, "not available on a team database"));
    // Import fills the console's own desk only: on a team desk the button is off.
    assert!(desk.get_by_label("Import…").accesskit_node().is_disabled());
}
