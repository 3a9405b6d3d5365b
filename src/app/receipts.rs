//! The user's own receipts: every consent decision (and every summary kept) as one synced JSON
//! line in the data folder, readable only by its owner, shown in the receipts window.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};

use serde_json::{Value, json};

use crate::protocol::{ConsentRequest, SessionCommand, SessionEvent};
use crate::store::private_fs;
use crate::transport::SessionHandle;
use crate::ui::i18n::{Lang, Text};
use crate::ui::session::scopes_text;
use crate::ui::{AssistNotice, UiEvent};

use super::store_worker::Waker;

/// File name of the user's consent receipts in the data directory.
pub const RECEIPTS_FILE: &str = "consent-receipts.jsonl";

/// The user's own log of consent decisions: one JSON object per line, appended and synced.
#[derive(Clone, Debug)]
pub struct ReceiptLog {
    path: PathBuf,
}

impl ReceiptLog {
    /// The log in `data_dir`. A log (and folder) left readable by every account by an older
    /// version is made private here.
    pub fn new(data_dir: &Path) -> Self {
        let path = data_dir.join(RECEIPTS_FILE);
        if data_dir.is_dir()
            && let Err(err) = private_fs::ensure_private_dir(data_dir).and_then(|()| private_fs::tighten_file(&path))
        {
            tracing::warn!(file = %path.display(), "cannot make the consent receipts private: {err}");
        }
        Self { path }
    }

    /// Where it lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one decision and syncs it to disk.
    pub fn append(&self, receipt: &Value) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            private_fs::ensure_private_dir(dir)?;
        }
        let mut file = private_fs::append_private_file(&self.path)?;
        let mut line = receipt.to_string();
        line.push('\n');
        file.write_all(line.as_bytes())?;
        file.sync_all()
    }

    /// Every receipt, oldest first; unreadable lines are reported in place, never fatal.
    pub fn read(&self) -> std::io::Result<Vec<Result<Value, String>>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        Ok(text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(index, line)| {
                serde_json::from_str(line).map_err(|err| format!("line {}: damaged ({err})", index + 1))
            })
            .collect())
    }
}

/// One receipt to write, and what to do once it is on disk.
pub(super) struct ReceiptJob {
    pub(super) receipt: Value,
    /// A decision that takes effect only after its receipt is synced (Allow, a scope change):
    /// sent to the session then, and never if the receipt could not be written.
    pub(super) then: Option<(SessionHandle, SessionCommand)>,
}

/// A thread appending receipts in order; a failure is logged and shown to the user, and the
/// decision waiting on that receipt is not sent.
pub(super) fn spawn_receipt_writer(log: ReceiptLog, events: Sender<UiEvent>, waker: Waker) -> Sender<ReceiptJob> {
    let (sender, receipts) = channel::<ReceiptJob>();
    let spawned = std::thread::Builder::new().name("stepwise-receipts".into()).spawn(move || {
        while let Ok(job) = receipts.recv() {
            match log.append(&job.receipt) {
                Ok(()) => {
                    if let Some((handle, command)) = job.then {
                        handle.send(command);
                    }
                }
                Err(err) => {
                    tracing::error!("cannot write the consent receipt: {err}");
                    let mut why =
                        format!("Your consent receipt could not be saved in {}: {err}.", log.path().display());
                    if job.then.is_some() {
                        why.push_str(" Nothing was changed: your choice was not sent.");
                    }
                    let _ = events.send(UiEvent::Assist(AssistNotice::Refused(why)));
                    waker();
                }
            }
        }
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start the receipt writer: {err}");
    }
    sender
}

/// The receipt for a consent event on the user's side, if it is one written after the fact:
/// refusals, pauses, stops and screenshots the engineer kept. Grants and scope changes are
/// written before they take effect (see [`AssistController::run`]).
pub(super) fn receipt_for(event: &SessionEvent, request: Option<&ConsentRequest>, engineer_at: &str) -> Option<Value> {
    let decision = match event {
        SessionEvent::ConsentDenied { dont_ask_again: false, .. } => "denied",
        SessionEvent::ConsentDenied { dont_ask_again: true, .. } => "denied_for_session",
        SessionEvent::SharingPaused => "paused",
        SessionEvent::SharingResumed => "resumed",
        SessionEvent::ConsentRevoked => "revoked",
        SessionEvent::ScreenshotTaken { .. } => "screenshot_kept",
        SessionEvent::ControlDeclined => "control_declined",
        SessionEvent::ControlRevoked => "control_revoked",
        SessionEvent::ControlTakenBack => "control_taken_back",
        _ => return None,
    };
    Some(receipt(decision, None, request, engineer_at))
}

/// A receipt line: what was decided, with which scopes, for whom.
pub(super) fn receipt(
    decision: &str,
    scopes: Option<crate::protocol::Scopes>,
    request: Option<&ConsentRequest>,
    engineer_at: &str,
) -> Value {
    let at_ms = crate::model::now_ms();
    json!({
        "at": chrono::DateTime::from_timestamp_millis(at_ms).map(|at| at.to_rfc3339()).unwrap_or_default(),
        "at_ms": at_ms,
        "decision": decision,
        "scopes": scopes.map(crate::model::ScopesRecord::from),
        "engineer": request.map(|r| r.engineer_name.clone()),
        "team": request.map(|r| r.team.clone()),
        "ticket": request.map(|r| r.ticket_number.clone()),
        "purpose": request.map(|r| r.purpose.clone()),
        "engineer_address": engineer_at,
    })
}

/// The receipt that points to a session's kept summary.
pub(super) fn summary_receipt(file: &Path) -> Value {
    let at_ms = crate::model::now_ms();
    json!({
        "at": chrono::DateTime::from_timestamp_millis(at_ms).map(|at| at.to_rfc3339()).unwrap_or_default(),
        "at_ms": at_ms,
        "decision": "summary_saved",
        "file": file.display().to_string(),
    })
}

/// One receipt as a line for the receipts window.
pub fn receipt_line(receipt: &Value, lang: Lang) -> String {
    let text = |key: &str| receipt.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let at = receipt.get("at_ms").and_then(Value::as_i64).map(crate::ui::widgets::format_time).unwrap_or_default();
    let decision = match text("decision").as_str() {
        "granted" => Text::Allow.get(lang).to_owned(),
        "denied" => Text::DontAllow.get(lang).to_owned(),
        "denied_for_session" => format!("{} · {}", Text::DontAllow.get(lang), Text::DontAskAgain.get(lang)),
        "screenshot_kept" => Text::ReceiptScreenshot.get(lang).to_owned(),
        "paused" => Text::PauseSharing.get(lang).to_owned(),
        "resumed" => Text::ResumeSharing.get(lang).to_owned(),
        "revoked" => Text::StopSharing.get(lang).to_owned(),
        "scopes_changed" => Text::ChangeWhatIAllow.get(lang).to_owned(),
        "control_granted" => Text::ReceiptControlGranted.get(lang).to_owned(),
        "control_declined" => format!("{} · {}", Text::DeclineControl.get(lang), Text::ScopeControl.get(lang)),
        "control_revoked" => Text::ReceiptControlRevoked.get(lang).to_owned(),
        "control_taken_back" => Text::ReceiptControlTakenBack.get(lang).to_owned(),
        "summary_saved" => return format!("{at} · {}", Text::ReceiptSummary.fill(lang, &[&text("file")])),
        other => other.to_owned(),
    };
    let scopes = receipt.get("scopes").filter(|value| !value.is_null()).map(|value| {
        let flag = |name: &str| value.get(name).and_then(Value::as_bool).unwrap_or(false);
        let scopes = crate::protocol::Scopes {
            view: flag("view"),
            pointers: flag("pointers"),
            record: flag("record"),
            control: flag("control"),
        };
        let recording = if scopes.record { format!(" · {}", Text::ReceiptRecording.get(lang)) } else { String::new() };
        format!(" · {}{recording}", scopes_text(scopes, lang))
    });
    format!(
        "{at} · {decision}{} · {} ({}) · {}",
        scopes.unwrap_or_default(),
        text("engineer"),
        text("team"),
        text("ticket")
    )
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn consent_receipts_are_private_new_or_old() {
        let root = tempfile::tempdir().unwrap();
        let fresh = root.path().join("fresh");
        let log = ReceiptLog::new(&fresh);
        log.append(&json!({ "decision": "granted" })).unwrap();
        assert_eq!((mode(&fresh), mode(log.path())), (0o700, 0o600));

        // Receipts an older version left readable by every account are tightened on start.
        let old = root.path().join("old");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join(RECEIPTS_FILE), "{\"decision\":\"denied\"}\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(old.join(RECEIPTS_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = ReceiptLog::new(&old);
        assert_eq!((mode(&old), mode(log.path())), (0o700, 0o600));
        assert_eq!(log.read().unwrap().len(), 1, "nothing lost");
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn a_receipt_with_the_record_scope_says_recording_was_allowed() {
        let receipt = |record: bool| {
            serde_json::json!({
                "at_ms": 0, "decision": "granted", "engineer": "Li Wei", "team": "Desk", "ticket": "T-1",
                "scopes": { "view": true, "pointers": false, "record": record },
            })
        };
        assert!(receipt_line(&receipt(true), Lang::En).contains(" · Recording allowed · Li Wei"));
        assert!(receipt_line(&receipt(true), Lang::Zh).contains("允许录制"));
        assert!(!receipt_line(&receipt(false), Lang::En).contains("Recording allowed"));
    }
}
