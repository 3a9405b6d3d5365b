//! The knowledge base of guides on either database: [`GuideLibrary`] is what the store thread
//! needs to list, open, save and delete guides and to count step answers, implemented by the
//! console's SQLite [`Store`] and the team's PostgreSQL [`TeamStore`](super::team::TeamStore), so
//! on a team desk every engineer works from one set of guides and their answer counts.

use super::{Store, StoreResult};
use crate::model::{Guide, GuideId, GuideSummary, StepStats};
use crate::protocol::StepOutcome;

/// A guide as an editor opens it: the guide, each step's answer counts, and the revision a
/// save is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedGuide {
    /// The guide.
    pub guide: Guide,
    /// Answer counts, one per step.
    pub stats: Vec<StepStats>,
    /// The revision read (see [`GuideLibrary::keep_guide`]).
    pub revision: i64,
}

/// Guides, whichever database holds them.
pub trait GuideLibrary {
    /// Guides whose title or tags contain `query` (all when empty), by language and title.
    fn find_guides(&mut self, query: &str) -> StoreResult<Vec<GuideSummary>>;

    /// One guide with its step statistics and revision.
    fn open_guide(&mut self, id: GuideId) -> StoreResult<OpenedGuide>;

    /// Saves a guide (a new one when its id is 0). With `read_at`, refused with
    /// [`StoreError::GuideChanged`](super::StoreError::GuideChanged) when someone saved it
    /// after that revision was read. Answer counts follow their unchanged steps. Returns the id
    /// and the new revision.
    fn keep_guide(&mut self, guide: &Guide, read_at: Option<i64>, now_ms: i64) -> StoreResult<(GuideId, i64)>;

    /// Deletes a guide with its answer counts.
    fn drop_guide(&mut self, id: GuideId) -> StoreResult<()>;

    /// Counts one answer to a step, dated `at_ms`; nothing when the guide is gone.
    fn count_step_answer(
        &mut self,
        guide_id: GuideId,
        step_index: i64,
        answer: StepOutcome,
        at_ms: i64,
    ) -> StoreResult<()>;
}

impl GuideLibrary for Store {
    fn find_guides(&mut self, query: &str) -> StoreResult<Vec<GuideSummary>> {
        self.list_guides(query)
    }

    fn open_guide(&mut self, id: GuideId) -> StoreResult<OpenedGuide> {
        let (guide, stats) = self.guide(id)?;
        Ok(OpenedGuide { guide, stats, revision: self.guide_revision(id)? })
    }

    fn keep_guide(&mut self, guide: &Guide, read_at: Option<i64>, now_ms: i64) -> StoreResult<(GuideId, i64)> {
        let id = self.save_guide_read_at(guide, read_at, now_ms)?;
        Ok((id, self.guide_revision(id)?))
    }

    fn drop_guide(&mut self, id: GuideId) -> StoreResult<()> {
        self.delete_guide(id)
    }

    fn count_step_answer(
        &mut self,
        guide_id: GuideId,
        step_index: i64,
        answer: StepOutcome,
        at_ms: i64,
    ) -> StoreResult<()> {
        self.record_step_answer(guide_id, step_index, answer, at_ms)
    }
}
