//! The app under test: spawn it in its own process group, wait until it is
//! ready, watch it while it is measured, and stop the whole group afterwards.
//!
//! Stopping is tied to [`App`]'s `Drop`, so every way out of a run — success,
//! error, Ctrl-C, SIGTERM, a panic — takes the app and all its children
//! (gunicorn workers, a `cargo run` wrapper's child) down with it: SIGTERM to
//! the group, a grace period, then SIGKILL.
//!
//! The app runs under a [`supervise`] process, which finds the processes
//! that left the group (a daemon's `setsid`) and stops them too, also when
//! benchgate itself is killed with SIGKILL. The app gets no GitHub token
//! ([`secrets`]), and secrets are redacted from the log lines errors show.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::config::{AppConfig, BaseUrl};
use crate::load;
use crate::placement;

mod backoff;
mod cargo_env;
mod error;
mod log;
pub mod resources;
pub mod secrets;
pub mod supervise;
mod tree;

pub use error::AppError;

/// How long the app gets to exit after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(5);
/// How long a busy port gets to close before the app starts.
const PORT_WAIT: Duration = Duration::from_secs(2);
/// How many lines of the app's log an error shows.
const LOG_TAIL_LINES: usize = 15;

/// Runs the app's `build` command (if any) to completion, in the app's
/// directory and environment, with its output to `log`. Interrupting the
/// future (dropping it) stops the build's whole process group.
pub async fn build(config: &AppConfig, log: &Path) -> Result<(), AppError> {
    let Some(argv) = &config.build else {
        return Ok(());
    };
    let mut build = App::spawn_argv(argv, supervise::Until::Command, config, log)?;
    // A long build shows that it moves: its log's last line, when it
    // changed, every few seconds.
    let mut shown = String::new();
    let mut tick = tokio::time::interval(BUILD_PROGRESS);
    tick.tick().await;
    let status = loop {
        tokio::select! {
            status = build.child.wait() => break status,
            _ = tick.tick() => {
                let last = build.redactor.redact(&log_tail(&build.log, 1));
                let last: String = last.trim().chars().take(120).collect();
                if !last.is_empty() && last != shown {
                    eprintln!("  build: {}", crate::escape::inert(&last));
                    shown = last;
                }
            }
        }
    };
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(AppError::BuildFailed {
            status: describe(status),
            log: build.log.clone(),
            tail: build.log_tail(),
        }),
        Err(e) => Err(AppError::BuildFailed {
            status: format!("an unknown status ({e})"),
            log: build.log.clone(),
            tail: build.log_tail(),
        }),
    }
}

/// How often a running build shows its log's last line.
const BUILD_PROGRESS: Duration = Duration::from_secs(3);

/// A running app. Dropping it stops the app's whole process group.
#[derive(Debug)]
pub struct App {
    child: Child,
    group: Pid,
    log: PathBuf,
    /// Held while the app runs, so that no other run writes this log.
    _log_lock: log::Log,
    redactor: secrets::Redactor,
    stopped: bool,
}

/// Where a readiness probe goes.
#[derive(Debug, Clone)]
pub struct ReadyTarget {
    pub base: BaseUrl,
    pub path: String,
    pub url: String,
}

impl ReadyTarget {
    pub fn parse(url: &str) -> Result<ReadyTarget, AppError> {
        let bad = |reason: &str| AppError::ReadyUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let uri: http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("only http:// URLs are supported"));
        }
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(80);
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(ReadyTarget {
            base: BaseUrl { host, port },
            path,
            url: url.to_string(),
        })
    }
}

impl App {
    /// Spawns the app and waits until its ready URL answers 2xx.
    pub async fn start(config: &AppConfig, log: &Path) -> Result<App, AppError> {
        let mut app = App::launch(config, log).await?;
        app.ready(config).await?;
        Ok(app)
    }

    /// Spawns the app once its port is free, without waiting for it to be
    /// ready ([`App::ready`]): two apps launched one after the other start
    /// up at once.
    pub async fn launch(config: &AppConfig, log: &Path) -> Result<App, AppError> {
        let target = ReadyTarget::parse(&config.ready.url)?;
        refuse_busy_port(&target.base).await?;
        App::spawn(config, log)
    }

    /// Waits until the launched app's ready URL answers 2xx, within
    /// `config.ready.timeout`.
    pub async fn ready(&mut self, config: &AppConfig) -> Result<(), AppError> {
        let target = ReadyTarget::parse(&config.ready.url)?;
        self.wait_ready(&target, config.ready.timeout).await
    }

    fn spawn(config: &AppConfig, log: &Path) -> Result<App, AppError> {
        App::spawn_argv(&config.command, supervise::Until::AllGone, config, log)
    }

    /// Spawns `argv` in `config`'s directory and environment, under a
    /// [`supervise`] process that leads its own process group, with its
    /// output to `log` (or this run's own log, when another run holds it).
    fn spawn_argv(
        argv: &[String],
        until: supervise::Until,
        config: &AppConfig,
        log: &Path,
    ) -> Result<App, AppError> {
        let log_err = |source| AppError::Log {
            path: log.to_path_buf(),
            source,
        };
        let program = argv.first().cloned().unwrap_or_default();
        if !resolves(&program, config) {
            return Err(AppError::NotFound {
                program,
                cwd: config.cwd.clone(),
            });
        }
        let claimed = log::claim(log).map_err(log_err)?;
        let stdout = claimed.file.try_clone().map_err(log_err)?;
        let stderr = stdout.try_clone().map_err(log_err)?;
        let mut command = Command::new(SELF_EXE);
        command
            .args(supervise::args(nix::unistd::getpid(), until, argv))
            .current_dir(&config.cwd)
            .envs(&config.env)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .kill_on_drop(false);
        secrets::withhold(&mut command, &config.env);
        cargo_env::withhold(&mut command, &config.env);
        // A forked child starts with the forking thread's CPU mask, and every
        // process the app starts inherits it in turn; the guard puts this
        // thread's mask back as soon as the spawn returns.
        let pinned = match &config.cpus {
            Some(cpus) => Some(placement::pin_current_thread(cpus).map_err(AppError::Placement)?),
            None => None,
        };
        let spawned = command.spawn();
        drop(pinned);
        let child = spawned.map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => AppError::NotFound {
                program: program.clone(),
                cwd: config.cwd.clone(),
            },
            _ => AppError::Spawn {
                program: program.clone(),
                source,
            },
        })?;
        let pid = child.id().ok_or_else(|| AppError::Spawn {
            program: program.clone(),
            source: std::io::Error::other("the process exited at once"),
        })?;
        Ok(App {
            child,
            group: Pid::from_raw(pid as i32),
            log: claimed.path.clone(),
            _log_lock: claimed,
            redactor: secrets::Redactor::from_env(&config.env),
            stopped: false,
        })
    }

    async fn wait_ready(
        &mut self,
        target: &ReadyTarget,
        timeout: Duration,
    ) -> Result<(), AppError> {
        let deadline = Instant::now() + timeout;
        let mut pauses = backoff::READY;
        loop {
            if let Some(status) = self.child.try_wait().ok().flatten() {
                return Err(AppError::ExitedEarly {
                    status: describe(status),
                    log: self.log.clone(),
                    tail: self.log_tail(),
                });
            }
            let last = match load::probe(&target.base, &target.path, Duration::from_secs(1)).await {
                Ok(status) if (200..300).contains(&status) => return Ok(()),
                Ok(status) => format!("HTTP {status}"),
                Err(reason) => reason.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(AppError::NotReady {
                    timeout,
                    url: target.url.clone(),
                    last,
                    log: self.log.clone(),
                    tail: self.log_tail(),
                });
            }
            tokio::time::sleep(pauses.pause()).await;
        }
    }

    /// Resolves when the app exits on its own; the error says how.
    pub async fn watch(&mut self) -> AppError {
        let status = match self.child.wait().await {
            Ok(status) => describe(status),
            Err(e) => format!("an unknown status ({e})"),
        };
        AppError::Died {
            status,
            log: self.log.clone(),
            tail: self.log_tail(),
        }
    }

    pub fn pid(&self) -> i32 {
        self.group.as_raw()
    }

    /// Stops the whole process group: SIGTERM, up to [`GRACE`], then SIGKILL.
    pub fn stop(&mut self) {
        stop_all(std::slice::from_mut(self));
    }

    /// Sends SIGTERM to the group, once.
    fn begin_stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if killpg(self.group, Signal::SIGTERM) == Err(Errno::ESRCH) {
            self.reap();
        }
    }

    /// Whether the group is gone (reaping the app on the way).
    fn gone(&mut self) -> bool {
        self.reap();
        killpg(self.group, None) == Err(Errno::ESRCH)
    }

    fn reap(&mut self) {
        let _ = self.child.try_wait();
    }

    /// The last lines of the app's log, indented for an error message,
    /// with secret values redacted.
    pub fn log_tail(&self) -> String {
        self.redactor.redact(&log_tail(&self.log, LOG_TAIL_LINES))
    }
}

/// Stops the apps' process groups together: SIGTERM to all at once, one
/// [`GRACE`] shared by all, then SIGKILL to those left. Stopped one after
/// the other, two apps that ignore SIGTERM (an A/B round) took two graces
/// to honour a Ctrl-C.
pub fn stop_all(apps: &mut [App]) {
    let deadline = signal_all(apps);
    wait_gone(apps, deadline);
}

/// Apps sent SIGTERM whose exit is not waited for yet, so that the caller
/// can work meanwhile: an A/B round's apps exit while the run joins its
/// rounds, looks at them and starts the next round's apps, rather than
/// before. Waiting — up to [`GRACE`]
/// from the signal, then SIGKILL — is [`Exiting::wait`], or dropping it:
/// every way out still takes the apps down.
#[derive(Debug)]
pub struct Exiting {
    apps: Vec<App>,
    deadline: std::time::Instant,
}

impl Exiting {
    /// Sends SIGTERM to every app's group at once, and returns.
    pub fn signal(mut apps: Vec<App>) -> Exiting {
        let deadline = signal_all(&mut apps);
        Exiting { apps, deadline }
    }

    /// Waits until every app's process group is gone.
    pub fn wait(self) {}
}

impl Drop for Exiting {
    fn drop(&mut self) {
        wait_gone(&mut self.apps, self.deadline);
    }
}

/// Sends SIGTERM to every app's group not yet signalled; when their grace
/// ends.
fn signal_all(apps: &mut [App]) -> std::time::Instant {
    for app in apps.iter_mut() {
        app.begin_stop();
    }
    std::time::Instant::now() + GRACE
}

/// Waits until every app's group is gone: until `deadline`, then SIGKILL
/// to those left.
fn wait_gone(apps: &mut [App], deadline: std::time::Instant) {
    let mut running: Vec<&mut App> = apps.iter_mut().collect();
    let mut pauses = backoff::EXIT;
    while std::time::Instant::now() < deadline {
        running.retain_mut(|app| !app.gone());
        if running.is_empty() {
            return;
        }
        std::thread::sleep(pauses.pause());
    }
    for app in &running {
        let _ = killpg(app.group, Signal::SIGKILL);
    }
    for _ in 0..100 {
        running.retain_mut(|app| !app.gone());
        if running.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for App {
    /// Stops the app unless it was stopped already (which waited, or left
    /// the wait to an [`Exiting`]).
    fn drop(&mut self) {
        if !self.stopped {
            self.stop();
        }
    }
}

/// This very executable, even when its file was replaced since it started
/// (a rebuild): the supervisor is benchgate in a hidden mode.
const SELF_EXE: &str = "/proc/self/exe";

/// Whether `program` names a file the way `exec` will look for it: a path
/// (relative to the app's directory) when it has a `/`, else a file in one
/// of the `PATH` directories the app sees.
fn resolves(program: &str, config: &AppConfig) -> bool {
    if program.is_empty() {
        return false;
    }
    if program.contains('/') {
        return config.cwd.join(program).is_file();
    }
    let path = config
        .env
        .get("PATH")
        .cloned()
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    std::env::split_paths(&path).any(|dir| config.cwd.join(dir).join(program).is_file())
}

/// A port that already answers before the app starts belongs to someone else:
/// probing it would measure the wrong server. It gets a moment to close
/// first: a run killed just before this one has its app stopped by its
/// supervisor, which takes a few milliseconds.
async fn refuse_busy_port(base: &BaseUrl) -> Result<(), AppError> {
    let deadline = Instant::now() + PORT_WAIT;
    loop {
        let connect = tokio::net::TcpStream::connect(base.authority());
        match tokio::time::timeout(Duration::from_millis(500), connect).await {
            Ok(Ok(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Ok(_)) => {
                return Err(AppError::PortInUse {
                    host: base.host.clone(),
                    port: base.port,
                })
            }
            _ => return Ok(()),
        }
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        _ => "an unknown status".into(),
    }
}

/// Most bytes of a log [`log_tail`] reads, from its end.
const LOG_TAIL_BYTES: u64 = 64 * 1024;

/// The last `lines` whole lines of a file (reading at most its last
/// [`LOG_TAIL_BYTES`]). A line the read starts inside is left out: half a
/// secret is a secret the redactor no longer recognises.
fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(LOG_TAIL_BYTES);
        let _ = file.seek(SeekFrom::Start(start));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        if start > 0 {
            let whole = bytes
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| i + 1);
            bytes.drain(..whole);
        }
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let all: Vec<&str> = text.lines().collect();
    let tail = &all[all.len().saturating_sub(lines)..];
    if tail.is_empty() {
        return "    (the log is empty)".into();
    }
    tail.iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
