//! Desk notices sent after the write instead of inside it.
//!
//! PostgreSQL serialises every committing transaction that issued `NOTIFY` behind one lock (so
//! the notification queue stays in commit order). With many engineers saving at once, the
//! saves queued behind that lock: measured with `bench team`, most of an edit's time was spent
//! waiting for it. So the hot writes (an edit or a note in one statement, see
//! `rows::write_if_unchanged`) commit without a notice, and hand it to the console's listener
//! thread, which sends whatever has piled up in one statement on its own connection. Notices
//! waiting while that connection is down are sent after it reconnects. A notice is only ever
//! sent for a committed change; what a console that crashes right after its save had not yet
//! sent, other consoles see at their next refresh (a reconnect reloads everything shown).

use std::sync::mpsc::{Receiver, Sender};

/// Where a store posts the notices of its written changes (cloned from the listener's).
#[derive(Clone, Debug)]
pub struct NoticeOutbox(pub(super) Sender<String>);

impl NoticeOutbox {
    /// Posts one notice (its JSON payload); `Err` gives it back when the listener is gone.
    pub(super) fn post(&self, payload: String) -> Result<(), String> {
        self.0.send(payload).map_err(|unsent| unsent.0)
    }
}

/// Most notices kept while the listener's connection is down (the oldest go first: consoles
/// reload everything when they reconnect anyway).
const MAX_WAITING: usize = 10_000;

/// The listener thread's side: notices posted and not yet sent.
pub(super) struct NoticeQueue {
    inbox: Receiver<String>,
    waiting: Vec<String>,
}

impl NoticeQueue {
    /// A queue and the outbox that fills it.
    pub(super) fn new() -> (NoticeQueue, NoticeOutbox) {
        let (sender, inbox) = std::sync::mpsc::channel();
        (NoticeQueue { inbox, waiting: Vec::new() }, NoticeOutbox(sender))
    }

    /// Sends every notice posted so far in one statement; on failure they stay for the next
    /// connection.
    pub(super) fn flush(&mut self, client: &mut postgres::Client) -> Result<(), postgres::Error> {
        self.waiting.extend(self.inbox.try_iter());
        if self.waiting.len() > MAX_WAITING {
            let dropped = self.waiting.len() - MAX_WAITING;
            self.waiting.drain(..dropped);
            tracing::warn!(dropped, "desk notices dropped while the team database was unreachable");
        }
        if self.waiting.is_empty() {
            return Ok(());
        }
        client.execute(
            "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS n (payload, position) \
             ORDER BY position",
            &[&super::NOTIFY_CHANNEL, &self.waiting],
        )?;
        self.waiting.clear();
        Ok(())
    }
}
