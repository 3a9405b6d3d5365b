//! The system's screen-sharing dialog on Wayland: the xdg-desktop-portal ScreenCast portal
//! (`ashpd`, async over D-Bus, run on the tokio runtime, never on the UI thread). Each time
//! sharing (re)starts the user picks a monitor or window in the portal's own dialog — part of
//! the consent; no permission is persisted (no restore token is asked for or kept). The portal
//! session lives exactly as long as the capture source (`capture::wayland::WaylandSource`).

use std::time::Duration;

use ashpd::desktop::PersistMode;
use ashpd::desktop::screencast::{
    CursorMode, OpenPipeWireRemoteOptions, Screencast, SelectSourcesOptions, SourceType, StartCastOptions,
};
use ashpd::desktop::{ResponseError, Session};

use crate::capture::wayland::{PortalGrant, PortalSession, WaylandSource};
use crate::capture::{CaptureError, ScreenSource};

use super::sharing::SourceOpener;

/// How long the portal may take to say whether it offers screen casting.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether this session should share through the portal: a Wayland session, or no X11 display.
pub fn wanted() -> bool {
    std::env::var_os("WAYLAND_DISPLAY").is_some() || std::env::var_os("DISPLAY").is_none()
}

/// Whether the portal is there and offers to cast a monitor (bounded in time).
pub async fn probe() -> Result<(), CaptureError> {
    let asked = async {
        let proxy = Screencast::new().await?;
        proxy.available_source_types().await
    };
    match tokio::time::timeout(PROBE_TIMEOUT, asked).await {
        Ok(Ok(types)) if types.contains(SourceType::Monitor) => Ok(()),
        Ok(Ok(_)) => Err(CaptureError::PortalFailed("the portal cannot share a monitor".into())),
        Ok(Err(err)) => Err(CaptureError::PortalFailed(err.to_string())),
        Err(_) => Err(CaptureError::PortalFailed("the portal did not answer".into())),
    }
}

/// An opener that asks the portal each time sharing (re)starts. It returns at once: the source
/// yields nothing until the user has picked in the system's dialog.
pub fn opener(runtime: tokio::runtime::Handle) -> SourceOpener {
    Box::new(move || {
        let (answer, grant) = std::sync::mpsc::channel();
        let (close, closed) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            tokio::select! {
                () = run_session(answer) => {}
                _ = closed => {}
            }
        });
        let source: Box<dyn ScreenSource> = Box::new(WaylandSource::new(grant, Box::new(CloseOnDrop(Some(close)))));
        Ok(source)
    })
}

/// Dropped with the source: ends the portal task, which closes the session (or the dialog).
struct CloseOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl PortalSession for CloseOnDrop {}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if let Some(close) = self.0.take() {
            let _ = close.send(());
        }
    }
}

/// Asks for a screen cast, hands the grant over, then keeps the session open until the source
/// goes (this future is dropped; the session is closed on the way out).
async fn run_session(answer: std::sync::mpsc::Sender<Result<PortalGrant, CaptureError>>) {
    let proxy = match Screencast::new().await {
        Ok(proxy) => proxy,
        Err(err) => {
            let _ = answer.send(Err(portal_error(err)));
            return;
        }
    };
    let session = match proxy.create_session(Default::default()).await {
        Ok(session) => session,
        Err(err) => {
            let _ = answer.send(Err(portal_error(err)));
            return;
        }
    };
    let guard = SessionGuard(Some(session));
    let Some(session) = guard.0.as_ref() else { return };
    match pick(&proxy, session).await {
        Ok(grant) => {
            if answer.send(Ok(grant)).is_err() {
                return;
            }
            // Open until the source is dropped (the select! in `opener` ends this future); when
            // the user stops sharing from the system's own indicator, the stream ends instead.
            std::future::pending::<()>().await;
        }
        Err(err) => {
            let _ = answer.send(Err(err));
        }
    }
}

/// The portal's dialog: one monitor or window, the pointer drawn into the picture, nothing
/// persisted.
async fn pick(proxy: &Screencast, session: &Session<Screencast>) -> Result<PortalGrant, CaptureError> {
    let cursor = match proxy.available_cursor_modes().await {
        Ok(modes) if modes.contains(CursorMode::Embedded) => CursorMode::Embedded,
        _ => CursorMode::Hidden,
    };
    let sources = proxy.available_source_types().await.map_err(portal_error)?;
    let wanted = sources & (SourceType::Monitor | SourceType::Window);
    proxy
        .select_sources(
            session,
            SelectSourcesOptions::default()
                .set_cursor_mode(cursor)
                .set_sources(wanted)
                .set_multiple(false)
                .set_persist_mode(PersistMode::DoNot),
        )
        .await
        .map_err(portal_error)?
        .response()
        .map_err(portal_error)?;
    let streams = proxy
        .start(session, None, StartCastOptions::default())
        .await
        .map_err(portal_error)?
        .response()
        .map_err(portal_error)?;
    let stream =
        streams.streams().first().ok_or_else(|| CaptureError::PortalFailed("the portal started no stream".into()))?;
    let node_id = stream.pipe_wire_node_id();
    let fd = proxy.open_pipe_wire_remote(session, OpenPipeWireRemoteOptions::default()).await.map_err(portal_error)?;
    Ok(PortalGrant { fd, node_id })
}

/// Closes the portal session when dropped (the future ended or was cancelled).
struct SessionGuard(Option<Session<Screencast>>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let Some(session) = self.0.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = session.close().await {
                    tracing::debug!("closing the screen-cast session: {err}");
                }
            });
        }
    }
}

/// The user's cancel as its own error; everything else with the portal's words.
fn portal_error(err: ashpd::Error) -> CaptureError {
    match err {
        ashpd::Error::Response(ResponseError::Cancelled) => CaptureError::PickerCancelled,
        other => CaptureError::PortalFailed(other.to_string()),
    }
}
