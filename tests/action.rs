//! The GitHub Action and the workflows are YAML that no Rust code reads:
//! these tests parse them so a typo or a dropped input fails here, not in a
//! user's pull request.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

#[path = "action/install.rs"]
mod install;

/// The binary the install step installed (a release's) or built (from source).
const INSTALLED_BIN: &str = "${{ steps.install.outputs.bin || steps.build.outputs.bin }}";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn parse(path: &Path) -> Value {
    let text = fs_err::read_to_string(path).expect("the file is readable");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_action_is_composite_with_the_documented_inputs_and_outputs() {
    let action = parse(&root().join("action.yml"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = keys(&action["inputs"]);
    for input in [
        "config",
        "github-token",
        "comment",
        "mode",
        "base-ref",
        "report-dir",
        "runs",
        "version",
        "release-url",
        "history-branch",
        "history-file",
    ] {
        assert!(inputs.contains(&input.to_string()), "no input {input}");
    }
    let outputs = keys(&action["outputs"]);
    for output in [
        "verdict",
        "regressions",
        "report-dir",
        "history-file",
        "bin",
    ] {
        assert!(outputs.contains(&output.to_string()), "no output {output}");
    }
    let defaults = |name: &str| {
        action["inputs"][name]["default"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(defaults("config").as_deref(), Some("benchgate.yaml"));
    assert_eq!(defaults("mode").as_deref(), Some("check"));
    assert_eq!(defaults("comment").as_deref(), Some("true"));
    assert_eq!(defaults("report-dir").as_deref(), Some("benchgate-report"));
    assert_eq!(defaults("base-ref").as_deref(), Some(""));
    assert_eq!(defaults("version").as_deref(), Some(""));
    assert_eq!(defaults("release-url").as_deref(), Some(""));
}

#[test]
fn the_action_never_puts_the_token_on_a_command_line() {
    let action = parse(&root().join("action.yml"));
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "a run script interpolates an expression: {run}"
            );
            assert!(
                !run.contains("--github-token"),
                "the token is an argument: {run}"
            );
        }
    }
}

fn workflows() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in [".github/workflows", "docs/workflows"] {
        for entry in fs_err::read_dir(root().join(dir)).expect("the directory exists") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn every_workflow_has_triggers_and_jobs() {
    let found = workflows();
    assert!(
        found.len() >= 6,
        "expected the CI and five example workflows: {found:?}"
    );
    for path in found {
        let workflow = parse(&path);
        let top = keys(&workflow);
        assert!(
            top.contains(&"on".to_string()),
            "{} has no on:",
            path.display()
        );
        assert!(
            top.contains(&"jobs".to_string()),
            "{} has no jobs:",
            path.display()
        );
        assert!(
            !keys(&workflow["jobs"]).is_empty(),
            "{} has no job",
            path.display()
        );
    }
}

/// The placeholder for benchgate's own action in the example workflows: the
/// user replaces the whole line with a pinned release, so it may stay unpinned.
const PLACEHOLDER: &str =
    "uses: OWNER/benchgate@main # zizmor: ignore[unpinned-uses] placeholder, replace it";

/// `owner/repo[/path]@<40 hex> # v<version>`: a commit that cannot move,
/// and the release it is, for the reader and for update tools.
fn is_pinned_with_version(reference: &str) -> bool {
    let Some((action, rest)) = reference.split_once('@') else {
        return false;
    };
    let Some((sha, version)) = rest.split_once(" # ") else {
        return false;
    };
    action.contains('/')
        && sha.len() == 40
        && sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && version.starts_with('v')
        && version[1..].starts_with(|c: char| c.is_ascii_digit())
}

#[test]
fn every_uses_is_pinned_to_a_commit_with_its_version_in_a_comment() {
    let mut files = workflows();
    files.push(root().join("action.yml"));
    files.push(root().join("src/init/workflow.yml"));
    let mut checked = 0;
    for path in files {
        let text = fs_err::read_to_string(&path).expect("readable");
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start().trim_start_matches("- ");
            if !line.starts_with("uses:") || line == PLACEHOLDER {
                continue;
            }
            let reference = line["uses:".len()..].trim();
            assert!(
                is_pinned_with_version(reference),
                "{}:{}: `{line}` is not pinned: write `uses: owner/action@<full commit SHA> # vX.Y.Z`",
                path.display(),
                number + 1
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} pinned uses: lines found");
}

#[test]
fn init_writes_the_documented_pull_request_workflow() {
    let template = fs_err::read_to_string(root().join("src/init/workflow.yml")).expect("template");
    let example = fs_err::read_to_string(root().join("docs/workflows/pr-ab.yml")).expect("example");
    assert_eq!(
        template, example,
        "src/init/workflow.yml and docs/workflows/pr-ab.yml differ"
    );
}

#[test]
fn the_ab_example_runs_the_action_in_ab_mode_on_pull_requests() {
    let workflow = parse(&root().join("docs/workflows/pr-ab.yml"));
    assert!(keys(&workflow["on"]).contains(&"pull_request".to_string()));
    let job = &workflow["jobs"]["benchgate"];
    assert_eq!(job["permissions"]["pull-requests"].as_str(), Some("write"));
    assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
    let steps = job["steps"].as_sequence().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.iter().any(|u| u.starts_with("actions/checkout@")));
    let action = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/benchgate@"))
        })
        .expect("a step using the action");
    assert_eq!(action["with"]["mode"].as_str(), Some("ab"));
}

#[test]
fn an_unknown_mode_step_accepts_every_documented_mode() {
    let action = parse(&root().join("action.yml"));
    let unknown = named_step(&action["runs"]["steps"], "Unknown mode");
    let condition = unknown["if"].as_str().expect("its condition");
    for mode in ["check", "ab", "update-baseline"] {
        assert!(
            condition.contains(&format!("inputs.mode != '{mode}'")),
            "{condition}"
        );
    }
    let check = check_step(&action);
    let condition = check["if"].as_str().expect("its condition");
    assert!(condition.contains("inputs.mode == 'ab'"), "{condition}");
}

/// The action's check step, which check and ab modes share.
fn check_step(action: &Value) -> &Value {
    action["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .find(|s| s["id"].as_str() == Some("check"))
        .expect("the step with id check")
}

/// The action's step with `id`.
fn step<'a>(action: &'a Value, id: &str) -> &'a Value {
    action["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step with id {id}"))
}

/// The step named `name` among `steps` (an action's `runs.steps`, a
/// workflow job's `steps`).
fn named_step<'a>(steps: &'a Value, name: &str) -> &'a Value {
    steps
        .as_sequence()
        .expect("steps")
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name}"))
}

/// Whether `step`'s environment holds a token: a variable named like one,
/// or any value that expands a token.
fn holds_a_token(step: &Value) -> bool {
    let Some(env) = step["env"].as_mapping() else {
        return false;
    };
    env.iter().any(|(name, value)| {
        let name = name.as_str().unwrap_or_default();
        let value = value.as_str().unwrap_or_default();
        name.contains("TOKEN") || value.contains("github-token") || value.contains("github.token")
    })
}

#[test]
fn the_token_reaches_the_publish_step_and_never_the_measuring_one() {
    let action = parse(&root().join("action.yml"));
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let holders: Vec<&str> = steps
        .iter()
        .filter(|s| holds_a_token(s))
        .map(|s| s["id"].as_str().unwrap_or("(no id)"))
        .collect();
    // Install runs before anything is built or measured, and only the
    // action's own script (the token checks a release's attestation); the
    // history's fetch runs before check, the token for git alone; the
    // baselines' push runs only `git push`.
    assert_eq!(holders, ["install", "history", "publish", "push-baselines"]);
    assert_eq!(
        steps[0]["id"].as_str(),
        Some("install"),
        "install runs first, before any code of the pull request"
    );
    let check = check_step(&action);
    assert!(!holds_a_token(check), "the measuring step holds a token");
    let script = check["run"].as_str().expect("check's script");
    assert!(!script.contains("--github"), "check publishes: {script}");
    let publish = step(&action, "publish");
    assert_eq!(
        publish["env"]["GITHUB_TOKEN"].as_str(),
        Some("${{ inputs.github-token }}")
    );
    let script = publish["run"].as_str().expect("publish's script");
    assert_eq!(
        script,
        r#""$BENCHGATE_BIN" publish "$BENCHGATE_REPORT_DIR""#
    );
    let position = |id: &str| steps.iter().position(|s| s["id"].as_str() == Some(id));
    assert!(
        position("check") < position("publish"),
        "publish runs after check"
    );
    assert!(
        position("history") < position("check"),
        "the history is fetched before any code of the pull request runs"
    );
    let script = step(&action, "history")["run"]
        .as_str()
        .expect("history's script");
    assert!(
        script.contains("env -u GH_TOKEN \"$BENCHGATE_BIN\" validate"),
        "{script}"
    );
    assert!(
        script.contains("-c \"http.$SERVER_URL/.extraheader=AUTHORIZATION: basic $auth\""),
        "{script}"
    );
    assert!(script.contains("echo \"::add-mask::$auth\""), "{script}");
}

#[test]
fn with_comment_false_no_step_after_install_holds_the_token() {
    let action = parse(&root().join("action.yml"));
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    // The history's fetch runs before check, whatever `comment` says.
    for step in steps
        .iter()
        .skip(1)
        .filter(|s| holds_a_token(s) && s["id"].as_str() != Some("history"))
    {
        let condition = step["if"].as_str().unwrap_or_default();
        assert!(
            condition.contains("inputs.comment == 'true'")
                || condition.contains("inputs.mode == 'update-baseline'"),
            "{:?} holds the token whatever `comment` says: {condition:?}",
            step["name"]
        );
    }
}

#[test]
fn baselines_are_recorded_without_the_token_and_pushed_with_it_alone() {
    let action = parse(&root().join("action.yml"));
    let record = step(&action, "baseline");
    assert!(!holds_a_token(record), "the recording step holds a token");
    let script = record["run"].as_str().expect("its script");
    assert!(script.contains("baseline update"), "{script}");
    assert!(!script.contains("git push"), "{script}");
    let push = step(&action, "push-baselines");
    assert!(holds_a_token(push));
    let condition = push["if"].as_str().expect("push's condition");
    assert!(
        condition.contains("steps.baseline.outputs.committed == 'true'"),
        "{condition}"
    );
    let script = push["run"].as_str().expect("push's script");
    let commands: Vec<&str> = script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        commands.iter().all(|l| l.starts_with("auth=")
            || l.starts_with("echo \"::add-mask::")
            || l.starts_with("git -c ")
            || l.starts_with("push origin")),
        "the push step runs only git: {commands:#?}"
    );
    // The documented workflow keeps no credentials in the checkout.
    let workflow = std::fs::read_to_string(root().join("docs/workflows/benchgate-baseline.yml"))
        .expect("the baseline workflow");
    assert!(
        workflow.contains("persist-credentials: false"),
        "{workflow}"
    );
}

#[test]
fn publish_runs_after_a_failed_check_that_made_a_comparison_only() {
    let action = parse(&root().join("action.yml"));
    let condition = step(&action, "publish")["if"]
        .as_str()
        .expect("publish's condition")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for part in [
        // After a failed check too (a regression is what the comment is
        // for), but not when the run was cancelled.
        "!cancelled()",
        "(inputs.mode == 'check' || inputs.mode == 'ab')",
        // No comparison, nothing to publish (check's error is the news).
        "steps.check.outputs.verdict != ''",
        "steps.check.outputs.verdict != 'error'",
    ] {
        assert!(condition.contains(part), "{part} not in {condition}");
    }
    assert!(
        !condition.contains("always()"),
        "a cancelled job must not publish: {condition}"
    );
}

#[test]
fn no_documented_workflow_measures_or_compares_in_a_step_that_holds_a_token() {
    let mut publishing = 0;
    for path in workflows()
        .into_iter()
        .filter(|p| p.starts_with(root().join("docs")))
    {
        let workflow = parse(&path);
        let jobs = workflow["jobs"].as_mapping().expect("jobs");
        for step in jobs
            .values()
            .flat_map(|j| j["steps"].as_sequence().into_iter().flatten())
        {
            let run = step["run"].as_str().unwrap_or_default();
            let benchgate: Vec<&str> = run
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("benchgate ") || l.contains("\"$BENCHGATE_BIN\" "))
                .collect();
            if benchgate.is_empty() {
                continue;
            }
            assert!(!run.contains("--github"), "{}: {run}", path.display());
            if benchgate.iter().all(|l| l.contains(" publish ")) {
                publishing += 1;
                continue;
            }
            // `history append` and `history show` read and write one file
            // and run no app: the history workflows fetch and push the
            // history branch with the token in the same step.
            if benchgate
                .iter()
                .all(|l| l.contains(" history append ") || l.contains(" history show "))
            {
                continue;
            }
            assert!(
                !holds_a_token(step),
                "{}: a step that runs {benchgate:?} holds a token",
                path.display()
            );
        }
    }
    assert!(
        publishing >= 1,
        "the fork comment publishes with benchgate publish"
    );
}

/// A pull request's repository, played locally: `remote` holds a base and a
/// head commit on `main` (and `release` at the base); `work` is a shallow
/// clone of `main` like the one `actions/checkout` makes, so it lacks the
/// base. A stand-in benchgate in `$HOME/.cargo/bin` records its arguments
/// and writes a comparison.
struct PullRequest {
    dir: tempfile::TempDir,
    base: String,
}

/// The stand-in for benchgate: records its arguments one per line and
/// writes a comparison whose outcome follows its exit code ($STANDIN_CODE).
const STANDIN: &str = r#"#!/bin/sh
printf '%s\n' "$@" > "$HOME/args"
mkdir -p "$BENCHGATE_REPORT_DIR"
code="${STANDIN_CODE:-0}"
case "$code" in
  1) outcome=fail; verdict=regressed ;;
  3) outcome=invalid; verdict=inconclusive ;;
  *) outcome=pass; verdict=unchanged ;;
esac
seeing=true
possible='[]'
case "$STANDIN_KIND" in
  blind) seeing=false; verdict=inconclusive ;;
  possible) outcome=possible-regression; verdict=inconclusive
    possible='[{"endpoint": "report%", "metric": "p50", "ratio": 1.128, "lower": 0.99, "upper": 1.27, "threshold": 0.1}]' ;;
  nothing) outcome=not-judged; seeing=false; verdict=inconclusive ;;
esac
cat > "$BENCHGATE_REPORT_DIR/comparison.json" <<JSON
{"outcome": "$outcome", "threshold": 0.1, "sight": {"central_seeing": $seeing}, "endpoints": [{"metrics": [{"verdict": "$verdict"}], "errors": {"regressed": false}}], "possible_regressions": $possible}
JSON
exit "$code"
"#;

impl PullRequest {
    fn new() -> PullRequest {
        let dir = tempfile::tempdir().expect("temp dir");
        let pr = PullRequest {
            dir,
            base: String::new(),
        };
        let remote = pr.path("remote");
        fs_err::create_dir_all(&remote).expect("remote dir");
        pr.git(&remote, &["init", "--quiet", "--initial-branch=main"]);
        fs_err::write(remote.join("app.txt"), "base\n").expect("write");
        pr.git(&remote, &["add", "app.txt"]);
        pr.git(&remote, &["commit", "--quiet", "-m", "base"]);
        let base = pr.git(&remote, &["rev-parse", "HEAD"]);
        pr.git(&remote, &["branch", "release"]);
        fs_err::write(remote.join("app.txt"), "head\n").expect("write");
        pr.git(&remote, &["commit", "--quiet", "-am", "head"]);
        let url = format!("file://{}", remote.display());
        pr.git(
            pr.dir.path(),
            &["clone", "--quiet", "--depth=1", &url, "work"],
        );
        let bin = pr.path("home/.cargo/bin");
        fs_err::create_dir_all(&bin).expect("bin dir");
        fs_err::write(bin.join("benchgate"), STANDIN).expect("stand-in");
        use std::os::unix::fs::PermissionsExt as _;
        fs_err::set_permissions(
            bin.join("benchgate"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
        let pr = PullRequest { base, ..pr };
        assert!(!pr.has_commit(&pr.base), "the shallow clone lacks the base");
        pr
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A git command isolated from the machine's git configuration.
    fn command(&self, program: &str, dir: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.current_dir(dir)
            .env("HOME", self.path("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "a")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "a")
            .env("GIT_COMMITTER_EMAIL", "a@example.com");
        cmd
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        checked_git(self.command("git", dir), args)
    }

    fn has_commit(&self, sha: &str) -> bool {
        self.command("git", &self.path("work"))
            .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
            .status()
            .expect("git runs")
            .success()
    }

    /// Runs the action's check step as the runner would (bash -eo
    /// pipefail, inputs in the environment) with `mode` and the value its
    /// `BASE_SHA` expression gave.
    fn run_step(&self, mode: &str, base_sha: &str, standin_code: u8) -> Step {
        self.run_step_with(mode, base_sha, standin_code, "")
    }

    /// [`Self::run_step`], with a stand-in whose metrics were all blind
    /// (`kind` "blind") or that left a possible regression ("possible").
    fn run_step_with(&self, mode: &str, base_sha: &str, standin_code: u8, kind: &str) -> Step {
        let action = parse(&root().join("action.yml"));
        let step = check_step(&action);
        assert_eq!(
            step["env"]["BASE_SHA"].as_str(),
            Some("${{ inputs.base-ref || github.event.pull_request.base.sha }}")
        );
        assert_eq!(
            step["env"]["BENCHGATE_MODE"].as_str(),
            Some("${{ inputs.mode }}")
        );
        assert_eq!(step["env"]["BENCHGATE_BIN"].as_str(), Some(INSTALLED_BIN));
        let script = step["run"].as_str().expect("the step's script");
        let output = self.path("github_output");
        fs_err::write(&output, "").expect("output file");
        let out = self
            .command("bash", &self.path("work"))
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("GITHUB_OUTPUT", &output)
            .env("BENCHGATE_MODE", mode)
            .env("BENCHGATE_CONFIG", "benchgate.yaml")
            .env("BENCHGATE_REPORT_DIR", "benchgate-report")
            .env("BASE_SHA", base_sha)
            .env("BENCHGATE_BIN", self.path("home/.cargo/bin/benchgate"))
            .env("STANDIN_CODE", standin_code.to_string())
            .env("STANDIN_KIND", kind)
            .env("BENCHGATE_COMMENT", "false")
            .output()
            .expect("bash runs");
        Step {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            outputs: fs_err::read_to_string(&output).expect("outputs"),
            args: std::fs::read_to_string(self.path("home/args"))
                .ok()
                .map(|a| a.lines().map(str::to_string).collect()),
        }
    }
}

#[derive(Debug)]
struct Step {
    code: Option<i32>,
    stdout: String,
    /// What the step wrote to $GITHUB_OUTPUT.
    outputs: String,
    /// The stand-in's arguments, if it ran.
    args: Option<Vec<String>>,
}

const CHECK_ARGS: [&str; 5] = [
    "check",
    "--config",
    "benchgate.yaml",
    "--report-dir",
    "benchgate-report",
];

fn with_ab(base: &str) -> Vec<String> {
    let mut args: Vec<String> = CHECK_ARGS.iter().map(|a| a.to_string()).collect();
    args.extend(["--ab".to_string(), base.to_string()]);
    args
}

#[test]
fn ab_mode_fetches_the_pull_requests_base_and_runs_check_ab() {
    let pr = PullRequest::new();
    let step = pr.run_step("ab", &pr.base, 0);
    assert_eq!(step.code, Some(0), "{step:?}");
    assert_eq!(step.args, Some(with_ab(&pr.base)));
    assert!(pr.has_commit(&pr.base), "the base was fetched");
    assert!(step.outputs.contains("verdict=pass\n"), "{}", step.outputs);
    assert!(step.outputs.contains("regressions=0\n"), "{}", step.outputs);
    assert!(step.outputs.contains("report-dir=benchgate-report\n"));
}

#[test]
fn a_blind_pass_is_inconclusive_and_no_verdict_is_invalid() {
    let pr = PullRequest::new();
    let step = pr.run_step_with("ab", &pr.base, 0, "blind");
    assert_eq!(step.code, Some(0), "{step:?}");
    assert!(
        step.outputs.contains("verdict=inconclusive\n"),
        "{}",
        step.outputs
    );
    let step = pr.run_step("ab", &pr.base, 3);
    assert_eq!(step.code, Some(3), "{step:?}");
    assert!(
        step.outputs.contains("verdict=invalid\n"),
        "{}",
        step.outputs
    );
}

/// A step whose report is `kind` exits 0 with `verdict` and a warning
/// annotation that starts with `warning`.
fn not_judged_step(kind: &str, verdict: &str, warning: &str) {
    let pr = PullRequest::new();
    let step = pr.run_step_with("ab", &pr.base, 0, kind);
    assert_eq!(step.code, Some(0), "{step:?}");
    assert!(
        step.outputs.contains(&format!("verdict={verdict}\n")),
        "{}",
        step.outputs
    );
    assert!(step.stdout.contains(warning), "{}", step.stdout);
}

#[test]
fn a_possible_regression_is_its_own_verdict_with_a_warning() {
    not_judged_step(
        "possible",
        "possible-regression",
        "::warning title=benchgate possible regression::⚠ not judged: report%25 p50 +12.8%25 may be over 10%25",
    );
}

#[test]
fn a_run_that_saw_nothing_is_not_judged_with_a_warning() {
    not_judged_step(
        "nothing",
        "not-judged",
        "::warning title=benchgate not judged::⚠ not judged: no gated metric could see a 10%25 change; see the report",
    );
}

#[test]
fn ab_mode_resolves_a_base_ref_branch_and_passes_a_regression_on() {
    let pr = PullRequest::new();
    let step = pr.run_step("ab", "release", 1);
    assert_eq!(step.code, Some(1), "{step:?}");
    assert_eq!(step.args, Some(with_ab(&pr.base)));
    assert!(step.outputs.contains("verdict=fail\n"), "{}", step.outputs);
    assert!(step.outputs.contains("regressions=1\n"), "{}", step.outputs);
}

#[test]
fn ab_mode_uses_a_base_already_in_the_checkout() {
    let pr = PullRequest::new();
    let head = pr.git(&pr.path("work"), &["rev-parse", "HEAD"]);
    let step = pr.run_step("ab", "HEAD", 0);
    assert_eq!(step.code, Some(0), "{step:?}");
    assert_eq!(step.args, Some(with_ab(&head)));
}

#[test]
fn ab_mode_without_a_base_fails_with_one_error_line() {
    let pr = PullRequest::new();
    let cases = [
        ("", "::error::benchgate: mode ab needs a base commit: run it on a pull_request event or set the base-ref input"),
        ("0123456789abcdef0123456789abcdef01234567", "::error::benchgate: the base commit 0123456789abcdef0123456789abcdef01234567 is not in the checkout and cannot be fetched from origin"),
        ("--upload-pack=touch pwned", "::error::benchgate: base-ref '--upload-pack=touch pwned' is not a commit, branch or tag name"),
    ];
    for (base, error) in cases {
        let step = pr.run_step("ab", base, 0);
        assert_eq!(step.code, Some(2), "{base:?}: {step:?}");
        assert!(step.stdout.contains(error), "{base:?}: {}", step.stdout);
        assert_eq!(step.args, None, "{base:?}: benchgate ran");
        assert_eq!(step.outputs, "verdict=error\n", "{base:?}");
    }
    assert!(!pr.path("work/pwned").exists());
}

#[test]
fn check_mode_never_passes_ab_even_on_a_pull_request() {
    let pr = PullRequest::new();
    let step = pr.run_step("check", &pr.base, 0);
    assert_eq!(step.code, Some(0), "{step:?}");
    let expected: Vec<String> = CHECK_ARGS.iter().map(|a| a.to_string()).collect();
    assert_eq!(step.args, Some(expected));
    assert!(!pr.has_commit(&pr.base), "check mode fetched the base");
}

/// A stand-in benchgate for update-baseline mode: `validate` names the
/// suite, `baseline update` writes `baselines/demo.json`.
const BASELINE_STANDIN: &str = r#"#!/bin/sh
case "$1" in
  validate) echo "benchgate.yaml: suite demo is valid: 1 endpoint" ;;
  baseline) mkdir -p baselines && echo '{"runs": 5}' > baselines/demo.json ;;
esac
"#;

impl PullRequest {
    /// Runs the action's step `id` in the clone with `env`, as the runner
    /// would; what it wrote to $GITHUB_OUTPUT, or its stderr on failure.
    fn run_action_step(&self, id: &str, env: &[(&str, &str)]) -> Result<String, String> {
        let action = parse(&root().join("action.yml"));
        let script = step(&action, id)["run"].as_str().expect("a script");
        let output = self.path("github_output");
        fs_err::write(&output, "").expect("output file");
        let out = self
            .command("bash", &self.path("work"))
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("GITHUB_OUTPUT", &output)
            .envs(env.iter().copied())
            .output()
            .expect("bash runs");
        if out.status.success() {
            Ok(fs_err::read_to_string(&output).expect("outputs"))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).to_string())
        }
    }
}

#[test]
fn update_baseline_commits_without_the_token_and_pushes_with_it() {
    let pr = PullRequest::new();
    let standin = pr.path("home/.cargo/bin/benchgate");
    fs_err::write(&standin, BASELINE_STANDIN).expect("stand-in");
    let standin = standin.to_string_lossy().to_string();
    let record = [
        ("BENCHGATE_CONFIG", "benchgate.yaml"),
        ("BENCHGATE_RUNS", "5"),
        ("BENCHGATE_BIN", standin.as_str()),
    ];
    let outputs = pr.run_action_step("baseline", &record).expect("recorded");
    assert!(outputs.contains("committed=true"), "{outputs}");

    // The remote has `main` checked out: push to another branch.
    let push = [
        ("GH_TOKEN", "ghs_push_only_789"),
        ("BENCHGATE_BRANCH", "bench"),
        ("SERVER_URL", "https://github.com"),
    ];
    let outputs = pr.run_action_step("push-baselines", &push).expect("pushed");
    assert!(outputs.is_empty(), "{outputs}");
    let pushed = pr.git(&pr.path("remote"), &["show", "bench:baselines/demo.json"]);
    assert_eq!(pushed, r#"{"runs": 5}"#);
    let subject = pr.git(&pr.path("remote"), &["log", "-1", "--format=%s", "bench"]);
    assert_eq!(subject, "benchgate: update baselines for demo [skip ci]");
    let config = fs_err::read_to_string(pr.path("work/.git/config")).expect("git config");
    assert!(!config.contains("extraheader"), "{config}");

    // Nothing changed: no commit, and the push step's condition is false.
    let outputs = pr.run_action_step("baseline", &record).expect("ran");
    assert!(!outputs.contains("committed"), "{outputs}");
}

/// `git args` in `cwd`, isolated from the machine's configuration; its
/// stdout, trimmed.
fn git(cwd: &Path, args: &[&str]) -> String {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    checked_git(cmd, args)
}

/// `cmd` (a git command) with `args`, which must succeed: its stdout,
/// trimmed.
fn checked_git(mut cmd: std::process::Command, args: &[&str]) -> String {
    let out = cmd.args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The A/B comparison fixture as the step of `commit` against its parent.
fn step_report(dir: &Path, commit: &str) -> PathBuf {
    let report = dir.join(format!("report-{commit}"));
    fs_err::create_dir_all(&report).expect("mkdir");
    let mut c: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(root().join("fixtures/compare/ab-comparison.json"))
            .expect("the A/B comparison fixture"),
    )
    .expect("JSON");
    c["head"]["git_commit"] = commit.into();
    c["base"]["git_commit"] = format!("{commit}-parent").into();
    fs_err::write(report.join("comparison.json"), c.to_string()).expect("write");
    report
}

/// The documented history workflow's append step, run as the runner would
/// against a local "server": the first step creates `benchgate-data`, the
/// next appends to it, and the same commit again adds nothing.
#[test]
fn the_history_workflow_appends_each_step_once_to_the_data_branch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = dir.path().join("server");
    let remote = server.join("octo/app.git");
    fs_err::create_dir_all(&remote).expect("mkdir");
    git(&remote, &["init", "--quiet", "--bare"]);

    let workflow = parse(&root().join("docs/workflows/benchgate-history.yml"));
    let append = named_step(
        &workflow["jobs"]["step"]["steps"],
        "Append the step to benchgate-data",
    );
    let script = append["run"].as_str().expect("its script");
    // A run with no verdict measured nothing: a gap, not a step.
    let condition = append["if"].as_str().expect("its condition");
    assert!(
        condition.contains("verdict != 'invalid'") && condition.contains("verdict != 'error'"),
        "{condition}"
    );

    let run = |commit: &str| {
        let report = step_report(dir.path(), commit);
        let out = std::process::Command::new("bash")
            .current_dir(dir.path())
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("BENCHGATE_BIN", env!("CARGO_BIN_EXE_benchgate"))
            .env("REPORT_DIR", &report)
            .env("GH_TOKEN", "ghs_history_push")
            .env("SERVER_URL", format!("file://{}", server.display()))
            .env("REPOSITORY", "octo/app")
            .env("RUNNER_TEMP", dir.path())
            .env("GITHUB_SHA", commit)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("aaaa1111");
    run("bbbb2222");
    run("bbbb2222");
    let log = git(&remote, &["log", "--format=%s", "benchgate-data"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "benchgate history: demo step of bbbb2222",
            "benchgate history: demo step of aaaa1111"
        ]
    );
    let history = git(&remote, &["show", "benchgate-data:demo.chain.jsonl"]);
    let commits: Vec<String> = history
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["commit"].to_string()
        })
        .collect();
    assert_eq!(commits, ["\"aaaa1111\"", "\"bbbb2222\""]);
}

/// A stand-in for the benchgate the action installed: `validate` is the
/// real one; `check --config FILE` becomes the real `compare` of the demo's
/// committed results, with the rest of the action's arguments
/// (`--report-dir`, `--history`) as given.
const COMPARE_STANDIN: &str = r#"#!/bin/sh
if [ "$1" = validate ]; then exec "$BENCHGATE" "$@"; fi
printf '%s\n' "$@" > "$STANDIN_ARGS"
shift 3
exec "$BENCHGATE" compare "$FIXTURES/demo-base.json" "$FIXTURES/demo-head.json" "$@"
"#;

/// A pull request's job against a local "server" (`file://`, as
/// `github.server_url`): the action's history step, then its check step
/// given the file that step found.
struct PrJob {
    dir: tempfile::TempDir,
}

/// What a job did: the history file the check was given, the history
/// step's log and the report's comparison.md.
struct Job {
    file: Option<String>,
    log: String,
    markdown: String,
}

impl Job {
    /// Asserts that the check ran without main's history: no file was
    /// passed to it and its comment names no change of main's.
    fn assert_without_history(&self, why: &str) {
        assert_eq!(self.file, None, "{why}");
        assert!(
            !self.markdown.contains("main since"),
            "{why}: {}",
            self.markdown
        );
    }
}

impl PrJob {
    fn new() -> PrJob {
        let job = PrJob {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        git(
            job.dir.path(),
            &["init", "--quiet", "--bare", "server/octo/app.git"],
        );
        let work = job.path("work");
        fs_err::create_dir_all(&work).expect("mkdir");
        // init's starter, named as the demo's results are (quoted, with a
        // comment: the step reads the name as benchgate does).
        let starter =
            fs_err::read_to_string(root().join("src/init/benchgate.yaml")).expect("starter");
        assert!(
            starter.contains("\nsuite: api\n"),
            "the starter names its suite"
        );
        let suite = starter.replace("\nsuite: api\n", "\nsuite: \"demo\" # the demo's results\n");
        fs_err::write(work.join("benchgate.yaml"), suite).expect("the suite file");
        let standin = job.path("benchgate");
        fs_err::write(&standin, COMPARE_STANDIN).expect("stand-in");
        use std::os::unix::fs::PermissionsExt as _;
        fs_err::set_permissions(&standin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        job
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// demo.chain.jsonl in `dir`, written by `history append` from the step
    /// of `commit`.
    fn write_history(&self, dir: &Path, commit: &str) -> PathBuf {
        let file = dir.join("demo.chain.jsonl");
        let report = step_report(self.dir.path(), commit);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .args(["history", "append"])
            .arg(&report)
            .arg("--file")
            .arg(&file)
            .output()
            .expect("history append runs");
        assert!(out.status.success(), "{out:?}");
        file
    }

    /// Pushes a benchgate-data branch holding demo.chain.jsonl with the
    /// step of aaaa1111.
    fn push_history(&self) {
        let data = self.path("data");
        let url = format!("file://{}", self.path("server/octo/app.git").display());
        git(
            self.dir.path(),
            &["init", "--quiet", "--initial-branch=benchgate-data", "data"],
        );
        self.write_history(&data, "aaaa1111");
        git(&data, &["add", "-A"]);
        let identity = ["-c", "user.name=a", "-c", "user.email=a@example.com"];
        git(
            &data,
            &[&identity[..], &["commit", "--quiet", "-m", "history"]].concat(),
        );
        git(&data, &["push", "--quiet", &url, "HEAD:benchgate-data"]);
    }

    /// Runs `script` in the checkout as the runner would, with `env`; its
    /// exit code, its log (stdout and stderr) and what it wrote to
    /// $GITHUB_OUTPUT.
    fn run(&self, script: &str, env: &[(&str, String)]) -> (Option<i32>, String, String) {
        let output = self.path("github_output");
        fs_err::write(&output, "").expect("output file");
        let out = std::process::Command::new("bash")
            .current_dir(self.path("work"))
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GITHUB_OUTPUT", &output)
            .env("RUNNER_TEMP", self.path("runner-temp"))
            .env("BENCHGATE", env!("CARGO_BIN_EXE_benchgate"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("bash runs");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            fs_err::read_to_string(&output).expect("outputs"),
        )
    }

    /// The action's history step with the inputs `history-file` and
    /// `history-branch` for a repository named `repository`, then its check
    /// step (check mode: ab passes the history alike) with the file it
    /// found.
    fn run_job(&self, history_file: &str, history_branch: &str, repository: &str) -> Job {
        let action = parse(&root().join("action.yml"));
        let history = step(&action, "history");
        let expected = [
            ("GH_TOKEN", "${{ inputs.github-token }}"),
            ("BENCHGATE_BIN", INSTALLED_BIN),
            ("BENCHGATE_CONFIG", "${{ inputs.config }}"),
            ("BENCHGATE_HISTORY_FILE", "${{ inputs.history-file }}"),
            ("BENCHGATE_HISTORY_BRANCH", "${{ inputs.history-branch }}"),
            ("SERVER_URL", "${{ github.server_url }}"),
            ("REPOSITORY", "${{ github.repository }}"),
        ];
        for (name, value) in expected {
            assert_eq!(history["env"][name].as_str(), Some(value), "{name}");
        }
        fs_err::create_dir_all(self.path("runner-temp")).expect("mkdir");
        let (code, log, outputs) = self.run(
            history["run"].as_str().expect("its script"),
            &[
                ("GH_TOKEN", "ghs_read_history".into()),
                (
                    "BENCHGATE_BIN",
                    self.path("benchgate").display().to_string(),
                ),
                ("BENCHGATE_CONFIG", "benchgate.yaml".into()),
                ("BENCHGATE_HISTORY_FILE", history_file.into()),
                ("BENCHGATE_HISTORY_BRANCH", history_branch.into()),
                (
                    "SERVER_URL",
                    format!("file://{}", self.path("server").display()),
                ),
                ("REPOSITORY", repository.into()),
            ],
        );
        assert_eq!(code, Some(0), "the history never fails the job: {log}");
        let file = outputs
            .lines()
            .find_map(|l| l.strip_prefix("file="))
            .map(str::to_owned);

        let check = check_step(&action);
        assert_eq!(
            check["env"]["BENCHGATE_HISTORY"].as_str(),
            Some("${{ steps.history.outputs.file }}")
        );
        let (code, check_log, outputs) = self.run(
            check["run"].as_str().expect("its script"),
            &[
                ("BENCHGATE_MODE", "check".into()),
                ("BENCHGATE_CONFIG", "benchgate.yaml".into()),
                ("BENCHGATE_REPORT_DIR", "benchgate-report".into()),
                ("BASE_SHA", String::new()),
                (
                    "BENCHGATE_BIN",
                    self.path("benchgate").display().to_string(),
                ),
                ("BENCHGATE_COMMENT", "true".into()),
                ("BENCHGATE_HISTORY", file.clone().unwrap_or_default()),
                (
                    "FIXTURES",
                    root().join("fixtures/compare").display().to_string(),
                ),
                ("STANDIN_ARGS", self.path("args").display().to_string()),
            ],
        );
        assert!(matches!(code, Some(0 | 1)), "{check_log}");
        assert!(outputs.contains("verdict="), "{outputs}");
        let args = fs_err::read_to_string(self.path("args")).expect("the stand-in's arguments");
        let given = args.lines().skip_while(|a| *a != "--history").nth(1);
        assert_eq!(given.map(str::to_owned), file, "{args}");
        let markdown =
            fs_err::read_to_string(self.path("work/benchgate-report/comparison.md")).expect("md");
        Job {
            file,
            log,
            markdown,
        }
    }
}

/// By default the action reads main's history from benchgate-data and the
/// check names main's change in the comment; in a repository without that
/// branch yet the step says so in one line and the check runs without it.
#[test]
fn the_action_passes_mains_history_from_benchgate_data_to_the_check() {
    let action = parse(&root().join("action.yml"));
    assert_eq!(
        action["inputs"]["history-branch"]["default"].as_str(),
        Some("benchgate-data")
    );
    let job = PrJob::new();
    let run = job.run_job("", "benchgate-data", "octo/app");
    run.assert_without_history("no benchgate-data branch, no history file");
    assert!(
        run.log.contains("benchgate: no branch benchgate-data yet"),
        "{}",
        run.log
    );
    assert!(!run.log.contains("::warning"), "{}", run.log);

    job.push_history();
    let run = job.run_job("", "benchgate-data", "octo/app");
    let file = run.file.expect("the history file");
    assert!(
        fs_err::read_to_string(&file)
            .expect("the fetched history")
            .contains("\"aaaa1111\""),
        "{file}"
    );
    assert!(
        run.markdown
            .contains("main since aaaa1111 (1 step): list-users mean "),
        "{}",
        run.markdown
    );
    assert!(
        !file.starts_with(&job.path("work").display().to_string()),
        "the history is fetched outside the checkout: {file}"
    );
    let config = fs_err::read_to_string(job.path("runner-temp/benchgate-history.git/config"))
        .expect("the history's repository");
    assert!(!config.contains("extraheader"), "{config}");
    assert!(!config.contains("ghs_"), "{config}");
}

/// A history file the workflow already has wins over the branch; an empty
/// history-branch fetches nothing; a repository that cannot be read is a
/// warning, and the check runs without the history.
#[test]
fn the_history_file_input_wins_and_the_fetch_can_be_turned_off_or_fail() {
    let job = PrJob::new();
    job.push_history();
    let mine = job.path("mine");
    fs_err::create_dir_all(&mine).expect("mkdir");
    let mine = job.write_history(&mine, "cccc3333");
    let mine = mine.display().to_string();
    let run = job.run_job(&mine, "benchgate-data", "octo/app");
    assert_eq!(run.file.as_deref(), Some(mine.as_str()));
    assert!(
        run.markdown.contains("main since cccc3333 (1 step)"),
        "{}",
        run.markdown
    );
    assert!(
        !job.path("runner-temp/benchgate-history.git").exists(),
        "fetched though history-file was given"
    );

    let run = job.run_job("", "", "octo/app");
    run.assert_without_history("an empty history-branch");
    assert!(
        !job.path("runner-temp/benchgate-history.git").exists(),
        "fetched though history-branch is empty"
    );

    let run = job.run_job("", "benchgate-data", "octo/gone");
    run.assert_without_history("a repository that cannot be read");
    assert!(
        run.log
            .contains("::warning title=benchgate history::could not read the branch benchgate-data of octo/gone"),
        "{}",
        run.log
    );
}

/// Every documented workflow that measures a pull request gets main's
/// history from the action: none fetches it itself, none turns it off.
#[test]
fn every_pull_request_workflow_gets_mains_history_from_the_action() {
    let mut measuring = 0;
    for path in workflows()
        .into_iter()
        .filter(|p| p.starts_with(root().join("docs")))
        .chain([root().join("src/init/workflow.yml")])
    {
        let workflow = parse(&path);
        if workflow["on"].get("pull_request").is_none() {
            continue;
        }
        let text = fs_err::read_to_string(&path).expect("the workflow");
        assert!(!text.contains("benchgate-data.git"), "{}", path.display());
        for step in workflow["jobs"]
            .as_mapping()
            .expect("jobs")
            .values()
            .flat_map(|j| j["steps"].as_sequence().into_iter().flatten())
            .filter(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.contains("/benchgate@"))
            })
        {
            measuring += 1;
            let with = &step["with"];
            assert!(
                matches!(with["mode"].as_str(), None | Some("check" | "ab")),
                "{}",
                path.display()
            );
            assert!(with.get("history-branch").is_none(), "{}", path.display());
            assert!(with.get("history-file").is_none(), "{}", path.display());
        }
    }
    assert!(
        measuring >= 4,
        "pr, pr-ab, fork-measure and init's: {measuring}"
    );
}

/// The creep workflow lists the history's steps from the file the action
/// read, with no token and no fetch of its own.
#[test]
fn the_creep_workflow_reads_the_history_the_action_fetched() {
    let action = parse(&root().join("action.yml"));
    assert_eq!(
        action["outputs"]["history-file"]["value"].as_str(),
        Some("${{ steps.history.outputs.file }}")
    );
    let workflow = parse(&root().join("docs/workflows/benchgate-creep.yml"));
    let show = named_step(
        &workflow["jobs"]["creep"]["steps"],
        "The history's steps since the anchor",
    );
    assert!(!holds_a_token(show), "{show:?}");
    assert_eq!(
        show["env"]["HISTORY_FILE"].as_str(),
        Some("${{ steps.benchgate.outputs.history-file }}")
    );
    let script = show["run"].as_str().expect("its script");
    assert!(
        script.contains("history show --file \"$HISTORY_FILE\""),
        "{script}"
    );
    assert!(!script.contains("git "), "{script}");
}

/// A stand-in for `gh`: records its arguments; `gh api` prints the history
/// file $GH_HISTORY when there is one, else fails as a missing file does.
const GH_STANDIN: &str = r#"#!/bin/sh
printf '%s\n' "$@" > "$GH_ARGS"
if [ -f "$GH_HISTORY" ]; then exec cat "$GH_HISTORY"; fi
echo "gh: Not Found (HTTP 404)" >&2
exit 1
"#;

/// The fork comment workflow's history and compare steps, as the runner
/// runs them with `benchgate` and a stand-in `gh` on the PATH: the history
/// comes from this repository's benchgate-data (not from the fork's
/// artifact) and reaches the comment; without it the comment goes without.
#[test]
fn the_fork_comment_workflow_compares_with_mains_history() {
    let job = PrJob::new();
    let bin = job.path("bin");
    fs_err::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_benchgate"), bin.join("benchgate"))
        .expect("symlink");
    fs_err::write(bin.join("gh"), GH_STANDIN).expect("stand-in");
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::set_permissions(bin.join("gh"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let report = job.path("work/benchgate-report");
    fs_err::create_dir_all(&report).expect("mkdir");
    for (from, to) in [
        ("demo-base.json", "base.json"),
        ("demo-head.json", "head.json"),
    ] {
        fs_err::copy(root().join("fixtures/compare").join(from), report.join(to)).expect("copy");
    }
    let workflow = parse(&root().join("docs/workflows/benchgate-fork-comment.yml"));
    let named = |name: &str| named_step(&workflow["jobs"]["comment"]["steps"], name);
    let fetch = named("Fetch main's history");
    let compare = named("Compare");
    assert!(!holds_a_token(compare), "{compare:?}");
    assert_eq!(
        compare["env"]["HISTORY_FILE"].as_str(),
        Some("${{ steps.history.outputs.file }}")
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let history = job.path("history.jsonl");
    let comment = |with_history: bool| {
        let _ = fs_err::remove_file(&history);
        if with_history {
            let dir = job.path("main");
            fs_err::create_dir_all(&dir).expect("mkdir");
            let file = job.write_history(&dir, "dddd4444");
            fs_err::copy(file, &history).expect("copy");
        }
        let env = [
            ("PATH", path.clone()),
            ("GH_TOKEN", "ghs_comment".to_string()),
            ("GH_ARGS", job.path("gh-args").display().to_string()),
            ("GH_HISTORY", history.display().to_string()),
            ("GITHUB_REPOSITORY", "octo/app".to_string()),
        ];
        let (code, log, outputs) = job.run(fetch["run"].as_str().expect("a script"), &env);
        assert_eq!(code, Some(0), "{log}");
        let asked = fs_err::read_to_string(job.path("gh-args")).expect("gh ran");
        assert!(
            asked.contains("repos/octo/app/contents/demo.chain.jsonl?ref=benchgate-data"),
            "{asked}"
        );
        let file = outputs
            .lines()
            .find_map(|l| l.strip_prefix("file="))
            .unwrap_or_default()
            .to_string();
        let (code, log, _) = job.run(
            compare["run"].as_str().expect("a script"),
            &[("PATH", path.clone()), ("HISTORY_FILE", file)],
        );
        assert!(matches!(code, Some(0 | 1)), "{log}");
        fs_err::read_to_string(job.path("work/benchgate-comparison/comparison.md")).expect("md")
    };
    let markdown = comment(false);
    assert!(!markdown.contains("main since"), "{markdown}");
    let markdown = comment(true);
    assert!(
        markdown.contains("main since dddd4444 (1 step)"),
        "{markdown}"
    );
}
