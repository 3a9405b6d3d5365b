//! Two protocol peers driven against each other in memory on a simulated clock (the quinn
//! `Pair` idea), shared by the consent and the remote control tests.

#![allow(dead_code)]

use std::collections::VecDeque;

use stepwise::app::transcript::transcript_entry;
use stepwise::protocol::{
    ConsentRequest, FrameDecoder, InputEvent, MAX_CONTROL_MESSAGE_BYTES, Message, ReceivedFrame, Role, Scopes, Session,
    SessionEvent, encode_frame,
};
use stepwise::transport::TransportEvent;

/// Two sessions joined by in-memory links with a one-way latency.
pub struct Pair {
    pub now_ms: i64,
    pub latency_ms: i64,
    pub engineer: Session,
    pub user: Session,
    pub to_user: VecDeque<(i64, Vec<u8>)>,
    pub to_engineer: VecDeque<(i64, Vec<u8>)>,
    /// Screen updates on their way (each on a stream of its own in the real link, read in
    /// order): (arrival, seq, data).
    pub screens_to_engineer: VecDeque<(i64, u64, Vec<u8>)>,
    /// How much later than control messages screen updates arrive, ms: a pause or a stop may
    /// overtake updates sent before it, as on the real link.
    pub screen_lag_ms: i64,
    pub user_decoder: FrameDecoder,
    pub engineer_decoder: FrameDecoder,
    pub engineer_events: Vec<SessionEvent>,
    /// The screen updates the engineer's side handed out, each with the number of its events
    /// before it (the order in which the real driver hands both out).
    pub engineer_frames: Vec<(usize, ReceivedFrame)>,
    pub user_events: Vec<SessionEvent>,
    /// The input the user's side handed out to be applied: (time, number of its events
    /// before it, the event), in the order the real driver hands both out.
    pub user_inputs: Vec<(i64, usize, InputEvent)>,
    pub link_up: bool,
}

impl Pair {
    pub fn new(latency_ms: i64) -> Self {
        Self {
            now_ms: 1_000_000,
            latency_ms,
            engineer: Session::new(Role::Engineer, "陈伟", 1_000_000),
            user: Session::new(Role::User, "王丽", 1_000_000),
            to_user: VecDeque::new(),
            to_engineer: VecDeque::new(),
            screens_to_engineer: VecDeque::new(),
            screen_lag_ms: 0,
            user_decoder: FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES),
            engineer_decoder: FrameDecoder::new(MAX_CONTROL_MESSAGE_BYTES),
            engineer_events: Vec::new(),
            engineer_frames: Vec::new(),
            user_events: Vec::new(),
            user_inputs: Vec::new(),
            link_up: true,
        }
    }

    /// Puts what both sides have to send on the link, without moving the clock; `true` when
    /// anything went out.
    pub fn transmit(&mut self) -> bool {
        let mut progressed = false;
        while let Some(message) = self.engineer.poll_transmit(self.now_ms) {
            if self.link_up {
                self.to_user.push_back((self.now_ms + self.latency_ms, encode_frame(&message).unwrap()));
            }
            progressed = true;
        }
        while let Some(message) = self.user.poll_transmit(self.now_ms) {
            if self.link_up {
                self.to_engineer.push_back((self.now_ms + self.latency_ms, encode_frame(&message).unwrap()));
            }
            progressed = true;
        }
        // Screen updates travel on their own streams, possibly behind the control stream.
        while let Some((seq, data)) = self.user.poll_frame() {
            if self.link_up {
                let arrival = self.now_ms + self.latency_ms + self.screen_lag_ms;
                self.screens_to_engineer.push_back((arrival, seq, data));
            }
            progressed = true;
        }
        progressed
    }

    /// Moves everything until both sides are idle; bounded so a livelock fails the test.
    pub fn drive(&mut self) {
        for _ in 0..1_000 {
            let mut progressed = self.transmit();
            let next_arrival = [
                self.to_user.front().map(|m| m.0),
                self.to_engineer.front().map(|m| m.0),
                self.screens_to_engineer.front().map(|m| m.0),
            ]
            .into_iter()
            .flatten()
            .min();
            if let Some(at) = next_arrival {
                self.now_ms = self.now_ms.max(at);
                while self.to_user.front().is_some_and(|m| m.0 <= self.now_ms) {
                    let (_, bytes) = self.to_user.pop_front().unwrap();
                    self.user_decoder.push(&bytes);
                    while let Some(message) =
                        self.user_decoder.next_message::<Message>().expect("a frame from the peer decodes")
                    {
                        self.user.handle_message(self.now_ms, message);
                        self.collect_user_output();
                    }
                }
                // Whichever arrived first, control message or screen update, is handled first.
                loop {
                    let control_at = self.to_engineer.front().map(|m| m.0).filter(|at| *at <= self.now_ms);
                    let screen_at = self.screens_to_engineer.front().map(|m| m.0).filter(|at| *at <= self.now_ms);
                    match (control_at, screen_at) {
                        (Some(control), screen) if screen.is_none_or(|screen| control <= screen) => {
                            let (_, bytes) = self.to_engineer.pop_front().unwrap();
                            self.engineer_decoder.push(&bytes);
                            while let Some(message) =
                                self.engineer_decoder.next_message::<Message>().expect("a frame from the peer decodes")
                            {
                                self.engineer.handle_message(self.now_ms, message);
                                self.collect_engineer_output();
                            }
                        }
                        (_, Some(_)) => {
                            let (_, seq, data) = self.screens_to_engineer.pop_front().unwrap();
                            self.engineer.handle_frame(self.now_ms, seq, data);
                            self.collect_engineer_output();
                        }
                        (_, None) => break,
                    }
                }
                progressed = true;
            }
            self.collect_engineer_output();
            self.collect_user_output();
            if !progressed {
                return;
            }
        }
        panic!("the pair did not settle: livelock");
    }

    /// The network goes: what is in flight is lost, and both sides notice at once.
    pub fn cut_link(&mut self) {
        self.link_up = false;
        self.to_user.clear();
        self.to_engineer.clear();
        self.screens_to_engineer.clear();
        self.user.handle_disconnect(self.now_ms);
        self.engineer.handle_disconnect(self.now_ms);
    }

    /// The network is back and both sides resume.
    pub fn restore_link(&mut self) {
        self.link_up = true;
        self.user.handle_reconnect(self.now_ms);
        self.engineer.handle_reconnect(self.now_ms);
    }

    /// Takes what the user's side hands out after one input, as the real driver does: input to
    /// apply, then events.
    pub fn collect_user_output(&mut self) {
        while let Some(input) = self.user.poll_input(self.now_ms) {
            self.user_inputs.push((self.now_ms, self.user_events.len(), input));
        }
        while let Some(event) = self.user.poll_event() {
            self.user_events.push(event);
        }
    }

    /// Takes what the engineer's side hands out after one input, as the real driver does:
    /// accepted screen updates, then events.
    pub fn collect_engineer_output(&mut self) {
        while let Some(frame) = self.engineer.poll_received_frame() {
            self.engineer_frames.push((self.engineer_events.len(), frame));
        }
        while let Some(event) = self.engineer.poll_event() {
            self.engineer_events.push(event);
        }
    }

    /// Runs the clock `ms` forward, firing every timer on the way; bounded so a timer that
    /// never moves on fails the test instead of hanging it.
    pub fn advance(&mut self, ms: i64) {
        let until = self.now_ms + ms;
        let mut timers_fired = 0;
        while let Some(deadline) =
            [self.engineer.poll_timeout(), self.user.poll_timeout()].into_iter().flatten().min().filter(|d| *d <= until)
        {
            timers_fired += 1;
            assert!(timers_fired < 100_000, "a timer fires again and again at {deadline}: livelock");
            self.now_ms = deadline.max(self.now_ms);
            self.engineer.handle_timeout(self.now_ms);
            self.user.handle_timeout(self.now_ms);
            self.drive();
        }
        self.now_ms = until;
        self.drive();
    }

    /// Runs `ms` of simulated time with a transport like the real one around both sessions: a
    /// side that noticed a drop closes its connection (the other side hears of the close when
    /// the network carries it); while the network is up, the user's side resumes on a fresh
    /// connection at once, which the engineer accepts even if it had not noticed the drop yet.
    /// The engineer refusing a resume (its window ran out) ends the user's side too.
    pub fn run_transport(&mut self, ms: i64) {
        const TICK_MS: i64 = 50;
        let until = self.now_ms + ms;
        while self.now_ms < until {
            self.advance(TICK_MS.min(until - self.now_ms));
            if !self.link_up {
                continue;
            }
            let now_ms = self.now_ms;
            if self.engineer.ended().is_none() && !self.engineer.is_connected() && self.user.is_connected() {
                // The engineer's close reaches the user.
                self.user.handle_disconnect(now_ms);
            }
            if self.user.ended().is_none() && !self.user.is_connected() {
                self.to_user.clear();
                self.to_engineer.clear();
                self.screens_to_engineer.clear();
                if self.engineer.ended().is_some() {
                    self.user.handle_reconnect_expired();
                } else {
                    self.engineer.handle_disconnect(now_ms);
                    self.engineer.handle_reconnect(now_ms);
                    self.user.handle_reconnect(now_ms);
                }
            }
            self.drive();
        }
    }

    /// The link events (and consent changes) each side recorded, as transcript entry names.
    pub fn transcript(events: &[SessionEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|event| transcript_entry(&TransportEvent::Session(event.clone())))
            .map(|entry| entry.event.kind())
            .filter(|kind| kind != "chat")
            .collect()
    }

    pub fn frames_received(&self) -> usize {
        self.engineer_frames.len()
    }
}

pub fn request() -> ConsentRequest {
    ConsentRequest {
        engineer_name: "陈伟".into(),
        team: "IT 服务台".into(),
        ticket_number: "T-20261125-0001".into(),
        ticket_title: "打印机脱机".into(),
        purpose: "查看打印队列".into(),
        suggested: Scopes::default(),
    }
}
