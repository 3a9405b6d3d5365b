//! The chat view shared by both sides: the transcript of chat lines and, where the view may
//! write, a line to type and a Send button.

use egui::{RichText, Ui};

use super::i18n::{Lang, Text};
use super::{theme, widgets};

/// One chat line as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatLine {
    /// Whether the other side wrote it.
    pub from_peer: bool,
    /// When it was written, unix ms.
    pub at_ms: i64,
    /// The text.
    pub text: String,
}

/// A chat transcript with, when `draft` is given, a line to type and a Send button; returns the
/// line the user sent this frame (the caller emits it in its own vocabulary).
pub fn chat_ui(
    ui: &mut Ui,
    lang: Lang,
    id_salt: &str,
    peer_name: &str,
    lines: &[ChatLine],
    draft: Option<&mut String>,
) -> Option<String> {
    let heading = ui.label(RichText::new(Text::ChatLabel.get(lang)).strong());
    egui::ScrollArea::vertical().id_salt(id_salt).max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
        for line in lines {
            ui.horizontal_wrapped(|ui| {
                ui.weak(widgets::format_clock(line.at_ms));
                // The peer's name is only their claim: never styled like this side's own lines.
                let who = if line.from_peer {
                    RichText::new(peer_name).italics().color(theme::USER_CLAIM)
                } else {
                    RichText::new(Text::YouSaid.get(lang)).strong()
                };
                ui.label(who);
                ui.label(&line.text);
            });
        }
    });
    let draft = draft?;
    ui.horizontal(|ui| {
        let response = ui
            .add(
                egui::TextEdit::singleline(draft)
                    .hint_text(Text::ChatHint.get(lang))
                    .desired_width(ui.available_width() - 80.0),
            )
            .labelled_by(heading.id);
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if (ui.button(Text::Send.get(lang)).clicked() || entered) && !draft.trim().is_empty() {
            let text = draft.trim().to_owned();
            draft.clear();
            return Some(text);
        }
        None
    })
    .inner
}
