//! Layering rules: a module may only use the layers below it. This test parses the sources (every
//! `use` tree, grouped imports included, and every path in the code, `super::` resolved) and fails
//! when a layer reaches one it may not, when the layer graph has a circle, or when a pure layer
//! mentions an I/O or GUI crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The layers (folders under `src/`), bottom first, and the crate layers each may use. `app/`
/// and `main.rs` sit on top and may use all of them.
const LAYERS: &[(&str, &[&str])] = &[
    ("protocol", &[]),
    ("codec", &[]),
    ("capture", &["codec"]),
    ("overlay", &[]),
    ("model", &["protocol"]),
    ("store", &["model", "protocol"]),
    ("transport", &["protocol"]),
    ("recording", &["codec", "model", "protocol"]),
    ("ui", &["model", "protocol", "capture"]),
    ("app", &["model", "protocol", "codec", "capture", "overlay", "store", "transport", "recording", "ui"]),
];

/// For each layer, outside crates and calls its code must not mention (whole words).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "protocol",
        &[
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
    ("codec", &["egui", "eframe", "tokio", "quinn", "rusqlite", "std::net", "std::fs", "std::thread"]),
    ("capture", &["egui", "eframe", "tokio", "quinn", "rusqlite"]),
    ("overlay", &["egui", "eframe", "tokio", "quinn", "rusqlite"]),
    (
        "model",
        &[
            "egui",
            "eframe",
            "tokio",
            "quinn",
            "rustls",
            "rusqlite",
            "rfd",
            "clap",
            "std::net",
            "std::fs",
            "std::thread",
            "std::time::Instant",
        ],
    ),
    ("transport", &["egui", "eframe", "rusqlite", "Runtime::new", "runtime::Builder"]),
    ("store", &["egui", "eframe", "tokio", "quinn", "clap", "rfd"]),
    ("recording", &["egui", "eframe", "tokio", "quinn", "rustls", "rusqlite", "clap", "rfd", "std::net"]),
    ("ui", &["rusqlite", "tokio", "quinn", "rfd", "std::fs", "std::net", "std::thread", "clap", "Store::open"]),
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

/// The module path of a file under `src/`: `ui/session/panel.rs` → `[ui, session, panel]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> =
        relative.with_extension("").iter().map(|part| part.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib" || last == "main") {
        parts.pop();
    }
    parts
}

/// Collects the crate modules a file reaches: every `use` tree (grouped imports expanded) and
/// every path in its code, with `self::` and `super::` resolved against the module they are in.
struct Reach {
    module: Vec<String>,
    /// Absolute paths into this crate (without `crate`), with the line they are on.
    paths: Vec<(Vec<String>, usize)>,
}

impl Reach {
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" | "super" => self.module.clone(),
            _ => return None,
        };
        let mut rest = if first == "crate" || first == "self" { &segments[1..] } else { segments };
        while let Some(("super", tail)) = rest.split_first().map(|(head, tail)| (head.as_str(), tail)) {
            base.pop()?;
            rest = tail;
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn record(&mut self, segments: Vec<String>, line: usize) {
        if let Some(absolute) = self.resolve(&segments) {
            self.paths.push((absolute, line));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => self.record_use(prefix, Some(name.ident.to_string()), &name.ident),
            syn::UseTree::Rename(rename) => self.record_use(prefix, Some(rename.ident.to_string()), &rename.ident),
            syn::UseTree::Glob(glob) => {
                let line = glob.star_token.spans[0].start().line;
                self.record(prefix.clone(), line);
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn record_use(&mut self, prefix: &[String], name: Option<String>, ident: &syn::Ident) {
        let mut segments = prefix.to_vec();
        segments.extend(name.filter(|name| name != "self"));
        self.record(segments, ident.span().start().line);
    }
}

impl<'ast> Visit<'ast> for Reach {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
        let line = path.segments.first().map_or(0, |segment| segment.ident.span().start().line);
        self.record(segments, line);
        syn::visit::visit_path(self, path);
    }
}

/// The crate layers a file's code reaches, each with the first line that reaches it.
fn layers_reached(module: Vec<String>, text: &str) -> Result<BTreeMap<String, usize>, String> {
    let file = syn::parse_file(text).map_err(|err| format!("does not parse: {err}"))?;
    let mut reach = Reach { module, paths: Vec::new() };
    reach.visit_file(&file);
    let mut layers = BTreeMap::new();
    for (path, line) in reach.paths {
        if let Some(layer) = path.first().filter(|name| LAYERS.iter().any(|(layer, _)| layer == name)) {
            layers.entry(layer.clone()).or_insert(line);
        }
    }
    Ok(layers)
}

/// Every crate layer `layer`'s file reaches that it may not, as `line: crate::other`.
fn layer_violations(layer: &str, module: Vec<String>, text: &str) -> Vec<String> {
    let allowed = LAYERS.iter().find(|(name, _)| *name == layer).map_or(&[][..], |(_, allowed)| *allowed);
    match layers_reached(module, text) {
        Err(err) => vec![err],
        Ok(reached) => reached
            .into_iter()
            .filter(|(other, _)| other != layer && !allowed.contains(&other.as_str()))
            .map(|(other, line)| format!("{line}: crate::{other}"))
            .collect(),
    }
}

/// Code without comments, so docs may name other layers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter(|(_, line)| !line.trim_start().starts_with("//")).map(|(index, line)| {
        let code = line.split_once("//").map_or(line, |(code, _)| code);
        (index + 1, code)
    })
}

/// Every mention in `text` of what `layer` may not use, as `line: forbidden`.
fn forbidden_mentions(layer: &str, text: &str) -> Vec<String> {
    let Some((_, forbidden)) = FORBIDDEN.iter().find(|(name, _)| *name == layer) else { return Vec::new() };
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

/// A circle in `edges`, if there is one, as the layers along it.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|seen| seen == node) {
            let mut circle = stack[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let mut problems = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (layer, _) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src().join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ has no sources");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let module = module_of(file.strip_prefix(src()).unwrap());
            for problem in layer_violations(layer, module.clone(), &text) {
                problems.push(format!("{}:{problem}", file.display()));
            }
            for problem in forbidden_mentions(layer, &text) {
                problems.push(format!("{}:{problem}", file.display()));
            }
            let reached = layers_reached(module, &text).unwrap_or_default();
            graph.entry((*layer).to_owned()).or_default().extend(reached.into_keys().filter(|other| other != layer));
        }
    }
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
    assert_eq!(find_circle(&graph), None, "the layers' import graph has a circle: {graph:?}");
}

#[test]
fn the_checker_reads_grouped_imports_relative_paths_and_paths_in_code() {
    let ui = || vec!["ui".to_owned(), "desk".to_owned()];
    assert_eq!(layer_violations("ui", ui(), "use crate::app::ConsoleApp;"), ["1: crate::app"]);
    assert_eq!(layer_violations("ui", ui(), "use crate::{app::X};"), ["1: crate::app"], "a grouped import");
    assert_eq!(
        layer_violations("ui", ui(), "use crate::{\n    model::Ticket,\n    store::{Store, StoreError},\n};"),
        ["3: crate::store"]
    );
    assert_eq!(layer_violations("ui", ui(), "use super::super::transport::SessionHandle;"), ["1: crate::transport"]);
    assert_eq!(layer_violations("ui", ui(), "use super::sidebar::Sidebar;"), Vec::<String>::new());
    assert_eq!(
        layer_violations("ui", ui(), "fn f() { let _ = crate::store::Store::open(p); }"),
        ["1: crate::store"],
        "a path in code"
    );
    assert_eq!(
        layer_violations("ui", ui(), "mod tests { use super::super::super::codec::Decoder; }"),
        ["1: crate::codec"],
        "super inside an inline module"
    );
    assert_eq!(layer_violations("model", vec!["model".into()], "use crate::store::Store;"), ["1: crate::store"]);
    assert_eq!(layer_violations("model", vec!["model".into()], "use crate::protocol::Scopes;"), Vec::<String>::new());
    // Comments and strings are not code.
    assert!(
        layer_violations("store", vec!["store".into()], "//! Not crate::ui.\nconst X: &str = \"crate::ui\";")
            .is_empty()
    );
}

#[test]
fn the_checker_finds_forbidden_crates_and_circles() {
    assert_eq!(forbidden_mentions("store", "use egui::Ui;\n"), ["1: egui"]);
    assert_eq!(forbidden_mentions("protocol", "let rt = tokio::runtime::Runtime::new();"), ["1: tokio"]);
    assert_eq!(forbidden_mentions("model", "let f = std::fs::read(p);"), ["1: std::fs"], "the model is pure");
    assert!(forbidden_mentions("store", "//! Not egui: this is a comment.\nlet x = 1; // egui here too\n").is_empty());
    assert!(forbidden_mentions("store", "let eguilike = 1;").is_empty(), "whole words only");
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
        }
        graph
    };
    assert_eq!(find_circle(&graph(&[("ui", "model"), ("model", "protocol")])), None);
    assert_eq!(
        find_circle(&graph(&[("ui", "model"), ("model", "store"), ("store", "model")])),
        Some(vec!["model".to_owned(), "store".to_owned(), "model".to_owned()])
    );
}

#[test]
fn the_allowed_layers_themselves_have_no_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = LAYERS
        .iter()
        .map(|(layer, allowed)| ((*layer).to_owned(), allowed.iter().map(|name| (*name).to_owned()).collect()))
        .collect();
    assert_eq!(find_circle(&graph), None);
}

#[test]
fn the_async_runtime_is_created_in_main_only() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
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
