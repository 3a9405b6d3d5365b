//! Which monitor is shared: the switch the user agreed to, the opener that follows it, and the
//! protocol's list of monitors.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::capture::{DisplayMonitor, SourceChoice, open_source};
use crate::protocol::monitors::{MAX_MONITOR_NAME_CHARS, MAX_MONITORS, MonitorInfo, MonitorList};

use super::SourceOpener;

/// Which monitor of the live screen is shared; switched only after the user agreed to the
/// engineer's request. The capture thread reopens its source on the next tick.
#[derive(Clone, Debug, Default)]
pub struct MonitorSwitch {
    current: Arc<AtomicUsize>,
    pending: Arc<AtomicBool>,
}

impl MonitorSwitch {
    /// Starting on monitor `index`.
    pub fn new(index: usize) -> Self {
        Self { current: Arc::new(AtomicUsize::new(index)), pending: Arc::new(AtomicBool::new(false)) }
    }

    /// Share monitor `index` from now on.
    pub fn switch_to(&self, index: usize) {
        self.current.store(index, Ordering::Release);
        self.pending.store(true, Ordering::Release);
    }

    /// The monitor shared (or about to be).
    pub fn current(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }

    pub(super) fn take_pending(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }
}

/// An opener for `choice` that, for the live screen, opens the monitor `switch` names.
pub fn switchable_opener(choice: SourceChoice, switch: MonitorSwitch) -> SourceOpener {
    Box::new(move || match &choice {
        SourceChoice::Screen { .. } => open_source(&SourceChoice::Screen { monitor: switch.current() }),
        other => open_source(other),
    })
}

/// The protocol's list of `monitors` (at most [`MAX_MONITORS`], names cut to their limit);
/// `None` when the shared one does not fit in it.
pub fn monitor_list(monitors: &[DisplayMonitor], shared: usize) -> Option<MonitorList> {
    let monitors: Vec<MonitorInfo> = monitors
        .iter()
        .take(MAX_MONITORS)
        .map(|monitor| MonitorInfo {
            name: monitor.name.chars().take(MAX_MONITOR_NAME_CHARS).collect(),
            x: monitor.x,
            y: monitor.y,
            width: monitor.width,
            height: monitor.height,
        })
        .collect();
    let list = MonitorList { monitors, shared: u32::try_from(shared).ok()? };
    list.validate().ok().map(|()| list)
}
