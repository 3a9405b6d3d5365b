//! `stepwise report` as a person runs it, on a data folder holding the sample tickets plus a
//! generated year with sessions and surveys: JSON rows, CSV with BOM (one file per chart or
//! sections), plain refusals, and the PDF rendered by `pdftoppm` in English and Chinese.
//! Set `STEPWISE_REPORT_PAGES=DIR` to keep the rendered pages for looking at them.

use std::path::Path;
use std::process::Command;

use stepwise::app::report_bench::fill_report_store;
use stepwise::model::now_ms;
use stepwise::store::Store;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn data_folder() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let now = now_ms();
    let mut store = Store::open(dir.path()).unwrap();
    store.load_sample_tickets(now).unwrap();
    fill_report_store(&mut store, 120, now).unwrap();
    let day = |at_ms: i64| chrono::DateTime::from_timestamp_millis(at_ms).unwrap().format("%Y-%m-%d").to_string();
    (dir, day(now - 60 * DAY_MS), day(now))
}

fn report(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("--data-dir")
        .arg(data)
        .arg("report")
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn json_and_csv_files_hold_every_chart() {
    let (data, from, to) = data_folder();
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("report.json");
    let output = report(data.path(), &["--from", &from, "--to", &to, "--format", "json", json.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(value["weeks"].as_array().unwrap().len() >= 9, "{value}");
    assert!(value["csat"]["offered"].as_u64().unwrap() > 0, "{value}");
    assert!(value["engineers"].as_array().unwrap().len() > 1, "{value}");
    assert_eq!(value["sla"].as_array().unwrap().len(), 3);

    let folder = out.path().join("csv");
    std::fs::create_dir(&folder).unwrap();
    let args = ["--from", &from, "--to", &to, "--format", "csv", "--lang", "zh", folder.to_str().unwrap()];
    assert!(report(data.path(), &args).status.success());
    let engineers = std::fs::read(folder.join("engineers.csv")).unwrap();
    assert!(engineers.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = String::from_utf8(engineers[3..].to_vec()).unwrap();
    assert!(text.starts_with("工程师,未结工单,会话,会话小时"), "{text}");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 10);

    let sections = out.path().join("all.csv");
    let args = ["--from", &from, "--to", &to, "--format", "csv", "--lang", "en", sections.to_str().unwrap()];
    assert!(report(data.path(), &args).status.success());
    let text = String::from_utf8(std::fs::read(&sections).unwrap()).unwrap();
    assert!(text.starts_with("\u{feff}Tickets opened per week\nWeek,Hardware"), "{}", &text[..80]);
    assert!(text.contains("\nGuide steps that most often fail\n"));
}

#[test]
fn bad_arguments_are_refused_in_plain_words() {
    let (data, from, to) = data_folder();
    let file = data.path().join("r.json");
    let file = file.to_str().unwrap();
    let output = report(data.path(), &["--from", &to, "--to", &from, "--format", "json", file]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--from comes before --to"));
    let output = report(data.path(), &["--from", &from, "--to", &to, "--category", "printers", file]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown category \"printers\""));
}

#[test]
fn the_pdf_renders_in_english_and_chinese() {
    let (data, from, to) = data_folder();
    let out = tempfile::tempdir().unwrap();
    for lang in ["en", "zh"] {
        let pdf = out.path().join(format!("report-{lang}.pdf"));
        let args = ["--from", &from, "--to", &to, "--format", "pdf", "--lang", lang, pdf.to_str().unwrap()];
        let output = report(data.path(), &args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let prefix = out.path().join(format!("page-{lang}"));
        let status = Command::new("pdftoppm")
            .args(["-r", "60", "-png"])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .expect("pdftoppm (poppler-utils) renders the PDF");
        assert!(status.success(), "pdftoppm could not read the {lang} PDF");
        let pages: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().starts_with(&format!("page-{lang}")))
            .collect();
        assert!(pages.len() >= 3, "{lang}: {} pages", pages.len());
        for page in &pages {
            let image = image::open(page.path()).unwrap().to_luma8();
            let inked = image.pixels().filter(|pixel| pixel.0[0] < 128).count();
            assert!(inked > 500, "{lang}: {} is blank", page.path().display());
            if let Some(keep) = std::env::var_os("STEPWISE_REPORT_PAGES") {
                std::fs::copy(page.path(), Path::new(&keep).join(page.file_name())).unwrap();
            }
        }
    }
}
