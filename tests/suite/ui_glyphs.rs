//! Every symbol the views draw has a glyph in the fonts the console loads (egui's default fonts
//! plus the system's CJK font, as in the GUI tests): a missing one shows as a box (□).

use crate::support;

use std::collections::BTreeSet;

use stepwise::ui::{Lang, Text};

/// Non-ASCII characters of the code (string and char literals) of one source file; comments are
/// left out (a doc comment may name a glyph the views no longer draw).
fn literal_chars(source: &str) -> BTreeSet<char> {
    let mut chars = BTreeSet::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        // A trailing comment starts at "// " after the code (links like "stepwise://" have no space).
        let code = code.split(" // ").next().unwrap_or(code);
        chars.extend(code.chars().filter(|c| !c.is_ascii()));
    }
    chars
}

#[test]
fn every_symbol_the_views_draw_is_in_the_loaded_fonts() {
    let ui_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut wanted: BTreeSet<char> = BTreeSet::new();
    // Every view's code, in sub-folders too (`session/`, `get_help/`, …).
    let mut files = Vec::new();
    let mut folders = vec![ui_dir];
    while let Some(folder) = folders.pop() {
        for path in std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().path()) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.iter().any(|path| path.ends_with("session/steps.rs")), "the scan reaches sub-folders");
    for path in &files {
        wanted.extend(literal_chars(&std::fs::read_to_string(path).unwrap()));
    }
    assert!(wanted.contains(&'➚'), "the scan reaches the step editor's symbols");
    // The messages of every language, as written in their Fluent files (comments left out).
    let i18n_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/i18n");
    let mut messages: Vec<_> = std::fs::read_dir(&i18n_dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    messages.sort();
    for path in messages.iter().filter(|path| path.extension().is_some_and(|ext| ext == "ftl")) {
        let source = std::fs::read_to_string(path).unwrap();
        for line in source.lines().filter(|line| !line.trim_start().starts_with('#')) {
            wanted.extend(line.chars().filter(|c| !c.is_ascii()));
        }
    }
    assert!(wanted.contains(&'帧'), "the scan reaches messages with arguments");
    for text in Text::ALL {
        for lang in Lang::ALL {
            wanted.extend(text.get(lang).chars().filter(|c| !c.is_ascii()));
        }
    }
    assert!(wanted.contains(&'打'), "the scan reaches the Chinese texts");

    let ctx = egui::Context::default();
    support::add_cjk_fonts(&ctx);
    ctx.run_ui(egui::RawInput::default(), |_| {}).textures_delta.clear();
    let mut missing = Vec::new();
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let font = egui::FontId::new(14.0, family.clone());
        for c in &wanted {
            if !ctx.fonts_mut(|fonts| fonts.has_glyph(&font, *c)) {
                missing.push(format!("{c:?} U+{:04X} ({family:?})", u32::from(*c)));
            }
        }
    }
    assert!(missing.is_empty(), "glyphs missing from the loaded fonts: {missing:#?}");
}
