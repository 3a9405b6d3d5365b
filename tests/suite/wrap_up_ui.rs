//! The end of a session through the accessibility tree: the engineer ends it, the console drafts
//! the summary and the engineer saves it on the ticket; the user sees "What was done on your
//! computer" and answers (or skips) the exit survey, which lands on the ticket.

use crate::support;

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stepwise::app::get_help_app::AssistApp;
use stepwise::capture::SourceChoice;
use stepwise::model::{SurveyOutcome, TicketId};
use stepwise::protocol::{Answer, SurveyTiming};
use stepwise::store::Store;
use stepwise::transport::TransportSettings;
use stepwise::ui::Lang;
use stepwise::ui::session::LinkPhase;
use support::{runtime, settle};

type AssistHarness = Harness<'static, AssistApp>;

/// Sessions in these tests last seconds: offer the survey anyway.
fn settings() -> TransportSettings {
    TransportSettings { survey: SurveyTiming { min_session_ms: 0, ..SurveyTiming::default() }, ..Default::default() }
}

fn seed(dir: &Path) -> (TicketId, String) {
    support::seed_printer_ticket(dir)
}

fn settle_assist(harness: &mut AssistHarness, what: &str, done: impl Fn(&AssistHarness) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let _ = harness.try_run();
        if done(harness) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

/// Console and Get-help window in a session that the engineer has just ended.
fn ended_session(
    console_dir: &Path,
    user_dir: &Path,
    user_lang: Lang,
) -> (support::ConsoleHarness, AssistHarness, TicketId) {
    let (ticket_id, number) = seed(console_dir);
    let mut desk = support::console_with(
        console_dir,
        stepwise::app::console::ConsoleOptions { transport: settings(), ..support::options(Lang::En) },
    );
    let row = format!("{number} 打印机脱机");
    settle(&mut desk, "ticket row shown", |h| h.query_by_role_and_label(Role::Button, &row).is_some());
    desk.get_by_role_and_label(Role::Button, &row).click();
    settle(&mut desk, "ticket opened", |h| h.state().desk().open_ticket_number() == Some(number.as_str()));
    desk.get_by_label("Start remote session").click();
    settle(&mut desk, "code shown", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Waiting)
    });
    let link = desk.state().desk().session(ticket_id).unwrap().link.clone();

    let user_dir = user_dir.to_path_buf();
    let mut user = Harness::builder()
        .with_size(egui::vec2(760.0, 900.0))
        .with_max_steps(32)
        .with_context_setup(support::add_cjk_fonts)
        .build_eframe(move |cc| {
            let link = stepwise::protocol::JoinLink::parse(&link).ok();
            AssistApp::new(
                &cc.egui_ctx,
                runtime(),
                &user_dir,
                user_lang,
                link,
                settings(),
                SourceChoice::Synthetic { fps: 10 },
            )
        });
    settle(&mut desk, "user joined", |h| {
        h.state().desk().session(ticket_id).is_some_and(|s| s.phase == LinkPhase::Connected)
    });
    let _ = user.try_run();

    desk.get_by_label("End session").click_accesskit();
    let _ = desk.try_run();
    desk.get_by_label("Yes, end the session").click_accesskit();
    settle(&mut desk, "summary drafted", |h| h.query_by_label("Save as note").is_some());
    (desk, user, ticket_id)
}

#[test]
fn the_engineer_saves_the_drafted_summary_and_the_user_answers_the_survey() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, mut user, ticket_id) = ended_session(console_dir.path(), user_dir.path(), Lang::En);
    desk.get_by_label("Waiting for the user's answer to the short survey…");
    let draft = desk.state().desk().session(ticket_id).unwrap().summary.clone().expect("a draft");
    assert!(draft.text.starts_with("Remote session of "), "{}", draft.text);

    // The user's side: its own summary and the survey.
    settle_assist(&mut user, "the survey", |h| h.query_by_label("A short survey (optional)").is_some());
    user.get_by_label("What was done on your computer");
    user.get_by_label_contains("Your screen was not shared.");
    // Sending before answering says what is missing and sends nothing.
    user.get_by_label("Send answers").click();
    user.run();
    user.get_by_label("Answer the three questions, or choose Skip.");
    let yes: Vec<_> = user.query_all_by_label("yes").collect();
    assert_eq!(yes.len(), 2, "two yes/partly/no questions");
    yes[0].click();
    user.run();
    user.query_all_by_label("partly").nth(1).unwrap().click();
    user.run();
    user.get_by_label("4").click();
    user.run();
    user.get_by_label("Send answers").click();
    settle_assist(&mut user, "thanks", |h| h.query_by_label("Thank you! Your answers were sent.").is_some());

    // The console stores it and shows it in the panel and the timeline.
    settle(&mut desk, "survey arrived", |h| {
        h.query_all_by_label("the user's survey: 4/5, problem solved: yes, explanations easy to understand: partly")
            .count()
            >= 2
    });
    desk.get_by_label("Save as note").click();
    settle(&mut desk, "saved", |h| h.query_by_label("Saved to the ticket.").is_some());
    settle(&mut desk, "note listed", |h| h.query_all_by_label_contains("Remote session of ").count() >= 2);

    let store = Store::open(console_dir.path()).unwrap();
    let surveys = store.surveys_for_ticket(ticket_id).unwrap();
    assert_eq!(surveys.len(), 1);
    let answers = surveys[0].answers().expect("answered");
    assert_eq!((answers.solved, answers.rating, answers.explanations_clear), (Answer::Yes, 4, Answer::Partly));
    let notes = store.notes(ticket_id).unwrap();
    assert_eq!(notes.last().unwrap().text, draft.text.trim());
    // The user keeps the summary, and a receipt points to it.
    let receipts = std::fs::read_to_string(user_dir.path().join("consent-receipts.jsonl")).unwrap();
    assert!(receipts.contains(r#""decision":"summary_saved""#), "{receipts}");
    let kept: Vec<_> = std::fs::read_dir(user_dir.path().join("summaries")).unwrap().collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn a_skipped_survey_is_recorded_as_not_answered_and_the_words_are_chinese() {
    let console_dir = tempfile::tempdir().unwrap();
    let user_dir = tempfile::tempdir().unwrap();
    let (mut desk, mut user, ticket_id) = ended_session(console_dir.path(), user_dir.path(), Lang::Zh);
    settle_assist(&mut user, "the survey", |h| h.query_by_label("简短问卷（可选）").is_some());
    user.get_by_label("在您的电脑上做了什么");
    user.get_by_label("您的问题解决了吗？");
    user.get_by_label("跳过").click();
    settle_assist(&mut user, "skipped", |h| h.query_by_label("您跳过了问卷。").is_some());
    settle(&mut desk, "skip arrived", |h| h.query_all_by_label("the user skipped the survey").count() >= 2);
    let store = Store::open(console_dir.path()).unwrap();
    let surveys = store.surveys_for_ticket(ticket_id).unwrap();
    assert_eq!(surveys[0].outcome, SurveyOutcome::NotAnswered { reason: "skipped".into() });
}
