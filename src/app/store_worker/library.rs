//! The views' commands on guides and team-wide words (glossaries, canned phrases), run on the
//! database the console works on: the team's on a team desk, else the console's own file. A
//! guide's save is checked against the revision its editor opened, so a colleague's save in
//! between is reported instead of overwritten.

use std::collections::HashMap;

use crate::model::{Glossary, GuideId};
use crate::store::{GuideLibrary, SharedSettings, StoreError};
use crate::ui::{Lang, StoreCommand, UiEvent};

use super::Failure;

/// Guides and team-wide settings on one database.
pub(super) trait Library: GuideLibrary + SharedSettings {}

impl<T: GuideLibrary + SharedSettings + ?Sized> Library for T {}

/// Whether `command` is one [`run`] takes.
pub(super) fn takes(command: &StoreCommand) -> bool {
    matches!(
        command,
        StoreCommand::SearchGuides { .. }
            | StoreCommand::LoadGuide { .. }
            | StoreCommand::SaveGuide { .. }
            | StoreCommand::DeleteGuide { .. }
            | StoreCommand::RecordStepAnswer { .. }
            | StoreCommand::SaveGlossary { .. }
            | StoreCommand::SaveCannedPhrases { .. }
    )
}

/// Runs a command [`takes`]; `revisions` holds the revision each open guide was read at.
pub(super) fn run(
    library: &mut dyn Library,
    revisions: &mut HashMap<GuideId, i64>,
    now_ms: i64,
    command: StoreCommand,
) -> Result<Vec<UiEvent>, Failure> {
    match command {
        StoreCommand::SearchGuides { view, query } => {
            Ok(vec![UiEvent::GuidesListed { view, guides: library.find_guides(&query)? }])
        }
        StoreCommand::LoadGuide { view, guide_id } => {
            let opened = library.open_guide(guide_id)?;
            revisions.insert(guide_id, opened.revision);
            Ok(vec![UiEvent::GuideLoaded { view, guide: opened.guide, stats: opened.stats }])
        }
        StoreCommand::SaveGuide { view, guide } => {
            let read_at = revisions.get(&guide.id).copied();
            let (guide_id, revision) = library.keep_guide(&guide, read_at, now_ms)?;
            revisions.insert(guide_id, revision);
            Ok(vec![UiEvent::GuideSaved { view, guide_id }])
        }
        StoreCommand::DeleteGuide { guide_id } => {
            library.drop_guide(guide_id)?;
            revisions.remove(&guide_id);
            Ok(vec![UiEvent::GuideDeleted { guide_id }])
        }
        StoreCommand::RecordStepAnswer { guide_id, step_index, answer } => {
            library.count_step_answer(guide_id, step_index, answer, now_ms)?;
            Ok(Vec::new())
        }
        StoreCommand::SaveGlossary { lang, text } => {
            let glossary = Glossary::parse_lines(&text).map_err(|err| StoreError::Rule(err.to_string()))?;
            library.set_shared_glossary(lang.code(), &glossary)?;
            Ok(vec![UiEvent::GlossarySaved { lang, glossary }])
        }
        StoreCommand::SaveCannedPhrases { lang, phrases } => {
            let phrases = library.set_shared_canned_phrases(lang.code(), &phrases)?;
            Ok(vec![UiEvent::CannedPhrasesSaved { lang, phrases }])
        }
        // Not the library's: see `takes`.
        _ => Ok(Vec::new()),
    }
}

/// Glossaries and canned phrases of every language, as the views start with them.
pub(super) type SharedWords = (Vec<(Lang, Glossary)>, Vec<(Lang, Vec<String>)>);

/// The team-wide words of `library`: saved ones, else the shipped glossary and default phrases.
pub(super) fn shared_words(library: &mut dyn SharedSettings) -> Result<SharedWords, StoreError> {
    let mut glossaries = Vec::new();
    let mut phrases = Vec::new();
    for lang in Lang::ALL {
        glossaries.push((lang, library.shared_glossary(lang.code())?));
        let saved = library.shared_canned_phrases(lang.code())?;
        phrases.push((lang, saved.unwrap_or_else(|| crate::ui::i18n::default_phrases(lang))));
    }
    Ok((glossaries, phrases))
}
