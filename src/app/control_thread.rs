//! The user's side of remote control: a thread owning the XTEST injector for the shared
//! monitor. It applies the input the session let through (the session task hands it over
//! through an [`InputSink`]), and while control is in force it watches for the user's own
//! pointer and keys (local input wins: the session holds the engineer back for 2 s) and for the
//! take-back hotkey (which revokes the control scope).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::sharing::CaptureWake;
use crate::capture::PixelRect;
use crate::capture::x11_input::X11Injector;
use crate::protocol::{InputEvent, SessionCommand, SessionEvent};
use crate::transport::{InputSink, SessionHandle};

/// How often the user's own input and the hotkey are looked for.
const LOCAL_INPUT_POLL: Duration = Duration::from_millis(20);

/// Called after each event was injected (the control benchmark times it).
pub type AppliedObserver = Box<dyn Fn(&InputEvent) + Send>;

/// The injector's thread; stops (letting go of anything held) when dropped.
pub struct ControlThread {
    inputs: Sender<InputEvent>,
    /// Whether the control scope is granted, as the session's events say.
    scope: AtomicBool,
    /// Whether sharing is paused or the link is down (control is not in force meanwhile).
    suspended: AtomicBool,
    /// Whether control is in force: granted and not suspended.
    active: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    /// A new shared monitor for the injector, until the thread takes it.
    retarget: Arc<Mutex<Option<PixelRect>>>,
    thread: Option<JoinHandle<()>>,
}

impl ControlThread {
    /// Starts the thread with `injector`; the user's own input and the hotkey are told to the
    /// session through `handle`; `wake` (the capture thread's) hears of every applied input.
    pub fn spawn(
        injector: X11Injector,
        handle: SessionHandle,
        observer: Option<AppliedObserver>,
        wake: CaptureWake,
    ) -> std::io::Result<Self> {
        let (inputs, received) = channel();
        let active = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let retarget = Arc::new(Mutex::new(None));
        let worker = Worker {
            injector,
            handle,
            active: active.clone(),
            stop: stop.clone(),
            retarget: retarget.clone(),
            observer,
            wake,
            was_active: false,
        };
        let thread = std::thread::Builder::new().name("stepwise-control".into()).spawn(move || worker.run(received))?;
        let (scope, suspended) = (AtomicBool::new(false), AtomicBool::new(false));
        Ok(Self { inputs, scope, suspended, active, stop, retarget, thread: Some(thread) })
    }

    /// The user switched the shared monitor: input lands on `monitor` (desktop pixels) from
    /// now on; whatever the injection held down is let go first.
    pub fn retarget(&self, monitor: PixelRect) {
        *self.retarget.lock().unwrap_or_else(PoisonError::into_inner) = Some(monitor);
    }

    /// Where the session task hands accepted input.
    pub fn sink(&self) -> InputSink {
        let inputs = self.inputs.clone();
        InputSink(Arc::new(move |event| {
            let _ = inputs.send(event);
        }))
    }

    /// Follows the session's events: control in force or not (granted, not paused, connected).
    pub fn follow(&self, event: &SessionEvent) {
        match event {
            SessionEvent::ControlGranted => self.scope.store(true, Ordering::Relaxed),
            SessionEvent::ConsentGranted(scopes) => {
                self.scope.store(scopes.control, Ordering::Relaxed);
                self.suspended.store(false, Ordering::Relaxed);
            }
            SessionEvent::ScopesChanged(scopes) => self.scope.store(scopes.control, Ordering::Relaxed),
            SessionEvent::ControlRevoked | SessionEvent::ConsentRevoked | SessionEvent::Ended { .. } => {
                self.scope.store(false, Ordering::Relaxed);
            }
            SessionEvent::SharingPaused | SessionEvent::Disconnected | SessionEvent::Held(_) => {
                self.suspended.store(true, Ordering::Relaxed);
            }
            SessionEvent::SharingResumed | SessionEvent::Reconnected { .. } | SessionEvent::Unheld => {
                self.suspended.store(false, Ordering::Relaxed);
            }
            _ => return,
        }
        let active = self.scope.load(Ordering::Relaxed) && !self.suspended.load(Ordering::Relaxed);
        self.active.store(active, Ordering::Relaxed);
    }
}

impl Drop for ControlThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// "Send my clipboard": reads this computer's clipboard on a short-lived thread (the platform
/// may make a round trip) and sends its text to the session; `refused` hears why not.
pub fn send_clipboard(handle: SessionHandle, refused: impl Fn(String) + Send + 'static) {
    let spawned = std::thread::Builder::new().name("stepwise-clipboard".into()).spawn(move || {
        match arboard::Clipboard::new().and_then(|mut clipboard| clipboard.get_text()) {
            Ok(text) => {
                if !handle.send(SessionCommand::SendClipboard(text)) {
                    refused("the session is over".into());
                }
            }
            Err(err) => refused(format!("the clipboard cannot be read: {err}")),
        }
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start the clipboard reader: {err}");
    }
}

struct Worker {
    injector: X11Injector,
    handle: SessionHandle,
    active: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    retarget: Arc<Mutex<Option<PixelRect>>>,
    observer: Option<AppliedObserver>,
    wake: CaptureWake,
    was_active: bool,
}

impl Worker {
    fn run(mut self, received: Receiver<InputEvent>) {
        while !self.stop.load(Ordering::Relaxed) {
            let retarget = self.retarget.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(monitor) = retarget {
                if let Err(err) = self.injector.release_all() {
                    tracing::warn!("{err}");
                }
                self.injector.set_monitor(monitor);
            }
            match received.recv_timeout(LOCAL_INPUT_POLL) {
                Ok(event) => {
                    self.apply(event);
                    while let Ok(event) = received.try_recv() {
                        self.apply(event);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if let Err(err) = self.watch() {
                tracing::warn!("{err}");
                break;
            }
        }
        if let Err(err) = self.injector.release_all() {
            tracing::warn!("{err}");
        }
    }

    fn apply(&mut self, event: InputEvent) {
        let injected = match event {
            InputEvent::PointerMove { x, y } => self.injector.move_pointer(x, y),
            InputEvent::Button { button, pressed, x, y } => self.injector.button(button, pressed, x, y),
            InputEvent::Wheel { dx, dy } => self.injector.wheel(dx, dy),
            InputEvent::Key { keysym, pressed } => self.injector.key(keysym, pressed),
        };
        match injected {
            Ok(()) => {
                self.wake.input_applied();
                if let Some(observer) = &self.observer {
                    observer(&event);
                }
            }
            Err(err) => tracing::warn!("{err}"),
        }
    }

    /// Looks for the hotkey and, while control is in force, the user's own input.
    fn watch(&mut self) -> Result<(), crate::capture::x11_input::InputError> {
        let active = self.active.load(Ordering::Relaxed);
        if self.injector.hotkey_pressed()? && active {
            self.handle.send(SessionCommand::RevokeControl);
        }
        let local = self.injector.local_input()?;
        if active && self.was_active && local {
            self.handle.send(SessionCommand::TakeBackControl);
        }
        if !active && self.was_active {
            self.injector.release_all()?;
        }
        self.was_active = active;
        Ok(())
    }
}
