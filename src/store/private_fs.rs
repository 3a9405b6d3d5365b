//! Files and folders only their owner may read (0700 / 0600 on Unix, whatever the umask): the
//! data folder, the database and its WAL, attachments, the user's consent receipts. Existing
//! ones from older versions are tightened when Stepwise starts.

use std::fs::File;
use std::io;
use std::path::Path;

/// Mode of private folders.
#[cfg(unix)]
const PRIVATE_DIR_MODE: u32 = 0o700;
/// Mode of private files.
#[cfg(unix)]
const PRIVATE_FILE_MODE: u32 = 0o600;
/// How deep [`tighten_tree`] walks.
const MAX_TREE_DEPTH: usize = 4;

/// Creates `dir` (and missing parents) readable by its owner only, or tightens it if it exists.
/// Failing to tighten a folder that exists is only logged (it may belong to someone else).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new().recursive(true).mode(PRIVATE_DIR_MODE).create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    if let Err(err) = tighten(dir, true) {
        tracing::warn!(folder = %dir.display(), "cannot make the folder private: {err}");
    }
    Ok(())
}

/// Creates an empty file at `path` readable by its owner only if there is none; tightens an
/// existing one (a failure to tighten is only logged).
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    match private_options().write(true).create_new(true).open(path) {
        Ok(_) => tighten(path, false),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            if let Err(err) = tighten(path, false) {
                tracing::warn!(file = %path.display(), "cannot make the file private: {err}");
            }
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// Creates (or truncates) `path` for writing, readable by its owner only.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let file = private_options().write(true).create(true).truncate(true).open(path)?;
    tighten(path, false)?;
    Ok(file)
}

/// Opens `path` for appending, creating it readable by its owner only; an existing file is
/// tightened.
pub fn append_private_file(path: &Path) -> io::Result<File> {
    let file = private_options().create(true).append(true).open(path)?;
    tighten(path, false)?;
    Ok(file)
}

/// Makes an existing file readable by its owner only; a missing file is fine.
pub fn tighten_file(path: &Path) -> io::Result<()> {
    match tighten(path, false) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Makes a folder and everything in it (a few levels deep) private; best effort, failures are
/// logged. A missing folder is fine.
pub fn tighten_tree(dir: &Path) {
    tighten_tree_at(dir, 0);
}

fn tighten_tree_at(dir: &Path, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    if let Err(err) = tighten(dir, true) {
        tracing::warn!(folder = %dir.display(), "cannot make the folder private: {err}");
    }
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() && depth < MAX_TREE_DEPTH {
            tighten_tree_at(&path, depth + 1);
        } else if kind.is_file()
            && let Err(err) = tighten(&path, false)
        {
            tracing::warn!(file = %path.display(), "cannot make the file private: {err}");
        }
    }
}

fn private_options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(PRIVATE_FILE_MODE);
    }
    options
}

/// Sets the private mode explicitly (the umask may have kept more, or less, than asked).
#[cfg(unix)]
fn tighten(path: &Path, is_dir: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let wanted = if is_dir { PRIVATE_DIR_MODE } else { PRIVATE_FILE_MODE };
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current != wanted {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(path: &Path, _is_dir: bool) -> io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("b");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        let created = dir.join("g");
        create_private_file(&created).unwrap();
        assert_eq!(mode(&created), 0o600);
        let appended = dir.join("h");
        append_private_file(&appended).unwrap();
        assert_eq!(mode(&appended), 0o600);
    }

    #[test]
    fn existing_open_folders_and_files_are_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("attachments").join("7")).unwrap();
        let file = dir.join("attachments").join("7").join("shot.png");
        std::fs::write(&file, b"x").unwrap();
        for path in [&dir, &dir.join("attachments"), &dir.join("attachments").join("7")] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        tighten_tree(&dir.join("attachments"));
        assert_eq!(mode(&dir.join("attachments")), 0o700);
        assert_eq!(mode(&dir.join("attachments").join("7")), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"x", "tightening keeps the content");
        tighten_file(&dir.join("missing")).unwrap();
    }
}
