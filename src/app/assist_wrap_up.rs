//! The end of a session on the user's side: what was done, as facts drawn from the session's own
//! events (the Get-help window words them in the user's language), kept as a file in the data
//! folder with a receipt pointing to it, and saved where the user chooses on request.

use std::path::{Path, PathBuf};

use crate::model::{SessionFacts, TimelineEvent};
use crate::protocol::SessionEvent;
use crate::store::private_fs;
use crate::transport::TransportEvent;

use super::transcript::transcript_entry;

/// Folder of the Get-help data directory that holds the session summaries.
pub const SUMMARIES_DIR: &str = "summaries";

/// What the user's side saw of its session, as timeline events with their times.
#[derive(Debug, Default)]
pub struct SessionLog {
    entries: Vec<(i64, TimelineEvent)>,
}

impl SessionLog {
    /// Notes one event of the link at `at_ms`.
    pub fn observe(&mut self, at_ms: i64, event: &TransportEvent) {
        if self.entries.is_empty() {
            self.entries.push((at_ms, TimelineEvent::SessionStarted { port: 0 }));
        }
        let recorded = match event {
            // The engineer's side records a screenshot once saved; the user's side counts the notice.
            TransportEvent::Session(SessionEvent::ScreenshotTaken { .. }) => {
                Some(TimelineEvent::ScreenshotAttached { file: String::new(), width: 0, height: 0 })
            }
            other => transcript_entry(other).map(|entry| entry.event),
        };
        if let Some(event) = recorded {
            self.entries.push((at_ms, event));
        }
    }

    /// The facts so far.
    pub fn facts(&self) -> SessionFacts {
        SessionFacts::from_entries(self.entries.iter().map(|(at_ms, event)| (*at_ms, event)))
    }
}

/// Writes a summary into `<data_dir>/summaries/summary-<time>.txt`, readable only by its owner;
/// returns the file.
pub fn keep_summary(data_dir: &Path, text: &str, at_ms: i64) -> std::io::Result<PathBuf> {
    let dir = data_dir.join(SUMMARIES_DIR);
    private_fs::ensure_private_dir(&dir)?;
    let stamp = chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|at| at.with_timezone(&chrono::Local).format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_else(|| at_ms.to_string());
    let path = dir.join(format!("summary-{stamp}.txt"));
    write_summary(&path, text)?;
    Ok(path)
}

/// Writes a summary to `path` (UTF-8, ending in a newline) and syncs it.
pub fn write_summary(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = private_fs::create_private_file(path)?;
    file.write_all(text.trim_end().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{EndReason, Scopes, StepCard, StepOutcome};

    #[test]
    fn the_users_log_gives_the_facts_of_its_session() {
        let mut log = SessionLog::default();
        log.observe(1_000, &TransportEvent::Paired);
        log.observe(2_000, &TransportEvent::Session(SessionEvent::ConsentGranted(Scopes::default())));
        let card = StepCard {
            step_id: 1,
            index: 1,
            total: 1,
            instruction: "Restart".into(),
            expected: String::new(),
            annotation: None,
        };
        log.observe(3_000, &TransportEvent::Session(SessionEvent::StepSent { card, resent: false }));
        log.observe(
            4_000,
            &TransportEvent::Session(SessionEvent::StepAnswered {
                step_id: 1,
                outcome: StepOutcome::Done,
                comment: String::new(),
                seconds: 0,
            }),
        );
        log.observe(5_000, &TransportEvent::Session(SessionEvent::ScreenshotTaken { at_ms: 5_000 }));
        log.observe(
            61_000,
            &TransportEvent::Session(SessionEvent::Ended { reason: EndReason::EngineerEnded, by_peer: true }),
        );
        let facts = log.facts();
        assert_eq!(facts.duration_ms(), 60_000);
        assert_eq!(facts.step_counts(), (1, 1, 0));
        assert_eq!(facts.screenshots, 1);
        assert!(facts.screen_was_seen());
    }

    #[test]
    fn a_kept_summary_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = keep_summary(dir.path(), "What was done\n", 0).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "What was done\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
