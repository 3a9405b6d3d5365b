//! A PipeWire screen stream on its own thread: PipeWire runs its own main loop, so the stream
//! lives there, asks only for shared-memory buffers in the four 32-bit formats (no DMA-BUF) with
//! damage metadata, turns each buffer into the shared image (`pipewire_frame`), and hands the
//! newest through one slot. A quiet screen sends no buffers: the thread sleeps in its loop.

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use pipewire as pw;
use pw::spa;
use pw::spa::buffer::meta::MetaVideoDamage;
use pw::spa::param::video::{VideoFormat, VideoInfoRaw};
use pw::spa::pod::{ChoiceValue, Object, Pod, Property, PropertyFlags, Value};
use pw::spa::utils::{Choice, ChoiceEnum, ChoiceFlags, Fraction, Id, Rectangle, SpaTypes};

use super::pipewire_frame::{BufferError, BufferLayout, FrameAssembler, ShmFormat};
use super::{CaptureError, PixelRect, ScreenImage};

/// Most damage rectangles asked for per buffer (more: the compositor sends one covering them).
const MAX_DAMAGE_RECTS: usize = 16;

/// What the stream thread shares with the capture thread.
#[derive(Default)]
struct Slot {
    /// The newest assembled screen, if not yet taken.
    fresh: Option<ScreenImage>,
    /// Why the stream stopped, once it did.
    failed: Option<CaptureError>,
    /// Width and height of the stream, once negotiated.
    size: Option<(u32, u32)>,
    /// How long each buffer took to bring into the image, ms (the newest
    /// [`MAX_TIMINGS`], for the capture benchmark).
    convert_ms: Vec<f64>,
}

/// Most conversion timings kept.
const MAX_TIMINGS: usize = 10_000;

/// A running PipeWire stream of one screen (or window); dropping it stops the stream and its
/// thread.
pub struct PipeWireStream {
    slot: Arc<Mutex<Slot>>,
    quit: pw::channel::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl PipeWireStream {
    /// Connects to the PipeWire remote `fd` (from the ScreenCast portal) and streams node
    /// `node_id`. Fails when PipeWire refuses the connection or the stream.
    pub fn start(fd: OwnedFd, node_id: u32) -> Result<Self, CaptureError> {
        Self::start_on(Some(fd), StreamTarget::Node(node_id))
    }

    /// Connects to `remote` (`None`: this user's PipeWire daemon) and streams `target`.
    pub fn start_on(remote: Option<OwnedFd>, target: StreamTarget) -> Result<Self, CaptureError> {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let (quit, quit_receiver) = pw::channel::channel::<()>();
        let (started_sender, started) = std::sync::mpsc::channel();
        let thread_slot = slot.clone();
        let thread = std::thread::Builder::new()
            .name("stepwise-pipewire".into())
            .spawn(move || {
                if let Err(err) = run_stream(remote, target, thread_slot, quit_receiver, &started_sender) {
                    let _ = started_sender.send(Err(err));
                }
            })
            .map_err(|err| CaptureError::Failed(format!("cannot start the PipeWire thread: {err}")))?;
        let mut stream = Self { slot, quit, thread: Some(thread) };
        match started.recv() {
            Ok(Ok(())) => Ok(stream),
            Ok(Err(err)) => Err(err),
            Err(_) => {
                stream.thread.take().map(JoinHandle::join);
                Err(CaptureError::Failed("the PipeWire thread ended at once".into()))
            }
        }
    }

    /// The newest screen since the last call (`None`: nothing changed), or why the stream ended.
    pub fn take_frame(&self) -> Result<Option<ScreenImage>, CaptureError> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(image) = slot.fresh.take() {
            return Ok(Some(image));
        }
        match &slot.failed {
            Some(err) => Err(err.clone()),
            None => Ok(None),
        }
    }

    /// How long each buffer since the last call took to bring into the image, ms.
    pub fn take_convert_ms(&self) -> Vec<f64> {
        std::mem::take(&mut self.slot.lock().unwrap_or_else(PoisonError::into_inner).convert_ms)
    }

    /// The stream's size once negotiated.
    pub fn size(&self) -> Option<(u32, u32)> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).size
    }
}

impl Drop for PipeWireStream {
    fn drop(&mut self) {
        let _ = self.quit.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Which video node to stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamTarget {
    /// The node the portal named.
    Node(u32),
    /// A node by its `node.name` (tests and the capture benchmark, on the user's own daemon).
    Named(String),
}

/// The stream thread's state inside PipeWire's callbacks.
struct StreamState {
    format: VideoInfoRaw,
    assembler: FrameAssembler,
    slot: Arc<Mutex<Slot>>,
    /// Buffers skipped as malformed.
    bad_buffers: u64,
}

fn failed(what: &str, err: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed(format!("{what}: {err}"))
}

/// Runs the stream until `quit` says so; tells `started` once connected.
fn run_stream(
    remote: Option<OwnedFd>,
    target: StreamTarget,
    slot: Arc<Mutex<Slot>>,
    quit: pw::channel::Receiver<()>,
    started: &std::sync::mpsc::Sender<Result<(), CaptureError>>,
) -> Result<(), CaptureError> {
    pw::init();
    let mainloop = pw::main_loop::MainLoopRc::new(None).map_err(|err| failed("PipeWire main loop", err))?;
    let context = pw::context::ContextRc::new(&mainloop, None).map_err(|err| failed("PipeWire context", err))?;
    let core = match remote {
        Some(fd) => context.connect_fd_rc(fd, None),
        None => context.connect_rc(None),
    }
    .map_err(|err| failed("connecting to PipeWire", err))?;
    let mut properties = pw::properties::properties! {
        *pw::keys::MEDIA_TYPE => "Video",
        *pw::keys::MEDIA_CATEGORY => "Capture",
        *pw::keys::MEDIA_ROLE => "Screen",
    };
    let node_id = match target {
        StreamTarget::Node(node_id) => Some(node_id),
        StreamTarget::Named(name) => {
            properties.insert("target.object", name);
            None
        }
    };
    let stream = pw::stream::StreamBox::new(&core, "stepwise-screen", properties)
        .map_err(|err| failed("PipeWire stream", err))?;
    let state = StreamState {
        format: VideoInfoRaw::default(),
        assembler: FrameAssembler::new(),
        slot: slot.clone(),
        bad_buffers: 0,
    };
    let _listener = stream
        .add_local_listener_with_user_data(state)
        .state_changed(|_, state, _, new| {
            let reason = match new {
                pw::stream::StreamState::Error(message) => format!("the screen stream failed: {message}"),
                pw::stream::StreamState::Unconnected => "the screen stream was closed".to_owned(),
                _ => return,
            };
            state.slot.lock().unwrap_or_else(PoisonError::into_inner).failed = Some(CaptureError::Failed(reason));
        })
        .param_changed(on_param_changed)
        .process(on_process)
        .register()
        .map_err(|err| failed("PipeWire stream listener", err))?;
    let format = serialize(enum_format())?;
    let mut params = [pod(&format)?];
    stream
        .connect(
            spa::utils::Direction::Input,
            node_id,
            pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
            &mut params,
        )
        .map_err(|err| failed("connecting the screen stream", err))?;
    let weak = mainloop.downgrade();
    let _quit = quit.attach(mainloop.loop_(), move |()| {
        if let Some(mainloop) = weak.upgrade() {
            mainloop.quit();
        }
    });
    let _ = started.send(Ok(()));
    mainloop.run();
    let _ = stream.disconnect();
    Ok(())
}

/// The formats offered: 32-bit RGB in any order, any size, no modifier (so shared memory only).
fn enum_format() -> Object {
    let formats = [VideoFormat::BGRx, VideoFormat::RGBx, VideoFormat::BGRA, VideoFormat::RGBA];
    let choice = |choice: ChoiceEnum<Id>| Value::Choice(ChoiceValue::Id(Choice(ChoiceFlags::empty(), choice)));
    Object {
        type_: SpaTypes::ObjectParamFormat.as_raw(),
        id: spa::param::ParamType::EnumFormat.as_raw(),
        properties: vec![
            Property::new(
                spa::param::format::FormatProperties::MediaType.as_raw(),
                Value::Id(Id(spa::param::format::MediaType::Video.as_raw())),
            ),
            Property::new(
                spa::param::format::FormatProperties::MediaSubtype.as_raw(),
                Value::Id(Id(spa::param::format::MediaSubtype::Raw.as_raw())),
            ),
            Property::new(
                spa::param::format::FormatProperties::VideoFormat.as_raw(),
                choice(ChoiceEnum::Enum {
                    default: Id(formats[0].as_raw()),
                    alternatives: formats.iter().map(|format| Id(format.as_raw())).collect(),
                }),
            ),
            Property::new(
                spa::param::format::FormatProperties::VideoSize.as_raw(),
                Value::Choice(ChoiceValue::Rectangle(Choice(
                    ChoiceFlags::empty(),
                    ChoiceEnum::Range {
                        default: Rectangle { width: 1920, height: 1080 },
                        min: Rectangle { width: 1, height: 1 },
                        max: Rectangle { width: 8192, height: 8192 },
                    },
                ))),
            ),
            Property::new(
                spa::param::format::FormatProperties::VideoFramerate.as_raw(),
                Value::Choice(ChoiceValue::Fraction(Choice(
                    ChoiceFlags::empty(),
                    ChoiceEnum::Range {
                        default: Fraction { num: 30, denom: 1 },
                        min: Fraction { num: 0, denom: 1 },
                        max: Fraction { num: 60, denom: 1 },
                    },
                ))),
            ),
        ],
    }
}

/// Buffers in shared memory only (plain pointers or memfds), never DMA-BUF.
fn buffers_param() -> Object {
    let data_types = (1 << spa::sys::SPA_DATA_MemPtr) | (1 << spa::sys::SPA_DATA_MemFd);
    Object {
        type_: SpaTypes::ObjectParamBuffers.as_raw(),
        id: spa::param::ParamType::Buffers.as_raw(),
        properties: vec![Property {
            key: spa::sys::SPA_PARAM_BUFFERS_dataType,
            flags: PropertyFlags::empty(),
            value: Value::Choice(ChoiceValue::Int(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Flags { default: data_types, flags: vec![data_types] },
            ))),
        }],
    }
}

/// Damage rectangles with each buffer, where the compositor offers them.
fn damage_meta_param() -> Object {
    let region_bytes = i32::try_from(std::mem::size_of::<spa::sys::spa_meta_region>()).unwrap_or(16);
    let most = region_bytes * MAX_DAMAGE_RECTS as i32;
    Object {
        type_: SpaTypes::ObjectParamMeta.as_raw(),
        id: spa::param::ParamType::Meta.as_raw(),
        properties: vec![
            Property::new(spa::sys::SPA_PARAM_META_type, Value::Id(Id(spa::sys::SPA_META_VideoDamage))),
            Property::new(
                spa::sys::SPA_PARAM_META_size,
                Value::Choice(ChoiceValue::Int(Choice(
                    ChoiceFlags::empty(),
                    ChoiceEnum::Range { default: most, min: region_bytes, max: most },
                ))),
            ),
        ],
    }
}

fn serialize(object: Object) -> Result<Vec<u8>, CaptureError> {
    spa::pod::serialize::PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &Value::Object(object))
        .map(|(cursor, _)| cursor.into_inner())
        .map_err(|err| failed("building a PipeWire parameter", format!("{err:?}")))
}

fn pod(bytes: &[u8]) -> Result<&Pod, CaptureError> {
    Pod::from_bytes(bytes).ok_or_else(|| CaptureError::Failed("a malformed PipeWire parameter".into()))
}

/// The format was chosen: remember it and ask for shared-memory buffers with damage.
fn on_param_changed(stream: &pw::stream::Stream, state: &mut StreamState, id: u32, param: Option<&Pod>) {
    let Some(param) = param else { return };
    if id != spa::param::ParamType::Format.as_raw() {
        return;
    }
    if state.format.parse(param).is_err() {
        return;
    }
    let size = state.format.size();
    state.slot.lock().unwrap_or_else(PoisonError::into_inner).size = Some((size.width, size.height));
    let (Ok(buffers), Ok(meta)) = (serialize(buffers_param()), serialize(damage_meta_param())) else { return };
    let (Ok(buffers), Ok(meta)) = (pod(&buffers), pod(&meta)) else { return };
    if let Err(err) = stream.update_params(&mut [buffers, meta]) {
        tracing::warn!("PipeWire refused the buffer parameters: {err}");
    }
}

/// The negotiated format as ours (`None`: one we did not ask for).
fn shm_format(format: VideoFormat) -> Option<ShmFormat> {
    match format {
        VideoFormat::BGRx => Some(ShmFormat::Bgrx),
        VideoFormat::RGBx => Some(ShmFormat::Rgbx),
        VideoFormat::BGRA => Some(ShmFormat::Bgra),
        VideoFormat::RGBA => Some(ShmFormat::Rgba),
        _ => None,
    }
}

/// Every queued buffer, in order, into the image; the newest image into the slot.
fn on_process(stream: &pw::stream::Stream, state: &mut StreamState) {
    let mut changed = false;
    while let Some(mut buffer) = stream.dequeue_buffer() {
        let damage: Option<Vec<PixelRect>> = buffer.find_meta::<MetaVideoDamage>().map(|meta| {
            meta.iter()
                .take(MAX_DAMAGE_RECTS)
                .map(|region| {
                    let region = region.region();
                    let x = region.position.x.max(0);
                    let y = region.position.y.max(0);
                    let cut_x = x.abs_diff(region.position.x);
                    let cut_y = y.abs_diff(region.position.y);
                    PixelRect {
                        x: x.unsigned_abs(),
                        y: y.unsigned_abs(),
                        width: region.size.width.saturating_sub(cut_x),
                        height: region.size.height.saturating_sub(cut_y),
                    }
                })
                .collect()
        });
        let Some(data) = buffer.datas_mut().first_mut() else { continue };
        if data.as_raw().chunk.is_null() {
            // `chunk()` would panic inside PipeWire's callback: a malformed buffer, skipped.
            report(state, &BufferError::NotMapped);
            continue;
        }
        let size = state.format.size();
        let raw_format = state.format.format();
        let layout = BufferLayout {
            format: shm_format(raw_format),
            raw_format: raw_format.as_raw(),
            width: size.width,
            height: size.height,
            stride_bytes: data.chunk().stride(),
            offset_bytes: data.chunk().offset(),
            size_bytes: data.chunk().size(),
        };
        let Some(memory) = data.data() else {
            report(state, &BufferError::NotMapped);
            continue;
        };
        let started = std::time::Instant::now();
        match state.assembler.apply(&layout, memory, damage.as_deref()) {
            Ok(0) => {}
            Ok(_) => changed = true,
            Err(err) => report(state, &err),
        }
        let mut slot = state.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.convert_ms.len() < MAX_TIMINGS {
            slot.convert_ms.push(started.elapsed().as_secs_f64() * 1_000.0);
        }
    }
    if changed && let Some(image) = state.assembler.image() {
        state.slot.lock().unwrap_or_else(PoisonError::into_inner).fresh = Some(image.clone());
    }
}

/// A bad buffer is skipped (the stream goes on); the first one is logged.
fn report(state: &mut StreamState, err: &BufferError) {
    if state.bad_buffers == 0 {
        tracing::warn!("skipping a screen buffer: {err}");
    }
    state.bad_buffers = state.bad_buffers.saturating_add(1);
}
