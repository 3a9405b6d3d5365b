//! The engineer's live view of the user's screen. The decoding side writes the latest screen into
//! a single [`FrameSlot`] (never a queue) and marks what changed; the view uploads only those
//! rectangles to its texture. Fit-to-pane or 1:1 with scrolling (text stays crisp at 1:1).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use egui::{ColorImage, RichText, TextureHandle, TextureOptions, Ui};

use super::coords::ViewMapping;
use super::i18n::{Lang, Text};
use super::theme;
use crate::protocol::{Annotation, AnnotationColor, RemotePixel, Shape};

/// Figures shown under the view.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ViewerStats {
    /// Updates per second over the last second.
    pub fps: f32,
    /// Capture → decoded, ms (last update).
    pub latency_ms: i64,
    /// Received screen data, kbit/s over the last second.
    pub kbps: f32,
    /// Frames the sender skipped because the link was busy, in total.
    pub skipped_frames: u64,
    /// Updates decoded in total.
    pub frames: u64,
}

/// The latest screen as decoded, plus what changed since the view last looked.
#[derive(Debug, Default)]
pub struct SlotState {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// RGBA8 pixels.
    pub rgba: Vec<u8>,
    /// Rectangles `[x, y, width, height]` changed since the view last uploaded.
    pub dirty: Vec<[u32; 4]>,
    /// The whole image changed (size change, keyframe).
    pub all_dirty: bool,
    /// Stream figures.
    pub stats: ViewerStats,
    /// The user's pointer, screen pixels.
    pub cursor: Option<[u32; 2]>,
    /// Areas `[x, y, width, height]` shown only approximately so far (a narrow link sends a
    /// lossy first pass, then refines); empty when the picture is exact.
    pub approximate: Vec<[u32; 4]>,
}

/// A single slot shared by the decoder (writer) and the view (reader).
#[derive(Clone, Debug, Default)]
pub struct FrameSlot(Arc<Mutex<SlotState>>);

impl PartialEq for FrameSlot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl FrameSlot {
    /// Locks the slot (short critical sections only).
    pub fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the view says instead of (or over) the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerState {
    /// No consent with the view scope yet.
    WaitingForConsent,
    /// The user paused sharing.
    Paused,
    /// Frames flowing.
    Live,
    /// Guidance-only mode: the last still the user's side sent, not a moving picture.
    Still,
    /// The link is down.
    Reconnecting,
    /// The user stopped sharing (consent withdrawn).
    Stopped,
    /// Consent is in force but without the view scope.
    ViewNotAllowed,
    /// The session is over.
    Ended,
    /// On hold: the console cannot write the transcript.
    Held,
}

impl ViewerState {
    /// Whether the picture may be on show: only while the view scope is in force and the user
    /// has not paused. In every other state the decoded picture is wiped (see `ViewerFeed`).
    pub fn shows_picture(self) -> bool {
        matches!(self, ViewerState::Live | ViewerState::Still)
    }
}

/// The view's own state: its texture and zoom.
#[derive(Default)]
pub struct ViewerView {
    texture: Option<TextureHandle>,
    one_to_one: bool,
    cursor: Option<[u32; 2]>,
    tool: DrawTool,
    color: AnnotationColor,
    label: String,
    fade: ArrowFade,
    drag: Option<(egui::Pos2, egui::Pos2)>,
    /// Areas of the picture still approximate (copied from the slot).
    approximate: Vec<[u32; 4]>,
    /// Give the picture all the room left below the toolbars (the session workspace); otherwise
    /// it is at most [`INLINE_PICTURE_HEIGHT`] tall (the ticket page).
    pub fill: bool,
    /// The engineer's pointer and keys over the picture, as remote control input.
    translator: super::remote_input::RemoteInputTranslator,
}

/// The tallest the picture gets inline in the ticket page, points.
pub const INLINE_PICTURE_HEIGHT: f32 = 560.0;

/// Room kept under a filling picture for the stats line, points.
const STATS_LINE_HEIGHT: f32 = 22.0;

/// How long a new arrow stays on the user's screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArrowFade {
    /// 10 seconds.
    Seconds10,
    /// 30 seconds.
    Seconds30,
    /// One minute.
    #[default]
    Minute,
    /// Until taken back or cleared.
    Never,
}

impl ArrowFade {
    /// Every choice, shortest first.
    pub const ALL: [ArrowFade; 4] = [ArrowFade::Seconds10, ArrowFade::Seconds30, ArrowFade::Minute, ArrowFade::Never];

    /// The fade time in ms (0: never).
    pub fn fade_ms(self) -> u32 {
        match self {
            ArrowFade::Seconds10 => 10_000,
            ArrowFade::Seconds30 => 30_000,
            ArrowFade::Minute => 60_000,
            ArrowFade::Never => 0,
        }
    }

    fn text(self) -> Text {
        match self {
            ArrowFade::Seconds10 => Text::Fade10s,
            ArrowFade::Seconds30 => Text::Fade30s,
            ArrowFade::Minute => Text::Fade1min,
            ArrowFade::Never => Text::FadeNever,
        }
    }
}

/// What a drag on the picture draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DrawTool {
    /// An arrow from where the drag starts to where it ends (the head).
    #[default]
    Arrow,
    /// A rectangle around something.
    Highlight,
}

impl std::fmt::Debug for ViewerView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewerView")
            .field("has_texture", &self.texture.is_some())
            .field("one_to_one", &self.one_to_one)
            .finish()
    }
}

/// What the viewer asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewerAction {
    /// Attach the current picture to the ticket as a PNG.
    TakeScreenshot,
    /// Draw this on the user's screen.
    Draw {
        /// Shape in remote pixels.
        shape: Shape,
        /// Label (may be empty).
        label: String,
        /// Colour.
        color: AnnotationColor,
        /// How long it stays, ms (0: until removed).
        fade_ms: u32,
    },
    /// Take the last annotation back.
    Undo,
    /// Remove every annotation.
    Clear,
    /// Remote control input from the pointer and keys over the picture (control on).
    Input(Vec<crate::protocol::InputEvent>),
}

/// Control on: the keyboard goes to the picture while the pointer is over it (Tab, arrows and
/// Esc included), and the frame's pointer and key events become remote control input.
fn remote_control_input(
    ui: &Ui,
    response: &egui::Response,
    mapping: &ViewMapping,
    translator: &mut super::remote_input::RemoteInputTranslator,
) -> Option<ViewerAction> {
    if response.hovered() && !response.has_focus() {
        response.request_focus();
    }
    if response.has_focus() {
        let filter = egui::EventFilter { tab: true, horizontal_arrows: true, vertical_arrows: true, escape: true };
        ui.memory_mut(|memory| memory.set_focus_lock_filter(response.id, filter));
    }
    let events = ui.input(|input| input.events.clone());
    let input = translator.translate(&events, mapping, response.has_focus());
    (!input.is_empty()).then_some(ViewerAction::Input(input))
}

/// Spacing of the hatch over approximate areas, points.
const HATCH_SPACING: f32 = 10.0;

/// A subtle diagonal hatch over the areas of the picture that are still approximate.
fn hatch_approximate(painter: &egui::Painter, mapping: &ViewMapping, areas: &[[u32; 4]]) {
    let stroke = egui::Stroke::new(1.0, egui::Color32::from_rgba_unmultiplied(128, 128, 128, 70));
    for &[x, y, width, height] in areas {
        let min = mapping.remote_to_viewer(RemotePixel { x, y });
        let max = mapping.remote_to_viewer(RemotePixel { x: x.saturating_add(width), y: y.saturating_add(height) });
        let area = egui::Rect::from_min_max(min, max).intersect(mapping.shown);
        if area.width() <= 0.0 || area.height() <= 0.0 {
            continue;
        }
        let clipped = painter.with_clip_rect(area);
        // Lines at 45°, anchored to the picture so neighbouring areas line up.
        let span = area.width() + area.height();
        let first = ((area.min.x + area.min.y - mapping.shown.min.x - mapping.shown.min.y) / HATCH_SPACING).floor();
        let mut offset = first * HATCH_SPACING + mapping.shown.min.x + mapping.shown.min.y - area.min.y;
        while offset <= area.min.x + span {
            let from = egui::pos2(offset, area.min.y);
            let to = egui::pos2(offset - area.height(), area.max.y);
            clipped.line_segment([from, to], stroke);
            offset += HATCH_SPACING;
        }
    }
}

impl ViewerView {
    /// Copies what changed from the slot into the texture.
    fn upload(&mut self, ctx: &egui::Context, slot: &FrameSlot) -> Option<ViewerStats> {
        let mut state = slot.lock();
        if state.width == 0 || state.height == 0 {
            // The picture was wiped (pause, stop, view scope removed, end): drop the texture too.
            self.texture = None;
            self.cursor = None;
            self.approximate.clear();
            return None;
        }
        let size = [state.width as usize, state.height as usize];
        let needs_full = state.all_dirty || self.texture.as_ref().is_none_or(|texture| texture.size() != size);
        if needs_full {
            let image = ColorImage::from_rgba_unmultiplied(size, &state.rgba);
            match &mut self.texture {
                Some(texture) if texture.size() == size => texture.set(image, TextureOptions::LINEAR),
                _ => self.texture = Some(ctx.load_texture("remote_screen", image, TextureOptions::LINEAR)),
            }
        } else if let Some(texture) = &mut self.texture {
            let stride = state.width as usize * 4;
            for &[x, y, width, height] in &state.dirty {
                let (x, y) = (x as usize, y as usize);
                let width = (width as usize).min(size[0].saturating_sub(x));
                let height = (height as usize).min(size[1].saturating_sub(y));
                if width == 0 || height == 0 {
                    continue;
                }
                let mut pixels = Vec::with_capacity(width * height * 4);
                for row in y..y + height {
                    pixels.extend_from_slice(&state.rgba[row * stride + x * 4..row * stride + (x + width) * 4]);
                }
                let patch = ColorImage::from_rgba_unmultiplied([width, height], &pixels);
                texture.set_partial([x, y], patch, TextureOptions::LINEAR);
            }
        }
        state.dirty.clear();
        state.all_dirty = false;
        self.cursor = state.cursor;
        self.approximate.clone_from(&state.approximate);
        Some(state.stats)
    }

    /// Draws the state line, the picture (with `annotations`; drawing allowed when `can_draw`,
    /// "Take screenshot" when `can_keep`: the record scope is in force) and the stats; returns
    /// what the engineer asked for. Outside [`ViewerState::shows_picture`] no picture is shown, only a
    /// neutral placeholder saying why. With `control` the pointer and keys over the picture
    /// become remote control input (and nothing is drawn).
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        lang: Lang,
        slot: &FrameSlot,
        state: ViewerState,
        annotations: &[Annotation],
        can_draw: bool,
        can_keep: bool,
        control: bool,
    ) -> Option<ViewerAction> {
        let can_draw = can_draw && !control;
        let stats = self.upload(ui.ctx(), slot);
        if !state.shows_picture() {
            // Belt and braces: even if a frame raced in, nothing is drawn outside consent.
            self.texture = None;
            self.drag = None;
        }
        let mut action = None;
        let (state_text, state_color) = match state {
            ViewerState::WaitingForConsent => (Text::ViewerWaitingConsent, theme::WARNING),
            ViewerState::Paused => (Text::ViewerPausedCleared, theme::WARNING),
            ViewerState::Live => (Text::ViewerLive, theme::SUCCESS),
            ViewerState::Still => (Text::ViewerStill, theme::SUCCESS),
            ViewerState::Reconnecting => (Text::LinkReconnecting, theme::WARNING),
            ViewerState::Stopped => (Text::ViewerStopped, theme::WARNING),
            ViewerState::ViewNotAllowed => (Text::ViewerViewScopeRemoved, theme::WARNING),
            ViewerState::Ended => (Text::ViewerEnded, theme::WARNING),
            ViewerState::Held => (Text::HeldTranscript, theme::WARNING),
        };
        ui.horizontal(|ui| {
            ui.colored_label(state_color, RichText::new(state_text.get(lang)).strong());
            if self.texture.is_some() && !self.approximate.is_empty() {
                ui.colored_label(theme::WARNING, Text::ViewerSharpening.get(lang))
                    .on_hover_text(Text::ViewerSharpeningHint.get(lang));
            }
            if self.texture.is_some() {
                ui.separator();
                ui.selectable_value(&mut self.one_to_one, false, Text::ViewerFit.get(lang));
                ui.selectable_value(&mut self.one_to_one, true, Text::ViewerOneToOne.get(lang));
                if can_keep {
                    if ui.button(Text::TakeScreenshot.get(lang)).clicked() {
                        action = Some(ViewerAction::TakeScreenshot);
                    }
                } else {
                    ui.add_enabled(false, egui::Button::new(Text::TakeScreenshot.get(lang)))
                        .on_disabled_hover_text(Text::ScreenshotNeedsRecord.get(lang));
                }
            }
        });
        if self.texture.is_none()
            && !matches!(state, ViewerState::Live | ViewerState::Still | ViewerState::WaitingForConsent)
        {
            let placeholder = egui::vec2(ui.available_width().min(640.0), 160.0);
            let (rect, _) = ui.allocate_exact_size(placeholder, egui::Sense::hover());
            ui.painter().rect_filled(rect, 6.0, ui.visuals().extreme_bg_color);
            let wrapped = ui.painter().layout(
                state_text.get(lang).to_owned(),
                egui::FontId::proportional(16.0),
                ui.visuals().weak_text_color(),
                rect.width() - 32.0,
            );
            ui.painter().galley(rect.center() - wrapped.size() / 2.0, wrapped, ui.visuals().weak_text_color());
        }
        if self.texture.is_some() && can_draw {
            ui.horizontal_wrapped(|ui| {
                ui.selectable_value(&mut self.tool, DrawTool::Arrow, Text::ToolArrow.get(lang));
                ui.selectable_value(&mut self.tool, DrawTool::Highlight, Text::ToolHighlight.get(lang));
                for color in AnnotationColor::ALL {
                    let swatch = RichText::new("⬤").color(super::annotations::color32(color));
                    ui.selectable_value(&mut self.color, color, swatch).on_hover_text(color.as_str());
                }
                let label = ui.label(Text::ArrowLabel.get(lang));
                ui.add(egui::TextEdit::singleline(&mut self.label).desired_width(160.0)).labelled_by(label.id);
                let label = ui.label(Text::FadesAfter.get(lang));
                super::widgets::enum_combo(ui, &label, "arrow_fade", &mut self.fade, &ArrowFade::ALL, |fade| {
                    fade.text().get(lang).to_owned()
                });
                if ui.button(Text::UndoArrow.get(lang)).clicked() {
                    action = Some(ViewerAction::Undo);
                }
                if ui.button(Text::ClearArrows.get(lang)).clicked() {
                    action = Some(ViewerAction::Clear);
                }
            });
        }
        if let Some(texture) = &self.texture {
            let [width, height] = texture.size();
            let native = egui::vec2(width as f32, height as f32) / ui.ctx().pixels_per_point();
            let cursor = self.cursor;
            let draw_cursor = |ui: &Ui, shown: egui::Rect| {
                let Some([x, y]) = cursor else { return };
                let tip = shown.min
                    + egui::vec2(x as f32 / width as f32 * shown.width(), y as f32 / height as f32 * shown.height());
                let arrow =
                    vec![tip, tip + egui::vec2(0.0, 16.0), tip + egui::vec2(4.5, 12.0), tip + egui::vec2(11.0, 11.0)];
                ui.painter().add(egui::Shape::convex_polygon(
                    arrow,
                    egui::Color32::WHITE,
                    egui::Stroke::new(1.0, egui::Color32::BLACK),
                ));
            };
            let approximate = &self.approximate;
            let (tool, color, label) = (self.tool, self.color, self.label.trim().to_owned());
            let fade_ms = self.fade.fade_ms();
            let drag = &mut self.drag;
            let translator = &mut self.translator;
            let mut picture = |ui: &mut Ui, size: egui::Vec2| {
                let sense = if control {
                    egui::Sense::click_and_drag() | egui::Sense::FOCUSABLE
                } else if can_draw {
                    egui::Sense::drag()
                } else {
                    egui::Sense::hover()
                };
                let response = ui.add(egui::Image::new((texture.id(), size)).sense(sense));
                let mapping =
                    ViewMapping { shown: response.rect, remote_width: width as u32, remote_height: height as u32 };
                hatch_approximate(&ui.painter_at(response.rect), &mapping, approximate);
                if control {
                    return remote_control_input(ui, &response, &mapping, translator);
                }
                let painter = ui.painter_at(response.rect);
                for annotation in annotations {
                    super::annotations::draw(&painter, annotation, |pixel| mapping.remote_to_viewer(pixel), 1.0);
                }
                draw_cursor(ui, response.rect);
                if response.drag_started()
                    && let Some(at) = response.interact_pointer_pos()
                {
                    *drag = Some((at, at));
                }
                if response.dragged()
                    && let (Some((from, _)), Some(at)) = (*drag, response.interact_pointer_pos())
                {
                    *drag = Some((from, at));
                }
                if let Some((from, to)) = *drag {
                    let (from_px, to_px) = (mapping.viewer_to_remote(from), mapping.viewer_to_remote(to));
                    let shape = match tool {
                        DrawTool::Arrow => Shape::Arrow { tail: from_px, head: to_px },
                        DrawTool::Highlight => Shape::Highlight { from: from_px, to: to_px },
                    };
                    let preview = Annotation { id: 0, shape, label: label.clone(), color, fade_ms: 0 };
                    super::annotations::draw(&painter, &preview, |pixel| mapping.remote_to_viewer(pixel), 0.6);
                    if response.drag_stopped() {
                        *drag = None;
                        if from.distance(to) >= 6.0 {
                            return Some(ViewerAction::Draw { shape, label: label.clone(), color, fade_ms });
                        }
                    }
                }
                None
            };
            let max_height =
                if self.fill { (ui.available_height() - STATS_LINE_HEIGHT).max(120.0) } else { INLINE_PICTURE_HEIGHT };
            let drawn = if self.one_to_one {
                egui::ScrollArea::both()
                    .id_salt("remote_screen_1to1")
                    .max_height(max_height)
                    .show(ui, |ui| picture(ui, native))
                    .inner
            } else {
                // Inline the picture never grows past its own size; the workspace gives it all
                // the room there is (a 720p screen on a large monitor is shown larger).
                let scale = (ui.available_width() / native.x).min(max_height / native.y);
                let scale = if self.fill { scale } else { scale.min(1.0) };
                picture(ui, native * scale)
            };
            if drawn.is_some() {
                action = drawn;
            }
        }
        if let Some(stats) = stats.filter(|stats| stats.frames > 0) {
            ui.weak(Text::ViewerStats.fill(
                lang,
                &[
                    &format!("{:.0}", stats.fps),
                    &stats.latency_ms.to_string(),
                    &format!("{:.0}", stats.kbps),
                    &stats.skipped_frames.to_string(),
                ],
            ));
        }
        action
    }
}
