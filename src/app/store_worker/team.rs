//! The store thread on a team desk: tickets, their timeline and the directory live in the team
//! database (PostgreSQL); this console's own SQLite file keeps its settings. Edits are checked
//! against the version the view read, a colleague's change arrives through the listener, and a
//! lost link refuses edits plainly (the view keeps them) until the store reconnects by itself.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use crate::model::{
    DeskQuery, Engineer, EngineerId, FieldConflict, TeamDatabaseSettings, TeamScope, TicketChange, TicketFilter,
    TicketId, TicketVersion,
};
use crate::store::desk::TicketDesk;
use crate::store::team::{ListenerEvent, TeamConfig, TeamListener, TeamStore, TlsMode};
use crate::store::{RecordingLog, SessionLog, StoreError, StoreResult};
use crate::ui::sidebar::PAGE_SIZE;
use crate::ui::{StoreCommand, TeamTicketInfo, TicketDetail, UiEvent};

use super::{Failure, HISTORY_PAGE};

/// The connection settings of a team database choice.
pub fn team_config(settings: &TeamDatabaseSettings) -> TeamConfig {
    let mut config = TeamConfig::new(&settings.url);
    if settings.tls {
        config.tls = TlsMode::Required;
    }
    config
}

/// An edit a colleague's change refused, kept until the engineer settles it.
struct PendingConflict {
    base: TicketVersion,
    change: TicketChange,
    fields: Vec<FieldConflict>,
}

/// The team desk as the store thread holds it.
pub(super) struct TeamDesk {
    pub(super) store: TeamStore,
    listener: Option<(TeamListener, Receiver<ListenerEvent>)>,
    /// Who is signed in at this console.
    pub(super) engineer: Option<Engineer>,
    conflicts: HashMap<TicketId, PendingConflict>,
    /// The ticket the view has open (its presence is renewed, its changes reloaded).
    pub(super) open_ticket: Option<TicketId>,
    last_heartbeat_ms: i64,
}

impl TeamDesk {
    /// Connects (creating or upgrading the schema) and starts listening for colleagues' changes.
    pub(super) fn connect(settings: &TeamDatabaseSettings) -> StoreResult<Self> {
        let config = team_config(settings);
        let mut store = TeamStore::connect(&config)?;
        let listener =
            TeamListener::spawn(config).map_err(|err| tracing::warn!("cannot start the team listener: {err}")).ok();
        if let Some((listener, _)) = &listener {
            store.notify_through(listener.outbox());
        }
        Ok(Self { store, listener, engineer: None, conflicts: HashMap::new(), open_ticket: None, last_heartbeat_ms: 0 })
    }

    /// Stops the listener thread.
    pub(super) fn stop(self) {
        if let Some((listener, _)) = self.listener {
            listener.stop();
        }
    }

    fn query(&self, filter: &TicketFilter) -> DeskQuery {
        let engineer = self.engineer.as_ref();
        DeskQuery {
            filter: filter.clone(),
            assigned_to: match filter.scope {
                TeamScope::AssignedToMe => Some(engineer.map_or(EngineerId(0), |engineer| engineer.id)),
                _ => None,
            },
            team: match filter.scope {
                TeamScope::MyTeam => Some(engineer.map(|engineer| engineer.team.clone()).unwrap_or_default()),
                _ => None,
            },
        }
    }

    fn me(&self) -> Result<&Engineer, Failure> {
        self.engineer.as_ref().ok_or(Failure::Other(StoreError::SignInRefused))
    }

    /// The open ticket as the pane shows it, with its version and who else is looking.
    pub(super) fn detail(&mut self, ticket_id: TicketId, now_ms: i64) -> StoreResult<TicketDetail> {
        let desk = self.store.ticket_at(ticket_id)?;
        let history = self.store.desk_history_page(ticket_id, None, HISTORY_PAGE)?;
        let older_entries = match history.first() {
            Some(oldest) if history.len() as u32 >= HISTORY_PAGE => self.count_before(ticket_id, oldest.seq)?,
            _ => 0,
        };
        let me = self.engineer.as_ref().map(|engineer| engineer.id);
        let viewers = self
            .store
            .viewers(ticket_id, now_ms)?
            .into_iter()
            .filter(|presence| Some(presence.engineer) != me && presence.is_live(now_ms))
            .map(|presence| presence.engineer_name)
            .collect();
        let suggestions =
            if desk.ticket.assignee.is_none() { self.store.suggest_assignees(ticket_id)? } else { Vec::new() };
        Ok(TicketDetail {
            notes: self.store.desk_notes(ticket_id)?,
            history,
            older_entries,
            surveys: self.store.ticket_surveys(ticket_id)?,
            sessions: self.store.ticket_sessions(ticket_id)?,
            recordings: self.store.ticket_recordings(ticket_id)?,
            team: Some(TeamTicketInfo { version: desk.version, viewers, suggestions }),
            ticket: desk.ticket,
        })
    }

    fn count_before(&mut self, ticket_id: TicketId, seq: i64) -> StoreResult<u64> {
        Ok(self.store.desk_history_page(ticket_id, Some(seq), u32::MAX)?.len() as u64)
    }

    fn loaded(
        &mut self,
        ticket_id: TicketId,
        now_ms: i64,
        created: bool,
        changed: bool,
    ) -> Result<Vec<UiEvent>, Failure> {
        Ok(vec![UiEvent::TicketLoaded { detail: self.detail(ticket_id, now_ms)?, created, changed }])
    }

    /// Renews this engineer's presence on the open ticket when due.
    pub(super) fn heartbeat(&mut self, now_ms: i64) {
        let (Some(ticket_id), Some(engineer)) = (self.open_ticket, self.engineer.as_ref().map(|engineer| engineer.id))
        else {
            return;
        };
        if now_ms.saturating_sub(self.last_heartbeat_ms) < crate::model::team::HEARTBEAT_INTERVAL_MS {
            return;
        }
        self.last_heartbeat_ms = now_ms;
        if let Err(err) = self.store.heartbeat(ticket_id, engineer, now_ms) {
            tracing::debug!("presence heartbeat failed: {err}");
        }
    }

    /// What the listener heard since last time, as view events: changed rows, the open ticket
    /// reloaded, the link lost or back.
    pub(super) fn poll_listener(&mut self, now_ms: i64) -> Vec<UiEvent> {
        let Some((_, inbox)) = &self.listener else { return Vec::new() };
        let mut touched = Vec::new();
        let mut events = Vec::new();
        let mut reload_all = false;
        let mut words_changed = false;
        while let Ok(event) = inbox.try_recv() {
            match event {
                ListenerEvent::Connected => {
                    events.push(UiEvent::TeamLink(None));
                    reload_all = true;
                }
                ListenerEvent::Lost(why) => events.push(UiEvent::TeamLink(Some(why))),
                ListenerEvent::SharedSettingChanged(_) => words_changed = true,
                ListenerEvent::Notice(notice) => {
                    if !touched.contains(&notice.ticket) {
                        touched.push(notice.ticket);
                    }
                }
            }
        }
        if !touched.is_empty() {
            match self.store.summaries(&touched) {
                Ok(rows) => events.push(UiEvent::RowsChanged(rows)),
                Err(err) => tracing::debug!("cannot refresh changed rows: {err}"),
            }
        }
        if let Some(open) = self.open_ticket
            && (reload_all || touched.contains(&open))
            && let Ok(detail) = self.detail(open, now_ms)
        {
            events.push(UiEvent::TicketLoaded { detail, created: false, changed: false });
        }
        if reload_all || words_changed {
            match super::library::shared_words(&mut self.store) {
                Ok((glossaries, canned_phrases)) => {
                    events.push(UiEvent::SharedWordsChanged { glossaries, canned_phrases })
                }
                Err(err) => tracing::debug!("cannot reload the team's words: {err}"),
            }
        }
        if reload_all {
            events.push(UiEvent::DeskReloadNeeded);
        }
        events
    }

    /// Whether a view command concerns the team's tickets (the others, settings, guides and
    /// recordings, run on the console's own store).
    pub(super) fn takes(command: &StoreCommand) -> bool {
        matches!(
            command,
            StoreCommand::QueryTickets { .. }
                | StoreCommand::LoadPage { .. }
                | StoreCommand::OpenTicket(_)
                | StoreCommand::LoadOlderHistory { .. }
                | StoreCommand::CreateTicket(_)
                | StoreCommand::ChangeTicket { .. }
                | StoreCommand::ClaimTicket(_)
                | StoreCommand::ResolveConflict { .. }
        )
    }

    /// Runs a view command [`TeamDesk::takes`] on the team's tickets.
    pub(super) fn run(&mut self, command: StoreCommand, now_ms: i64) -> Result<Vec<UiEvent>, Failure> {
        match command {
            StoreCommand::QueryTickets { filter, generation } => self.first_page(&filter, generation, now_ms),
            StoreCommand::LoadPage { filter, generation, page } => {
                let query = self.query(&filter);
                self.store
                    .desk_page(&query, page.saturating_mul(PAGE_SIZE), PAGE_SIZE, now_ms)
                    .map(|rows| vec![UiEvent::PageLoaded { generation, page, rows }])
                    .map_err(Failure::Other)
            }
            StoreCommand::OpenTicket(ticket_id) => {
                if let (Some(previous), Some(me)) = (self.open_ticket, self.engineer.as_ref().map(|it| it.id))
                    && previous != ticket_id
                {
                    let _ = self.store.leave(previous, me, now_ms);
                }
                self.open_ticket = Some(ticket_id);
                self.last_heartbeat_ms = 0;
                self.heartbeat(now_ms);
                self.loaded(ticket_id, now_ms, false, false)
            }
            StoreCommand::LoadOlderHistory { ticket_id, before_seq } => (|| {
                let entries = self.store.desk_history_page(ticket_id, Some(before_seq), HISTORY_PAGE)?;
                let older_entries = match entries.first() {
                    Some(oldest) => self.count_before(ticket_id, oldest.seq)?,
                    None => 0,
                };
                Ok(vec![UiEvent::OlderHistoryLoaded { ticket_id, entries, older_entries }])
            })()
            .map_err(Failure::Other),
            StoreCommand::CreateTicket(new) => match self.me() {
                Ok(me) => {
                    let actor = me.name.clone();
                    match self.store.desk_create(&new, &actor, now_ms) {
                        Ok(created) => self.loaded(created.ticket.id, now_ms, true, true),
                        Err(err) => Err(Failure::Create(err)),
                    }
                }
                Err(failure) => Err(failure),
            },
            StoreCommand::ChangeTicket { ticket_id, change, base } => self.change(ticket_id, change, base, now_ms),
            StoreCommand::ClaimTicket(ticket_id) => self.claim(ticket_id, now_ms),
            StoreCommand::ResolveConflict { ticket_id, keep_mine } => self.resolve(ticket_id, keep_mine, now_ms),
            // Not the team's: see `takes`.
            _ => Ok(Vec::new()),
        }
    }

    fn first_page(&mut self, filter: &TicketFilter, generation: u64, now_ms: i64) -> Result<Vec<UiEvent>, Failure> {
        let query = self.query(filter);
        let listing = self.store.desk_first_page(&query, PAGE_SIZE, now_ms)?;
        let all = self.store.desk_first_page(&DeskQuery::default(), 0, now_ms)?.total;
        let assignees = self.store.engineers()?.into_iter().map(|engineer| engineer.name).collect();
        Ok(vec![
            UiEvent::TicketsCounted {
                generation,
                total: listing.total,
                more_than_total: listing.more_than_total,
                assignees,
                store_total: all,
            },
            UiEvent::PageLoaded { generation, page: 0, rows: listing.rows },
        ])
    }

    fn change(
        &mut self,
        ticket_id: TicketId,
        change: TicketChange,
        base: Option<TicketVersion>,
        now_ms: i64,
    ) -> Result<Vec<UiEvent>, Failure> {
        let actor = self.me()?.name.clone();
        let base = match base {
            Some(base) => base,
            None => self.store.ticket_at(ticket_id)?.version,
        };
        match self.store.change_ticket_at(ticket_id, base, &change, &actor, now_ms) {
            Ok(_) => self.loaded(ticket_id, now_ms, false, true),
            Err(StoreError::Conflict { fields, .. }) => {
                self.conflicts.insert(ticket_id, PendingConflict { base, change, fields: fields.clone() });
                let mut events = vec![UiEvent::EditConflict { ticket_id, fields }];
                events.extend(self.loaded(ticket_id, now_ms, false, false)?);
                Ok(events)
            }
            Err(err) => Err(Failure::Other(err)),
        }
    }

    /// Settles a refused edit: first the edit with the colleague's values kept where they
    /// conflict (applied from its own version, so nothing else of theirs is undone), then the
    /// fields the engineer chose to keep, against the version that produced.
    fn resolve(
        &mut self,
        ticket_id: TicketId,
        keep_mine: Option<Vec<String>>,
        now_ms: i64,
    ) -> Result<Vec<UiEvent>, Failure> {
        let Some(pending) = self.conflicts.remove(&ticket_id) else {
            return self.loaded(ticket_id, now_ms, false, false);
        };
        let Some(keep_mine) = keep_mine else {
            return self.loaded(ticket_id, now_ms, false, true);
        };
        let actor = self.me()?.name.clone();
        let theirs_kept = with_conflicts_as(&pending.change, &pending.fields, |conflict| &conflict.base);
        let step = self.store.change_ticket_at(ticket_id, pending.base, &theirs_kept, &actor, now_ms);
        let written = match step {
            Ok(written) => written,
            Err(StoreError::Conflict { fields, .. }) => {
                // Yet another change meanwhile: ask again.
                self.conflicts.insert(ticket_id, PendingConflict { fields: fields.clone(), ..pending });
                let mut events = vec![UiEvent::EditConflict { ticket_id, fields }];
                events.extend(self.loaded(ticket_id, now_ms, false, false)?);
                return Ok(events);
            }
            Err(err) => return Err(Failure::Other(err)),
        };
        let chosen: Vec<FieldConflict> =
            pending.fields.into_iter().filter(|conflict| keep_mine.contains(&conflict.field)).collect();
        if !chosen.is_empty() {
            let mine = mine_on_top(&written.ticket.ticket, &pending.change, &chosen);
            self.store.change_ticket_at(ticket_id, written.ticket.version, &mine, &actor, now_ms)?;
        }
        self.loaded(ticket_id, now_ms, false, true)
    }

    fn claim(&mut self, ticket_id: TicketId, now_ms: i64) -> Result<Vec<UiEvent>, Failure> {
        let me = self.me()?.id;
        match self.store.claim(ticket_id, me, now_ms) {
            Ok(_) => self.loaded(ticket_id, now_ms, false, true),
            Err(StoreError::AlreadyClaimed { by }) => {
                let mut events = vec![UiEvent::AlreadyClaimed { ticket_id, by }];
                events.extend(self.loaded(ticket_id, now_ms, false, false)?);
                Ok(events)
            }
            Err(err) => Err(Failure::Other(err)),
        }
    }
}

/// `change` with every conflicting field set to the value `pick` chooses (text fields and the
/// classification; other changes are single intents and stay as they are).
fn with_conflicts_as(
    change: &TicketChange,
    conflicts: &[FieldConflict],
    pick: impl Fn(&FieldConflict) -> &String,
) -> TicketChange {
    match change {
        TicketChange::Fields(fields) => {
            let mut fields = fields.clone();
            for conflict in conflicts {
                if let Some(slot) = fields.field_mut(&conflict.field) {
                    slot.clone_from(pick(conflict));
                }
            }
            TicketChange::Fields(fields)
        }
        TicketChange::Classification { category, urgency, impact } => {
            let value = |name: &str| conflicts.iter().find(|conflict| conflict.field == name).map(&pick);
            TicketChange::Classification {
                category: value("category").and_then(|text| crate::model::Category::parse(text)).unwrap_or(*category),
                urgency: value("urgency").and_then(|text| crate::model::Grade::parse(text)).unwrap_or(*urgency),
                impact: value("impact").and_then(|text| crate::model::Grade::parse(text)).unwrap_or(*impact),
            }
        }
        other => other.clone(),
    }
}

/// The change that puts the engineer's values of `chosen` on top of `current`.
fn mine_on_top(current: &crate::model::Ticket, change: &TicketChange, chosen: &[FieldConflict]) -> TicketChange {
    match change {
        TicketChange::Fields(_) => {
            let mut fields = current.fields.clone();
            for conflict in chosen {
                if let Some(slot) = fields.field_mut(&conflict.field) {
                    slot.clone_from(&conflict.mine);
                }
            }
            TicketChange::Fields(Box::new(fields))
        }
        TicketChange::Classification { .. } => with_conflicts_as(
            &TicketChange::Classification {
                category: current.category,
                urgency: current.urgency,
                impact: current.impact,
            },
            chosen,
            |conflict| &conflict.mine,
        ),
        other => other.clone(),
    }
}

/// How many tickets the team desk holds (0 when it cannot say).
pub(super) fn desk_ticket_count(desk: &mut TeamDesk, now_ms: i64) -> i64 {
    desk.store.desk_first_page(&DeskQuery::default(), 0, now_ms).map_or(0, |listing| listing.total)
}

impl super::Worker {
    /// Saves the team database choice in this console's settings and reopens the desk on it.
    pub(super) fn switch_desk(&mut self, settings: Option<TeamDatabaseSettings>) {
        let saved = match self.store.as_mut() {
            Some(store) => store.set_team_database(settings.as_ref()),
            None => Err(StoreError::Rule("the console's own database is not open".into())),
        };
        match saved {
            Ok(()) => {
                // A choice made in Settings replaces the command line's for this run.
                self.database_override = None;
                self.store = None;
                self.open();
            }
            Err(err) => self.emit(UiEvent::ActionFailed(err.to_string())),
        }
    }

    /// Signs in with `check` on the team desk; the engineer becomes the "who" of every entry.
    pub(super) fn sign_in(&mut self, check: impl FnOnce(&mut TeamStore) -> StoreResult<Engineer>) {
        let Some(team) = self.team.as_mut() else {
            return self.emit(UiEvent::SignInFailed("there is no team desk to sign in to".into()));
        };
        match check(&mut team.store) {
            Ok(engineer) => {
                tracing::info!(engineer = engineer.id.0, "signed in to the team desk");
                self.actor = engineer.name.clone();
                team.engineer = Some(engineer.clone());
                self.emit(UiEvent::SignedIn(engineer));
                self.emit_directory();
            }
            Err(err) => self.emit(UiEvent::SignInFailed(err.to_string())),
        }
    }

    /// Sends the directory as it is now.
    pub(super) fn emit_directory(&mut self) {
        let Some(team) = self.team.as_mut() else { return };
        match team.store.engineers() {
            Ok(engineers) => self.emit(UiEvent::DirectoryLoaded(engineers)),
            Err(err) => tracing::warn!("cannot list the directory: {err}"),
        }
    }

    /// Between requests: colleagues' changes, the link's state and this engineer's presence.
    pub(super) fn look_after_team(&mut self) {
        let now = (self.clock)();
        let Some(team) = self.team.as_mut() else { return };
        team.heartbeat(now);
        for event in team.poll_listener(now) {
            self.emit(event);
        }
    }
}
