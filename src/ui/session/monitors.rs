//! Monitor choice on the engineer's side: the user's monitors (as their side announced them)
//! in a menu above the live view; picking another one asks the user, who confirms on their
//! side. Nothing switches without the user.

use egui::Ui;

use crate::model::TicketId;
use crate::protocol::{MonitorInfo, MonitorList, SessionCommand, SessionEvent};
use crate::ui::ViewContext;
use crate::ui::command::UiCommand;
use crate::ui::i18n::{Lang, Text};
use crate::ui::theme;

/// The user's monitors as this console knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitorView {
    /// The list the user's side announced (while the screen is shared).
    pub list: Option<MonitorList>,
    /// The monitor asked for, while the user has not answered.
    pub requested: Option<u32>,
    /// The user kept the current monitor after the last request.
    pub declined: bool,
}

impl MonitorView {
    /// Follows one session event.
    pub fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::MonitorsAnnounced(list) => self.list = Some(list.clone()),
            SessionEvent::MonitorSwitchRequested { index } => (self.requested, self.declined) = (Some(*index), false),
            SessionEvent::MonitorSwitchAnswered { accepted, .. } => {
                (self.requested, self.declined) = (None, !*accepted);
            }
            SessionEvent::SharingPaused
            | SessionEvent::ConsentRevoked
            | SessionEvent::Disconnected
            | SessionEvent::Held(_)
            | SessionEvent::Ended { .. } => *self = Self::default(),
            SessionEvent::ScopesChanged(scopes) if !scopes.view => *self = Self::default(),
            _ => {}
        }
    }
}

/// How one monitor is named in the menu: its number, the system's name and its size.
pub fn monitor_label(lang: Lang, index: usize, monitor: &MonitorInfo) -> String {
    let size = format!("{}×{}", monitor.width, monitor.height);
    let name = if monitor.name.trim().is_empty() { size.clone() } else { format!("{}, {size}", monitor.name) };
    Text::MonitorEntry.fill(lang, &[&(index + 1).to_string(), &name])
}

/// The monitor row above the live view: a menu of the user's monitors (shown when they have
/// more than one); picking another monitor asks the user to switch.
pub fn monitor_row_ui(ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, ticket_id: TicketId, view: &MonitorView) {
    let lang = cx.lang;
    let Some(list) = view.list.as_ref().filter(|list| list.monitors.len() > 1) else { return };
    ui.horizontal_wrapped(|ui| {
        let shared = list.get(list.shared).map(|monitor| monitor_label(lang, list.shared as usize, monitor));
        let title = format!("{} ▾", Text::MonitorMenu.get(lang));
        ui.menu_button(title, |ui| {
            for (index, monitor) in list.monitors.iter().enumerate() {
                let Ok(index_u32) = u32::try_from(index) else { continue };
                let is_shared = index_u32 == list.shared;
                let mut label = monitor_label(lang, index, monitor);
                if is_shared {
                    label = format!("{label} {}", Text::MonitorShared.get(lang));
                }
                let enabled = !is_shared && view.requested.is_none();
                if ui.add_enabled(enabled, egui::Button::selectable(is_shared, label)).clicked() {
                    cx.emit(UiCommand::session(ticket_id, SessionCommand::RequestMonitor(index_u32)));
                    ui.close();
                }
            }
        });
        if let Some(shared) = shared {
            ui.weak(shared);
        }
        if view.requested.is_some() {
            ui.weak(Text::MonitorRequestWaiting.get(lang));
        } else if view.declined {
            ui.colored_label(theme::WARNING, Text::MonitorDeclinedNotice.get(lang));
        }
    });
}
