//! Text preparation for search. Trigram FTS needs three characters per term; Chinese words are
//! often two. The "short" index therefore holds Latin words as they are and every CJK run as
//! overlapping bigrams plus its last character, so 打印 is one token and 印 a prefix of one.

/// How a search term is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortTerm {
    /// Three characters or more: the trigram index.
    NotShort,
    /// Two CJK characters: one bigram token.
    CjkPair,
    /// One or two characters of one script: a token prefix.
    Prefix,
    /// A short term mixing CJK and other characters: a scan.
    Mixed,
}

/// Whether `ch` belongs to a script written without spaces (Han, kana, Hangul).
pub fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Classifies a search term.
pub fn short_term_kind(term: &str) -> ShortTerm {
    let count = term.chars().count();
    if count >= 3 {
        return ShortTerm::NotShort;
    }
    let cjk = term.chars().filter(|ch| is_cjk(*ch)).count();
    match (count, cjk) {
        (2, 2) => ShortTerm::CjkPair,
        (_, 0) if term.chars().all(char::is_alphanumeric) => ShortTerm::Prefix,
        (1, 1) => ShortTerm::Prefix,
        _ => ShortTerm::Mixed,
    }
}

/// The text of the short-term index for some fields: CJK runs become bigrams and a final
/// unigram; everything else is kept for the word tokenizer.
pub fn short_terms_text(fields: &[&str]) -> String {
    let mut out = String::new();
    for field in fields {
        let mut run: Vec<char> = Vec::new();
        for ch in field.chars().chain(std::iter::once(' ')) {
            if is_cjk(ch) {
                run.push(ch);
                continue;
            }
            flush_run(&mut run, &mut out);
            out.push(ch);
        }
    }
    out
}

fn flush_run(run: &mut Vec<char>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push(' ');
    for pair in run.windows(2) {
        out.extend(pair);
        out.push(' ');
    }
    if let Some(last) = run.last() {
        out.push(*last);
        out.push(' ');
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(
            short_terms_text(&["打印机脱机"]).split_whitespace().collect::<Vec<_>>(),
            ["打印", "印机", "机脱", "脱机", "机"]
        );
        let mixed = short_terms_text(&["VPN 无法连接 (-14)", "王丽"]);
        let tokens: Vec<_> = mixed.split_whitespace().collect();
        assert!(
            tokens.contains(&"VPN") && tokens.contains(&"无法") && tokens.contains(&"王丽") && tokens.contains(&"丽")
        );
    }

    #[test]
    fn term_kinds() {
        assert_eq!(short_term_kind("打印机"), ShortTerm::NotShort);
        assert_eq!(short_term_kind("打印"), ShortTerm::CjkPair);
        assert_eq!(short_term_kind("印"), ShortTerm::Prefix);
        assert_eq!(short_term_kind("PC"), ShortTerm::Prefix);
        assert_eq!(short_term_kind("Z盘"), ShortTerm::Mixed);
        assert_eq!(short_term_kind("%_"), ShortTerm::Mixed);
    }
}
