//! The knowledge base of guides: ordered steps (instruction, expected result) with title,
//! category, tags and language, seeded from `assets/guides/`, plus how often each step was
//! answered "Didn't work" or "I'm stuck" in sessions.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::ticket::Category;
use super::{Store, StoreError, StoreResult};
use crate::protocol::Annotation;

/// Longest guide title, characters.
pub const MAX_GUIDE_TITLE_CHARS: usize = 200;
/// Most steps in one guide.
pub const MAX_GUIDE_STEPS: usize = 50;

/// The guides shipped with Stepwise.
const BUILTIN_GUIDES: [&str; 6] = [
    include_str!("../../assets/guides/reconnect-wifi-en.json"),
    include_str!("../../assets/guides/reconnect-wifi-zh.json"),
    include_str!("../../assets/guides/clear-browser-cache-en.json"),
    include_str!("../../assets/guides/add-network-printer-zh.json"),
    include_str!("../../assets/guides/rebuild-mail-profile-en.json"),
    include_str!("../../assets/guides/map-network-drive-zh.json"),
];

/// One step of a guide.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideStep {
    /// What to do, in plain language.
    pub instruction: String,
    /// "You should now see…" (may be empty).
    #[serde(default)]
    pub expected: String,
    /// Where the step points on the screen, if it carries an arrow or highlight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<StepPointer>,
}

/// An arrow or highlight kept with a guide step, in the pixels of the screen it was drawn on,
/// so it can be placed on the same relative spot of another screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPointer {
    /// The arrow or highlight.
    pub annotation: Annotation,
    /// Width of the screen it was drawn on, pixels.
    pub screen_width: u32,
    /// Height of that screen, pixels.
    pub screen_height: u32,
}

impl StepPointer {
    /// The arrow placed on a screen of `width` × `height`, at the same relative spot.
    pub fn on_screen(&self, width: u32, height: u32) -> Annotation {
        let from = (self.screen_width, self.screen_height);
        Annotation { shape: self.annotation.shape.rescaled(from, (width, height)), ..self.annotation.clone() }
    }
}

/// A guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guide {
    /// Row id (0 for a guide not saved yet).
    #[serde(default)]
    pub id: i64,
    /// Title.
    pub title: String,
    /// Technical area.
    pub category: Category,
    /// Search tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Language code (`en`, `zh`).
    pub language: String,
    /// The steps, in order.
    pub steps: Vec<GuideStep>,
}

/// How a guide's step was answered in sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStats {
    /// "Done".
    pub done: i64,
    /// "Didn't work".
    pub didnt_work: i64,
    /// "I'm stuck".
    pub stuck: i64,
}

/// A line of the guide list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideSummary {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Technical area.
    pub category: Category,
    /// Language code.
    pub language: String,
    /// Number of steps.
    pub step_count: usize,
}

#[derive(Deserialize)]
struct BuiltinGuide {
    key: String,
    #[serde(flatten)]
    guide: Guide,
}

/// Answer kinds counted per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepAnswer {
    /// Done.
    Done,
    /// Didn't work.
    DidntWork,
    /// I'm stuck.
    Stuck,
}

impl Guide {
    /// Checks title, language and steps.
    pub fn validate(&self) -> StoreResult<()> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_GUIDE_TITLE_CHARS {
            return Err(StoreError::Rule(format!("a guide needs a title of 1 to {MAX_GUIDE_TITLE_CHARS} characters")));
        }
        if self.steps.is_empty() || self.steps.len() > MAX_GUIDE_STEPS {
            return Err(StoreError::Rule(format!("a guide has 1 to {MAX_GUIDE_STEPS} steps")));
        }
        if self.steps.iter().any(|step| step.instruction.trim().is_empty()) {
            return Err(StoreError::Rule("every step needs an instruction".into()));
        }
        for pointer in self.steps.iter().filter_map(|step| step.pointer.as_ref()) {
            pointer.annotation.validate().map_err(|err| StoreError::Rule(err.to_string()))?;
            if pointer.screen_width == 0 || pointer.screen_height == 0 {
                return Err(StoreError::Rule("a step's arrow needs the size of the screen it was drawn on".into()));
            }
        }
        Ok(())
    }
}

fn insert_guide(tx: &Transaction<'_>, guide: &Guide, builtin_key: Option<&str>, now_ms: i64) -> StoreResult<i64> {
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
    Ok(tx.last_insert_rowid())
}

/// Moves each step's answer counts to where the same instruction now stands; counts of steps
/// that were removed or reworded are dropped.
fn remap_step_outcomes(tx: &Transaction<'_>, guide_id: i64, old: &[GuideStep], new: &[GuideStep]) -> StoreResult<()> {
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
    let mut taken = vec![false; old.len()];
    for (new_index, step) in new.iter().enumerate() {
        let same = old.iter().enumerate().position(|(old_index, old_step)| {
            !taken[old_index] && old_step.instruction.trim() == step.instruction.trim()
        });
        let Some(old_index) = same else { continue };
        taken[old_index] = true;
        if let Some((done, didnt_work, stuck)) = counts[old_index] {
            tx.execute(
                "INSERT INTO guide_step_outcomes (guide_id, step_index, done, didnt_work, stuck) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![guide_id, i64::try_from(new_index).unwrap_or(i64::MAX), done, didnt_work, stuck],
            )?;
        }
    }
    Ok(())
}

/// Migration back-fill: the shipped guides.
pub(super) fn seed_builtin_guides(tx: &Transaction<'_>) -> StoreResult<()> {
    for text in BUILTIN_GUIDES {
        let builtin: BuiltinGuide =
            serde_json::from_str(text).map_err(|err| StoreError::Rule(format!("a shipped guide is damaged: {err}")))?;
        builtin.guide.validate()?;
        insert_guide(tx, &builtin.guide, Some(&builtin.key), 0)?;
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
                id,
                title,
                category: Category::parse(&category).unwrap_or(Category::Other),
                language,
                step_count,
            });
        }
        Ok(guides)
    }

    /// One guide with the answer statistics of each step.
    pub fn guide(&self, id: i64) -> StoreResult<(Guide, Vec<StepStats>)> {
        let row = self
            .conn
            .query_row(
                "SELECT id, title, category, tags, language, steps FROM guides WHERE id = ?1",
                [id],
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
            id,
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
    pub fn save_guide(&mut self, guide: &Guide, now_ms: i64) -> StoreResult<i64> {
        guide.validate()?;
        self.write(|tx| {
            if guide.id == 0 {
                return insert_guide(tx, guide, None, now_ms);
            }
            let old_steps: Option<String> =
                tx.query_row("SELECT steps FROM guides WHERE id = ?1", [guide.id], |row| row.get(0)).optional()?;
            let Some(old_steps) = old_steps else {
                return Err(StoreError::Rule(format!("guide {} does not exist", guide.id)));
            };
            let steps = serde_json::to_string(&guide.steps).map_err(|err| StoreError::Rule(err.to_string()))?;
            let old_steps: Vec<GuideStep> = serde_json::from_str(&old_steps).unwrap_or_default();
            remap_step_outcomes(tx, guide.id, &old_steps, &guide.steps)?;
            tx.execute(
                "UPDATE guides SET title = ?2, category = ?3, tags = ?4, language = ?5, steps = ?6, updated_at_ms = ?7
                 WHERE id = ?1",
                params![
                    guide.id,
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

    /// Removes a guide and its answer counts.
    pub fn delete_guide(&mut self, guide_id: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM guide_step_outcomes WHERE guide_id = ?1", [guide_id])?;
            if tx.execute("DELETE FROM guides WHERE id = ?1", [guide_id])? == 0 {
                return Err(StoreError::Rule(format!("guide {guide_id} does not exist")));
            }
            Ok(())
        })
    }

    /// Counts one answer to step `step_index` (from 0) of a guide. A guide removed meanwhile
    /// (the session loaded it earlier) has nothing left to count: that is not an error.
    pub fn record_step_answer(&mut self, guide_id: i64, step_index: i64, answer: StepAnswer) -> StoreResult<()> {
        let column = match answer {
            StepAnswer::Done => "done",
            StepAnswer::DidntWork => "didnt_work",
            StepAnswer::Stuck => "stuck",
        };
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
        store.record_step_answer(guide.id, 1, StepAnswer::Stuck).unwrap();
        store.record_step_answer(guide.id, 1, StepAnswer::DidntWork).unwrap();
        store.record_step_answer(guide.id, 1, StepAnswer::Stuck).unwrap();
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
        guide.steps[0].instruction.push_str(" (reworded)");
        guide.steps.push(GuideStep { instruction: "Restart the laptop".into(), ..GuideStep::default() });
        store.save_guide(&guide, 6).unwrap();
        let (_, stats) = store.guide(guide.id).unwrap();
        assert_eq!(stats.len(), guide.steps.len());
        assert!(stats.iter().all(|counts| *counts == StepStats::default()), "{stats:?}");
        // A new guide from a session's steps.
        let new = Guide { id: 0, title: "Session steps".into(), steps: guide.steps.clone(), ..guide.clone() };
        let id = store.save_guide(&new, 6).unwrap();
        assert_ne!(id, guide.id);
        assert!(store.save_guide(&Guide { title: " ".into(), ..new }, 7).is_err(), "a title is required");
        // A step can keep an arrow; it is stored and placed on other screen sizes.
        let arrow = Annotation {
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
            Some(StepPointer { annotation: arrow.clone(), screen_width: 400, screen_height: 200 });
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
        pointed.steps[0].pointer = Some(StepPointer { screen_width: 0, ..kept });
        assert!(store.save_guide(&pointed, 9).is_err(), "an arrow needs its screen size");
        store.delete_guide(id).unwrap();
        assert!(store.guide(id).is_err());
        assert!(store.delete_guide(id).is_err(), "already gone");
        // A session that loaded the guide before it was removed can still answer its steps.
        store.record_step_answer(id, 0, StepAnswer::Stuck).unwrap();
        assert_eq!(store.list_guides("").unwrap().len(), 6);
    }
}
