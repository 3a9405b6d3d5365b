//! A folder nobody can write to for the length of a test, root included (`chattr +i`; a
//! plain `chmod` for other accounts). `STEPWISE_REQUIRE_CHATTR` makes "not possible here" a failure.

/// Makes a folder unwritable for the length of a test, even for root (`chattr +i`), and
/// writable again when dropped.
pub struct UnwritableFolder(std::path::PathBuf);

impl UnwritableFolder {
    /// `None` when this machine cannot make a folder unwritable for this account.
    pub fn new(dir: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt as _;
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o500)).unwrap();
            return Some(Self(dir.to_path_buf()));
        }
        let done = std::process::Command::new("chattr").arg("+i").arg(dir).status();
        done.is_ok_and(|status| status.success()).then(|| Self(dir.to_path_buf()))
    }
}

impl Drop for UnwritableFolder {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::process::Command::new("chattr").arg("-i").arg(&self.0).status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o700));
    }
}
