//! The loop shared by both roles: protocol [`Session`] ⇄ control stream, commands from the app,
//! timers, and the reconnect phase after a drop. One tokio task per session runs it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::protocol::{CommandError, Message, NotNowReason, Role, Session, SessionCommand, SessionEvent, SessionMode};

use super::control::{ControlStream, Inbound};
use super::rate::SentMark;
use super::{EventSink, FrameSink, LinkCommand, LinkStatus, MAX_FRAME_BYTES, TransportEvent, unix_now_ms};

/// How long the side that said "end" waits for the peer to close before closing itself.
const END_LINGER: Duration = Duration::from_secs(2);

/// QUIC application close code for a normal end.
pub(super) const CLOSE_ENDED: u32 = 0;
/// QUIC application close code for a simulated network drop.
pub(super) const CLOSE_DROPPED: u32 = 1;

/// A working connection with its control stream.
pub(super) struct Live {
    pub connection: quinn::Connection,
    pub control: ControlStream,
}

/// How a side gets a dropped connection back.
pub(super) trait Reconnect {
    /// A connection is in use (the first, or a resumed one).
    fn on_connected(&mut self) {}

    /// The connection is gone: allow a resume from now on.
    fn on_disconnect(&mut self) {}

    /// Waits for a resumed connection, trying no earlier than `not_before`; `None` when the
    /// session cannot be resumed any more. Must be cancel-safe at its await points.
    async fn reconnect(&mut self, not_before: Instant) -> Option<Live>;

    /// While connected: a resumed connection from the peer, which noticed a drop this side has
    /// not (yet). Never resolves on a side that does not accept resumes. Cancel-safe.
    async fn take_over(&mut self) -> Option<Live> {
        std::future::pending().await
    }

    /// The session is over: stop accepting resumes, release sockets.
    fn on_end(&mut self) {}
}

/// Drives one session until it ends.
pub(super) struct Driver {
    pub session: Session,
    pub commands: mpsc::UnboundedReceiver<LinkCommand>,
    pub sink: EventSink,
    /// Engineer: where received screen updates go (`None` on the user's side, which gets none).
    pub frame_sink: Option<FrameSink>,
    pub next_frame_seq: u64,
    pub status: Arc<LinkStatus>,
    /// User: where accepted input goes (`None`: dropped).
    pub input_sink: Option<super::InputSink>,
    /// The socket, when it can reach the peer through a TURN relay (tells the path).
    pub relay: Option<Arc<super::RelaySocket>>,
    /// The path last told (`None` before the first connection): relayed when either side's
    /// packets go through a relay.
    pub path: Option<crate::protocol::LinkPath>,
    /// The path of this side's connection last told to the peer (`None`: not yet on this
    /// connection).
    pub own_path_told: Option<crate::protocol::LinkPath>,
    /// The path the peer last told of its side.
    pub peer_path: Option<crate::protocol::LinkPath>,
    /// When the round trip was last told (`None`: not yet on this connection).
    pub rtt_told_at: Option<Instant>,
    /// Hole punching on this connection.
    pub punching: Punching,
}

/// Where hole punching stands on the connection in use (see [`crate::protocol::punch`]).
#[derive(Debug, Default)]
pub(super) struct Punching {
    /// This side's candidates were told on this connection.
    told: bool,
    /// The peer's address as quinn knows it on this connection.
    remote: Option<std::net::SocketAddr>,
    /// A message was queued while events were handled: flush before waiting again.
    flush_again: bool,
}

/// How often the round trip of a live connection is told (at most).
const RTT_TELL_INTERVAL: Duration = Duration::from_secs(2);

/// Bytes of the header of a frame stream: the update's sequence number.
const FRAME_HEADER_BYTES: usize = 8;

enum Step {
    /// The session ended.
    Ended,
    /// The link broke (the transport said so, or the protocol heard nothing for too long).
    Lost { outage: Duration },
    /// The peer came back on a new connection while this one still looked alive.
    TakenOver(Live),
}

impl Driver {
    /// Runs the session over `live`, then over resumed connections, until it ends.
    pub async fn run(mut self, mut live: Live, mut reconnect: impl Reconnect) {
        loop {
            reconnect.on_connected();
            self.rtt_told_at = None;
            self.own_path_told = None;
            self.punching = Punching::default();
            self.tell_path(&live);
            match self.run_connected(&mut live, &mut reconnect).await {
                Step::Ended => break,
                Step::TakenOver(resumed) => {
                    live.connection.close(CLOSE_DROPPED.into(), b"resumed elsewhere");
                    live = resumed;
                    self.session.handle_disconnect(unix_now_ms());
                    self.resumed();
                }
                Step::Lost { outage } => {
                    // The direct path may be what broke: the reconnect goes through the relay,
                    // and the checks start again on the new connection.
                    if let Some(relay) = &self.relay {
                        relay.forget_direct_route();
                    }
                    self.session.handle_disconnect(unix_now_ms());
                    self.status.set_screen_allowed(false);
                    self.status.set_keeping_allowed(false);
                    self.emit_events();
                    reconnect.on_disconnect();
                    match self.wait_for_reconnect(&mut reconnect, outage).await {
                        Some(resumed) => {
                            live = resumed;
                            self.resumed();
                        }
                        None => break,
                    }
                }
            }
        }
        reconnect.on_end();
        self.status.set_screen_allowed(false);
        self.status.set_keeping_allowed(false);
        self.emit_events();
        (self.sink)(TransportEvent::Closed);
    }

    /// Tells the path of the connection in use when it differs from the last one told: relayed
    /// when the socket actually carries its datagrams through this side's allocation, or the
    /// peer said its side does (so both panels name the same path). This side's own path goes
    /// to the peer after each connection and whenever it changes.
    fn tell_path(&mut self, live: &Live) {
        use crate::protocol::LinkPath;
        let remote = live.connection.remote_address();
        self.punching.remote = Some(remote);
        let relayed = self.relay.as_ref().is_some_and(|relay| relay.is_relayed(remote));
        let own = if relayed { LinkPath::Relayed } else { LinkPath::Direct };
        if self.own_path_told != Some(own) {
            if self.own_path_told.is_some() {
                tracing::info!(?own, "this side's path changed");
            }
            self.own_path_told = Some(own);
            if let Err(err) = self.session.handle_command(unix_now_ms(), SessionCommand::TellPath(own)) {
                tracing::debug!("cannot tell the peer the path: {err}");
            }
        }
        self.show_path(own);
        if own == LinkPath::Relayed && self.session.role() == Role::User {
            self.tell_candidates();
        }
    }

    /// Tells the peer this side's direct candidates, once per connection (the joining side
    /// starts when its own path goes through the relay; the engineer answers).
    fn tell_candidates(&mut self) {
        if self.punching.told {
            return;
        }
        let Some(candidates) = self.relay.as_ref().and_then(|relay| relay.punch_candidates()) else { return };
        self.punching.told = true;
        match self.session.handle_command(unix_now_ms(), SessionCommand::TellCandidates(candidates)) {
            Ok(()) => self.punching.flush_again = true,
            Err(err) => tracing::debug!("cannot tell the direct candidates: {err}"),
        }
    }

    /// The peer's direct candidates: check them (the engineer tells its own first).
    fn on_peer_candidates(&mut self, candidates: &crate::protocol::PunchCandidates) {
        let Some(relay) = self.relay.clone() else { return };
        match self.session.role() {
            Role::Engineer => {
                self.tell_candidates();
                relay.start_punching(candidates, None);
            }
            Role::User => relay.start_punching(candidates, self.punching.remote),
        }
    }

    /// Shows the combined path of this side's `own` and the peer's last told one.
    fn show_path(&mut self, own: crate::protocol::LinkPath) {
        use crate::protocol::LinkPath;
        let path = if own == LinkPath::Relayed || self.peer_path == Some(LinkPath::Relayed) {
            LinkPath::Relayed
        } else {
            LinkPath::Direct
        };
        self.status.set_path(path);
        if self.path != Some(path) {
            self.path = Some(path);
            (self.sink)(TransportEvent::Path(path));
        }
    }

    /// Tells the connection's smoothed round trip, at most every [`RTT_TELL_INTERVAL`] (the
    /// heartbeat keeps it moving on an idle link).
    fn tell_round_trip(&mut self, connection: &quinn::Connection) {
        let now = Instant::now();
        if self.rtt_told_at.is_some_and(|at| now < at + RTT_TELL_INTERVAL) {
            return;
        }
        self.rtt_told_at = Some(now);
        (self.sink)(TransportEvent::RoundTrip { rtt_ms: connection.rtt().as_secs_f64() * 1_000.0 });
    }

    /// The link is back on a new connection.
    fn resumed(&mut self) {
        self.session.handle_reconnect(unix_now_ms());
        // The viewer may have missed updates: start the screen afresh.
        self.status.want_keyframe();
        self.emit_events();
    }

    fn emit_events(&mut self) {
        self.status.set_screen_allowed(self.session.screen_allowed());
        self.status.set_keeping_allowed(self.session.keeping_allowed());
        self.status.set_guidance(self.session.mode() == SessionMode::GuidanceOnly, self.session.still_wanted());
        // One input at a time reaches the session, and an accepted update comes with no event,
        // so handing over updates first keeps the order in which things happened.
        while let Some(frame) = self.session.poll_received_frame() {
            if let Some(frame_sink) = &self.frame_sink {
                frame_sink(frame);
            }
        }
        if self.session.role() == Role::User {
            let now_ms = unix_now_ms();
            while let Some(input) = self.session.poll_input(now_ms) {
                if let Some(sink) = &self.input_sink {
                    (sink.0)(input);
                }
            }
        }
        while let Some(event) = self.session.poll_event() {
            if event == SessionEvent::KeyframeRequested {
                self.status.want_keyframe();
            }
            if let SessionEvent::PeerPath(path) = event {
                self.peer_path = Some(path);
                if let Some(own) = self.own_path_told {
                    self.show_path(own);
                }
                continue;
            }
            if let SessionEvent::PeerCandidates(candidates) = &event {
                self.on_peer_candidates(candidates);
                continue;
            }
            (self.sink)(TransportEvent::Session(event));
        }
    }

    async fn flush(&mut self, live: &mut Live, frames_out: &mpsc::UnboundedSender<(u64, Vec<u8>, SentMark)>) -> bool {
        while let Some(message) = self.session.poll_transmit(unix_now_ms()) {
            if live.control.write(&message).await.is_err() {
                return false;
            }
        }
        while let Some((seq, data)) = self.session.poll_frame() {
            self.send_frame_stream(frames_out, seq, data);
        }
        if let Some(cursor) = self.session.poll_cursor()
            && let Ok(bytes) = crate::protocol::encode_frame(&cursor)
        {
            // Unreliable and unordered on purpose: a lost position is superseded by the next.
            let _ = live.connection.send_datagram(bytes.into());
        }
        true
    }

    /// Queues one screen update for its own unidirectional stream (see [`write_frame_streams`]).
    fn send_frame_stream(&self, frames: &mpsc::UnboundedSender<(u64, Vec<u8>, SentMark)>, seq: u64, data: Vec<u8>) {
        let bytes = data.len();
        let mark = self.status.frame_started(bytes);
        if frames.send((seq, data, mark)).is_err() {
            self.status.frame_done(bytes, mark, false);
        }
    }

    /// Connected phase: returns when the session ended, the link broke or was taken over.
    async fn run_connected(&mut self, live: &mut Live, reconnect: &mut impl Reconnect) -> Step {
        let _ = live.control.set_priority(1);
        let (frames_tx, mut frames) = mpsc::channel::<(u64, Vec<u8>)>(4);
        // The engineer reads screen updates in stream order (each one applies on the last).
        let reader = (self.session.role() == Role::Engineer)
            .then(|| tokio::spawn(read_frame_streams(live.connection.clone(), frames_tx)));
        // The user writes updates through one task, so streams open in the order of the updates.
        let (frames_out, frames_to_write) = mpsc::unbounded_channel();
        let writer = (self.session.role() == Role::User)
            .then(|| tokio::spawn(write_frame_streams(live.connection.clone(), frames_to_write, self.status.clone())));
        let step = self.connected_loop(live, reconnect, &mut frames, &frames_out).await;
        if let Some(reader) = reader {
            reader.abort();
        }
        if let Some(writer) = writer {
            writer.abort();
        }
        step
    }

    async fn connected_loop(
        &mut self,
        live: &mut Live,
        reconnect: &mut impl Reconnect,
        frames: &mut mpsc::Receiver<(u64, Vec<u8>)>,
        frames_out: &mpsc::UnboundedSender<(u64, Vec<u8>, SentMark)>,
    ) -> Step {
        let mut relay_changes = self.relay.as_ref().map(|relay| relay.changes());
        loop {
            if !self.session.is_connected() && self.session.ended().is_none() {
                // The protocol heard nothing for too long: this connection is as good as gone
                // (QUIC may hold on for much longer, retrying with ever longer pauses). Nothing
                // more is written to it; the peer resumes on a fresh one.
                live.connection.close(CLOSE_DROPPED.into(), b"no heartbeat");
                return Step::Lost { outage: Duration::ZERO };
            }
            self.status.update_path(&live.connection);
            self.tell_path(live);
            self.tell_round_trip(&live.connection);
            let mut flushed = self.flush(live, frames_out).await;
            self.emit_events();
            if std::mem::take(&mut self.punching.flush_again) {
                flushed &= self.flush(live, frames_out).await;
            }
            // After a normal end the link stays open for the user's exit survey.
            if self.session.ended().is_some() && !self.session.survey_pending() {
                self.close(live).await;
                return Step::Ended;
            }
            if !flushed {
                return Step::Lost { outage: Duration::ZERO };
            }
            let wake_at = self.session.poll_timeout().map(instant_for_unix_ms);
            tokio::select! {
                Some((seq, data)) = frames.recv() => {
                    self.session.handle_frame(unix_now_ms(), seq, data);
                }
                datagram = live.connection.read_datagram() => {
                    if let Ok(bytes) = datagram {
                        self.handle_datagram(&bytes);
                    }
                }
                inbound = live.control.read::<Message>() => match inbound {
                    Inbound::Message(message) => self.session.handle_message(unix_now_ms(), message),
                    Inbound::Invalid(error) => self.session.handle_decode_error(&error),
                    Inbound::Closed(why) => {
                        tracing::info!("control stream closed: {why}");
                        return Step::Lost { outage: Duration::ZERO };
                    }
                },
                Some(resumed) = reconnect.take_over() => return Step::TakenOver(resumed),
                command = self.commands.recv() => match command {
                    Some(LinkCommand::SimulateDrop { outage }) => {
                        live.connection.close(CLOSE_DROPPED.into(), b"simulated drop");
                        return Step::Lost { outage };
                    }
                    Some(command) => self.apply(command),
                    // Every handle is gone: nobody can steer this session any more.
                    None => { let _ = self.session.end(); }
                },
                () = sleep_until_opt(wake_at) => self.session.handle_timeout(unix_now_ms()),
                // A direct path found (or an allocation changed): the path is told again above.
                () = relay_changed(&mut relay_changes) => {}
            }
        }
    }

    /// Disconnected phase: the peer has the protocol's reconnect window to come back. Commands
    /// that need no answer (pause, stop, chat…) act locally at once and are sent first thing
    /// after the reconnect.
    async fn wait_for_reconnect(&mut self, reconnect: &mut impl Reconnect, outage: Duration) -> Option<Live> {
        let not_before = Instant::now() + outage;
        let resumed = reconnect.reconnect(not_before);
        tokio::pin!(resumed);
        loop {
            if self.session.ended().is_some() {
                return None;
            }
            let wake_at = self.session.poll_timeout().map(instant_for_unix_ms);
            tokio::select! {
                live = &mut resumed => {
                    if live.is_none() {
                        self.session.handle_reconnect_expired();
                    }
                    return live;
                }
                command = self.commands.recv() => match command {
                    Some(LinkCommand::Session(SessionCommand::End)) | None => {
                        let _ = self.session.end();
                        return None;
                    }
                    Some(LinkCommand::SimulateDrop { .. }) => {}
                    Some(LinkCommand::Session(command)) if command.needs_live_link() => (self.sink)(TransportEvent::CommandRefused(
                        "the connection is down; reconnecting".into(),
                    )),
                    Some(command) => {
                        self.apply(command);
                        self.emit_events();
                    }
                },
                () = sleep_until_opt(wake_at) => {
                    self.session.handle_timeout(unix_now_ms());
                    self.emit_events();
                }
            }
        }
    }

    /// A datagram carries one framed message; only pointer positions are expected there.
    fn handle_datagram(&mut self, bytes: &[u8]) {
        let mut decoder = crate::protocol::FrameDecoder::new(256);
        decoder.push(bytes);
        // Anything but a pointer position on the datagram path is ignored: datagrams are
        // unordered and may be stale.
        if let Ok(Some(message @ Message::Cursor { .. })) = decoder.next_message::<Message>() {
            self.session.handle_message(unix_now_ms(), message);
        }
    }

    fn apply(&mut self, command: LinkCommand) {
        let result = match command {
            LinkCommand::Session(SessionCommand::RequestConsent(_)) if self.session.consent_settling() => {
                (self.sink)(TransportEvent::CommandRefused(
                    "the connection just came back; ask again in a moment".into(),
                ));
                return;
            }
            // Input outside control is no error: the protocol drops it (the view may lag).
            LinkCommand::Session(command @ SessionCommand::Input(_)) => {
                let _ = self.session.handle_command(unix_now_ms(), command);
                Ok(())
            }
            LinkCommand::Session(command) => self.session.handle_command(unix_now_ms(), command),
            LinkCommand::SendFrame(data) => {
                // Outside consent the frame never leaves: that is the point, not an error.
                if !self.session.screen_allowed() {
                    return;
                }
                self.next_frame_seq += 1;
                match self.session.send_frame(self.next_frame_seq, data) {
                    // A live update still on its way when the session switched to guidance-only:
                    // it never leaves, and that is no error to show the user.
                    Err(CommandError::NotNow(NotNowReason::NoStillAsked)) => {
                        self.next_frame_seq -= 1;
                        return;
                    }
                    other => other,
                }
            }
            LinkCommand::SetInputSink(sink) => {
                self.input_sink = Some(sink);
                Ok(())
            }
            LinkCommand::SimulateDrop { .. } => Ok(()),
        };
        if let Err(err) = result {
            (self.sink)(TransportEvent::CommandRefused(err.to_string()));
        }
    }

    /// Sends what is left (the End message, the survey's reply), then closes the connection.
    /// The side that sent last lets the peer close, so its message is not cut off: the user's
    /// side always (its survey reply, or "not asked", follows every normal end), the engineer's
    /// side when it ended first and expects nothing more.
    async fn close(&mut self, live: &mut Live) {
        let wait_for_peer = match self.session.role() {
            Role::Engineer => !self.ended_by_peer() && !self.session.survey_settled(),
            Role::User => true,
        };
        live.control.finish();
        if wait_for_peer {
            let _ = tokio::time::timeout(END_LINGER, live.connection.closed()).await;
        }
        live.connection.close(CLOSE_ENDED.into(), b"session ended");
    }

    fn ended_by_peer(&self) -> bool {
        self.session.ended_by_peer()
    }
}

/// Opens one stream per update in update order and writes it; each counts as in flight until
/// the peer has read all of it (`stopped`), watched off this task so writing never waits on it.
async fn write_frame_streams(
    connection: quinn::Connection,
    mut frames: mpsc::UnboundedReceiver<(u64, Vec<u8>, SentMark)>,
    status: Arc<LinkStatus>,
) {
    while let Some((seq, data, mark)) = frames.recv().await {
        let bytes = data.len();
        let written = async {
            let mut stream = connection.open_uni().await.ok()?;
            let _ = stream.set_priority(frame_priority(seq));
            stream.write_all(&seq.to_be_bytes()).await.ok()?;
            stream.write_all(&data).await.ok()?;
            stream.finish().ok()?;
            Some(stream)
        }
        .await;
        match written {
            Some(stream) => {
                let status = status.clone();
                let connection = connection.clone();
                tokio::spawn(async move {
                    let stopped = stream.stopped();
                    tokio::pin!(stopped);
                    let outcome = tokio::select! {
                        outcome = &mut stopped => outcome,
                        () = tokio::time::sleep(tail_probe_delay(connection.rtt())) => {
                            // Not acknowledged yet: a packet after the update's last one lets
                            // QUIC find a lost tail within about a round trip.
                            let _ = connection.send_datagram(bytes::Bytes::from_static(&TAIL_PROBE));
                            stopped.await
                        }
                    };
                    // `Ok(None)`: finished and every byte acknowledged.
                    status.frame_done(bytes, mark, matches!(outcome, Ok(None)));
                });
            }
            None => status.frame_done(bytes, mark, false),
        }
    }
}

/// The tail probe: a datagram the peer ignores (no message starts with this byte). Sent shortly
/// after an update's last bytes, it is the later packet whose acknowledgement makes QUIC declare
/// a lost last packet lost by time (about 9/8 of a round trip) rather than wait for its probe
/// timeout (a round trip, four deviations and the peer's 25 ms ACK delay, then one more trip).
const TAIL_PROBE: [u8; 1] = [0];

/// How long after an update's last bytes were handed to QUIC the tail probe goes: an eighth of
/// the round trip (so a lost tail is still found at 9/8 of it), within 2–25 ms.
fn tail_probe_delay(rtt: Duration) -> Duration {
    (rtt / 8).clamp(Duration::from_millis(2), Duration::from_millis(25))
}

/// The send priority of screen update `seq`: below the control stream's (0), so steps, arrows and
/// chat never wait behind a picture, and an older update before a newer one (a still's coarse
/// pass arrives whole before its exact pass; live deltas in order). Wraps after 2^30 updates.
fn frame_priority(seq: u64) -> i32 {
    -1 - i32::try_from(seq & 0x3FFF_FFFF).unwrap_or(0)
}

/// Reads the peer's frame streams one after the other, in the order they were opened.
async fn read_frame_streams(connection: quinn::Connection, frames: mpsc::Sender<(u64, Vec<u8>)>) {
    while let Ok(mut stream) = connection.accept_uni().await {
        let Ok(bytes) = stream.read_to_end(MAX_FRAME_BYTES + FRAME_HEADER_BYTES).await else {
            // A reset or oversized stream: skip it; the decoder will ask for a keyframe.
            continue;
        };
        let Some((header, data)) = bytes.split_first_chunk::<FRAME_HEADER_BYTES>() else { continue };
        if frames.send((u64::from_be_bytes(*header), data.to_vec())).await.is_err() {
            return;
        }
    }
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The tokio instant for a unix time in ms (protocol deadlines are wall-clock).
fn instant_for_unix_ms(at_ms: i64) -> Instant {
    let delta_ms = at_ms.saturating_sub(unix_now_ms()).max(0);
    Instant::now() + Duration::from_millis(u64::try_from(delta_ms).unwrap_or(0))
}

/// Resolves when the relay socket reports a change; never without a relay (or once it is gone).
async fn relay_changed(changes: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    match changes {
        Some(receiver) => {
            if receiver.changed().await.is_err() {
                *changes = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_probe_is_no_message_and_goes_an_eighth_of_a_round_trip_late() {
        let mut decoder = crate::protocol::FrameDecoder::new(256);
        decoder.push(&TAIL_PROBE);
        assert!(!matches!(decoder.next_message::<Message>(), Ok(Some(_))));
        assert_eq!(tail_probe_delay(Duration::from_millis(50)), Duration::from_micros(6_250));
        assert_eq!(tail_probe_delay(Duration::from_micros(400)), Duration::from_millis(2));
        assert_eq!(tail_probe_delay(Duration::from_secs(2)), Duration::from_millis(25));
    }
}
