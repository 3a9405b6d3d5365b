//! The team desk, pure: engineers in a directory, ticket versions and field-by-field conflicts,
//! what other consoles are told about a change, who is looking at a ticket, and where a ticket
//! should go (routing by skill and open workload). `store/` persists these (SQLite for one
//! engineer, PostgreSQL for a team); `ui/` shows them.

use serde::{Deserialize, Serialize};

use super::desk::{TicketFilter, TicketSummary};
use super::ids::{EngineerId, TicketId};
use super::ticket::{Category, MAX_LINE_CHARS, Status, Ticket};
use super::workflow::{MAX_TIER, TicketChange};

/// A ticket row's version: 1 when created, one more on every write of the row. An edit is
/// checked against the version it was read at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketVersion(pub i64);

impl TicketVersion {
    /// A new ticket's version.
    pub const FIRST: TicketVersion = TicketVersion(1);

    /// The version after one more write.
    pub fn next(self) -> TicketVersion {
        TicketVersion(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for TicketVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// One engineer of the directory. The password hash never leaves the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engineer {
    /// Directory id.
    pub id: EngineerId,
    /// Sign-in and display name, unique; also what a ticket's text assignee holds.
    pub name: String,
    /// The team, e.g. "Service desk" or "Network" (may be empty).
    pub team: String,
    /// Support tier 1..=[`MAX_TIER`].
    pub tier: i64,
    /// Categories this engineer handles well (routing prefers them).
    pub skills: Vec<Category>,
}

/// A directory entry to add (the password is passed beside it and only its hash is stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEngineer {
    /// Sign-in and display name, unique.
    pub name: String,
    /// The team.
    pub team: String,
    /// Support tier 1..=[`MAX_TIER`].
    pub tier: i64,
    /// Categories handled well.
    pub skills: Vec<Category>,
}

/// Why a directory entry was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineerError {
    /// The name is blank.
    #[error("an engineer needs a name")]
    NameRequired,
    /// The name or team is longer than a line.
    #[error("{field} is too long (at most {max_chars} characters)")]
    TooLong {
        /// "name" or "team".
        field: &'static str,
        /// The limit.
        max_chars: usize,
    },
    /// The tier is outside 1..=MAX_TIER.
    #[error("the tier must be 1 to {max_tier}, not {tier}")]
    TierOutOfRange {
        /// The tier given.
        tier: i64,
        /// The highest tier.
        max_tier: i64,
    },
    /// Passwords shorter than this are refused.
    #[error("a password needs at least {min_chars} characters")]
    PasswordTooShort {
        /// The minimum.
        min_chars: usize,
    },
}

/// Shortest accepted sign-in password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

impl NewEngineer {
    /// The entry with its name and team trimmed, or why it cannot be stored.
    pub fn validated(&self, password: &str) -> Result<NewEngineer, EngineerError> {
        let name = self.name.trim();
        let team = self.team.trim();
        if name.is_empty() {
            return Err(EngineerError::NameRequired);
        }
        for (field, value) in [("name", name), ("team", team)] {
            if value.chars().count() > MAX_LINE_CHARS {
                return Err(EngineerError::TooLong { field, max_chars: MAX_LINE_CHARS });
            }
        }
        if !(1..=MAX_TIER).contains(&self.tier) {
            return Err(EngineerError::TierOutOfRange { tier: self.tier, max_tier: MAX_TIER });
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(EngineerError::PasswordTooShort { min_chars: MIN_PASSWORD_CHARS });
        }
        let mut skills = self.skills.clone();
        skills.sort_by_key(|category| Category::ALL.iter().position(|known| known == category));
        skills.dedup();
        Ok(NewEngineer { name: name.to_owned(), team: team.to_owned(), tier: self.tier, skills })
    }
}

/// A ticket as the team desk reads it: the ticket, the version it was read at, and who and
/// which team has it in the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeskTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// The version read; pass it back with an edit.
    pub version: TicketVersion,
    /// The assignee's directory id, when the assignee is an engineer of the directory (a text
    /// assignee from before the directory keeps `None`).
    pub assignee_id: Option<EngineerId>,
    /// The team handling it (set by claiming or escalating), if any.
    pub team: Option<String>,
}

/// What a versioned edit did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    /// The ticket after the edit, with its new version.
    pub ticket: DeskTicket,
    /// Set when others had written the row since the version read, touching other fields only:
    /// the edit was applied on top of their version (nothing of theirs was overwritten).
    pub merged_over: Option<TicketVersion>,
}

/// One field both the engineer and someone else changed since the version read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// The field's stable name (`title`, `status`, `assignee`, …).
    pub field: String,
    /// Its value at the version read.
    pub base: String,
    /// Its value now, as the other engineer left it.
    pub theirs: String,
    /// The value this edit wanted.
    pub mine: String,
}

/// Every field an engineer can change, with its value as text (the derived priority and SLA
/// columns follow these and are not listed).
pub fn field_values(ticket: &Ticket) -> Vec<(&'static str, String)> {
    let mut values: Vec<(&'static str, String)> =
        ticket.fields.named_values().into_iter().map(|(name, value, _)| (name, value.clone())).collect();
    values.extend([
        ("category", ticket.category.as_str().to_owned()),
        ("urgency", ticket.urgency.as_str().to_owned()),
        ("impact", ticket.impact.as_str().to_owned()),
        ("status", ticket.status.as_str().to_owned()),
        ("assignee", ticket.assignee.clone().unwrap_or_default()),
        ("tier", ticket.tier.to_string()),
        ("resolution", ticket.resolution.clone()),
        ("satisfaction", ticket.satisfaction.map(|rating| rating.to_string()).unwrap_or_default()),
        ("satisfaction_comment", ticket.satisfaction_comment.clone()),
    ]);
    values
}

/// The fields whose values differ between `before` and `after`, in form order.
pub fn changed_fields(before: &Ticket, after: &Ticket) -> Vec<&'static str> {
    field_values(before)
        .into_iter()
        .zip(field_values(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((name, _), _)| name)
        .collect()
}

/// The fields that both `theirs` and `mine` changed from `base` to different values: what the
/// engineer must choose between. Empty when the two edits touch different fields (or agree).
pub fn field_conflicts(base: &Ticket, theirs: &Ticket, mine: &Ticket) -> Vec<FieldConflict> {
    field_values(base)
        .into_iter()
        .zip(field_values(theirs))
        .zip(field_values(mine))
        .filter(|(((_, base), (_, theirs)), (_, mine))| base != theirs && base != mine && theirs != mine)
        .map(|(((field, base), (_, theirs)), (_, mine))| FieldConflict { field: field.to_owned(), base, theirs, mine })
        .collect()
}

/// An edit made from `base` (yielding `mine`), restated to apply on top of `current` without
/// undoing what others changed meanwhile: a whole intake form or classification keeps
/// `current`'s value in every part this edit did not change. Other changes are intents
/// (a move, an assignee, a note) and stay as they are.
pub fn rebase_change(change: &TicketChange, base: &Ticket, mine: &Ticket, current: &Ticket) -> TicketChange {
    match change {
        TicketChange::Fields(_) => {
            let mut fields = current.fields.clone();
            for ((name, base_value, _), (_, mine_value, _)) in
                base.fields.named_values().into_iter().zip(mine.fields.named_values())
            {
                if base_value != mine_value
                    && let Some(slot) = fields.field_mut(name)
                {
                    slot.clone_from(mine_value);
                }
            }
            TicketChange::Fields(Box::new(fields))
        }
        TicketChange::Classification { .. } => {
            fn pick<T: PartialEq>(base: T, mine: T, current: T) -> T {
                if base == mine { current } else { mine }
            }
            TicketChange::Classification {
                category: pick(base.category, mine.category, current.category),
                urgency: pick(base.urgency, mine.urgency, current.urgency),
                impact: pick(base.impact, mine.impact, current.impact),
            }
        }
        other => other.clone(),
    }
}

/// What happened to a ticket, as other consoles are told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskNoticeKind {
    /// A new ticket.
    Created,
    /// Fields, status, classification or assignee changed.
    Changed,
    /// A note or timeline entry was added.
    Commented,
    /// An engineer took the ticket.
    Claimed,
    /// The ticket was handed to another tier or team.
    Escalated,
    /// Someone opened, is still viewing or left the ticket.
    Presence,
}

/// One change another console should show: refresh that ticket's row (and the ticket, when it
/// is open). Carried as JSON in PostgreSQL notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskNotice {
    /// The ticket concerned.
    pub ticket: TicketId,
    /// What happened.
    pub kind: DeskNoticeKind,
    /// The ticket's version after the change (none for presence and timeline entries).
    pub version: Option<TicketVersion>,
    /// Who did it (engineer name as recorded).
    pub actor: String,
    /// For an escalation: the team it was handed to, if any.
    pub team: Option<String>,
    /// When, unix ms (the writer's clock).
    pub at_ms: i64,
}

/// How often a console viewing a ticket renews its presence, ms.
pub const HEARTBEAT_INTERVAL_MS: i64 = 10_000;
/// A presence not renewed for this long is gone (the console closed or lost its link), ms.
pub const PRESENCE_TTL_MS: i64 = 30_000;

/// Someone viewing a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The ticket viewed.
    pub ticket: TicketId,
    /// Who.
    pub engineer: EngineerId,
    /// Their name, for display.
    pub engineer_name: String,
    /// Their last heartbeat, unix ms.
    pub seen_at_ms: i64,
}

impl Presence {
    /// Whether the heartbeat is recent enough at `now_ms` ([`PRESENCE_TTL_MS`]).
    pub fn is_live(&self, now_ms: i64) -> bool {
        now_ms.saturating_sub(self.seen_at_ms) <= PRESENCE_TTL_MS
    }
}

/// A candidate assignee for a ticket, best first in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingSuggestion {
    /// The engineer.
    pub engineer: Engineer,
    /// Whether the ticket's category is one of their skills.
    pub has_skill: bool,
    /// Open tickets assigned to them now.
    pub open_tickets: i64,
}

/// Ranks engineers for a ticket of `category` at `tier`: those at the ticket's tier first (then
/// higher tiers; lower tiers are left out), with the category among their skills first, then
/// the fewest open tickets, then by name. `workload` gives each engineer's open tickets.
pub fn rank_assignees(
    engineers: &[Engineer],
    workload: impl Fn(EngineerId) -> i64,
    category: Category,
    tier: i64,
) -> Vec<RoutingSuggestion> {
    let mut ranked: Vec<RoutingSuggestion> = engineers
        .iter()
        .filter(|engineer| engineer.tier >= tier)
        .map(|engineer| RoutingSuggestion {
            has_skill: engineer.skills.contains(&category),
            open_tickets: workload(engineer.id),
            engineer: engineer.clone(),
        })
        .collect();
    ranked.sort_by(|a, b| {
        (a.engineer.tier != tier, !a.has_skill, a.open_tickets, &a.engineer.name).cmp(&(
            b.engineer.tier != tier,
            !b.has_skill,
            b.open_tickets,
            &b.engineer.name,
        ))
    });
    ranked
}

/// Where an escalation hands a ticket: the next tier, and optionally another team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// The team taking over (`None`: the same team, next tier).
    pub team: Option<String>,
    /// Why, and what was tried: the context the next engineer reads first (with the timeline).
    pub reason: String,
}

/// The workflow changes an escalation makes, in order: the tier goes up with the reason, and
/// the ticket goes back to the queue (unassigned, status "new") for the receiving tier or team
/// to claim.
pub fn escalation_changes(ticket: &Ticket, escalation: &Escalation) -> Vec<TicketChange> {
    let mut changes = vec![TicketChange::Escalate(escalation.reason.clone())];
    match ticket.status {
        Status::InProgress => {
            changes.push(TicketChange::Status(Status::Assigned));
            changes.push(TicketChange::Status(Status::New));
        }
        Status::Assigned => changes.push(TicketChange::Status(Status::New)),
        _ if ticket.assignee.is_some() => changes.push(TicketChange::Assign(None)),
        _ => {}
    }
    changes
}

/// A sidebar query on the team desk: the usual filter plus "assigned to me" and "my team".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskQuery {
    /// Text, status, priority, category, assignee name and SLA, as on a single desk.
    pub filter: TicketFilter,
    /// Only tickets assigned to this engineer ("Assigned to me").
    pub assigned_to: Option<EngineerId>,
    /// Only tickets of this team ("My team").
    pub team: Option<String>,
}

/// The first page of a desk query and how many tickets match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeskListing {
    /// Matching tickets; with `more_than_total` a floor: a common word on a large team desk
    /// lists only the `total` most urgent matches, and the engineer is asked to narrow the search.
    pub total: i64,
    /// Whether more tickets than `total` match.
    pub more_than_total: bool,
    /// The first page, most urgent first.
    pub rows: Vec<TicketSummary>,
}

impl DeskListing {
    /// Exactly `total` tickets match.
    pub fn exact(total: i64, rows: Vec<TicketSummary>) -> Self {
        DeskListing { total, more_than_total: false, rows }
    }
}

impl From<TicketFilter> for DeskQuery {
    fn from(filter: TicketFilter) -> Self {
        DeskQuery { filter, ..DeskQuery::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Grade, NewTicket, SlaPolicy, TicketFields};

    fn ticket() -> Ticket {
        let new = NewTicket {
            fields: TicketFields {
                title: "VPN".into(),
                requester_name: "王丽".into(),
                description: "down".into(),
                ..TicketFields::default()
            },
            category: Category::Network,
            urgency: Grade::Low,
            impact: Grade::Low,
            reported_at_ms: None,
        };
        Ticket::open_unchecked(&new, "T-1".into(), 1_000, &SlaPolicy::default()).0
    }

    #[test]
    fn only_fields_both_sides_changed_differently_conflict() {
        let base = ticket();
        let mut theirs = base.clone();
        theirs.fields.title = "Theirs".into();
        theirs.fields.location = "3F".into();
        let mut mine = base.clone();
        mine.fields.title = "Mine".into();
        mine.fields.location = "3F".into();
        mine.fields.department = "IT".into();
        let conflicts = field_conflicts(&base, &theirs, &mine);
        assert_eq!(
            conflicts,
            [FieldConflict { field: "title".into(), base: "VPN".into(), theirs: "Theirs".into(), mine: "Mine".into() }]
        );
        assert_eq!(changed_fields(&base, &mine), ["title", "department", "location"]);
    }

    #[test]
    fn a_whole_form_is_restated_on_top_of_others_changes() {
        let base = ticket();
        let mut current = base.clone();
        current.fields.location = "3F".into();
        current.urgency = Grade::High;
        let mut mine = base.clone();
        mine.fields.department = "IT".into();
        let TicketChange::Fields(fields) =
            rebase_change(&TicketChange::Fields(Box::new(mine.fields.clone())), &base, &mine, &current)
        else {
            panic!("a form stays a form")
        };
        assert_eq!((fields.department.as_str(), fields.location.as_str()), ("IT", "3F"));
        mine.category = Category::Hardware;
        let change =
            TicketChange::Classification { category: Category::Hardware, urgency: Grade::Low, impact: Grade::Low };
        assert_eq!(
            rebase_change(&change, &base, &mine, &current),
            TicketChange::Classification { category: Category::Hardware, urgency: Grade::High, impact: Grade::Low }
        );
    }

    fn engineer(id: i64, name: &str, tier: i64, skills: &[Category]) -> Engineer {
        Engineer { id: EngineerId(id), name: name.into(), team: String::new(), tier, skills: skills.to_vec() }
    }

    #[test]
    fn routing_prefers_the_tier_then_the_skill_then_the_lightest_load() {
        let engineers = [
            engineer(1, "busy", 1, &[Category::Network]),
            engineer(2, "free", 1, &[Category::Network]),
            engineer(3, "other", 1, &[Category::Hardware]),
            engineer(4, "senior", 2, &[Category::Network]),
        ];
        let load = |id: EngineerId| if id.0 == 1 { 5 } else { 0 };
        let names: Vec<String> = rank_assignees(&engineers, load, Category::Network, 1)
            .into_iter()
            .map(|suggestion| suggestion.engineer.name)
            .collect();
        assert_eq!(names, ["free", "busy", "other", "senior"]);
        let tier2: Vec<String> = rank_assignees(&engineers, load, Category::Network, 2)
            .into_iter()
            .map(|suggestion| suggestion.engineer.name)
            .collect();
        assert_eq!(tier2, ["senior"], "lower tiers are left out");
    }

    #[test]
    fn escalation_puts_the_ticket_back_in_the_queue() {
        let mut ticket = ticket();
        let policy = SlaPolicy::default();
        ticket.apply(&TicketChange::Status(Status::InProgress), "li", 2_000, &policy).unwrap();
        let escalation = Escalation { team: Some("Network".into()), reason: "firewall".into() };
        for change in escalation_changes(&ticket.clone(), &escalation) {
            ticket.apply(&change, "li", 3_000, &policy).unwrap();
        }
        assert_eq!((ticket.tier, ticket.status, ticket.assignee.clone()), (2, Status::New, None));
    }

    #[test]
    fn directory_entries_are_checked() {
        let new = NewEngineer {
            name: " Li ".into(),
            team: " Desk ".into(),
            tier: 1,
            skills: vec![Category::Other, Category::Hardware],
        };
        let checked = new.validated("long enough").unwrap();
        assert_eq!((checked.name.as_str(), checked.team.as_str()), ("Li", "Desk"));
        assert_eq!(checked.skills, [Category::Hardware, Category::Other]);
        assert_eq!(new.validated("short"), Err(EngineerError::PasswordTooShort { min_chars: MIN_PASSWORD_CHARS }));
        assert!(matches!(
            NewEngineer { tier: 4, ..new.clone() }.validated("long enough"),
            Err(EngineerError::TierOutOfRange { .. })
        ));
        assert_eq!(NewEngineer { name: " ".into(), ..new }.validated("long enough"), Err(EngineerError::NameRequired));
    }
}
