//! The team's knowledge base on PostgreSQL: [`GuideLibrary`] and [`SharedSettings`] for the
//! [`TeamStore`]. A guide is kept as its JSON document (guides are few: listing reads them all
//! and filters here, as the console's file does with `LIKE`), with a version every save is
//! checked against, so two engineers editing one guide cannot overwrite each other. Step answer
//! counts and dated answers are the team's, as on the console's file.

use postgres::types::Type;

use super::{TeamStore, classify};
use crate::model::report::GuideStepCounts;
use crate::model::{Guide, GuideId, GuideStep, GuideSummary, StepStats};
use crate::protocol::StepOutcome;
use crate::store::guides::{builtin_guides, place, step_moves};
use crate::store::{GuideLibrary, OpenedGuide, SharedSettings, StoreError, StoreResult};

/// A guide's document as stored (its row id is the guide's id, whatever the document says).
fn guide_from_document(id: i64, document: &str) -> StoreResult<Guide> {
    let mut guide: Guide =
        serde_json::from_str(document).map_err(|err| StoreError::Rule(format!("guide {id} is damaged: {err}")))?;
    guide.id = GuideId(id);
    Ok(guide)
}

fn document_of(guide: &Guide) -> StoreResult<String> {
    let stored = Guide { id: GuideId(0), title: guide.title.trim().to_owned(), ..guide.clone() };
    serde_json::to_string(&stored).map_err(|err| StoreError::Rule(err.to_string()))
}

fn missing(id: GuideId) -> StoreError {
    StoreError::Rule(format!("guide {id} does not exist"))
}

/// Whether a guide matches a search (title or a tag contains it, letter case ignored).
fn matches(guide: &Guide, needle: &str) -> bool {
    needle.is_empty()
        || guide.title.to_lowercase().contains(needle)
        || guide.tags.iter().any(|tag| tag.to_lowercase().contains(needle))
}

/// Seeds the shipped guides into a team database that has none (run once, by the migration
/// that introduced the team's knowledge base).
pub(super) fn seed_builtin_guides(tx: &mut postgres::Transaction<'_>) -> StoreResult<()> {
    let existing: i64 = tx.query_one("SELECT count(*) FROM guides", &[]).map_err(classify)?.get(0);
    if existing > 0 {
        return Ok(());
    }
    for (key, guide) in builtin_guides()? {
        let document = document_of(&guide)?;
        tx.execute("INSERT INTO guides (document, updated_at_ms, builtin_key) VALUES ($1, 0, $2)", &[&document, &key])
            .map_err(classify)?;
    }
    Ok(())
}

/// Moves each step's counts and dated answers to where its unchanged instruction now stands;
/// those of removed or reworded steps are dropped (as on the console's file).
fn remap_step_answers(
    tx: &mut postgres::Transaction<'_>,
    guide_id: i64,
    old: &[GuideStep],
    new: &[GuideStep],
) -> StoreResult<()> {
    let moves = step_moves(old, new);
    let mut counts: Vec<Option<(i64, i64, i64)>> = vec![None; old.len()];
    let rows = tx
        .query("SELECT step_index, done, didnt_work, stuck FROM guide_step_outcomes WHERE guide_id = $1", &[&guide_id])
        .map_err(classify)?;
    for row in rows {
        let index: i64 = row.get(0);
        if let Some(slot) = usize::try_from(index).ok().and_then(|index| counts.get_mut(index)) {
            *slot = Some((row.get(1), row.get(2), row.get(3)));
        }
    }
    tx.execute("DELETE FROM guide_step_outcomes WHERE guide_id = $1", &[&guide_id]).map_err(classify)?;
    for (old_index, new_index) in moves {
        let (old_place, new_place) = (place(old_index), place(new_index));
        // Marked with the new place (negative while moving), then turned into places below.
        tx.execute(
            "UPDATE guide_step_answers SET step_index = -1 - $3::bigint WHERE guide_id = $1 AND step_index = $2",
            &[&guide_id, &old_place, &new_place],
        )
        .map_err(classify)?;
        if let Some((done, didnt_work, stuck)) = counts.get(old_index).copied().flatten() {
            tx.execute(
                "INSERT INTO guide_step_outcomes (guide_id, step_index, done, didnt_work, stuck) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&guide_id, &new_place, &done, &didnt_work, &stuck],
            )
            .map_err(classify)?;
        }
    }
    tx.execute("DELETE FROM guide_step_answers WHERE guide_id = $1 AND step_index >= 0", &[&guide_id])
        .map_err(classify)?;
    tx.execute("UPDATE guide_step_answers SET step_index = -1 - step_index WHERE guide_id = $1", &[&guide_id])
        .map_err(classify)?;
    Ok(())
}

impl GuideLibrary for TeamStore {
    fn find_guides(&mut self, query: &str) -> StoreResult<Vec<GuideSummary>> {
        let needle = query.trim().to_lowercase();
        let rows = self.read(|client| client.query("SELECT id, document FROM guides", &[]).map_err(classify))?;
        let mut found = Vec::new();
        for row in rows {
            let id: i64 = row.get(0);
            let document: String = row.get(1);
            match guide_from_document(id, &document) {
                Ok(guide) if matches(&guide, &needle) => found.push(GuideSummary {
                    id: guide.id,
                    step_count: guide.steps.len(),
                    title: guide.title,
                    category: guide.category,
                    language: guide.language,
                }),
                Ok(_) => {}
                Err(err) => tracing::warn!("a team guide is left out of the list: {err}"),
            }
        }
        found.sort_by(|a, b| (&a.language, &a.title).cmp(&(&b.language, &b.title)));
        Ok(found)
    }

    fn open_guide(&mut self, id: GuideId) -> StoreResult<OpenedGuide> {
        let (row, outcomes) = self.read(|client| {
            let row = client
                .query_opt("SELECT document, version FROM guides WHERE id = $1", &[&id.0])
                .map_err(classify)?
                .ok_or_else(|| missing(id))?;
            let outcomes = client
                .query(
                    "SELECT step_index, done, didnt_work, stuck FROM guide_step_outcomes WHERE guide_id = $1",
                    &[&id.0],
                )
                .map_err(classify)?;
            Ok((row, outcomes))
        })?;
        let document: String = row.get(0);
        let guide = guide_from_document(id.0, &document)?;
        let mut stats = vec![StepStats::default(); guide.steps.len()];
        for outcome in outcomes {
            let index: i64 = outcome.get(0);
            if let Some(slot) = usize::try_from(index).ok().and_then(|index| stats.get_mut(index)) {
                *slot = StepStats { done: outcome.get(1), didnt_work: outcome.get(2), stuck: outcome.get(3) };
            }
        }
        Ok(OpenedGuide { guide, stats, revision: row.get(1) })
    }

    fn keep_guide(&mut self, guide: &Guide, read_at: Option<i64>, now_ms: i64) -> StoreResult<(GuideId, i64)> {
        guide.validate()?;
        let document = document_of(guide)?;
        self.write(|tx| {
            if guide.id == GuideId(0) {
                let row = tx
                    .query_one(
                        "INSERT INTO guides (document, updated_at_ms) VALUES ($1, $2) RETURNING id, version",
                        &[&document, &now_ms],
                    )
                    .map_err(classify)?;
                return Ok((GuideId(row.get(0)), row.get(1)));
            }
            let row = tx
                .query_opt("SELECT document, version FROM guides WHERE id = $1 FOR UPDATE", &[&guide.id.0])
                .map_err(classify)?
                .ok_or_else(|| missing(guide.id))?;
            let version: i64 = row.get(1);
            if read_at.is_some_and(|read_at| read_at != version) {
                return Err(StoreError::GuideChanged(guide.title.trim().to_owned()));
            }
            let old_document: String = row.get(0);
            let old_steps = guide_from_document(guide.id.0, &old_document).map(|old| old.steps).unwrap_or_default();
            remap_step_answers(tx, guide.id.0, &old_steps, &guide.steps)?;
            let row = tx
                .query_one(
                    "UPDATE guides SET document = $2, updated_at_ms = $3, version = version + 1 \
                     WHERE id = $1 RETURNING version",
                    &[&guide.id.0, &document, &now_ms],
                )
                .map_err(classify)?;
            Ok((guide.id, row.get(0)))
        })
    }

    fn drop_guide(&mut self, id: GuideId) -> StoreResult<()> {
        self.write(|tx| {
            // Counts and dated answers go with it (ON DELETE CASCADE).
            if tx.execute("DELETE FROM guides WHERE id = $1", &[&id.0]).map_err(classify)? == 0 {
                return Err(missing(id));
            }
            Ok(())
        })
    }

    fn count_step_answer(
        &mut self,
        guide_id: GuideId,
        step_index: i64,
        answer: StepOutcome,
        at_ms: i64,
    ) -> StoreResult<()> {
        let column = answer.as_str();
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO guide_step_outcomes (guide_id, step_index, {column}) \
                     SELECT id, $2::bigint, 1 FROM guides WHERE id = $1 \
                     ON CONFLICT (guide_id, step_index) DO UPDATE SET {column} = guide_step_outcomes.{column} + 1"
                ),
                &[&guide_id.0, &step_index],
            )
            .map_err(classify)?;
            tx.execute(
                "INSERT INTO guide_step_answers (guide_id, step_index, outcome, at_ms) \
                 SELECT id, $2::bigint, $3::text, $4::bigint FROM guides WHERE id = $1",
                &[&guide_id.0, &step_index, &column, &at_ms],
            )
            .map_err(classify)?;
            Ok(())
        })
    }
}

impl SharedSettings for TeamStore {
    fn shared_setting(&mut self, key: &str) -> StoreResult<Option<String>> {
        self.read(|client| {
            let row = client
                .query_typed_opt("SELECT value FROM settings WHERE key = $1", &[(&key, Type::TEXT)])
                .map_err(classify)?;
            Ok(row.map(|row| row.get(0)))
        })
    }

    fn set_shared_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map_err(classify)?;
            // Other consoles pick the change up at once (delivered when this transaction commits).
            tx.execute("SELECT pg_notify($1, $2)", &[&super::LIBRARY_CHANNEL, &key]).map_err(classify)?;
            Ok(())
        })
    }
}

impl TeamStore {
    /// Every guide step answered in `[from_ms, to_ms)` with its counts and instruction, and the
    /// answers counted without a date (copied from a console's file that had them).
    pub(super) fn guide_step_counts(
        client: &mut postgres::Client,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<(Vec<GuideStepCounts>, u32)> {
        let rows = client
            .query_typed(
                "SELECT a.guide_id, g.document, a.step_index, a.done, a.didnt_work, a.stuck \
                 FROM (SELECT guide_id, step_index, count(*) FILTER (WHERE outcome = 'done') AS done, \
                              count(*) FILTER (WHERE outcome = 'didnt_work') AS didnt_work, \
                              count(*) FILTER (WHERE outcome = 'stuck') AS stuck \
                       FROM guide_step_answers WHERE at_ms >= $1 AND at_ms < $2 GROUP BY guide_id, step_index) a \
                 JOIN guides g ON g.id = a.guide_id ORDER BY a.guide_id, a.step_index",
                &[(&from_ms, Type::INT8), (&to_ms, Type::INT8)],
            )
            .map_err(classify)?;
        let mut counts = Vec::with_capacity(rows.len());
        let mut parsed: Option<(i64, Option<Guide>)> = None;
        for row in rows {
            let guide_id: i64 = row.get(0);
            if parsed.as_ref().is_none_or(|(id, _)| *id != guide_id) {
                let document: String = row.get(1);
                parsed = Some((guide_id, guide_from_document(guide_id, &document).ok()));
            }
            let guide = parsed.as_ref().and_then(|(_, guide)| guide.as_ref());
            let step_index: i64 = row.get(2);
            let instruction = guide
                .and_then(|guide| usize::try_from(step_index).ok().and_then(|index| guide.steps.get(index)))
                .map(|step| step.instruction.clone())
                .unwrap_or_default();
            counts.push(GuideStepCounts {
                guide_id: GuideId(guide_id),
                guide_title: guide.map(|guide| guide.title.clone()).unwrap_or_default(),
                step_index,
                instruction,
                stats: StepStats { done: row.get(3), didnt_work: row.get(4), stuck: row.get(5) },
            });
        }
        let undated: i64 = client
            .query_one(
                "SELECT (SELECT coalesce(sum(done + didnt_work + stuck), 0)::bigint FROM guide_step_outcomes) \
                      - (SELECT count(*) FROM guide_step_answers)",
                &[],
            )
            .map_err(classify)?
            .get(0);
        Ok((counts, u32::try_from(undated.max(0)).unwrap_or(u32::MAX)))
    }
}
