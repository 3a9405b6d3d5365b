//! The "Export video…" dialog of a recording: format, output file, rectangles to black out
//! (drawn on a preview picture of the recording, each with its time range), Export, progress,
//! cancel and the outcome. It only emits [`DialogCommand`]s; the app runs the export on a
//! thread (the system's ffmpeg) and records it in the ticket's timeline.

use std::path::PathBuf;

use egui::{Color32, Pos2, Rect, Sense, Stroke, StrokeKind, TextureHandle, Ui, Vec2};

use super::command::{DialogCommand, Picture, UiCommand};
use super::context::ViewContext;
use super::i18n::{Lang, Text};
use super::theme;
use crate::model::{
    MAX_REDACTIONS, Redaction, RedactionRect, TicketId, VideoExportError, VideoExportRequest, VideoFormat,
};

/// Largest preview, points.
const PREVIEW_MAX: Vec2 = Vec2::new(520.0, 320.0);
/// The fill over a rectangle that will be blacked out.
const REDACTION_FILL: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 190);

/// The recording an export starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoExportSource {
    /// The ticket whose timeline records the export.
    pub ticket_id: TicketId,
    /// The recording file.
    pub path: PathBuf,
    /// Its length, ms.
    pub duration_ms: u64,
}

/// An export to run, as the dialog asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoExportOrder {
    /// The recording.
    pub source: VideoExportSource,
    /// The video file to write.
    pub out: PathBuf,
    /// Format and redactions.
    pub request: VideoExportRequest,
}

/// Why an export did not produce a video, as the views translate it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoExportProblem {
    /// No ffmpeg on this machine.
    FfmpegMissing,
    /// The request does not fit the recording.
    Refused(VideoExportError),
    /// Cancelled; nothing was written.
    Cancelled,
    /// Anything else, in the system's words.
    Failed(String),
}

/// Where the export stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Being set up.
    Editing,
    /// Running: the fraction done.
    Running(f32),
    /// Written there.
    Done(PathBuf),
    /// Did not happen.
    Failed(VideoExportProblem),
}

/// The preview picture and its size in remote pixels.
enum Preview {
    Loading,
    Failed(String),
    Ready { picture: Option<Picture>, texture: Option<TextureHandle>, width: u32, height: u32 },
}

/// The dialog's state.
pub struct RecordingExportDialog {
    source: VideoExportSource,
    format: VideoFormat,
    /// The output file as typed or chosen.
    path: String,
    redactions: Vec<Redaction>,
    /// Where a rectangle being drawn started, remote pixels.
    drag_from: Option<(u32, u32)>,
    preview: Preview,
    stage: Stage,
    /// No file dialog could be shown: say so beside the path field.
    dialog_unavailable: bool,
    missing_path: bool,
}

impl std::fmt::Debug for RecordingExportDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingExportDialog").field("source", &self.source).field("stage", &self.stage).finish()
    }
}

impl RecordingExportDialog {
    /// A dialog for `source`, waiting for its preview picture.
    pub fn new(source: VideoExportSource) -> Self {
        Self {
            source,
            format: VideoFormat::Mp4H264,
            path: String::new(),
            redactions: Vec::new(),
            drag_from: None,
            preview: Preview::Loading,
            stage: Stage::Editing,
            dialog_unavailable: false,
            missing_path: false,
        }
    }

    /// A dialog whose preview is an existing texture of the recording's `width`×`height` picture
    /// (the player passes the picture it shows).
    pub fn with_texture(source: VideoExportSource, texture: TextureHandle, width: u32, height: u32) -> Self {
        let mut dialog = Self::new(source);
        dialog.preview = Preview::Ready { picture: None, texture: Some(texture), width, height };
        dialog
    }

    /// The recording it exports.
    pub fn source(&self) -> &VideoExportSource {
        &self.source
    }

    /// The rectangles to black out so far.
    pub fn redactions(&self) -> &[Redaction] {
        &self.redactions
    }

    /// The preview picture arrived (or could not be made), for the recording at `path`.
    pub fn preview_loaded(&mut self, path: &std::path::Path, picture: Result<Picture, String>) {
        if path != self.source.path {
            return;
        }
        self.preview = match picture {
            Ok(picture) if picture.rgba.len() as u64 == u64::from(picture.width) * u64::from(picture.height) * 4 => {
                let (width, height) = (picture.width, picture.height);
                Preview::Ready { picture: Some(picture), texture: None, width, height }
            }
            Ok(picture) => Preview::Failed(format!("{}×{} pixels do not match", picture.width, picture.height)),
            Err(why) => Preview::Failed(why),
        };
    }

    /// A file was chosen in the save dialog (`None`: none could be shown, type it).
    pub fn path_chosen(&mut self, path: Option<PathBuf>) {
        match path {
            Some(path) => {
                if let Some(format) = VideoFormat::from_path(&path) {
                    self.format = format;
                }
                self.path = path.display().to_string();
                self.dialog_unavailable = false;
            }
            None => self.dialog_unavailable = true,
        }
    }

    /// How far the running export is (0..=1).
    pub fn progress(&mut self, fraction: f32) {
        if matches!(self.stage, Stage::Running(_)) {
            self.stage = Stage::Running(fraction.clamp(0.0, 1.0));
        }
    }

    /// The export ended.
    pub fn finished(&mut self, outcome: Result<PathBuf, VideoExportProblem>) {
        self.stage = match outcome {
            Ok(path) => Stage::Done(path),
            Err(problem) => Stage::Failed(problem),
        };
    }

    /// Whether an export is running (closing the window cancels it).
    pub fn is_running(&self) -> bool {
        matches!(self.stage, Stage::Running(_))
    }

    /// The window; false once it was closed (a running export is cancelled first).
    pub fn window(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let mut open = true;
        egui::Window::new(Text::ExportVideoTitle.get(cx.lang))
            .id(egui::Id::unique("stepwise_video_export"))
            .open(&mut open)
            .collapsible(false)
            .resizable(true)
            .default_width(560.0)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.ui(ui, cx));
            });
        if !open && self.is_running() {
            cx.emit(DialogCommand::CancelVideoExport);
        }
        open
    }

    /// The dialog's contents.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        let editable = !self.is_running();
        ui.add_enabled_ui(editable, |ui| {
            self.format_and_path_ui(ui, cx);
            ui.separator();
            self.preview_ui(ui, lang);
            self.redactions_ui(ui, lang);
        });
        ui.separator();
        self.actions_ui(ui, cx);
    }

    fn format_and_path_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        ui.horizontal(|ui| {
            ui.label(Text::ExportVideoFormat.get(lang));
            for format in VideoFormat::ALL {
                if ui.radio_value(&mut self.format, format, format.label()).clicked() {
                    self.path = with_extension(&self.path, format);
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label(Text::ExportVideoFile.get(lang));
            let hint = format!("/home/me/recording.{}", self.format.extension());
            ui.add(egui::TextEdit::singleline(&mut self.path).hint_text(hint).desired_width(320.0))
                .labelled_by(label.id);
            if ui.button(Text::ExportVideoChoose.get(lang)).clicked() {
                let stem = self.source.path.file_stem().map_or_else(|| "recording".into(), |s| s.to_string_lossy());
                let suggested = format!("{stem}.{}", self.format.extension());
                cx.emit(DialogCommand::ChooseVideoExportPath { format: self.format, suggested });
            }
        });
        if self.dialog_unavailable {
            ui.colored_label(theme::WARNING, Text::FileDialogUnavailable.get(lang));
        }
        if self.missing_path {
            ui.colored_label(theme::ERROR, Text::PathRequired.get(lang));
        }
    }

    fn preview_ui(&mut self, ui: &mut Ui, lang: Lang) {
        let seconds = self.source.duration_ms.div_ceil(1_000).to_string();
        match &mut self.preview {
            Preview::Loading => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(Text::ExportVideoLoadingPreview.get(lang));
                });
            }
            Preview::Failed(why) => {
                ui.colored_label(theme::ERROR, Text::ExportVideoPreviewFailed.fill(lang, &[why]));
            }
            Preview::Ready { picture, texture, width, height } => {
                let (width, height) = (*width, *height);
                ui.weak(Text::ExportVideoLength.fill(lang, &[&seconds, &width.to_string(), &height.to_string()]));
                let texture = match (texture.as_ref(), picture.take()) {
                    (Some(texture), _) => texture.clone(),
                    (None, Some(picture)) => {
                        let size = [picture.width as usize, picture.height as usize];
                        let image = egui::ColorImage::from_rgba_unmultiplied(size, &picture.rgba);
                        let loaded = ui.ctx().load_texture("stepwise_video_export_preview", image, Default::default());
                        *texture = Some(loaded.clone());
                        loaded
                    }
                    (None, None) => return,
                };
                let scale = f32::min(PREVIEW_MAX.x / width as f32, PREVIEW_MAX.y / height as f32).min(1.0);
                let size = Vec2::new(width as f32 * scale, height as f32 * scale);
                let (rect, response) = ui.allocate_exact_size(size, Sense::drag());
                let label = Text::ExportVideoPreview.get(lang);
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, label));
                ui.painter().image(
                    texture.id(),
                    rect,
                    Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                    Color32::WHITE,
                );
                let remote_from_screen = |pos: Pos2| {
                    let x = ((pos.x - rect.min.x) / scale).clamp(0.0, width as f32) as u32;
                    let y = ((pos.y - rect.min.y) / scale).clamp(0.0, height as f32) as u32;
                    (x, y)
                };
                let screen_from_remote = |rect_px: RedactionRect| {
                    let min = rect.min + Vec2::new(rect_px.x as f32, rect_px.y as f32) * scale;
                    Rect::from_min_size(min, Vec2::new(rect_px.w as f32, rect_px.h as f32) * scale)
                };
                if response.drag_started()
                    && let Some(pos) = response.interact_pointer_pos()
                {
                    self.drag_from = Some(remote_from_screen(pos));
                }
                let dragging = self.drag_from.zip(response.interact_pointer_pos()).map(|(from, pos)| {
                    let to = remote_from_screen(pos);
                    RedactionRect {
                        x: from.0.min(to.0),
                        y: from.1.min(to.1),
                        w: from.0.abs_diff(to.0),
                        h: from.1.abs_diff(to.1),
                    }
                });
                if response.drag_stopped() {
                    self.drag_from = None;
                    if let Some(drawn) = dragging.filter(|drawn| drawn.w > 0 && drawn.h > 0) {
                        self.add_redaction(drawn);
                    }
                }
                for (index, redaction) in self.redactions.iter().enumerate() {
                    let on_screen = screen_from_remote(redaction.rect);
                    ui.painter().rect_filled(on_screen, 0.0, REDACTION_FILL);
                    ui.painter().rect_stroke(on_screen, 0.0, Stroke::new(1.5, theme::WARNING), StrokeKind::Inside);
                    ui.painter().text(
                        on_screen.min + Vec2::splat(3.0),
                        egui::Align2::LEFT_TOP,
                        (index + 1).to_string(),
                        egui::FontId::proportional(12.0),
                        Color32::WHITE,
                    );
                }
                if let Some(drawn) = dragging.filter(|_| response.dragged()) {
                    ui.painter().rect_stroke(
                        screen_from_remote(drawn),
                        0.0,
                        Stroke::new(1.5, theme::ERROR),
                        StrokeKind::Inside,
                    );
                }
            }
        }
    }

    /// A new rectangle over the whole recording's time.
    fn add_redaction(&mut self, rect: RedactionRect) {
        if self.redactions.len() < MAX_REDACTIONS {
            self.redactions.push(Redaction { rect, from_ms: 0, to_ms: self.source.duration_ms.max(1) });
        }
    }

    /// The picture's size, when known.
    fn picture_size(&self) -> Option<(u32, u32)> {
        match self.preview {
            Preview::Ready { width, height, .. } => Some((width, height)),
            _ => None,
        }
    }

    fn redactions_ui(&mut self, ui: &mut Ui, lang: Lang) {
        ui.label(Text::ExportVideoRedactions.get(lang));
        if self.redactions.is_empty() {
            ui.weak(Text::ExportVideoNoRedactions.get(lang));
        }
        let max_s = self.source.duration_ms as f64 / 1_000.0;
        let (width, height) = self.picture_size().unwrap_or((u32::MAX, u32::MAX));
        let mut remove = None;
        for (index, redaction) in self.redactions.iter_mut().enumerate() {
            ui.horizontal_wrapped(|ui| {
                ui.strong(Text::ExportVideoRect.fill(lang, &[&(index + 1).to_string()]));
                let rect = &mut redaction.rect;
                ui.add(egui::DragValue::new(&mut rect.x).range(0..=width).prefix("x "));
                ui.add(egui::DragValue::new(&mut rect.y).range(0..=height).prefix("y "));
                ui.add(egui::DragValue::new(&mut rect.w).range(1..=width).prefix("w "));
                ui.add(egui::DragValue::new(&mut rect.h).range(1..=height).prefix("h "));
                seconds_ui(ui, Text::ExportVideoFrom.get(lang), &mut redaction.from_ms, max_s);
                seconds_ui(ui, Text::ExportVideoTo.get(lang), &mut redaction.to_ms, max_s);
                if ui.small_button(Text::ExportVideoRemove.get(lang)).clicked() {
                    remove = Some(index);
                }
            });
        }
        if let Some(index) = remove {
            self.redactions.remove(index);
        }
        if let Some((width, height)) = self.picture_size()
            && ui.button(Text::ExportVideoAddRect.get(lang)).clicked()
        {
            // The middle quarter, to move and resize with the fields (or draw one instead).
            self.add_redaction(RedactionRect {
                x: width / 4,
                y: height / 4,
                w: (width / 2).max(1),
                h: (height / 2).max(1),
            });
        }
    }

    fn actions_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        let request = VideoExportRequest { format: self.format, redactions: self.redactions.clone() };
        let refused = self.picture_size().and_then(|(w, h)| request.validate(w, h, self.source.duration_ms).err());
        if let Some(refused) = &refused {
            ui.colored_label(theme::ERROR, refusal_text(refused, lang));
        }
        match &self.stage {
            Stage::Running(fraction) => {
                let percent = format!("{:.0}", fraction * 100.0);
                ui.add(egui::ProgressBar::new(*fraction).text(Text::ExportVideoRunning.fill(lang, &[&percent])));
                if ui.button(Text::ExportVideoCancel.get(lang)).clicked() {
                    cx.emit(DialogCommand::CancelVideoExport);
                }
                return;
            }
            Stage::Done(path) => {
                ui.colored_label(theme::SUCCESS, Text::ExportVideoDone.fill(lang, &[&path.display().to_string()]));
            }
            Stage::Failed(problem) => {
                ui.colored_label(theme::ERROR, problem_text(problem, lang));
            }
            Stage::Editing => {}
        }
        let ready = refused.is_none() && self.picture_size().is_some();
        if ui.add_enabled(ready, egui::Button::new(Text::ExportVideoStart.get(lang))).clicked() {
            let path = self.path.trim();
            self.missing_path = path.is_empty();
            if !self.missing_path {
                let out = PathBuf::from(with_extension(path, self.format));
                self.path = out.display().to_string();
                cx.emit(DialogCommand::ExportVideo(VideoExportOrder { source: self.source.clone(), out, request }));
                self.stage = Stage::Running(0.0);
            }
        }
    }
}

/// A time in ms edited as seconds with one decimal.
fn seconds_ui(ui: &mut Ui, label: &str, value_ms: &mut u64, max_s: f64) {
    let label = ui.label(label);
    let mut seconds = *value_ms as f64 / 1_000.0;
    let field = egui::DragValue::new(&mut seconds).range(0.0..=max_s.max(0.1)).speed(0.1).max_decimals(1);
    if ui.add(field).labelled_by(label.id).changed() {
        *value_ms = (seconds * 1_000.0).round() as u64;
    }
}

/// `path` with the format's extension (replacing a known video extension, or added).
fn with_extension(path: &str, format: VideoFormat) -> String {
    if path.trim().is_empty() {
        return String::new();
    }
    let path = std::path::Path::new(path);
    let base = if VideoFormat::from_path(path).is_some() { path.with_extension("") } else { path.to_path_buf() };
    format!("{}.{}", base.display(), format.extension())
}

/// The words of a refused request.
pub fn refusal_text(error: &VideoExportError, lang: Lang) -> String {
    match error {
        VideoExportError::EmptyRect { index } => Text::ExportVideoEmptyRect.fill(lang, &[&index.to_string()]),
        VideoExportError::OutsidePicture { index, width, height } => {
            Text::ExportVideoOutside.fill(lang, &[&index.to_string(), &width.to_string(), &height.to_string()])
        }
        VideoExportError::EmptyRange { index } => Text::ExportVideoEmptyRange.fill(lang, &[&index.to_string()]),
        VideoExportError::AfterEnd { index, duration_ms } => {
            let seconds = format!("{:.1}", *duration_ms as f64 / 1_000.0);
            Text::ExportVideoAfterEnd.fill(lang, &[&index.to_string(), &seconds])
        }
        VideoExportError::TooManyRedactions => Text::ExportVideoTooMany.fill(lang, &[&MAX_REDACTIONS.to_string()]),
        VideoExportError::NoPicture => Text::ExportVideoNoPicture.get(lang).to_owned(),
    }
}

/// The words of an export that did not produce a video.
pub fn problem_text(problem: &VideoExportProblem, lang: Lang) -> String {
    match problem {
        VideoExportProblem::FfmpegMissing => Text::ExportVideoNoFfmpeg.get(lang).to_owned(),
        VideoExportProblem::Refused(error) => refusal_text(error, lang),
        VideoExportProblem::Cancelled => Text::ExportVideoCancelled.get(lang).to_owned(),
        VideoExportProblem::Failed(why) => Text::ExportVideoFailed.fill(lang, &[why]),
    }
}

#[cfg(test)]
mod tests;
