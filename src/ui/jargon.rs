//! Jargon hints: under a chat line or a step being written, each jargon term the glossary knows,
//! with its plain phrase and "Use plain words" (one click replaces it). Hints taken, and hints
//! left in text that was sent, are counted (`StoreCommand::RecordJargonHints`) so reports can set
//! them beside the survey's "explanations easy to understand".

use egui::{RichText, Ui};

use crate::model::Glossary;

use super::command::{StoreCommand, UiCommand};
use super::i18n::Text;
use super::{ViewContext, theme};

/// Most hints shown under one text.
const MAX_HINTS_SHOWN: usize = 3;

/// The hints for `text`; a click on "Use plain words" replaces the term in `text` (then `true`).
pub fn jargon_hints_ui(
    ui: &mut Ui,
    cx: &mut ViewContext<'_, UiCommand>,
    glossary: &Glossary,
    text: &mut String,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
) -> bool {
    let hits = glossary.find(text);
    if hits.is_empty() {
        return false;
    }
    let mut replaced = false;
    let lang = cx.lang;
    ui.push_id(id_salt, |ui| {
        for (index, hit) in hits.iter().take(MAX_HINTS_SHOWN).enumerate() {
            let Some(entry) = glossary.entries.get(hit.entry) else { continue };
            let term = text.get(hit.range.clone()).unwrap_or(&entry.term).to_owned();
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(
                    theme::WARNING,
                    RichText::new(Text::JargonHint.fill(lang, &[&term, &entry.plain])).small(),
                );
                if ui.push_id(index, |ui| ui.small_button(Text::UsePlainWords.get(lang))).inner.clicked() {
                    *text = glossary.replace(text, hit);
                    replaced = true;
                    cx.emit(StoreCommand::RecordJargonHints { hints: vec![(entry.term.clone(), true)] });
                }
            });
            if replaced {
                break;
            }
        }
    });
    replaced
}

/// Counts the hints still open in `sent` (text that went out with its jargon) as not taken.
pub fn record_hints_not_taken(cx: &mut ViewContext<'_, UiCommand>, glossary: &Glossary, sent: &str) {
    let hints: Vec<(String, bool)> = glossary
        .find(sent)
        .iter()
        .filter_map(|hit| glossary.entries.get(hit.entry))
        .map(|entry| (entry.term.clone(), false))
        .collect();
    if !hints.is_empty() {
        cx.emit(StoreCommand::RecordJargonHints { hints });
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::Lang;

    type State = (String, Vec<UiCommand>);

    fn hints(text: &str, lang: Lang) -> Harness<'static, State> {
        let code = if lang == Lang::Zh { "zh" } else { "en" };
        let glossary = Glossary::shipped(code).unwrap();
        let system_fonts = |ctx: &egui::Context| {
            ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
        };
        Harness::builder().with_size(egui::vec2(700.0, 300.0)).with_context_setup(system_fonts).build_ui_state(
            move |ui, (text, commands): &mut State| {
                let mut cx = ViewContext::new(lang, 0, commands);
                let _ = jargon_hints_ui(ui, &mut cx, &glossary, text, "test");
            },
            (text.to_owned(), Vec::new()),
        )
    }

    #[test]
    fn a_hint_offers_the_plain_phrase_and_one_click_takes_it() {
        let mut harness = hints("Please reboot, then clear the cache.", Lang::En);
        harness.get_by_label_contains("“reboot” may be jargon");
        harness.get_by_label_contains("“cache” may be jargon");
        harness.get_all_by_label("Use plain words").next().unwrap().click();
        harness.run();
        let (text, commands) = harness.state();
        assert_eq!(text, "Please restart your computer, then clear the cache.");
        assert_eq!(
            commands,
            &[UiCommand::Store(StoreCommand::RecordJargonHints { hints: vec![("reboot".into(), true)] })]
        );
        assert!(harness.query_by_label_contains("“reboot” may be jargon").is_none());
    }

    #[test]
    fn chinese_hints_and_what_was_sent_with_jargon_is_counted_as_not_taken() {
        let harness = hints("请先重启电脑", Lang::Zh);
        harness.get_by_label_contains("“重启”可能是术语");
        harness.get_by_label("改用通俗说法");
        let glossary = Glossary::shipped("en").unwrap();
        let mut commands = Vec::new();
        record_hints_not_taken(&mut ViewContext::new(Lang::En, 0, &mut commands), &glossary, "check the VPN and DNS");
        let UiCommand::Store(StoreCommand::RecordJargonHints { hints }) = &commands[0] else { panic!("{commands:?}") };
        assert_eq!(hints, &[("VPN".to_owned(), false), ("DNS".to_owned(), false)]);
        let mut none = Vec::new();
        record_hints_not_taken(&mut ViewContext::new(Lang::En, 0, &mut none), &glossary, "all plain words");
        assert!(none.is_empty());
    }
}
