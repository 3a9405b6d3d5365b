//! The engineer's glossaries (one per language, in the settings; the shipped one until edited)
//! and the count of jargon hints offered and taken.

use rusqlite::params;

use super::{Store, StoreResult};

/// Jargon hints in a period: offered, and of those taken (the plain phrase used).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HintCounts {
    /// Hints shown for text that was then sent (taken or not).
    pub offered: u64,
    /// Hints whose plain phrase the engineer took.
    pub accepted: u64,
}

impl Store {
    /// Records one hint: `term` was offered to `engineer`, and taken or not.
    pub fn record_jargon_hint(&mut self, at_ms: i64, engineer: &str, term: &str, accepted: bool) -> StoreResult<()> {
        let term: String = term.chars().take(crate::model::glossary::MAX_GLOSSARY_TEXT_CHARS).collect();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO jargon_hints (at_ms, engineer, term, accepted) VALUES (?1, ?2, ?3, ?4)",
                params![at_ms, engineer, term, accepted],
            )?;
            Ok(())
        })
    }

    /// Hints offered and taken in `[from_ms, to_ms)`, optionally for one engineer.
    pub fn jargon_hint_counts(&self, from_ms: i64, to_ms: i64, engineer: Option<&str>) -> StoreResult<HintCounts> {
        let (offered, accepted): (i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(accepted), 0) FROM jargon_hints \
             WHERE at_ms >= ?1 AND at_ms < ?2 AND (?3 IS NULL OR engineer = ?3)",
            params![from_ms, to_ms, engineer],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(HintCounts { offered: offered.max(0).unsigned_abs(), accepted: accepted.max(0).unsigned_abs() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Glossary;
    use crate::store::SharedSettings;

    #[test]
    fn the_shipped_glossary_until_one_is_saved() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.shared_glossary("en").unwrap(), Glossary::shipped("en").unwrap());
        let mine = Glossary::parse_lines("SSO = one sign-in for every app").unwrap();
        store.set_shared_glossary("en", &mine).unwrap();
        assert_eq!(store.shared_glossary("en").unwrap(), mine);
        assert_eq!(store.shared_glossary("zh").unwrap(), Glossary::shipped("zh").unwrap(), "per language");
    }

    #[test]
    fn hints_are_counted_per_period_and_engineer() {
        let mut store = Store::open_in_memory().unwrap();
        store.record_jargon_hint(1_000, "Li", "DNS", true).unwrap();
        store.record_jargon_hint(2_000, "Li", "cache", false).unwrap();
        store.record_jargon_hint(3_000, "Wang", "VPN", true).unwrap();
        assert_eq!(store.jargon_hint_counts(0, 10_000, None).unwrap(), HintCounts { offered: 3, accepted: 2 });
        assert_eq!(store.jargon_hint_counts(0, 2_500, Some("Li")).unwrap(), HintCounts { offered: 2, accepted: 1 });
        assert_eq!(store.jargon_hint_counts(5_000, 10_000, None).unwrap(), HintCounts::default());
    }
}
