//! The engineer's sessions: one per ticket, each a transport task. Link events go to the store
//! thread, which writes the transcript entry before the panel is told (see `store_worker`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use crate::protocol::JoinLink;
use crate::transport::{
    EventSink, HostRequest, SessionCommand, SessionHandle, TransportEvent, TransportSettings, host_session,
};
use crate::ui::{SessionAction, SessionNotice};

use super::store_worker::StoreRequest;

/// Where the console listens for users.
#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// UDP port for sessions; 0 picks any free port. With a fixed port, each further concurrent
    /// session takes the next free one.
    pub port: u16,
    /// Address to bind.
    pub bind_ip: IpAddr,
    /// Host to put in join links; `None` uses this machine's address.
    pub advertised_host: Option<String>,
}

impl Default for ListenConfig {
    fn default() -> Self {
        Self { port: 0, bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED), advertised_host: None }
    }
}

/// How many ports after the configured one a concurrent session may take.
const PORT_SPAN: u16 = 16;

/// The console's running sessions.
pub struct EngineerSessions {
    runtime: tokio::runtime::Handle,
    store: Sender<StoreRequest>,
    listen: ListenConfig,
    settings: TransportSettings,
    sessions: HashMap<i64, SessionHandle>,
}

impl EngineerSessions {
    /// Sessions run on `runtime`; their events go to the store thread through `store`.
    pub fn new(
        runtime: tokio::runtime::Handle,
        store: Sender<StoreRequest>,
        listen: ListenConfig,
        settings: TransportSettings,
    ) -> Self {
        Self { runtime, store, listen, settings, sessions: HashMap::new() }
    }

    fn notify(&self, ticket_id: i64, event: TransportEvent) {
        let _ = self.store.send(StoreRequest::Session { ticket_id, event });
    }

    /// Starts listening for a ticket's user; the code arrives as [`SessionNotice::Started`].
    pub fn start(&mut self, ticket_id: i64, engineer_name: &str) -> Option<JoinLink> {
        if self.sessions.get(&ticket_id).is_some_and(SessionHandle::is_running) {
            self.notify(
                ticket_id,
                TransportEvent::CommandRefused("a session for this ticket is already running".into()),
            );
            return None;
        }
        let store = self.store.clone();
        let sink: EventSink = Arc::new(move |event| {
            let _ = store.send(StoreRequest::Session { ticket_id, event });
        });
        let ports: Vec<u16> = if self.listen.port == 0 {
            vec![0]
        } else {
            (0..PORT_SPAN).filter_map(|offset| self.listen.port.checked_add(offset)).collect()
        };
        let mut last_error = String::new();
        for port in ports {
            let request = HostRequest {
                bind: SocketAddr::new(self.listen.bind_ip, port),
                advertised_host: self.listen.advertised_host.clone(),
                display_name: engineer_name.to_owned(),
            };
            match host_session(&self.runtime, request, self.settings.clone(), sink.clone()) {
                Ok(hosted) => {
                    let notice = SessionNotice::Started {
                        link: hosted.link.to_link(),
                        code: hosted.link.code.grouped(),
                        address: format!("{}:{}", bracket(&hosted.link.host), hosted.link.port),
                        expires_at_ms: hosted.code_expires_at_ms,
                    };
                    let _ = self.store.send(StoreRequest::SessionStarted {
                        ticket_id,
                        port: hosted.local_addr.port(),
                        notice,
                    });
                    self.sessions.insert(ticket_id, hosted.handle);
                    return Some(hosted.link);
                }
                Err(err) => last_error = err.to_string(),
            }
        }
        let _ = self.store.send(StoreRequest::SessionStarted {
            ticket_id,
            port: 0,
            notice: SessionNotice::StartFailed(last_error),
        });
        None
    }

    /// Passes the panel's action to the ticket's session.
    pub fn act(&mut self, ticket_id: i64, action: SessionAction) {
        let command = match action {
            SessionAction::RequestConsent(request) => SessionCommand::RequestConsent(request),
            SessionAction::Chat(text) => SessionCommand::Chat(text),
            SessionAction::End => SessionCommand::End,
        };
        let sent = self.sessions.get(&ticket_id).is_some_and(|handle| handle.send(command));
        if !sent {
            self.notify(ticket_id, TransportEvent::CommandRefused("the session is over".into()));
        }
    }

    /// Sends a raw command to a ticket's session (the demo uses it); `false` if none runs.
    pub fn command(&self, ticket_id: i64, command: SessionCommand) -> bool {
        self.sessions.get(&ticket_id).is_some_and(|handle| handle.send(command))
    }

    /// Ends every session (the console is closing).
    pub fn end_all(&mut self) {
        for handle in self.sessions.values() {
            handle.send(SessionCommand::End);
        }
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') { format!("[{host}]") } else { host.to_owned() }
}
