//! Sample tickets shipped in `assets/sample-tickets.json` (Chinese and English), loaded into an
//! empty store on request with ages, states and timelines that make the SLA view meaningful.

use serde::Deserialize;

use super::history::append_as;
use super::tickets::{insert_record, next_number};
use super::{Store, StoreError, StoreResult};
use crate::model::{
    ActorKind, Category, Grade, Priority, SlaClock, Status, Ticket, TicketFields, TicketId, TimelineEvent,
};

/// The shipped sample file.
pub const SAMPLE_TICKETS_JSON: &str = include_str!("../../assets/sample-tickets.json");

const MS_PER_MINUTE: i64 = 60_000;

#[derive(Deserialize)]
struct SampleTicket {
    #[serde(flatten)]
    fields: TicketFields,
    category: Category,
    urgency: Grade,
    impact: Grade,
    age_minutes: i64,
    status: Status,
    assignee: Option<String>,
    tier: i64,
    escalation_reason: Option<String>,
    notes: Vec<String>,
    resolution: Option<String>,
    satisfaction: Option<i64>,
    satisfaction_comment: Option<String>,
}

/// The path a sample takes through the workflow, with the share of its age at which each move
/// happened.
fn workflow_path(status: Status) -> &'static [(Status, i64)] {
    use Status::*;
    match status {
        New => &[],
        Assigned => &[(Assigned, 10)],
        InProgress => &[(Assigned, 5), (InProgress, 15)],
        WaitingOnUser => &[(Assigned, 5), (InProgress, 15), (WaitingOnUser, 60)],
        Resolved => &[(Assigned, 5), (InProgress, 10), (Resolved, 70)],
        Closed => &[(Assigned, 5), (InProgress, 10), (Resolved, 50), (Closed, 80)],
    }
}

impl Store {
    /// Loads the shipped sample tickets, aged relative to `now_ms`; returns how many.
    pub fn load_sample_tickets(&mut self, now_ms: i64) -> StoreResult<usize> {
        let samples: Vec<SampleTicket> = serde_json::from_str(SAMPLE_TICKETS_JSON)
            .map_err(|err| StoreError::Import(format!("the sample file is damaged: {err}")))?;
        let policy = self.policy;
        self.write(|tx| {
            for sample in &samples {
                let created_at_ms = now_ms - sample.age_minutes.clamp(0, 365 * 24 * 60) * MS_PER_MINUTE;
                let priority = Priority::from_grades(sample.urgency, sample.impact);
                let mut ticket = Ticket {
                    id: TicketId(0),
                    number: next_number(tx, created_at_ms)?,
                    fields: sample.fields.clone(),
                    category: sample.category,
                    urgency: sample.urgency,
                    impact: sample.impact,
                    priority,
                    status: sample.status,
                    assignee: sample.assignee.clone(),
                    tier: sample.tier.clamp(1, crate::model::MAX_TIER),
                    resolution: sample.resolution.clone().unwrap_or_default(),
                    satisfaction: sample.satisfaction.filter(|rating| (1..=5).contains(rating)),
                    satisfaction_comment: sample.satisfaction_comment.clone().unwrap_or_default(),
                    reported_at_ms: created_at_ms - 5 * MS_PER_MINUTE,
                    created_at_ms,
                    updated_at_ms: created_at_ms,
                    sla: SlaClock::start(created_at_ms, &policy, priority),
                };
                let age_ms = now_ms - created_at_ms;
                let mut moves = Vec::new();
                let mut from = Status::New;
                for &(to, percent) in workflow_path(sample.status) {
                    let at_ms = created_at_ms + age_ms * percent / 100;
                    ticket.sla.on_status(to, at_ms);
                    ticket.updated_at_ms = at_ms;
                    moves.push((from, to, at_ms));
                    from = to;
                }
                ticket.id = insert_record(tx, &ticket, &policy)?;
                let engineer = sample.assignee.as_deref().unwrap_or("Service desk");
                // The intake (not a person) opens and routes the samples; a name would stay
                // English in every language, the system's kind is translated.
                let intake = (ActorKind::System, ActorKind::System.as_str());
                let mover = match sample.assignee.as_deref() {
                    Some(name) => (ActorKind::Engineer, name),
                    None => intake,
                };
                // Collected first and appended in time order: the timeline reads as it happened.
                let mut timeline: Vec<(i64, (ActorKind, &str), TimelineEvent)> = Vec::new();
                let created =
                    TimelineEvent::Created { number: ticket.number.clone(), priority, category: ticket.category };
                timeline.push((created_at_ms, intake, created));
                for (index, (from, to, at_ms)) in moves.iter().enumerate() {
                    if index == 0 {
                        let assigned = TimelineEvent::AssigneeChanged { from: None, to: Some(engineer.to_owned()) };
                        timeline.push((*at_ms, intake, assigned));
                    }
                    timeline.push((*at_ms, mover, TimelineEvent::StatusChanged { from: *from, to: *to }));
                }
                let mid_ms = created_at_ms + age_ms / 3;
                if let (Some(reason), true) = (&sample.escalation_reason, ticket.tier > 1) {
                    let escalated = TimelineEvent::Escalated {
                        from_tier: ticket.tier - 1,
                        to_tier: ticket.tier,
                        reason: reason.clone(),
                    };
                    timeline.push((mid_ms, mover, escalated));
                }
                for (index, note) in sample.notes.iter().enumerate() {
                    // A minute apart, never later than now.
                    let at_ms = (mid_ms + index as i64 * MS_PER_MINUTE).min(now_ms);
                    tx.execute(
                        "INSERT INTO ticket_notes (ticket_id, at_ms, author, body) VALUES (?1, ?2, ?3, ?4)",
                        rusqlite::params![ticket.id.0, at_ms, engineer, note],
                    )?;
                    timeline.push((at_ms, mover, TimelineEvent::NoteAdded { text: note.clone() }));
                }
                if !ticket.resolution.is_empty() {
                    let at_ms = moves.iter().find(|m| m.1 == Status::Resolved).map_or(now_ms, |m| m.2);
                    timeline.push((at_ms - 1, mover, TimelineEvent::ResolutionSet { text: ticket.resolution.clone() }));
                }
                if let Some(rating) = ticket.satisfaction {
                    let rated =
                        TimelineEvent::SatisfactionRecorded { rating, comment: ticket.satisfaction_comment.clone() };
                    let by = (rated.default_actor_kind(), ticket.fields.requester_name.as_str());
                    timeline.push((ticket.updated_at_ms, by, rated));
                }
                // Stable: events at the same moment keep the order they were listed in.
                timeline.sort_by_key(|(at_ms, ..)| *at_ms);
                for (at_ms, actor, event) in &timeline {
                    append_as(tx, ticket.id, *at_ms, *actor, event)?;
                }
                super::tickets::refresh_search(tx, ticket.id)?;
            }
            Ok(samples.len())
        })
    }
}

/// A valid new-ticket form for tests.
#[cfg(test)]
pub(crate) fn tests_new_ticket(title: &str) -> crate::model::NewTicket {
    crate::model::NewTicket {
        fields: TicketFields {
            title: title.to_owned(),
            requester_name: "Test Requester".to_owned(),
            description: "Something is broken".to_owned(),
            ..TicketFields::default()
        },
        category: Category::Software,
        urgency: Grade::Medium,
        impact: Grade::Medium,
        reported_at_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_800_000_000_000;

    #[test]
    fn every_sample_tickets_timeline_is_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let count = store.load_sample_tickets(NOW_MS).unwrap();
        let ids: Vec<i64> = {
            let mut statement = store.conn.prepare("SELECT id FROM tickets ORDER BY id").unwrap();
            statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(ids.len(), count);
        for id in ids {
            let history = store.history(TicketId(id)).unwrap();
            assert_eq!(history.first().map(|entry| entry.event.kind()), Some("created".to_owned()), "ticket {id}");
            let times: Vec<i64> = history.iter().map(|entry| entry.at_ms).collect();
            assert!(
                times.is_sorted(),
                "ticket {id}: {:?}",
                history.iter().map(|e| (e.at_ms, e.event.kind())).collect::<Vec<_>>()
            );
            assert!(times.iter().all(|at_ms| *at_ms <= NOW_MS), "ticket {id} has an entry in the future: {times:?}");
        }
    }

    #[test]
    fn samples_are_opened_by_the_system_not_by_an_english_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let count = store.load_sample_tickets(1_795_424_400_000).unwrap();
        for ticket_id in 1..=i64::try_from(count).unwrap() {
            for entry in store.history(TicketId(ticket_id)).unwrap() {
                assert_ne!(entry.actor, "Service desk", "{entry:?}");
                if let TimelineEvent::Created { .. } = entry.event {
                    assert_eq!(entry.actor_kind, ActorKind::System, "{entry:?}");
                }
            }
        }
    }
}
