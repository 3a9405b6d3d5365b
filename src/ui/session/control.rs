//! Remote control on the engineer's side: where the control scope stands as this console knows
//! it, the "Control" toggle (usable only while the scope is in force), "Ask for control" and the
//! special-keys menu. The pointer and keys over the live view are turned into input by the
//! viewer ([`crate::ui::remote_input`]).

use egui::{RichText, Ui};

use crate::model::TicketId;
use crate::protocol::{CONTROL_TAKE_BACK_MS, ConsentState, SessionCommand, SessionEvent};
use crate::ui::ViewContext;
use crate::ui::command::{SessionRequest, UiCommand};
use crate::ui::i18n::Text;
use crate::ui::remote_input::SpecialKeys;
use crate::ui::theme;

/// The control state of one session, engineer side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControlView {
    /// The engineer switched control on (only effective while the scope is in force).
    pub on: bool,
    /// A control request is unanswered.
    pub requested: bool,
    /// The user refused the last request.
    pub declined: bool,
    /// The user's own input took control back; the moment is fixed when next drawn.
    taken_back_pending: bool,
    /// Until when the user's own input holds the engineer's back, unix ms.
    pub taken_back_until_ms: i64,
    /// Text the user sent from their clipboard, copied only on the engineer's click.
    pub clipboard_in: Option<String>,
}

impl ControlView {
    /// Follows one session event.
    pub fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::ControlRequested => (self.requested, self.declined) = (true, false),
            SessionEvent::ControlDeclined => (self.requested, self.declined) = (false, true),
            SessionEvent::ControlGranted => (self.requested, self.declined) = (false, false),
            SessionEvent::ControlRevoked
            | SessionEvent::ConsentRevoked
            | SessionEvent::Disconnected
            | SessionEvent::Ended { .. } => {
                self.on = false;
                self.requested = false;
                self.clipboard_in = None;
            }
            SessionEvent::ControlTakenBack => self.taken_back_pending = true,
            SessionEvent::ClipboardReceived { text } => self.clipboard_in = Some(text.clone()),
            _ => {}
        }
    }
}

/// Whether the control scope is in force as the engineer's side knows it.
pub fn control_in_force(consent: &ConsentState, connected: bool, held: bool) -> bool {
    connected
        && !held
        && matches!(consent, ConsentState::Granted { scopes, paused: false } if scopes.view && scopes.control)
}

/// The control row above the live view (drawn while the screen is shared); returns whether
/// input over the view goes to the user.
pub fn control_row_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    control: &mut ControlView,
    in_force: bool,
) -> bool {
    let lang = cx.lang;
    if control.taken_back_pending {
        control.taken_back_pending = false;
        control.taken_back_until_ms = cx.now_ms + CONTROL_TAKE_BACK_MS;
    }
    if !in_force {
        control.on = false;
    }
    ui.horizontal_wrapped(|ui| {
        if in_force {
            let toggle = ui.selectable_label(control.on, RichText::new(Text::ControlToggle.get(lang)).strong());
            if toggle.clicked() {
                control.on = !control.on;
            }
            ui.menu_button(Text::SpecialKeys.get(lang), |ui| {
                for keys in SpecialKeys::ALL {
                    let label = match keys {
                        SpecialKeys::CtrlAltDel => Text::SendCtrlAltDel,
                        SpecialKeys::Super => Text::SendSuperKey,
                        SpecialKeys::AltTab => Text::SendAltTab,
                        SpecialKeys::Escape => Text::SendEscape,
                    };
                    if ui.button(label.get(lang)).clicked() {
                        for event in keys.events() {
                            cx.emit(UiCommand::session(ticket_id, SessionCommand::Input(event)));
                        }
                        ui.close();
                    }
                }
            });
            if ui.button(Text::SendMyClipboard.get(lang)).clicked() {
                cx.emit(UiCommand::Session(ticket_id, SessionRequest::SendClipboard));
            }
            if cx.now_ms < control.taken_back_until_ms {
                ui.colored_label(theme::WARNING, Text::ControlTakenBackNotice.get(lang));
                ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
            } else if control.on {
                ui.weak(Text::ControlOnHint.get(lang));
            }
        } else {
            let toggle = ui.add_enabled(false, egui::Button::new(Text::ControlToggle.get(lang)));
            if control.requested {
                toggle.on_disabled_hover_text(Text::ControlRequestWaiting.get(lang));
                ui.weak(Text::ControlRequestWaiting.get(lang));
            } else {
                if ui.button(Text::RequestControl.get(lang)).clicked() {
                    cx.emit(UiCommand::session(ticket_id, SessionCommand::RequestControl));
                }
                if control.declined {
                    ui.colored_label(theme::WARNING, Text::ControlDeclinedNotice.get(lang));
                }
            }
        }
    });
    if let Some(text) = control.clipboard_in.as_ref().filter(|_| in_force) {
        ui.horizontal_wrapped(|ui| {
            ui.label(Text::ClipboardFromUser.fill(lang, &[&text.chars().count().to_string()]));
            if ui.button(Text::CopyToMyClipboard.get(lang)).clicked() {
                ui.ctx().copy_text(text.clone());
            }
        });
    }
    in_force && control.on && cx.now_ms >= control.taken_back_until_ms
}
