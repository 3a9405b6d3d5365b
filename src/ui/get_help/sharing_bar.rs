//! The sharing bar: while the screen is shared, one undecorated always-on-top row (what is shared,
//! Pause, Stop, a painted dot while recording) at the top centre of the shared monitor, dragged by
//! its background.

use egui::{RichText, Ui};

use crate::capture::PixelRect;
use crate::capture::x11_input::TAKE_BACK_HOTKEY;
use crate::protocol::{ConsentRequest, Scopes};

use super::super::command::AssistCommand;
use super::super::i18n::{Lang, Text};
use super::super::session::scopes_text;
use super::super::theme;
use super::AssistView;
use crate::protocol::SessionCommand;
use crate::ui::ViewContext;

impl AssistView {
    /// The always-visible bar: one compact row (what is shared, Pause, Stop, a red dot while
    /// recording) in its own undecorated always-on-top window at the top centre of the shared
    /// monitor, moved by dragging it; an embedded window where the platform has no viewports.
    pub(super) fn sharing_bar(
        &mut self,
        ctx: &egui::Context,
        cx: &mut ViewContext<'_, AssistCommand>,
        request: &ConsentRequest,
        scopes: Scopes,
        paused: bool,
    ) {
        let lang = self.lang;
        let controlled = scopes.control && !paused;
        let status = if paused {
            Text::SharingPausedNow.get(lang).to_owned()
        } else if controlled && self.now_ms < self.control_held_until_ms {
            Text::ControlHeldByYou.get(lang).to_owned()
        } else if controlled {
            Text::ControlActiveBar.get(lang).to_owned()
        } else if self.control_request {
            Text::ControlRequestTitle.get(lang).to_owned()
        } else if let Some(asked) = self.requested_monitor().filter(|_| !paused) {
            // Answered in the Get-help window; the bar makes sure the question is seen.
            Text::MonitorRequestTitle.fill(lang, &[&asked])
        } else {
            let what = match &self.source {
                Some(Ok(label)) if scopes.view => super::super::i18n::source_label_text(label, lang),
                _ => scopes_text(scopes, lang),
            };
            Text::BarCanSee.fill(lang, &[&request.engineer_name, &what])
        };
        // Placed once; afterwards the bar stays where the user drags it.
        let position = *self.bar_position.get_or_insert_with(|| {
            ctx.input(|input| {
                let viewport = input.viewport();
                sharing_bar_position(
                    self.shared_area,
                    viewport.monitor_size,
                    viewport.native_pixels_per_point.unwrap_or(1.0),
                )
            })
        });
        let builder = sharing_bar_builder(lang, position);
        let recording = scopes.record && !paused;
        let bar = BarState { paused, recording, controlled, control_asked: self.control_request && !paused };
        ctx.show_viewport_immediate(egui::ViewportId::from_hash_of("stepwise_sharing_bar"), builder, |ui, _class| {
            if ui.input(|input| input.viewport().close_requested()) {
                // The bar stays while sharing: closing it is what "Stop sharing" is for.
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::CancelClose);
            }
            let mut row = |ui: &mut Ui| sharing_bar_row_ui(ui, lang, &status, bar, cx);
            if ui.ctx().embed_viewports() {
                row(ui);
            } else {
                // A red edge while the screen is shared, amber while paused: the bar stands out.
                let edge = if paused { theme::WARNING } else { theme::ERROR };
                let frame = egui::Frame::central_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(8, 6))
                    .stroke(egui::Stroke::new(2.0, edge));
                egui::CentralPanel::default_margins().frame(frame).show(ui, |ui| {
                    // The bar has no title bar: dragging its background moves it.
                    let background = ui.interact(ui.max_rect(), ui.scope_id().with("drag_bar"), egui::Sense::drag());
                    if background.drag_started() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::StartDrag);
                    }
                    background.on_hover_text(Text::BarDragHint.get(lang));
                    row(ui);
                });
            }
        });
    }
}

/// Size of the sharing bar's window, points: one row.
pub const SHARING_BAR_SIZE: egui::Vec2 = egui::vec2(600.0, 44.0);
/// Gap between the top of the shared monitor and the sharing bar, points.
const SHARING_BAR_TOP_GAP: f32 = 6.0;

/// The sharing bar's window: compact, undecorated (dragged by its background), always on top,
/// opened at `position` (desktop points).
pub fn sharing_bar_builder(lang: Lang, position: egui::Pos2) -> egui::ViewportBuilder {
    egui::ViewportBuilder::default()
        .with_title(Text::SharingBarTitle.get(lang))
        .with_always_on_top()
        .with_decorations(false)
        .with_inner_size(SHARING_BAR_SIZE)
        .with_position(position)
        .with_resizable(false)
        .with_taskbar(false)
}

/// Where the sharing bar opens, desktop points: the top centre of the shared monitor
/// (`shared_area`, desktop pixels, `pixels_per_point` of the desktop) or, when the live screen is
/// not shared, of the monitor the window is on (`monitor_size`, points).
pub fn sharing_bar_position(
    shared_area: Option<PixelRect>,
    monitor_size: Option<egui::Vec2>,
    pixels_per_point: f32,
) -> egui::Pos2 {
    let points_from_pixels = |pixels: u32| pixels as f32 / pixels_per_point.max(0.25);
    let (left, top, width) = match (shared_area, monitor_size) {
        (Some(area), _) => (points_from_pixels(area.x), points_from_pixels(area.y), points_from_pixels(area.width)),
        (None, Some(size)) => (0.0, 0.0, size.x),
        (None, None) => (0.0, 0.0, SHARING_BAR_SIZE.x),
    };
    egui::pos2(left + ((width - SHARING_BAR_SIZE.x) / 2.0).max(0.0), top + SHARING_BAR_TOP_GAP)
}

/// What the bar's row shows.
#[derive(Clone, Copy, Debug)]
struct BarState {
    paused: bool,
    recording: bool,
    /// The engineer is controlling the computer.
    controlled: bool,
    /// The engineer asks for control.
    control_asked: bool,
}

/// The sharing bar's one row: a red dot while recording, what is shared, Pause / Resume, Stop;
/// while the engineer controls the computer "Take back control" (naming the hotkey) in place of
/// Pause, and
/// Allow / Don't allow while the engineer asks for control.
fn sharing_bar_row_ui(ui: &mut Ui, lang: Lang, status: &str, bar: BarState, cx: &mut ViewContext<'_, AssistCommand>) {
    let paused = bar.paused;
    ui.horizontal_centered(|ui| {
        // Right to left, so the buttons always fit and the words give way.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(RichText::new(Text::StopSharing.get(lang)).strong()).clicked() {
                cx.emit(AssistCommand::Session(SessionCommand::Revoke));
            }
            if bar.controlled {
                let take_back = Text::TakeBackControl.fill(lang, &[TAKE_BACK_HOTKEY]);
                if ui.button(RichText::new(take_back).strong().color(theme::ERROR)).clicked() {
                    cx.emit(AssistCommand::Session(SessionCommand::RevokeControl));
                }
            }
            if bar.control_asked {
                if ui.button(Text::DeclineControl.get(lang)).clicked() {
                    cx.emit(AssistCommand::Session(SessionCommand::DeclineControl));
                }
                if ui.button(RichText::new(Text::AllowControl.get(lang)).strong()).clicked() {
                    cx.emit(AssistCommand::Session(SessionCommand::GrantControl));
                }
            }
            let (label, command) = if paused {
                (Text::ResumeSharing, AssistCommand::Session(SessionCommand::Resume))
            } else {
                (Text::PauseSharing, AssistCommand::Session(SessionCommand::Pause))
            };
            // While the engineer controls the computer the bar keeps room for what matters most
            // (who controls it, take it back, stop); pausing stays in the window.
            if !bar.controlled && ui.button(label.get(lang)).clicked() {
                cx.emit(command);
            }
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                if bar.recording {
                    recording_dot_ui(ui, lang);
                }
                let color = if paused { theme::WARNING } else { theme::ERROR };
                ui.add(egui::Label::new(RichText::new(status).strong().color(color)).truncate().selectable(false));
            });
        });
    });
}

/// A painted red dot (no glyph needed) with the word "Recording" beside it.
fn recording_dot_ui(ui: &mut Ui, lang: Lang) {
    let size = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), size * 0.35, theme::ERROR);
    let label = Text::BarRecording.get(lang);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, label));
    response.on_hover_text(label);
    ui.add(egui::Label::new(RichText::new(label).strong().color(theme::ERROR)).selectable(false));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sharing_bar_opens_at_the_top_centre_of_the_shared_monitor() {
        // The second of two monitors, at 100 %.
        let second = PixelRect { x: 1920, y: 0, width: 2560, height: 1440 };
        let at = sharing_bar_position(Some(second), Some(egui::vec2(1920.0, 1080.0)), 1.0);
        assert_eq!(at, egui::pos2(1920.0 + (2560.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
        // A 200 % desktop: pixels become points.
        let only = PixelRect { x: 0, y: 0, width: 3840, height: 2160 };
        let at = sharing_bar_position(Some(only), None, 2.0);
        assert_eq!(at, egui::pos2((1920.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
        // Not the live screen: the top centre of the window's monitor.
        let at = sharing_bar_position(None, Some(egui::vec2(1280.0, 800.0)), 1.0);
        assert_eq!(at, egui::pos2((1280.0 - SHARING_BAR_SIZE.x) / 2.0, SHARING_BAR_TOP_GAP));
    }

    #[test]
    fn the_sharing_bar_is_a_compact_undecorated_window_on_top() {
        let builder = sharing_bar_builder(Lang::En, egui::pos2(660.0, 6.0));
        assert_eq!(builder.position, Some(egui::pos2(660.0, 6.0)));
        assert_eq!(builder.decorations, Some(false), "no title bar: it is dragged by its background");
        assert_eq!(builder.window_level, Some(egui::WindowLevel::AlwaysOnTop));
        let size = builder.inner_size.unwrap();
        assert!(size.y <= 48.0 && size.x <= 640.0, "one compact row: {size:?}");
    }
}
