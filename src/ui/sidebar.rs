//! The ticket list: search box, filters and a virtualised list in SLA-urgency order. Rows are
//! fetched a page at a time as they scroll into view, so 100 000 tickets cost what one screen does.

use std::collections::{HashMap, HashSet};

use egui::{Key, RichText, Sense, Ui};

use crate::model::SlaPolicy;
use crate::model::TicketId;
use crate::model::{Category, Priority, Status};
use crate::model::{SlaFilter, TeamScope, TicketFilter, TicketSummary};

use super::command::UiCommand;
use super::i18n::{Lang, Text, category_text, priority_text, status_text};
use super::{theme, widgets};
use crate::ui::StoreCommand;
use crate::ui::ViewContext;

/// Rows per page fetched from the store.
pub const PAGE_SIZE: i64 = 100;

/// Sidebar state: the filter, what is loaded, what is selected.
#[derive(Debug, Default)]
pub struct Sidebar {
    /// The filter in force.
    pub filter: TicketFilter,
    generation: u64,
    total: Option<i64>,
    /// Whether more tickets than `total` match (only the most urgent are listed; scrolled to
    /// the end, the list asks for the next page and grows by it).
    more_than_total: bool,
    /// The filter `total` was counted for.
    counted_filter: Option<TicketFilter>,
    /// Loaded pages with the generation they were loaded for; stale pages stay visible until
    /// replaced, so a refresh does not flicker.
    pages: HashMap<i64, (u64, Vec<TicketSummary>)>,
    requested: HashSet<(u64, i64)>,
    assignees: Vec<String>,
    /// Id of the selected ticket.
    pub selected_id: Option<TicketId>,
    selected_index: Option<usize>,
    scroll_to_selected: bool,
    /// On a team desk: offer "Assigned to me" and "My team".
    pub team_desk: bool,
}

/// What the sidebar asks of the desk besides store commands.
pub enum SidebarAction {
    /// Nothing.
    None,
    /// Open this ticket.
    Open(TicketId),
}

impl Sidebar {
    /// Starts a new generation: recount and reload from the first page (the answer to the query
    /// brings the first page with it).
    pub fn refresh(&mut self, cx: &mut ViewContext<'_, UiCommand>) {
        self.generation += 1;
        self.requested.clear();
        cx.emit(StoreCommand::QueryTickets { filter: self.filter.clone(), generation: self.generation });
        self.requested.insert((self.generation, 0));
    }

    fn request_page(&mut self, page: i64, cx: &mut ViewContext<'_, UiCommand>) {
        if self.requested.insert((self.generation, page)) {
            cx.emit(StoreCommand::LoadPage { filter: self.filter.clone(), generation: self.generation, page });
        }
    }

    /// Applies a count for `generation` (`more_than_total`: only the most urgent `total` of
    /// more matches are listed).
    pub fn counted(&mut self, generation: u64, total: i64, more_than_total: bool, assignees: Vec<String>) {
        if generation == self.generation {
            // A recount of the same search keeps the rows it had grown to (they reload as
            // they are seen) rather than shrinking the list under the engineer.
            let grown = match self.total {
                Some(listed) if more_than_total && self.more_than_total => {
                    let same = self.counted_filter.as_ref() == Some(&self.filter);
                    if same { listed.max(total) } else { total }
                }
                _ => total,
            };
            self.total = Some(grown);
            self.more_than_total = more_than_total;
            self.counted_filter = Some(self.filter.clone());
            self.assignees = assignees;
            self.pages.retain(|page, _| page * PAGE_SIZE < grown);
        }
    }

    /// Shows colleagues' changes at once: each loaded row of these tickets is replaced (the
    /// order and the count follow with the next query).
    pub fn replace_rows(&mut self, changed: &[TicketSummary]) {
        for (_, rows) in self.pages.values_mut() {
            for row in rows.iter_mut() {
                if let Some(new) = changed.iter().find(|new| new.id == row.id) {
                    row.clone_from(new);
                }
            }
        }
    }

    /// Applies a loaded page for `generation`.
    pub fn page_loaded(&mut self, generation: u64, page: i64, rows: Vec<TicketSummary>) {
        if generation == self.generation {
            // The page after the end of a capped listing: the list grows by it.
            if self.more_than_total
                && let Some(total) = self.total
                && page * PAGE_SIZE == total
            {
                self.total = Some(total + i64::try_from(rows.len()).unwrap_or(0));
            }
            self.pages.insert(page, (generation, rows));
            if let Some(index) = self.selected_id.and_then(|id| self.index_of(id)) {
                self.selected_index = Some(index);
            }
        }
    }

    fn index_of(&self, id: TicketId) -> Option<usize> {
        self.pages.iter().find_map(|(page, (_, rows))| {
            let at = rows.iter().position(|row| row.id == id)?;
            usize::try_from(page * PAGE_SIZE).ok().map(|base| base + at)
        })
    }

    /// Whether the first row of the listing is loaded (the arrow keys move through loaded rows).
    pub fn first_row_loaded(&self) -> bool {
        self.row(0).is_some()
    }

    fn row(&self, index: usize) -> Option<(&TicketSummary, bool)> {
        let index = i64::try_from(index).ok()?;
        let (generation, rows) = self.pages.get(&(index / PAGE_SIZE))?;
        let row = rows.get(usize::try_from(index % PAGE_SIZE).ok()?)?;
        Some((row, *generation == self.generation))
    }

    /// Number of matching tickets, once counted.
    pub fn total(&self) -> Option<i64> {
        self.total
    }

    /// Marks `id` as selected (e.g. after creating it) and scrolls to it when it is listed.
    pub fn select(&mut self, id: TicketId) {
        self.selected_id = Some(id);
        self.selected_index = self.index_of(id);
        self.scroll_to_selected = true;
    }

    /// Selects nothing (the main pane shows no ticket).
    pub fn clear_selection(&mut self) {
        self.selected_id = None;
        self.selected_index = None;
    }

    /// Moves the selection up or down by `delta` rows; returns the ticket to open.
    pub fn move_selection(&mut self, delta: i64) -> Option<TicketId> {
        let total = usize::try_from(self.total?).ok()?;
        if total == 0 {
            return None;
        }
        let next = match self.selected_index {
            None => 0,
            Some(index) => (index as i64 + delta).clamp(0, total as i64 - 1) as usize,
        };
        let (row, _) = self.row(next)?;
        let id = row.id;
        self.selected_index = Some(next);
        self.selected_id = Some(id);
        self.scroll_to_selected = true;
        Some(id)
    }

    /// Draws the search box and filters; emits a refresh when they change.
    pub fn filters_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, search_id: egui::Id) {
        let lang = cx.lang;
        let mut changed = false;
        let search = egui::TextEdit::singleline(&mut self.filter.text)
            .id(search_id)
            .hint_text(Text::SearchHint.get(lang))
            .desired_width(f32::INFINITY);
        let label = ui.label(Text::Search.get(lang));
        let response = ui.add(search).labelled_by(label.id);
        changed |= response.changed();
        egui::Grid::new("sidebar_filters").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            let label = ui.label(Text::StatusLabel.get(lang));
            ui.horizontal(|ui| {
                changed |= widgets::optional_combo(
                    ui,
                    lang,
                    &label,
                    "filter_status",
                    &mut self.filter.status,
                    Status::ALL,
                    |s| status_text(*s).get(lang).to_owned(),
                );
                if self.filter.status.is_none() {
                    changed |= ui.checkbox(&mut self.filter.open_only, Text::OpenOnly.get(lang)).changed();
                }
            });
            ui.end_row();
            let label = ui.label(Text::PriorityLabel.get(lang));
            changed |= widgets::optional_combo(
                ui,
                lang,
                &label,
                "filter_priority",
                &mut self.filter.priority,
                Priority::ALL,
                |p| priority_text(*p).get(lang).to_owned(),
            );
            ui.end_row();
            let label = ui.label(Text::CategoryLabel.get(lang));
            changed |= widgets::optional_combo(
                ui,
                lang,
                &label,
                "filter_category",
                &mut self.filter.category,
                Category::ALL,
                |c| category_text(*c).get(lang).to_owned(),
            );
            ui.end_row();
            let label = ui.label(Text::AssigneeLabel.get(lang));
            let mut options = vec![String::new()];
            options.extend(self.assignees.iter().cloned());
            changed |= widgets::optional_combo(
                ui,
                lang,
                &label,
                "filter_assignee",
                &mut self.filter.assignee,
                &options,
                |name| {
                    if name.is_empty() { Text::Unassigned.get(lang).to_owned() } else { name.clone() }
                },
            );
            ui.end_row();
            if self.team_desk {
                let label = ui.label(Text::TeamScopeLabel.get(lang));
                let scope_label = |scope: TeamScope| match scope {
                    TeamScope::All => Text::ScopeAll.get(lang).to_owned(),
                    TeamScope::AssignedToMe => Text::ScopeAssignedToMe.get(lang).to_owned(),
                    TeamScope::MyTeam => Text::ScopeMyTeam.get(lang).to_owned(),
                };
                changed |= widgets::enum_combo(
                    ui,
                    &label,
                    "filter_team_scope",
                    &mut self.filter.scope,
                    &[TeamScope::All, TeamScope::AssignedToMe, TeamScope::MyTeam],
                    scope_label,
                );
                ui.end_row();
            }
            let label = ui.label(Text::SlaLabel.get(lang));
            let sla_label = |filter: SlaFilter| match filter {
                SlaFilter::Any => Text::Any.get(lang).to_owned(),
                SlaFilter::AtRiskOrBreached => Text::SlaAtRisk.get(lang).to_owned(),
                SlaFilter::Breached => Text::SlaBreached.get(lang).to_owned(),
            };
            changed |= widgets::enum_combo(
                ui,
                &label,
                "filter_sla",
                &mut self.filter.sla,
                &[SlaFilter::Any, SlaFilter::AtRiskOrBreached, SlaFilter::Breached],
                sla_label,
            );
            ui.end_row();
        });
        ui.horizontal(|ui| {
            let count = self.total.map_or_else(
                || Text::Loading.get(lang).to_owned(),
                |total| {
                    if self.more_than_total {
                        Text::TicketCountCapped.fill(lang, &[&total.to_string()])
                    } else {
                        Text::TicketCount.fill(lang, &[&total.to_string()])
                    }
                },
            );
            ui.weak(count);
            if self.filter != TicketFilter::default() && ui.small_button(Text::ClearFilters.get(lang)).clicked() {
                self.filter = TicketFilter::default();
                changed = true;
            }
        });
        if changed {
            self.refresh(cx);
        }
    }

    /// Draws the virtualised list; returns the ticket the user picked.
    pub fn list_ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_, UiCommand>, policy: &SlaPolicy) -> SidebarAction {
        let lang = cx.lang;
        let now_ms = cx.now_ms;
        let Some(total) = self.total else {
            ui.spinner();
            return SidebarAction::None;
        };
        if total == 0 {
            ui.weak(Text::NoMatches.get(lang));
            return SidebarAction::None;
        }
        let row_count = usize::try_from(total).unwrap_or(0);
        let row_height = theme::SIDEBAR_ROW_HEIGHT;
        let mut scroll = egui::ScrollArea::vertical().id_salt("ticket_list").auto_shrink([false, false]);
        if std::mem::take(&mut self.scroll_to_selected)
            && let Some(index) = self.selected_index
        {
            let spacing = ui.spacing().item_spacing.y;
            let stride = row_height + spacing;
            let top = index as f32 * stride;
            let state = egui::scroll_area::State::load(ui.ctx(), ui.make_persistent_id("ticket_list"));
            let view_height = ui.available_height();
            let offset = state.map_or(0.0, |state| state.clamped_offset().y);
            if top < offset {
                scroll = scroll.vertical_scroll_offset(top);
            } else if top + stride > offset + view_height {
                scroll = scroll.vertical_scroll_offset(top + stride - view_height);
            }
        }
        let mut action = SidebarAction::None;
        scroll.show_rows(ui, row_height, row_count, |ui, range| {
            // Scrolled to the end of a listing that has more: fetch the next page.
            if self.more_than_total && range.end == row_count && total % PAGE_SIZE == 0 {
                self.request_page(total / PAGE_SIZE, cx);
            }
            for index in range {
                let page = index as i64 / PAGE_SIZE;
                match self.row(index).map(|(row, fresh)| (row.clone(), fresh)) {
                    Some((row, fresh)) => {
                        if !fresh {
                            self.request_page(page, cx);
                        }
                        let selected = self.selected_id == Some(row.id);
                        if row_ui(ui, lang, &row, selected, now_ms, policy).clicked() {
                            self.selected_id = Some(row.id);
                            self.selected_index = Some(index);
                            action = SidebarAction::Open(row.id);
                        }
                    }
                    None => {
                        self.request_page(page, cx);
                        ui.add_sized([ui.available_width(), row_height], egui::Label::new(RichText::new("…").weak()));
                    }
                }
            }
        });
        action
    }

    /// Arrow keys move through the list when no text field has focus.
    pub fn keyboard(&mut self, ui: &Ui) -> Option<TicketId> {
        if ui.ctx().memory(|memory| memory.focused().is_some()) {
            return None;
        }
        let (down, up) = ui.input(|input| (input.key_pressed(Key::ArrowDown), input.key_pressed(Key::ArrowUp)));
        match (down, up) {
            (true, false) => self.move_selection(1),
            (false, true) => self.move_selection(-1),
            _ => None,
        }
    }
}

/// One row: number, priority badge and countdown; title; requester and status.
fn row_ui(
    ui: &mut Ui,
    lang: Lang,
    row: &TicketSummary,
    selected: bool,
    now_ms: i64,
    policy: &SlaPolicy,
) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, theme::SIDEBAR_ROW_HEIGHT), Sense::click());
    let label = format!("{} {}", row.number, row.title);
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, &label));
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let visuals = ui.style().interact_selectable(&response, selected);
    if selected || response.hovered() {
        ui.painter().rect_filled(rect, 4.0, visuals.weak_bg_fill);
    }
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink2(egui::vec2(6.0, 3.0))));
    child.horizontal(|ui| {
        ui.label(RichText::new(&row.number).monospace().small());
        widgets::priority_badge(ui, lang, row.priority);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (countdown, color) = widgets::sla_countdown(lang, &row.sla, row.status, now_ms, policy);
            let mut text = RichText::new(countdown).monospace();
            if let Some(color) = color {
                text = text.color(color).strong();
            }
            ui.label(text);
        });
    });
    child.add(egui::Label::new(RichText::new(&row.title).strong()).truncate().selectable(false));
    child.horizontal(|ui| {
        ui.add(egui::Label::new(RichText::new(&row.requester_name).small()).truncate().selectable(false));
        ui.label(RichText::new(format!("· {}", status_text(row.status).get(lang))).small().weak());
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(from: i64, count: i64) -> Vec<TicketSummary> {
        (from..from + count)
            .map(|id| TicketSummary {
                id: TicketId(id),
                number: format!("T-{id}"),
                title: format!("Printer {id}"),
                requester_name: "王丽".into(),
                priority: Priority::Normal,
                status: Status::New,
                assignee: None,
                sla: crate::model::SlaClock {
                    started_at_ms: 0,
                    response_target_ms: 3_600_000,
                    resolution_target_ms: 28_800_000,
                    responded_at_ms: None,
                    paused_total_ms: 0,
                    paused_since_ms: None,
                },
            })
            .collect()
    }

    #[test]
    fn a_capped_listing_grows_by_the_page_after_its_end_and_a_recount_keeps_it() {
        let mut sidebar = Sidebar {
            filter: TicketFilter { text: "printer".into(), ..TicketFilter::default() },
            ..Sidebar::default()
        };
        sidebar.counted(0, 100, true, Vec::new());
        sidebar.page_loaded(0, 0, rows(0, 100));
        assert_eq!(sidebar.total(), Some(100));
        sidebar.page_loaded(0, 1, rows(100, 100));
        assert_eq!(sidebar.total(), Some(200), "the next page is listed");
        sidebar.page_loaded(0, 2, Vec::new());
        assert_eq!(sidebar.total(), Some(200), "past the cap nothing is added");
        assert!(sidebar.row(150).is_some());

        // The same search counted again (a colleague's change): the list keeps its length.
        sidebar.generation = 1;
        sidebar.counted(1, 100, true, Vec::new());
        assert_eq!(sidebar.total(), Some(200));
        assert!(sidebar.row(150).is_some_and(|(_, fresh)| !fresh), "shown until reloaded");

        // Another search starts from its own first page.
        sidebar.filter.text = "vpn".into();
        sidebar.generation = 2;
        sidebar.counted(2, 100, true, Vec::new());
        assert_eq!(sidebar.total(), Some(100));
        assert!(sidebar.row(150).is_none());
    }

    #[test]
    fn an_exact_listing_never_grows() {
        let mut sidebar = Sidebar::default();
        sidebar.counted(0, 100, false, Vec::new());
        sidebar.page_loaded(0, 1, rows(100, 100));
        assert_eq!(sidebar.total(), Some(100));
    }
}
