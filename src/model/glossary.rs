//! Plain words for jargon: a glossary per language (shipped in `assets/glossary.json`, editable
//! in Settings) that finds jargon in a chat line or a step before it is sent and offers the plain
//! phrase. Pure: finding and replacing are functions of the text.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// The shipped glossaries, `{ "en": [[term, plain], …], "zh": […] }`.
pub const SHIPPED_GLOSSARIES_JSON: &str = include_str!("../../assets/glossary.json");

/// Longest term or plain phrase, in characters.
pub const MAX_GLOSSARY_TEXT_CHARS: usize = 200;
/// Most entries in one language's glossary.
pub const MAX_GLOSSARY_ENTRIES: usize = 500;

/// One jargon term and the plain phrase to say instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryEntry {
    /// The jargon ("DNS").
    pub term: String,
    /// What to say instead.
    pub plain: String,
}

/// One language's glossary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glossary {
    /// The entries, in the order they were written.
    pub entries: Vec<GlossaryEntry>,
}

/// Jargon found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JargonHit {
    /// Where, in bytes of the text.
    pub range: Range<usize>,
    /// Which entry (index into [`Glossary::entries`]).
    pub entry: usize,
}

/// Why a glossary text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GlossaryError {
    /// A line is not `term = plain phrase`.
    #[error("line {line}: write it as \"term = plain phrase\"")]
    NotAnEntry {
        /// The line, from 1.
        line: usize,
    },
    /// A term or phrase is too long.
    #[error("line {line}: longer than {MAX_GLOSSARY_TEXT_CHARS} characters")]
    TooLong {
        /// The line, from 1.
        line: usize,
    },
    /// Too many entries.
    #[error("at most {MAX_GLOSSARY_ENTRIES} entries")]
    TooMany,
    /// The shipped file is damaged (a build error, caught by a test).
    #[error("the shipped glossary cannot be read: {0}")]
    Shipped(String),
}

impl Glossary {
    /// The shipped glossary of a language (`en`, `zh`); empty for others.
    pub fn shipped(lang_code: &str) -> Result<Self, GlossaryError> {
        let all: std::collections::BTreeMap<String, Vec<(String, String)>> =
            serde_json::from_str(SHIPPED_GLOSSARIES_JSON).map_err(|err| GlossaryError::Shipped(err.to_string()))?;
        let entries = all.get(lang_code).cloned().unwrap_or_default();
        Ok(Self { entries: entries.into_iter().map(|(term, plain)| GlossaryEntry { term, plain }).collect() })
    }

    /// Reads the Settings text: one `term = plain phrase` per line; blank lines are skipped.
    pub fn parse_lines(text: &str) -> Result<Self, GlossaryError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            let (term, plain) = line.split_once('=').ok_or(GlossaryError::NotAnEntry { line: line_no })?;
            let (term, plain) = (term.trim(), plain.trim());
            if term.is_empty() || plain.is_empty() {
                return Err(GlossaryError::NotAnEntry { line: line_no });
            }
            if term.chars().count() > MAX_GLOSSARY_TEXT_CHARS || plain.chars().count() > MAX_GLOSSARY_TEXT_CHARS {
                return Err(GlossaryError::TooLong { line: line_no });
            }
            entries.push(GlossaryEntry { term: term.to_owned(), plain: plain.to_owned() });
            if entries.len() > MAX_GLOSSARY_ENTRIES {
                return Err(GlossaryError::TooMany);
            }
        }
        Ok(Self { entries })
    }

    /// The Settings text (`term = plain phrase` per line).
    pub fn to_lines(&self) -> String {
        self.entries.iter().map(|entry| format!("{} = {}", entry.term, entry.plain)).collect::<Vec<_>>().join("\n")
    }

    /// The jargon in `text`, left to right, not overlapping; at each place the longest term wins
    /// ("DNS resolution failed" before "DNS"). Latin letters match whatever their case, and a
    /// term that starts or ends with a letter or digit only as a whole word ("driver" is not
    /// found in "drivers'"… but is in "driver,").
    pub fn find(&self, text: &str) -> Vec<JargonHit> {
        let lower = text.to_lowercase();
        // Lower-casing may change byte lengths outside ASCII; then match on the text as it is.
        let haystack = if lower.len() == text.len() { lower.as_str() } else { text };
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_by_key(|&index| std::cmp::Reverse(self.entries[index].term.len()));
        let mut hits: Vec<JargonHit> = Vec::new();
        for index in order {
            let term = self.entries[index].term.to_lowercase();
            if term.is_empty() {
                continue;
            }
            let mut from = 0;
            while let Some(found) = haystack[from..].find(&term) {
                let start = from + found;
                let end = start + term.len();
                from = end;
                if !whole_word(text, start, end)
                    || hits.iter().any(|hit| hit.range.start < end && start < hit.range.end)
                {
                    continue;
                }
                hits.push(JargonHit { range: start..end, entry: index });
            }
        }
        hits.sort_by_key(|hit| hit.range.start);
        hits
    }

    /// `text` with the hit replaced by its plain phrase.
    pub fn replace(&self, text: &str, hit: &JargonHit) -> String {
        match (self.entries.get(hit.entry), text.get(hit.range.clone())) {
            (Some(entry), Some(_)) => format!("{}{}{}", &text[..hit.range.start], entry.plain, &text[hit.range.end..]),
            _ => text.to_owned(),
        }
    }
}

/// Whether `text[start..end]` stands as a word: a Latin letter or digit at an edge of the term
/// must not continue into the text around it.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let is_word = |ch: char| ch.is_ascii_alphanumeric();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let open = !(first.is_some_and(is_word) && before.is_some_and(is_word));
    let close = !(last.is_some_and(is_word) && after.is_some_and(is_word));
    open && close
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_glossaries_read_in_both_languages() {
        assert!(Glossary::shipped("en").unwrap().entries.len() >= 10);
        assert!(Glossary::shipped("zh").unwrap().entries.len() >= 10);
        assert!(Glossary::shipped("fr").unwrap().entries.is_empty());
    }

    #[test]
    fn jargon_is_found_as_whole_words_longest_first_and_replaced() {
        let glossary = Glossary::shipped("en").unwrap();
        let text = "The dns resolution failed, so flush the DNS cache; drivers are fine.";
        let hits = glossary.find(text);
        let terms: Vec<&str> = hits.iter().map(|hit| &text[hit.range.clone()]).collect();
        assert_eq!(terms, ["dns resolution failed", "DNS", "cache"]);
        let plain = glossary.replace(text, &hits[0]);
        assert!(plain.starts_with("The your computer can't find the server for that address, so"), "{plain}");
        assert!(glossary.find("cached copies").is_empty(), "not inside a longer word");
    }

    #[test]
    fn chinese_jargon_is_found_inside_a_sentence() {
        let glossary = Glossary::shipped("zh").unwrap();
        let text = "请先重启，然后检查驱动程序。";
        let hits = glossary.find(text);
        let terms: Vec<&str> = hits.iter().map(|hit| &text[hit.range.clone()]).collect();
        assert_eq!(terms, ["重启", "驱动程序"]);
        assert_eq!(glossary.replace(text, &hits[1]), "请先重启，然后检查让电脑能使用这个设备的小程序。");
    }

    #[test]
    fn the_settings_text_round_trips_and_bad_lines_are_named() {
        let glossary = Glossary::parse_lines("DNS = the name service\n\n VPN= secure link ").unwrap();
        assert_eq!(glossary.entries.len(), 2);
        assert_eq!(Glossary::parse_lines(&glossary.to_lines()).unwrap(), glossary);
        assert_eq!(Glossary::parse_lines("ok = fine\nno equals sign"), Err(GlossaryError::NotAnEntry { line: 2 }));
        assert_eq!(Glossary::parse_lines(" = empty term"), Err(GlossaryError::NotAnEntry { line: 1 }));
        let long = format!("x = {}", "y".repeat(MAX_GLOSSARY_TEXT_CHARS + 1));
        assert_eq!(Glossary::parse_lines(&long), Err(GlossaryError::TooLong { line: 1 }));
    }
}
