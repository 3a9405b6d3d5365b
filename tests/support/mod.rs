//! Shared harness for console GUI tests: a real `ConsoleApp` on a temporary data folder, a fixed
//! clock, and the system font provider so Chinese text renders (a missing glyph fails the test).

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use egui_kittest::Harness;
use stepwise::app::ConsoleApp;
use stepwise::app::console::ConsoleOptions;
use stepwise::app::sessions::ListenConfig;
use stepwise::transport::TransportSettings;
use stepwise::ui::Lang;

/// The fixed "now" of GUI tests: 2026-11-23 09:00 UTC.
pub const T0: i64 = 1_795_424_400_000;

/// The console under test.
pub type ConsoleHarness = Harness<'static, ConsoleApp>;

fn fixed_clock() -> i64 {
    T0
}

/// One network runtime for every GUI test of the process (the binary makes its own in `main`).
pub fn runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("test runtime")
        })
        .handle()
        .clone()
}

/// Console options for tests: sessions listen on loopback only.
pub fn options(lang: Lang) -> ConsoleOptions {
    ConsoleOptions {
        system_lang: lang,
        runtime: runtime(),
        listen: ListenConfig {
            port: 0,
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            advertised_host: Some("127.0.0.1".into()),
        },
        transport: TransportSettings::default(),
        share_source: stepwise::capture::SourceChoice::Synthetic { fps: 10 },
        demo_ticket: None,
        database: None,
    }
}

/// A console on `data_dir` whose system language is `lang`.
pub fn console(data_dir: &Path, lang: Lang) -> ConsoleHarness {
    console_with(data_dir, options(lang))
}

/// A console on `data_dir` with these options.
pub fn console_with(data_dir: &Path, options: ConsoleOptions) -> ConsoleHarness {
    let data_dir = data_dir.to_path_buf();
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(32)
        .with_context_setup(add_cjk_fonts)
        .build_eframe(move |cc| ConsoleApp::with_clock(&cc.egui_ctx, data_dir, options, fixed_clock))
}

/// A console on `data_dir` that never tries a native file dialog (as on a system without one).
pub fn console_without_file_dialogs(data_dir: &Path, lang: Lang) -> ConsoleHarness {
    let data_dir = data_dir.to_path_buf();
    let options = options(lang);
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(32)
        .with_context_setup(add_cjk_fonts)
        .build_eframe(move |cc| {
            ConsoleApp::with_clock(&cc.egui_ctx, data_dir, options, fixed_clock).without_file_dialogs()
        })
}

/// The Get-help window's view at its default size, with Chinese fonts, after one frame.
pub fn assist_harness(view: stepwise::ui::AssistView) -> Harness<'static, stepwise::ui::AssistView> {
    let [width, height] = stepwise::app::get_help_app::ASSIST_WINDOW_SIZE;
    let mut harness = Harness::builder()
        .with_size(egui::vec2(width, height))
        .with_context_setup(add_cjk_fonts)
        .build_ui_state(|ui, view: &mut stepwise::ui::AssistView| view.ui(ui), view);
    harness.run();
    harness
}

/// The system fonts, Chinese first, so CJK text renders (a missing glyph fails the test).
pub fn add_cjk_fonts(ctx: &egui::Context) {
    ctx.add_font_provider(Arc::new(egui_system_font_provider::SystemFontProvider::new().with_locale(Some("zh-Hans"))));
}

/// Runs frames until `done` holds (the store answers on its own thread), for at most 30 s of
/// wall time (a loaded machine syncs slowly; a correct run takes well under a second).
pub fn settle(harness: &mut ConsoleHarness, what: &str, done: impl Fn(&ConsoleHarness) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        // A spinner keeps asking for frames while the store works: a bounded run is enough.
        let _ = harness.try_run();
        if done(harness) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

/// Focuses the text field labelled `label` and types `text`, as a person would.
pub fn type_into(harness: &mut ConsoleHarness, label: &str, text: &str) {
    use egui_kittest::kittest::Queryable;
    let field = |node: &egui_kittest::kittest::AccessKitNode<'_>| {
        // Not a button of the same name (the workspace's "Chat" tab beside the chat line).
        !matches!(node.role(), egui::accesskit::Role::Button | egui::accesskit::Role::Label)
            && node.label().as_deref() == Some(label)
    };
    harness.get_by(field).focus();
    harness.run();
    harness.get_by(field).type_text(text);
    harness.run();
}

/// Shows the session workspace's side tab `name` ("Steps", "Chat", "Transcript"; its label may
/// carry a count of what is new there).
pub fn open_workspace_tab(harness: &mut ConsoleHarness, name: &str) {
    use egui_kittest::kittest::Queryable;
    harness
        .get_by(|node| {
            node.role() == egui::accesskit::Role::Button && node.label().is_some_and(|label| label.starts_with(name))
        })
        .click();
    harness.run();
}

/// A data folder with Li Wei's profile and one printer ticket ("打印机脱机", reported by Zhang
/// Min): its id and number.
pub fn seed_printer_ticket(dir: &Path) -> (stepwise::model::TicketId, String) {
    use stepwise::model::{Category, EngineerProfile, Grade, NewTicket, TicketFields};
    let mut store = stepwise::store::Store::open(dir).unwrap();
    store.set_engineer_profile(&EngineerProfile { name: "Li Wei".into(), team: "Service desk".into() }).unwrap();
    let fields = TicketFields {
        title: "打印机脱机".into(),
        requester_name: "Zhang Min".into(),
        description: "The printer shows offline".into(),
        ..TicketFields::default()
    };
    let new = NewTicket {
        fields,
        category: Category::Hardware,
        urgency: Grade::High,
        impact: Grade::Low,
        reported_at_ms: None,
    };
    let ticket = store.create_ticket(&new, "Li Wei", T0).unwrap();
    (ticket.id, ticket.number)
}

/// Runs frames until the sidebar lists `count` tickets and, when there are any, draws the first
/// row (the count can arrive a frame before the rows; a click by label needs the row).
pub fn settle_listed(harness: &mut ConsoleHarness, what: &str, count: i64) {
    settle(harness, what, |h| {
        let desk = h.state().desk();
        desk.listed_count() == Some(count) && (count == 0 || desk.first_row_loaded())
    });
}
