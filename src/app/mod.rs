//! Wiring: the CLI, the console app (eframe), the store thread and the benchmarks. The only
//! layer that knows every other one.

pub mod assist_settings;
pub mod assist_wrap_up;
pub mod bench;
pub mod capture_bench;
pub mod cli;
pub mod codec_bench;
pub mod console;
pub mod control_bench;
pub mod control_thread;
pub mod coturn;
pub mod demo;
pub mod get_help_app;
pub mod guidance_bench;
pub mod link_handoff;
pub mod lossy_bench;
pub mod overlay_bench;
pub mod overlay_thread;
pub mod packaging_files;
pub mod picture_timing;
pub mod pictures;
pub mod player;
pub mod portal;
pub mod receipts;
pub mod recording_bench;
pub mod relay_bench;
pub mod relay_test;
pub mod report_bench;
pub mod report_cli;
pub mod report_dialog;
pub mod report_export;
pub mod session_bench;
pub mod session_recording;
pub mod sessions;
pub mod sharing;
pub mod store_worker;
pub mod team_bench;
pub mod transcript;
pub mod video_export;

pub use console::ConsoleApp;

use crate::ui::Lang;

/// The UI language the system asks for (`LC_ALL`, `LC_MESSAGES`, `LANG`).
pub fn system_lang() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .map_or(Lang::En, |locale| Lang::from_locale(&locale))
}
