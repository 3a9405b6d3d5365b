//! The playback model with hand-made events: playhead, speed, gaps, chapters, transcript,
//! search, arrows and step cards at a time.

use super::*;
use crate::model::{ChatAuthor, ScopesRecord};
use crate::protocol::{RemotePixel, Shape};

fn at(t_ms: u64, event: TimelineEvent) -> PlaybackEvent {
    PlaybackEvent { t_ms, actor_kind: ActorKind::Engineer, actor: "Li".into(), event }
}

fn chat(text: &str) -> TimelineEvent {
    TimelineEvent::Chat { from: ChatAuthor::Engineer, id: None, sent_at_ms: None, text: text.into() }
}

fn arrow(id: u64, fade_ms: u32) -> ArrowRecord {
    ArrowRecord {
        id,
        shape: Shape::Arrow { tail: RemotePixel { x: 1, y: 2 }, head: RemotePixel { x: 30, y: 40 } },
        label: String::new(),
        color: "red".into(),
        fade_ms,
    }
}

fn step(step_id: u64, index: u32) -> StepRecord {
    StepRecord {
        step_id,
        index,
        total: 3,
        instruction: format!("step {index}"),
        expected: String::new(),
        annotation: Some(arrow(100 + step_id, 0)),
    }
}

/// A minute: consent at 1 s, chat at 5 s, step 1 at 10 s answered at 15 s, an arrow at 20 s
/// fading over 3 s, a pause from 30 s to 40 s, step 2 at 45 s skipped at 50 s.
fn session() -> Playback {
    let scopes = ScopesRecord { view: true, pointers: true, record: true, control: false };
    Playback::new(PlaybackContent {
        duration_ms: 60_000,
        events: vec![
            at(1_000, TimelineEvent::ConsentGranted { scopes }),
            at(5_000, chat("Please open the printer settings")),
            at(10_000, TimelineEvent::StepSent { step: step(1, 1), resent: false }),
            at(
                15_000,
                TimelineEvent::StepConfirmed {
                    step_id: 1,
                    outcome: StepOutcome::Done,
                    comment: "ok".into(),
                    seconds: 5,
                },
            ),
            at(20_000, TimelineEvent::ArrowDrawn(arrow(7, 3_000))),
            at(21_000, TimelineEvent::ArrowDrawn(arrow(8, 0))),
            at(30_000, TimelineEvent::SharingPaused {}),
            at(40_000, TimelineEvent::SharingResumed {}),
            at(42_000, TimelineEvent::ArrowRemoved { id: 8 }),
            at(45_000, TimelineEvent::StepSent { step: step(2, 2), resent: false }),
            at(50_000, TimelineEvent::StepSkipped { step_id: 2 }),
            at(55_000, chat("printer works now")),
        ],
        gaps: vec![PlaybackGap { from_ms: 30_000, to_ms: Some(40_000), cause: GapCause::PausedByUser }],
        first_picture_ms: None,
    })
}

#[test]
fn playing_moves_the_playhead_at_the_speed_and_stops_at_the_end() {
    let mut playback = session();
    assert!(!playback.advance(1_000.0), "paused: nothing moves");
    playback.play();
    assert!(playback.advance(1_000.0));
    assert_eq!(playback.playhead_ms(), 1_000);
    playback.set_speed(3.0);
    assert_eq!(playback.speed(), 2.0, "the nearest offered speed");
    playback.set_speed(100.0);
    assert_eq!(playback.speed(), 8.0);
    playback.set_speed(0.1);
    assert_eq!(playback.speed(), 0.5);
    // Sub-millisecond steps add up instead of being lost.
    for _ in 0..4 {
        playback.advance(0.5);
    }
    assert_eq!(playback.playhead_ms(), 1_001);
    playback.set_speed(8.0);
    playback.advance(100_000.0);
    assert_eq!(playback.playhead_ms(), 60_000);
    assert!(!playback.is_playing(), "stops at the end");
    playback.play();
    assert_eq!(playback.playhead_ms(), 0, "play at the end starts over");
}

#[test]
fn the_playhead_starts_at_the_first_picture() {
    let content = PlaybackContent { duration_ms: 9_000, first_picture_ms: Some(2_500), ..Default::default() };
    assert_eq!(Playback::new(content).playhead_ms(), 2_500);
    let odd = PlaybackContent { duration_ms: 1_000, first_picture_ms: Some(2_500), ..Default::default() };
    assert_eq!(Playback::new(odd).playhead_ms(), 1_000, "never past the end");
    assert_eq!(session().playhead_ms(), 0, "no picture: the start");
}

#[test]
fn playing_skips_a_gap_but_seeking_into_it_stays() {
    let mut playback = session();
    playback.seek(29_500);
    playback.play();
    playback.advance(1_000.0);
    assert_eq!(playback.playhead_ms(), 40_000, "nothing was recorded while paused");
    playback.pause();
    playback.seek(35_000);
    assert_eq!(playback.playhead_ms(), 35_000);
    assert_eq!(playback.gap_at(35_000), Some(GapCause::PausedByUser));
    assert_eq!(playback.gap_at(40_000), None);
}

#[test]
fn jumps_and_frame_steps_stay_inside_the_recording() {
    let mut playback = session();
    playback.seek_by(-(JUMP_MS as i64));
    assert_eq!(playback.playhead_ms(), 0);
    playback.seek_by(JUMP_MS as i64);
    assert_eq!(playback.playhead_ms(), 5_000);
    playback.play();
    playback.step_frame(true);
    assert!(!playback.is_playing(), "a frame step pauses");
    assert_eq!(playback.playhead_ms(), 5_000 + FRAME_STEP_MS);
    playback.step_frame(false);
    playback.step_frame(false);
    assert_eq!(playback.playhead_ms(), 5_000 - FRAME_STEP_MS);
    playback.seek(1_000_000);
    assert_eq!(playback.playhead_ms(), 60_000);
}

#[test]
fn chapters_are_steps_answers_consent_chat_and_gaps_in_time_order() {
    let playback = session();
    let kinds: Vec<(u64, ChapterKind)> =
        playback.chapters().iter().map(|chapter| (chapter.t_ms, chapter.kind.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (1_000, ChapterKind::Consent),
            (5_000, ChapterKind::Chat),
            (10_000, ChapterKind::StepSent { index: 1, total: 3 }),
            (15_000, ChapterKind::StepAnswered(StepOutcome::Done)),
            (30_000, ChapterKind::Consent),
            (30_000, ChapterKind::Gap(GapCause::PausedByUser)),
            (40_000, ChapterKind::Consent),
            (45_000, ChapterKind::StepSent { index: 2, total: 3 }),
            (55_000, ChapterKind::Chat),
        ]
    );
    assert_eq!(playback.chapters()[1].event_index, Some(1));
    assert_eq!(playback.chapters()[5].event_index, None, "a gap is no event");
}

#[test]
fn the_current_transcript_entry_is_the_last_at_or_before_the_playhead() {
    let playback = session();
    assert_eq!(playback.current_event(999), None);
    assert_eq!(playback.current_event(1_000), Some(0));
    assert_eq!(playback.current_event(9_999), Some(1));
    assert_eq!(playback.current_event(60_000), Some(11));
}

#[test]
fn search_finds_moments_ignoring_case_and_blanks() {
    let texts = ["Li: Please open the printer settings", "Li: step 1", "User: PRINTER works now"];
    assert_eq!(matching_moments(texts, " printer "), vec![0, 2]);
    assert_eq!(matching_moments(texts, "打印"), Vec::<usize>::new());
    assert_eq!(matching_moments(["打印机坏了", "好了"], "打印"), vec![0]);
    assert!(matching_moments(texts, "   ").is_empty(), "an empty query matches nothing");
}

#[test]
fn arrows_appear_fade_and_go_as_they_did() {
    let playback = session();
    let ids = |t_ms: u64| -> Vec<(u64, f32)> {
        playback.arrows_at(t_ms).into_iter().map(|(arrow, opacity)| (arrow.id, opacity)).collect()
    };
    assert_eq!(ids(19_999), vec![(101, 1.0)], "only step 1's arrow, with its card");
    assert_eq!(ids(20_000), vec![(7, 1.0), (101, 1.0)]);
    let fading = ids(22_500);
    assert_eq!(fading[0].0, 7);
    assert!((fading[0].1 - 0.5).abs() < 1e-6, "the last second fades out: {fading:?}");
    assert_eq!(ids(23_001), vec![(8, 1.0), (101, 1.0)], "faded after 3 s");
    assert_eq!(ids(42_000), vec![(101, 1.0)], "removed by undo");
    assert_eq!(ids(45_000), vec![(102, 1.0)], "the next step's arrow replaces the last");
}

#[test]
fn step_cards_show_from_sending_with_their_answer_after_it_came() {
    let playback = session();
    assert!(playback.step_card_at(9_999).is_none());
    let card = playback.step_card_at(12_000).expect("step 1 on show");
    assert_eq!((card.step.index, card.answer), (1, None));
    let answered = playback.step_card_at(15_000).expect("still on show");
    assert_eq!(answered.answer, Some((StepOutcome::Done, "ok")));
    let skipped = playback.step_card_at(50_000).expect("step 2");
    assert_eq!((skipped.step.index, skipped.skipped), (2, true));
}
