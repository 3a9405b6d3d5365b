//! The TURN relay between Settings and the network: the saved settings as a relay
//! configuration, Settings' "Test relay" on the network runtime (never on the UI thread), and the
//! network layer's relay errors as the views' codes.

use std::sync::mpsc::Sender;

use crate::model::NetworkSettings;
use crate::protocol::turn::TurnFailure;
use crate::transport::{RelayAuth, RelayConfig, RelayError};
use crate::ui::UiEvent;
use crate::ui::relay::{RelayProblem, RelayTestReport};

use super::store_worker::Waker;

/// The relay of `saved`, if one is set and valid: a shared secret, or long-term credentials
/// (which stay on this console).
pub fn relay_config(saved: &NetworkSettings) -> Option<RelayConfig> {
    let server = saved.relay_server().ok().flatten()?;
    let auth = if saved.turn_shared_secret {
        RelayAuth::SharedSecret { secret: saved.turn_secret.clone() }
    } else {
        RelayAuth::LongTerm { username: saved.turn_username.clone(), password: saved.turn_secret.clone() }
    };
    Some(RelayConfig { server, auth })
}

/// A relay error as the views' code.
pub fn relay_problem(err: &RelayError) -> RelayProblem {
    match err {
        RelayError::Turn(TurnFailure::Unauthorized) => RelayProblem::WrongCredentials,
        RelayError::Turn(TurnFailure::NoAnswer) | RelayError::Timeout => RelayProblem::Timeout,
        RelayError::Unreachable(_) => RelayProblem::Unreachable,
        RelayError::Resolve(server) => RelayProblem::UnknownServer(server.clone()),
        RelayError::Turn(TurnFailure::Refused { .. } | TurnFailure::Lost) | RelayError::Socket(_) => {
            RelayProblem::Other(err.to_string())
        }
    }
}

/// Runs "Test relay" for `settings` on `runtime`; the answer comes back as
/// [`UiEvent::RelayTested`], waking the UI.
pub fn test_relay(runtime: &tokio::runtime::Handle, settings: &NetworkSettings, events: Sender<UiEvent>, waker: Waker) {
    let Some(config) = relay_config(settings) else {
        let _ = events.send(UiEvent::RelayTested(Err(RelayProblem::NotConfigured)));
        waker();
        return;
    };
    runtime.spawn(async move {
        let outcome = crate::transport::probe_relay(&config)
            .await
            .map(|probe| RelayTestReport { relayed: probe.relayed.to_string(), rtt_ms: probe.rtt_ms })
            .map_err(|err| {
                tracing::info!("relay test: {err}");
                relay_problem(&err)
            });
        let _ = events.send(UiEvent::RelayTested(outcome));
        waker();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_choose_the_credentials_kind() {
        let mut saved = NetworkSettings {
            turn_url: "turn:turn.example.org".into(),
            turn_username: "desk".into(),
            turn_secret: "pw".into(),
            ..NetworkSettings::default()
        };
        let long_term = relay_config(&saved).expect("a relay");
        assert!(matches!(long_term.auth, RelayAuth::LongTerm { ref username, .. } if username == "desk"));
        assert_eq!(long_term.server.port, crate::protocol::turn::DEFAULT_TURN_PORT);
        saved.turn_shared_secret = true;
        assert!(matches!(relay_config(&saved).map(|c| c.auth), Some(RelayAuth::SharedSecret { .. })));
        saved.turn_url = String::new();
        assert!(relay_config(&saved).is_none());
    }

    #[test]
    fn relay_errors_become_codes_the_views_translate() {
        assert_eq!(relay_problem(&RelayError::Turn(TurnFailure::Unauthorized)), RelayProblem::WrongCredentials);
        assert_eq!(relay_problem(&RelayError::Timeout), RelayProblem::Timeout);
        assert_eq!(relay_problem(&RelayError::Turn(TurnFailure::NoAnswer)), RelayProblem::Timeout);
        assert_eq!(relay_problem(&RelayError::Unreachable("x".into())), RelayProblem::Unreachable);
        assert_eq!(
            relay_problem(&RelayError::Resolve("turn:x:1".into())),
            RelayProblem::UnknownServer("turn:x:1".into())
        );
    }
}
