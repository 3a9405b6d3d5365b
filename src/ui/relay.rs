//! The TURN relay as the views show it: why it cannot be used (a code, read in the language in
//! force), what Settings' "Test relay" found, and the relay line of a waiting session's panel.

use egui::Ui;

use super::i18n::{Lang, Text};
use super::theme;

/// Why the relay cannot be used, as a code (the app maps the network layer's errors to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayProblem {
    /// No relay server is set.
    NotConfigured,
    /// The server refused the username and password, or the shared secret.
    WrongCredentials,
    /// Nothing answers at the server's address (the port is closed, or no route).
    Unreachable,
    /// The server did not answer in time.
    Timeout,
    /// The server's name cannot be found: the server as configured.
    UnknownServer(String),
    /// Anything else, as the network layer said it.
    Other(String),
}

impl RelayProblem {
    /// The problem in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Self::NotConfigured => Text::RelayProblemNotConfigured.get(lang).to_owned(),
            Self::WrongCredentials => Text::RelayProblemWrongCredentials.get(lang).to_owned(),
            Self::Unreachable => Text::RelayProblemUnreachable.get(lang).to_owned(),
            Self::Timeout => Text::RelayProblemTimeout.get(lang).to_owned(),
            Self::UnknownServer(server) => Text::RelayProblemUnknownServer.fill(lang, &[server]),
            Self::Other(detail) => detail.clone(),
        }
    }
}

/// What "Test relay" found: the relayed address and the round trip.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayTestReport {
    /// The address the server relayed for the test (views do no networking: as text).
    pub relayed: String,
    /// The shortest round trip to the server, ms.
    pub rtt_ms: f64,
}

/// Where Settings' "Test relay" stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayTest {
    /// Running on the network runtime.
    Running,
    /// Answered.
    Done(Result<RelayTestReport, RelayProblem>),
}

/// The test's state under the button: a spinner, the relayed address and round trip, or why not.
pub fn relay_test_ui(ui: &mut Ui, lang: Lang, test: &RelayTest) {
    match test {
        RelayTest::Running => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::RelayTesting.get(lang));
            });
        }
        RelayTest::Done(Ok(report)) => {
            let rtt = format!("{:.1}", report.rtt_ms);
            ui.colored_label(theme::SUCCESS, Text::RelayWorks.fill(lang, &[&report.relayed, &rtt]));
        }
        RelayTest::Done(Err(problem)) => {
            ui.colored_label(theme::ERROR, Text::RelayTestFailed.fill(lang, &[&problem.text(lang)]));
        }
    }
}

/// A session's relay as its panel shows it while the user has not joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionRelay {
    /// The allocation is being made on the session's task; the link is direct only so far.
    Allocating,
    /// The link carries the relay address. `users_can_allocate`: users behind strict NAT can
    /// reach the session through it (shared secret); otherwise only this console holds one.
    Ready {
        /// The link offers the user time-limited credentials.
        users_can_allocate: bool,
    },
    /// Not used for this session, which goes on direct: why.
    Unavailable(RelayProblem),
}

/// The panel's relay line.
pub fn session_relay_ui(ui: &mut Ui, lang: Lang, relay: &SessionRelay) {
    match relay {
        SessionRelay::Allocating => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Text::RelayGettingAddress.get(lang));
            });
        }
        SessionRelay::Ready { users_can_allocate: true } => {
            ui.weak(Text::RelayInLink.get(lang));
        }
        SessionRelay::Ready { users_can_allocate: false } => {
            ui.colored_label(theme::WARNING, Text::RelayNotForUsers.get(lang));
        }
        SessionRelay::Unavailable(problem) => {
            ui.colored_label(theme::WARNING, Text::RelayUnavailable.fill(lang, &[&problem.text(lang)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_in_both_languages() {
        for problem in [
            RelayProblem::NotConfigured,
            RelayProblem::WrongCredentials,
            RelayProblem::Unreachable,
            RelayProblem::Timeout,
            RelayProblem::UnknownServer("turn:nowhere.invalid:3478".into()),
        ] {
            let (en, zh) = (problem.text(Lang::En), problem.text(Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty() && en != zh, "{problem:?}: {en} / {zh}");
        }
        assert!(RelayProblem::UnknownServer("turn:x:1".into()).text(Lang::Zh).contains("turn:x:1"));
    }
}
