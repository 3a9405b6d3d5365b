//! What the engineer has not seen yet and how each session stands at a glance: the state badge
//! of a session tab, and the "new since you looked" counts behind the tab's dot and the window
//! title. Pure bookkeeping; nothing here draws.

use std::collections::HashMap;

use crate::model::TicketId;
use crate::protocol::{ConsentState, Role, SessionEvent};

use super::super::i18n::Text;
use super::model::{LinkPhase, RemoteSessionView, SessionNotice};

/// A session reconnecting for longer than this shows as "not responding".
pub const NOT_RESPONDING_AFTER_MS: i64 = 10_000;

/// How one session stands, in a word on its tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionBadge {
    /// Code issued (or being issued); nobody joined yet.
    Waiting,
    /// The user joined; the screen is not shared (yet, or any more).
    Connected,
    /// The screen is shared now.
    Live,
    /// The screen may be seen, in guidance-only mode: stills on request, no moving picture.
    Stills,
    /// The user paused sharing.
    Paused,
    /// The link dropped; waiting for it to come back.
    Reconnecting,
    /// The link has been gone for longer than [`NOT_RESPONDING_AFTER_MS`].
    NotResponding,
    /// On hold: nothing is shared until the transcript can be written again.
    Held,
}

impl SessionBadge {
    /// The badge of `session`; `reconnecting_for_ms` is how long it has been reconnecting.
    pub fn of(session: &RemoteSessionView, reconnecting_for_ms: Option<i64>) -> Self {
        match session.phase {
            LinkPhase::Starting | LinkPhase::Waiting | LinkPhase::CodeUnusable(_) => Self::Waiting,
            LinkPhase::Reconnecting if reconnecting_for_ms.is_some_and(|ms| ms >= NOT_RESPONDING_AFTER_MS) => {
                Self::NotResponding
            }
            LinkPhase::Reconnecting => Self::Reconnecting,
            _ if session.held.is_some() => Self::Held,
            _ => match &session.consent {
                ConsentState::Granted { scopes, paused: false } if scopes.view => match session.guidance.mode {
                    crate::protocol::SessionMode::GuidanceOnly => Self::Stills,
                    crate::protocol::SessionMode::Live => Self::Live,
                },
                ConsentState::Granted { paused: true, .. } => Self::Paused,
                _ => Self::Connected,
            },
        }
    }

    /// Its word.
    pub fn text(self) -> Text {
        match self {
            Self::Waiting => Text::BadgeWaiting,
            Self::Connected => Text::BadgeConnected,
            Self::Live => Text::BadgeLive,
            Self::Stills => Text::BadgeStills,
            Self::Paused => Text::BadgePaused,
            Self::Reconnecting => Text::BadgeReconnecting,
            Self::NotResponding => Text::BadgeNotResponding,
            Self::Held => Text::BadgeHeld,
        }
    }

    /// Whether it asks for attention (shown in the warning colour).
    pub fn is_warning(self) -> bool {
        matches!(self, Self::Paused | Self::Reconnecting | Self::NotResponding | Self::Held)
    }
}

/// Which part of a session the engineer could see in the last frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Looking {
    /// The ticket page with the whole session panel (steps and chat both visible).
    Everything,
    /// The workspace with this side tab.
    Tab(SideTab),
}

/// The tabs of the workspace's right-hand column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SideTab {
    /// The guided steps.
    #[default]
    Steps,
    /// The chat.
    Chat,
    /// The session's transcript, live.
    Transcript,
}

/// What happened in one session since the engineer last looked at it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unseen {
    /// The user joined.
    pub joined: bool,
    /// Chat lines from the user.
    pub chat: u32,
    /// Step answers.
    pub answers: u32,
}

impl Unseen {
    /// How many things, for the tab's dot and the window title.
    pub fn total(&self) -> u32 {
        u32::from(self.joined) + self.chat + self.answers
    }

    /// Whether the notice is news the engineer should be told of, and counts it.
    fn count(&mut self, notice: &SessionNotice) -> bool {
        match notice {
            SessionNotice::Paired => self.joined = true,
            SessionNotice::Event(SessionEvent::Chat { from: Role::User, .. }) => self.chat += 1,
            SessionNotice::Event(SessionEvent::StepAnswered { .. }) => self.answers += 1,
            _ => return false,
        }
        true
    }

    /// Forgets what `looking` shows.
    fn seen(&mut self, looking: Looking) {
        self.joined = false;
        match looking {
            Looking::Everything => {
                self.chat = 0;
                self.answers = 0;
            }
            Looking::Tab(SideTab::Chat) => self.chat = 0,
            Looking::Tab(SideTab::Steps) => self.answers = 0,
            Looking::Tab(SideTab::Transcript) => {
                // The transcript lists chat and answers too.
                self.chat = 0;
                self.answers = 0;
            }
        }
    }
}

/// The unseen news of every session, and what the engineer is looking at.
#[derive(Debug, Default)]
pub struct Attention {
    unseen: HashMap<TicketId, Unseen>,
    /// What was visible in the last frame, per ticket (the main window and a popped-out one).
    looking: Vec<(TicketId, Looking)>,
    /// Whether a window of the console had the keyboard focus in the last frame.
    focused: bool,
    /// When each reconnecting session lost its link, unix ms.
    reconnecting_since_ms: HashMap<TicketId, i64>,
}

impl Attention {
    /// Counts a notice for `ticket_id` unless the engineer is looking at that part right now.
    pub fn notice(&mut self, ticket_id: TicketId, notice: &SessionNotice, now_ms: i64) {
        match notice {
            SessionNotice::Event(SessionEvent::Disconnected) => {
                self.reconnecting_since_ms.entry(ticket_id).or_insert(now_ms);
            }
            SessionNotice::Event(SessionEvent::Reconnected { .. } | SessionEvent::Ended { .. })
            | SessionNotice::Closed => {
                self.reconnecting_since_ms.remove(&ticket_id);
            }
            _ => {}
        }
        let unseen = self.unseen.entry(ticket_id).or_default();
        if unseen.count(notice) && self.focused {
            for (looked_at, looking) in &self.looking {
                if *looked_at == ticket_id {
                    unseen.seen(*looking);
                }
            }
        }
    }

    /// Starts a frame: nothing is visible until [`Attention::looking_at`] says so.
    pub fn begin_frame(&mut self, focused: bool) {
        self.looking.clear();
        self.focused = focused;
    }

    /// The engineer can see `looking` of the session of `ticket_id` in this frame.
    pub fn looking_at(&mut self, ticket_id: TicketId, looking: Looking) {
        self.looking.push((ticket_id, looking));
        if self.focused
            && let Some(unseen) = self.unseen.get_mut(&ticket_id)
        {
            unseen.seen(looking);
        }
    }

    /// What is unseen in the session of `ticket_id`.
    pub fn unseen(&self, ticket_id: TicketId) -> Unseen {
        self.unseen.get(&ticket_id).copied().unwrap_or_default()
    }

    /// Everything unseen, over all sessions.
    pub fn total(&self) -> u32 {
        self.unseen.values().map(Unseen::total).sum()
    }

    /// How long the session of `ticket_id` has been reconnecting, if it is.
    pub fn reconnecting_for_ms(&self, ticket_id: TicketId, now_ms: i64) -> Option<i64> {
        self.reconnecting_since_ms.get(&ticket_id).map(|since_ms| now_ms - since_ms)
    }

    /// Forgets a session that is gone.
    pub fn forget(&mut self, ticket_id: TicketId) {
        self.unseen.remove(&ticket_id);
        self.reconnecting_since_ms.remove(&ticket_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Scopes, SessionMode, StepOutcome};
    use crate::ui::i18n::Lang;

    fn chat() -> SessionNotice {
        SessionNotice::Event(SessionEvent::Chat { from: Role::User, id: 1, at_ms: 0, text: "hi".into() })
    }

    fn answer() -> SessionNotice {
        SessionNotice::Event(SessionEvent::StepAnswered {
            step_id: 1,
            outcome: StepOutcome::Done,
            comment: String::new(),
            seconds: 3,
        })
    }

    #[test]
    fn news_elsewhere_is_counted_and_cleared_when_looked_at() {
        let (ticket, other) = (TicketId(1), TicketId(2));
        let mut attention = Attention::default();
        attention.begin_frame(true);
        attention.looking_at(other, Looking::Everything);
        attention.notice(ticket, &SessionNotice::Paired, 0);
        attention.notice(ticket, &chat(), 0);
        attention.notice(ticket, &answer(), 0);
        assert_eq!(attention.unseen(ticket), Unseen { joined: true, chat: 1, answers: 1 });
        assert_eq!(attention.total(), 3);
        // The workspace on the Steps tab: the answer is seen, the chat line is not.
        attention.begin_frame(true);
        attention.looking_at(ticket, Looking::Tab(SideTab::Steps));
        assert_eq!(attention.unseen(ticket), Unseen { joined: false, chat: 1, answers: 0 });
        attention.begin_frame(true);
        attention.looking_at(ticket, Looking::Tab(SideTab::Chat));
        assert_eq!(attention.total(), 0);
    }

    #[test]
    fn news_on_the_visible_tab_of_a_focused_window_is_not_counted() {
        let ticket = TicketId(1);
        let mut attention = Attention::default();
        attention.begin_frame(true);
        attention.looking_at(ticket, Looking::Tab(SideTab::Chat));
        attention.notice(ticket, &chat(), 0);
        assert_eq!(attention.total(), 0);
        attention.notice(ticket, &answer(), 0);
        assert_eq!(attention.unseen(ticket).answers, 1, "the Steps tab is not the one shown");
        // Another application has the focus: even the visible tab counts as unseen.
        attention.begin_frame(false);
        attention.looking_at(ticket, Looking::Tab(SideTab::Chat));
        attention.notice(ticket, &chat(), 0);
        assert_eq!(attention.unseen(ticket).chat, 1);
    }

    #[test]
    fn the_engineers_own_lines_are_not_news() {
        let mut attention = Attention::default();
        let own = SessionNotice::Event(SessionEvent::Chat { from: Role::Engineer, id: 1, at_ms: 0, text: "x".into() });
        attention.notice(TicketId(1), &own, 0);
        attention.notice(TicketId(1), &SessionNotice::Event(SessionEvent::SharingPaused), 0);
        assert_eq!(attention.total(), 0);
    }

    #[test]
    fn a_long_reconnect_reads_not_responding() {
        let ticket = TicketId(1);
        let mut attention = Attention::default();
        let mut session = RemoteSessionView::starting();
        assert_eq!(SessionBadge::of(&session, None), SessionBadge::Waiting);
        session.phase = LinkPhase::Connected;
        assert_eq!(SessionBadge::of(&session, None), SessionBadge::Connected);
        session.phase = LinkPhase::Reconnecting;
        attention.notice(ticket, &SessionNotice::Event(SessionEvent::Disconnected), 1_000);
        let badge =
            |attention: &Attention, now_ms| SessionBadge::of(&session, attention.reconnecting_for_ms(ticket, now_ms));
        assert_eq!(badge(&attention, 5_000), SessionBadge::Reconnecting);
        assert_eq!(badge(&attention, 1_000 + NOT_RESPONDING_AFTER_MS), SessionBadge::NotResponding);
        attention.notice(ticket, &SessionNotice::Event(SessionEvent::Reconnected { gap_ms: 12_000 }), 13_000);
        assert_eq!(attention.reconnecting_for_ms(ticket, 20_000), None);
    }

    #[test]
    fn guidance_only_reads_stills_not_live() {
        let mut session = RemoteSessionView::starting();
        session.phase = LinkPhase::Connected;
        session.consent = ConsentState::Granted { scopes: Scopes { view: true, ..Scopes::default() }, paused: false };
        assert_eq!(SessionBadge::of(&session, None), SessionBadge::Live);
        session.guidance.apply(&SessionEvent::ModeChanged { mode: SessionMode::GuidanceOnly, by: Role::User });
        assert_eq!(SessionBadge::of(&session, None), SessionBadge::Stills);
        assert_eq!(SessionBadge::Stills.text().get(Lang::Zh), "仅静态画面");
    }
}
