//! The picture window: a screenshot from a ticket's timeline, shown inside the console. The file
//! is read and decoded on a thread (after [`UiCommand::Dialog(DialogCommand::ShowScreenshot)`]); this view only uploads
//! the decoded pixels to a texture once and draws them, scaled to fit the window.
//!
//! [`UiCommand::Dialog(DialogCommand::ShowScreenshot)`]: super::UiCommand::Dialog(DialogCommand::ShowScreenshot)

use std::path::{Path, PathBuf};

use egui::{ColorImage, TextureHandle, TextureOptions, Ui};

use super::command::Picture;
use super::i18n::{Lang, Text};
use super::theme;
use super::timeline::screenshot_name;

/// Where the picture is.
enum PictureState {
    /// The thread is reading it.
    Loading,
    /// Decoded; the texture is made on first draw.
    Ready {
        /// The pixels.
        picture: Picture,
        /// Uploaded pixels.
        texture: Option<TextureHandle>,
    },
    /// It cannot be shown: why.
    Failed(String),
}

impl std::fmt::Debug for PictureState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PictureState::Loading => f.write_str("Loading"),
            PictureState::Ready { picture, texture } => {
                write!(f, "Ready({picture:?}, uploaded: {})", texture.is_some())
            }
            PictureState::Failed(why) => write!(f, "Failed({why})"),
        }
    }
}

/// One open screenshot.
#[derive(Debug)]
pub struct PictureWindow {
    file: PathBuf,
    state: PictureState,
}

impl PictureWindow {
    /// A window for `file`, waiting for its pixels.
    pub fn loading(file: PathBuf) -> Self {
        Self { file, state: PictureState::Loading }
    }

    /// The file shown.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Takes the loader's answer for `file` (answers for another file are stale and dropped).
    pub fn loaded(&mut self, file: &Path, picture: Result<Picture, String>) {
        if file != self.file {
            return;
        }
        self.state = match picture {
            Ok(picture) if picture.rgba.len() as u64 != u64::from(picture.width) * u64::from(picture.height) * 4 => {
                PictureState::Failed(format!(
                    "{}×{} pixels do not match {} bytes",
                    picture.width,
                    picture.height,
                    picture.rgba.len()
                ))
            }
            Ok(picture) => PictureState::Ready { picture, texture: None },
            Err(why) => PictureState::Failed(why),
        };
    }

    /// The window's title: "Screenshot NAME".
    pub fn title(&self, lang: Lang) -> String {
        Text::ScreenshotTitle.fill(lang, &[&screenshot_name(&self.file.to_string_lossy())])
    }

    /// Draws the window; false once the person closed it.
    pub fn window(&mut self, ctx: &egui::Context, lang: Lang) -> bool {
        let mut open = true;
        let title = self.title(lang);
        egui::Window::new(title.clone())
            .id(egui::Id::unique("screenshot_window"))
            .open(&mut open)
            .default_size([820.0, 560.0])
            .resizable(true)
            .show(ctx, |ui| self.contents_ui(ui, lang, &title));
        open
    }

    fn contents_ui(&mut self, ui: &mut Ui, lang: Lang, title: &str) {
        match &mut self.state {
            PictureState::Loading => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(Text::ScreenshotLoading.get(lang));
                });
            }
            PictureState::Failed(why) => {
                ui.colored_label(theme::ERROR, Text::ScreenshotUnreadable.fill(lang, &[why]));
            }
            PictureState::Ready { picture, texture } => {
                let (width, height) = (picture.width, picture.height);
                ui.weak(Text::ScreenshotSize.fill(lang, &[&width.to_string(), &height.to_string()]));
                let texture = texture.get_or_insert_with(|| {
                    let size = [width as usize, height as usize];
                    let image = ColorImage::from_rgba_unmultiplied(size, &picture.rgba);
                    ui.ctx().load_texture("stepwise_screenshot", image, TextureOptions::LINEAR)
                });
                let available = ui.available_size();
                ui.add(egui::Image::new(&*texture).max_size(available).maintain_aspect_ratio(true).alt_text(title));
            }
        }
    }
}
