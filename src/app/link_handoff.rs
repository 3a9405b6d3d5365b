//! Passing a join link to the Get-help window without putting its code in the process list
//! (where every account on the machine can read it): from standard input, or from a private file
//! that is read once and removed. The `stepwise://` URL handler (`stepwise open-link LINK`) writes
//! such a file and replaces itself with `stepwise assist --link-file FILE` at once.

use std::fs::OpenOptions;
use std::io::{BufRead, Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// The longest link accepted, bytes (a real one is under 80).
const MAX_LINK_BYTES: usize = 512;

/// Why a link could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// Reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Nothing usable was given.
    #[error("no join link was given")]
    Empty,
    /// Longer than any link.
    #[error("the join link is longer than {MAX_LINK_BYTES} bytes")]
    TooLong,
    /// The file can be read by other accounts: it may have been seen or swapped.
    #[error("{0} can be read or written by other accounts; it is not used")]
    NotPrivate(PathBuf),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HandoffError {
    let what = what.into();
    move |source| HandoffError::Io { what, source }
}

fn clean(text: &str) -> Result<String, HandoffError> {
    let link = text.lines().map(str::trim).find(|line| !line.is_empty()).ok_or(HandoffError::Empty)?;
    if link.len() > MAX_LINK_BYTES {
        return Err(HandoffError::TooLong);
    }
    Ok(link.to_owned())
}

/// The first non-empty line of `input` (standard input), trimmed.
pub fn read_link(input: impl BufRead) -> Result<String, HandoffError> {
    let mut text = String::new();
    input.take(MAX_LINK_BYTES as u64 * 4).read_to_string(&mut text).map_err(io("cannot read standard input"))?;
    clean(&text)
}

/// Reads the link from `path` and removes the file. Refuses a file other accounts can read or
/// write.
pub fn take_link_file(path: &Path) -> Result<String, HandoffError> {
    let metadata = std::fs::metadata(path).map_err(io(format!("cannot read {}", path.display())))?;
    if metadata.mode() & 0o077 != 0 {
        return Err(HandoffError::NotPrivate(path.to_path_buf()));
    }
    if metadata.len() > MAX_LINK_BYTES as u64 * 4 {
        return Err(HandoffError::TooLong);
    }
    let text = std::fs::read_to_string(path).map_err(io(format!("cannot read {}", path.display())))?;
    std::fs::remove_file(path).map_err(io(format!("cannot remove {}", path.display())))?;
    clean(&text)
}

/// Writes `link` to a new file only this account can read (0600) in `dir`; returns its path.
pub fn write_link_file(dir: &Path, link: &str) -> Result<PathBuf, HandoffError> {
    let link = clean(link)?;
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|err| HandoffError::Io {
        what: "no randomness for a file name".into(),
        source: std::io::Error::other(err.to_string()),
    })?;
    let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let path = dir.join(format!("stepwise-link-{name}"));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io(format!("cannot create {}", path.display())))?;
    file.write_all(link.as_bytes()).map_err(io(format!("cannot write {}", path.display())))?;
    Ok(path)
}

/// Where hand-over files go: the per-user runtime folder if there is one, else `fallback`.
pub fn handoff_dir(fallback: &Path) -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(|| fallback.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "stepwise://192.168.1.20:47000/123456789";

    #[test]
    fn a_link_from_standard_input() {
        assert_eq!(read_link(format!("\n  {LINK}  \n").as_bytes()).unwrap(), LINK);
        assert!(matches!(read_link("".as_bytes()), Err(HandoffError::Empty)));
        assert!(matches!(read_link("x".repeat(600).as_bytes()), Err(HandoffError::TooLong)));
    }

    #[test]
    fn a_handed_over_file_is_private_and_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_link_file(dir.path(), LINK).unwrap();
        let mode = std::fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600, "only this account may read the code");
        assert_eq!(take_link_file(&path).unwrap(), LINK);
        assert!(!path.exists(), "the code does not stay on disk");
        assert!(take_link_file(&path).is_err());
    }

    #[test]
    fn a_huge_file_is_refused_unread() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link");
        std::fs::write(&path, "x".repeat(1 << 20)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(take_link_file(&path), Err(HandoffError::TooLong)));
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link");
        std::fs::write(&path, LINK).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(take_link_file(&path), Err(HandoffError::NotPrivate(_))));
    }
}
