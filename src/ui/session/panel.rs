//! Drawing the engineer's remote-session panel: the join code and link, where wrong codes came
//! from, consent, the live view, the guided steps (see [`super::steps`]), canned phrases, chat and
//! "End session".

use egui::{RichText, Ui};

use crate::model::TicketId;
use crate::protocol::{
    Annotation, ConsentRequest, ConsentState, MAX_PURPOSE_CHARS, MAX_TICKET_TITLE_CHARS, Scopes, SessionCommand,
    SessionMode,
};

use super::super::actor::user_claim;
use super::super::annotations::ArrowPlacement;
use super::super::chat::chat_ui;
use super::super::command::{SessionRequest, UiCommand};
use super::super::i18n::{Lang, Text};
use super::super::reasons::no_overlay_text;
use super::super::viewer::{ViewerAction, ViewerState};
use super::super::{theme, widgets};
use super::model::{LinkPhase, RemoteSessionView};
use super::steps::steps_ui;
use super::wrap_up::{summary_ui, survey_status_ui};
use crate::ui::ViewContext;
use crate::ui::jargon::{jargon_hints_ui, record_hints_not_taken};

/// What the panel needs to know about the ticket and the engineer.
pub struct PanelContext<'a> {
    /// Ticket id.
    pub ticket_id: TicketId,
    /// Ticket number.
    pub ticket_number: &'a str,
    /// Ticket title.
    pub ticket_title: &'a str,
    /// Engineer's name.
    pub engineer_name: &'a str,
    /// Engineer's team.
    pub team: &'a str,
    /// The ticket's category (guides saved from the session get it).
    pub category: crate::model::Category,
    /// Canned chat phrases (`{name}` = the engineer's name).
    pub phrases: &'a [String],
    /// The jargon glossary in the UI language.
    pub glossary: &'a crate::model::Glossary,
}

/// Draws the panel for the ticket in `context`; `session` is its state, if a session was started.
pub fn session_panel_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    session: Option<&mut RemoteSessionView>,
) {
    let lang = cx.lang;
    let ticket_id = context.ticket_id;
    let Some(session) = session else {
        ui.weak(Text::StartSessionHint.get(lang));
        if ui.button(RichText::new(Text::StartRemoteSession.get(lang)).strong()).clicked() {
            cx.emit(UiCommand::Session(ticket_id, SessionRequest::Start));
        }
        return;
    };
    // The way out stays at the top, whatever the panel below grows to; it asks first.
    if session.is_running() {
        end_session_ui(ui, cx, ticket_id, session);
    } else if ui.button(Text::StartNewSession.get(lang)).clicked() {
        cx.emit(UiCommand::Session(ticket_id, SessionRequest::Start));
    }
    match session.phase.clone() {
        LinkPhase::Starting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::Connecting.get(lang));
            });
        }
        LinkPhase::Waiting => {
            code_ui(ui, lang, session, cx.now_ms);
            if let Some(relay) = &session.relay {
                crate::ui::relay::session_relay_ui(ui, lang, relay);
            }
            ui.label(Text::LinkWaiting.get(lang));
            attempts_ui(ui, cx, ticket_id, session);
        }
        LinkPhase::CodeUnusable(why) => {
            ui.colored_label(theme::ERROR, why);
            attempts_ui(ui, cx, ticket_id, session);
        }
        LinkPhase::Connected => {
            let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
            ui.colored_label(theme::SUCCESS, Text::LinkConnected.fill(lang, &[&peer]));
            if let Some(path) = session.path {
                ui.weak(path_text(path, session.rtt_ms, lang));
            }
        }
        LinkPhase::Reconnecting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.colored_label(theme::WARNING, Text::LinkReconnecting.get(lang));
            });
        }
        LinkPhase::Over(why) => {
            ui.label(Text::LinkEnded.fill(lang, &[&why.text(lang)]));
            survey_status_ui(ui, lang, &session.survey);
            if let Some(draft) = session.summary.as_mut() {
                summary_ui(ui, cx, ticket_id, draft);
            }
        }
    }
    if let Some(problem) = &session.problem {
        ui.colored_label(theme::ERROR, problem);
    }
    if session.held.is_some() && session.is_running() {
        ui.colored_label(theme::WARNING, RichText::new(Text::HeldTranscript.get(lang)).strong());
    }
    if matches!(session.phase, LinkPhase::Connected | LinkPhase::Reconnecting) {
        ui.add_space(4.0);
        consent_ui(ui, cx, context, session);
        ui.add_space(4.0);
        // Before consent is asked for (or after a no) nothing waits for it: the consent line says
        // where it stands and the viewer stays out of the way.
        if !matches!(session.consent, ConsentState::NotRequested | ConsentState::Denied) {
            session.viewer.fill = false;
            viewer_ui(ui, cx, ticket_id, session);
        }
        ui.add_space(4.0);
        steps_ui(ui, cx, context, session);
        ui.add_space(4.0);
        let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
        phrases_menu_ui(ui, lang, context, &mut session.draft);
        if let Some(text) = chat_ui(ui, lang, "engineer_chat", &peer, &session.chat, Some(&mut session.draft)) {
            record_hints_not_taken(cx, context.glossary, &text);
            cx.emit(UiCommand::session(ticket_id, SessionCommand::Chat(text)));
        }
        let _ = jargon_hints_ui(ui, cx, context.glossary, &mut session.draft, "chat_jargon");
    } else if !session.chat.is_empty() {
        let peer = user_claim(session.peer_name.as_deref().unwrap_or(""), lang);
        chat_ui(ui, lang, "engineer_chat", &peer, &session.chat, None);
    }
}

/// The connection's path and, once told, its round trip.
pub(super) fn path_text(path: crate::protocol::LinkPath, rtt_ms: Option<f64>, lang: Lang) -> String {
    use crate::protocol::LinkPath;
    match (path, rtt_ms) {
        (LinkPath::Direct, None) => Text::PathDirect.get(lang).to_owned(),
        (LinkPath::Relayed, None) => Text::PathRelayed.get(lang).to_owned(),
        (LinkPath::Direct, Some(rtt)) => Text::PathDirectRtt.fill(lang, &[&format!("{rtt:.1}")]),
        (LinkPath::Relayed, Some(rtt)) => Text::PathRelayedRtt.fill(lang, &[&format!("{rtt:.1}")]),
    }
}

/// "End session", then "Yes, end the session" / "Cancel".
pub(super) fn end_session_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    if !session.confirm_end {
        session.confirm_end = ui.button(Text::EndSession.get(lang)).clicked();
        return;
    }
    ui.colored_label(theme::WARNING, Text::EndSessionConfirm.get(lang));
    ui.horizontal(|ui| {
        if ui.button(RichText::new(Text::EndSessionYes.get(lang)).color(theme::ERROR)).clicked() {
            session.confirm_end = false;
            cx.emit(UiCommand::session(ticket_id, SessionCommand::End));
        }
        if ui.button(Text::Cancel.get(lang)).clicked() {
            session.confirm_end = false;
        }
    });
}

/// The canned phrases (with the engineer's name filled in); a click puts one in the chat line.
pub(super) fn phrases_menu_ui(ui: &mut Ui, lang: Lang, context: &PanelContext<'_>, draft: &mut String) {
    if context.phrases.is_empty() {
        return;
    }
    ui.menu_button(Text::Phrases.get(lang), |ui| {
        for phrase in context.phrases {
            let text = phrase.replace("{name}", context.engineer_name);
            if ui.button(&text).clicked() {
                if !draft.is_empty() {
                    draft.push(' ');
                }
                draft.push_str(&text);
                ui.close();
            }
        }
    });
}

pub(super) fn viewer_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let Some(slot) = session.viewer_slot.clone() else { return };
    let state = match (&session.phase, &session.consent) {
        (LinkPhase::Over(_), _) => ViewerState::Ended,
        (LinkPhase::Reconnecting, _) => ViewerState::Reconnecting,
        _ if session.held.is_some() => ViewerState::Held,
        // Guidance-only: the picture is a still, however recent; never called live.
        (_, ConsentState::Granted { scopes, paused: false }) if scopes.view => match session.guidance.mode {
            SessionMode::GuidanceOnly => ViewerState::Still,
            SessionMode::Live => ViewerState::Live,
        },
        (_, ConsentState::Granted { scopes, paused: true }) if scopes.view => ViewerState::Paused,
        (_, ConsentState::Granted { .. }) => ViewerState::ViewNotAllowed,
        (_, ConsentState::Revoked) => ViewerState::Stopped,
        _ => ViewerState::WaitingForConsent,
    };
    let can_draw = matches!(&session.consent, ConsentState::Granted { scopes, paused: false } if scopes.pointers);
    let can_keep =
        state.shows_picture() && matches!(&session.consent, ConsentState::Granted { scopes, .. } if scopes.record);
    // The engineer's picture shows what the user's side shows: arrows fade on both at once.
    let now = ui.input(|input| input.time);
    let annotations: Vec<Annotation> =
        session.annotations.visible(now).into_iter().map(|(annotation, _)| annotation).collect();
    if session.annotations.fading() {
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(500));
    }
    let in_force = super::control::control_in_force(
        &session.consent,
        session.phase == LinkPhase::Connected,
        session.held.is_some(),
    );
    if state.shows_picture() {
        super::monitors::monitor_row_ui(ui, cx, ticket_id, &session.monitors);
    }
    let control =
        state == ViewerState::Live && super::control::control_row_ui(ui, cx, ticket_id, &mut session.control, in_force);
    let action = session.viewer.ui(ui, lang, &slot, state, &annotations, can_draw, can_keep, control);
    let session_action = match action {
        Some(ViewerAction::TakeScreenshot) => Some(SessionCommand::TakeScreenshot),
        Some(ViewerAction::Draw { shape, label, color, fade_ms }) => {
            let id = session.next_annotation_id;
            session.next_annotation_id += 1;
            Some(SessionCommand::Annotate(Annotation { id, shape, label, color, fade_ms }))
        }
        Some(ViewerAction::Undo) => annotations.last().map(|last| SessionCommand::RemoveAnnotation(last.id)),
        Some(ViewerAction::Clear) => Some(SessionCommand::ClearAnnotations),
        Some(ViewerAction::Input(events)) => {
            for event in events {
                cx.emit(UiCommand::session(ticket_id, SessionCommand::Input(event)));
            }
            None
        }
        None => None,
    };
    if let Some(action) = session_action {
        cx.emit(UiCommand::session(ticket_id, action));
    }
    if state.shows_picture() {
        let because = session.overlay_why_not.as_ref().map(|why| no_overlay_text(why, lang));
        let mode = match (can_draw, session.arrow_placement, because) {
            (false, _, _) => Text::ArrowsNotAllowed.get(lang).to_owned(),
            (true, ArrowPlacement::OverScreen, _) => Text::ArrowsOverlayMode.get(lang).to_owned(),
            (true, ArrowPlacement::InWindow, Some(because)) => Text::ArrowsModeBecause.fill(lang, &[&because]),
            (true, _, _) => Text::ArrowsMode.get(lang).to_owned(),
        };
        ui.weak(mode);
    }
}

/// Where wrong codes came from (address and count, shut-out sources marked), and the button that
/// replaces the code of the waiting session.
fn attempts_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, ticket_id: TicketId, session: &RemoteSessionView) {
    let lang = cx.lang;
    if !session.attempts.is_empty() {
        ui.label(RichText::new(Text::AttemptsHeading.get(lang)).strong());
        for row in &session.attempts {
            let (template, color) = if row.blocked {
                (Text::SourceBlocked, theme::ERROR)
            } else {
                (Text::AttemptsFromSource, theme::WARNING)
            };
            ui.colored_label(color, template.fill(lang, &[&row.source, &row.wrong.to_string()]));
        }
    }
    if ui.button(Text::NewCode.get(lang)).on_hover_text(Text::NewCodeHint.get(lang)).clicked() {
        cx.emit(UiCommand::Session(ticket_id, SessionRequest::NewCode));
    }
}

fn code_ui(ui: &mut Ui, lang: Lang, session: &RemoteSessionView, now_ms: i64) {
    egui::Grid::new("join_code_grid").num_columns(3).spacing([8.0, 6.0]).show(ui, |ui| {
        ui.label(Text::JoinCodeLabel.get(lang));
        ui.label(RichText::new(&session.code).monospace().size(26.0).strong());
        if ui.button(Text::Copy.get(lang)).on_hover_text(Text::JoinCodeLabel.get(lang)).clicked() {
            ui.ctx().copy_text(session.code.replace(' ', ""));
        }
        ui.end_row();
        ui.label(Text::AddressLabel.get(lang));
        ui.label(RichText::new(&session.address).monospace());
        ui.label("");
        ui.end_row();
        ui.label(Text::JoinLinkLabel.get(lang));
        ui.label(RichText::new(&session.link).monospace());
        if ui.button(Text::Copy.get(lang)).on_hover_text(Text::JoinLinkLabel.get(lang)).clicked() {
            ui.ctx().copy_text(session.link.clone());
        }
        ui.end_row();
    });
    let left_ms = (session.expires_at_ms - now_ms).max(0);
    ui.weak(Text::CodeExpiresIn.fill(lang, &[&widgets::format_duration_ms(left_ms)]));
    ui.weak(Text::TellUserCode.get(lang));
}

pub(super) fn consent_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let state = session.consent_text(lang);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(Text::ConsentLabel.get(lang)).strong());
        ui.label(state);
    });
    let may_ask = session.phase == LinkPhase::Connected
        && matches!(session.consent, ConsentState::NotRequested | ConsentState::Denied | ConsentState::Revoked);
    let now_ms = cx.now_ms;
    let wait_ms = session.ask_again_at_ms.map(|at_ms| at_ms - now_ms);
    if may_ask {
        match wait_ms {
            None => {
                ui.colored_label(theme::WARNING, Text::NotAskAgain.get(lang));
                return;
            }
            Some(wait_ms) if wait_ms > 0 => {
                let seconds = (wait_ms + 999) / 1_000;
                ui.colored_label(theme::WARNING, Text::AskAgainIn.fill(lang, &[&seconds.to_string()]));
                ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
                return;
            }
            Some(_) => {}
        }
    }
    if may_ask {
        let label = ui.label(Text::PurposeLabel.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut session.purpose)
                .hint_text(Text::PurposeHint.get(lang))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if ui.button(Text::AskConsent.get(lang)).clicked() {
            let request = consent_request(context, &session.purpose);
            cx.emit(UiCommand::session(context.ticket_id, SessionCommand::RequestConsent(request)));
        }
    }
}

/// The consent request for the ticket in `context` with the engineer's `purpose`, the ticket
/// title and the purpose cut to what the protocol carries.
pub(super) fn consent_request(context: &PanelContext<'_>, purpose: &str) -> ConsentRequest {
    ConsentRequest {
        engineer_name: context.engineer_name.to_owned(),
        team: context.team.to_owned(),
        ticket_number: context.ticket_number.to_owned(),
        ticket_title: context.ticket_title.chars().take(MAX_TICKET_TITLE_CHARS).collect(),
        purpose: purpose.trim().chars().take(MAX_PURPOSE_CHARS).collect(),
        suggested: Scopes::default(),
    }
}
