//! The conflict dialog: a colleague saved the same fields first. Each field shows its value
//! before, theirs and mine; the engineer keeps theirs or mine per field, or drops the edit.
//! Nothing is overwritten without this choice.

use crate::model::{FieldConflict, TicketId};
use crate::ui::i18n::Text;
use crate::ui::{StoreCommand, UiCommand, ViewContext};

/// A refused edit waiting for the engineer's choice.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictDialog {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Each field both changed.
    pub fields: Vec<FieldConflict>,
    /// Per field: keep mine (true) or theirs (false).
    keep_mine: Vec<bool>,
}

impl ConflictDialog {
    /// A dialog for `fields`, every field on "theirs" (the safe choice).
    pub fn new(ticket_id: TicketId, fields: Vec<FieldConflict>) -> Self {
        let keep_mine = vec![false; fields.len()];
        Self { ticket_id, fields, keep_mine }
    }

    /// Draws the modal; returns false once answered.
    pub fn window(&mut self, ctx: &egui::Context, cx: &mut ViewContext<'_, UiCommand>) -> bool {
        let lang = cx.lang;
        let mut answered = None;
        egui::Modal::new(egui::Id::unique("team_conflict")).show(ctx, |ui| {
            ui.set_max_width(640.0);
            ui.heading(Text::ConflictHeading.get(lang));
            ui.label(Text::ConflictBody.get(lang));
            ui.add_space(6.0);
            egui::Grid::new("team_conflict_fields").striped(true).num_columns(5).show(ui, |ui| {
                ui.strong(Text::ConflictField.get(lang));
                ui.strong(Text::ConflictBefore.get(lang));
                ui.strong(Text::ConflictTheirs.get(lang));
                ui.strong(Text::ConflictMine.get(lang));
                ui.strong(Text::ConflictKeep.get(lang));
                ui.end_row();
                for (conflict, keep_mine) in self.fields.iter().zip(self.keep_mine.iter_mut()) {
                    ui.label(&conflict.field);
                    ui.label(shown(&conflict.base));
                    ui.label(shown(&conflict.theirs));
                    ui.label(shown(&conflict.mine));
                    ui.horizontal(|ui| {
                        ui.radio_value(keep_mine, false, Text::KeepTheirs.get(lang));
                        ui.radio_value(keep_mine, true, Text::KeepMine.get(lang));
                    });
                    ui.end_row();
                }
            });
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button(Text::SaveChoices.get(lang)).clicked() {
                    let chosen = self
                        .fields
                        .iter()
                        .zip(&self.keep_mine)
                        .filter(|(_, keep)| **keep)
                        .map(|(conflict, _)| conflict.field.clone())
                        .collect();
                    answered = Some(Some(chosen));
                }
                if ui.button(Text::DropMyEdit.get(lang)).clicked() {
                    answered = Some(None);
                }
            });
        });
        match answered {
            Some(keep_mine) => {
                cx.emit(StoreCommand::ResolveConflict { ticket_id: self.ticket_id, keep_mine });
                false
            }
            None => true,
        }
    }
}

/// A value as the dialog shows it: long texts cut, empty ones marked.
fn shown(value: &str) -> String {
    if value.is_empty() {
        return "—".to_owned();
    }
    let mut text: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        text.push('…');
    }
    text
}
