//! Screenshot thumbnails in a ticket's session history: each asked for once (the app reads and
//! shrinks it on a thread), uploaded as a texture on first draw; a click opens the picture window.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::Ui;

use super::command::{DialogCommand, Picture, UiCommand};
use super::context::ViewContext;
use super::i18n::Text;
use crate::model::TicketId;

/// Shown height of a thumbnail, points.
const THUMBNAIL_HEIGHT: f32 = 90.0;

/// Where one thumbnail stands.
enum Thumb {
    /// Asked for; not here yet.
    Loading,
    /// Here; uploaded on first draw.
    Ready { picture: Picture, texture: Option<egui::TextureHandle> },
    /// It cannot be shown, and why.
    Failed(String),
}

/// The thumbnails of one ticket's screenshots.
#[derive(Default)]
pub struct Thumbnails {
    shots: HashMap<PathBuf, Thumb>,
}

impl std::fmt::Debug for Thumbnails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumbnails").field("count", &self.shots.len()).finish()
    }
}

impl Thumbnails {
    /// The app's answer for `file`.
    pub fn loaded(&mut self, file: PathBuf, picture: Result<Picture, String>) {
        let thumb = match picture {
            Ok(picture) => Thumb::Ready { picture, texture: None },
            Err(why) => Thumb::Failed(why),
        };
        self.shots.insert(file, thumb);
    }

    /// Whether the thumbnail of `file` is here (tests).
    pub fn is_ready(&self, file: &str) -> bool {
        matches!(self.shots.get(&PathBuf::from(file)), Some(Thumb::Ready { .. }))
    }

    /// Draws the thumbnail of `file` (asking for it the first time); a click opens the picture.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, ticket_id: TicketId, file: &str) {
        let lang = cx.lang;
        let path = PathBuf::from(file);
        let thumb = self.shots.entry(path.clone()).or_insert_with(|| {
            cx.emit(DialogCommand::LoadThumbnail { ticket_id, file: path.clone() });
            Thumb::Loading
        });
        match thumb {
            Thumb::Loading => {
                ui.spinner();
            }
            Thumb::Failed(why) => {
                ui.weak(Text::ThumbnailUnavailable.get(lang)).on_hover_text(why.as_str());
            }
            Thumb::Ready { picture, texture } => {
                let texture = texture.get_or_insert_with(|| {
                    let size = [picture.width as usize, picture.height as usize];
                    let image = egui::ColorImage::from_rgba_unmultiplied(size, &picture.rgba);
                    ui.ctx().load_texture(format!("thumbnail {file}"), image, egui::TextureOptions::LINEAR)
                });
                let [width, height] = texture.size();
                let scale = THUMBNAIL_HEIGHT / height.max(1) as f32;
                let size = egui::vec2(width as f32 * scale, THUMBNAIL_HEIGHT);
                let button = egui::Button::image(egui::Image::new((texture.id(), size)));
                let response = ui.add(button);
                let label = Text::ShowScreenshot.get(lang);
                response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, label));
                if response.on_hover_text(label).clicked() {
                    cx.emit(DialogCommand::ShowScreenshot { file: path });
                }
            }
        }
    }
}
