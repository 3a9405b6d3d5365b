//! The session history and the recording tombstone, drawn and read through the accessibility tree.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::*;
use crate::model::{
    ActorKind, Category, Grade, HistoryEntry, NewTicket, ScopesRecord, SessionId, SlaPolicy, SurveyRecord, Ticket,
    TicketFields, TicketId, TimelineEvent,
};
use crate::protocol::{Answer, StepOutcome, SurveyAnswers};
use crate::ui::ViewContext;
use crate::ui::command::{DialogCommand, Picture};

const T0: i64 = 1_795_000_000_000;

fn entry(seq: i64, at_ms: i64, event: TimelineEvent) -> HistoryEntry {
    let actor_kind = event.default_actor_kind();
    HistoryEntry { seq, at_ms, actor: "Li Wei".into(), actor_kind, event, imported: None }
}

fn recording(id: i64, session_id: Option<SessionId>, status: RecordingStatus) -> RecordingRecord {
    RecordingRecord {
        id,
        ticket_id: TicketId(1),
        session_id,
        path: format!("/d/recordings/{id}.swrec"),
        duration_ms: 61_000,
        bytes: 2_500_000,
        hash_head: "ab".repeat(32),
        status,
        saved_at_ms: T0 + 700_000,
        retention_until_ms: T0 + 90 * 86_400_000,
    }
}

fn detail() -> TicketDetail {
    let fields = TicketFields {
        requester_name: "Zhao Min".into(),
        title: "VPN drops every hour".into(),
        description: "Since Monday".into(),
        ..Default::default()
    };
    let new = NewTicket {
        fields,
        category: Category::Network,
        urgency: Grade::High,
        impact: Grade::Medium,
        reported_at_ms: None,
    };
    let (ticket, _) = Ticket::open(&new, "T-20261205-0042".into(), T0, &SlaPolicy::default()).unwrap();
    let scopes = ScopesRecord { view: true, pointers: false, record: true, control: false };
    let step = |step_id: u64, index: u32| crate::model::StepRecord {
        step_id,
        index,
        total: 2,
        instruction: format!("Step {index}"),
        expected: String::new(),
        annotation: None,
    };
    let history = vec![
        entry(1, T0 + 10_000, TimelineEvent::ConsentGranted { scopes }),
        entry(2, T0 + 20_000, TimelineEvent::StepSent { step: step(1, 1), resent: false }),
        entry(3, T0 + 30_000, TimelineEvent::StepSent { step: step(2, 2), resent: false }),
        entry(
            4,
            T0 + 40_000,
            TimelineEvent::StepConfirmed { step_id: 1, outcome: StepOutcome::Done, comment: String::new(), seconds: 9 },
        ),
    ];
    let session = |id: i64, start: i64| SessionRecord {
        id: SessionId(id),
        ticket_id: TicketId(1),
        engineer: "Li Wei".into(),
        started_at_ms: start,
        joined_at_ms: Some(start + 5_000),
        ended_at_ms: Some(start + 605_000),
        end_reason: Some("engineer_ended".into()),
    };
    let answers =
        SurveyAnswers { solved: Answer::Yes, rating: 4, explanations_clear: Answer::Yes, comment: String::new() };
    TicketDetail {
        ticket,
        team: None,
        notes: Vec::new(),
        history,
        older_entries: 0,
        surveys: vec![SurveyRecord {
            session_id: SessionId(1),
            ticket_id: TicketId(1),
            asked_at_ms: T0 + 605_000,
            settled_at_ms: T0 + 610_000,
            outcome: SurveyOutcome::Answered(answers),
        }],
        sessions: vec![session(1, T0), session(2, T0 + 3_600_000)],
        recordings: vec![
            recording(7, Some(SessionId(1)), RecordingStatus::Sealed),
            recording(8, None, RecordingStatus::Recovered),
        ],
    }
}

fn history(detail: TicketDetail, lang: Lang) -> Harness<'static, (TicketDetail, Vec<UiCommand>)> {
    let system_fonts = |ctx: &egui::Context| {
        ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
    };
    Harness::builder().with_size(egui::vec2(640.0, 700.0)).with_context_setup(system_fonts).build_ui_state(
        move |ui, (detail, commands): &mut (TicketDetail, Vec<UiCommand>)| {
            let mut thumbnails = Thumbnails::default();
            session_history_ui(ui, &mut ViewContext::new(lang, T0 + 7_200_000, commands), detail, &mut thumbnails);
        },
        (detail, Vec::new()),
    )
}

#[test]
fn every_session_shows_scopes_steps_survey_and_recording() {
    let detail = detail();
    let first = session_line(&detail, &detail.sessions[0], T0, Lang::En);
    assert!(first.heading.ends_with("Li Wei · 10 min"), "{}", first.heading);
    assert_eq!(first.steps, "Steps: 1 of 2 confirmed");
    assert_eq!(first.survey, "Survey: 4/5");
    let scopes = first.scopes.expect("scopes granted");
    assert!(scopes.starts_with("Scopes granted: "), "{scopes}");
    let second = session_line(&detail, &detail.sessions[1], T0, Lang::En);
    assert_eq!(second.steps, "Steps: 0 of 0 confirmed", "entries of another session are not counted");
    assert_eq!(second.survey, "Survey: not answered");
    assert_eq!(second.scopes, None);

    let mut harness = history(detail, Lang::En);
    harness.run();
    harness.get_by_label("Steps: 1 of 2 confirmed");
    harness.get_by_label("Recording: 2.5 MB, 61 s, sealed");
    harness.get_by_label("Recording: 2.5 MB, 61 s, recovered");
    assert_eq!(harness.query_all_by_label("Delete recording").count(), 2);
}

#[test]
fn delete_recording_asks_the_store_for_that_recording() {
    let mut harness = history(detail(), Lang::En);
    harness.run();
    harness.query_all_by_label("Delete recording").next().unwrap().click();
    harness.run();
    let (_, commands) = harness.state();
    assert!(
        commands
            .iter()
            .any(|command| matches!(command, UiCommand::Store(StoreCommand::DeleteRecording { recording_id: 7 }))),
        "{commands:?}"
    );
}

#[test]
fn no_sessions_says_so_in_both_languages() {
    let mut empty = detail();
    empty.sessions.clear();
    empty.recordings.clear();
    for (lang, words) in [(Lang::En, "No remote sessions yet."), (Lang::Zh, "还没有远程会话。")] {
        let mut harness = history(empty.clone(), lang);
        harness.run();
        harness.get_by_label(words);
    }
}

#[test]
fn the_tombstone_shows_in_the_timeline_with_who_why_and_head() {
    let tombstone = |reason: &str, actor_kind| HistoryEntry {
        seq: 9,
        at_ms: T0,
        actor: "Li Wei".into(),
        actor_kind,
        event: TimelineEvent::RecordingDeleted {
            reason: reason.into(),
            hash_head: "cd".repeat(32),
            path: "/d/recordings/7.swrec".into(),
        },
        imported: None,
    };
    let by_hand = crate::ui::timeline::describe(&tombstone("by_hand", ActorKind::Engineer), Lang::En);
    assert!(by_hand.starts_with("Recording deleted by hand (chain head cdcd"), "{by_hand}");
    let expired = crate::ui::timeline::describe(&tombstone("retention", ActorKind::System), Lang::Zh);
    assert!(expired.starts_with("录像已删除：保留期已满"), "{expired}");
    let mut detail = detail();
    detail.history.push(tombstone("by_hand", ActorKind::Engineer));
    let mut harness = Harness::builder().with_size(egui::vec2(900.0, 700.0)).build_ui_state(
        |ui, detail: &mut TicketDetail| {
            for entry in &detail.history {
                ui.label(crate::ui::timeline::describe(entry, Lang::En));
            }
        },
        detail,
    );
    harness.run();
    harness.get_by_label(&by_hand);
}

#[test]
fn export_video_opens_the_dialog_for_that_recording() {
    let mut harness = history(detail(), Lang::En);
    harness.run();
    assert_eq!(harness.query_all_by_label("Export video…").count(), 2);
    harness.query_all_by_label("Export video…").next().unwrap().click();
    harness.run();
    let (_, commands) = harness.state();
    let expected = crate::ui::recording_export::VideoExportSource {
        ticket_id: TicketId(1),
        path: "/d/recordings/7.swrec".into(),
        duration_ms: 61_000,
    };
    assert!(commands.contains(&UiCommand::Dialog(DialogCommand::OpenVideoExport(expected))), "{commands:?}");
}

#[test]
fn a_sessions_screenshots_are_thumbnails_asked_for_once_that_open_the_picture() {
    let mut detail = detail();
    let shot = TimelineEvent::ScreenshotAttached { file: "/d/attachments/1.png".into(), width: 64, height: 48 };
    detail.history.push(entry(5, T0 + 50_000, shot));
    // One in the second session's time, not the first's.
    let later = TimelineEvent::ScreenshotAttached { file: "/d/attachments/2.png".into(), width: 64, height: 48 };
    detail.history.push(entry(6, T0 + 3_700_000, later));
    type State = (TicketDetail, Vec<UiCommand>, Thumbnails);
    let mut harness = Harness::builder().with_size(egui::vec2(640.0, 900.0)).build_ui_state(
        |ui, (detail, commands, thumbnails): &mut State| {
            session_history_ui(ui, &mut ViewContext::new(Lang::En, T0 + 7_200_000, commands), detail, thumbnails);
        },
        (detail, Vec::new(), Thumbnails::default()),
    );
    harness.run_steps(2);
    let asked = |commands: &[UiCommand]| -> Vec<String> {
        commands
            .iter()
            .filter_map(|command| match command {
                UiCommand::Dialog(DialogCommand::LoadThumbnail { file, .. }) => Some(file.display().to_string()),
                _ => None,
            })
            .collect()
    };
    let mut files = asked(&harness.state().1);
    files.sort();
    assert_eq!(files, ["/d/attachments/1.png", "/d/attachments/2.png"], "each asked for once");
    assert_eq!(harness.query_all_by_label("Screenshots:").count(), 2, "one row per session with screenshots");
    let picture = Picture { width: 4, height: 3, rgba: std::sync::Arc::new(vec![200; 4 * 3 * 4]) };
    harness.state_mut().2.loaded("/d/attachments/1.png".into(), Ok(picture));
    harness.state_mut().2.loaded("/d/attachments/2.png".into(), Err("gone".into()));
    harness.state_mut().1.clear();
    harness.run();
    assert!(asked(&harness.state().1).is_empty(), "not asked again");
    harness.get_by_label("(picture unavailable)");
    harness.get_by_role_and_label(egui::accesskit::Role::Button, Text::ShowScreenshot.get(Lang::En)).click();
    let _ = harness.try_run();
    assert!(
        harness.state().1.iter().any(|command| matches!(
            command,
            UiCommand::Dialog(DialogCommand::ShowScreenshot { file }) if file.display().to_string() == "/d/attachments/1.png"
        )),
        "a click opens the picture"
    );
}
