//! The refinement policy of narrow links: what an update over its byte budget sends (exact,
//! reduced colours, coarser blocks, the first that fits) and how approximate tiles are refined to
//! exact pixels within the budget of later updates.

use super::super::Frame;
use super::super::lossy::Approximation;
use super::super::motion::CopyOp;
use super::super::tiles::Grid;
use super::Encoder;

/// Rewrites of a refinement whose size missed its budget.
const REFINE_CORRECTIONS: usize = 3;
/// zstd level for refinement-only updates.
const REFINE_ZSTD_LEVEL: i32 = 9;
/// The approximations tried, in order, when the exact update is over the budget.
const APPROXIMATIONS: [Approximation; 3] =
    [Approximation::Colours, Approximation::Coarse { block: 8 }, Approximation::Coarse { block: 16 }];
/// An exact body larger than this many times the budget is not tried (it cannot compress so far).
const EXACT_TRIAL_MAX_RATIO: usize = 40;
/// Fewest bytes a changed tile takes with reduced colours (see [`Encoder::plan`]).
const COLOURS_MIN_TILE_BYTES: usize = 300;

/// Which approximate tiles (unchanged since) an update refines.
#[derive(Clone, Copy, Debug)]
pub(super) enum Refine {
    None,
    All,
    /// In tile order while the estimated compressed size stays within `bytes`.
    Within {
        ratio: f64,
        bytes: usize,
    },
}

/// What [`Encoder::plan`] decided.
pub(super) enum Planned {
    /// The body last written is the update (its compressed form, if any).
    Written { lossy: bool, compressed: Option<Vec<u8>> },
    /// Exact, refining approximate tiles as given: the body is still to be written.
    Refining(Refine),
}

impl Encoder {
    /// An update refining approximate tiles toward the last encoded frame within `budget_bytes`
    /// (all of them with `None`), or `None` when the decoder's picture is already exact.
    pub fn refine(&mut self, budget_bytes: Option<usize>) -> Option<Vec<u8>> {
        if !self.has_approximate() {
            return None;
        }
        let reference = self.reference.as_ref()?;
        let frame = Frame { width: reference.width, height: reference.height, rgba: self.source.clone() };
        // Refinements are not urgent: a higher level packs more tiles into the same budget.
        let level = self.level_override;
        self.level_override = level.or(Some(REFINE_ZSTD_LEVEL));
        let update = self.encode_within(&frame, false, budget_bytes);
        self.level_override = level;
        Some(update)
    }

    /// Writes an exact update refining approximate tiles within the budget; when the compressed
    /// result is well over (or under) it, the size estimate is corrected (and once rewritten).
    pub(super) fn write_refining(
        &mut self,
        grid: &Grid,
        frame: &Frame,
        copies: &[CopyOp],
        full: bool,
        refine: Refine,
        budget: Option<usize>,
    ) -> (bool, Option<Vec<u8>>) {
        let mut lossy = self.write_body(grid, frame, copies, Approximation::Exact, refine);
        let mut compressed = self.compress(full);
        let (Refine::Within { mut ratio, bytes }, Some(budget)) = (refine, budget) else { return (lossy, compressed) };
        for _ in 0..REFINE_CORRECTIONS {
            let size = compressed.as_ref().map_or(self.body.len(), |compressed| compressed.len().min(self.body.len()));
            let scale = size as f64 / budget.max(1) as f64;
            if !(scale > 1.2 || (self.refine_stopped && scale < 0.6)) {
                break;
            }
            ratio = (ratio * scale.max(0.5)).clamp(0.005, 1.0);
            *self.refine_ratio_mut() = ratio;
            lossy = self.write_body(grid, frame, copies, Approximation::Exact, Refine::Within { ratio, bytes });
            compressed = self.compress(full);
        }
        (lossy, compressed)
    }

    /// The coded / raw size estimate of refined tiles in this update (modelled or not).
    fn refine_ratio_mut(&mut self) -> &mut f64 {
        if self.model_refined { &mut self.model_refine_ratio } else { &mut self.refine_ratio }
    }

    /// Chooses how to code an update within `budget` bytes: exact (refining what else fits) when
    /// the exact update fits, else the first approximation that fits (or the coarsest).
    pub(super) fn plan(&mut self, grid: &Grid, frame: &Frame, copies: &[CopyOp], full: bool, budget: usize) -> Planned {
        let refine_wanted = !self.config.allow_lossy && self.has_approximate();
        let lossy = self.write_body(grid, frame, copies, Approximation::Exact, Refine::None);
        let raw = self.body.len();
        if raw <= budget.saturating_mul(EXACT_TRIAL_MAX_RATIO) {
            let compressed = self.compress(full);
            let size = compressed.as_ref().map_or(raw, |compressed| compressed.len().min(raw));
            if raw >= 1024 {
                self.exact_ratio = (size as f64 / raw as f64).clamp(0.01, 1.0);
            }
            if size <= budget {
                if refine_wanted {
                    return Planned::Refining(Refine::Within { ratio: *self.refine_ratio_mut(), bytes: budget - size });
                }
                return Planned::Written { lossy, compressed };
            }
        }
        let mut last = None;
        // Reduced colours cost about this much per changed tile at least: skip them when that is
        // already over the budget (they are the slowest to compute).
        let changed_tiles = self.changed.iter().filter(|&&flag| flag).count();
        let skip_colours = changed_tiles.saturating_mul(COLOURS_MIN_TILE_BYTES) > budget;
        for approximation in APPROXIMATIONS {
            if skip_colours && approximation == Approximation::Colours {
                continue;
            }
            let lossy = self.write_body(grid, frame, copies, approximation, Refine::None);
            let compressed = self.compress(full);
            let size = compressed.as_ref().map_or(self.body.len(), |compressed| compressed.len().min(self.body.len()));
            if size <= budget {
                return Planned::Written { lossy, compressed };
            }
            last = Some(Planned::Written { lossy, compressed });
        }
        last.unwrap_or(Planned::Refining(Refine::None))
    }
}
