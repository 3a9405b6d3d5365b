//! The guided-steps editor of the session panel: steps written on the fly or loaded from the
//! knowledge base, sent one at a time (each answered before the next), resend / edit / skip the
//! waiting one, and saving the steps as a guide.

use egui::{RichText, Ui};

use crate::model::{Guide, GuideId, StepPointer, TicketId};
use crate::protocol::{Annotation, SessionCommand, StepCard, StepOutcome};

use super::super::command::{GuideView, StoreCommand, UiCommand};
use super::super::i18n::{Lang, Text};
use super::super::theme;
use super::model::{LinkPhase, RemoteSessionView, StepRow, StepState};
use super::panel::PanelContext;
use crate::ui::ViewContext;

/// The session's guide: steps written on the fly, sent one at a time, each answered before the
/// next; resend, edit or skip the waiting one.
pub(super) fn steps_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let ticket_id = context.ticket_id;
    ui.label(RichText::new(Text::GuidedSteps.get(lang)).strong());
    let waiting = session.waiting_step().map(|row| row.step_id);
    guide_search_ui(ui, cx, ticket_id, session);
    step_rows_ui(ui, cx, ticket_id, waiting, session);
    if waiting.is_none() && session.phase == LinkPhase::Connected {
        send_next_step_ui(ui, cx, ticket_id, session);
    }
    add_step_ui(ui, cx, context.glossary, session);
    if !session.steps.is_empty() {
        save_guide_ui(ui, cx, context, session);
    }
}

/// Every step: its number, where it stands, move / remove (drafts), resend / edit / skip (the
/// waiting one), and its instruction on a row of its own (editable while a draft or waiting).
fn step_rows_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    waiting: Option<u64>,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let mut edit: Option<StepCard> = None;
    let mut reorder: Option<(usize, bool)> = None;
    let mut remove: Option<u64> = None;
    // Rows are borrowed where they are drawn, never copied: a long guide costs nothing per frame.
    let step_count = session.steps.len();
    for index in 0..step_count {
        let mut number_id = egui::Id::NULL;
        let mut edit_clicked = false;
        let row = &session.steps[index];
        ui.horizontal_wrapped(|ui| {
            let position = Text::StepOf.fill(lang, &[&(index + 1).to_string(), &step_count.to_string()]);
            number_id = ui.label(RichText::new(position).strong()).id;
            let state = step_state_text(&row.state, lang);
            if let Some(pointer) = &row.pointer {
                ui.label("➚").on_hover_text(Text::StepPointsAt.fill(lang, &[&pointer.annotation.label]));
            }
            if let Some(history) = row.history.filter(|h| h.didnt_work + h.stuck > 0) {
                ui.colored_label(
                    theme::WARNING,
                    Text::StepHistory.fill(lang, &[&history.didnt_work.to_string(), &history.stuck.to_string()]),
                );
            }
            if row.state == StepState::Draft {
                if ui.small_button("↑").on_hover_text(Text::MoveUp.get(lang)).clicked() {
                    reorder = Some((index, true));
                }
                if ui.small_button("↓").on_hover_text(Text::MoveDown.get(lang)).clicked() {
                    reorder = Some((index, false));
                }
                if ui.small_button("✕").on_hover_text(Text::RemoveStep.get(lang)).clicked() {
                    remove = Some(row.step_id);
                }
            }
            let color = match &row.state {
                StepState::Answered { outcome: StepOutcome::Done, .. } => theme::SUCCESS,
                StepState::Answered { .. } => theme::ERROR,
                _ => ui.visuals().weak_text_color(),
            };
            ui.colored_label(color, state);
            if Some(row.step_id) == waiting {
                if ui.small_button(Text::ResendStep.get(lang)).clicked() {
                    cx.emit(UiCommand::session(ticket_id, SessionCommand::ResendStep));
                }
                edit_clicked = ui.small_button(Text::EditStep.get(lang)).clicked();
                if ui.small_button(Text::SkipStep.get(lang)).clicked() {
                    cx.emit(UiCommand::session(ticket_id, SessionCommand::SkipStep));
                }
            }
        });
        if edit_clicked {
            edit = Some(session.card_for(&session.steps[index]));
        }
        // The instruction on a row of its own, the panel's full width, wrapped: never cut off.
        let row = &mut session.steps[index];
        let step_id = row.step_id;
        let editable = Some(step_id) == waiting || row.state == StepState::Draft;
        ui.indent(("step_text", step_id), |ui| {
            if editable {
                let edit = egui::TextEdit::multiline(&mut row.instruction)
                    .id_salt(("step_instruction", step_id))
                    .desired_rows(1)
                    .desired_width(f32::INFINITY);
                ui.add(edit).labelled_by(number_id);
            } else {
                ui.add(egui::Label::new(&row.instruction).wrap());
            }
        });
    }
    if let Some(card) = edit {
        cx.emit(UiCommand::session(ticket_id, SessionCommand::EditStep(card)));
    }
    if let Some((index, up)) = reorder {
        let other = if up { index.checked_sub(1) } else { Some(index + 1) };
        if let Some(other) =
            other.filter(|other| session.steps.get(*other).is_some_and(|r| r.state == StepState::Draft))
        {
            session.steps.swap(index, other);
        }
    }
    if let Some(step_id) = remove {
        session.steps.retain(|row| row.step_id != step_id);
    }
}

/// "Send next step" for the first draft, with the arrow it may carry (its own from the knowledge
/// base, else the one drawn last).
fn send_next_step_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let Some(draft_index) = session.steps.iter().position(|row| row.state == StepState::Draft) else { return };
    ui.horizontal(|ui| {
        let screen = session.remote_screen_size();
        // The step's own arrow (from the knowledge base), placed on this screen; else the
        // arrow drawn last.
        let own_arrow = session.steps[draft_index].pointer.as_ref().zip(screen).map(|(pointer, (width, height))| {
            Annotation { id: session.next_annotation_id, ..pointer.on_screen(width, height) }
        });
        let last_arrow = session.annotations.newest().cloned();
        if own_arrow.is_some() {
            ui.checkbox(&mut session.attach_arrow, Text::AttachStepArrow.get(lang));
        } else if last_arrow.is_some() {
            ui.checkbox(&mut session.attach_arrow, Text::AttachArrow.get(lang));
        }
        if ui.button(Text::SendNextStep.get(lang)).clicked() {
            let mut card = session.card_for(&session.steps[draft_index]);
            // The step carries the arrow, so the user sees where to act with the instruction.
            let attached = own_arrow.clone().or(last_arrow).filter(|_| session.attach_arrow);
            if own_arrow.is_some() && attached.is_some() {
                session.next_annotation_id += 1;
            }
            // Kept with the step, so a guide saved from this session points at the spot.
            if let (Some(arrow), Some((width, height)), None) = (&attached, screen, &own_arrow)
                && let Some(sent) = session.steps.get_mut(draft_index)
            {
                sent.pointer =
                    Some(StepPointer { annotation: arrow.clone(), screen_width: width, screen_height: height });
            }
            card.annotation = attached;
            cx.emit(UiCommand::session(ticket_id, SessionCommand::SendStep(card)));
        }
    });
}

/// A new step written on the fly: instruction, expected result, "Add step".
fn add_step_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    glossary: &crate::model::Glossary,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(Text::StepInstruction.get(lang));
        ui.add(egui::TextEdit::singleline(&mut session.step_instruction).desired_width(260.0)).labelled_by(label.id);
        let label = ui.label(Text::StepExpectedInput.get(lang));
        ui.add(egui::TextEdit::singleline(&mut session.step_expected).desired_width(200.0)).labelled_by(label.id);
        if ui.button(Text::AddStep.get(lang)).clicked() && !session.step_instruction.trim().is_empty() {
            crate::ui::jargon::record_hints_not_taken(cx, glossary, &session.step_instruction);
            let step_id = session.steps.iter().map(|row| row.step_id).max().unwrap_or(0) + 1;
            session.steps.push(StepRow {
                step_id,
                instruction: std::mem::take(&mut session.step_instruction).trim().to_owned(),
                expected: std::mem::take(&mut session.step_expected).trim().to_owned(),
                state: StepState::Draft,
                from_guide: None,
                history: None,
                pointer: None,
            });
        }
    });
    let _ = crate::ui::jargon::jargon_hints_ui(ui, cx, glossary, &mut session.step_instruction, "step_jargon");
}

/// The steps kept as a guide: saved over the guide they were loaded from, or as a new one.
fn save_guide_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    context: &PanelContext<'_>,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    let ticket_id = context.ticket_id;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(Text::GuideTitle.get(lang));
        ui.add(egui::TextEdit::singleline(&mut session.guide_title).desired_width(260.0)).labelled_by(label.id);
        let titled = !session.guide_title.trim().is_empty();
        if let Some(loaded) = &session.loaded_guide
            && ui
                .button(Text::SaveGuideChanges.get(lang))
                .on_hover_text(Text::SaveGuideChangesHint.fill(lang, &[&loaded.title]))
                .clicked()
            && titled
        {
            // The same guide, edited: keeps its id, category, tags and language (copied only
            // now, on the click).
            let guide =
                Guide { title: session.guide_title.trim().to_owned(), steps: session.guide_steps(), ..loaded.clone() };
            session.point_steps_at_guide(guide.id);
            session.loaded_guide = Some(guide.clone());
            cx.emit(StoreCommand::SaveGuide { view: GuideView::Session(ticket_id), guide });
        }
        if ui.button(Text::SaveAsGuide.get(lang)).clicked() && titled {
            let guide = Guide {
                id: GuideId(0),
                title: session.guide_title.trim().to_owned(),
                category: context.category,
                tags: Vec::new(),
                language: lang.code().to_owned(),
                steps: session.guide_steps(),
            };
            cx.emit(StoreCommand::SaveGuide { view: GuideView::Session(ticket_id), guide });
        }
        if session.saved_guide.is_some() {
            ui.colored_label(theme::SUCCESS, Text::GuideSavedNotice.get(lang));
        }
    });
}

/// Where a step stands, in words: draft, waiting, skipped, or the answer with its time and comment.
fn step_state_text(state: &StepState, lang: Lang) -> String {
    match state {
        StepState::Draft => Text::StepDraft.get(lang).to_owned(),
        StepState::Waiting => Text::StepWaiting.get(lang).to_owned(),
        StepState::Skipped => Text::StepSkippedState.get(lang).to_owned(),
        StepState::Answered { outcome, comment, seconds } => {
            let word = match outcome {
                StepOutcome::Done => Text::StepDone,
                StepOutcome::DidntWork => Text::StepDidntWork,
                StepOutcome::Stuck => Text::StepStuck,
            };
            let mut text = Text::StepAnsweredState.fill(lang, &[word.get(lang), &seconds.to_string()]);
            if !comment.is_empty() {
                text.push_str(&format!(" — “{comment}”"));
            }
            text
        }
    }
}

/// Search the knowledge base and load a guide's steps.
fn guide_search_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    ticket_id: TicketId,
    session: &mut RemoteSessionView,
) {
    let lang = cx.lang;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(Text::FindGuide.get(lang));
        let response =
            ui.add(egui::TextEdit::singleline(&mut session.guide_query).desired_width(220.0)).labelled_by(label.id);
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if ui.button(Text::FindButton.get(lang)).clicked() || entered {
            cx.emit(StoreCommand::SearchGuides {
                view: GuideView::Session(ticket_id),
                query: session.guide_query.clone(),
            });
        }
    });
    if session.guide_searched && session.guide_results.is_empty() {
        ui.weak(Text::NoGuideMatches.get(lang));
    }
    for guide in &session.guide_results {
        ui.horizontal(|ui| {
            let text = format!("{} ({}, {})", guide.title, guide.language, guide.step_count);
            if ui.button(Text::LoadGuide.fill(lang, &[&text])).clicked() {
                cx.emit(StoreCommand::LoadGuide { view: GuideView::Session(ticket_id), guide_id: guide.id });
            }
        });
    }
}
