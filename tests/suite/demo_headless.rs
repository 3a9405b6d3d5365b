//! `stepwise demo --headless`: the scripted session over loopback QUIC leaves its transcript in
//! the store, and the export carries it under the transcript's event names.

use stepwise::app::demo::run_headless_demo;
use stepwise::model::ExportFormat;
use stepwise::store::Store;

#[test]
fn the_scripted_session_pairs_gates_frames_and_records_the_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let report = run_headless_demo(dir.path(), runtime.handle().clone(), None).expect("the demo runs");
    assert_eq!(report.pairing, "ok");
    assert!(report.wrong_code_rejected);
    assert_eq!(report.frames_before_consent, 0);
    assert_eq!(report.frames_after_revoke, 0);
    assert_eq!(report.frames_while_paused, 0, "capture stops while paused");
    assert!(report.frames_received > 5, "frames flow while consent is in force: {}", report.frames_received);
    assert!(report.source.contains("not your live screen"));
    assert_eq!(report.chat_lines, 2);
    assert_eq!(report.arrows_shown, 1);
    assert_eq!(report.steps_confirmed, 3);
    assert!(report.survey_answered, "the user's survey is stored on the ticket");
    assert!(report.summary_saved, "the drafted summary is saved as a note");
    assert!(report.user_summary, "the user's side has its own summary");
    // After the end the note (the summary) and the survey arrive in either order.
    let (session, after_end) = report.transcript.split_at(report.transcript.len().saturating_sub(2));
    let mut after_end = after_end.to_vec();
    after_end.sort();
    assert_eq!(after_end, ["note_added", "survey_answered"]);
    assert_eq!(
        session,
        [
            "session_started",
            "pairing_failed",
            "pairing_succeeded",
            "link_path",
            "consent_requested",
            "consent_granted",
            "chat",
            "chat",
            "arrow_drawn",
            "step_sent",
            "step_confirmed",
            "step_sent",
            "step_confirmed",
            "step_sent",
            "step_confirmed",
            "sharing_paused",
            "sharing_resumed",
            "consent_revoked",
            "recording_saved",
            "session_ended",
        ]
    );

    let store = Store::open(dir.path()).unwrap();
    let export = dir.path().join("export.json");
    store.export_to_path(ExportFormat::Json, &export, stepwise::model::now_ms()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    let ticket = &json["tickets"][0];
    assert_eq!(ticket["number"], report.ticket_number.as_str());
    let history = ticket["history"].as_array().unwrap();
    let granted = history.iter().find(|entry| entry["kind"] == "consent_granted").unwrap();
    assert_eq!(granted["payload"]["scopes"]["view"], true);
    assert_eq!(granted["payload"]["scopes"]["record"], true);
    assert!(report.recording_verified, "the recording verifies against the head in the timeline");
    assert!(report.recording_bytes > 1_000, "the screen is in the recording: {}", report.recording_bytes);
    let saved = history.iter().find(|entry| entry["kind"] == "recording_saved").unwrap();
    assert_eq!(saved["payload"]["path"], report.recording_path.as_str());
    let ended = history.iter().find(|entry| entry["kind"] == "session_ended").unwrap();
    assert_eq!(ended["payload"]["reason"], "engineer_ended");
    let answers: Vec<&serde_json::Value> = history.iter().filter(|entry| entry["kind"] == "step_confirmed").collect();
    assert_eq!(answers.len(), 3);
    assert!(answers.iter().all(|entry| entry["payload"]["outcome"] == "done"));
    let steps: Vec<i64> = answers.iter().map(|entry| entry["payload"]["step_id"].as_i64().unwrap()).collect();
    assert_eq!(steps, [1, 2, 3], "the steps are confirmed in order");
    let arrow = history.iter().find(|entry| entry["kind"] == "arrow_drawn").unwrap();
    assert_eq!(arrow["payload"]["head"]["x"], 300);
    let seqs: Vec<i64> = history.iter().map(|entry| entry["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|pair| pair[1] == pair[0] + 1), "sequence numbers are consecutive: {seqs:?}");
    // The user's own receipts sit next to the store.
    let receipts = std::fs::read_to_string(dir.path().join("consent-receipts.jsonl")).unwrap();
    assert_eq!(receipts.lines().count(), 4, "granted, paused, resumed, revoked");
    let survey = history.iter().find(|entry| entry["kind"] == "survey_answered").unwrap();
    assert_eq!(survey["payload"]["rating"], 5);
    assert_eq!(survey["actor_kind"], "user");
}
