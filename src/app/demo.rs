//! `stepwise demo --headless`: a scripted session in one process over real loopback QUIC, through
//! the same parts the windows use (store thread, engineer sessions, the Get-help controller).
//! One function per stage; later issues add stages.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::capture::SourceChoice;
use crate::model::{Category, EngineerProfile, Grade, NewTicket, TicketFields, TimelineEvent, now_ms};
use crate::model::{TicketChange, TicketId};
use crate::protocol::{
    Annotation, AnnotationColor, ConsentRequest, JoinCode, JoinLink, RemotePixel, Scopes, SessionEvent, Shape,
    StepCard, StepOutcome,
};
use crate::protocol::{Answer, SessionCommand, SurveyAnswers, SurveyReply};
use crate::store::Store;
use crate::transport::TransportSettings;
use crate::ui::summary::engineer_summary_text;
use crate::ui::{AssistCommand, AssistNotice, JoinFailure, Lang, SessionNotice, StoreCommand, UiCommand, UiEvent};

use super::get_help_app::AssistController;
use super::session_recording::{RECORDINGS_DIR, RecordingTarget};
use super::sessions::{EngineerSessions, ListenConfig};
use super::store_worker::{StoreRequest, StoreWorker};

/// Longest wait for any one step.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the demo watches for leaks before consent, while paused and after the revoke.
const LEAK_WATCH: Duration = Duration::from_millis(400);
/// Most time spent streaming the frames while consent is in force.
const STREAM_TIME: Duration = Duration::from_secs(4);
/// What the demo's user allows: the screen, arrows, and recording.
const DEMO_SCOPES: Scopes = Scopes { view: true, pointers: true, record: true, control: false };
/// Frame rate of the replayed frames.
const DEMO_FPS: u32 = 10;

/// What the demo saw, printed as one JSON object.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    /// "ok" when the right code paired.
    pub pairing: &'static str,
    /// Whether the wrong code was refused first.
    pub wrong_code_rejected: bool,
    /// The ticket the session belongs to.
    pub ticket_number: String,
    /// What the user side shared.
    pub source: String,
    /// Screen updates the console decoded before consent was granted (must be 0).
    pub frames_before_consent: u64,
    /// Screen updates the console decoded while consent was in force.
    pub frames_received: u64,
    /// Screen updates the console decoded while the user had paused (must be 0).
    pub frames_while_paused: u64,
    /// Screen updates the console decoded after the revoke was acknowledged (must be 0).
    pub frames_after_revoke: u64,
    /// Capture → decoded latency of the last update, ms.
    pub last_latency_ms: i64,
    /// Chat lines the console saw (both directions).
    pub chat_lines: u64,
    /// Arrows that reached the user's side.
    pub arrows_shown: u64,
    /// Guided steps the user confirmed, one at a time.
    pub steps_confirmed: u64,
    /// The user answered the exit survey and the console stored it on the ticket.
    pub survey_answered: bool,
    /// The summary drafted from the transcript was saved on the ticket as a note.
    pub summary_saved: bool,
    /// The user's side got its own plain-language summary of the session.
    pub user_summary: bool,
    /// The session transcript in the ticket's timeline, event names in order.
    pub transcript: Vec<String>,
    /// Size of the session's recording (the record scope was granted), bytes.
    pub recording_bytes: u64,
    /// Where the recording is (its `recording_saved` entry says so).
    pub recording_path: String,
    /// Whether the recording verifies against its chain, with the head in the timeline.
    pub recording_verified: bool,
    /// Wall time of the whole script, ms.
    pub duration_ms: u64,
}

impl DemoReport {
    /// The report as a person reads it: one line per stage, in the order they ran.
    pub fn summary(&self) -> String {
        let yes_no = |ok: bool| if ok { "yes" } else { "NO" };
        let none_leaked = |count: u64| if count == 0 { "none (good)".to_owned() } else { format!("{count} (LEAK)") };
        let row = |label: &str, value: String| format!("  {label:<29} {value}");
        let mut lines = vec![
            format!("Stepwise demo: one scripted session over loopback QUIC ({} ms)", self.duration_ms),
            row("Ticket:", self.ticket_number.clone()),
            row("Shared:", self.source.clone()),
            row("Wrong code refused first:", yes_no(self.wrong_code_rejected).to_owned()),
            row("Pairing with the right code:", self.pairing.to_owned()),
            row("Updates before consent:", none_leaked(self.frames_before_consent)),
            row("Updates while allowed:", self.frames_received.to_string()),
            row("Updates while paused:", none_leaked(self.frames_while_paused)),
            row("Updates after stopping:", none_leaked(self.frames_after_revoke)),
            row("Last capture-to-view delay:", format!("{} ms", self.last_latency_ms)),
            row("Chat lines:", self.chat_lines.to_string()),
            row("Arrows shown to the user:", self.arrows_shown.to_string()),
            row("Guided steps confirmed:", self.steps_confirmed.to_string()),
            row("Survey answered and stored:", yes_no(self.survey_answered).to_owned()),
            row("Summary saved on the ticket:", yes_no(self.summary_saved).to_owned()),
            row("The user's own summary:", yes_no(self.user_summary).to_owned()),
            row(
                "Recording:",
                format!(
                    "{} bytes, {} ({})",
                    self.recording_bytes,
                    if self.recording_verified { "verified" } else { "NOT VERIFIED" },
                    self.recording_path
                ),
            ),
            format!("  Transcript in the ticket ({} entries):", self.transcript.len()),
        ];
        lines.extend(self.transcript.iter().enumerate().map(|(index, kind)| format!("    {:>2}. {kind}", index + 1)));
        lines.push("(--json prints the same as one JSON object)".to_owned());
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
}

/// What the windowed demo shares: the built-in picture unless a frame folder or the live screen
/// is asked for. The live screen shows the console inside its own view, so it is never the
/// default; where it cannot be captured, the reason is given rather than a silent substitute.
pub fn windowed_demo_source(frames: Option<PathBuf>, live_screen: bool) -> anyhow::Result<SourceChoice> {
    match (frames, live_screen) {
        (Some(dir), _) => Ok(SourceChoice::FrameFolder { dir, fps: DEMO_FPS }),
        (None, true) => {
            // In a Wayland session the Get-help side asks the system's dialog (or says why it
            // cannot); without any display the demo cannot run, and says so here.
            if std::env::var_os("WAYLAND_DISPLAY").is_none() {
                crate::capture::screen_capture_support().context("--live-screen cannot be used here")?;
            }
            Ok(SourceChoice::Screen { monitor: 0 })
        }
        (None, false) => Ok(SourceChoice::Synthetic { fps: DEMO_FPS }),
    }
}

struct Demo {
    worker: StoreWorker,
    sessions: EngineerSessions,
    user: AssistController,
    events: Receiver<UiEvent>,
    chat_lines: u64,
    ticket_id: TicketId,
}

/// Runs the script against the store in `data_dir`; the transcript stays there.
pub fn run_headless_demo(
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
    frames: Option<PathBuf>,
) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let (sender, events) = channel();
    let waker: super::store_worker::Waker = Arc::new(|| {});
    let worker = StoreWorker::spawn(data_dir.to_path_buf(), sender.clone(), waker.clone(), now_ms);
    // The scripted session is shorter than a minute; the survey is asked all the same.
    let survey = crate::protocol::SurveyTiming { min_session_ms: 0, ..Default::default() };
    let settings = TransportSettings { survey, ..TransportSettings::default() };
    let listen =
        ListenConfig { port: 0, bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST), advertised_host: Some("127.0.0.1".into()) };
    let mut sessions = EngineerSessions::new(runtime.clone(), worker.sender(), waker.clone(), listen, settings.clone());
    sessions.record_into(RecordingTarget {
        dir: data_dir.join(RECORDINGS_DIR),
        floor_bytes: crate::recording::DEFAULT_FREE_SPACE_FLOOR_BYTES,
    });
    let source = match frames {
        Some(dir) => SourceChoice::FrameFolder { dir, fps: DEMO_FPS },
        None => SourceChoice::Synthetic { fps: DEMO_FPS },
    };
    let source_label = super::get_help_app::describe_source(&source)
        .map(|(label, _)| label.to_string())
        .map_err(|why| anyhow::anyhow!("{why}"))?;
    let user = AssistController::new(runtime, data_dir, sender, waker, settings, source);
    let mut demo = Demo { worker, sessions, user, events, chat_lines: 0, ticket_id: TicketId(0) };

    let engineer = demo.open_store()?;
    let ticket_number = demo.create_ticket()?;
    let link = demo.start_session(&engineer)?;
    let wrong_code_rejected = demo.try_wrong_code(&link)?;
    demo.pair(&link)?;
    let frames_before_consent = demo.frames_during(LEAK_WATCH)?;
    demo.request_and_grant_consent(&engineer, &ticket_number)?;
    let frames_received = demo.stream_frames()?;
    demo.exchange_chat()?;
    let arrows_shown = demo.point_with_an_arrow()?;
    let steps_confirmed = demo.guide_three_steps()?;
    let frames_while_paused = demo.pause_and_resume()?;
    demo.revoke()?;
    let frames_after_revoke = demo.frames_during(LEAK_WATCH)?;
    let last_latency_ms = demo.viewer_stats().latency_ms;
    let (summary, user_summary) = demo.end()?;
    let transcript = demo.transcript(data_dir)?;
    let store = Store::open(data_dir)?;
    let survey_answered = store.surveys_for_ticket(demo.ticket_id)?.iter().any(|survey| survey.answers().is_some());
    let summary_saved = store.notes(demo.ticket_id)?.iter().any(|note| note.text == summary);
    let (recording_path, recording_bytes, recording_verified) = demo.recording(data_dir)?;
    Ok(DemoReport {
        pairing: "ok",
        wrong_code_rejected,
        ticket_number,
        source: source_label,
        frames_before_consent,
        frames_received,
        frames_while_paused,
        frames_after_revoke,
        last_latency_ms,
        chat_lines: demo.chat_lines,
        arrows_shown,
        steps_confirmed,
        survey_answered,
        summary_saved,
        user_summary,
        transcript,
        recording_bytes,
        recording_path,
        recording_verified,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

impl Demo {
    /// Waits for the first event matching `wanted`, counting frames and chat on the way.
    fn wait(&mut self, what: &str, mut wanted: impl FnMut(&UiEvent) -> bool) -> anyhow::Result<UiEvent> {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self.events.recv_timeout(left).map_err(|_| anyhow::anyhow!("timed out waiting for {what}"))?;
            match &event {
                UiEvent::Session { notice: SessionNotice::Event(SessionEvent::Chat { .. }), .. } => {
                    self.chat_lines += 1;
                }
                UiEvent::StoreFailed(why) => bail!("the store cannot be opened: {why}"),
                UiEvent::ActionFailed(why) => bail!("{why}"),
                UiEvent::RuleRefused(rule) => bail!("{rule}"),
                _ => {}
            }
            if wanted(&event) {
                return Ok(event);
            }
        }
    }

    fn wait_engineer(&mut self, what: &str, wanted: impl Fn(&SessionEvent) -> bool) -> anyhow::Result<()> {
        let ticket = self.ticket_id;
        self.wait(what, |event| {
            matches!(event, UiEvent::Session { ticket_id, notice: SessionNotice::Event(e) } if *ticket_id == ticket && wanted(e))
        })
        .map(drop)
    }

    fn wait_user(&mut self, what: &str, wanted: impl Fn(&SessionEvent) -> bool) -> anyhow::Result<()> {
        self.wait(what, |event| matches!(event, UiEvent::Assist(AssistNotice::Event(e)) if wanted(e))).map(drop)
    }

    /// Stage: the store opens; a demo engineer profile is saved if there is none.
    fn open_store(&mut self) -> anyhow::Result<String> {
        let UiEvent::StoreOpened(info) = self.wait("the store", |e| matches!(e, UiEvent::StoreOpened(_)))? else {
            bail!("unexpected event")
        };
        if let Some(profile) = info.profile.filter(EngineerProfile::is_complete) {
            return Ok(profile.name);
        }
        let profile = EngineerProfile { name: "Demo Engineer".into(), team: "Stepwise demo".into() };
        self.worker.send(StoreRequest::Command(StoreCommand::SaveProfile(profile.clone())));
        self.wait("the profile", |e| matches!(e, UiEvent::ProfileSaved(_)))?;
        Ok(profile.name)
    }

    /// Stage: a ticket to hold the session.
    fn create_ticket(&mut self) -> anyhow::Result<String> {
        let ticket =
            demo_ticket("打印机脱机 / Printer shows offline", "The office printer shows 'Offline' since this morning.");
        self.worker.send(StoreRequest::Command(StoreCommand::CreateTicket(ticket)));
        let UiEvent::TicketLoaded { detail, .. } =
            self.wait("the new ticket", |e| matches!(e, UiEvent::TicketLoaded { created: true, .. }))?
        else {
            bail!("unexpected event")
        };
        self.ticket_id = detail.ticket.id;
        Ok(detail.ticket.number)
    }

    /// Stage: the engineer starts a session from the ticket.
    fn start_session(&mut self, engineer: &str) -> anyhow::Result<JoinLink> {
        let link = self.sessions.start(self.ticket_id, engineer).context("the session did not start")?;
        self.wait("the code", |e| matches!(e, UiEvent::Session { notice: SessionNotice::Started { .. }, .. }))?;
        Ok(link)
    }

    /// Stage: the user types a wrong code first.
    fn try_wrong_code(&mut self, link: &JoinLink) -> anyhow::Result<bool> {
        let digits: String = link.code.digits().chars().map(|ch| if ch == '1' { '2' } else { '1' }).collect();
        let wrong = JoinLink { code: JoinCode::parse(&digits).context("code")?, ..link.clone() };
        self.user.run(AssistCommand::Join(wrong));
        let answer = self.wait("the wrong-code answer", |e| {
            matches!(e, UiEvent::Assist(AssistNotice::JoinFailed(_) | AssistNotice::Paired))
        })?;
        Ok(matches!(answer, UiEvent::Assist(AssistNotice::JoinFailed(JoinFailure::WrongCode { .. }))))
    }

    /// Stage: the right code pairs.
    fn pair(&mut self, link: &JoinLink) -> anyhow::Result<()> {
        self.user.run(AssistCommand::Join(link.clone()));
        let answer =
            self.wait("pairing", |e| matches!(e, UiEvent::Assist(AssistNotice::JoinFailed(_) | AssistNotice::Paired)))?;
        if let UiEvent::Assist(AssistNotice::JoinFailed(failure)) = answer {
            bail!("pairing with the right code failed: {failure:?}");
        }
        self.wait_engineer("the user's hello", |e| matches!(e, SessionEvent::PeerHello { .. }))
    }

    /// Figures of the console's viewer for the demo ticket.
    fn viewer_stats(&self) -> crate::ui::viewer::ViewerStats {
        self.sessions.viewer(self.ticket_id).map(|slot| slot.lock().stats).unwrap_or_default()
    }

    /// Screen updates the console decoded during the next `watch` (the user side keeps trying).
    fn frames_during(&mut self, watch: Duration) -> anyhow::Result<u64> {
        let before = self.viewer_stats().frames;
        std::thread::sleep(watch);
        Ok(self.viewer_stats().frames - before)
    }

    /// Stage: the engineer asks; the user allows through the Allow button's command.
    fn request_and_grant_consent(&mut self, engineer: &str, ticket_number: &str) -> anyhow::Result<()> {
        let request = ConsentRequest {
            engineer_name: engineer.to_owned(),
            team: "Service desk".into(),
            ticket_number: ticket_number.to_owned(),
            ticket_title: "Printer shows offline".into(),
            purpose: "Check the printer queue with you".into(),
            suggested: DEMO_SCOPES,
        };
        self.sessions.act(self.ticket_id, SessionCommand::RequestConsent(request));
        self.wait_user("the consent request", |e| matches!(e, SessionEvent::ConsentRequested(_)))?;
        self.user.run(AssistCommand::Session(SessionCommand::Grant(DEMO_SCOPES)));
        self.wait_engineer("the grant", |e| matches!(e, SessionEvent::ConsentGranted(_)))
    }

    /// Stage: frames flow while consent is in force (a folder's worth, or a few seconds).
    fn stream_frames(&mut self) -> anyhow::Result<u64> {
        let started = Instant::now();
        let before = self.viewer_stats().frames;
        while started.elapsed() < STREAM_TIME {
            std::thread::sleep(Duration::from_millis(100));
            if self.viewer_stats().frames - before >= 40 {
                break;
            }
        }
        let received = self.viewer_stats().frames - before;
        if received == 0 {
            bail!("no screen update arrived while consent was in force");
        }
        Ok(received)
    }

    /// Stage: one chat line each way.
    fn exchange_chat(&mut self) -> anyhow::Result<()> {
        self.user.run(AssistCommand::Session(SessionCommand::Chat("打印机还是显示脱机 / still offline".into())));
        self.wait_engineer("the user's chat", |e| matches!(e, SessionEvent::Chat { .. }))?;
        self.sessions.act(self.ticket_id, SessionCommand::Chat("Thanks, I can see it. Let's check the queue.".into()));
        self.wait_user("the engineer's chat", |e| matches!(e, SessionEvent::Chat { .. }))
    }

    /// Stage: the engineer points at a spot; the arrow reaches the user's side.
    fn point_with_an_arrow(&mut self) -> anyhow::Result<u64> {
        let arrow = Annotation {
            id: 1,
            shape: Shape::Arrow { tail: RemotePixel { x: 40, y: 40 }, head: RemotePixel { x: 300, y: 180 } },
            label: "点这里 / click here".into(),
            color: AnnotationColor::Red,
            fade_ms: 30_000,
        };
        self.sessions.act(self.ticket_id, SessionCommand::Annotate(arrow));
        self.wait_user("the arrow", |e| matches!(e, SessionEvent::Annotation(_)))?;
        Ok(1)
    }

    /// Stage: a three-step guide, each step answered before the next goes out.
    fn guide_three_steps(&mut self) -> anyhow::Result<u64> {
        let steps = [
            ("打开“设置” → “打印机和扫描仪” / Open Settings → Printers & scanners", "You see the office printer"),
            ("选中打印机，点“打开队列” / Select the printer, click Open queue", "The queue window opens"),
            ("点“取消所有文档”，再打印一页 / Cancel all documents, then print a page", "The page comes out"),
        ];
        let mut confirmed = 0;
        for (index, (instruction, expected)) in steps.iter().enumerate() {
            let step_id = index as u64 + 1;
            let card = StepCard {
                step_id,
                index: u32::try_from(index + 1).unwrap_or(1),
                total: 3,
                instruction: (*instruction).to_owned(),
                expected: (*expected).to_owned(),
                annotation: None,
            };
            self.sessions.act(self.ticket_id, SessionCommand::SendStep(card));
            self.wait_user(
                "the step card",
                |e| matches!(e, SessionEvent::StepSent { card, .. } if card.step_id == step_id),
            )?;
            self.user.run(AssistCommand::Session(SessionCommand::AnswerStep {
                step_id,
                outcome: StepOutcome::Done,
                comment: String::new(),
            }));
            self.wait_engineer(
                "the answer",
                |e| matches!(e, SessionEvent::StepAnswered { step_id: id, .. } if *id == step_id),
            )?;
            confirmed += 1;
        }
        Ok(confirmed)
    }

    /// Stage: the user pauses (nothing may arrive meanwhile), then resumes sharing.
    fn pause_and_resume(&mut self) -> anyhow::Result<u64> {
        self.user.run(AssistCommand::Session(SessionCommand::Pause));
        self.wait_engineer("the pause", |e| matches!(e, SessionEvent::SharingPaused))?;
        let while_paused = self.frames_during(LEAK_WATCH)?;
        self.user.run(AssistCommand::Session(SessionCommand::Resume));
        self.wait_engineer("the resume", |e| matches!(e, SessionEvent::SharingResumed))?;
        Ok(while_paused)
    }

    /// Stage: the user stops sharing.
    fn revoke(&mut self) -> anyhow::Result<()> {
        self.user.run(AssistCommand::Session(SessionCommand::Revoke));
        self.wait_engineer("the revoke", |e| matches!(e, SessionEvent::ConsentRevoked))
    }

    /// Stage: the engineer ends the session; the user is asked the survey and answers it, the
    /// console drafts the summary and saves it on the ticket as a note; both sides close.
    /// Returns the summary saved and whether the user's side got its own.
    fn end(&mut self) -> anyhow::Result<(String, bool)> {
        self.sessions.act(self.ticket_id, SessionCommand::End);
        // The two sides report independently: wait for both, in whatever order they come.
        let ticket = self.ticket_id;
        let (mut offered, mut facts, mut user_summary) = (false, None, false);
        self.wait("the survey and the summary", |event| {
            match event {
                UiEvent::Assist(AssistNotice::Event(SessionEvent::SurveyOffered)) => offered = true,
                UiEvent::Assist(AssistNotice::Summary(_)) => user_summary = true,
                UiEvent::Session { ticket_id, notice: SessionNotice::SummaryDrafted(drafted) }
                    if *ticket_id == ticket =>
                {
                    facts = Some(drafted.clone());
                }
                _ => {}
            }
            offered && facts.is_some() && user_summary
        })?;
        let answers = SurveyAnswers {
            solved: Answer::Yes,
            rating: 5,
            explanations_clear: Answer::Yes,
            comment: "Clear, thank you / 很清楚，谢谢".into(),
        };
        self.user.run(AssistCommand::Session(SessionCommand::AnswerSurvey(SurveyReply::Answered(answers))));
        let summary = engineer_summary_text(&facts.unwrap_or_default(), "Zhang Min", Lang::En);
        let note = UiCommand::change_ticket(ticket, TicketChange::Note(summary.clone()));
        if let UiCommand::Store(command) = note {
            self.worker.send(StoreRequest::Command(command));
        }
        let (mut answered, mut user_closed, mut console_closed, mut note_saved) = (false, false, false, false);
        // The note goes through the store worker, which also handles the session's rows: the
        // demo reads the store only once the worker says the note is on the ticket.
        self.wait("the survey's answer, the note and both sides to close", |event| {
            match event {
                UiEvent::TicketLoaded { detail, .. }
                    if detail.ticket.id == ticket && detail.notes.iter().any(|note| note.text == summary) =>
                {
                    note_saved = true;
                }
                UiEvent::Assist(AssistNotice::Closed) => user_closed = true,
                UiEvent::Session { ticket_id, notice: SessionNotice::Closed } if *ticket_id == ticket => {
                    console_closed = true;
                }
                UiEvent::Session { ticket_id, notice: SessionNotice::Event(SessionEvent::SurveyReplied(_)) }
                    if *ticket_id == ticket =>
                {
                    answered = true;
                }
                _ => {}
            }
            answered && user_closed && console_closed && note_saved
        })?;
        Ok((summary, user_summary))
    }

    /// The recording as its `recording_saved` entry names it: path, size, and whether the file
    /// verifies with the chain head the entry holds.
    fn recording(&self, data_dir: &Path) -> anyhow::Result<(String, u64, bool)> {
        let store = Store::open(data_dir)?;
        let saved = store.history(self.ticket_id)?.into_iter().find_map(|entry| match entry.event {
            TimelineEvent::RecordingSaved { path, bytes, hash_head, .. } => Some((path, bytes, hash_head)),
            _ => None,
        });
        let Some((path, bytes, hash_head)) = saved else { bail!("the session was not recorded") };
        let verified = matches!(
            crate::recording::verify(Path::new(&path))?,
            crate::recording::Verification::Verified { hash_head: head, .. } if head.to_string() == hash_head
        );
        Ok((path, bytes, verified))
    }

    /// The session part of the ticket's timeline, read back from the store.
    fn transcript(&self, data_dir: &Path) -> anyhow::Result<Vec<String>> {
        let store = Store::open(data_dir)?;
        let history = store.history(self.ticket_id)?;
        Ok(history.into_iter().map(|entry| entry.event.kind()).filter(|kind| kind != "created").collect())
    }
}

/// The demo's ticket: a printer that shows offline, reported by Zhang Min of Finance.
fn demo_ticket(title: &str, description: &str) -> NewTicket {
    let fields = TicketFields {
        title: title.into(),
        requester_name: "Zhang Min".into(),
        department: "Finance".into(),
        description: description.into(),
        ..TicketFields::default()
    };
    NewTicket { fields, category: Category::Hardware, urgency: Grade::Medium, impact: Grade::Low, reported_at_ms: None }
}

/// For the windowed demo: a profile if there is none, and a fresh demo ticket; returns its id.
pub fn prepare_demo_ticket(data_dir: &Path) -> anyhow::Result<TicketId> {
    let mut store = Store::open(data_dir)?;
    let profile = match store.engineer_profile()?.filter(EngineerProfile::is_complete) {
        Some(profile) => profile,
        None => {
            let profile = EngineerProfile { name: "Demo Engineer".into(), team: "Stepwise demo".into() };
            store.set_engineer_profile(&profile)?;
            profile
        }
    };
    let fields = TicketFields {
        title: "演示：打印机脱机 / Demo: printer shows offline".into(),
        requester_name: "Zhang Min".into(),
        department: "Finance".into(),
        description: "Try the whole flow: consent, live screen, arrows and a guide.".into(),
        ..TicketFields::default()
    };
    let ticket = NewTicket {
        fields,
        category: Category::Hardware,
        urgency: Grade::Medium,
        impact: Grade::Low,
        reported_at_ms: None,
    };
    let ticket = store.create_ticket(&ticket, &profile.name, now_ms()).context("creating the demo ticket")?;
    Ok(ticket.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> DemoReport {
        DemoReport {
            pairing: "ok",
            wrong_code_rejected: true,
            ticket_number: "T-20261204-0001".into(),
            source: "Built-in demo picture (not your live screen)".into(),
            frames_before_consent: 0,
            frames_received: 40,
            frames_while_paused: 0,
            frames_after_revoke: 0,
            last_latency_ms: 12,
            chat_lines: 2,
            arrows_shown: 1,
            steps_confirmed: 3,
            survey_answered: true,
            summary_saved: true,
            user_summary: true,
            transcript: vec!["session_started".into(), "pairing_failed".into()],
            recording_bytes: 120_000,
            recording_path: "/tmp/recordings/ticket-1-1.swrec".into(),
            recording_verified: true,
            duration_ms: 6_400,
        }
    }

    #[test]
    fn the_summary_reads_as_lines_not_json() {
        let summary = report().summary();
        assert!(!summary.trim_start().starts_with('{'), "{summary}");
        assert!(!summary.contains('"'), "no JSON quoting: {summary}");
        assert!(summary.contains("  Ticket:                       T-20261204-0001\n"), "{summary}");
        assert!(summary.contains("  Updates before consent:       none (good)\n"), "{summary}");
        assert!(summary.contains("  Updates while allowed:        40\n"), "{summary}");
        assert!(summary.contains("     1. session_started\n     2. pairing_failed\n"), "{summary}");
    }

    #[test]
    fn a_leak_stands_out_in_the_summary() {
        let leaked = DemoReport { frames_while_paused: 3, ..report() };
        assert!(leaked.summary().contains("  Updates while paused:         3 (LEAK)\n"));
    }

    #[test]
    fn the_windowed_demo_shares_the_built_in_picture_by_default() {
        assert!(matches!(windowed_demo_source(None, false).unwrap(), SourceChoice::Synthetic { .. }));
        let dir = PathBuf::from("frames");
        assert!(matches!(windowed_demo_source(Some(dir), false).unwrap(), SourceChoice::FrameFolder { .. }));
    }
}
