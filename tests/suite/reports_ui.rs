//! The Reports window through the accessibility tree: opened from the desk with a generated
//! month of tickets, sessions and surveys, it shows each chart's table (computed on the store
//! thread), writes a chart's CSV to a typed folder, and speaks Chinese.

use crate::support;

use egui_kittest::kittest::Queryable;
use stepwise::app::report_bench::fill_report_store;
use stepwise::model::EngineerProfile;
use stepwise::store::Store;
use stepwise::ui::Lang;
use support::{T0, console, settle, type_into};

fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.set_engineer_profile(&EngineerProfile { name: "Li Wei".into(), team: "Service desk".into() }).unwrap();
    fill_report_store(&mut store, 400, T0).unwrap();
    dir
}

#[test]
fn the_reports_window_shows_tables_and_exports_a_chart() {
    let data = data_folder();
    let mut desk = console(data.path(), Lang::En);
    settle(&mut desk, "the desk", |h| h.query_by_label("Reports").is_some());
    desk.get_by_label("Reports").click();
    settle(&mut desk, "the report computed", |h| h.query_by_label("Per engineer").is_some());
    // Table rows: the header, an engineer of the generated sessions, a week of the range.
    // The table's heading and the chart's legend entry.
    assert_eq!(desk.query_all_by_label("Session hours").count(), 2);
    assert!(desk.query_all_by_label("Maria Garcia").count() > 0, "an engineer's row");
    assert!(desk.query_by_label("Responses in time").is_some(), "the SLA table");
    // The satisfaction figures and the weekly table's heading.
    assert_eq!(desk.query_all_by_label("Explanations easy to understand %").count(), 3);
    // Days and weeks follow the machine's local time unless UTC is chosen.
    let zone = format!("{:?}", desk.get_by_label("Days and weeks in"));
    assert!(zone.contains("role: ComboBox") && zone.contains("value: \"Local time (UTC"), "{zone}");

    let out = tempfile::tempdir().unwrap();
    type_into(&mut desk, "File path", out.path().to_str().unwrap());
    desk.get_all_by_label("Export CSV").nth(8).expect("the engineers' CSV button").click_accesskit();
    let file = out.path().join("engineers.csv");
    settle(&mut desk, "the CSV written", |h| h.query_by_label_contains("Saved to").is_some());
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFEngineer,Open tickets,Sessions,Session hours"));
    assert!(String::from_utf8_lossy(&bytes).contains("\nMaria Garcia,"));

    // A chart as a picture, drawn off the UI thread.
    desk.get_all_by_label("Export PNG").next().expect("the first chart's PNG button").click_accesskit();
    let png = out.path().join("opened.png");
    settle(&mut desk, "the PNG written", |_| png.exists());
    let image = image::open(&png).unwrap();
    assert_eq!((image.width(), image.height()), (1200, 600));

    // A range that does not parse is refused in words, and nothing is computed.
    type_into(&mut desk, "From (YYYY-MM-DD)", "x");
    desk.get_by_label("Show report").click_accesskit();
    settle(&mut desk, "the refusal", |h| {
        h.query_by_label("Dates are written YYYY-MM-DD, and the start comes before the end").is_some()
    });
}

#[test]
fn the_reports_window_in_chinese() {
    let data = data_folder();
    let mut desk = console(data.path(), Lang::Zh);
    settle(&mut desk, "the desk", |h| h.query_by_label("报表").is_some());
    desk.get_by_label("报表").click();
    settle(&mut desk, "the report computed", |h| h.query_by_label("各工程师").is_some());
    assert_eq!(desk.query_all_by_label("会话小时").count(), 2);
    assert_eq!(desk.query_all_by_label("讲解易懂占比 %").count(), 3);
    assert!(desk.query_all_by_label("王芳").count() > 0, "an engineer's row");
}
