//! The knowledge base of guides: ordered steps (instruction, expected result) with title,
//! category, tags and language, seeded from `assets/guides/`, plus how often each step was
//! answered "Didn't work" or "I'm stuck" in sessions.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;

use super::{Store, StoreError, StoreResult};
use crate::model::{Category, Guide, GuideId, GuideStep, GuideSummary, StepStats};
use crate::protocol::StepOutcome;

/// The guides shipped with Stepwise.
const BUILTIN_GUIDES: [&str; 6] = [
    include_str!("../../assets/guides/reconnect-wifi-en.json"),
    include_str!("../../assets/guides/reconnect-wifi-zh.json"),
    include_str!("../../assets/guides/clear-browser-cache-en.json"),
    include_str!("../../assets/guides/add-network-printer-zh.json"),
    include_str!("../../assets/guides/rebuild-mail-profile-en.json"),
    include_str!("../../assets/guides/map-network-drive-zh.json"),
];

#[derive(Deserialize)]
struct BuiltinGuide {
    key: String,
    #[serde(flatten)]
    guide: Guide,
}

fn insert_guide(tx: &Transaction<'_>, guide: &Guide, builtin_key: Option<&str>, now_ms: i64) -> StoreResult<GuideId> {
    let steps = serde_json::to_string(&guide.steps).map_err(|err| StoreError::Rule(err.to_string()))?;
    tx.execute(
        "INSERT INTO guides (title, category, tags, language, steps, builtin_key, created_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            guide.title.trim(),
            guide.category.as_str(),
            guide.tags.join(" "),
            guide.language,
            steps,
            builtin_key,
            now_ms
        ],
    )?;
    Ok(GuideId(tx.last_insert_rowid()))
}

/// Where each kept step went when a guide was edited: `(old_index, new_index)` for every step
/// whose instruction is unchanged (each old step matched once, in order); removed or reworded
/// steps have no pair. Both databases move the answer counts by it.
pub(crate) fn step_moves(old: &[GuideStep], new: &[GuideStep]) -> Vec<(usize, usize)> {
    let mut taken = vec![false; old.len()];
    let mut moves = Vec::new();
    for (new_index, step) in new.iter().enumerate() {
        let same = old.iter().enumerate().position(|(old_index, old_step)| {
            !taken[old_index] && old_step.instruction.trim() == step.instruction.trim()
        });
        if let Some(old_index) = same {
            taken[old_index] = true;
            moves.push((old_index, new_index));
        }
    }
    moves
}

/// A step's place as the databases keep it.
pub(crate) fn place(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// Moves each step's answer counts to where the same instruction now stands; counts of steps
/// that were removed or reworded are dropped.
fn remap_step_outcomes(
    tx: &Transaction<'_>,
    guide_id: GuideId,
    old: &[GuideStep],
    new: &[GuideStep],
) -> StoreResult<()> {
    let guide_id = guide_id.0;
    let mut counts: Vec<Option<(i64, i64, i64)>> = vec![None; old.len()];
    {
        let mut statement =
            tx.prepare("SELECT step_index, done, didnt_work, stuck FROM guide_step_outcomes WHERE guide_id = ?1")?;
        let rows = statement
            .query_map([guide_id], |row| Ok((row.get::<_, i64>(0)?, (row.get(1)?, row.get(2)?, row.get(3)?))))?;
        for row in rows {
            let (index, row_counts) = row?;
            if let Some(slot) = usize::try_from(index).ok().and_then(|index| counts.get_mut(index)) {
                *slot = Some(row_counts);
            }
        }
    }
    tx.execute("DELETE FROM guide_step_outcomes WHERE guide_id = ?1", [guide_id])?;
    // Dated answers follow the same moves: marked with their new place (negative while moving),
    // those of removed or reworded steps deleted, then the marks turned into places.
    let mut move_answers = tx
        .prepare_cached("UPDATE guide_step_answers SET step_index = -1 - ?3 WHERE guide_id = ?1 AND step_index = ?2")?;
    for (old_index, new_index) in step_moves(old, new) {
        let (old_place, new_place) = (place(old_index), place(new_index));
        move_answers.execute(params![guide_id, old_place, new_place])?;
        if let Some((done, didnt_work, stuck)) = counts[old_index] {
            tx.execute(
                "INSERT INTO guide_step_outcomes (guide_id, step_index, done, didnt_work, stuck) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![guide_id, new_place, done, didnt_work, stuck],
            )?;
        }
    }
    tx.execute("DELETE FROM guide_step_answers WHERE guide_id = ?1 AND step_index >= 0", [guide_id])?;
    tx.execute("UPDATE guide_step_answers SET step_index = -1 - step_index WHERE guide_id = ?1", [guide_id])?;
    Ok(())
}

/// The guides shipped with Stepwise, each with its key.
pub(crate) fn builtin_guides() -> StoreResult<Vec<(String, Guide)>> {
    BUILTIN_GUIDES
        .iter()
        .map(|text| {
            let builtin: BuiltinGuide = serde_json::from_str(text)
                .map_err(|err| StoreError::Rule(format!("a shipped guide is damaged: {err}")))?;
            builtin.guide.validate()?;
            Ok((builtin.key, builtin.guide))
        })
        .collect()
}

/// Migration back-fill: the shipped guides.
pub(super) fn seed_builtin_guides(tx: &Transaction<'_>) -> StoreResult<()> {
    for (key, guide) in builtin_guides()? {
        insert_guide(tx, &guide, Some(&key), 0)?;
    }
    Ok(())
}

fn row_to_guide(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

impl Store {
    /// Guides whose title or tags contain `query` (all when empty), by title.
    pub fn list_guides(&self, query: &str) -> StoreResult<Vec<GuideSummary>> {
        let pattern = format!("%{}%", query.trim().replace(['%', '_'], ""));
        let mut statement = self.conn.prepare(
            "SELECT id, title, category, tags, language, steps FROM guides
             WHERE title LIKE ?1 OR tags LIKE ?1 ORDER BY language, title",
        )?;
        let rows = statement.query_map([pattern], row_to_guide)?;
        let mut guides = Vec::new();
        for row in rows {
            let (id, title, category, _tags, language, steps) = row?;
            let step_count = serde_json::from_str::<Vec<GuideStep>>(&steps).map_or(0, |steps| steps.len());
            guides.push(GuideSummary {
                id: GuideId(id),
                title,
                category: Category::parse(&category).unwrap_or(Category::Other),
                language,
                step_count,
            });
        }
        Ok(guides)
    }

    /// One guide with the answer statistics of each step.
    pub fn guide(&self, id: GuideId) -> StoreResult<(Guide, Vec<StepStats>)> {
        let row = self
            .conn
            .query_row(
                "SELECT id, title, category, tags, language, steps FROM guides WHERE id = ?1",
                [id.0],
                row_to_guide,
            )
            .optional()?
            .ok_or_else(|| StoreError::Rule(format!("guide {id} does not exist")))?;
        let (id, title, category, tags, language, steps) = row;
        let steps: Vec<GuideStep> =
            serde_json::from_str(&steps).map_err(|err| StoreError::Rule(format!("guide {id} is damaged: {err}")))?;
        let mut stats = vec![StepStats::default(); steps.len()];
        let mut statement = self
            .conn
            .prepare("SELECT step_index, done, didnt_work, stuck FROM guide_step_outcomes WHERE guide_id = ?1")?;
        let rows = statement.query_map([id], |row| {
            Ok((row.get::<_, i64>(0)?, StepStats { done: row.get(1)?, didnt_work: row.get(2)?, stuck: row.get(3)? }))
        })?;
        for row in rows {
            let (index, counts) = row?;
            if let Some(slot) = usize::try_from(index).ok().and_then(|index| stats.get_mut(index)) {
                *slot = counts;
            }
        }
        let guide = Guide {
            id: GuideId(id),
            title,
            category: Category::parse(&category).unwrap_or(Category::Other),
            tags: tags.split_whitespace().map(str::to_owned).collect(),
            language,
            steps,
        };
        Ok((guide, stats))
    }

    /// Saves a guide: a new one when `id` is 0, else replaces it. Each step keeps its answer
    /// statistics when its instruction is unchanged (wherever it moved); new or reworded steps
    /// start from zero. Returns the id.
    pub fn save_guide(&mut self, guide: &Guide, now_ms: i64) -> StoreResult<GuideId> {
        self.save_guide_read_at(guide, None, now_ms)
    }

    /// [`Store::save_guide`], refused with [`StoreError::GuideChanged`] when `read_at` (the
    /// revision the editor opened, see [`Store::guide_revision`]) is no longer the guide's.
    pub fn save_guide_read_at(&mut self, guide: &Guide, read_at: Option<i64>, now_ms: i64) -> StoreResult<GuideId> {
        guide.validate()?;
        self.write(|tx| {
            if guide.id == GuideId(0) {
                return insert_guide(tx, guide, None, now_ms);
            }
            let old: Option<(String, i64)> = tx
                .query_row("SELECT steps, updated_at_ms FROM guides WHERE id = ?1", [guide.id.0], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            let Some((old_steps, revision)) = old else {
                return Err(StoreError::Rule(format!("guide {} does not exist", guide.id)));
            };
            if read_at.is_some_and(|read_at| read_at != revision) {
                return Err(StoreError::GuideChanged(guide.title.trim().to_owned()));
            }
            let steps = serde_json::to_string(&guide.steps).map_err(|err| StoreError::Rule(err.to_string()))?;
            let old_steps: Vec<GuideStep> = serde_json::from_str(&old_steps).unwrap_or_default();
            remap_step_outcomes(tx, guide.id, &old_steps, &guide.steps)?;
            tx.execute(
                "UPDATE guides SET title = ?2, category = ?3, tags = ?4, language = ?5, steps = ?6, updated_at_ms = ?7
                 WHERE id = ?1",
                params![
                    guide.id.0,
                    guide.title.trim(),
                    guide.category.as_str(),
                    guide.tags.join(" "),
                    guide.language,
                    steps,
                    now_ms
                ],
            )?;
            Ok(guide.id)
        })
    }

    /// A guide's revision (its last change, ms), which [`Store::save_guide_read_at`] checks.
    pub fn guide_revision(&self, id: GuideId) -> StoreResult<i64> {
        self.conn
            .query_row("SELECT updated_at_ms FROM guides WHERE id = ?1", [id.0], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Rule(format!("guide {id} does not exist")))
    }

    /// Removes a guide and its answer counts.
    pub fn delete_guide(&mut self, guide_id: GuideId) -> StoreResult<()> {
        let guide_id = guide_id.0;
        self.write(|tx| {
            tx.execute("DELETE FROM guide_step_outcomes WHERE guide_id = ?1", [guide_id])?;
            tx.execute("DELETE FROM guide_step_answers WHERE guide_id = ?1", [guide_id])?;
            if tx.execute("DELETE FROM guides WHERE id = ?1", [guide_id])? == 0 {
                return Err(StoreError::Rule(format!("guide {guide_id} does not exist")));
            }
            Ok(())
        })
    }

    /// Counts one answer to step `step_index` (from 0) of a guide, given at `at_ms` (kept for
    /// reports). A guide removed meanwhile (the session loaded it earlier) has nothing left to
    /// count: that is not an error.
    pub fn record_step_answer(
        &mut self,
        guide_id: GuideId,
        step_index: i64,
        answer: StepOutcome,
        at_ms: i64,
    ) -> StoreResult<()> {
        let guide_id = guide_id.0;
        let column = answer.as_str();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO guide_step_outcomes (guide_id, step_index)
                 SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM guides WHERE id = ?1)
                 ON CONFLICT (guide_id, step_index) DO NOTHING",
                params![guide_id, step_index],
            )?;
            tx.execute(
                &format!(
                    "UPDATE guide_step_outcomes SET {column} = {column} + 1 WHERE guide_id = ?1 AND step_index = ?2"
                ),
                params![guide_id, step_index],
            )?;
            tx.execute(
                "INSERT INTO guide_step_answers (guide_id, step_index, outcome, at_ms)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM guides WHERE id = ?1)",
                params![guide_id, step_index, column, at_ms],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_guides_are_seeded_searchable_and_editable() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let all = store.list_guides("").unwrap();
        assert_eq!(all.len(), 6);
        assert!(all.iter().any(|guide| guide.language == "zh"));
        let wifi = store.list_guides("无线").unwrap();
        assert_eq!(wifi.len(), 1, "Chinese tag search: {wifi:?}");
        let (mut guide, stats) = store.guide(wifi[0].id).unwrap();
        assert_eq!(stats.len(), guide.steps.len());
        store.record_step_answer(guide.id, 1, StepOutcome::Stuck, 1_000).unwrap();
        store.record_step_answer(guide.id, 1, StepOutcome::DidntWork, 1_000).unwrap();
        store.record_step_answer(guide.id, 1, StepOutcome::Stuck, 1_000).unwrap();
        let (_, stats) = store.guide(guide.id).unwrap();
        assert_eq!(stats[1], StepStats { done: 0, didnt_work: 1, stuck: 2 });
        // Edited in place: statistics follow their step when it moves, and a reworded step
        // starts again from zero.
        guide.steps.swap(0, 1);
        store.save_guide(&guide, 5).unwrap();
        let (saved, stats) = store.guide(guide.id).unwrap();
        assert_eq!(saved.steps, guide.steps);
        assert_eq!(stats[0], StepStats { done: 0, didnt_work: 1, stuck: 2 }, "the counts moved with the step");
        assert_eq!(stats[1], StepStats::default());
        let dated = |store: &Store| -> Vec<(i64, i64)> {
            let mut statement = store
                .conn
                .prepare("SELECT step_index, count(*) FROM guide_step_answers WHERE guide_id = ?1 GROUP BY step_index")
                .unwrap();
            statement
                .query_map([guide.id.0], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(dated(&store), [(0, 3)], "the dated answers moved with the step");
        guide.steps[0].instruction.push_str(" (reworded)");
        guide.steps.push(GuideStep { instruction: "Restart the laptop".into(), ..GuideStep::default() });
        store.save_guide(&guide, 6).unwrap();
        let (_, stats) = store.guide(guide.id).unwrap();
        assert_eq!(stats.len(), guide.steps.len());
        assert!(stats.iter().all(|counts| *counts == StepStats::default()), "{stats:?}");
        assert!(dated(&store).is_empty(), "a reworded step starts again");
        // A new guide from a session's steps.
        let new = Guide { id: GuideId(0), title: "Session steps".into(), steps: guide.steps.clone(), ..guide.clone() };
        let id = store.save_guide(&new, 6).unwrap();
        assert_ne!(id, guide.id);
        assert!(store.save_guide(&Guide { title: " ".into(), ..new }, 7).is_err(), "a title is required");
        // A step can keep an arrow; it is stored and placed on other screen sizes.
        let arrow = crate::protocol::Annotation {
            id: 3,
            shape: crate::protocol::Shape::Highlight {
                from: crate::protocol::RemotePixel { x: 100, y: 50 },
                to: crate::protocol::RemotePixel { x: 300, y: 150 },
            },
            label: "Save".into(),
            color: crate::protocol::AnnotationColor::Blue,
            fade_ms: 0,
        };
        let mut pointed = store.guide(id).unwrap().0;
        pointed.steps[0].pointer =
            Some(crate::model::StepPointer { annotation: arrow.clone(), screen_width: 400, screen_height: 200 });
        store.save_guide(&pointed, 8).unwrap();
        let kept = store.guide(id).unwrap().0.steps[0].pointer.clone().expect("kept");
        assert_eq!(kept.annotation, arrow);
        assert_eq!(
            kept.on_screen(800, 400).shape,
            crate::protocol::Shape::Highlight {
                from: crate::protocol::RemotePixel { x: 200, y: 100 },
                to: crate::protocol::RemotePixel { x: 600, y: 300 },
            }
        );
        pointed.steps[0].pointer = Some(crate::model::StepPointer { screen_width: 0, ..kept });
        assert!(store.save_guide(&pointed, 9).is_err(), "an arrow needs its screen size");
        store.delete_guide(id).unwrap();
        assert!(store.guide(id).is_err());
        assert!(store.delete_guide(id).is_err(), "already gone");
        // A session that loaded the guide before it was removed can still answer its steps.
        store.record_step_answer(id, 0, StepOutcome::Stuck, 1_000).unwrap();
        assert_eq!(store.list_guides("").unwrap().len(), 6);
    }
}
