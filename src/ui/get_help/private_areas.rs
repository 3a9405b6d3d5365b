//! The user's own preview of what is shared, where private areas are dragged out: a small picture
//! of the shared screen, the areas never shared drawn black over it, the engineer's arrows on top.
//! Points of the picture and pixels of the screen meet only through [`ViewMapping`].

use egui::{RichText, Ui};

use crate::capture::PixelRect;

use super::super::annotations::{self, ShownAnnotations};
use super::super::coords::{RemoteRect, ViewMapping, screen_size_from_preview};
use super::super::i18n::{Lang, Text};
use super::super::theme;
use super::super::viewer::FrameSlot;

/// A dragged rectangle at most this many pixels wide or high is a slip, not a private area.
const MIN_AREA_SIDE_PX: u32 = 2;

/// The preview widget's state: the picture, the shared screen's size and the private areas.
#[derive(Default)]
pub struct PrivateAreasPreview {
    slot: FrameSlot,
    texture: Option<egui::TextureHandle>,
    /// Size of the shared screen, pixels (the preview is smaller).
    screen_size: (u32, u32),
    regions: Vec<PixelRect>,
    drag_from: Option<egui::Pos2>,
    drag_to: Option<egui::Pos2>,
}

impl std::fmt::Debug for PrivateAreasPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateAreasPreview").field("regions", &self.regions).finish()
    }
}

impl PrivateAreasPreview {
    /// A preview fed by `slot`, keeping the private areas already chosen (`regions`, pixels).
    pub fn new(slot: FrameSlot, regions: Vec<PixelRect>) -> Self {
        Self { slot, regions, ..Self::default() }
    }

    /// The private areas chosen, screen pixels.
    pub fn into_regions(self) -> Vec<PixelRect> {
        self.regions
    }

    /// Draws the preview (nothing before the first picture) with `shown` arrows over it; drag a
    /// rectangle to hide that part of the screen. Returns the new list of private areas when the
    /// user changed it.
    pub fn ui(&mut self, ui: &mut Ui, lang: Lang, shown: &mut ShownAnnotations) -> Option<Vec<PixelRect>> {
        self.upload_if_new(ui.ctx());
        let texture = self.texture.as_ref()?;
        ui.add_space(6.0);
        ui.label(RichText::new(Text::PrivateAreas.get(lang)).strong());
        ui.weak(Text::PrivateAreasHint.get(lang));
        let [texture_width, texture_height] = texture.size();
        let size = egui::vec2(texture_width as f32, texture_height as f32);
        let scale = (ui.available_width() / size.x).min(1.0);
        let (rect, response) = ui.allocate_exact_size(size * scale, egui::Sense::drag());
        let painter = ui.painter_at(rect);
        painter.image(
            texture.id(),
            rect,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        let (remote_width, remote_height) = self.screen_size;
        let mapping = ViewMapping { shown: rect, remote_width, remote_height };
        for region in &self.regions {
            painter.rect_filled(
                mapping.remote_rect_to_viewer(remote_rect(region)),
                0.0,
                egui::Color32::from_black_alpha(230),
            );
        }
        // The engineer's arrows, over the picture of the shared screen (no screen overlay here).
        let now = ui.input(|input| input.time);
        for (annotation, opacity) in shown.visible(now) {
            annotations::draw(&painter, &annotation, |pixel| mapping.remote_to_viewer(pixel), opacity);
        }
        if shown.fading() {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut changed = None;
        if response.drag_started() {
            self.drag_from = response.interact_pointer_pos();
        }
        if response.dragged()
            && let Some(at) = response.interact_pointer_pos()
        {
            self.drag_to = Some(at);
        }
        if let (Some(from), Some(to)) = (self.drag_from, self.drag_to) {
            let marked = egui::Rect::from_two_pos(from, to);
            painter.rect_stroke(marked, 0.0, egui::Stroke::new(2.0, theme::ERROR), egui::StrokeKind::Inside);
            if response.drag_stopped() {
                let region = pixel_rect(mapping.viewer_to_remote_rect(from, to));
                if region.width > MIN_AREA_SIDE_PX && region.height > MIN_AREA_SIDE_PX {
                    self.regions.push(region);
                    changed = Some(self.regions.clone());
                }
            }
        }
        if response.drag_stopped() || !response.is_pointer_button_down_on() && !response.dragged() {
            self.drag_from = None;
            self.drag_to = None;
        }
        if !self.regions.is_empty() && ui.button(Text::ClearPrivateAreas.get(lang)).clicked() {
            self.regions.clear();
            changed = Some(Vec::new());
        }
        changed
    }

    /// Uploads a new preview picture, if one arrived, and learns the shared screen's size from it.
    fn upload_if_new(&mut self, ctx: &egui::Context) {
        let mut state = self.slot.lock();
        if !state.all_dirty || state.width == 0 {
            return;
        }
        let image =
            egui::ColorImage::from_rgba_unmultiplied([state.width as usize, state.height as usize], &state.rgba);
        match &mut self.texture {
            Some(texture) => texture.set(image, egui::TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("shared_preview", image, egui::TextureOptions::LINEAR)),
        }
        self.screen_size = screen_size_from_preview(state.width, state.height);
        state.all_dirty = false;
    }
}

/// A private area as a rectangle of the shared screen.
fn remote_rect(region: &PixelRect) -> RemoteRect {
    RemoteRect { x: region.x, y: region.y, width: region.width, height: region.height }
}

/// A rectangle of the shared screen as a private area.
fn pixel_rect(rect: RemoteRect) -> PixelRect {
    PixelRect { x: rect.x, y: rect.y, width: rect.width, height: rect.height }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    type State = (PrivateAreasPreview, Vec<Vec<PixelRect>>);

    /// A 100×50 preview (of a 400×200 screen) in a harness that keeps every change it returns.
    fn preview() -> Harness<'static, State> {
        let slot = FrameSlot::default();
        {
            let mut picture = slot.lock();
            (picture.width, picture.height) = (100, 50);
            picture.rgba = vec![255; 100 * 50 * 4];
            picture.all_dirty = true;
        }
        let mut harness = Harness::builder().with_size(egui::vec2(320.0, 240.0)).build_ui_state(
            |ui, (preview, changes): &mut State| {
                let mut shown = ShownAnnotations::default();
                changes.extend(preview.ui(ui, Lang::En, &mut shown));
            },
            (PrivateAreasPreview::new(slot, Vec::new()), Vec::new()),
        );
        harness.run();
        harness
    }

    fn drag(harness: &mut Harness<'static, State>, from: egui::Pos2, to: egui::Pos2) {
        let button = |pos, pressed| egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        };
        harness.event(egui::Event::PointerMoved(from));
        harness.event(button(from, true));
        harness.run();
        for step in 1..=4 {
            harness.event(egui::Event::PointerMoved(from + (to - from) * (step as f32 / 4.0)));
            harness.run();
        }
        harness.event(button(to, false));
        harness.run();
    }

    #[test]
    fn a_rectangle_dragged_on_the_preview_hides_that_part_of_the_screen_in_screen_pixels() {
        let mut harness = preview();
        // The picture lies just below the hint, as wide as the preview (it fits unscaled).
        let hint = harness.get_by_label(Text::PrivateAreasHint.get(Lang::En)).rect();
        let left_top = egui::pos2(hint.left(), hint.bottom());
        drag(&mut harness, left_top + egui::vec2(20.0, 10.0), left_top + egui::vec2(70.0, 40.0));
        let changes = &harness.state().1;
        assert_eq!(changes.len(), 1, "one area: {changes:?}");
        let area = changes[0][0];
        // 50 × 30 points of a preview four times smaller than the screen.
        assert_eq!((area.x, area.width, area.height), (80, 200, 120), "{area:?}");

        harness.get_by_label(Text::ClearPrivateAreas.get(Lang::En)).click();
        harness.run();
        assert_eq!(harness.state().1.last(), Some(&Vec::new()), "cleared");
    }

    #[test]
    fn a_slip_of_the_mouse_is_not_a_private_area() {
        let mut harness = preview();
        let hint = harness.get_by_label(Text::PrivateAreasHint.get(Lang::En)).rect();
        let at = egui::pos2(hint.left(), hint.bottom()) + egui::vec2(20.0, 10.0);
        drag(&mut harness, at, at + egui::vec2(0.5, 30.0));
        assert!(harness.state().1.is_empty(), "{:?}", harness.state().1);
        assert!(harness.query_by_label(Text::ClearPrivateAreas.get(Lang::En)).is_none());
    }
}
