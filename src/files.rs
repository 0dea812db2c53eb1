//! Writing files so that no reader ever sees half of one: write a temp file
//! in the same directory, flush it to disk, then rename it over the target.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::exit::{Code, Coded};

/// A file that could not be written; the old one, if any, is untouched.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {step}: {source}; check that the directory exists, is writable and has space", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub step: &'static str,
    #[source]
    pub source: std::io::Error,
}

/// A file benchgate could not write fails the run.
impl Coded for WriteError {
    fn exit_code(&self) -> Code {
        Code::RunFailed
    }
}

/// Writes `value` as pretty JSON to `path`, atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), WriteError> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| WriteError {
        path: path.to_path_buf(),
        step: "encoding",
        source: std::io::Error::other(e),
    })?;
    write_atomic(path, &json)
}

/// The prefix and suffix of every temp file benchgate writes.
pub const TEMP_PREFIX: &str = ".benchgate-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically, creating the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    write_atomic_via(path, bytes, dir)
}

/// [`write_atomic`] with the temp file in `temp_dir`, which must be on the
/// same file system as `path` (a subdirectory of its directory is): a kill
/// then leaves its temp file there, not next to `path`.
pub fn write_atomic_via(path: &Path, bytes: &[u8], temp_dir: &Path) -> Result<(), WriteError> {
    let fail = |step: &'static str, source: std::io::Error| WriteError {
        path: path.to_path_buf(),
        step,
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs_err::create_dir_all(dir).map_err(|e| fail("creating its directory", e))?;
    }
    fs_err::create_dir_all(temp_dir).map_err(|e| fail("creating its temp directory", e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(temp_dir)
        .map_err(|e| fail("creating a temp file", e))?;
    temp.write_all(bytes).map_err(|e| fail("writing", e))?;
    // Temp files are private by default; a results file is not.
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| fail("setting permissions", e))?;
    temp.as_file().sync_all().map_err(|e| fail("syncing", e))?;
    temp.persist(path)
        .map_err(|e| fail("renaming the temp file", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/out.json");
        write_atomic(&path, b"first").expect("first write");
        write_atomic(&path, b"second").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read back"), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }
}
