//! The console's own sessions (`EngineerSessions`) on loopback, with a channel for the store
//! thread, for tests that drive a real session end to end.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use stepwise::app::sessions::{EngineerSessions, ListenConfig};
use stepwise::app::store_worker::StoreRequest;
use stepwise::transport::TransportSettings;

/// A runtime like the binary's.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The console's sessions listening on 127.0.0.1; what they send the store thread arrives on
/// the receiver.
pub fn loopback_sessions(runtime: &tokio::runtime::Runtime) -> (EngineerSessions, Receiver<StoreRequest>) {
    let (store_tx, store) = channel();
    let listen =
        ListenConfig { port: 0, bind_ip: Ipv4Addr::LOCALHOST.into(), advertised_host: Some("127.0.0.1".into()) };
    let sessions = EngineerSessions::new(
        runtime.handle().clone(),
        store_tx,
        Arc::new(|| {}),
        listen,
        TransportSettings::default(),
    );
    (sessions, store)
}
