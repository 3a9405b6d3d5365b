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
use std::time::{Duration, Instant};

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

/// How long a notice may wait for others to go out with it. Every transaction that notifies
/// wakes every listening console's connection on the server (a signal, a read of the queue, a
/// send), whatever it carries: with a whole team saving at once, sending each console's notices
/// once per interval instead of as they come cuts those wake-ups several times over, for a
/// delay far below the second a colleague may wait.
pub const NOTICE_BATCH_INTERVAL: Duration = Duration::from_millis(100);

/// The statement that sends a batch of notices, in order.
pub(super) const SEND_NOTICES_SQL: &str =
    "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS n (payload, position) ORDER BY position";

/// The listener thread's side: notices posted and not yet sent.
pub(super) struct NoticeQueue {
    inbox: Receiver<String>,
    waiting: Vec<String>,
    /// When the oldest waiting notice was taken from the inbox.
    waiting_since: Option<Instant>,
}

impl NoticeQueue {
    /// A queue and the outbox that fills it.
    pub(super) fn new() -> (NoticeQueue, NoticeOutbox) {
        let (sender, inbox) = std::sync::mpsc::channel();
        (NoticeQueue { inbox, waiting: Vec::new(), waiting_since: None }, NoticeOutbox(sender))
    }

    /// Takes what was posted; whether the oldest notice waiting has waited `batch` or longer.
    fn collect(&mut self, now: Instant, batch: Duration) -> bool {
        let before = self.waiting.len();
        self.waiting.extend(self.inbox.try_iter());
        if self.waiting.len() > before && self.waiting_since.is_none() {
            self.waiting_since = Some(now);
        }
        if self.waiting.len() > MAX_WAITING {
            let dropped = self.waiting.len() - MAX_WAITING;
            self.waiting.drain(..dropped);
            tracing::warn!(dropped, "desk notices dropped while the team database was unreachable");
        }
        self.waiting_since.is_some_and(|since| now.saturating_duration_since(since) >= batch)
    }

    /// Sends the waiting notices in one statement (`send` runs [`SEND_NOTICES_SQL`]) once the
    /// oldest has waited `batch`; `Duration::ZERO` sends whatever waits. On failure they stay
    /// for the next connection.
    pub(super) fn flush_after<E>(
        &mut self,
        batch: Duration,
        send: impl FnOnce(&[String]) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.collect(Instant::now(), batch) {
            return Ok(());
        }
        send(&self.waiting)?;
        self.waiting.clear();
        self.waiting_since = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_wait_for_the_batch_interval_then_go_together_in_order() {
        let (mut queue, outbox) = NoticeQueue::new();
        let start = Instant::now();
        assert!(!queue.collect(start, NOTICE_BATCH_INTERVAL), "nothing waits");
        outbox.post("first".into()).unwrap();
        assert!(!queue.collect(start, NOTICE_BATCH_INTERVAL), "the first notice has just come");
        outbox.post("second".into()).unwrap();
        let later = start + NOTICE_BATCH_INTERVAL / 2;
        assert!(!queue.collect(later, NOTICE_BATCH_INTERVAL), "a later notice does not restart the wait");
        assert!(queue.collect(start + NOTICE_BATCH_INTERVAL, NOTICE_BATCH_INTERVAL));
        assert_eq!(queue.waiting, ["first", "second"]);
    }

    #[test]
    fn a_failed_send_keeps_the_notices_and_a_zero_interval_sends_at_once() {
        let (mut queue, outbox) = NoticeQueue::new();
        outbox.post("kept".into()).unwrap();
        assert_eq!(queue.flush_after(Duration::ZERO, |_| Err("the link is down")), Err("the link is down"));
        let mut sent = Vec::new();
        queue
            .flush_after(Duration::ZERO, |notices| {
                sent.extend_from_slice(notices);
                Ok::<_, ()>(())
            })
            .unwrap();
        assert_eq!(sent, ["kept"]);
        assert!(queue.waiting.is_empty() && queue.waiting_since.is_none());
        queue.flush_after(Duration::ZERO, |_| -> Result<(), ()> { panic!("nothing to send") }).unwrap();
    }
}
