//! The app under test is the pull request's code and runs as benchgate's
//! user: it must not read the token from benchgate's own environment. The
//! supervisor's arguments name benchgate's pid, so the app knows where to
//! look; `/proc/<benchgate's pid>/environ` must refuse it.
//!
//! The probe is a shell "app" that reads the environ files of its parent
//! (the supervisor, whose environment is scrubbed) and of its grandparent
//! (benchgate), writes what it got to a file and exits. Root may read any
//! process's memory, so run as root this test runs benchgate (and so the
//! probe) as the unprivileged user `nobody`, with `setpriv`.

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;

use support::{free_port, unprivileged_benchgate, write_suite};

const TOKEN: &str = "ghs_probe_reads_environ_123";

/// Reads the supervisor's and benchgate's environ into `probe.out`.
const PROBE: &str = r#"sup=$PPID
bg=$(cut -d' ' -f4 "/proc/$sup/stat")
{
  echo "benchgate=$bg comm=$(cat "/proc/$bg/comm")"
  for pid in "$sup" "$bg"; do
    echo "== $pid"
    if ! tr '\0' '\n' < "/proc/$pid/environ"; then echo "refused $pid"; fi
  done
} > probe.out 2>&1
exit 3
"#;

#[test]
fn the_app_cannot_read_benchgates_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Writable by nobody.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
        .expect("chmod the temp dir");
    let Some(mut benchgate) = unprivileged_benchgate(dir.path()) else {
        eprintln!("skipped: this process may read any process's memory (CAP_SYS_PTRACE)");
        return;
    };
    std::fs::write(dir.path().join("probe.sh"), PROBE).expect("write probe");
    let port = free_port();
    let suite = write_suite(
        dir.path(),
        &format!(
            r#"version: 1
suite: probe
app:
  command: ["sh", "probe.sh"]
  ready: {{ url: "http://127.0.0.1:{port}/", timeout: 20s }}
base_url: "http://127.0.0.1:{port}"
endpoints:
  - name: root
    path: /
"#
        ),
    );
    benchgate
        .current_dir(dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .arg("run")
        .arg("--config")
        .arg(&suite)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(3);
    let out = read(&dir.path().join("probe.out"));
    let (pid, comm) = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("benchgate="))
        .and_then(|l| l.split_once(' '))
        .unwrap_or_else(|| panic!("no first line: {out}"));
    assert_eq!(
        comm, "comm=benchgate",
        "the grandparent is benchgate: {out}"
    );
    assert!(
        out.contains("PATH="),
        "the probe reads the supervisor's environment (it has no token): {out}"
    );
    assert!(!out.contains(TOKEN), "the app read the token: {out}");
    assert!(out.contains(&format!("refused {pid}")), "{out}");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the probe wrote no {}: {e}", path.display()))
}
