//! The action's install step (`scripts/install.sh`) against a release host
//! played on loopback: a release whose archive holds a stand-in benchgate is
//! installed when its checksum matches and then used by the check step; a
//! wrong checksum or attestation is refused with exit 2 and one line; no
//! release, or a ref that is no release, falls back to the source build,
//! whose `cargo install` is a stub here.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use super::{check_step, named_step, parse, root, PullRequest, STANDIN};

const VERSION: &str = "0.2.0";
const REPOSITORY: &str = "owner/benchgate";
const SOURCE: &str = "steps.install.outputs.from == 'source'";

/// The release target of this machine, as the release workflow names it.
fn triple() -> String {
    let os = match std::env::consts::OS {
        "macos" => "apple-darwin",
        _ => "unknown-linux-musl",
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

fn archive_name() -> String {
    format!("benchgate-{}.tar.gz", triple())
}

/// A static file server on 127.0.0.1 serving `root`: 200 with the file, 404
/// for anything else. It counts requests and lives as long as the test.
struct ReleaseHost {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl ReleaseHost {
    fn start(root: PathBuf) -> ReleaseHost {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                serve(&root, stream);
            }
        });
        ReleaseHost { addr, requests }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(root: &Path, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let body = (!path.contains(".."))
        .then(|| std::fs::read(root.join(path.trim_start_matches('/'))).ok())
        .flatten();
    let mut stream = stream;
    let _ = match body {
        Some(body) => write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .and_then(|()| stream.write_all(&body)),
        None => stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs_err::write(path, text).expect("write");
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The release host's files: `v0.2.0/` with this machine's archive (its
/// benchgate the check step's stand-in, which also answers --version and
/// leaves `$HOME/release-ran`), SHA256SUMS (with `checksum`, or the
/// archive's real one) and COMMIT.
fn publish(host_root: &Path, checksum: Option<&str>, commit: &str) {
    let work = tempfile::tempdir().expect("temp dir");
    let folder = format!("benchgate-{}", triple());
    let body = STANDIN.trim_start_matches("#!/bin/sh\n");
    write_executable(
        &work.path().join(&folder).join("benchgate"),
        &format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'benchgate {VERSION} (release stand-in)'; exit 0; fi\ntouch \"$HOME/release-ran\"\n{body}"
        ),
    );
    fs_err::write(work.path().join(&folder).join("README.md"), "# benchgate\n").expect("readme");
    let release = host_root.join(format!("v{VERSION}"));
    fs_err::create_dir_all(&release).expect("release dir");
    let archive = release.join(archive_name());
    let status = std::process::Command::new("tar")
        .arg("-C")
        .arg(work.path())
        .arg("-czf")
        .arg(&archive)
        .arg(&folder)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar failed");
    let real = sha256_hex(&fs_err::read(&archive).expect("the archive"));
    let sums = format!(
        "{}  benchgate-other-target.tar.gz\n{}  {}\n",
        "0".repeat(64),
        checksum.unwrap_or(&real),
        archive_name()
    );
    fs_err::write(release.join("SHA256SUMS"), sums).expect("SHA256SUMS");
    fs_err::write(release.join("COMMIT"), format!("{commit}\n")).expect("COMMIT");
}

/// One run of the install step (or, after it, the source build step).
#[derive(Debug)]
struct Installed {
    code: Option<i32>,
    stdout: String,
    /// What the step wrote to $GITHUB_OUTPUT.
    outputs: String,
    seconds: f64,
}

impl Installed {
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
    }
}

/// A runner for the install step: the pull request's temp dir, a release
/// host serving `host/`, and the environment the action gives the step.
struct Runner {
    pr: PullRequest,
    host: ReleaseHost,
    env: Vec<(String, String)>,
}

impl Runner {
    fn new() -> Runner {
        let pr = PullRequest::new();
        fs_err::create_dir_all(pr.path("host")).expect("host dir");
        fs_err::create_dir_all(pr.path("runner_temp")).expect("runner temp");
        let host = ReleaseHost::start(pr.path("host"));
        let env = [
            ("GITHUB_ACTION_PATH", root().display().to_string()),
            ("GITHUB_ACTION_REF", format!("v{VERSION}")),
            ("GITHUB_ACTION_REPOSITORY", REPOSITORY.to_string()),
            ("BENCHGATE_RELEASE_URL", host.url()),
            ("BENCHGATE_VERSION", String::new()),
            // GitHub's runners have gh: no token, no attestation check.
            ("GH_TOKEN", String::new()),
            ("RUNNER_TEMP", pr.path("runner_temp").display().to_string()),
        ];
        let env = env.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Runner { pr, host, env }
    }

    fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Puts a stand-in `program` (a shell script) first on the PATH.
    fn stub(&mut self, program: &str, script: &str) {
        write_executable(&self.pr.path("stubs").join(program), script);
        let path = std::env::var("PATH").unwrap_or_default();
        let stubs = self.pr.path("stubs").display().to_string();
        self.set("PATH", &format!("{stubs}:{path}"));
    }

    fn run(&self, step_name: &str) -> Installed {
        let action = parse(&root().join("action.yml"));
        let step = named_step(&action["runs"]["steps"], step_name);
        let script = step["run"].as_str().expect("a run script");
        let output = self.pr.path("github_output");
        fs_err::write(&output, "").expect("output file");
        let start = Instant::now();
        let out = self
            .pr
            .command("bash", &self.pr.path("work"))
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("GITHUB_OUTPUT", &output)
            .output()
            .expect("bash runs");
        Installed {
            seconds: start.elapsed().as_secs_f64(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            outputs: fs_err::read_to_string(&output).expect("outputs"),
        }
    }

    fn install(&self) -> Installed {
        self.run("Install benchgate")
    }
}

#[test]
fn the_install_step_passes_inputs_in_the_environment_and_gates_the_source_build() {
    let action = parse(&root().join("action.yml"));
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let install = &steps[0];
    assert_eq!(install["id"].as_str(), Some("install"));
    assert_eq!(
        install["env"]["BENCHGATE_VERSION"].as_str(),
        Some("${{ inputs.version }}")
    );
    assert_eq!(
        install["env"]["BENCHGATE_RELEASE_URL"].as_str(),
        Some("${{ inputs.release-url }}")
    );
    for name in [
        "Hash benchgate's Cargo.lock",
        "Cache the benchgate build",
        "Build benchgate from source",
    ] {
        let step = named_step(&action["runs"]["steps"], name);
        assert_eq!(step["if"].as_str(), Some(SOURCE), "{name}");
    }
    // A PATH change would outlive the action: binaries go by full path.
    let script = fs_err::read_to_string(root().join("scripts/install.sh")).expect("script");
    let runs = steps.iter().filter_map(|s| s["run"].as_str());
    for run in runs.chain([script.as_str()]) {
        assert!(!run.contains("$GITHUB_PATH"), "writes GITHUB_PATH: {run}");
    }
}

#[test]
fn a_release_with_the_right_checksum_is_installed_quickly_and_used_by_check() {
    let runner = Runner::new();
    publish(&runner.pr.path("host"), None, "");
    let installed = runner.install();
    assert_eq!(installed.code, Some(0), "{installed:?}");
    assert!(
        installed.stdout.contains(&format!(
            "benchgate: benchgate {VERSION} from the release, checksum verified; attestation not checked (no "
        )),
        "{}",
        installed.stdout
    );
    assert_eq!(installed.output("from"), Some("release"));
    let bin = installed.output("bin").expect("a bin output").to_string();
    assert!(
        Path::new(&bin).starts_with(runner.pr.path("runner_temp")),
        "{bin} is not under RUNNER_TEMP"
    );
    // Just the download and the verification, against loopback.
    eprintln!(
        "install from the stand-in release host: {:.3} s",
        installed.seconds
    );
    assert!(installed.seconds < 10.0, "{installed:?}");

    // The check step runs that binary, not one on the PATH or in ~/.cargo.
    fs_err::remove_file(runner.pr.path("home/.cargo/bin/benchgate")).expect("rm");
    let script = check_step(&parse(&root().join("action.yml")))["run"]
        .as_str()
        .expect("script")
        .to_string();
    let out = runner
        .pr
        .command("bash", &runner.pr.path("work"))
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .env("GITHUB_OUTPUT", runner.pr.path("github_output"))
        .env("BENCHGATE_MODE", "check")
        .env("BENCHGATE_CONFIG", "benchgate.yaml")
        .env("BENCHGATE_REPORT_DIR", "benchgate-report")
        .env("BENCHGATE_COMMENT", "false")
        .env("BASE_SHA", "")
        .env("BENCHGATE_BIN", &bin)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    assert!(runner.pr.path("home/release-ran").exists());
}

#[test]
fn a_wrong_checksum_is_refused_with_exit_2_and_one_line_and_no_source_build() {
    let runner = Runner::new();
    publish(&runner.pr.path("host"), Some(&"ab".repeat(32)), "");
    let installed = runner.install();
    assert_eq!(installed.code, Some(2), "{installed:?}");
    let lines: Vec<&str> = installed.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "::error::benchgate: checksum mismatch for {}/v{VERSION}/{}: SHA256SUMS says {}",
            runner.host.url(),
            archive_name(),
            "ab".repeat(32)
        )),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("; not installed"), "{}", lines[0]);
    assert_eq!(installed.outputs, "", "neither a binary nor a source build");
}

#[test]
fn no_release_falls_back_to_the_source_build_with_cargo_install() {
    let mut runner = Runner::new();
    let installed = runner.install();
    assert_eq!(installed.code, Some(0), "{installed:?}");
    assert_eq!(
        installed.stdout.trim(),
        format!(
            "benchgate: no release v{VERSION} at {}/v{VERSION} ({} not found): building from source",
            runner.host.url(),
            archive_name()
        )
    );
    assert_eq!(installed.outputs, "from=source\n");

    // The build step, with a cargo that records its arguments.
    let record = runner.pr.path("cargo-args");
    runner.stub(
        "cargo",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nmkdir -p \"$HOME/.cargo/bin\"\n",
            record.display()
        ),
    );
    let built = runner.run("Build benchgate from source");
    assert_eq!(built.code, Some(0), "{built:?}");
    let args = fs_err::read_to_string(&record).expect("cargo ran");
    let root = root().display().to_string();
    let expected = [
        "install",
        "--locked",
        "--force",
        "--path",
        &root,
        "--bin",
        "benchgate",
    ];
    assert_eq!(args.lines().collect::<Vec<_>>(), expected);
    let home_bin = runner.pr.path("home/.cargo/bin/benchgate");
    assert_eq!(built.output("bin"), Some(home_bin.to_str().expect("utf-8")));
}

#[test]
fn used_at_a_branch_or_with_version_source_it_builds_from_source_without_asking_the_host() {
    let mut runner = Runner::new();
    publish(&runner.pr.path("host"), None, "");
    runner.set("GITHUB_ACTION_REF", "main");
    let installed = runner.install();
    assert_eq!(installed.code, Some(0), "{installed:?}");
    assert_eq!(
        installed.stdout.trim(),
        "benchgate: no release for main: building from source"
    );
    assert_eq!(installed.outputs, "from=source\n");

    runner.set("GITHUB_ACTION_REF", &format!("v{VERSION}"));
    runner.set("BENCHGATE_VERSION", "source");
    let installed = runner.install();
    assert_eq!(installed.outputs, "from=source\n", "{installed:?}");
    assert_eq!(runner.host.requests(), 0);
}

#[test]
fn the_version_input_wins_over_the_ref_and_must_be_a_version() {
    let mut runner = Runner::new();
    publish(&runner.pr.path("host"), None, "");
    runner.set("GITHUB_ACTION_REF", "main");
    runner.set("BENCHGATE_VERSION", VERSION);
    let installed = runner.install();
    assert_eq!(installed.output("from"), Some("release"), "{installed:?}");

    runner.set("BENCHGATE_VERSION", "1.0; rm -rf ~");
    let installed = runner.install();
    assert_eq!(installed.code, Some(2), "{installed:?}");
    assert_eq!(
        installed.stdout.trim(),
        "::error::benchgate: the version input must be a release like 1.2.3 (or source), not 'this ref'"
    );
}

/// Composite actions may get neither GITHUB_ACTION_REF nor
/// GITHUB_ACTION_REPOSITORY; the action's folder names both. Pinned to a
/// commit, the action installs the release of its Cargo.toml version only
/// if that release was built from the same commit.
#[test]
fn a_commit_pin_read_from_the_actions_folder_installs_only_its_own_release() {
    let pinned = "0123456789abcdef0123456789abcdef01234567";
    let mut runner = Runner::new();
    publish(&runner.pr.path("host"), None, pinned);
    let action = runner.pr.path(&format!("_actions/{REPOSITORY}/{pinned}"));
    fs_err::create_dir_all(&action).expect("action dir");
    std::os::unix::fs::symlink(root().join("scripts"), action.join("scripts")).expect("symlink");
    fs_err::write(
        action.join("Cargo.toml"),
        format!("[package]\nname = \"benchgate\"\nversion = \"{VERSION}\"\n"),
    )
    .expect("Cargo.toml");
    runner.set("GITHUB_ACTION_PATH", &action.display().to_string());
    runner.set("GITHUB_ACTION_REF", "");
    runner.set("GITHUB_ACTION_REPOSITORY", "");
    let installed = runner.install();
    assert_eq!(installed.output("from"), Some("release"), "{installed:?}");

    publish(&runner.pr.path("host"), None, &"f".repeat(40));
    let installed = runner.install();
    assert_eq!(installed.outputs, "from=source\n", "{installed:?}");
    assert!(
        installed.stdout.contains(&format!(
            "release v{VERSION} was built from another commit than {pinned}"
        )),
        "{}",
        installed.stdout
    );
}

#[test]
fn with_gh_and_a_token_the_attestation_is_verified_and_a_bad_one_refused() {
    let mut runner = Runner::new();
    publish(&runner.pr.path("host"), None, "");
    let record = runner.pr.path("gh-args");
    let gh = |code: u8| {
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\necho 'verification failed: no matching attestation' >&2\nexit {code}\n",
            record.display()
        )
    };
    runner.set("GH_TOKEN", "token");
    runner.stub("gh", &gh(0));
    let installed = runner.install();
    assert_eq!(installed.code, Some(0), "{installed:?}");
    assert!(
        installed.stdout.contains(&format!(
            "benchgate {VERSION} from the release, checksum verified, attestation verified"
        )),
        "{}",
        installed.stdout
    );
    let args = fs_err::read_to_string(&record).expect("gh ran");
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[..2], ["attestation", "verify"]);
    assert!(args[2].ends_with(&archive_name()), "{args:?}");
    let workflow = format!("{REPOSITORY}/.github/workflows/release.yml");
    assert_eq!(
        args[3..],
        ["--repo", REPOSITORY, "--signer-workflow", workflow.as_str()]
    );

    runner.stub("gh", &gh(1));
    let installed = runner.install();
    assert_eq!(installed.code, Some(2), "{installed:?}");
    let lines: Vec<&str> = installed.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("::error::benchgate: the build provenance attestation of"),
        "{}",
        lines[0]
    );
    assert_eq!(installed.outputs, "");
}

/// The release workflow builds the archives the install step looks for,
/// publishes SHA256SUMS and COMMIT beside them, attests them, and gives
/// write permissions only to the jobs that need them.
#[test]
fn the_release_workflow_publishes_what_the_install_step_downloads() {
    let workflow = parse(&root().join(".github/workflows/release.yml"));
    let tags = workflow["on"]["push"]["tags"]
        .as_sequence()
        .expect("on push tags");
    assert_eq!(tags[0].as_str(), Some("v*"));
    assert_eq!(
        workflow["permissions"].as_mapping().map(|m| m.len()),
        Some(0)
    );
    let jobs = &workflow["jobs"];
    let targets: Vec<&str> = jobs["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a build matrix")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "aarch64-apple-darwin",
            "x86_64-apple-darwin"
        ]
    );
    let text = fs_err::read_to_string(root().join(".github/workflows/release.yml")).expect("read");
    for needle in [
        "-p benchgate --bin benchgate",
        "name=\"benchgate-$TARGET\"",
        "\"dist/$name.tar.gz\"",
        "> SHA256SUMS",
        "dist/SHA256SUMS dist/COMMIT",
        "uses: actions/attest-build-provenance@",
    ] {
        assert!(text.contains(needle), "release.yml lacks {needle}");
    }
    let permissions = |job: &str| {
        let mut p: Vec<String> = keys_and_values(&jobs[job]["permissions"]);
        p.sort();
        p
    };
    assert_eq!(permissions("build"), ["contents=read"]);
    assert_eq!(
        permissions("attest"),
        ["attestations=write", "contents=read", "id-token=write"]
    );
    assert_eq!(permissions("publish"), ["contents=write"]);
}

fn keys_and_values(value: &serde_yaml::Value) -> Vec<String> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}
