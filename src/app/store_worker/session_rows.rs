//! Sessions and surveys as rows (see `store/sessions.rs`): a row when a session starts, its join
//! and end times, the user's exit survey with its timeline entry, and the summary drafted from
//! the transcript once the session ended.

use super::Worker;
use crate::model::{ActorKind, HistoryEntry, SessionFacts, SurveyOutcome, SurveyRecord, TicketId};
use crate::protocol::{SessionEvent, SurveyReply};
use crate::store::StoreResult;
use crate::store::desk::TicketDesk;
use crate::transport::TransportEvent;
use crate::ui::{SessionNotice, UiEvent};

impl Worker {
    /// Where sessions, surveys and recordings are kept: the team database when the console works
    /// on one (the ticket is the team's), else the console's own file.
    pub(super) fn desk(&mut self) -> Option<&mut dyn TicketDesk> {
        match (self.team.as_mut(), self.store.as_mut()) {
            (Some(team), _) => Some(&mut team.store),
            (None, Some(store)) => Some(store),
            (None, None) => None,
        }
    }

    /// The ticket's timeline, oldest first, from the database that holds the ticket.
    fn whole_history(&mut self, ticket_id: TicketId) -> StoreResult<Vec<HistoryEntry>> {
        match (self.team.as_mut(), self.store.as_ref()) {
            (Some(team), _) => team.store.desk_history_page(ticket_id, None, u32::MAX),
            (None, Some(store)) => store.history(ticket_id),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// A report on the team's tickets, with this console's own plain-word hints.
    pub(super) fn team_report(
        &mut self,
        query: &crate::model::report::ReportQuery,
    ) -> StoreResult<crate::model::report::Report> {
        let now = (self.clock)();
        let Some(team) = self.team.as_mut() else {
            return Err(crate::store::StoreError::Rule("there is no team desk".to_owned()));
        };
        let mut inputs = team.store.report_inputs(query)?;
        if let Some(store) = self.store.as_ref() {
            store.add_console_report_parts(query, &mut inputs)?;
        }
        Ok(crate::model::report::Report::compute(query, &inputs, now))
    }

    /// The open ticket as the views show it, read again (after a survey arrived).
    pub(super) fn reloaded_detail(&mut self, ticket_id: TicketId) -> Option<crate::ui::TicketDetail> {
        let now = (self.clock)();
        match (self.team.as_mut(), self.store.as_ref()) {
            (Some(team), _) => team.detail(ticket_id, now).ok(),
            (None, Some(store)) => super::detail(store, ticket_id).ok(),
            (None, None) => None,
        }
    }

    /// A session of `ticket_id` started: its row (a failure is logged; the transcript still
    /// records the session).
    pub(super) fn begin_session(&mut self, ticket_id: TicketId) {
        let now = (self.clock)();
        let actor = self.actor.clone();
        let Some(log) = self.desk() else { return };
        match log.log_session_start(ticket_id, &actor, now) {
            Ok(id) => {
                self.sessions.insert(ticket_id, (id, None));
            }
            Err(err) => tracing::warn!(ticket_id = ticket_id.0, "cannot record the session's row: {err}"),
        }
    }

    /// Keeps the session's row up to date. Returns whether the event was taken care of here (the
    /// survey, stored with its own timeline entry) rather than by the transcript.
    pub(super) fn session_row_event(&mut self, ticket_id: TicketId, event: &TransportEvent) -> bool {
        let now = (self.clock)();
        let Some((session_id, ended_at)) = self.sessions.get(&ticket_id).copied() else { return false };
        let outcome = match event {
            TransportEvent::Paired => {
                let Some(log) = self.desk() else { return false };
                if let Err(err) = log.log_session_joined(session_id, now) {
                    tracing::warn!(ticket_id = ticket_id.0, "cannot record the join time: {err}");
                }
                return false;
            }
            TransportEvent::Session(SessionEvent::Ended { reason, .. }) => {
                let Some(log) = self.desk() else { return false };
                if let Err(err) = log.log_session_end(session_id, reason.as_str(), now) {
                    tracing::warn!(ticket_id = ticket_id.0, "cannot record the end time: {err}");
                }
                self.sessions.insert(ticket_id, (session_id, Some(now)));
                return false;
            }
            TransportEvent::Session(SessionEvent::SurveyReplied(reply)) => match reply {
                SurveyReply::Answered(answers) => SurveyOutcome::Answered(answers.clone()),
                SurveyReply::NotAsked => return true,
                other => SurveyOutcome::NotAnswered { reason: other.not_answered_reason().unwrap_or("closed").into() },
            },
            TransportEvent::Session(SessionEvent::SurveyLost) => SurveyOutcome::NotAnswered { reason: "lost".into() },
            _ => return false,
        };
        let survey =
            SurveyRecord { session_id, ticket_id, asked_at_ms: ended_at.unwrap_or(now), settled_at_ms: now, outcome };
        let user = self.peer_names.get(&ticket_id).cloned().unwrap_or_default();
        let Some(log) = self.desk() else { return false };
        match log.log_survey(&survey, &user) {
            Ok(seq) => {
                let event = match &survey.outcome {
                    SurveyOutcome::Answered(answers) => crate::model::TimelineEvent::SurveyAnswered(answers.clone()),
                    SurveyOutcome::NotAnswered { reason } => {
                        crate::model::TimelineEvent::SurveyNotAnswered { reason: reason.clone() }
                    }
                };
                let actor_kind = event.default_actor_kind();
                let actor = if actor_kind == ActorKind::System { ActorKind::System.as_str().to_owned() } else { user };
                let entry = HistoryEntry { seq, at_ms: now, actor, actor_kind, event, imported: None };
                self.emit(UiEvent::HistoryAppended { ticket_id, entry });
                // The ticket shows the user's own rating beside the engineer's.
                if let Some(detail) = self.reloaded_detail(ticket_id) {
                    self.emit(UiEvent::TicketLoaded { detail, created: false, changed: false });
                }
            }
            Err(err) => {
                tracing::error!(ticket_id = ticket_id.0, "cannot save the user's survey: {err}");
                self.emit(UiEvent::TranscriptWriteFailed { ticket_id, kind: "survey".into(), reason: err.to_string() });
            }
        }
        if let TransportEvent::Session(event) = event {
            self.emit(UiEvent::Session { ticket_id, notice: SessionNotice::Event(event.clone()) });
        }
        true
    }

    /// The session ended and its end is written: draft its summary from the transcript.
    pub(super) fn draft_summary(&mut self, ticket_id: TicketId) {
        let history = match self.whole_history(ticket_id) {
            Ok(history) => history,
            Err(err) => return tracing::warn!(ticket_id = ticket_id.0, "cannot draft the summary: {err}"),
        };
        if let Some(facts) = SessionFacts::of_last_session(history.iter().map(|entry| (entry.at_ms, &entry.event))) {
            self.emit(UiEvent::Session { ticket_id, notice: SessionNotice::SummaryDrafted(facts) });
        }
    }
}
