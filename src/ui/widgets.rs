//! Small reusable widgets: priority badge, SLA countdown, enum pickers, time formatting.

use egui::{Color32, RichText, Ui};

use crate::model::{Priority, Status};
use crate::model::{SlaClock, SlaPolicy};

use super::i18n::{Lang, Text, priority_text, sla_texts};
use super::theme;

/// A filled, rounded priority badge.
pub fn priority_badge(ui: &mut Ui, lang: Lang, priority: Priority) {
    let fill = theme::priority_color(priority);
    let text = RichText::new(priority_text(priority).get(lang)).small().strong().color(theme::text_on(fill));
    egui::Frame::new()
        .fill(fill)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(5, 1))
        .show(ui, |ui| ui.label(text));
}

/// The SLA state of a ticket as short text and colour: countdown, overdue, paused or stopped.
pub fn sla_summary(
    lang: Lang,
    clock: &SlaClock,
    status: Status,
    now_ms: i64,
    policy: &SlaPolicy,
) -> (String, Option<Color32>) {
    if !status.is_open() {
        return (Text::SlaStopped.get(lang).to_owned(), None);
    }
    let reading = clock.read(now_ms, policy);
    let color = theme::sla_color(reading.level, reading.paused);
    if reading.paused {
        return (Text::SlaPaused.get(lang).to_owned(), color);
    }
    let (left, overdue) = sla_texts(reading.target);
    let text = if reading.remaining_ms > 0 {
        left.fill(lang, &[&countdown_text(reading.remaining_ms, lang)])
    } else {
        overdue.fill(lang, &[&countdown_text(-reading.remaining_ms, lang)])
    };
    (text, color)
}

/// Compact countdown for a sidebar row: `45m`, `-2h 05m`, `‖ 1h 10m` (in `lang`'s units), or
/// nothing once resolved.
pub fn sla_countdown(
    lang: Lang,
    clock: &SlaClock,
    status: Status,
    now_ms: i64,
    policy: &SlaPolicy,
) -> (String, Option<Color32>) {
    if !status.is_open() {
        return (String::new(), None);
    }
    let reading = clock.read(now_ms, policy);
    let prefix = if reading.paused { "‖ " } else { "" };
    (format!("{prefix}{}", countdown_text(reading.remaining_ms, lang)), theme::sla_color(reading.level, reading.paused))
}

/// A countdown in `lang`'s units: `2d 3h`, `1h 05m`, `45m` (`2天3时`, `1时05分`, `45分`);
/// negative when overdue.
pub fn countdown_text(remaining_ms: i64, lang: Lang) -> String {
    let sign = if remaining_ms < 0 { "-" } else { "" };
    let total_minutes = remaining_ms.unsigned_abs() / 60_000;
    let (days, hours, minutes) = (total_minutes / 1440, (total_minutes / 60) % 24, total_minutes % 60);
    let text = if days > 0 {
        Text::CountdownDaysHours.fill(lang, &[&days.to_string(), &hours.to_string()])
    } else if hours > 0 {
        Text::CountdownHoursMinutes.fill(lang, &[&hours.to_string(), &format!("{minutes:02}")])
    } else {
        Text::CountdownMinutes.fill(lang, &[&minutes.to_string()])
    };
    format!("{sign}{text}")
}

/// A combo box over `options`, labelled by `label_of`; returns true when the value changed.
pub fn enum_combo<T: Copy + PartialEq>(
    ui: &mut Ui,
    label: &egui::Response,
    id_salt: &str,
    value: &mut T,
    options: &[T],
    label_of: impl Fn(T) -> String,
) -> bool {
    let before = *value;
    egui::ComboBox::from_id_salt(id_salt)
        .selected_text(label_of(*value))
        .show_ui(ui, |ui| {
            for option in options {
                ui.selectable_value(value, *option, label_of(*option));
            }
        })
        .response
        .labelled_by(label.id);
    *value != before
}

/// A combo box over optional values with an "Any" entry; returns true when the value changed.
pub fn optional_combo<T: Clone + PartialEq>(
    ui: &mut Ui,
    lang: Lang,
    label: &egui::Response,
    id_salt: &str,
    value: &mut Option<T>,
    options: &[T],
    label_of: impl Fn(&T) -> String,
) -> bool {
    let before = value.clone();
    let selected = value.as_ref().map_or_else(|| Text::Any.get(lang).to_owned(), &label_of);
    egui::ComboBox::from_id_salt(id_salt)
        .selected_text(selected)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, Text::Any.get(lang));
            for option in options {
                ui.selectable_value(value, Some(option.clone()), label_of(option));
            }
        })
        .response
        .labelled_by(label.id);
    *value != before
}

/// Local date and time, `2026-11-25 14:03`.
pub fn format_time(at_ms: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(at_ms).single() {
        Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        None => "—".to_owned(),
    }
}

/// Local wall-clock time of day, `HH:MM:SS`.
pub fn format_clock(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|utc| utc.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A duration as `9:59` (minutes:seconds) or `1:02:03`.
pub fn format_duration_ms(duration_ms: i64) -> String {
    let seconds = duration_ms.max(0) / 1_000;
    let (hours, minutes, seconds) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    if hours > 0 { format!("{hours}:{minutes:02}:{seconds:02}") } else { format!("{minutes}:{seconds:02}") }
}

#[cfg(test)]
mod countdown_tests {
    use super::*;

    #[test]
    fn countdowns_use_the_languages_units() {
        const MINUTE_MS: i64 = 60_000;
        assert_eq!(countdown_text(45 * MINUTE_MS, Lang::En), "45m");
        assert_eq!(countdown_text(-(125 * MINUTE_MS), Lang::En), "-2h 05m");
        assert_eq!(countdown_text((2 * 1440 + 180) * MINUTE_MS, Lang::En), "2d 3h");
        assert_eq!(countdown_text(45 * MINUTE_MS, Lang::Zh), "45分");
        assert_eq!(countdown_text(-(125 * MINUTE_MS), Lang::Zh), "-2时05分");
        assert_eq!(countdown_text((2 * 1440 + 180) * MINUTE_MS, Lang::Zh), "2天3时");
    }
}
