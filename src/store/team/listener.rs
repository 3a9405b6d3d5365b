//! Live updates: a thread with its own connection runs `LISTEN stepwise_desk` (and
//! `LISTEN stepwise_library`) and hands every other console's change to the app as a
//! [`DeskNotice`] (or the key of a changed team-wide setting), reconnecting by itself. The same
//! connection sends the notices of this console's own edits (see [`super::notices`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use super::notices::{NOTICE_BATCH_INTERVAL, NoticeOutbox, NoticeQueue, SEND_NOTICES_SQL};
use super::{LIBRARY_CHANNEL, NOTIFY_CHANNEL, TeamConfig};
use crate::model::DeskNotice;
use crate::store::StoreError;

/// What the listener reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenerEvent {
    /// Listening (first connection or after a reconnect: refresh what is shown, changes may
    /// have been missed meanwhile).
    Connected,
    /// Another console changed a ticket.
    Notice(DeskNotice),
    /// A team-wide setting changed (its key, e.g. a glossary or the canned phrases of a language).
    SharedSettingChanged(String),
    /// The link was lost (the message says why); the listener keeps trying to reconnect.
    Lost(String),
}

/// How often the thread sends this console's waiting notices and checks for the stop request
/// (it waits for notifications in between).
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// An idle link is checked this often.
const LIVENESS_INTERVAL: Duration = Duration::from_secs(5);
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The listening thread; stopped (and joined) when dropped.
pub struct TeamListener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    outbox: NoticeOutbox,
}

impl std::fmt::Debug for TeamListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamListener").finish_non_exhaustive()
    }
}

impl TeamListener {
    /// Starts listening; events arrive on the returned channel.
    pub fn spawn(config: TeamConfig) -> std::io::Result<(TeamListener, std::sync::mpsc::Receiver<ListenerEvent>)> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let listener = Self::spawn_with(config, move |event| {
            let _ = sender.send(event);
        })?;
        Ok((listener, receiver))
    }

    /// Starts listening; `sink` gets every event on the listener's thread (e.g. forward it and
    /// wake the UI).
    pub fn spawn_with(
        config: TeamConfig,
        sink: impl FnMut(ListenerEvent) + Send + 'static,
    ) -> std::io::Result<TeamListener> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let (mut queue, outbox) = NoticeQueue::new();
        let thread = std::thread::Builder::new()
            .name("team-listener".into())
            .spawn(move || run(&config, &thread_stop, sink, &mut queue))?;
        Ok(TeamListener { stop, thread: Some(thread), outbox })
    }

    /// Where a store of this console posts its notices, to be sent on this listener's
    /// connection ([`super::TeamStore::notify_through`]).
    pub fn outbox(&self) -> NoticeOutbox {
        self.outbox.clone()
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the team listener thread panicked");
        }
    }
}

impl Drop for TeamListener {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(config: &TeamConfig, stop: &AtomicBool, mut sink: impl FnMut(ListenerEvent), queue: &mut NoticeQueue) {
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::Relaxed) {
        match listen(config, stop, &mut sink, queue) {
            Ok(()) => return,
            Err(message) => {
                tracing::warn!(server = %config.redacted(), "team listener link lost: {message}");
                sink(ListenerEvent::Lost(message));
            }
        }
        let until = Instant::now() + backoff;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(POLL_INTERVAL.min(backoff));
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: `Ok` when asked to stop, `Err` when the link failed.
fn listen(
    config: &TeamConfig,
    stop: &AtomicBool,
    sink: &mut impl FnMut(ListenerEvent),
    queue: &mut NoticeQueue,
) -> Result<(), String> {
    let mut client = config.connect().map_err(|err: StoreError| err.to_string())?;
    client
        .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}; LISTEN {LIBRARY_CHANNEL}"))
        .map_err(|err| err.to_string())?;
    let send_notices = client.prepare(SEND_NOTICES_SQL).map_err(|err| err.to_string())?;
    sink(ListenerEvent::Connected);
    let mut checked = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        queue
            .flush_after(NOTICE_BATCH_INTERVAL, |notices| {
                client.execute(&send_notices, &[&NOTIFY_CHANNEL, &notices]).map(drop)
            })
            .map_err(|err| err.to_string())?;
        {
            let mut notifications = client.notifications();
            let mut batch = notifications.timeout_iter(POLL_INTERVAL);
            // A busy desk never falls silent for a whole interval: stop after one all the same,
            // so this console's own notices and the stop request are not held up.
            let batch_until = Instant::now() + POLL_INTERVAL;
            while Instant::now() < batch_until {
                match batch.next() {
                    Ok(Some(notification)) if notification.channel() == LIBRARY_CHANNEL => {
                        sink(ListenerEvent::SharedSettingChanged(notification.payload().to_owned()));
                    }
                    Ok(Some(notification)) => match serde_json::from_str::<DeskNotice>(notification.payload()) {
                        Ok(notice) => sink(ListenerEvent::Notice(notice)),
                        Err(err) => tracing::warn!("ignoring an unreadable desk notification: {err}"),
                    },
                    Ok(None) => break,
                    Err(err) => return Err(err.to_string()),
                }
            }
        }
        if client.is_closed() {
            return Err("the connection was closed".into());
        }
        if checked.elapsed() >= LIVENESS_INTERVAL {
            client.is_valid(Duration::from_secs(2)).map_err(|err| err.to_string())?;
            checked = Instant::now();
        }
    }
    // What this console saved just before closing still reaches the others.
    if let Err(err) = queue
        .flush_after(Duration::ZERO, |notices| client.execute(&send_notices, &[&NOTIFY_CHANNEL, &notices]).map(drop))
    {
        tracing::debug!("desk notices not sent at shutdown: {err}");
    }
    Ok(())
}
