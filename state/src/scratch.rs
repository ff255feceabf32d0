//! Scratch directories that remove themselves: the stores that tests, benchmarks and drills open
//! under the system's temporary directory must not pile up there (one test run used to leave
//! about 125 MB of sled data behind).

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh, empty directory `<tmp>/<prefix>-<pid>-<n>`, removed with everything in it when the
/// value is dropped. Unique per process and per call, so parallel tests never share one.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates the directory. Panics with the path and the OS error when it cannot: a scratch
    /// directory is for tests and benchmarks, where failing loudly is the right answer.
    pub fn new(prefix: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("cannot create scratch directory {}: {e}", path.display());
        }
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps the directory: it is no longer removed, and its path is returned (a benchmark's
    /// data kept for inspection).
    pub fn keep(self) -> PathBuf {
        let me = std::mem::ManuallyDrop::new(self);
        me.path.clone()
    }
}

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::TempDir;

    #[test]
    fn removed_on_drop_and_unique() {
        let a = TempDir::new("riposte-scratch-test");
        let b = TempDir::new("riposte-scratch-test");
        assert_ne!(a.path(), b.path());
        std::fs::create_dir_all(a.join("db/inner")).unwrap();
        std::fs::write(a.join("db/inner/file"), b"x").unwrap();
        let kept = a.path().to_path_buf();
        assert!(kept.join("db/inner/file").exists());
        drop(a);
        assert!(!kept.exists(), "the directory and its contents are gone");
        assert!(b.exists());
        let kept = b.keep();
        assert!(kept.exists(), "a kept directory stays");
        std::fs::remove_dir_all(kept).unwrap();
    }
}
