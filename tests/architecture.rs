//! Layering rules: a module may only use the layers below it. This test reads the sources and
//! fails when, for example, `store/` imports egui or `protocol/` imports tokio.

use std::path::{Path, PathBuf};

/// For each layer (a folder under `src/`), the paths its code must not mention.
const RULES: &[(&str, &[&str])] = &[
    (
        "protocol",
        &[
            "crate::app",
            "crate::ui",
            "crate::store",
            "crate::transport",
            "crate::capture",
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "rustls",
            "rusqlite",
            "std::net",
            "std::fs",
            "std::time::Instant",
            "SystemTime::now",
        ],
    ),
    (
        "codec",
        &[
            "crate::app",
            "crate::ui",
            "crate::store",
            "crate::transport",
            "crate::capture",
            "crate::protocol",
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "rusqlite",
            "std::net",
            "std::fs",
            "std::thread",
        ],
    ),
    (
        "capture",
        &[
            "crate::app",
            "crate::ui",
            "crate::store",
            "crate::transport",
            "crate::protocol",
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "rusqlite",
        ],
    ),
    (
        "overlay",
        &[
            "crate::app",
            "crate::ui",
            "crate::store",
            "crate::transport",
            "crate::capture",
            "crate::codec",
            "crate::protocol",
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "rusqlite",
        ],
    ),
    (
        "transport",
        &["crate::app", "crate::ui", "crate::store", "egui", "eframe", "rusqlite", "Runtime::new", "runtime::Builder"],
    ),
    (
        "store",
        &[
            "crate::app",
            "crate::ui",
            "crate::transport",
            "crate::capture",
            "crate::codec",
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "clap",
            "rfd",
        ],
    ),
    (
        "ui",
        &[
            "crate::app",
            "rusqlite",
            "tokio",
            "quinn",
            "rfd",
            "std::fs",
            "std::net",
            "std::thread",
            "clap",
            "Store::open",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Code without comments, so docs may name other layers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter(|(_, line)| !line.trim_start().starts_with("//")).map(|(index, line)| {
        let code = line.split_once("//").map_or(line, |(code, _)| code);
        (index + 1, code)
    })
}

/// Every violation in `text` of the rules for `layer`, as `line: forbidden`.
fn violations(layer: &str, text: &str) -> Vec<String> {
    let Some((_, forbidden)) = RULES.iter().find(|(name, _)| *name == layer) else { return Vec::new() };
    let mut found = Vec::new();
    for (line_number, code) in code_lines(text) {
        for needle in *forbidden {
            let hit = code.match_indices(needle).any(|(at, _)| {
                let before = code[..at].chars().next_back();
                let after = code[at + needle.len()..].chars().next();
                let boundary = |ch: Option<char>| ch.is_none_or(|ch| !(ch.is_alphanumeric() || ch == '_'));
                boundary(before) && (boundary(after) || needle.ends_with("::"))
            });
            if hit {
                found.push(format!("{line_number}: {needle}"));
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (layer, _) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for violation in violations(layer, &text) {
                problems.push(format!("{}:{violation}", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_violations_and_ignores_comments() {
    assert_eq!(violations("store", "use egui::Ui;\n"), ["1: egui"]);
    assert_eq!(violations("protocol", "let rt = tokio::runtime::Runtime::new();"), ["1: tokio"]);
    assert_eq!(violations("ui", "use crate::app::ConsoleApp;"), ["1: crate::app"]);
    assert_eq!(violations("overlay", "use crate::protocol::Annotation;"), ["1: crate::protocol"]);
    assert!(violations("store", "//! Not egui: this is a comment.\nlet x = 1; // egui here too\n").is_empty());
    assert!(violations("store", "let eguilike = 1;").is_empty(), "whole words only");
}

#[test]
fn the_async_runtime_is_created_in_main_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| !file.ends_with("main.rs"))
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            code_lines(&text).any(|(_, code)| code.contains("runtime::Builder") || code.contains("Runtime::new"))
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "only main.rs may create the tokio runtime: {offenders:?}");
}
