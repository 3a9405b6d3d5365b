//! The ticket workflow's rules as pure functions: a change applied to a ticket at a time by an
//! actor yields the ticket's new state and its timeline events, or the rule that refused it.

use super::ids::TicketId;
use super::sla::{SlaClock, SlaPolicy};
use super::ticket::{Category, FieldError, Grade, MAX_LINE_CHARS, NewTicket, Priority, Status, Ticket, TicketFields};
use super::timeline::TimelineEvent;

/// A workflow rule that refused a change to a ticket: a code the UI translates (the English text
/// is for logs and the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TicketRule {
    /// "Assigned" without an assignee.
    #[error("choose an assignee before marking the ticket assigned")]
    AssigneeBeforeAssigned,
    /// "Resolved" without a resolution.
    #[error("write the resolution before resolving the ticket")]
    ResolutionBeforeResolved,
    /// Removing the assignee of an assigned ticket.
    #[error("an assigned ticket needs an assignee; move it back to new first")]
    AssignedNeedsAssignee,
    /// Escalating beyond the highest tier.
    #[error("the ticket is already at the highest tier ({max_tier})")]
    HighestTier {
        /// The highest tier.
        max_tier: i64,
    },
    /// Escalating a closed or resolved ticket.
    #[error("reopen the ticket before escalating it")]
    ReopenBeforeEscalating,
    /// Changing the resolution of a resolved ticket.
    #[error("a resolved ticket keeps its resolution; reopen it first")]
    ResolutionKept,
    /// A rating outside 1..=5.
    #[error("a satisfaction rating is 1 to 5, not {rating}")]
    RatingOutOfRange {
        /// The rating given.
        rating: i64,
    },
    /// A rating before the ticket is resolved.
    #[error("ask for a rating once the ticket is resolved")]
    RatingBeforeResolved,
}

/// Highest support tier.
pub const MAX_TIER: i64 = 3;
/// Longest note, resolution, escalation reason or rating comment, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// Why a change to a ticket was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The form or edit has invalid fields.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<FieldError>),
    /// The status move is not part of the workflow.
    #[error("a ticket cannot move from {} to {}", .from.as_str(), .to.as_str())]
    InvalidTransition {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
    },
    /// A workflow rule refused the change.
    #[error("{0}")]
    Rule(#[from] TicketRule),
}

/// One change an engineer makes to a ticket.
#[derive(Clone, Debug, PartialEq)]
pub enum TicketChange {
    /// New intake fields (one `field_changed` per changed field).
    Fields(Box<TicketFields>),
    /// Category, urgency and impact (the priority and SLA targets follow).
    Classification {
        /// Technical area.
        category: Category,
        /// How urgent.
        urgency: Grade,
        /// How wide the impact.
        impact: Grade,
    },
    /// A workflow move.
    Status(Status),
    /// Set or clear the assignee.
    Assign(Option<String>),
    /// Escalate to the next tier, with a reason.
    Escalate(String),
    /// An internal note.
    Note(String),
    /// What fixed the problem.
    Resolution(String),
    /// The requester's rating (1–5) and comment; only once resolved.
    Satisfaction {
        /// 1–5.
        rating: i64,
        /// Their comment.
        comment: String,
    },
}

fn check_length(field: &'static str, text: &str, max_chars: usize) -> Result<(), RuleError> {
    let len_chars = text.chars().count();
    if len_chars > max_chars {
        return Err(RuleError::InvalidFields(vec![FieldError::TooLong { field, len_chars, max_chars }]));
    }
    Ok(())
}

fn required(field: &'static str, text: &str) -> Result<(), RuleError> {
    if text.is_empty() {
        return Err(RuleError::InvalidFields(vec![FieldError::Required(field)]));
    }
    Ok(())
}

/// The fields with the single-line ones trimmed (multi-line text keeps its layout).
fn trimmed(fields: &TicketFields) -> TicketFields {
    let mut fields = fields.clone();
    for name in ["title", "requester_name", "department", "contact", "location", "affected_system", "affected_version"]
    {
        if let Some(value) = fields.field_mut(name) {
            *value = value.trim().to_owned();
        }
    }
    fields
}

impl Ticket {
    /// A new ticket from the intake form: validated, numbered `number`, its SLA clock started at
    /// `now_ms`; with the `created` event. The id is set by the store.
    pub fn open(
        new: &NewTicket,
        number: String,
        now_ms: i64,
        policy: &SlaPolicy,
    ) -> Result<(Ticket, TimelineEvent), RuleError> {
        let errors = new.validate(now_ms);
        if !errors.is_empty() {
            return Err(RuleError::InvalidFields(errors));
        }
        Ok(Self::open_unchecked(new, number, now_ms, policy))
    }

    /// [`Ticket::open`] for a form whose fields were checked already (bulk intake keeps the
    /// creation time it is given, which may lie before the reported time's bounds).
    pub fn open_unchecked(new: &NewTicket, number: String, now_ms: i64, policy: &SlaPolicy) -> (Ticket, TimelineEvent) {
        let priority = Priority::from_grades(new.urgency, new.impact);
        let ticket = Ticket {
            id: TicketId(0),
            number,
            fields: trimmed(&new.fields),
            category: new.category,
            urgency: new.urgency,
            impact: new.impact,
            priority,
            status: Status::New,
            assignee: None,
            tier: 1,
            resolution: String::new(),
            satisfaction: None,
            satisfaction_comment: String::new(),
            reported_at_ms: new.reported_at_ms.unwrap_or(now_ms),
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            sla: SlaClock::start(now_ms, policy, priority),
        };
        let created = TimelineEvent::Created { number: ticket.number.clone(), priority, category: ticket.category };
        (ticket, created)
    }

    /// Applies `change` by `actor` at `now_ms`: checks the workflow's rules, updates the ticket
    /// (its SLA clock too) and returns the timeline events to record, in order. Nothing changes
    /// when a rule refuses; no events means the change changed nothing.
    ///
    /// Rules: status moves only along [`Status::next_allowed`]; "assigned" needs an assignee;
    /// "in progress" without one assigns `actor`; "resolved" needs a resolution; back to "new"
    /// clears the assignee; a new ticket that gets an assignee becomes "assigned"; an assigned
    /// ticket keeps an assignee; escalation stops at [`MAX_TIER`] and needs an open ticket; a
    /// resolved ticket keeps its resolution; a rating is 1–5 and given once resolved.
    pub fn apply(
        &mut self,
        change: &TicketChange,
        actor: &str,
        now_ms: i64,
        policy: &SlaPolicy,
    ) -> Result<Vec<TimelineEvent>, RuleError> {
        let events = match change {
            TicketChange::Fields(fields) => self.apply_fields(fields)?,
            &TicketChange::Classification { category, urgency, impact } => {
                self.apply_classification(category, urgency, impact, policy)
            }
            &TicketChange::Status(to) => self.apply_status(to, actor, now_ms)?,
            TicketChange::Assign(assignee) => self.apply_assignee(assignee.as_deref(), now_ms)?,
            TicketChange::Escalate(reason) => self.apply_escalation(reason)?,
            TicketChange::Note(text) => {
                let text = text.trim();
                required("note", text)?;
                check_length("note", text, MAX_NOTE_CHARS)?;
                vec![TimelineEvent::NoteAdded { text: text.to_owned() }]
            }
            TicketChange::Resolution(text) => self.apply_resolution(text)?,
            TicketChange::Satisfaction { rating, comment } => self.apply_satisfaction(*rating, comment)?,
        };
        if !events.is_empty() {
            self.updated_at_ms = now_ms;
        }
        Ok(events)
    }

    fn apply_fields(&mut self, fields: &TicketFields) -> Result<Vec<TimelineEvent>, RuleError> {
        let errors = fields.validate();
        if !errors.is_empty() {
            return Err(RuleError::InvalidFields(errors));
        }
        let fields = trimmed(fields);
        let events: Vec<_> = self
            .fields
            .named_values()
            .into_iter()
            .zip(fields.named_values())
            .filter(|((_, old, _), (_, new, _))| old != new)
            .map(|((name, old, _), (_, new, _))| TimelineEvent::FieldChanged {
                field: name.to_owned(),
                old: Some(old.clone()),
                new: Some(new.clone()),
            })
            .collect();
        if !events.is_empty() {
            self.fields = fields;
        }
        Ok(events)
    }

    fn apply_classification(
        &mut self,
        category: Category,
        urgency: Grade,
        impact: Grade,
        policy: &SlaPolicy,
    ) -> Vec<TimelineEvent> {
        if (self.category, self.urgency, self.impact) == (category, urgency, impact) {
            return Vec::new();
        }
        let priority = Priority::from_grades(urgency, impact);
        let event = TimelineEvent::ClassificationChanged {
            category: [self.category, category],
            urgency: [self.urgency, urgency],
            impact: [self.impact, impact],
            priority: [self.priority, priority],
        };
        (self.category, self.urgency, self.impact, self.priority) = (category, urgency, impact, priority);
        self.sla.retarget(policy, priority);
        vec![event]
    }

    fn apply_status(&mut self, to: Status, actor: &str, now_ms: i64) -> Result<Vec<TimelineEvent>, RuleError> {
        let from = self.status;
        if !from.can_move_to(to) {
            return Err(RuleError::InvalidTransition { from, to });
        }
        let assignee_before = self.assignee.clone();
        let assignee_after = match to {
            Status::Assigned if self.assignee.as_deref().is_none_or(|name| name.trim().is_empty()) => {
                return Err(TicketRule::AssigneeBeforeAssigned.into());
            }
            Status::InProgress if self.assignee.is_none() => Some(actor.to_owned()),
            Status::Resolved if self.resolution.trim().is_empty() => {
                return Err(TicketRule::ResolutionBeforeResolved.into());
            }
            Status::New => None,
            _ => assignee_before.clone(),
        };
        self.status = to;
        self.sla.on_status(to, now_ms);
        let mut events = vec![TimelineEvent::StatusChanged { from, to }];
        if assignee_after != assignee_before {
            self.assignee = assignee_after.clone();
            events.push(TimelineEvent::AssigneeChanged { from: assignee_before, to: assignee_after });
        }
        Ok(events)
    }

    fn apply_assignee(&mut self, assignee: Option<&str>, now_ms: i64) -> Result<Vec<TimelineEvent>, RuleError> {
        let assignee = assignee.map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned);
        if let Some(name) = &assignee {
            check_length("assignee", name, MAX_LINE_CHARS)?;
        }
        if self.assignee == assignee {
            return Ok(Vec::new());
        }
        if assignee.is_none() && self.status == Status::Assigned {
            return Err(TicketRule::AssignedNeedsAssignee.into());
        }
        let mut events = Vec::new();
        let before = std::mem::replace(&mut self.assignee, assignee.clone());
        if self.status == Status::New && assignee.is_some() {
            self.status = Status::Assigned;
            self.sla.on_status(Status::Assigned, now_ms);
            events.push(TimelineEvent::StatusChanged { from: Status::New, to: Status::Assigned });
        }
        events.push(TimelineEvent::AssigneeChanged { from: before, to: assignee });
        Ok(events)
    }

    fn apply_escalation(&mut self, reason: &str) -> Result<Vec<TimelineEvent>, RuleError> {
        let reason = reason.trim();
        required("escalation reason", reason)?;
        check_length("escalation reason", reason, MAX_NOTE_CHARS)?;
        if self.tier >= MAX_TIER {
            return Err(TicketRule::HighestTier { max_tier: MAX_TIER }.into());
        }
        if !self.status.is_open() {
            return Err(TicketRule::ReopenBeforeEscalating.into());
        }
        let from_tier = self.tier;
        self.tier += 1;
        Ok(vec![TimelineEvent::Escalated { from_tier, to_tier: self.tier, reason: reason.to_owned() }])
    }

    fn apply_resolution(&mut self, text: &str) -> Result<Vec<TimelineEvent>, RuleError> {
        let text = text.trim();
        check_length("resolution", text, MAX_NOTE_CHARS)?;
        if self.resolution == text {
            return Ok(Vec::new());
        }
        if text.is_empty() && !self.status.is_open() {
            return Err(TicketRule::ResolutionKept.into());
        }
        text.clone_into(&mut self.resolution);
        Ok(vec![TimelineEvent::ResolutionSet { text: text.to_owned() }])
    }

    fn apply_satisfaction(&mut self, rating: i64, comment: &str) -> Result<Vec<TimelineEvent>, RuleError> {
        if !(1..=5).contains(&rating) {
            return Err(TicketRule::RatingOutOfRange { rating }.into());
        }
        let comment = comment.trim();
        check_length("satisfaction comment", comment, MAX_NOTE_CHARS)?;
        if self.status.is_open() {
            return Err(TicketRule::RatingBeforeResolved.into());
        }
        self.satisfaction = Some(rating);
        comment.clone_into(&mut self.satisfaction_comment);
        Ok(vec![TimelineEvent::SatisfactionRecorded { rating, comment: comment.to_owned() }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000_000;

    fn ticket() -> Ticket {
        let new = NewTicket {
            fields: TicketFields {
                title: " Printer offline ".into(),
                requester_name: "王丽".into(),
                description: "The queue is stuck".into(),
                ..TicketFields::default()
            },
            category: Category::Hardware,
            urgency: Grade::Medium,
            impact: Grade::Low,
            reported_at_ms: None,
        };
        let (ticket, created) = Ticket::open(&new, "T-20261204-0001".into(), T0, &SlaPolicy::default()).unwrap();
        assert!(matches!(created, TimelineEvent::Created { priority: Priority::Normal, .. }));
        assert_eq!(ticket.fields.title, "Printer offline", "single-line fields are trimmed");
        ticket
    }

    fn apply(ticket: &mut Ticket, change: TicketChange) -> Result<Vec<TimelineEvent>, RuleError> {
        ticket.apply(&change, "陈伟", T0 + 60_000, &SlaPolicy::default())
    }

    /// A refused change leaves the ticket exactly as it was.
    fn refused(ticket: &mut Ticket, change: TicketChange) -> RuleError {
        let before = ticket.clone();
        let err = apply(ticket, change).expect_err("the rule refuses");
        assert_eq!(*ticket, before, "nothing changes when a rule refuses");
        err
    }

    #[test]
    fn assigned_needs_an_assignee_and_in_progress_takes_the_actor() {
        let mut ticket = ticket();
        let err = refused(&mut ticket, TicketChange::Status(Status::Assigned));
        assert_eq!(err, RuleError::Rule(TicketRule::AssigneeBeforeAssigned));
        let events = apply(&mut ticket, TicketChange::Status(Status::InProgress)).unwrap();
        assert_eq!(
            events,
            [
                TimelineEvent::StatusChanged { from: Status::New, to: Status::InProgress },
                TimelineEvent::AssigneeChanged { from: None, to: Some("陈伟".into()) },
            ]
        );
        assert_eq!((ticket.status, ticket.assignee.as_deref()), (Status::InProgress, Some("陈伟")));
        assert_eq!(ticket.updated_at_ms, T0 + 60_000);
        assert_eq!(ticket.sla.responded_at_ms, Some(T0 + 60_000), "the first response is counted");
    }

    #[test]
    fn moves_outside_the_workflow_are_refused() {
        let mut ticket = ticket();
        let err = refused(&mut ticket, TicketChange::Status(Status::Closed));
        assert_eq!(err, RuleError::InvalidTransition { from: Status::New, to: Status::Closed });
        assert_eq!(err.to_string(), "a ticket cannot move from new to closed");
    }

    #[test]
    fn resolved_needs_a_resolution_and_keeps_it() {
        let mut ticket = ticket();
        apply(&mut ticket, TicketChange::Status(Status::InProgress)).unwrap();
        let err = refused(&mut ticket, TicketChange::Status(Status::Resolved));
        assert_eq!(err, RuleError::Rule(TicketRule::ResolutionBeforeResolved));
        let events = apply(&mut ticket, TicketChange::Resolution("  Restarted the spooler ".into())).unwrap();
        assert_eq!(events, [TimelineEvent::ResolutionSet { text: "Restarted the spooler".into() }]);
        apply(&mut ticket, TicketChange::Status(Status::Resolved)).unwrap();
        let err = refused(&mut ticket, TicketChange::Resolution(String::new()));
        assert_eq!(err, RuleError::Rule(TicketRule::ResolutionKept));
        let err = refused(&mut ticket, TicketChange::Escalate("vendor".into()));
        assert_eq!(err, RuleError::Rule(TicketRule::ReopenBeforeEscalating));
    }

    #[test]
    fn back_to_new_clears_the_assignee_and_an_assigned_ticket_keeps_one() {
        let mut ticket = ticket();
        let events = apply(&mut ticket, TicketChange::Assign(Some(" 陈伟 ".into()))).unwrap();
        assert_eq!(
            events,
            [
                TimelineEvent::StatusChanged { from: Status::New, to: Status::Assigned },
                TimelineEvent::AssigneeChanged { from: None, to: Some("陈伟".into()) },
            ],
            "a new ticket that gets an assignee becomes assigned"
        );
        let err = refused(&mut ticket, TicketChange::Assign(None));
        assert_eq!(err, RuleError::Rule(TicketRule::AssignedNeedsAssignee));
        let events = apply(&mut ticket, TicketChange::Status(Status::New)).unwrap();
        assert_eq!(events.last(), Some(&TimelineEvent::AssigneeChanged { from: Some("陈伟".into()), to: None }));
        assert_eq!(ticket.assignee, None);
    }

    #[test]
    fn escalation_stops_at_the_highest_tier() {
        let mut ticket = ticket();
        refused(&mut ticket, TicketChange::Escalate("  ".into()));
        for tier in 2..=MAX_TIER {
            let events = apply(&mut ticket, TicketChange::Escalate("needs tier 2".into())).unwrap();
            assert_eq!(
                events,
                [TimelineEvent::Escalated { from_tier: tier - 1, to_tier: tier, reason: "needs tier 2".into() }]
            );
        }
        let err = refused(&mut ticket, TicketChange::Escalate("more".into()));
        assert_eq!(err, RuleError::Rule(TicketRule::HighestTier { max_tier: MAX_TIER }));
    }

    #[test]
    fn a_rating_is_one_to_five_and_given_once_resolved() {
        let mut ticket = ticket();
        let err = refused(&mut ticket, TicketChange::Satisfaction { rating: 6, comment: String::new() });
        assert_eq!(err, RuleError::Rule(TicketRule::RatingOutOfRange { rating: 6 }));
        let err = refused(&mut ticket, TicketChange::Satisfaction { rating: 5, comment: String::new() });
        assert_eq!(err, RuleError::Rule(TicketRule::RatingBeforeResolved));
        apply(&mut ticket, TicketChange::Status(Status::InProgress)).unwrap();
        apply(&mut ticket, TicketChange::Resolution("fixed".into())).unwrap();
        apply(&mut ticket, TicketChange::Status(Status::Resolved)).unwrap();
        let events = apply(&mut ticket, TicketChange::Satisfaction { rating: 5, comment: " 很好 ".into() }).unwrap();
        assert_eq!(events, [TimelineEvent::SatisfactionRecorded { rating: 5, comment: "很好".into() }]);
        assert_eq!((ticket.satisfaction, ticket.satisfaction_comment.as_str()), (Some(5), "很好"));
    }

    #[test]
    fn each_changed_field_is_one_event_and_no_change_is_no_event() {
        let mut ticket = ticket();
        let mut fields = ticket.fields.clone();
        fields.affected_version = "1.3".into();
        fields.location = " Floor 3 ".into();
        let events = apply(&mut ticket, TicketChange::Fields(Box::new(fields.clone()))).unwrap();
        let changed: Vec<_> = events
            .iter()
            .map(|event| match event {
                TimelineEvent::FieldChanged { field, new, .. } => (field.as_str(), new.as_deref()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(changed, [("location", Some("Floor 3")), ("affected_version", Some("1.3"))]);
        let updated_at_ms = ticket.updated_at_ms;
        let again =
            ticket.apply(&TicketChange::Fields(Box::new(fields)), "陈伟", T0 + 120_000, &SlaPolicy::default()).unwrap();
        assert!(again.is_empty());
        assert_eq!(ticket.updated_at_ms, updated_at_ms, "nothing changed, nothing stamped");
        fields = ticket.fields.clone();
        fields.title = String::new();
        let err = refused(&mut ticket, TicketChange::Fields(Box::new(fields)));
        assert_eq!(err, RuleError::InvalidFields(vec![FieldError::Required("title")]));
    }

    #[test]
    fn a_new_classification_retargets_the_sla_clock() {
        let mut ticket = ticket();
        let before = ticket.sla.resolution_target_ms;
        let change =
            TicketChange::Classification { category: Category::Network, urgency: Grade::High, impact: Grade::High };
        let events = apply(&mut ticket, change).unwrap();
        assert_eq!(
            events,
            [TimelineEvent::ClassificationChanged {
                category: [Category::Hardware, Category::Network],
                urgency: [Grade::Medium, Grade::High],
                impact: [Grade::Low, Grade::High],
                priority: [Priority::Normal, Priority::Urgent],
            }]
        );
        assert_eq!(ticket.priority, Priority::Urgent);
        assert!(ticket.sla.resolution_target_ms < before, "an urgent ticket is due sooner");
    }

    #[test]
    fn a_note_is_trimmed_required_and_bounded() {
        let mut ticket = ticket();
        assert_eq!(
            apply(&mut ticket, TicketChange::Note(" called back ".into())).unwrap(),
            [TimelineEvent::NoteAdded { text: "called back".into() }]
        );
        refused(&mut ticket, TicketChange::Note(" ".into()));
        let err = refused(&mut ticket, TicketChange::Note("x".repeat(MAX_NOTE_CHARS + 1)));
        assert!(
            matches!(err, RuleError::InvalidFields(ref errors) if matches!(errors[..], [FieldError::TooLong { .. }]))
        );
    }
}
