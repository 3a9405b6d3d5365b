//! `stepwise packaging-files DIR`, as `packaging/build-packages` runs it: man pages and shell
//! completions generated from the command line's own definitions.

use std::path::Path;
use std::process::Command;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn the_packaging_files_name_every_visible_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stepwise")).arg("packaging-files").arg(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let man = dir.path().join("man");
    let page = read(&man.join("stepwise.1"));
    assert!(page.starts_with(".ie"), "not a roff page: {page}");
    assert!(page.contains(".TH stepwise 1"), "{page}");
    for subcommand in ["tickets", "assist", "demo", "bench"] {
        assert!(page.contains(&format!("stepwise\\-{subcommand}(1)")), "the page names {subcommand}: {page}");
        let sub_page = read(&man.join(format!("stepwise-{subcommand}.1")));
        assert!(sub_page.contains(&format!(".TH stepwise-{subcommand} 1")), "{sub_page}");
    }
    assert!(read(&man.join("stepwise-assist.1")).contains("link\\-stdin"));
    assert!(read(&man.join("stepwise-bench-session.1")).contains("congestion"));
    assert!(!page.contains("open\\-link") && !page.contains("packaging"), "hidden commands stay out: {page}");

    let completions = dir.path().join("completions");
    let bash = read(&completions.join("stepwise.bash"));
    assert!(bash.contains("complete -F _stepwise"), "{bash}");
    assert!(bash.contains("--link-stdin"), "{bash}");
    let zsh = read(&completions.join("_stepwise"));
    assert!(zsh.starts_with("#compdef stepwise"), "{zsh}");
    let fish = read(&completions.join("stepwise.fish"));
    assert!(
        fish.contains("complete -c stepwise") && fish.contains("__fish_stepwise_using_subcommand tickets"),
        "{fish}"
    );

    // What it printed is what it wrote.
    let listed: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    assert!(listed.len() >= 12, "{listed:?}");
    assert!(listed.iter().all(|path| Path::new(path).is_file()), "{listed:?}");
}

#[test]
fn an_unwritable_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stepwise")).arg("packaging-files").arg(&file).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot write") && stderr.contains("a-file"), "{stderr}");
}
