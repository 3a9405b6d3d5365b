//! Drawing the player window: toolbar (play / pause, speed, time, integrity badge, save frame,
//! export), scrubber with chapter marks, the picture with its arrows, gap notice and step card,
//! and beside it the search and the transcript following the playhead.

use egui::{Color32, ColorImage, Key, Pos2, Rect, RichText, Sense, Stroke, TextureOptions, Ui, vec2};

use super::{PlayerCommand, PlayerSlot, PlayerState, PlayerWindow, TranscriptTexts};
use crate::model::playback::{
    Chapter, ChapterKind, GapCause, Integrity, JUMP_MS, Playback, PlaybackEvent, SPEEDS, StepCardAt, Tampering,
    matching_moments,
};
use crate::protocol::{Annotation, AnnotationColor, RemotePixel};
use crate::ui::actor::actor_text;
use crate::ui::annotations;
use crate::ui::command::UiCommand;
use crate::ui::context::ViewContext;
use crate::ui::i18n::{Lang, Text};
use crate::ui::theme;
use crate::ui::timeline::{describe_event, step_outcome_text};
use crate::ui::widgets::{format_duration_ms, format_time};

/// Width of the transcript column, points.
const SIDE_WIDTH: f32 = 340.0;
/// Height kept under the picture for the step card, points.
const CARD_HEIGHT: f32 = 86.0;
/// Height of the scrubber, points.
const SCRUBBER_HEIGHT: f32 = 26.0;
/// Most matching moments listed.
const MAX_MATCHES_LISTED: usize = 50;

impl PlayerWindow {
    /// The window's title: "Recording of WHEN".
    pub fn title(&self, lang: Lang) -> String {
        Text::PlayerTitle.fill(lang, &[&format_time(self.recording.saved_at_ms)])
    }

    /// The player's keys, taken before the rest of the console sees them (unless a text field
    /// has the keyboard): space plays or pauses, ← → jump 5 s, `,` `.` step a frame.
    pub fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let PlayerState::Ready { playback, .. } = &mut self.state else { return };
        ctx.input_mut(|input| {
            if input.consume_key(egui::Modifiers::NONE, Key::Space) {
                playback.toggle();
            }
            if input.consume_key(egui::Modifiers::NONE, Key::ArrowLeft) {
                playback.seek_by(-(JUMP_MS as i64));
            }
            if input.consume_key(egui::Modifiers::NONE, Key::ArrowRight) {
                playback.seek_by(JUMP_MS as i64);
            }
            if input.consume_key(egui::Modifiers::NONE, Key::Comma) {
                playback.step_frame(false);
            }
            if input.consume_key(egui::Modifiers::NONE, Key::Period) {
                playback.step_frame(true);
            }
        });
    }

    /// Draws the window; false once the person closed it (the worker is told to stop).
    pub fn window(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let mut open = true;
        let title = self.title(cx.lang);
        egui::Window::new(title)
            .id(egui::Id::unique("recording_player_window"))
            .open(&mut open)
            .default_size([1100.0, 660.0])
            .resizable(true)
            .show(ctx, |ui| self.contents_ui(ui, cx));
        if !open {
            cx.emit(PlayerCommand::Close { recording_id: self.recording.id });
        }
        open
    }

    fn contents_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>) {
        let lang = cx.lang;
        let recording_id = self.recording.id;
        let ticket_id = self.recording.ticket_id;
        let (playback, slot) = match &mut self.state {
            PlayerState::Opening => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(Text::PlayerOpening.get(lang));
                });
                return;
            }
            PlayerState::Failed(why) => {
                ui.colored_label(theme::ERROR, Text::PlayerCannotOpen.fill(lang, &[why]));
                return;
            }
            PlayerState::Ready { playback, slot } => (playback, slot.clone()),
        };
        self.last_time_s = follow_clock(ui, playback, self.last_time_s);
        if self.requested_ms != Some(playback.playhead_ms()) {
            self.requested_ms = Some(playback.playhead_ms());
            cx.emit(PlayerCommand::Seek { recording_id, t_ms: playback.playhead_ms() });
        }
        if self.texts.lang != Some(lang) || self.texts.lines.len() != playback.events().len() {
            self.texts = TranscriptTexts { lang: Some(lang), lines: transcript_lines(playback.events(), lang) };
        }
        let picture_size = upload(ui.ctx(), &slot, &mut self.texture, &mut self.uploaded_version);
        let action = toolbar_ui(ui, lang, playback, &self.integrity, picture_size.is_some());
        match action {
            Some(ToolbarAction::SaveFrame) => cx.emit(PlayerCommand::SaveFrame { recording_id, ticket_id }),
            Some(ToolbarAction::Export) => {
                cx.emit(crate::ui::command::DialogCommand::OpenVideoExport(
                    crate::ui::recording_export::VideoExportSource {
                        ticket_id,
                        path: std::path::PathBuf::from(&self.recording.path),
                        duration_ms: self.recording.duration_ms,
                    },
                ));
            }
            None => {}
        }
        scrubber_ui(ui, lang, playback);
        ui.separator();
        let available = ui.available_size();
        ui.horizontal_top(|ui| {
            let picture_width = (available.x - SIDE_WIDTH - ui.spacing().item_spacing.x).max(160.0);
            ui.allocate_ui(vec2(picture_width, available.y), |ui| {
                ui.set_min_size(vec2(picture_width, available.y));
                ui.vertical(|ui| {
                    let picture_height = (available.y - CARD_HEIGHT).max(120.0);
                    let texture = self.texture.as_ref().zip(picture_size);
                    picture_ui(ui, lang, playback, &slot, texture, vec2(picture_width, picture_height));
                    step_card_ui(ui, lang, playback.step_card_at(playback.playhead_ms()));
                });
            });
            ui.allocate_ui(vec2(SIDE_WIDTH, available.y), |ui| {
                ui.vertical(|ui| {
                    let texts = &self.texts.lines;
                    search_ui(ui, lang, playback, &mut self.search, texts);
                    ui.separator();
                    transcript_ui(ui, lang, playback, texts, &mut self.followed_event);
                });
            });
        });
    }
}

/// Moves a playing playhead by egui's clock since the last frame and keeps frames coming;
/// returns the clock reading to remember (none while paused).
fn follow_clock(ui: &Ui, playback: &mut Playback, last_time_s: Option<f64>) -> Option<f64> {
    if !playback.is_playing() {
        return None;
    }
    let now_s = ui.input(|input| input.time);
    if let Some(last_s) = last_time_s {
        playback.advance((now_s - last_s) * 1_000.0);
    }
    ui.ctx().request_repaint();
    Some(now_s)
}

/// Uploads the slot's picture when it changed; the picture's size, if there is one.
fn upload(
    ctx: &egui::Context,
    slot: &PlayerSlot,
    texture: &mut Option<egui::TextureHandle>,
    uploaded_version: &mut u64,
) -> Option<[usize; 2]> {
    let picture = slot.lock();
    if picture.width == 0 || picture.height == 0 {
        *texture = None;
        *uploaded_version = picture.version;
        return None;
    }
    let size = [picture.width as usize, picture.height as usize];
    if picture.version != *uploaded_version || texture.is_none() {
        if picture.rgba.len() != size[0] * size[1] * 4 {
            return None;
        }
        let image = ColorImage::from_rgba_unmultiplied(size, &picture.rgba);
        match texture {
            Some(handle) if handle.size() == size => handle.set(image, TextureOptions::LINEAR),
            _ => *texture = Some(ctx.load_texture("recording_frame", image, TextureOptions::LINEAR)),
        }
        *uploaded_version = picture.version;
    }
    Some(size)
}

/// What the toolbar asked for besides playback changes.
enum ToolbarAction {
    SaveFrame,
    Export,
}

fn toolbar_ui(
    ui: &mut Ui,
    lang: Lang,
    playback: &mut Playback,
    integrity: &Integrity,
    has_picture: bool,
) -> Option<ToolbarAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        let play_text = if playback.is_playing() { Text::PlayerPause } else { Text::PlayerPlay };
        if ui.button(play_text.get(lang)).clicked() {
            playback.toggle();
        }
        let mut speed = playback.speed();
        egui::ComboBox::from_id_salt("player_speed")
            .selected_text(speed_text(speed))
            .show_ui(ui, |ui| {
                for choice in SPEEDS {
                    ui.selectable_value(&mut speed, choice, speed_text(choice));
                }
            })
            .response
            .on_hover_text(Text::PlayerSpeed.get(lang));
        if speed != playback.speed() {
            playback.set_speed(speed);
        }
        let time = Text::PlayerTime.fill(
            lang,
            &[&format_duration_ms(playback.playhead_ms() as i64), &format_duration_ms(playback.duration_ms() as i64)],
        );
        ui.monospace(time);
        ui.separator();
        integrity_badge(ui, lang, integrity);
        ui.separator();
        let save = ui.add_enabled(has_picture, egui::Button::new(Text::PlayerSaveFrame.get(lang)));
        if save.clicked() {
            action = Some(ToolbarAction::SaveFrame);
        }
        // The export dialog (ffmpeg, redactions) attaches here.
        if ui.button(Text::PlayerExportVideo.get(lang)).clicked() {
            action = Some(ToolbarAction::Export);
        }
        ui.weak(Text::PlayerKeysHint.get(lang));
    });
    action
}

fn speed_text(speed: f32) -> String {
    format!("{speed}×")
}

/// The badge's words and colour.
pub(super) fn integrity_words(integrity: &Integrity, lang: Lang) -> (String, Color32) {
    match integrity {
        Integrity::Checking => (Text::PlayerIntegrityChecking.get(lang).to_owned(), theme::WARNING),
        Integrity::Verified => (Text::PlayerIntegrityVerified.get(lang).to_owned(), theme::SUCCESS),
        Integrity::Recovered => (Text::PlayerIntegrityRecovered.get(lang).to_owned(), theme::WARNING),
        Integrity::Modified(Tampering::ChangedAtRecord(record)) => {
            (Text::PlayerIntegrityModifiedAt.fill(lang, &[&record.to_string()]), theme::ERROR)
        }
        Integrity::Modified(Tampering::CutAtRecord(record)) => {
            (Text::PlayerIntegrityCutAt.fill(lang, &[&record.to_string()]), theme::ERROR)
        }
        Integrity::Modified(Tampering::NotTheTicketsHead) => {
            (Text::PlayerIntegrityOtherHead.get(lang).to_owned(), theme::ERROR)
        }
        Integrity::Unknown(why) => (Text::PlayerIntegrityUnknown.fill(lang, &[why]), theme::ERROR),
    }
}

fn integrity_badge(ui: &mut Ui, lang: Lang, integrity: &Integrity) {
    let (words, fill) = integrity_words(integrity, lang);
    egui::Frame::new()
        .fill(fill)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| ui.label(RichText::new(words).strong().color(theme::text_on(fill))));
}

/// The scrubber: the recording's length, its gaps, chapter marks (click = seek), the playhead;
/// a click or drag anywhere else seeks too.
fn scrubber_ui(ui: &mut Ui, lang: Lang, playback: &mut Playback) {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(vec2(width, SCRUBBER_HEIGHT), Sense::click_and_drag());
    let duration_ms = playback.duration_ms().max(1);
    let x_from_ms = |t_ms: u64| rect.left() + rect.width() * (t_ms.min(duration_ms) as f32 / duration_ms as f32);
    let painter = ui.painter_at(rect.expand(8.0));
    let visuals = ui.visuals();
    let track = Rect::from_center_size(rect.center(), vec2(rect.width(), 8.0));
    painter.rect_filled(track, 3.0, visuals.extreme_bg_color);
    painter.rect_filled(
        Rect::from_min_max(track.min, Pos2::new(x_from_ms(playback.playhead_ms()), track.max.y)),
        3.0,
        visuals.selection.bg_fill,
    );
    for gap in playback.gaps() {
        let to_ms = gap.to_ms.unwrap_or(playback.duration_ms());
        let gap_rect = Rect::from_x_y_ranges(x_from_ms(gap.from_ms)..=x_from_ms(to_ms), track.y_range());
        painter.rect_filled(gap_rect, 0.0, theme::WARNING.gamma_multiply(0.5));
    }
    if let Some(pos) = response.interact_pointer_pos()
        && (response.clicked() || response.dragged())
    {
        let fraction = ((pos.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
        playback.seek((f64::from(fraction) * playback.duration_ms() as f64).round() as u64);
    }
    let mut seek_to = None;
    for (n, chapter) in playback.chapters().iter().enumerate() {
        let x = x_from_ms(chapter.t_ms);
        let mark = Rect::from_center_size(Pos2::new(x, rect.center().y), vec2(6.0, SCRUBBER_HEIGHT));
        let label = chapter_label(chapter, lang);
        let response = ui.interact(mark, ui.scope_id().with(("chapter", n)), Sense::click());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
        let color = chapter_color(&chapter.kind);
        let stroke_width = if response.hovered() { 4.0 } else { 2.0 };
        painter.line_segment([Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())], Stroke::new(stroke_width, color));
        if response.clicked() {
            seek_to = Some(chapter.t_ms);
        }
        response.on_hover_text(label);
    }
    if let Some(t_ms) = seek_to {
        playback.seek(t_ms);
    }
    let x = x_from_ms(playback.playhead_ms());
    painter.circle_filled(Pos2::new(x, rect.center().y), 7.0, visuals.strong_text_color());
}

fn chapter_color(kind: &ChapterKind) -> Color32 {
    match kind {
        ChapterKind::StepSent { .. } => annotations::color32(AnnotationColor::Blue),
        ChapterKind::StepAnswered(_) => theme::SUCCESS,
        ChapterKind::Consent => annotations::color32(AnnotationColor::Yellow),
        ChapterKind::Chat => Color32::GRAY,
        ChapterKind::Gap(_) => theme::WARNING,
    }
}

/// "Step 1 of 3 sent at 0:10": a chapter mark's words (its tooltip and accessible name).
pub(super) fn chapter_label(chapter: &Chapter, lang: Lang) -> String {
    let what = match &chapter.kind {
        ChapterKind::StepSent { index, total } => {
            Text::PlayerChapterStepSent.fill(lang, &[&index.to_string(), &total.to_string()])
        }
        ChapterKind::StepAnswered(outcome) => {
            Text::PlayerChapterStepAnswered.fill(lang, &[step_outcome_text(*outcome).get(lang)])
        }
        ChapterKind::Consent => Text::PlayerChapterConsent.get(lang).to_owned(),
        ChapterKind::Chat => Text::PlayerChapterChat.get(lang).to_owned(),
        ChapterKind::Gap(cause) => gap_text(*cause).get(lang).to_owned(),
    };
    Text::PlayerChapterAt.fill(lang, &[&what, &format_duration_ms(chapter.t_ms as i64)])
}

fn gap_text(cause: GapCause) -> Text {
    match cause {
        GapCause::PausedByUser => Text::PlayerGapPaused,
        GapCause::StoppedByUser => Text::PlayerGapStopped,
        GapCause::ScopeWithdrawn => Text::PlayerGapScope,
        GapCause::Disconnected => Text::PlayerGapDisconnected,
        GapCause::OnHold => Text::PlayerGapHold,
    }
}

/// The picture at the playhead, scaled to fit `size`, with the arrows on show; a gap or a
/// missing picture said in words.
fn picture_ui(
    ui: &mut Ui,
    lang: Lang,
    playback: &Playback,
    slot: &PlayerSlot,
    texture: Option<(&egui::TextureHandle, [usize; 2])>,
    size: egui::Vec2,
) {
    let (area, response) = ui.allocate_exact_size(size, Sense::hover());
    let painter = ui.painter_at(area);
    painter.rect_filled(area, 0.0, Color32::from_gray(24));
    let t_ms = playback.playhead_ms();
    let alt = Text::PlayerPictureAt.fill(lang, &[&format_duration_ms(t_ms as i64)]);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &alt));
    if let Some((texture, [width, height])) = texture {
        let scale = (area.width() / width as f32).min(area.height() / height as f32);
        let rect = Rect::from_center_size(area.center(), vec2(width as f32 * scale, height as f32 * scale));
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        painter.image(texture.id(), rect, uv, Color32::WHITE);
        let place = |pixel: RemotePixel| rect.min + vec2(pixel.x as f32 * scale, pixel.y as f32 * scale);
        for (arrow, opacity) in playback.arrows_at(t_ms) {
            let color = AnnotationColor::ALL.into_iter().find(|color| color.as_str() == arrow.color);
            let annotation = Annotation {
                id: arrow.id,
                shape: arrow.shape,
                label: arrow.label.clone(),
                color: color.unwrap_or(AnnotationColor::Red),
                fade_ms: arrow.fade_ms,
            };
            annotations::draw(&painter, &annotation, place, opacity);
        }
    }
    let notice = if let Some(cause) = playback.gap_at(t_ms) {
        Some(gap_text(cause).get(lang).to_owned())
    } else if let Some(why) = slot.lock().error.clone() {
        Some(Text::PlayerFrameError.fill(lang, &[&why]))
    } else if texture.is_none() {
        Some(Text::PlayerNoPicture.get(lang).to_owned())
    } else {
        None
    };
    if let Some(notice) = notice {
        let galley = painter.layout(notice, egui::FontId::proportional(16.0), Color32::WHITE, area.width() - 24.0);
        let at = area.center() - galley.size() / 2.0;
        painter.rect_filled(Rect::from_min_size(at, galley.size()).expand(8.0), 6.0, Color32::from_black_alpha(180));
        painter.galley(at, galley, Color32::WHITE);
    }
}

/// The step card at the playhead, as the user saw it, with the answer once it came.
fn step_card_ui(ui: &mut Ui, lang: Lang, card: Option<StepCardAt<'_>>) {
    ui.allocate_ui(vec2(ui.available_width(), CARD_HEIGHT), |ui| {
        let Some(card) = card else { return };
        ui.group(|ui| {
            ui.set_width(ui.available_width());
            let heading =
                Text::PlayerStepCard.fill(lang, &[&card.step.index.to_string(), &card.step.total.to_string()]);
            ui.label(RichText::new(heading).strong());
            ui.label(&card.step.instruction);
            if !card.step.expected.is_empty() {
                ui.weak(&card.step.expected);
            }
            if card.skipped {
                ui.colored_label(theme::WARNING, Text::PlayerStepSkipped.get(lang));
            } else if let Some((outcome, comment)) = card.answer {
                let answer = Text::PlayerStepAnswer.fill(lang, &[step_outcome_text(outcome).get(lang), comment]);
                ui.colored_label(theme::SUCCESS, answer.trim_end());
            }
        });
    });
}

/// The transcript's lines: who, then what, in `lang`.
fn transcript_lines(events: &[PlaybackEvent], lang: Lang) -> Vec<String> {
    events
        .iter()
        .map(|event| {
            format!("{}: {}", actor_text(event.actor_kind, &event.actor, lang), describe_event(&event.event, lang))
        })
        .collect()
}

/// The search box and its matching moments (click = jump there).
fn search_ui(ui: &mut Ui, lang: Lang, playback: &mut Playback, query: &mut String, texts: &[String]) {
    let label = ui.label(Text::PlayerSearch.get(lang));
    ui.add(egui::TextEdit::singleline(query).desired_width(f32::INFINITY)).labelled_by(label.id);
    if query.trim().is_empty() {
        return;
    }
    let matches = matching_moments(texts.iter().map(String::as_str), query);
    if matches.is_empty() {
        ui.weak(Text::PlayerNoMatches.get(lang));
        return;
    }
    ui.weak(Text::PlayerMatches.fill(lang, &[&matches.len().to_string()]));
    egui::ScrollArea::vertical().id_salt("player_matches").max_height(140.0).show(ui, |ui| {
        for &index in matches.iter().take(MAX_MATCHES_LISTED) {
            let t_ms = playback.events()[index].t_ms;
            let text = format!("{} · {}", format_duration_ms(t_ms as i64), texts[index]);
            if ui.add(egui::Button::new(text).truncate()).clicked() {
                playback.seek(t_ms);
            }
        }
    });
}

/// The transcript, following the playhead: the current entry highlighted and scrolled to,
/// a click on any entry jumps there.
fn transcript_ui(
    ui: &mut Ui,
    lang: Lang,
    playback: &mut Playback,
    texts: &[String],
    followed_event: &mut Option<usize>,
) {
    ui.strong(Text::PlayerTranscript.get(lang));
    let current = playback.current_event(playback.playhead_ms());
    let scroll_to_current = current != *followed_event;
    *followed_event = current;
    let mut seek_to = None;
    egui::ScrollArea::vertical().id_salt("player_transcript").auto_shrink([false, false]).show(ui, |ui| {
        for (index, (event, text)) in playback.events().iter().zip(texts).enumerate() {
            let line = format!("{} · {text}", format_duration_ms(event.t_ms as i64));
            let selected = current == Some(index);
            let response = ui.add(egui::Button::selectable(selected, line).wrap());
            if selected && scroll_to_current {
                response.scroll_to_me(Some(egui::Align::Center));
            }
            if response.clicked() {
                seek_to = Some(event.t_ms);
            }
        }
    });
    if let Some(t_ms) = seek_to {
        playback.seek(t_ms);
    }
}
