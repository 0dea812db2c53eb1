//! The app's log file, one per running benchgate.
//!
//! Two benchgates of the same suite in the same directory (two `baseline
//! update`s at once) would write the same `.benchgate/<suite>.app.log`,
//! each truncating the other's. A run holds an exclusive `flock` on its log
//! for as long as its app runs; when the usual name is held by another run,
//! this one writes `<suite>.app.<pid>.log` instead and says so.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// A log file this run holds, empty when claimed.
#[derive(Debug)]
pub struct Log {
    pub path: PathBuf,
    pub file: Flock<File>,
}

/// Claims `wanted`, or a name with this process's id when another process
/// holds it.
pub fn claim(wanted: &Path) -> std::io::Result<Log> {
    if let Some(dir) = wanted.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if let Some(log) = try_claim(wanted)? {
        return Ok(log);
    }
    let own = with_pid(wanted, std::process::id());
    eprintln!(
        "benchgate: {} is in use by another benchgate; this run's log is {}",
        wanted.display(),
        own.display()
    );
    match try_claim(&own)? {
        Some(log) => Ok(log),
        None => Err(std::io::Error::other(format!(
            "{} is locked by another process",
            own.display()
        ))),
    }
}

/// The log at `path` if no other process holds it.
fn try_claim(path: &Path) -> std::io::Result<Option<Log>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(file) => {
            file.set_len(0)?;
            Ok(Some(Log {
                path: path.to_path_buf(),
                file,
            }))
        }
        Err((_, Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, errno)) => Err(std::io::Error::from(errno)),
    }
}

/// `dir/demo.app.log` → `dir/demo.app.<pid>.log`.
fn with_pid(path: &Path, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let renamed = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{pid}.{ext}"),
        _ => format!("{name}.{pid}"),
    };
    path.with_file_name(renamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_log_gives_the_next_run_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let wanted = dir.path().join("demo.app.log");
        std::fs::write(&wanted, "old run\n").expect("old log");
        let first = claim(&wanted).expect("first claim");
        assert_eq!(first.path, wanted);
        assert_eq!(std::fs::read(&wanted).expect("read").len(), 0, "truncated");
        // flock locks belong to open files: a second open in this process
        // conflicts like another process would.
        let second = claim(&wanted).expect("second claim");
        assert_eq!(
            second.path,
            dir.path()
                .join(format!("demo.app.{}.log", std::process::id()))
        );
        drop(first);
        let third = claim(&wanted).expect("third claim");
        assert_eq!(third.path, wanted, "free again once released");
    }

    #[test]
    fn the_pid_goes_before_the_extension() {
        assert_eq!(
            with_pid(Path::new(".benchgate/demo.base.app.log"), 7),
            Path::new(".benchgate/demo.base.app.7.log")
        );
        assert_eq!(with_pid(Path::new("log"), 7), Path::new("log.7"));
    }
}
