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

/// The tokens of the n-gram index the team database keeps in a GIN-indexed array, for some
/// fields (lowercased): every character trigram of each whitespace-separated chunk (terms of
/// three characters or more), the CJK bigrams and unigrams of [`short_terms_text`] (1–2
/// character Chinese words), and the first one and two characters of each other word (short
/// prefixes, as the SQLite short index matches them). Sorted, without repeats.
pub fn index_tokens(fields: &[&str]) -> Vec<String> {
    let mut tokens = std::collections::BTreeSet::new();
    for field in fields {
        let lower = field.to_lowercase();
        for chunk in lower.split_whitespace() {
            let chars: Vec<char> = chunk.chars().collect();
            tokens.extend(chars.windows(3).map(|window| window.iter().collect::<String>()));
        }
        for token in short_terms_text(&[&lower]).split(|ch: char| !ch.is_alphanumeric()) {
            let chars: Vec<char> = token.chars().collect();
            match chars.as_slice() {
                [] => {}
                [first, ..] if is_cjk(*first) => {
                    tokens.insert(token.to_owned());
                    tokens.extend(chars.iter().map(char::to_string));
                }
                [first] => {
                    tokens.insert(first.to_string());
                }
                [first, second, ..] => {
                    tokens.insert(first.to_string());
                    tokens.insert([*first, *second].iter().collect());
                }
            }
        }
    }
    tokens.into_iter().collect()
}

/// A search on the n-gram index: every token must be present, then each substring checked in the
/// row's lowercased search text (the tokens only narrow the rows down).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenQuery {
    /// Tokens the row must all have ([`index_tokens`]).
    pub tokens: Vec<String>,
    /// Lowercased terms the search text must contain (terms of three characters or more, and
    /// short terms mixing scripts, which have no token of their own).
    pub substrings: Vec<String>,
    /// The same search checked row by row without the index (a walk in urgency order), each
    /// term by its cheapest exact test: a substring of the search text wherever that is
    /// equivalent to its tokens (a term of three characters or more lies inside one chunk, so its
    /// trigrams are the chunk's; a CJK pair or single CJK character is a bigram or unigram of
    /// the text), and the token only for a 1–2 letter prefix of a word.
    pub row_checks: Vec<RowCheck>,
}

/// One term's test on a row's search text or tokens (see [`TokenQuery::row_checks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowCheck {
    /// The lowercased search text contains this.
    Contains(String),
    /// The row's tokens include this word prefix.
    HasToken(String),
}

/// Splits a search into index tokens and substrings, term by term (the same kinds as the
/// SQLite search: [`short_term_kind`]).
pub fn token_query(text: &str) -> TokenQuery {
    let mut query = TokenQuery::default();
    for term in text.split_whitespace() {
        let lower = term.to_lowercase();
        match short_term_kind(term) {
            ShortTerm::NotShort => {
                let chars: Vec<char> = lower.chars().collect();
                query.tokens.extend(chars.windows(3).map(|window| window.iter().collect::<String>()));
                query.row_checks.push(RowCheck::Contains(lower.clone()));
                query.substrings.push(lower);
            }
            ShortTerm::CjkPair => {
                query.row_checks.push(RowCheck::Contains(lower.clone()));
                query.tokens.push(lower);
            }
            ShortTerm::Prefix if lower.chars().all(is_cjk) => {
                query.row_checks.push(RowCheck::Contains(lower.clone()));
                query.tokens.push(lower);
            }
            ShortTerm::Prefix => {
                query.row_checks.push(RowCheck::HasToken(lower.clone()));
                query.tokens.push(lower);
            }
            ShortTerm::Mixed => {
                query.row_checks.push(RowCheck::Contains(lower.clone()));
                query.substrings.push(lower);
            }
        }
    }
    query.tokens.sort();
    query.tokens.dedup();
    query
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
    fn index_tokens_cover_every_term_kind() {
        let tokens = index_tokens(&["T-20261123-0042", "打印机脱机 Printer offline"]);
        for token in ["打印", "印机", "印", "机", "pri", "nte", "p", "pr", "of", "t-2", "-00"] {
            assert!(tokens.contains(&token.to_owned()), "{token} missing from {tokens:?}");
        }
        assert!(!tokens.contains(&"ri".to_owned()), "only word prefixes, as the SQLite short index");
        let query = token_query("打印 PRINTER 印 pr Z盘");
        assert!(query.tokens.iter().all(|token| tokens.contains(token)), "{query:?}");
        assert_eq!(query.substrings, ["printer", "z盘"]);
        assert!(token_query("scanner").tokens.iter().any(|token| !tokens.contains(token)));
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

    /// What a row matches through the index (every token, then every substring).
    fn matches_by_index(query: &TokenQuery, fields: &[&str]) -> bool {
        let tokens = index_tokens(fields);
        let text = fields.join("\n").to_lowercase();
        query.tokens.iter().all(|token| tokens.contains(token))
            && query.substrings.iter().all(|substring| text.contains(substring.as_str()))
    }

    /// What a row matches by its checks alone (a walk, without the index).
    fn matches_by_row_checks(query: &TokenQuery, fields: &[&str]) -> bool {
        let tokens = index_tokens(fields);
        let text = fields.join("\n").to_lowercase();
        query.row_checks.iter().all(|check| match check {
            RowCheck::Contains(substring) => text.contains(substring.as_str()),
            RowCheck::HasToken(token) => tokens.contains(token),
        })
    }

    #[test]
    fn row_checks_match_exactly_what_the_index_matches() {
        let rows: [&[&str]; 6] = [
            &["T-20261123-0042", "打印机脱机 Printer offline", "王丽", "网络打印机无法连接"],
            &["T-20261123-0043", "VPN drops (error 0x80070005)", "Li Wei", "Outlook 邮箱已满, 密码过期"],
            &["T-20261124-0001", "Z盘 mapping", "陈伟", "The printer prints blank pages; 打 印"],
            &["T-20261124-0002", "Password reset", "Wang", "PC won't boot after update"],
            &["T-20261124-0003", "打印", "Zhou", "pre-install check: printers"],
            &["", "", "", ""],
        ];
        let searches = [
            "打印",
            "打印机",
            "印",
            "网络",
            "密码",
            "邮箱已满",
            "printer",
            "PRINTER offline",
            "pr",
            "p",
            "PC",
            "Z盘",
            "0x80070",
            "vpn",
            "t-2026",
            "rint",
            "打 印",
            "blank pages",
            "印机脱",
            "%_",
            "re",
            "wang",
            "li",
        ];
        for search in searches {
            let query = token_query(search);
            for fields in rows {
                assert_eq!(
                    matches_by_row_checks(&query, fields),
                    matches_by_index(&query, fields),
                    "{search:?} on {fields:?}: {query:?}"
                );
            }
        }
    }
}
