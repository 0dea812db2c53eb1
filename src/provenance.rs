//! Where and when a run was made: benchgate version, git commit and branch,
//! UTC time, a summary of the machine and the run's CPU placement — so a
//! report can say which runner made a baseline and warn when it differs.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use crate::config::Config;
use crate::placement;
use crate::record::{Host, Placement, Provenance};

/// The first eight characters of a commit.
pub fn short_commit(commit: Option<&str>) -> String {
    commit.map_or("(no commit)".into(), |c| c.chars().take(8).collect())
}

/// Provenance of a run made now, for the suite file in `dir`.
pub fn collect(dir: &Path, time: SystemTime) -> Provenance {
    Provenance {
        benchgate_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: git(dir, &["rev-parse", "HEAD"]),
        git_branch: git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| b != "HEAD"),
        time_utc: humantime::format_rfc3339_seconds(time).to_string(),
        host: host(),
        placement: None,
        chosen: Vec::new(),
    }
}

/// The CPU placement of one side: its app's CPUs (from its own suite file)
/// and the generator's (`load`); `None` when it pins nothing.
pub fn placement(side: &Config, load: &Config) -> Option<Placement> {
    let app = side.app.as_ref().and_then(|app| app.cpus.as_deref());
    let load = load.load.cpus.as_deref();
    if app.is_none() && load.is_none() {
        return None;
    }
    Some(Placement {
        app: app.map(placement::describe),
        load: load.map(placement::describe),
    })
}

pub fn host() -> Host {
    Host {
        cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        os: os(),
    }
}

/// `git args` run in `dir` (the working directory when empty): its
/// trimmed stdout when it succeeded with some, `None` when it failed or
/// said nothing; an error only when git could not be run at all.
pub fn git_output(dir: &Path, args: &[&str]) -> std::io::Result<Option<String>> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let out = Command::new("git").current_dir(dir).args(args).output()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((out.status.success() && !text.is_empty()).then_some(text))
}

/// [`git_output`], a failure to run git read as no answer.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    git_output(dir, args).ok().flatten()
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn os() -> String {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let release = release.trim();
    if release.is_empty() {
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
    } else {
        format!(
            "{} {} {}",
            std::env::consts::OS,
            release,
            std::env::consts::ARCH
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_describes_this_machine() {
        let p = collect(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(p.time_utc, "1970-01-01T00:00:00Z");
        assert_eq!(p.benchgate_version, env!("CARGO_PKG_VERSION"));
        assert!(p.host.cores >= 1);
        assert!(p.host.os.starts_with(std::env::consts::OS));
    }
}
