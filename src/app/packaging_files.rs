//! Files the Linux packages ship that come from the clap definitions in [`crate::app::cli`]: a
//! man page for `stepwise` and one for each visible subcommand (`clap_mangen`), and shell
//! completions for bash, zsh and fish (`clap_complete`). `stepwise packaging-files DIR` writes
//! them; `packaging/build-packages` puts them into the `.deb` and `.rpm`.

use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::app::cli::Cli;

/// The program's name in man pages and completions.
const BIN_NAME: &str = "stepwise";

/// Why the files could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct PackagingFilesError {
    /// The file or folder being written.
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

/// What [`write_packaging_files`] wrote.
#[derive(Debug, Default)]
pub struct PackagingFiles {
    /// Man pages, section 1: `DIR/man/stepwise.1`, `DIR/man/stepwise-assist.1`, ….
    pub man_pages: Vec<PathBuf>,
    /// `DIR/completions/stepwise.bash`, `DIR/completions/_stepwise` (zsh) and
    /// `DIR/completions/stepwise.fish`.
    pub completions: Vec<PathBuf>,
}

/// Writes the man pages into `dir/man` and the shell completions into `dir/completions`
/// (both created if missing; existing files are replaced).
pub fn write_packaging_files(dir: &Path) -> Result<PackagingFiles, PackagingFilesError> {
    let man_dir = dir.join("man");
    let completions_dir = dir.join("completions");
    for folder in [&man_dir, &completions_dir] {
        std::fs::create_dir_all(folder).map_err(|source| PackagingFilesError { path: folder.clone(), source })?;
    }
    let mut written = PackagingFiles::default();
    let mut command = Cli::command().bin_name(BIN_NAME).disable_help_subcommand(true);
    command.build();
    write_man_pages(&command, &man_dir, &mut written.man_pages)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let path = clap_complete::generate_to(shell, &mut command, BIN_NAME, &completions_dir)
            .map_err(|source| PackagingFilesError { path: completions_dir.clone(), source })?;
        written.completions.push(path);
    }
    Ok(written)
}

/// One page for `command`, then one for each of its visible subcommands, depth first.
fn write_man_pages(command: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<(), PackagingFilesError> {
    let man = clap_mangen::Man::new(command.clone()).manual("Stepwise manual");
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)
        .and_then(|()| std::fs::write(&path, &page))
        .map_err(|source| PackagingFilesError { path: path.clone(), source })?;
    written.push(path);
    for subcommand in command.get_subcommands().filter(|subcommand| !subcommand.is_hide_set()) {
        write_man_pages(subcommand, dir, written)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_commands_get_no_page_and_every_visible_one_does() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_packaging_files(dir.path()).unwrap();
        let names: Vec<String> = written
            .man_pages
            .iter()
            .filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
            .collect();
        for expected in ["stepwise.1", "stepwise-assist.1", "stepwise-tickets-export.1", "stepwise-bench-session.1"] {
            assert!(names.iter().any(|name| name == expected), "{expected} missing from {names:?}");
        }
        assert!(!names.iter().any(|name| name.contains("open-link") || name.contains("packaging")), "{names:?}");
        assert_eq!(written.completions.len(), 3);
    }
}
