//! `docs/ci/` shows how to run benchgate outside GitHub Actions: a GitLab CI
//! job and a plain shell recipe. No Rust code reads them, so these tests do:
//! the GitLab file parses and runs the recipe, the recipe is valid bash whose
//! `benchgate check` options exist, and it installs a release only when the
//! checksum matches and passes benchgate's exit code on.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_yaml::Value;

const RECIPE: &str = "docs/ci/benchgate-check.sh";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gitlab_file() -> Value {
    let path = root().join("docs/ci/gitlab-ci.yml");
    let text = fs_err::read_to_string(&path).expect("docs/ci/gitlab-ci.yml is readable");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

#[test]
fn the_gitlab_job_runs_the_recipe_and_reports_its_junit_file() {
    let file = gitlab_file();
    let job = &file["benchgate"];
    let stages: Vec<&str> = file["stages"]
        .as_sequence()
        .expect("a stages list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        stages.contains(&job["stage"].as_str().expect("the job has a stage")),
        "the job's stage is not in stages: {stages:?}"
    );
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .expect("the job has a script list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let recipe_name = Path::new(RECIPE).file_name().expect("a file name");
    let runs_recipe = script.iter().any(|line| {
        line.split_whitespace()
            .any(|word| Path::new(word).file_name() == Some(recipe_name))
    });
    assert!(runs_recipe, "the job does not run {RECIPE}: {script:?}");

    // Every BENCHGATE_ variable the job sets is one the recipe reads.
    let recipe = fs_err::read_to_string(root().join(RECIPE)).expect("the recipe");
    let variables = job["variables"].as_mapping().expect("the job's variables");
    for name in variables.keys().filter_map(Value::as_str) {
        if name.starts_with("BENCHGATE_") {
            assert!(recipe.contains(name), "{RECIPE} never reads {name}");
        }
    }

    // The JUnit report is the file the recipe's report directory gets.
    let report_dir = variables
        .get("BENCHGATE_REPORT_DIR")
        .and_then(Value::as_str)
        .expect("BENCHGATE_REPORT_DIR is set");
    let artifacts = &job["artifacts"];
    assert_eq!(
        artifacts["reports"]["junit"].as_str(),
        Some(format!("{report_dir}/junit.xml").as_str())
    );
    assert_eq!(
        artifacts["when"].as_str(),
        Some("always"),
        "a failing gate must keep its report"
    );
}

#[test]
fn the_recipe_is_valid_bash() {
    let status = Process::new("bash")
        .arg("-n")
        .arg(root().join(RECIPE))
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n {RECIPE} failed");
}

#[test]
fn the_recipe_uses_options_that_benchgate_check_has() {
    let help = Command::cargo_bin("benchgate")
        .expect("benchgate binary is built")
        .args(["check", "--help"])
        .output()
        .expect("benchgate check --help runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let recipe = fs_err::read_to_string(root().join(RECIPE)).expect("the recipe");
    for option in ["--config", "--report-dir", "--ab"] {
        assert!(
            recipe.contains(option),
            "{RECIPE} no longer passes {option}"
        );
        assert!(help.contains(option), "benchgate check has no {option}");
    }
}

/// The real benchgate, given by BENCHGATE_BIN, accepts the recipe's command
/// line: a missing suite file is exit 2 naming the file, not a usage error.
#[test]
fn the_recipe_passes_benchgates_exit_code_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let benchgate = assert_cmd::cargo::cargo_bin("benchgate");
    recipe(dir.path())
        .env("BENCHGATE_BIN", &benchgate)
        .env("BENCHGATE_CONFIG", "missing.yaml")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("missing.yaml")
                .and(predicate::str::contains("unexpected argument").not()),
        );
}

fn recipe(dir: &Path) -> Command {
    let mut command = Command::new("bash");
    command
        .arg(root().join(RECIPE))
        .current_dir(dir)
        .env("TMPDIR", dir)
        .env_remove("BENCHGATE_RELEASE_URL")
        .env_remove("BENCHGATE_BIN")
        .env_remove("BENCHGATE_AB");
    command
}

/// A release folder with one archive holding a stand-in benchgate that
/// writes junit.xml into the report directory and exits `code`, and a
/// SHA256SUMS with `checksum` (None: the archive's real one).
fn release(dir: &Path, code: i32, checksum: Option<&str>) -> (PathBuf, &'static str) {
    const ARCHIVE: &str = "benchgate-test.tar.gz";
    let package = dir.join("package/benchgate-test");
    fs_err::create_dir_all(&package).expect("mkdir");
    fs_err::write(
        package.join("benchgate"),
        format!(
            "#!/usr/bin/env bash\n\
             if [ \"$1\" = --version ]; then echo 'benchgate 0.0.0 (stand-in)'; exit 0; fi\n\
             echo \"stand-in: $*\" > \"$TMPDIR/ran\"\n\
             while [ $# -gt 0 ]; do\n\
               if [ \"$1\" = --report-dir ]; then mkdir -p \"$2\"; echo '<testsuites/>' > \"$2/junit.xml\"; printf '{{\\n  \"outcome\": \"%s\",\\n}}\\n' \"${{STANDIN_OUTCOME:-pass}}\" > \"$2/comparison.json\"; fi\n\
               shift\n\
             done\n\
             exit {code}\n"
        ),
    )
    .expect("write the stand-in");
    let release = dir.join("release");
    fs_err::create_dir_all(&release).expect("mkdir");
    let tar = Process::new("tar")
        .arg("-czf")
        .arg(release.join(ARCHIVE))
        .arg("-C")
        .arg(dir.join("package"))
        .arg("benchgate-test")
        .status()
        .expect("tar runs");
    assert!(tar.success());
    let sum = match checksum {
        Some(sum) => sum.to_string(),
        None => {
            let out = Process::new("sha256sum")
                .arg(ARCHIVE)
                .current_dir(&release)
                .output()
                .expect("sha256sum runs");
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .next()
                .expect("a checksum")
                .to_string()
        }
    };
    fs_err::write(release.join("SHA256SUMS"), format!("{sum}  {ARCHIVE}\n")).expect("write");
    (release, ARCHIVE)
}

#[test]
fn an_exit_0_not_judged_is_not_said_to_have_passed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (release, archive) = release(dir.path(), 0, None);
    for (outcome, said) in [
        ("not-judged", "not judged (not-judged, exit 0)"),
        (
            "possible-regression",
            "not judged (possible-regression, exit 0)",
        ),
        ("pass", "benchgate-check: passed"),
    ] {
        let out = recipe(dir.path())
            .env(
                "BENCHGATE_RELEASE_URL",
                format!("file://{}", release.display()),
            )
            .env("BENCHGATE_ARCHIVE", archive)
            .env("BENCHGATE_REPORT_DIR", "out")
            .env("STANDIN_OUTCOME", outcome)
            .assert()
            .code(0);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(said), "{outcome}: {stderr}");
        if outcome != "pass" {
            assert!(!stderr.contains("passed"), "{outcome}: {stderr}");
        }
    }
}

#[test]
fn a_release_with_the_right_checksum_is_installed_and_its_exit_code_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (release, archive) = release(dir.path(), 1, None);
    recipe(dir.path())
        .env(
            "BENCHGATE_RELEASE_URL",
            format!("file://{}", release.display()),
        )
        .env("BENCHGATE_ARCHIVE", archive)
        .env("BENCHGATE_REPORT_DIR", "out")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a regression (exit 1)"));
    let ran = fs_err::read_to_string(dir.path().join("ran")).expect("the stand-in ran");
    assert!(
        ran.contains("check --config benchgate.yaml --report-dir out"),
        "{ran}"
    );
    assert!(dir.path().join("out/junit.xml").is_file());
}

#[test]
fn a_release_with_a_wrong_checksum_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = "0".repeat(64);
    let (release, archive) = release(dir.path(), 0, Some(&wrong));
    recipe(dir.path())
        .env(
            "BENCHGATE_RELEASE_URL",
            format!("file://{}", release.display()),
        )
        .env("BENCHGATE_ARCHIVE", archive)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("checksum mismatch")
                .and(predicate::str::contains("not installed")),
        );
    assert!(!dir.path().join("ran").exists(), "the refused download ran");
}

/// Every release the README names is this build's version, and the
/// workflow it says `init` writes is the one `init` writes.
#[test]
fn the_readme_names_this_version_and_the_workflow_init_writes() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let version = env!("CARGO_PKG_VERSION");
    let mut named = 0;
    for line in readme.lines().filter(|l| !l.contains("actions/")) {
        for marker in ["@v", "# v", "(`"] {
            for (at, _) in line.match_indices(marker) {
                let rest = &line[at + marker.len()..];
                let candidate: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                if candidate.split('.').count() == 3 && candidate.split('.').all(|p| !p.is_empty())
                {
                    named += 1;
                    assert_eq!(candidate, version, "README names another version: {line}");
                }
            }
        }
    }
    assert!(named >= 2, "the README names the release to use");
    let init = std::fs::read_to_string(root().join("src/init/workflow.yml")).expect("template");
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    // The workflow file named just before "(what `init` writes".
    let name = flat
        .match_indices(" (what `init` writes")
        .filter_map(|(at, _)| flat[..at].strip_suffix('`'))
        .filter_map(|before| before.rsplit('`').next())
        .find(|name| name.ends_with(".yml"))
        .expect("the README says which workflow init writes");
    let example = std::fs::read_to_string(root().join("docs/workflows").join(name))
        .unwrap_or_else(|e| panic!("docs/workflows/{name}: {e}"));
    assert_eq!(example, init, "README says init writes {name}");
}
