//! The settings a team shares — canned chat phrases and plain-word glossaries, per language —
//! whichever database holds them: [`SharedSettings`] is implemented by the console's SQLite
//! [`Store`] and by the team's PostgreSQL [`TeamStore`](super::team::TeamStore), over one raw
//! key/value pair of calls; the encoding and the rules (validation, limits) are here, once.

use super::{Store, StoreError, StoreResult};
use crate::model::Glossary;

/// Key prefix of a language's glossary.
pub(crate) const GLOSSARY_KEY_PREFIX: &str = "glossary.";
/// Key prefix of a language's canned phrases.
pub(crate) const PHRASES_KEY_PREFIX: &str = "canned_phrases_";
/// Most canned phrases kept per language.
pub const MAX_CANNED_PHRASES: usize = 30;
/// Longest canned phrase kept, characters.
const MAX_PHRASE_CHARS: usize = 1_000;

/// Team-wide settings on either database (see the module documentation).
pub trait SharedSettings {
    /// A raw shared setting.
    fn shared_setting(&mut self, key: &str) -> StoreResult<Option<String>>;

    /// Stores a raw shared setting.
    fn set_shared_setting(&mut self, key: &str, value: &str) -> StoreResult<()>;

    /// A language's glossary: the saved one, else the shipped one (a damaged saved one reads as
    /// the shipped one).
    fn shared_glossary(&mut self, lang_code: &str) -> StoreResult<Glossary> {
        let saved = self.shared_setting(&format!("{GLOSSARY_KEY_PREFIX}{lang_code}"))?;
        match saved.and_then(|text| serde_json::from_str::<Glossary>(&text).ok()) {
            Some(glossary) => Ok(glossary),
            None => Glossary::shipped(lang_code).map_err(|err| StoreError::Rule(err.to_string())),
        }
    }

    /// Saves a language's glossary (validated as the Settings text is).
    fn set_shared_glossary(&mut self, lang_code: &str, glossary: &Glossary) -> StoreResult<()> {
        let checked = Glossary::parse_lines(&glossary.to_lines()).map_err(|err| StoreError::Rule(err.to_string()))?;
        let text = serde_json::to_string(&checked).map_err(|err| StoreError::Rule(err.to_string()))?;
        self.set_shared_setting(&format!("{GLOSSARY_KEY_PREFIX}{lang_code}"), &text)
    }

    /// The canned chat phrases of a language, if edited (else the caller's defaults).
    fn shared_canned_phrases(&mut self, lang_code: &str) -> StoreResult<Option<Vec<String>>> {
        Ok(self
            .shared_setting(&format!("{PHRASES_KEY_PREFIX}{lang_code}"))?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Saves the canned phrases of a language (blank lines dropped, at most
    /// [`MAX_CANNED_PHRASES`], 1 000 characters each); returns what was kept.
    fn set_shared_canned_phrases(&mut self, lang_code: &str, phrases: &[String]) -> StoreResult<Vec<String>> {
        let phrases: Vec<String> = phrases
            .iter()
            .map(|phrase| phrase.trim().chars().take(MAX_PHRASE_CHARS).collect::<String>())
            .filter(|phrase| !phrase.is_empty())
            .take(MAX_CANNED_PHRASES)
            .collect();
        let text = serde_json::to_string(&phrases).map_err(|err| StoreError::Rule(err.to_string()))?;
        self.set_shared_setting(&format!("{PHRASES_KEY_PREFIX}{lang_code}"), &text)?;
        Ok(phrases)
    }
}

impl SharedSettings for Store {
    fn shared_setting(&mut self, key: &str) -> StoreResult<Option<String>> {
        self.setting(key)
    }

    fn set_shared_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.set_setting(key, value)
    }
}
