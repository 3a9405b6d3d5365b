//! Link events in tests: a sink into a channel, and a bounded wait for the first matching event.

use std::sync::Arc;
use std::time::Duration;

use stepwise::transport::{EventSink, TransportEvent};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

/// A sink that puts every event into the returned channel.
pub fn sink() -> (EventSink, UnboundedReceiver<TransportEvent>) {
    let (tx, rx) = unbounded_channel();
    (Arc::new(move |event| drop(tx.send(event))), rx)
}

/// Waits for the first event matching `predicate`, returning it; panics after `wait`.
pub async fn expect_event_within(
    wait: Duration,
    events: &mut UnboundedReceiver<TransportEvent>,
    what: &str,
    predicate: impl Fn(&TransportEvent) -> bool,
) -> TransportEvent {
    let found = timeout(wait, async {
        while let Some(event) = events.recv().await {
            if predicate(&event) {
                return Some(event);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => event,
        Ok(None) => panic!("event stream ended while waiting for {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
}
