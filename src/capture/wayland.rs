//! The live screen on Wayland: what the user picked in the system's screen-sharing dialog (the
//! xdg-desktop-portal ScreenCast portal, driven from `app/portal.rs`, which is async), streamed
//! through PipeWire (`pipewire.rs`). The source exists from the moment the dialog is asked for;
//! it yields nothing until the user has picked, and closes the portal session when dropped.

use std::os::fd::OwnedFd;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::pipewire::PipeWireStream;
use super::{CaptureError, ScreenImage, ScreenSource, SourceLabel};

/// What the portal hands over once the user picked a monitor or window.
#[derive(Debug)]
pub struct PortalGrant {
    /// The PipeWire remote opened for this session only.
    pub fd: OwnedFd,
    /// The stream's node on that remote.
    pub node_id: u32,
}

/// Keeps the portal session open; dropping it closes the session (the compositor stops its
/// sharing indicator).
pub trait PortalSession: Send {}

/// A screen (or window) picked in the system's dialog, streamed through PipeWire.
pub struct WaylandSource {
    /// The portal's answer, until it came.
    pending: Option<Receiver<Result<PortalGrant, CaptureError>>>,
    stream: Option<PipeWireStream>,
    /// Dropped after the stream (field order): the stream stops first, then the session closes.
    _session: Box<dyn PortalSession>,
}

impl WaylandSource {
    /// A source waiting for `grant` (sent once the user picked, or why not); `session` is
    /// closed with the source.
    pub fn new(grant: Receiver<Result<PortalGrant, CaptureError>>, session: Box<dyn PortalSession>) -> Self {
        Self { pending: Some(grant), stream: None, _session: session }
    }

    /// Starts the stream once the portal answered; `Ok(false)` while it has not.
    fn poll_grant(&mut self) -> Result<bool, CaptureError> {
        let Some(pending) = &self.pending else { return Ok(true) };
        let grant = match pending.try_recv() {
            Ok(grant) => grant?,
            Err(TryRecvError::Empty) => return Ok(false),
            Err(TryRecvError::Disconnected) => {
                return Err(CaptureError::PortalFailed("the screen-sharing dialog ended without an answer".into()));
            }
        };
        self.pending = None;
        self.stream = Some(PipeWireStream::start(grant.fd, grant.node_id)?);
        Ok(true)
    }
}

impl ScreenSource for WaylandSource {
    fn label(&self) -> SourceLabel {
        SourceLabel::SystemPicker
    }

    fn size(&self) -> (u32, u32) {
        self.stream.as_ref().and_then(PipeWireStream::size).unwrap_or((0, 0))
    }

    fn capture(&mut self) -> Result<Option<ScreenImage>, CaptureError> {
        if !self.poll_grant()? {
            return Ok(None);
        }
        match &self.stream {
            Some(stream) => stream.take_frame(),
            None => Ok(None),
        }
    }

    fn reopens_by_itself(&self) -> bool {
        // Reopening asks the user again in the system's dialog: only when they resume sharing.
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Session(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl PortalSession for Session {}
    impl Drop for Session {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    #[test]
    fn nothing_until_the_user_picked_and_the_portal_closes_with_the_source() {
        let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (answer, grant) = std::sync::mpsc::channel();
        let mut source = WaylandSource::new(grant, Box::new(Session(closed.clone())));
        assert_eq!(source.capture(), Ok(None), "the dialog is still open");
        assert_eq!(source.label(), SourceLabel::SystemPicker);
        assert!(!source.reopens_by_itself());
        answer.send(Err(CaptureError::PickerCancelled)).unwrap();
        assert_eq!(source.capture(), Err(CaptureError::PickerCancelled));
        assert!(!closed.load(std::sync::atomic::Ordering::Acquire));
        drop(source);
        assert!(closed.load(std::sync::atomic::Ordering::Acquire), "dropping the source closes the portal session");
    }

    #[test]
    fn a_portal_that_went_away_is_an_error() {
        let (answer, grant) = std::sync::mpsc::channel::<Result<PortalGrant, CaptureError>>();
        let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut source = WaylandSource::new(grant, Box::new(Session(closed)));
        drop(answer);
        assert!(matches!(source.capture(), Err(CaptureError::PortalFailed(_))));
    }
}
