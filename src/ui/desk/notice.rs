//! The status line's message: kept in every language, so a language switch translates it; a
//! success leaves after [`NOTICE_SHOWN_MS`], an error stays.

use super::super::i18n::Lang;

/// A message in the status line, in every language, so switching the language translates it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// What to say, per language in [`Lang::ALL`] order (words from below without a
    /// translation are the same in each).
    texts: [String; Lang::ALL.len()],
    /// Whether it reports a failure.
    pub is_error: bool,
    /// When it was said, unix ms.
    pub at_ms: i64,
}

/// How long a success message stays in the status line, ms. Errors stay until dismissed, replaced,
/// or a later change succeeds.
pub const NOTICE_SHOWN_MS: i64 = 8_000;

impl Notice {
    /// `words` in every language (each starting with a capital), said at `at_ms`.
    pub fn in_every_language(words: impl Fn(Lang) -> String, is_error: bool, at_ms: i64) -> Self {
        Self { texts: Lang::ALL.map(|lang| capitalized(&words(lang))), is_error, at_ms }
    }

    /// Whether the status line still shows it at `now_ms`.
    pub fn is_shown(&self, now_ms: i64) -> bool {
        self.is_error || now_ms - self.at_ms < NOTICE_SHOWN_MS
    }
}

/// `text` with its first letter a capital (store messages are sentence fragments).
pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

impl Notice {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        let index = Lang::ALL.iter().position(|of| *of == lang).unwrap_or(0);
        &self.texts[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_leave_chinese_and_empty_text_alone() {
        assert_eq!(capitalized("已保存"), "已保存");
        assert_eq!(capitalized(""), "");
        assert_eq!(capitalized("über"), "Über");
    }
}
