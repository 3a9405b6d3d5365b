//! The session workspace through the accessibility tree: once the user joins, the ticket pane
//! becomes the workspace (list folded away, tabs beside the picture, a tab per session), news on
//! a tab the engineer is not looking at is counted, the workspace pops out into its own window
//! and docks back, and the ticket page is one click away.

use crate::support;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use stepwise::protocol::{JoinLink, SessionCommand};
use stepwise::transport::{EventSink, TransportSettings, join_session};
use stepwise::ui::Lang;
use support::{console, open_workspace_tab, runtime, settle};

#[test]
fn the_joined_session_becomes_a_workspace_that_pops_out_and_docks_back() {
    let dir = tempfile::tempdir().unwrap();
    let (ticket_id, number) = support::seed_printer_ticket(dir.path());
    let mut desk = console(dir.path(), Lang::En);
    let row = format!("{number} 打印机脱机");
    settle(&mut desk, "ticket row shown", |h| h.query_by_role_and_label(Role::Button, &row).is_some());
    desk.get_by_role_and_label(Role::Button, &row).click();
    settle(&mut desk, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));
    desk.get_by_label("Start remote session").click();
    settle(&mut desk, "code shown", |h| h.state().desk().session(ticket_id).is_some_and(|s| !s.link.is_empty()));
    // Waiting for the user: still the ticket page, the list beside it, one session tab.
    assert!(!desk.state().desk().sidebar_collapsed());
    settle(&mut desk, "the session's tab", |h| h.query_by_label(&format!("{number} · waiting")).is_some());

    let link = JoinLink::parse(&desk.state().desk().session(ticket_id).unwrap().link).unwrap();
    let sink: EventSink = std::sync::Arc::new(|_| {});
    let user = runtime().block_on(join_session(&link, "Zhang Min", TransportSettings::default(), sink)).unwrap();
    settle(&mut desk, "joined", |h| h.query_by_label("Connected to User (says: Zhang Min)").is_some());

    // The workspace: the list folds away, the side column has its three tabs, the tab says
    // "connected", the ticket's fields are not on screen.
    settle(&mut desk, "workspace shown", |h| h.query_by_label("Pop out").is_some());
    assert!(desk.state().desk().sidebar_collapsed(), "the list folds away for the workspace");
    for tab in ["Steps", "Chat", "Transcript"] {
        desk.get_by_role_and_label(Role::Button, tab);
    }
    desk.get_by_label(&format!("{number} · connected"));
    assert!(desk.query_by_label("Requester *").is_none(), "the ticket page is not drawn");
    desk.get_by_label("Ask for consent");

    // A chat line from the user while the Steps tab is shown: counted on the Chat tab and in the
    // window title's count, cleared once the Chat tab is opened.
    user.send(SessionCommand::Chat("Is it the blue cable?".into()));
    settle(&mut desk, "news on the Chat tab", |h| h.query_by_role_and_label(Role::Button, "Chat ● 1").is_some());
    assert_eq!(desk.state().desk().unseen_total(), 1);
    open_workspace_tab(&mut desk, "Chat");
    desk.get_by_label("Is it the blue cable?");
    assert_eq!(desk.state().desk().unseen_total(), 0);
    open_workspace_tab(&mut desk, "Transcript");
    desk.get_by_label("Chat: Is it the blue cable?");

    // Ctrl+B brings the list back and folds it again.
    desk.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    desk.run();
    assert!(!desk.state().desk().sidebar_collapsed());
    desk.get_by_role_and_label(Role::Button, &row);
    desk.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    desk.run();
    assert!(desk.state().desk().sidebar_collapsed());

    // Pop out: the main pane says where the session went; docking brings it back.
    desk.get_by_label("Pop out").click();
    settle(&mut desk, "popped out", |h| h.query_by_label("This session is open in its own window.").is_some());
    assert_eq!(desk.state().desk().popped_out_ticket(), Some(ticket_id));
    desk.get_all_by_label("Dock back").next().unwrap().click_accesskit();
    settle(&mut desk, "docked", |h| h.query_by_label("Pop out").is_some());
    assert_eq!(desk.state().desk().popped_out_ticket(), None);

    // The ticket page, and back.
    desk.get_by_label("Ticket details").click();
    settle(&mut desk, "ticket page", |h| h.query_by_label("Back to the session workspace").is_some());
    desk.get_by_label("Requester *");
    desk.get_by_label("Back to the session workspace").click();
    settle(&mut desk, "workspace again", |h| h.query_by_label("Pop out").is_some());

    // The session ends: the wrap-up is on the ticket page, the list comes back.
    desk.get_by_label("End session").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Yes, end the session").click_accesskit();
    settle(&mut desk, "ended", |h| h.query_by_label("Start a new session").is_some());
    assert!(!desk.state().desk().sidebar_collapsed(), "the list is back after the session");
    assert!(desk.query_by_label(&format!("{number} · connected")).is_none(), "no tab for an ended session");
}
