//! The console's side of the "Export video…" dialog: the preview picture and the save dialog on
//! short-lived threads, the export itself on a worker thread (progress and outcome as
//! [`UiEvent`]s, cancel through a flag), and the `recording_exported` entry sent to the store
//! thread once the video is written.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::{VideoExportFailure, VideoExportJob, export_video};
use crate::app::store_worker::StoreRequest;
use crate::model::VideoFormat;
use crate::recording::RecordingReader;
use crate::ui::UiEvent;
use crate::ui::command::Picture;
use crate::ui::recording_export::{VideoExportOrder, VideoExportProblem};

/// Progress is reported in steps of at least this fraction.
const PROGRESS_STEP: f32 = 0.01;

/// Runs the console's video exports, one at a time.
#[derive(Default)]
pub struct VideoExports {
    /// The running export's cancel flag.
    running: Option<Arc<AtomicBool>>,
}

impl VideoExports {
    /// Loads the recording's first picture for the dialog's preview, on its own thread.
    pub fn load_preview(&self, ctx: &egui::Context, events: Sender<UiEvent>, path: PathBuf) {
        let ctx = ctx.clone();
        let (refused, asked) = (events.clone(), path.clone());
        let started = spawn("stepwise-video-preview", move || {
            let picture = first_picture(&path);
            events.send(UiEvent::VideoExportPreview { path, picture }).ok();
            ctx.request_repaint();
        });
        if !started {
            let picture = Err("cannot start a thread".to_owned());
            refused.send(UiEvent::VideoExportPreview { path: asked, picture }).ok();
        }
    }

    /// Asks where to write the video in a save dialog on its own thread (`None` back when no
    /// dialog can be shown, so the path is typed).
    pub fn choose_path(
        &self,
        ctx: &egui::Context,
        file_dialogs: bool,
        events: Sender<UiEvent>,
        format: VideoFormat,
        suggested: String,
    ) {
        if !file_dialogs {
            events.send(UiEvent::VideoExportPathChosen(None)).ok();
            return;
        }
        let ctx = ctx.clone();
        spawn("stepwise-video-path", move || {
            let ext = format.extension();
            let started = std::time::Instant::now();
            let chosen =
                rfd::FileDialog::new().add_filter(ext.to_uppercase(), &[ext]).set_file_name(suggested).save_file();
            // No person answers a dialog this fast: none was shown, the path is typed instead.
            if chosen.is_some() || started.elapsed() < crate::app::console::NO_DIALOG_SHOWN {
                events.send(UiEvent::VideoExportPathChosen(chosen)).ok();
            }
            ctx.request_repaint();
        });
    }

    /// Starts an export on a worker thread; once written, its entry goes to the ticket's
    /// timeline through the store thread.
    pub fn start(
        &mut self,
        ctx: &egui::Context,
        events: Sender<UiEvent>,
        store: Sender<StoreRequest>,
        order: VideoExportOrder,
    ) {
        if self.running.as_ref().is_some_and(|cancel| Arc::strong_count(cancel) > 1) {
            events
                .send(UiEvent::VideoExportFinished(Err(VideoExportProblem::Failed(
                    "an export is already running".into(),
                ))))
                .ok();
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.running = Some(cancel.clone());
        let ctx = ctx.clone();
        let refused = events.clone();
        let started = spawn("stepwise-video-export", move || {
            let ticket_id = order.source.ticket_id;
            let job = VideoExportJob::new(order.source.path, order.out, order.request);
            let mut shown = -1.0f32;
            let mut progress = |fraction: f32| {
                if fraction - shown >= PROGRESS_STEP || fraction >= 1.0 {
                    shown = fraction;
                    events.send(UiEvent::VideoExportProgress(fraction)).ok();
                    ctx.request_repaint();
                }
            };
            let outcome = export_video(&job, &cancel, &mut progress);
            let outcome = match outcome {
                Ok(exported) => {
                    store.send(StoreRequest::VideoExported { ticket_id, event: exported.event }).ok();
                    Ok(exported.path)
                }
                Err(failure) => {
                    tracing::info!("video export stopped: {failure}");
                    Err(problem(failure))
                }
            };
            events.send(UiEvent::VideoExportFinished(outcome)).ok();
            ctx.request_repaint();
        });
        if !started {
            let why = VideoExportProblem::Failed("cannot start the export's thread".into());
            refused.send(UiEvent::VideoExportFinished(Err(why))).ok();
        }
    }

    /// Stops the running export, if any.
    pub fn cancel(&self) {
        if let Some(cancel) = &self.running {
            cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// The recording's first picture.
fn first_picture(path: &std::path::Path) -> Result<Picture, String> {
    let mut reader = RecordingReader::open(path).map_err(|err| err.to_string())?;
    let first_ms = reader.index().keyframes.first().map(|entry| entry.t_ms);
    let frame = first_ms.map(|t_ms| reader.frame_at(t_ms)).transpose().map_err(|err| err.to_string())?.flatten();
    let frame = frame.ok_or_else(|| crate::model::VideoExportError::NoPicture.to_string())?;
    Ok(Picture { width: frame.width, height: frame.height, rgba: Arc::new(frame.rgba.clone()) })
}

/// The dialog's words for a failure.
fn problem(failure: VideoExportFailure) -> VideoExportProblem {
    match failure {
        VideoExportFailure::FfmpegMissing => VideoExportProblem::FfmpegMissing,
        VideoExportFailure::Refused(error) => VideoExportProblem::Refused(error),
        VideoExportFailure::Cancelled => VideoExportProblem::Cancelled,
        other => VideoExportProblem::Failed(other.to_string()),
    }
}

/// Runs `work` on a named thread; false (logged) when none could be started.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> bool {
    match std::thread::Builder::new().name(name.into()).spawn(work) {
        Ok(_) => true,
        Err(err) => {
            tracing::error!("cannot start {name}: {err}");
            false
        }
    }
}
